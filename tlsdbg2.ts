import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRelay } from '/work/main/test/support/relay';

const r = await startRelay({ RC_TURN_ALLOW_PEERS: '127.0.0.0/8', RC_RELAY_PORTS: '41000-41999' });
const secret = JSON.parse(readFileSync(join(r.dataDir, 'secrets.json'), 'utf8')).turnSecret;
writeFileSync('/tmp/relayinfo', `${r.port} ${secret}`);
setInterval(() => writeFileSync('/tmp/relaylogs', r.logs()), 500);
setTimeout(async () => {
  await r.stop();
  process.exit(0);
}, 40000);
