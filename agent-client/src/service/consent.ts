// Consent: the group's policy from the relay, overridden by the local config when set. "ask" goes to
// the backend's prompt with a timeout; no answer in time is a deny.
import type { ConsentPolicy, DenyReason, DevicePolicy } from '@rc-relay/protocol';
import { DEFAULT_CONSENT_TIMEOUT_SECONDS } from '@rc-relay/protocol';
import type { ConsentRequest, DesktopBackend } from '../backend/types';
import type { Logger } from '../log';

export type ConsentOutcome =
  | { ok: true }
  | { ok: false; reason: Extract<DenyReason, 'user-denied' | 'consent-timeout' | 'policy'> };

export class ConsentGate {
  policy: DevicePolicy = {
    // Until the relay says otherwise, ask: the safe default for a device nobody configured.
    consent: 'ask',
    consentTimeoutSeconds: DEFAULT_CONSENT_TIMEOUT_SECONDS,
    showIndicator: true,
  };

  constructor(
    private readonly backend: DesktopBackend,
    private readonly log: Logger,
    private readonly override?: ConsentPolicy,
  ) {}

  setPolicy(p: DevicePolicy): void {
    this.policy = p;
    this.log.info({ consent: p.consent, override: this.override, showIndicator: p.showIndicator }, 'policy');
  }

  get effective(): ConsentPolicy {
    return this.override ?? this.policy.consent;
  }

  /** Decides one request; `signal` aborts a prompt whose request was withdrawn. */
  async decide(
    req: Omit<ConsentRequest, 'timeoutSeconds'>,
    timeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<ConsentOutcome> {
    const policy = this.effective;
    if (policy === 'deny') return { ok: false, reason: 'policy' };
    if (policy === 'auto-accept') return { ok: true };
    const seconds = Math.min(timeoutSeconds, this.policy.consentTimeoutSeconds);
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, seconds * 1000);
    try {
      const answer = await this.backend.askConsent({ ...req, timeoutSeconds: seconds }, ctl.signal);
      if (timedOut) return { ok: false, reason: 'consent-timeout' };
      return answer === 'accept' && !ctl.signal.aborted ? { ok: true } : { ok: false, reason: 'user-denied' };
    } catch (err) {
      this.log.error({ err }, 'consent prompt failed; denying');
      return { ok: false, reason: 'user-denied' };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
