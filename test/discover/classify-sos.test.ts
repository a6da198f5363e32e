import { describe, expect, it } from "vitest";
import { classifyPath } from "../../src/discover/classify.js";

/** Names Debian's sos 4.0 writes (seen in the archive of test/system/sosreport.test.ts). */
describe("sosreport command files", () => {
  it.each([
    ["sosreport-vm/sos_commands/networking/netstat_-W_-neopa", { kind: "socket-table" }],
    ["sosreport-vm/sos_commands/networking/ss_-peaonmi", { kind: "socket-table" }],
    ["sosreport-vm/sos_commands/networking/ip_-o_addr", { kind: "ip-addr" }],
    ["sosreport-vm/sos_commands/networking/ip_-d_address", { kind: "ip-addr" }],
    ["sosreport-vm/sos_commands/kernel/sysctl_-a", { kind: "sysctl-dump" }],
    ["sosreport-vm/sos_commands/kernel/uname_-a", { kind: "kernel-version" }],
    ["sosreport-vm/sos_commands/networking/netstat_-s", { runtime: "counters" }],
    // Multicast group memberships (`netstat -g`), not a socket table.
    ["sosreport-vm/sos_commands/networking/netstat_-W_-agn", { skip: "unrecognized" }],
    // sos 4.0 keeps firewall tables under networking/; sos ≥ 4.1 has a firewall_tables plugin.
    ["sosreport-vm/sos_commands/networking/iptables_-t_filter_-nvL", { kind: "iptables-list" }],
    ["sosreport-vm/sos_commands/networking/nft_list_ruleset", { kind: "nft" }],
    ["sosreport-vm/sos_commands/firewall_tables/nft_-a_list_ruleset", { kind: "nft" }],
    ["sosreport-vm/sos_commands/firewall_tables/iptables_-t_filter_-nvL", { kind: "iptables-list" }],
    ["sosreport-vm/var/lib/config-data/puppet-generated/swift/etc/swift/proxy-server.conf", { kind: "swift-proxy-server" }],
    ["sosreport-vm/var/lib/config-data/puppet-generated/memcached/etc/sysconfig/memcached", { kind: "memcached-env" }],
    ["sosreport-vm/var/lib/kolla/config_files/memcached.json", { kind: "kolla-config-json" }],
    ["sosreport-vm/etc/kolla/memcached/config.json", { kind: "kolla-config-json" }],
    ["sosreport-vm/etc/kolla/swift-proxy-server/proxy-server.conf", { kind: "swift-proxy-server" }],
  ] as const)("%s", (path, verdict) => {
    expect(classifyPath(path)).toEqual(verdict);
  });
});
