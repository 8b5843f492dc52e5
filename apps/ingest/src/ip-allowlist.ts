import { BlockList, isIPv4 } from 'node:net';

/**
 * A check of client addresses against WEBHOOK_IP_ALLOWLIST entries (addresses or CIDR
 * subnets, validated by the config). An IPv4 client seen through an IPv6 socket
 * (`::ffff:1.2.3.4`) is checked as the IPv4 address it is.
 */
export function createIpAllowlist(entries: readonly string[]): (address: string) => boolean {
  const allowed = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) allowed.addAddress(address, family);
    else allowed.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address;
    return allowed.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  };
}
