// The floor: the least a Node WebSocket server can hold an idle connection with. Plain `ws` on
// `https.createServer` (same certificate and key as the relay) or on `http.createServer`; no product
// logic, no heartbeat, nothing sent. The relay's RSS per connection is compared against this.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { memoryAfterGc, serve } from './proc';

const certFile = process.env.FLOOR_CERT;
const keyFile = process.env.FLOOR_KEY;
const server =
  certFile && keyFile
    ? https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) })
    : http.createServer();
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => ws.on('error', () => {}));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serve({
  gc: () => ({ mem: memoryAfterGc() }),
  stats: () => ({ clients: wss.clients.size }),
});
process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port, tls: Boolean(certFile) });
