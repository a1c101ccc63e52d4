/** What to tell an operator whose relay cannot bind its port, with what to do about it. */
export function explainListenError(err: NodeJS.ErrnoException, port: number): string {
  if (err.code === 'EACCES') {
    return (
      `cannot bind port ${port}: ports below 1024 need privileges. Run with RC_PORT=8443, or grant ` +
      `the capability: sudo setcap cap_net_bind_service=+ep "$(command -v node)" (the container already has it).`
    );
  }
  if (err.code === 'EADDRINUSE') {
    return (
      `port ${port} is already in use by another process: stop it ('ss -ltnp "sport = :${port}"' shows which) ` +
      'or choose another with RC_PORT.'
    );
  }
  if (err.code === 'EADDRNOTAVAIL') return `RC_HOST is not an address of this machine: ${err.message}`;
  return `cannot listen on port ${port}: ${err.message}`;
}
