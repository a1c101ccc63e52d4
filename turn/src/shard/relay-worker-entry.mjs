// Worker thread bootstrap (see shard-pool.ts): register tsx in this thread, then run the worker.
import { register } from 'tsx/esm/api';

register();
await import('./relay-worker.ts');
