import { type ErrorCode, ErrorCodes } from '@rc-relay/protocol';

/** An error with a stable wire code; HTTP answers it with the code's status, WebSocket with an `error` message. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return ErrorCodes[this.code].http;
  }
}
