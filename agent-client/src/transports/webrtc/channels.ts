// The data channels the console opens (it is the offerer) and the frames each may carry.
import type { FrameType } from '@rc-relay/protocol';

export const CHANNELS = ['input', 'clipboard', 'control'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** Which frames each data channel carries; anything else is answered `unexpected`. */
export const ALLOWED: Record<ChannelName, ReadonlySet<FrameType>> = {
  input: new Set(['pointer', 'key']),
  clipboard: new Set(['clipboard', 'clipboard.get']),
  control: new Set(['sessions.get', 'session.switch', 'settings', 'refresh', 'monitor.select']),
};
