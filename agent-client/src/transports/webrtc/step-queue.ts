// Signalling steps of one peer connection (set a description, add a candidate, make an offer), run
// strictly one after another. A step that hangs (a wrtc promise that never settles) is given up
// after a bound, so what comes after it, an ICE restart above all, is not stuck behind it for the
// rest of the session.

/** The longest one signalling step may take. */
export const STEP_TIMEOUT_MS = 10_000;

export class StepQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly timeoutMs = STEP_TIMEOUT_MS) {}

  /** Runs `step` after the steps before it; rejects with its error, or when it overruns the bound. */
  enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.tail.then(() => withTimeout(step(), this.timeoutMs));
    this.tail = run.catch(() => {});
    return run;
  }
}

/** What withTimeout rejects with when the promise did not settle in time. */
export class TimedOut extends Error {}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`no result after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
