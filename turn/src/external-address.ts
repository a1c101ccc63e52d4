// The address TURN writes into XOR-RELAYED-ADDRESS (RFC 8656 §7.1) when the relay sits behind NAT or
// in a container: the relay sockets are bound to an internal address that clients cannot reach, so
// the advertised address must be the public one. RC_PUBLIC_HOST may be an IP or a DNS name; a name is
// resolved once at start (a relay whose public name changes address is restarted anyway).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface ExternalAddresses {
  externalIPv4?: string;
  externalIPv6?: string;
}

export class ExternalAddressError extends Error {}

/** The public IPv4/IPv6 of `publicHost`; empty when none is configured (relay addresses are used as they are). */
export async function resolveExternalAddresses(
  publicHost: string | null | undefined,
  resolve: (host: string) => Promise<{ address: string; family: number }[]> = (h) => lookup(h, { all: true }),
): Promise<ExternalAddresses> {
  if (!publicHost) return {};
  const family = isIP(publicHost);
  if (family === 4) return { externalIPv4: publicHost };
  if (family === 6) return { externalIPv6: publicHost };
  let found: { address: string; family: number }[];
  try {
    found = await resolve(publicHost);
  } catch (err) {
    throw new ExternalAddressError(
      `RC_PUBLIC_HOST ${publicHost} does not resolve (${(err as NodeJS.ErrnoException).code ?? String(err)}); ` +
        'TURN must advertise a reachable address: set RC_PUBLIC_HOST to the public IP, or fix DNS',
    );
  }
  const v4 = found.find((a) => a.family === 4)?.address;
  const v6 = found.find((a) => a.family === 6)?.address;
  if (!v4 && !v6) throw new ExternalAddressError(`RC_PUBLIC_HOST ${publicHost} resolves to no address`);
  return { ...(v4 ? { externalIPv4: v4 } : {}), ...(v6 ? { externalIPv6: v6 } : {}) };
}
