// Picks the desktop backend once at start-up. Only the synthetic backend exists until the X11
// backend lands (issue 5); a real desktop is never faked silently: the log says which one runs.
import type { AgentConfig } from '../config';
import { SyntheticBackend } from './synthetic';
import type { DesktopBackend } from './types';

export function createBackend(cfg: AgentConfig['backend']): DesktopBackend {
  return new SyntheticBackend(cfg);
}

export type { DesktopBackend } from './types';
