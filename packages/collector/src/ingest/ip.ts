/**
 * What the collector keeps of a client's IP address: all of it, a truncated
 * form (IPv4 last octet zeroed, IPv6 last 80 bits zeroed, as Google Analytics
 * and Matomo anonymise), or nothing.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const IP_POLICIES = ['keep', 'truncate', 'drop'] as const;
export type IpPolicy = (typeof IP_POLICIES)[number];

/** IPv6 groups (of 16 bits) kept by truncation: the first 48 bits. */
const IPV6_GROUPS_KEPT = 3;
const IPV4_MAPPED_PREFIX = '::ffff:';

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
}

export function truncateIp(address: string): string | null {
  if (isIPv4(address)) return address.replace(/\.\d+$/, '.0');
  const lower = address.toLowerCase();
  if (lower.startsWith(IPV4_MAPPED_PREFIX) && isIPv4(lower.slice(IPV4_MAPPED_PREFIX.length))) {
    return truncateIp(lower.slice(IPV4_MAPPED_PREFIX.length));
  }
  if (!isIPv6(lower) || lower.includes('.')) return null;
  const groups = expandIpv6(lower.split('%')[0] as string).slice(0, IPV6_GROUPS_KEPT);
  return `${groups.map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::`;
}

/** The IP as the policy keeps it, or null (drop, or not an IP address at all when truncating). */
export function applyIpPolicy(address: string | null | undefined, policy: IpPolicy): string | null {
  if (!address || policy === 'drop') return null;
  if (policy === 'keep') return address;
  return truncateIp(address.trim());
}
