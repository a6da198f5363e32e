import { describe, expect, it } from "vitest";
import { classifyPath } from "../../src/discover/classify.js";

describe("classify: firewall dumps by path", () => {
  it.each([
    ["ctl1/etc/sysconfig/iptables", "iptables-save"],
    ["ctl1/etc/sysconfig/ip6tables", "iptables-save"],
    ["ctl1/etc/iptables/rules.v4", "iptables-save"],
    ["ctl1/etc/iptables/rules.v6", "iptables-save"],
    ["sosreport-ctl1/sos_commands/firewall_tables/iptables-save", "iptables-save"],
    ["sosreport-ctl1/sos_commands/firewall_tables/ip6tables-save", "iptables-save"],
    ["dumps/iptables-save.txt", "iptables-save"],
    ["sosreport-ctl1/sos_commands/firewall_tables/iptables_-t_filter_-nvL", "iptables-list"],
    ["sosreport-ctl1/sos_commands/firewall_tables/ip6tables_-t_filter_-nvL", "iptables-list"],
    ["sosreport-ctl1/sos_commands/firewall_tables/iptables_-vnxL", "iptables-list"],
    ["sosreport-ctl1/sos_commands/firewall_tables/nft_list_ruleset", "nft"],
    ["sosreport-ctl1/sos_commands/networking/nft_list_ruleset", "nft"],
    ["sosreport-ctl1/sos_commands/firewall_tables/nft_-j_list_ruleset", "nft-json"],
    ["ctl1/etc/nftables.conf", "nft"],
    ["ctl1/etc/sysconfig/nftables.conf", "nft"],
    ["ctl1/etc/firewalld/zones/public.xml", "firewalld-zone-xml"],
    ["ctl1/usr/lib/firewalld/zones/public.xml", "firewalld-zone-xml"],
    ["ctl1/etc/firewalld/services/memcache.xml", "firewalld-service-xml"],
    ["ctl1/etc/firewalld/firewalld.conf", "firewalld-conf"],
    ["sosreport-ctl1/sos_commands/firewalld/firewall-cmd_--list-all-zones", "firewalld-list-all-zones"],
    ["cloud/memcached-security-group-rules.json", "openstack-security-group-rules"],
  ])("%s → %s", (path, kind) => {
    expect(classifyPath(path)).toEqual({ kind });
  });

  it.each(["ctl1/etc/sysconfig/iptables-config", "ctl1/etc/firewalld/zones/public.xml.old", "ctl1/etc/nftables.conf.j2", "ctl1/etc/iptables/rules.v4.dpkg-old"])("leaves %s alone", (path) => {
    expect(classifyPath(path)).not.toHaveProperty("kind", expect.stringMatching(/iptables|nft|firewalld/u));
  });
});
