import { describe, expect, it } from 'vitest';
import { explainListenError } from './listen-errors';

const err = (code: string) => Object.assign(new Error(`listen ${code}`), { code }) as NodeJS.ErrnoException;

describe('explainListenError', () => {
  // EACCES cannot be produced in tests that run as root (CI), so the message is checked here.
  it('tells how to bind a privileged port', () => {
    const m = explainListenError(err('EACCES'), 443);
    expect(m).toContain('port 443');
    expect(m).toContain('RC_PORT=8443');
    expect(m).toContain('cap_net_bind_service');
  });
  it('tells who to ask about a port in use', () => {
    expect(explainListenError(err('EADDRINUSE'), 8443)).toMatch(/8443 is already in use.*RC_PORT/s);
  });
  it('names RC_HOST for an address the machine does not have', () => {
    expect(explainListenError(err('EADDRNOTAVAIL'), 8443)).toContain('RC_HOST');
  });
});
