// The data channels the console opens (it is the offerer) and the frames each may carry.
import type { Frame, FrameType } from '@rc-relay/protocol';
import type { CursorState } from '../../backend/types';

export const CHANNELS = ['input', 'clipboard', 'control'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** Which frames each data channel carries; anything else is answered `unexpected`. */
export const ALLOWED: Record<ChannelName, ReadonlySet<FrameType>> = {
  input: new Set(['pointer', 'key']),
  clipboard: new Set(['clipboard', 'clipboard.get']),
  control: new Set(['sessions.get', 'session.switch', 'settings', 'refresh', 'monitor.select']),
};

/**
 * The pointer is not in the video (capture leaves it out): its position and shape go on `control`,
 * as a frame when they changed, with the shape only when it is new.
 */
export class CursorTrack {
  private sent: { x: number; y: number; visible: boolean; serial: number } | undefined;

  next(c: CursorState): Extract<Frame, { type: 'cursor' }> | undefined {
    const prev = this.sent;
    if (prev && prev.x === c.x && prev.y === c.y && prev.visible === c.visible && prev.serial === c.shapeSerial) return;
    const shape = (!prev || prev.serial !== c.shapeSerial) && c.shape ? c.shape : null;
    this.sent = { x: c.x, y: c.y, visible: c.visible, serial: c.shapeSerial };
    return { type: 'cursor', x: c.x, y: c.y, visible: c.visible, shape };
  }
}
