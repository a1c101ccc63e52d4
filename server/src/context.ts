import type { RateLimiter } from './auth/rate-limit';
import type { TokenService } from './auth/tokens';
import type { RelayConfig } from './config';
import type { Presence } from './hub/presence';
import type { SessionHub } from './hub/sessions';
import type { KeyMaterial } from './keys';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';
import type { Store } from './store';

/** What route and socket plugins share; each takes only the parts it uses. */
export interface RelayContext {
  config: RelayConfig;
  store: Store;
  tokens: TokenService;
  presence: Presence;
  sessions: SessionHub;
  metrics: RelayMetrics;
  keys: KeyMaterial;
  log: Logger;
  limits: { loginByAddress: RateLimiter; loginByUser: RateLimiter; enrollByAddress: RateLimiter };
  /** The port clients reach the relay on (the bound one when RC_PORT=0). */
  publicPort: () => number;
  draining: () => boolean;
}
