// Typed failures of the X11 backend. `missing_library` and `no_display` stop the agent at start-up
// with a message that says what to install or which display is wrong; the others are per call.

export const X11ErrorCode = {
  missing_library: 'a system library is not installed (the message names the Debian package)',
  no_display: 'the X display cannot be opened (not running, or no access to its auth cookie)',
  no_extension: 'the X server lacks an extension the backend needs',
  wayland: 'the user session runs Wayland, which this backend cannot capture yet',
  no_session: 'no such user session',
  no_monitor: 'no such monitor on that display',
  clipboard: 'the clipboard could not be read or written',
  too_large: 'the clipboard content exceeds the configured cap',
  policy: 'the clipboard policy forbids this direction',
} as const;
export type X11ErrorCode = keyof typeof X11ErrorCode;

export class X11Error extends Error {
  constructor(
    readonly code: X11ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'X11Error';
  }
}
