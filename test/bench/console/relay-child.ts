// The console benchmark's relay (signalling and embedded TURN), alone in its process as it is in
// production, where it runs on another host: video relayed over TURN TCP then never waits for the
// agent's capture and conversion on a shared event loop. Built as the tests build it (startRelay).
import { startRelay, type TestRelay } from '../../support/relay';

const relay: TestRelay = await startRelay(JSON.parse(process.env.BENCH_RELAY_ENV ?? '{}'));
process.send?.({ type: 'ready', base: relay.base, cert: relay.cert });
const stop = () => void relay.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
