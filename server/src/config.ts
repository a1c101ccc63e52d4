// The relay's configuration: environment only, parsed and validated once at start, every problem listed.
// CONFIG_SCHEMA is the single source: the parser, the README reference and the compose check read it.

export interface RelayConfig {
  port: number;
  host: string;
  publicHost: string | null;
  dataDir: string;
  tls: boolean;
  tlsCert: string | null;
  tlsKey: string | null;
  adminPassword: string | null;
  turn: boolean;
  turnSecret: string | null;
  turnUrls: string[];
  relayPorts: [number, number];
  turnDenyPeers: string[];
  turnAllowPeers: string[];
  turnCredentialTtlSeconds: number;
  turnWorkers: number | 'auto';
  turnSendmmsg: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  heartbeatSeconds: number;
  heartbeatMissed: number;
  consentTimeoutSeconds: number;
  sessionGraceSeconds: number;
  operatorTokenTtlSeconds: number;
  shutdownTimeoutSeconds: number;
}

type Parser<T> = (raw: string) => T;
interface Entry<K extends keyof RelayConfig> {
  key: K;
  default: string | null;
  doc: string;
  parse: Parser<RelayConfig[K]>;
}

const fail = (msg: string): never => {
  throw new Error(msg);
};
const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max ? n : fail(`must be an integer in ${min}–${max}`);
  };
const num =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const n = Number(raw);
    return Number.isFinite(n) && n >= min && n <= max ? n : fail(`must be a number in ${min}–${max}`);
  };
const onOff: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  return fail('must be on or off');
};
const text: Parser<string> = (raw) => (raw.length > 0 ? raw : fail('must not be empty'));
const optionalText: Parser<string | null> = (raw) => (raw.length > 0 ? raw : null);
const cidrList: Parser<string[]> = (raw) => {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!/^[0-9A-Fa-f.:]+\/\d{1,3}$/.test(item)) fail(`'${item}' is not a CIDR like 10.0.0.0/8 or fd00::/8`);
  }
  return items;
};
// RFC 7064 (stun:/stuns:) and RFC 7065 (turn:/turns:) URIs: host, optional port, optional transport.
const ICE_URL = /^(stuns?|turns?):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;
const iceUrlList: Parser<string[]> = (raw) => {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!ICE_URL.test(item)) fail(`'${item}' is not a URL like turn:turn2.example.com:3478?transport=udp`);
  }
  // The IceServer schema carries at most 8 URLs per entry (protocol/src/common.ts).
  return items.length <= 8 ? items : fail('at most 8 URLs');
};
const portRange: Parser<[number, number]> = (raw) => {
  const m = /^(\d+)-(\d+)$/.exec(raw.trim());
  if (!m) return fail('must be a range like 49152-65535');
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo < 1024 || hi > 65535 || lo > hi) return fail('must lie within 1024-65535 with low ≤ high');
  return [lo, hi];
};
const workerCount: Parser<number | 'auto'> = (raw) => {
  if (raw.trim() === 'auto') return 'auto';
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : fail('must be auto or an integer in 1–64');
};
const logLevel: Parser<RelayConfig['logLevel']> = (raw) => {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  return (levels as readonly string[]).includes(raw)
    ? (raw as RelayConfig['logLevel'])
    : fail(`must be one of ${levels.join(', ')}`);
};

function entry<K extends keyof RelayConfig>(e: Entry<K>): Entry<K> {
  return e;
}

export const CONFIG_SCHEMA = {
  RC_PORT: entry({
    key: 'port',
    default: '8443',
    doc: 'TCP and UDP port for HTTPS, WebSocket, STUN and TURN (443 in the container).',
    parse: int(0, 65535),
  }),
  RC_HOST: entry({ key: 'host', default: '0.0.0.0', doc: 'Address to listen on.', parse: text }),
  RC_PUBLIC_HOST: entry({
    key: 'publicHost',
    default: null,
    doc: 'Host name or address put in ICE/TURN URLs; defaults to the host the client used to reach the relay.',
    parse: optionalText,
  }),
  RC_DATA_DIR: entry({
    key: 'dataDir',
    default: './data',
    doc: 'Where the SQLite database, keys and the generated certificate live. Back this up.',
    parse: text,
  }),
  RC_TLS: entry({
    key: 'tls',
    default: 'on',
    doc: 'off only behind a proxy that terminates TLS (TURN over TLS is then unavailable on this port).',
    parse: onOff,
  }),
  RC_TLS_CERT: entry({
    key: 'tlsCert',
    default: null,
    doc: 'PEM certificate chain file; without it a self-signed pair is generated once in the data dir.',
    parse: optionalText,
  }),
  RC_TLS_KEY: entry({
    key: 'tlsKey',
    default: null,
    doc: 'PEM private key file for RC_TLS_CERT.',
    parse: optionalText,
  }),
  RC_ADMIN_PASSWORD: entry({
    key: 'adminPassword',
    default: null,
    doc: 'Password of the first `admin` (first start only); else a random one is printed once.',
    parse: optionalText,
  }),
  RC_TURN: entry({ key: 'turn', default: 'on', doc: 'Run the embedded TURN/STUN server.', parse: onOff }),
  RC_TURN_SECRET: entry({
    key: 'turnSecret',
    default: null,
    doc: 'Shared secret for time-limited TURN credentials (also for an external coturn); else generated and kept.',
    parse: optionalText,
  }),
  RC_TURN_URLS: entry({
    key: 'turnUrls',
    default: '',
    doc: 'Extra STUN/TURN servers handed to sessions beside the embedded one, comma-separated (e.g. `turn:turn2.example.com:3478?transport=udp`); they get the same time-limited credentials, so they must share RC_TURN_SECRET (coturn: `use-auth-secret`).',
    parse: iceUrlList,
  }),
  RC_RELAY_PORTS: entry({
    key: 'relayPorts',
    default: '49152-65535',
    doc: 'UDP ports TURN relays from, a range within 1024-65535.',
    parse: portRange,
  }),
  RC_TURN_DENY_PEERS: entry({
    key: 'turnDenyPeers',
    default: '',
    doc: 'Extra CIDRs TURN never relays to (loopback, link-local, 0/8, multicast are always denied).',
    parse: cidrList,
  }),
  RC_TURN_ALLOW_PEERS: entry({
    key: 'turnAllowPeers',
    default: '',
    doc: 'CIDRs allowed even if denied above or by default.',
    parse: cidrList,
  }),
  RC_TURN_CREDENTIAL_TTL: entry({
    key: 'turnCredentialTtlSeconds',
    default: '3600',
    doc: 'Lifetime in seconds of the TURN credentials handed to a session.',
    parse: int(60, 7 * 86400),
  }),
  RC_TURN_WORKERS: entry({
    key: 'turnWorkers',
    default: 'auto',
    doc: 'TURN relay threads for UDP allocations (1 = none); auto = one per core on Linux (README, TURN performance).',
    parse: workerCount,
  }),
  RC_TURN_SENDMMSG: entry({
    key: 'turnSendmmsg',
    default: 'on',
    doc: 'TURN sends UDP datagrams in batches with sendmmsg (Linux 64-bit, through koffi; falls back to one send per datagram elsewhere); off = always one send per datagram.',
    parse: onOff,
  }),
  RC_LOG_LEVEL: entry({
    key: 'logLevel',
    default: 'info',
    doc: 'fatal, error, warn, info, debug, trace or silent.',
    parse: logLevel,
  }),
  RC_HEARTBEAT_SECONDS: entry({
    key: 'heartbeatSeconds',
    default: '25',
    doc: 'Interval of WebSocket pings to agents and consoles.',
    parse: num(0.05, 3600),
  }),
  RC_HEARTBEAT_MISSED: entry({
    key: 'heartbeatMissed',
    default: '2',
    doc: 'Missed heartbeats after which a peer is offline and its socket closed.',
    parse: int(1, 100),
  }),
  RC_CONSENT_TIMEOUT_SECONDS: entry({
    key: 'consentTimeoutSeconds',
    default: '30',
    doc: 'How long the agent has to accept a session; no answer counts as deny.',
    parse: num(0.05, 600),
  }),
  RC_SESSION_GRACE_SECONDS: entry({
    key: 'sessionGraceSeconds',
    default: '20',
    doc: 'How long a session outlives the loss of one side’s signalling socket (media may still flow).',
    parse: num(0, 3600),
  }),
  RC_OPERATOR_TOKEN_TTL: entry({
    key: 'operatorTokenTtlSeconds',
    default: '900',
    doc: 'Lifetime in seconds of the JWT a login returns.',
    parse: int(30, 86400),
  }),
  RC_SHUTDOWN_TIMEOUT_SECONDS: entry({
    key: 'shutdownTimeoutSeconds',
    default: '5',
    doc: 'On SIGTERM, how long peers get to close before sockets are cut.',
    parse: num(0, 120),
  }),
} as const satisfies Record<string, Entry<keyof RelayConfig>>;

export type ConfigEnv = Partial<Record<keyof typeof CONFIG_SCHEMA | (string & {}), string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: ConfigEnv = process.env): RelayConfig {
  const problems: string[] = [];
  const out: Partial<Record<keyof RelayConfig, unknown>> = {};
  for (const [name, e] of Object.entries(CONFIG_SCHEMA) as [string, Entry<keyof RelayConfig>][]) {
    const raw = env[name] ?? e.default;
    if (raw === null) {
      out[e.key] = null;
      continue;
    }
    try {
      out[e.key] = e.parse(raw);
    } catch (err) {
      problems.push(`${name}=${JSON.stringify(raw)}: ${(err as Error).message}`);
    }
  }
  if ((out.tlsCert === null) !== (out.tlsKey === null))
    problems.push('RC_TLS_CERT and RC_TLS_KEY must be set together');
  const urls = out.turnUrls as string[] | undefined;
  if (urls && urls.length > 0 && out.turnSecret === null)
    problems.push(
      'RC_TURN_URLS needs RC_TURN_SECRET: the extra TURN servers must share the secret the relay signs with',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return out as unknown as RelayConfig;
}
