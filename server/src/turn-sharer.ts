import type { PortSharer } from './app';
import type { RelayContext } from './context';
import type { TlsMaterial } from './keys';

/**
 * The embedded TURN server on the relay's port. The TURN core (turn/, issue 3) plugs in here;
 * until it lands the relay hands out no TURN servers (RC_TURN is forced off) instead of
 * advertising one that does not answer.
 */
export function buildTurnSharer(ctx: RelayContext, _tls: TlsMaterial | null): PortSharer | undefined {
  if (ctx.config.turn) {
    ctx.log.warn('RC_TURN=on but this build has no TURN server yet; ICE servers will not include TURN');
    ctx.config.turn = false;
  }
  return undefined;
}
