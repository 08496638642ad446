/**
 * SSRF guard for webhook targets. A URL must be https (http only with
 * `webhooks.allowHttp`) and carry no credentials; the address it resolves to
 * at delivery time must not be loopback, private, link-local or a cloud
 * metadata address unless `webhooks.allowPrivateNetworks` (self-hosted back
 * offices, tests). The check runs on the address actually connected to (a
 * custom `lookup`), so a DNS answer that changes after validation cannot
 * slip through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface AddressPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

/** Ranges refused as targets: loopback, private, CGNAT, link-local (metadata), unspecified, IPv6 ULA and link-local. */
const PRIVATE_RANGES: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
];
const privateRanges = new BlockList();
for (const [network, prefix, family] of PRIVATE_RANGES) privateRanges.addSubnet(network, prefix, family);

/** True for an address no webhook may reach by default (IPv4-mapped IPv6 is checked as IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return privateRanges.check(mapped[1] as string, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a URL can never be a target, or null when its form is acceptable (the address is checked later). */
export function urlProblem(text: string, policy: Pick<AddressPolicy, 'allowHttp'>): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return policy.allowHttp ? 'must be an http or https URL' : 'must be an https URL (webhooks.allowHttp permits http)';
  }
  if (url.username || url.password) return 'must not contain credentials';
  return null;
}

/** Error code a refused address raises inside the HTTP client. */
export const ADDRESS_NOT_ALLOWED = 'EADDRESS_NOT_ALLOWED';

/** A `lookup` for node:http that resolves as usual and refuses private answers (unless allowed). */
export function guardedLookup(policy: AddressPolicy, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const usable = policy.allowPrivateNetworks ? list : list.filter((entry) => !isPrivateAddress(entry.address));
      if (usable.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves to an address that is not allowed`), {
          code: ADDRESS_NOT_ALLOWED,
        });
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
