// Bad input of every kind gets a typed error; the connection and the relay keep serving.
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { enrolledAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(() => r.stop());

describe('signalling sockets', () => {
  it('answer each malformed message with its error code and keep the connection', async () => {
    const agent = await (await enrolledAgent(admin)).connect();
    const cases: [string | Buffer, string, boolean?][] = [
      ['{"type":', 'bad_json'],
      ['[1,2,3]', 'bad_message'],
      ['"just a string"', 'bad_message'],
      [JSON.stringify({ id: 'x1' }), 'bad_message'],
      [JSON.stringify({ type: 'format-disk', id: 'x2' }), 'unknown_type'],
      [JSON.stringify({ type: 'session.accept', id: 'x3' }), 'invalid_fields'],
      [JSON.stringify({ type: 'session.accept', id: 'x4', sessionId: 's', extra: 1 }), 'invalid_fields'],
      [JSON.stringify({ type: 'report', id: 'x5', monitors: [{ id: 1 }] }), 'invalid_fields'],
      [Buffer.from([0xde, 0xad, 0xbe, 0xef]), 'bad_message', true],
    ];
    for (const [frame, code, binary] of cases) {
      agent.sendRaw(frame, binary);
      const err = await agent.inbox.wait('error');
      expect(err.code, `frame ${String(frame).slice(0, 30)}`).toBe(code);
      expect(err.message.length).toBeGreaterThan(0);
    }
    // Still connected and served: a valid report goes through to a console.
    const con = await new TestConsole(admin).connect();
    agent.send({ type: 'report', hostname: 'renamed-after-garbage' });
    await con.inbox.wait('presence.update', (m) => m.device.hostname === 'renamed-after-garbage');
    await agent.close();
    await con.close();
  });

  it('fails a text frame that is not UTF-8 with 1007 (RFC 6455 §8.1) and serves the next socket', async () => {
    const con = await new TestConsole(admin).connect();
    con.sendRaw(Buffer.from([0xff, 0xfe, 0xfd]));
    expect((await con.closed).code).toBe(1007);
    const next = await new TestConsole(admin).connect();
    await next.close();
  });

  it('refuses messages before hello', async () => {
    const agent = await enrolledAgent(admin);
    await agent.connect({ hello: false });
    const ref = agent.send({ type: 'session.accept', sessionId: 's_x' });
    expect(await agent.inbox.wait('error', (e) => e.ref === ref)).toMatchObject({ code: 'bad_message' });
    await agent.close();
  });

  it('closes a socket that sends a frame over 64 KiB with 1009, and serves the next one', async () => {
    const con = await new TestConsole(admin).connect();
    con.sendRaw(
      JSON.stringify({
        type: 'signal',
        id: 'big',
        sessionId: 's',
        payload: { kind: 'offer', sdp: 'x'.repeat(70_000) },
      }),
    );
    // The relay answers the frame header with close 1009; if the client is still writing the
    // payload when the relay drops the connection, the client sees 1006: with ECONNRESET when the
    // kernel resets it, or with no error at all when the FIN arrives before the close frame is read
    // (seen once in `npm test` on a loaded host).
    const { code } = await con.closed;
    if (code !== 1009) {
      expect(code).toBe(1006);
      expect([undefined, 'ECONNRESET', 'EPIPE']).toContain(con.lastError?.code);
    }
    const next = await new TestConsole(admin).connect();
    const ref = next.send({ type: 'session.attach', sessionId: 's_nope' });
    expect((await next.inbox.wait('error', (e) => e.ref === ref)).code).toBe('session_not_found');
    await next.close();
  });

  it('refuses upgrades without credentials before any socket exists', async () => {
    await expect(new TestConsole(new Api(r.base, r.cert)).connect('')).rejects.toThrow(/401/);
    const agent = await enrolledAgent(admin);
    Object.assign(agent, { deviceToken: 'not-a-token' });
    await expect(agent.connect()).rejects.toThrow(/401/);
  });
});

describe('HTTP', () => {
  it('answers bad requests with stable codes', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/v1/sessions', { deviceId: 'd_x', mode: 'drive', transport: 'internet' }, 400, 'bad_request'],
      ['POST', '/api/v1/sessions', { deviceId: 'd_x', mode: 'view', transport: 'internet' }, 404, 'not_found'],
      ['POST', '/api/v1/enrollment-tokens', { maxUses: -1 }, 400, 'bad_request'],
      ['POST', '/api/v1/enrollment-tokens', { group: 'no-such-group' }, 400, 'bad_request'],
      ['GET', '/api/v1/nothing-here', undefined, 404, 'not_found'],
      [
        'POST',
        '/api/v1/agents/enroll',
        { enrollmentToken: 'x', hostname: 'h', os: 'linux', certFingerprint: 'zz' },
        400,
        'bad_request',
      ],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await admin.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
  });

  it('refuses a body over the limit and malformed JSON', async () => {
    const big = await admin.post('/api/v1/groups', { name: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('bad_request');
  });
});

describe('the raw port', () => {
  it('survives garbage, half handshakes and plain HTTP, and still serves HTTPS', async () => {
    const send = (bytes: Buffer | string) =>
      new Promise<string>((resolve) => {
        const s = net.connect(r.port, '127.0.0.1', () => s.write(bytes));
        let out = '';
        s.on('data', (d) => {
          out += d;
        });
        s.on('close', () => resolve(out));
        s.on('error', () => resolve(out));
        setTimeout(() => s.destroy(), 500);
      });
    expect(await send('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toContain('This port speaks HTTPS');
    await send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])); // broken ClientHello
    await send(Buffer.from([0xff, 0xff, 0xff]));
    await send(Buffer.from('000100002112a442', 'hex')); // truncated STUN header
    // A TLS client that says nothing after the handshake and then leaves.
    await new Promise<void>((resolve) => {
      const t = tls.connect({ host: '127.0.0.1', port: r.port, ca: r.cert, servername: 'localhost' }, () => {
        t.destroy();
        resolve();
      });
      t.on('error', () => resolve());
    });
    expect((await admin.get('/healthz')).status).toBe(200);
  });
});
