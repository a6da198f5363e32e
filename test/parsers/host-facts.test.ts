import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kernelMajorMinor, parseCpuCount, parseEtcHosts, parseIpAddr, parseKernelRelease } from "../../src/parsers/host-facts.js";

/**
 * Layouts: iproute2 `ip -o addr` / `ip addr` (ip/ipaddress.c print_addrinfo), hosts(5) with
 * Debian's default `127.0.1.1 host` line, `uname -a` and `/proc/version` as the kernel prints
 * them (RHEL 8 `4.18.0-80.el8.x86_64`, Ubuntu `5.15.0-91-generic`), util-linux `lscpu`,
 * /proc/cpuinfo, coreutils nproc. The addresses are invented.
 */
describe("ip addr", () => {
  const ipO = [
    "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
    "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever",
    "2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever",
    "3: br-ex@eth1    inet 203.0.113.5/24 scope global br-ex\\       valid_lft forever preferred_lft forever",
    "2: eth0    inet6 FE80::5054:FF:FE12:3456/64 scope link \\       valid_lft forever preferred_lft forever",
  ].join("\n");
  const ipAddr = [
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
    "    inet 127.0.0.1/8 scope host lo",
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000",
    "    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff",
    "    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0",
    "    inet 10.0.0.10/32 scope global eth0",
    "4: vlan20@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
    "    inet 172.17.1.10/24 brd 172.17.1.255 scope global vlan20",
  ].join("\n");

  it.each([
    ["ip -o addr", ipO, [["lo", "127.0.0.1", 8, 1], ["lo", "::1", 128, 2], ["eth0", "10.0.0.11", 24, 3], ["br-ex", "203.0.113.5", 24, 4], ["eth0", "fe80::5054:ff:fe12:3456", 64, 5]]],
    ["ip addr", ipAddr, [["lo", "127.0.0.1", 8, 3], ["eth0", "10.0.0.11", 24, 6], ["eth0", "10.0.0.10", 32, 7], ["vlan20", "172.17.1.10", 24, 9]]],
  ])("%s: interface, address, prefix and line", (_label, text, expected) => {
    const parsed = parseIpAddr("ip", text);
    expect(parsed.addresses.map((a) => [a.interface, a.address, a.prefixLength, a.location.line])).toEqual(expected);
    expect(parsed.diagnostics).toEqual([]);
  });

  it("the address's own columns", () => {
    const a = parseIpAddr("ip", ipAddr).addresses[1]!;
    expect([a.location.column, a.location.endColumn]).toEqual([10, 19]);
  });

  it("a capture without addresses is a note; an empty file says nothing", () => {
    expect(parseIpAddr("ip", "Device \"eth9\" does not exist.\n").diagnostics.map((d) => d.code)).toEqual(["ip-addr-empty"]);
    expect(parseIpAddr("ip", "").diagnostics).toEqual([]);
  });

  it("the fixture captures the rules use", () => {
    const file = "fixtures/rules/memcache-server-not-listening/fires-observed/ctl3/sos_commands/networking/ip_-o_addr";
    expect(parseIpAddr(file, readFileSync(file, "utf8")).addresses.map((a) => a.address)).toEqual(["127.0.0.1", "10.0.0.13"]);
  });
});

describe("/etc/hosts", () => {
  const text = ["127.0.0.1\tlocalhost", "127.0.1.1\tctl1.example.org ctl1", "", "# The following lines are desirable for IPv6 capable hosts", "::1     localhost ip6-localhost ip6-loopback", "10.0.0.11 ctl1.internal CTL1 # management", "10.0.0.12 ctl2.internal ctl2", "not-an-address ctl9", "10.0.0.13"].join("\n");

  it("entries with lowercased names, comments dropped, and each line's address located", () => {
    const parsed = parseEtcHosts("hosts", text);
    expect(parsed.entries.map((e) => [e.address, e.names, e.location.line])).toEqual([
      ["127.0.0.1", ["localhost"], 1],
      ["127.0.1.1", ["ctl1.example.org", "ctl1"], 2],
      ["::1", ["localhost", "ip6-localhost", "ip6-loopback"], 5],
      ["10.0.0.11", ["ctl1.internal", "ctl1"], 6],
      ["10.0.0.12", ["ctl2.internal", "ctl2"], 7],
    ]);
  });

  it("lines that are not `address name…` are notes, not entries", () => {
    expect(parseEtcHosts("hosts", text).diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["etc-hosts-syntax", 8],
      ["etc-hosts-syntax", 9],
    ]);
  });
});

describe("kernel release", () => {
  it.each([
    ["uname -a (RHEL 8)", "Linux ctl1.example.org 4.18.0-80.el8.x86_64 #1 SMP Wed Mar 13 12:02:46 UTC 2019 x86_64 x86_64 x86_64 GNU/Linux\n", "4.18.0-80.el8.x86_64", [4, 18]],
    ["/proc/version (Ubuntu)", "Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n", "5.15.0-91-generic", [5, 15]],
    ["uname -r", "6.1.0-18-amd64\n", "6.1.0-18-amd64", [6, 1]],
  ])("%s", (_label, text, release, version) => {
    const parsed = parseKernelRelease("uname", text)!;
    expect(parsed.value).toBe(release);
    expect(text.slice(parsed.location.column - 1, parsed.location.endColumn - 1)).toBe(release);
    expect(kernelMajorMinor(parsed.value)).toEqual(version);
  });

  it("nothing recognisable: null", () => {
    expect(parseKernelRelease("uname", "uname: command not found\n")).toBeNull();
    expect(kernelMajorMinor("unknown")).toBeNull();
  });
});

describe("CPU count", () => {
  it.each([
    ["lscpu", "Architecture:            x86_64\n  CPU op-mode(s):        32-bit, 64-bit\nCPU(s):                  16\n  On-line CPU(s) list:   0-15\n", 16, 3],
    ["/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n\nprocessor\t: 2\n", 3, 7],
    ["nproc", "8\n", 8, 1],
  ])("%s", (_label, text, cpus, line) => {
    expect(parseCpuCount("cpu", text)).toMatchObject({ value: cpus, location: { line } });
  });

  it("a number that is not alone is not nproc", () => {
    expect(parseCpuCount("cpu", "8\n9\n")).toBeNull();
  });
});
