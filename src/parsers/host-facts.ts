import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";

/**
 * Small host facts from support bundles: the host's addresses (`ip -o addr`, `ip addr`), its
 * name table (`/etc/hosts`), its kernel release (`uname -a`, `/proc/version`) and its CPU count
 * (`/proc/cpuinfo`, `lscpu`, `nproc`). Each value keeps its line.
 */

export interface LocatedValue<T> {
  readonly value: T;
  readonly location: SourceLocation;
}

export interface InterfaceAddress {
  readonly interface: string;
  readonly address: string;
  readonly prefixLength: number | null;
  readonly location: SourceLocation;
}

function lines(text: string): string[] {
  const out = text.split(/\r\n|\n|\r/u);
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/**
 * `ip -o addr` (`2: eth0    inet 10.0.0.11/24 brd … scope global eth0\\ …`) and `ip addr`
 * (`2: eth0: <…>` then indented `inet 10.0.0.11/24 …` lines). Both print `inet`/`inet6` followed
 * by `address/prefix` (iproute2 ip/ipaddress.c print_addrinfo).
 */
export function parseIpAddr(file: string, text: string): { addresses: InterfaceAddress[]; diagnostics: Diagnostic[] } {
  const addresses: InterfaceAddress[] = [];
  let current = "";
  lines(text).forEach((line, index) => {
    const header = /^\d+:\s+([^\s:]+)(?::|\s)/u.exec(line);
    if (header) current = header[1]!.split("@")[0]!;
    const match = /\binet6?\s+([0-9a-fA-F.:]+)(?:\/(\d{1,3}))?/u.exec(line);
    if (!match) return;
    const column = (match.index ?? 0) + match[0].indexOf(match[1]!) + 1;
    addresses.push({
      interface: current,
      address: match[1]!.toLowerCase(),
      prefixLength: match[2] !== undefined ? Number(match[2]) : null,
      location: spanOnLine(file, index + 1, column, match[1]!.length),
    });
  });
  const diagnostics: Diagnostic[] =
    addresses.length === 0 && text.trim() !== "" ? [{ severity: "note", code: "ip-addr-empty", message: "no inet/inet6 address found in this ip addr capture", file, line: 1, column: 1 }] : [];
  return { addresses, diagnostics };
}

export interface HostsEntry {
  readonly address: string;
  readonly names: string[];
  readonly location: SourceLocation;
}

/** hosts(5): `address name [aliases…]`, `#` comments. */
export function parseEtcHosts(file: string, text: string): { entries: HostsEntry[]; diagnostics: Diagnostic[] } {
  const entries: HostsEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  lines(text).forEach((line, index) => {
    // indexOf, not /#.*$/: `.` stops at U+2028, so that regex retried from every '#' of a
    // long run (45,000 took 3 s) and left comments ending in a line separator in place.
    const hash = line.indexOf("#");
    const content = hash === -1 ? line : line.slice(0, hash);
    const words = content.trim().split(/\s+/u).filter((w) => w !== "");
    if (words.length === 0) return;
    const address = words[0]!;
    if (!/^[0-9a-fA-F.:]+(%\w+)?$/u.test(address) || words.length < 2) {
      diagnostics.push({ severity: "note", code: "etc-hosts-syntax", message: `'${line.trim()}' is not 'address name…'; ignored`, file, line: index + 1, column: 1 });
      return;
    }
    entries.push({ address: address.toLowerCase(), names: words.slice(1).map((n) => n.toLowerCase()), location: spanOnLine(file, index + 1, content.indexOf(address) + 1, address.length) });
  });
  return { entries, diagnostics };
}

/**
 * The kernel release from `uname -a` (`Linux host 4.18.0-80.el8.x86_64 #1 SMP …`), `uname -r`,
 * or `/proc/version` (`Linux version 5.15.0-91-generic (…)`).
 */
export function parseKernelRelease(file: string, text: string): LocatedValue<string> | null {
  const all = lines(text);
  for (let index = 0; index < all.length; index++) {
    const line = all[index]!;
    const match = /^Linux version (\S+)/u.exec(line) ?? /^Linux \S+ (\d+\.\d+\S*)/u.exec(line) ?? /^(\d+\.\d+(?:\.\d+)?[-+.\w]*)\s*$/u.exec(line);
    if (match) return { value: match[1]!, location: spanOnLine(file, index + 1, line.indexOf(match[1]!) + 1, match[1]!.length) };
  }
  return null;
}

/** `[major, minor]` of a release such as `4.18.0-80.el8.x86_64`. */
export function kernelMajorMinor(release: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)/u.exec(release);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Online CPUs: `processor : N` lines of /proc/cpuinfo, lscpu's `CPU(s):`, or nproc's number. */
export function parseCpuCount(file: string, text: string): LocatedValue<number> | null {
  const all = lines(text);
  let processors = 0;
  let lastProcessorLine = 0;
  for (let index = 0; index < all.length; index++) {
    const line = all[index]!;
    const lscpu = /^CPU\(s\):\s+(\d+)\s*$/u.exec(line);
    if (lscpu) return { value: Number(lscpu[1]), location: spanOnLine(file, index + 1, line.indexOf(lscpu[1]!) + 1, lscpu[1]!.length) };
    if (/^processor\s*:\s*\d+/u.test(line)) {
      processors++;
      lastProcessorLine = index + 1;
    }
  }
  if (processors > 0) return { value: processors, location: spanOnLine(file, lastProcessorLine, 1, "processor".length) };
  const nproc = /^\s*(\d+)\s*$/u.exec(all[0] ?? "");
  if (nproc && all.length === 1) return { value: Number(nproc[1]), location: spanOnLine(file, 1, (all[0] ?? "").indexOf(nproc[1]!) + 1, nproc[1]!.length) };
  return null;
}
