// Picks the desktop backend once at start-up: the X11 one for a real Linux desktop, the synthetic
// one for tests and benchmarks. A real desktop is never faked silently: the log says which one runs.
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import { SyntheticBackend } from './synthetic';
import type { DesktopBackend } from './types';
import { X11Backend } from './x11/backend';

export function createBackend(cfg: AgentConfig['backend'], log: Logger): DesktopBackend {
  switch (cfg.kind) {
    case 'synthetic':
      return new SyntheticBackend(cfg);
    case 'x11':
      return new X11Backend({
        display: cfg.display,
        displays: cfg.displays,
        clipboardMaxBytes: cfg.clipboard.maxBytes,
        clipboardDirection: cfg.clipboard.direction,
        log: log.child({ module: 'x11' }),
      });
  }
}

export type { DesktopBackend } from './types';
export { X11Error } from './x11/errors';
