import type { Packet } from "../../../src/model/firewall/packet.js";

/**
 * The packet the firewall model tests ask about: a NEW TCP connection to memcached (11211) from
 * another host, 10.0.0.5 → 10.0.0.10, arriving on eth1; `overrides` change any field.
 */
export const syn = (overrides: Partial<Packet> = {}): Packet => ({
  family: "ipv4",
  saddr: "10.0.0.5",
  daddr: "10.0.0.10",
  protocol: "tcp",
  dport: 11211,
  hook: "input",
  iif: "eth1",
  ...overrides,
});
