// From bytes to a STUN answer: validation (RFC 8489 §6.3), unknown attributes (§6.3.1 → 420),
// authentication (§9.2.4), the TURN method handlers (RFC 8656 §7-§11), and the response with
// MESSAGE-INTEGRITY and FINGERPRINT. Nothing here throws to the caller: a failing handler is logged
// as a bug and answered with 500, and the server keeps serving.
import { authenticate } from '../auth/authenticate';
import { ErrorCodeAttr } from '../stun/attributes/error-code';
import { verifyFingerprint } from '../stun/attributes/fingerprint';
import { Nonce } from '../stun/attributes/nonce';
import { Realm } from '../stun/attributes/realm';
import { Software } from '../stun/attributes/software';
import { UnknownAttributes } from '../stun/attributes/unknown-attributes';
import { MessageBuilder } from '../stun/builder';
import {
  Attr,
  decodeMessageType,
  HEADER_LENGTH,
  isComprehensionRequired,
  MAGIC_COOKIE,
  MessageClass,
  Method,
} from '../stun/constants';
import { ErrorCode } from '../stun/error-codes';
import { decodeMessage, findAttribute, type StunMessage } from '../stun/message';
import type { Handler, Reply, ServerContext } from './context';
import { allocate } from './handlers/allocate';
import { binding } from './handlers/binding';
import { channelBind } from './handlers/channel-bind';
import { createPermission } from './handlers/create-permission';
import { refresh } from './handlers/refresh';
import { sendIndication } from './handlers/send-indication';
import type { ClientLink } from './link';

type AuthenticatedMethod = 'Allocate' | 'Refresh' | 'CreatePermission' | 'ChannelBind';
const handlers: { [K in AuthenticatedMethod]: Handler } = {
  Allocate: allocate,
  Refresh: refresh,
  CreatePermission: createPermission,
  ChannelBind: channelBind,
};
const handlerByMethod = new Map<number, Handler>(
  (Object.keys(handlers) as AuthenticatedMethod[]).map((name) => [Method[name], handlers[name]]),
);

/**
 * Attributes this server understands. DONT-FRAGMENT is left out on purpose: Node cannot set the DF
 * bit, and RFC 8656 §7.2 says such a server treats it as unknown (420 for requests, §10.2 drop for Send).
 */
const UNDERSTOOD = new Set<number>(Object.values(Attr).filter((t) => t !== Attr.DontFragment));

export class Dispatcher {
  constructor(private readonly ctx: ServerContext) {}

  /** Handles one STUN message from a client. Never throws. */
  handle(buf: Buffer, link: ClientLink): void {
    const decoded = decodeMessage(buf);
    if (!decoded.ok) {
      this.ctx.stats.malformed++;
      this.ctx.logger.debug({ client: link.key, reason: decoded.reason }, 'malformed STUN dropped');
      this.answerBrokenRequest(buf, link);
      return;
    }
    const msg = decoded.message;
    const fp = findAttribute(msg, Attr.Fingerprint);
    // RFC 8489 §7.3: a wrong FINGERPRINT means this is not STUN; drop silently.
    if (fp && !verifyFingerprint(msg.raw, fp.offset, fp.value)) {
      this.ctx.stats.malformed++;
      return;
    }
    const unknown = msg.attributes.filter((a) => isComprehensionRequired(a.type) && !UNDERSTOOD.has(a.type));
    if (msg.cls === MessageClass.Indication) {
      // §6.3.2: indications with unknown comprehension-required attributes are discarded.
      if (msg.method === Method.Send && unknown.length === 0)
        sendIndication(this.ctx, this.ctx.table.get(link.key), msg);
      return;
    }
    if (msg.cls !== MessageClass.Request) return;
    if (unknown.length > 0) {
      const types = [...new Set(unknown.map((a) => a.type))];
      this.reply(link, msg, {
        kind: 'error',
        error: ErrorCode.UnknownAttribute,
        add: (b) => b.add(UnknownAttributes, types),
      });
      return;
    }
    if (msg.method === Method.Binding) {
      this.reply(link, msg, binding(link));
      return;
    }
    const handler = handlerByMethod.get(msg.method);
    if (!handler) {
      this.reply(link, msg, { kind: 'error', error: ErrorCode.BadRequest });
      return;
    }
    this.authenticated(handler, msg, link);
  }

  private authenticated(handler: Handler, msg: StunMessage, link: ClientLink): void {
    const { ctx } = this;
    const now = Date.now();
    const auth = authenticate(msg, {
      realm: ctx.opts.realm,
      secret: ctx.opts.secret,
      nonces: ctx.nonces,
      client: link.key,
      nowMs: now,
    });
    if (!auth.ok) {
      if (auth.error === ErrorCode.StaleNonce) ctx.stats.staleNonces++;
      else if (auth.why !== 'no MESSAGE-INTEGRITY') {
        ctx.stats.authFailures++;
        ctx.logger.warn({ client: link.key, why: auth.why }, 'authentication failed');
      }
      this.reply(link, msg, {
        kind: 'error',
        error: auth.error,
        add: auth.challenge
          ? (b) => {
              b.add(Realm, ctx.opts.realm);
              b.add(Nonce, ctx.nonces.issue(link.key, now));
            }
          : undefined,
      });
      return;
    }
    const allocation = ctx.table.get(link.key);
    const keyed = { key: auth.key, sha256: auth.sha256 };
    // RFC 8656 §5: later requests on an allocation must use the credentials that created it.
    if (allocation && allocation.username !== auth.username) {
      this.reply(link, msg, { kind: 'error', error: ErrorCode.WrongCredentials }, keyed);
      return;
    }
    const onError = (err: unknown) => {
      ctx.logger.error({ client: link.key, method: msg.method, err: String(err) }, 'request handler failed');
      this.reply(link, msg, { kind: 'error', error: ErrorCode.ServerError }, keyed);
    };
    try {
      const result = handler(ctx, { msg, link, username: auth.username, now, allocation });
      if (result instanceof Promise) result.then((r) => this.reply(link, msg, r, keyed), onError);
      else this.reply(link, msg, result, keyed);
    } catch (err) {
      onError(err);
    }
  }

  private reply(link: ClientLink, msg: StunMessage, reply: Reply, keyed?: { key: Buffer; sha256: boolean }): void {
    if (reply.kind === 'none') return;
    if (reply.kind === 'raw') {
      link.send(reply.message);
      return;
    }
    const b = new MessageBuilder(
      msg.method,
      reply.kind === 'error' ? MessageClass.ErrorResponse : MessageClass.SuccessResponse,
      msg.transactionId,
    );
    if (reply.kind === 'error') {
      b.add(ErrorCodeAttr, reply.error);
      this.ctx.logger.debug({ client: link.key, method: msg.method, code: reply.error.code }, 'error response');
    }
    reply.add?.(b);
    if (this.ctx.opts.software) b.add(Software, this.ctx.opts.software);
    const response = b.build({
      integrityKey: keyed?.key,
      sha256: keyed?.sha256,
      // Answer with FINGERPRINT when the client used it (RFC 8489 §7.3.1 leaves it to the usage).
      fingerprint: findAttribute(msg, Attr.Fingerprint) !== undefined,
    });
    if (msg.method === Method.Allocate && reply.kind === 'success') {
      const id = msg.transactionId.toString('hex');
      const allocation = this.ctx.table.get(link.key);
      if (allocation) allocation.allocateTransaction = { id, response };
      else this.ctx.shards?.remember(link.key, id, response);
    }
    link.send(response);
  }

  /** A request with a sound header but a broken body gets 400 (RFC 8489 §6.3.1); anything else is dropped. */
  private answerBrokenRequest(buf: Buffer, link: ClientLink): void {
    if (buf.length < HEADER_LENGTH || (buf[0]! & 0xc0) !== 0 || buf.readUInt32BE(4) !== MAGIC_COOKIE) return;
    const { method, cls } = decodeMessageType(buf.readUInt16BE(0));
    if (cls !== MessageClass.Request) return;
    const b = new MessageBuilder(method, MessageClass.ErrorResponse, Buffer.from(buf.subarray(8, 20)));
    link.send(b.add(ErrorCodeAttr, ErrorCode.BadRequest).build());
  }
}
