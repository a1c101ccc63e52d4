// Public surface of @rc-relay/console-client for Node users (the relay, the rc-console bridge).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built browser console (`npm run build:console`): index.html and hashed assets. */
export const consoleDistDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
