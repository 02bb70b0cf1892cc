import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { canonicalAddress, isGlobalUnicast } from './address-policy';

/** Resolves a host name to its addresses (dns.lookup by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export class ForbiddenAddressError extends Error {
  constructor(host: string, address: string) {
    super(`requests to ${host} (${address}) are not allowed: only global unicast addresses, unless in HTTP_NODE_ALLOWLIST`);
    this.name = 'ForbiddenAddressError';
  }
}

/** The operator's allowlist: host names as written, addresses in canonical form. */
export class Allowlist {
  private readonly names = new Set<string>();
  private readonly addresses = new Set<string>();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const address = canonicalAddress(entry);
      if (address) this.addresses.add(address);
      else this.names.add(entry.toLowerCase());
    }
  }

  hasName(host: string): boolean {
    return this.names.has(host.toLowerCase());
  }

  /** May a connection go to this address? */
  permits(address: string): boolean {
    const canonical = canonicalAddress(address);
    return (canonical !== undefined && this.addresses.has(canonical)) || isGlobalUnicast(address);
  }

  /** Throws unless `address` may be connected to on behalf of `host`. */
  check(host: string, address: string): void {
    if (!this.hasName(host) && !this.permits(address)) throw new ForbiddenAddressError(host, address);
  }
}

/**
 * A `lookup` for the connection itself: the addresses it answers are the ones the socket connects
 * to, so there is no second resolution a rebinding name could answer differently. One forbidden
 * address refuses the whole name (an attacker controls which one would be tried first).
 */
export function guardedLookup(allowlist: Allowlist, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        try {
          if (found.length === 0) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
          for (const { address } of found) allowlist.check(hostname, address);
        } catch (err) {
          callback(err as NodeJS.ErrnoException, '', 0);
          return;
        }
        const usable = options.family ? found.filter((a) => a.family === options.family) : found;
        if (usable.length === 0) {
          callback(Object.assign(new Error(`no IPv${options.family} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        } else if (options.all) {
          callback(null, usable);
        } else {
          callback(null, usable[0]!.address, usable[0]!.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
