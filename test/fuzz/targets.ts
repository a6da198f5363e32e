/**
 * Every parser and reader stacklint has, as fuzz targets: one entry point per input format, the
 * fixture files whose mutations seed it, and how to call it. `COVERED_MODULES` maps every file
 * under src/parsers (and the readers in src/discover and src/ingest) to the targets that reach
 * it; test/fuzz/registry.test.ts fails when a new parser file appears without an entry here.
 */
import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeConfigBytes, readConfigText } from "../../src/discover/read-text.js";
import { readLogEvents } from "../../src/ingest/read-events.js";
import { parseDateFile } from "../../src/ingest/runtime.js";
import type { Diagnostic } from "../../src/model/diagnostic.js";
import { parseCompose, parseShortPort } from "../../src/parsers/compose.js";
import { parseEnvFile } from "../../src/parsers/env-file.js";
import type { FirewallKind } from "../../src/discover/classify.js";
import { readTar, TarFormatError } from "../../src/discover/tar.js";
import { parsePortRange } from "../../src/parsers/firewall/common.js";
import { parseFirewallFile } from "../../src/parsers/firewall/document.js";
import { parseFirewalldConf, parseFirewalldListAllZones, parseFirewalldServiceXml, parseFirewalldZoneXml } from "../../src/parsers/firewall/firewalld.js";
import { detectFirewallFormat, parseFirewall, type FirewallFormat } from "../../src/parsers/firewall/index.js";
import { parseIptablesList } from "../../src/parsers/firewall/iptables-list.js";
import { parseIptablesRuleArgs, splitIptablesArgs } from "../../src/parsers/firewall/iptables-rule.js";
import { parseIptablesSave } from "../../src/parsers/firewall/iptables-save.js";
import { JsonSyntaxError, parseJsonWithPositions } from "../../src/parsers/firewall/json-positions.js";
import { parsePriority } from "../../src/parsers/firewall/nft-expr.js";
import { parseNftJson } from "../../src/parsers/firewall/nft-json.js";
import { parseNftText } from "../../src/parsers/firewall/nft-text.js";
import { parseSecurityGroupRulesJson } from "../../src/parsers/firewall/security-groups.js";
import { parseXml } from "../../src/parsers/firewall/xml.js";
import { parseCpuCount, parseEtcHosts, parseIpAddr, parseKernelRelease } from "../../src/parsers/host-facts.js";
import { parseIni } from "../../src/parsers/ini.js";
import { parseAnsibleInventory, parseKollaConfigJson, parseKollaGlobals, yamlSecretValues } from "../../src/parsers/kolla.js";
import { compileAccessLogTemplate, DEFAULT_ACCESS_LOG_PARSER, parseSwiftDatetime } from "../../src/parsers/logs/access-log.js";
import { parseBackendError } from "../../src/parsers/logs/backend-errors.js";
import { ByteFilter } from "../../src/parsers/logs/byte-filter.js";
import { parseCounterFile, sniffCounterKind, type CounterSourceKind } from "../../src/parsers/logs/counters.js";
import { readDockerJson } from "../../src/parsers/logs/docker-json.js";
import { extractEvent, parseLifecycle } from "../../src/parsers/logs/events.js";
import { readJournalExport } from "../../src/parsers/logs/journal-export.js";
import { readJournalJson } from "../../src/parsers/logs/journal-json.js";
import { chunksOf, readLines } from "../../src/parsers/logs/line-reader.js";
import { sniffLogFormat } from "../../src/parsers/logs/read-log.js";
import type { LogReadOptions, LogRecord } from "../../src/parsers/logs/record.js";
import { stripSwiftSuffixes, parseServerRef } from "../../src/parsers/logs/swift-messages.js";
import { parseTextLine, readTextLog } from "../../src/parsers/logs/text-log.js";
import { parseIsoTime, YearResolver } from "../../src/parsers/logs/timestamps.js";
import { parseMemcachedCommandLine, tokenizeCommandLine } from "../../src/parsers/memcached-args.js";
import { parseMemcachedConf } from "../../src/parsers/memcached-conf.js";
import { parseSocketTable } from "../../src/parsers/sockets.js";
import { parseProcSysFile, parseSysctlConf, parseSysctlDump } from "../../src/parsers/sysctl.js";
import { parseSystemdUnit } from "../../src/parsers/systemd-unit.js";
import { parseTopologyFile } from "../../src/parsers/topology-document.js";
import { parseYamlFile } from "../../src/parsers/yaml-located.js";
import type { TopologyKind } from "../../src/discover/classify.js";
import { redactLine, redactLogText, SecretRegistry, urlPasswords } from "../../src/redact.js";

/** The display path every target is given; every diagnostic must name it. */
export const FUZZ_FILE = "fuzz/input";

/** What a target returned: its diagnostics and whatever else it built (walked for locations). */
export interface TargetOutput {
  readonly diagnostics: readonly Diagnostic[];
  readonly value: unknown;
}

export interface FuzzTarget {
  /** Unique, stable: printed by `npm run fuzz`. */
  readonly name: string;
  /** Text targets get a string (bytes are decoded as the config reader does); byte targets a Buffer. */
  readonly input: "text" | "bytes";
  /** Fixture globs (repo-relative) whose mutations seed the target. */
  readonly seeds: readonly string[];
  /** Extra pieces of the grammar for the token generator. */
  readonly pieces?: readonly string[];
  run(input: string | Buffer): TargetOutput | Promise<TargetOutput>;
}

/**
 * One scratch folder per process for the targets that read real files. The suites remove it in
 * afterAll (vitest ends its fork workers without a process "exit" event); the exit hook covers
 * `npm run fuzz`.
 */
let scratch: string | null = null;
export function removeScratch(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
}
async function scratchFile(name: string, content: Buffer): Promise<string> {
  if (!scratch) {
    scratch = await mkdtemp(path.join(tmpdir(), "stacklint-fuzz-"));
    const dir = scratch;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const file = path.join(scratch, name);
  await writeFile(file, content);
  return file;
}

const d = (value: { diagnostics: readonly Diagnostic[] }): TargetOutput => ({ diagnostics: value.diagnostics, value });
const text = (input: string | Buffer) => (typeof input === "string" ? input : new TextDecoder().decode(input));
const bytes = (input: string | Buffer) => (typeof input === "string" ? Buffer.from(input, "utf8") : input);

async function collect(reader: (chunks: AsyncIterable<Buffer>, options: LogReadOptions) => AsyncIterable<LogRecord>, input: string | Buffer, extra: Partial<LogReadOptions> = {}): Promise<TargetOutput> {
  const diagnostics: Diagnostic[] = [];
  const records: LogRecord[] = [];
  // Small chunks and a small line limit so that chunk and line boundaries are crossed often.
  const all = bytes(input);
  const pieces: Buffer[] = [];
  for (let i = 0; i < all.length; i += 61) pieces.push(all.subarray(i, i + 61));
  for await (const record of reader(chunksOf(...pieces), { file: FUZZ_FILE, maxLineBytes: 4096, onDiagnostic: (x) => diagnostics.push(x), year: { year: 2024, source: "assumed-year" }, ...extra })) {
    records.push(record);
  }
  return { diagnostics, value: records };
}

const INI_PIECES = ["[", "]", "=", ":", ";", "#", "[DEFAULT]", "[filter:cache]", "[pipeline:main]", "set ", "memcache_servers", " = ", "\n ", "\n\t", "%(", ")s", "{{", "}}"];
const YAML_PIECES = [": ", "- ", "&a ", "*a", "<<: ", "{", "}", "[", "]", "'", '"', "|\n", ">\n", "\n  ", "\n    ", "---\n", "!!str ", "? ", "#", "services:", "environment:", "ports:", "11211:11211", "memcached"];
const SHELL_PIECES = ["-l ", "-p ", "-m ", "-c ", "-U 0", "'", '"', "\\", "$", "${", "}", "$(", ")", "`", ";", "&&", "|", "#", "\\\n", "=", "OPTIONS=", "memcached ", "%i", "%%"];
const FIREWALL_PIECES = ["*filter", ":INPUT DROP [0:0]", "-A INPUT ", "-j ACCEPT", "-p tcp", "--dport 11211", "-m multiport --dports 1:2", "COMMIT", "table inet t {", "chain c {", "type filter hook input priority 0;", "}", "tcp dport { 11211, 22 } accept", "jump c", "goto c", "<zone>", "</zone>", "<port port=\"11211\" protocol=\"tcp\"/>", "<rule>", "&amp;", "<!--", "-->", "<?xml", '{"nftables": [', '{"rule": {', "]}", "!", "-s 10.0.0.0/8", "ct state established"];
const LOG_PIECES = ["Jan  1 00:00:00 host proxy-server: ", "2024-05-01T00:00:00.123456+00:00 ", "<13>1 ", "Error connecting to memcached: ", "10.0.0.1:11211", "(txn: tx1)", "ECONNREFUSED", "Timeout", "returning 503", '{"MESSAGE":', '"__REALTIME_TIMESTAMP":"1"', '{"log":"', '","stream":"stdout","time":"2024-05-01T00:00:00.000000000Z"}', "MESSAGE=", "\n\n", "\\n", "\\u0000", "GET /v1/AUTH_a/c 503 ", "X-Auth-Token: ", "-- Logs begin at Mon 2024-01-01 00:00:00 UTC. --", "Started memcached.service", "possible SYN flooding on port 11211"];
const COUNTER_PIECES = ["STAT ", "evictions ", "curr_connections ", "listen_disabled_num ", "TcpExt:", "ListenOverflows", " 12", "\n", "Ip:", "    ", "1234"];

const config = (name: string, seeds: string[], pieces: readonly string[], parse: (t: string) => TargetOutput): FuzzTarget => ({ name, input: "text", seeds, pieces, run: (input) => parse(text(input)) });
const line = (name: string, seeds: string[], pieces: readonly string[], parse: (t: string) => unknown): FuzzTarget => ({
  name,
  input: "text",
  seeds,
  pieces,
  run: (input) => {
    // Line-level parsers see one message at a time, as the readers hand them over.
    const values = text(input).split("\n").map(parse);
    return { diagnostics: [], value: values };
  },
});

const TOPOLOGY_KINDS: TopologyKind[] = ["systemd-unit", "memcached-env", "memcached-conf", "sysctl-conf", "sysctl-dump", "proc-somaxconn", "kernel-version", "cpu-info", "socket-table", "ip-addr", "etc-hosts", "compose", "kolla-globals", "kolla-passwords", "ansible-inventory", "kolla-config-json"];
const FIREWALL_KINDS: FirewallKind[] = ["iptables-save", "iptables-list", "nft", "nft-json", "firewalld-zone-xml", "firewalld-service-xml", "firewalld-conf", "firewalld-list-all-zones", "openstack-security-group-rules"];
const FIREWALL_FORMATS: FirewallFormat[] = ["iptables-save", "iptables-list", "nft", "nft-json", "firewalld-zone-xml", "firewalld-list-all-zones", "openstack-security-group-rules"];
const COUNTER_KINDS: CounterSourceKind[] = ["memcached-stats", "memcached-settings", "netstat-statistics", "nstat", "proc-net-netstat"];

const SEEDS = {
  ini: ["fixtures/parsers/ini/*", "fixtures/fuzz-seeds/swift-proxy/*", "fixtures/fuzz-seeds/openstack-ini/*", "fixtures/fuzz-seeds/memcache-conf/*", "fixtures/demo/**/*.conf"],
  unit: ["fixtures/parsers/memcached-unit/*", "fixtures/fuzz-seeds/memcached-unit/*"],
  env: ["fixtures/parsers/memcached-sysconfig/*", "fixtures/fuzz-seeds/memcached-sysconfig/*"],
  compose: ["fixtures/fuzz-seeds/compose/*", "fixtures/rules/**/*compose*.y*ml"],
  kolla: ["fixtures/kolla/**/*", "fixtures/fuzz-seeds/kolla/*"],
  sysctl: ["fixtures/fuzz-seeds/sysctl/*", "fixtures/rules/**/*sysctl*"],
  sockets: ["fixtures/parsers/sockets/*"],
  hostFacts: ["fixtures/rules/**/etc/hosts", "fixtures/rules/**/uname*", "fixtures/rules/**/ip_*addr*", "fixtures/rules/**/cpuinfo", "fixtures/rules/**/hostname"],
  firewall: ["fixtures/parsers/firewall/**/*", "fixtures/fuzz-seeds/firewall/*"],
  logs: ["fixtures/parsers/logs/**/*", "fixtures/fuzz-seeds/journald/*", "fixtures/fuzz-seeds/docker-logs/*", "fixtures/rules/**/*.log", "fixtures/rules/**/journal*"],
  counters: ["fixtures/parsers/logs/memcached-*", "fixtures/rules/**/netstat*", "fixtures/rules/**/proc/net/*", "fixtures/rules/**/*stats*"],
  date: ["fixtures/rules/**/date"],
  tar: ["fixtures/fuzz-seeds/tar/*.tar"],
};

export const TARGETS: readonly FuzzTarget[] = [
  { name: "read-text/decodeConfigBytes", input: "bytes", seeds: SEEDS.ini, run: (input) => d(decodeConfigBytes(bytes(input), FUZZ_FILE)) },
  {
    name: "read-text/readConfigText",
    input: "bytes",
    seeds: SEEDS.ini,
    run: async (input) => d(await readConfigText(await scratchFile("config", bytes(input)), FUZZ_FILE)),
  },
  config("ini/oslo", SEEDS.ini, INI_PIECES, (t) => d(parseIni(FUZZ_FILE, t, { dialect: "oslo" }))),
  config("ini/configparser", SEEDS.ini, INI_PIECES, (t) => d(parseIni(FUZZ_FILE, t, { dialect: "configparser", lowercaseKeys: true }))),
  config("systemd-unit", SEEDS.unit, ["[Service]", "ExecStart=", "Environment=", "EnvironmentFile=-", "\\\n", "%i", "${", "}", "\"", "'", "=", "#", ";", ...SHELL_PIECES], (t) => d(parseSystemdUnit(FUZZ_FILE, t))),
  config("env-file/systemd", SEEDS.env, SHELL_PIECES, (t) => d(parseEnvFile(FUZZ_FILE, t))),
  config("env-file/shell", SEEDS.env, [...SHELL_PIECES, "export ", "<%", "%>", "{%", "%}", "{{", "}}"], (t) => d(parseEnvFile(FUZZ_FILE, t, { dialect: "shell" }))),
  config("memcached-conf", SEEDS.env, SHELL_PIECES, (t) => d(parseMemcachedConf(FUZZ_FILE, t))),
  config("memcached-args/command-line", SEEDS.env, SHELL_PIECES, (t) => d(parseMemcachedCommandLine(FUZZ_FILE, t, { shellOperators: true }))),
  config("memcached-args/tokenize-c", SEEDS.unit, SHELL_PIECES, (t) => d(tokenizeCommandLine(t, { file: FUZZ_FILE, escapes: "c", variables: "shell", shellOperators: true }))),
  config("compose", SEEDS.compose, YAML_PIECES, (t) => {
    const compose = parseCompose(FUZZ_FILE, t);
    return { diagnostics: compose.diagnostics, value: [compose, t.split("\n").map(parseShortPort)] };
  }),
  config("yaml-located", [...SEEDS.compose, ...SEEDS.kolla], YAML_PIECES, (t) => d(parseYamlFile(FUZZ_FILE, t))),
  config("kolla/globals", SEEDS.kolla, YAML_PIECES, (t) => d(parseKollaGlobals(FUZZ_FILE, t))),
  config("kolla/passwords", SEEDS.kolla, YAML_PIECES, (t) => ({ diagnostics: [], value: yamlSecretValues(FUZZ_FILE, t) })),
  config("kolla/inventory", SEEDS.kolla, ["[control]", "[memcached:children]", "ansible_host=", "api_interface=", "\n", "=", " ", "[", "]", ":", "..", "[1:3]", ...YAML_PIECES], (t) => d(parseAnsibleInventory(FUZZ_FILE, t))),
  config("kolla/config-json", SEEDS.kolla, ['{"command": "', '"', "\\", "\\u0041", "}", "{{", "}}", ...SHELL_PIECES], (t) => d(parseKollaConfigJson(FUZZ_FILE, t))),
  config("sysctl/conf", SEEDS.sysctl, ["net.core.somaxconn", " = ", "-", "/", ".", "#", ";", "\n"], (t) => d(parseSysctlConf(FUZZ_FILE, t))),
  config("sysctl/dump", SEEDS.sysctl, ["net.core.somaxconn", " = ", "\t", "\n", "4096"], (t) => d(parseSysctlDump(FUZZ_FILE, t))),
  config("sysctl/proc-file", SEEDS.sysctl, ["4096", "\n", " ", "-1", "0x10"], (t) => d(parseProcSysFile(FUZZ_FILE, t, "net.core.somaxconn"))),
  config("sockets", SEEDS.sockets, ["LISTEN", "State", "Recv-Q", "Send-Q", "Local Address:Port", "0.0.0.0:11211", "[::]:11211", "*:11211", "users:((\"memcached\",pid=1,fd=26))", "tcp", "tcp6", "udp", "Proto", "%lo", "\n"], (t) => d(parseSocketTable(FUZZ_FILE, t))),
  config("host-facts/ip-addr", SEEDS.hostFacts, ["1: lo: <LOOPBACK,UP>", "    inet 127.0.0.1/8 scope host lo", "inet6 ::1/128", "\n", "/", "brd "], (t) => d(parseIpAddr(FUZZ_FILE, t))),
  config("host-facts/etc-hosts", SEEDS.hostFacts, ["127.0.0.1", "::1", " localhost", "\t", "#", "\n"], (t) => d(parseEtcHosts(FUZZ_FILE, t))),
  config("host-facts/kernel-and-cpus", SEEDS.hostFacts, ["Linux host 5.14.0-1 #1 SMP", "processor\t: 0\n", "CPU(s):", "\n", "4"], (t) => ({ diagnostics: [], value: [parseKernelRelease(FUZZ_FILE, t), parseCpuCount(FUZZ_FILE, t)] })),
  {
    name: "topology-document",
    input: "text",
    seeds: [...SEEDS.unit, ...SEEDS.env, ...SEEDS.compose, ...SEEDS.kolla, ...SEEDS.sysctl, ...SEEDS.sockets],
    pieces: [...YAML_PIECES, ...SHELL_PIECES],
    // Any kind's parser may meet any file: the kind is picked from the input's length.
    run: (input) => {
      const t = text(input);
      const kind = TOPOLOGY_KINDS[input.length % TOPOLOGY_KINDS.length]!;
      const result = parseTopologyFile(kind, FUZZ_FILE, t, () => undefined);
      return { diagnostics: result.diagnostics, value: result };
    },
  },
  config("firewall/iptables-save", SEEDS.firewall, FIREWALL_PIECES, (t) => d(parseIptablesSave(FUZZ_FILE, t))),
  config("firewall/iptables-list", SEEDS.firewall, ["Chain INPUT (policy DROP 0 packets, 0 bytes)", " pkts bytes target     prot opt in     out     source               destination", "ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:11211", "\n", "    ", "multiport dports 1:2", ...FIREWALL_PIECES], (t) => d(parseIptablesList(FUZZ_FILE, t))),
  config("firewall/iptables-rule", SEEDS.firewall, FIREWALL_PIECES, (t) => {
    const results = t.split("\n").map((l, i) => parseIptablesRuleArgs(FUZZ_FILE, i + 1, "ipv4", splitIptablesArgs(l)));
    return { diagnostics: results.flatMap((r) => (r as { diagnostics?: Diagnostic[] }).diagnostics ?? []), value: results };
  }),
  config("firewall/nft-text", SEEDS.firewall, FIREWALL_PIECES, (t) => d(parseNftText(FUZZ_FILE, t))),
  config("firewall/nft-json", SEEDS.firewall, FIREWALL_PIECES, (t) => d(parseNftJson(FUZZ_FILE, t))),
  config("firewall/json-positions", SEEDS.firewall, ['{"', '":', "[", "]", ",", "true", "null", "-1.5e3", "\\u12", '"', "\\"], (t) => {
    try {
      return { diagnostics: [], value: parseJsonWithPositions(FUZZ_FILE, t) };
    } catch (error) {
      // Its contract: a syntax error is a JsonSyntaxError with a position in the text.
      if (!(error instanceof JsonSyntaxError)) throw error;
      return { diagnostics: [{ severity: "error", code: "json-syntax", message: error.message, file: FUZZ_FILE, line: error.line, column: error.column }], value: null };
    }
  }),
  config("firewall/xml", SEEDS.firewall, FIREWALL_PIECES, (t) => {
    const parsed = parseXml(FUZZ_FILE, t);
    return { diagnostics: parsed.error ? [{ severity: "error", code: "xml", message: parsed.error.message, file: FUZZ_FILE, line: parsed.error.line }] : [], value: parsed };
  }),
  config("firewall/firewalld-zone-xml", SEEDS.firewall, FIREWALL_PIECES, (t) => d(parseFirewalldZoneXml(FUZZ_FILE, t, "public"))),
  config("firewall/firewalld-service-xml", SEEDS.firewall, FIREWALL_PIECES, (t) => d(parseFirewalldServiceXml(FUZZ_FILE, t, "memcache"))),
  config("firewall/firewalld-list-all-zones", SEEDS.firewall, ["public (active)", "  services: ssh", "  ports: 11211/tcp", "  rich rules: ", '\trule family="ipv4" source address="10.0.0.0/8" port port="11211" protocol="tcp" accept', "\n", ...FIREWALL_PIECES], (t) => d(parseFirewalldListAllZones(FUZZ_FILE, t))),
  config("firewall/firewalld-conf", SEEDS.firewall, ["DefaultZone=", "public", "#", "\n"], (t) => ({ diagnostics: [], value: parseFirewalldConf(FUZZ_FILE, t) })),
  config("firewall/security-groups", SEEDS.firewall, ['[{"', '"port_range_min": 11211', '"remote_ip_prefix": "0.0.0.0/0"', '"direction": "ingress"', "}]", ",", "null"], (t) => d(parseSecurityGroupRulesJson(FUZZ_FILE, t))),
  {
    // The classified-file entry the model builder calls, for every firewall kind.
    name: "firewall/document",
    input: "text",
    seeds: SEEDS.firewall,
    pieces: FIREWALL_PIECES,
    run: (input) => {
      const t = text(input);
      const results = FIREWALL_KINDS.map((kind) => parseFirewallFile(kind, FUZZ_FILE, t));
      return { diagnostics: results.flatMap((r) => r.diagnostics), value: results.map((r) => r.document) };
    },
  },
  {
    // Archive members are hostile input too: a malformed header is a TarFormatError (which the
    // archive reader turns into a diagnostic), never another exception or a hang.
    name: "discover/tar",
    input: "bytes",
    seeds: SEEDS.tar,
    run: async (input) => {
      const all = bytes(input);
      const pieces: Buffer[] = [];
      for (let i = 0; i < all.length; i += 509) pieces.push(Buffer.from(all.subarray(i, i + 509)));
      const members: { name: string; type: string; bytes: number }[] = [];
      async function* source(): AsyncIterable<Buffer> {
        yield* pieces;
      }
      try {
        const result = await readTar(source(), (header) => {
          const member = { name: header.name, type: header.type, bytes: 0 };
          members.push(member);
          return { write: (chunk: Buffer) => void (member.bytes += chunk.length), end: () => undefined };
        });
        return { diagnostics: [], value: { members, result } };
      } catch (error) {
        if (!(error instanceof TarFormatError)) throw error;
        return { diagnostics: [{ severity: "error", code: "archive-corrupt", message: error.message, file: FUZZ_FILE }], value: { members } };
      }
    },
  },
  {
    name: "firewall/index",
    input: "text",
    seeds: SEEDS.firewall,
    pieces: FIREWALL_PIECES,
    run: (input) => {
      const t = text(input);
      const results = FIREWALL_FORMATS.map((format) => parseFirewall(format, FUZZ_FILE, t));
      const detected = detectFirewallFormat("etc/sysconfig/iptables", t);
      return { diagnostics: results.flatMap((r) => r.diagnostics), value: [results, detected, t.split("\n").map((l) => [parsePortRange(l, ":"), parsePriority(l, "inet")])] };
    },
  },
  config("logs/counters", SEEDS.counters, COUNTER_PIECES, (t) => {
    const results = COUNTER_KINDS.map((kind) => parseCounterFile(FUZZ_FILE, t, kind));
    return { diagnostics: results.flatMap((r) => r?.diagnostics ?? []), value: [results, parseCounterFile(FUZZ_FILE, t), sniffCounterKind(FUZZ_FILE, t)] };
  }),
  line("logs/access-log", SEEDS.logs, LOG_PIECES, (l) => [DEFAULT_ACCESS_LOG_PARSER.parse(l), parseSwiftDatetime(l)]),
  config("logs/access-log-template", SEEDS.logs, ["{client_ip}", "{status_int}", "{", "}", "{{", "}}", " ", "acc:{account}", "{auth_token.8}", "{wire_status_int}"], (t) => {
    const compiled = compileAccessLogTemplate(t.split("\n")[0] ?? "");
    return { diagnostics: [], value: [compiled, t.split("\n").map((l) => compiled.parser.parse(l))] };
  }),
  line("logs/backend-errors", SEEDS.logs, ["ERROR with ", "Object server ", "returning 503", "10.0.0.1:6200/sdb1", " re: ", "Trying to ", "(txn: tx1)"], (l) => parseBackendError(l)),
  line("logs/events", SEEDS.logs, LOG_PIECES, (l) => [extractEvent({ message: l, program: "memcached", unit: "memcached.service" }), parseLifecycle({ message: l, subjectUnit: "memcached.service" })]),
  line("logs/swift-messages", SEEDS.logs, LOG_PIECES, (l) => [stripSwiftSuffixes(l), parseServerRef(l)]),
  line("logs/timestamps", SEEDS.logs, ["2024-05-01", "T", "00:00:00", ".123456789", "+05:30", "Z", "-", ":"], (l) => [parseIsoTime(l), parseIsoTime(l, 90)]),
  line("logs/text-line", SEEDS.logs, LOG_PIECES, (l) => [parseTextLine(l, { years: new YearResolver({ year: 2024, source: "assumed-year" }, 0), utcOffsetMinutes: 0, mode: "text" }), parseTextLine(l, { years: new YearResolver(undefined, 60), utcOffsetMinutes: 60, mode: "docker-text" })]),
  { name: "logs/text-log", input: "bytes", seeds: SEEDS.logs, pieces: LOG_PIECES, run: (input) => collect((c, o) => readTextLog(c, o, "text"), input) },
  { name: "logs/docker-text", input: "bytes", seeds: SEEDS.logs, pieces: LOG_PIECES, run: (input) => collect((c, o) => readTextLog(c, o, "docker-text"), input) },
  { name: "logs/journal-json", input: "bytes", seeds: SEEDS.logs, pieces: LOG_PIECES, run: (input) => collect(readJournalJson, input) },
  { name: "logs/journal-export", input: "bytes", seeds: SEEDS.logs, pieces: LOG_PIECES, run: (input) => collect(readJournalExport, input) },
  { name: "logs/docker-json", input: "bytes", seeds: SEEDS.logs, pieces: LOG_PIECES, run: (input) => collect(readDockerJson, input, { containerName: "memcached" }) },
  {
    name: "logs/line-reader",
    input: "bytes",
    seeds: SEEDS.logs,
    pieces: LOG_PIECES,
    run: async (input) => {
      const lines: unknown[] = [];
      const filter = new ByteFilter(["memcache", "503 "]);
      for await (const l of readLines(chunksOf(bytes(input)), { filter, maxLineBytes: 512, trackHeaders: true, alwaysFirstLine: true })) lines.push(l);
      return { diagnostics: [], value: [lines, sniffLogFormat(bytes(input), "var/log/x.log"), filter.matchesText(text(input))] };
    },
  },
  {
    name: "ingest/read-events",
    input: "bytes",
    seeds: SEEDS.logs,
    pieces: LOG_PIECES,
    // The whole path a log takes in a run, from a real file: sniffing, the reader, events, redaction.
    run: async (input) => {
      const events: unknown[] = [];
      const summary = await readLogEvents({ absolutePath: await scratchFile("proxy.log", bytes(input)), file: FUZZ_FILE, year: { year: 2024, source: "assumed-year" } }, (e) => events.push(e));
      return { diagnostics: summary.diagnostics, value: [summary, events] };
    },
  },
  line("redact", [...SEEDS.ini, ...SEEDS.logs, ...SEEDS.env], [...INI_PIECES, ...LOG_PIECES, "://", "@", "user:pw@", "password=", "Environment=", "ansible_password=", "AUTH_tk", "gAAAAA"], (l) => {
    // Every line of every input passes through here (secret registration, snippets, evidence).
    const registry = new SecretRegistry();
    registry.noteOption("password", l);
    registry.noteOption("memcache_servers", l);
    return [redactLine(l), redactLogText(l, 9), urlPasswords(l), registry.scrub(l)];
  }),
  config("ingest/date-file", SEEDS.date, ["Thu May  2 00:00:00 UTC 2024", "CEST", "\n", " "], (t) => ({ diagnostics: [], value: parseDateFile(t) })),
];

/**
 * Every parser module and the targets that reach it. A helper module (types, shared pieces)
 * names the targets that exercise it through their callers.
 */
export const COVERED_MODULES: Readonly<Record<string, readonly string[]>> = {
  "src/discover/read-text.ts": ["read-text/decodeConfigBytes", "read-text/readConfigText"],
  "src/ingest/log-worker.ts": ["ingest/read-events"], // the worker thread only calls readLogEvents
  "src/ingest/prefetch.ts": ["ingest/read-events"], // reads logs only through readLogEvents (in workers or this thread)
  "src/ingest/read-events.ts": ["ingest/read-events"],
  "src/ingest/runtime.ts": ["ingest/date-file"],
  "src/parsers/compose.ts": ["compose"],
  "src/parsers/env-file.ts": ["env-file/systemd", "env-file/shell"],
  "src/parsers/firewall/common.ts": ["firewall/index"],
  "src/parsers/firewall/document.ts": ["firewall/document"],
  "src/discover/tar.ts": ["discover/tar"],
  "src/parsers/firewall/firewalld.ts": ["firewall/firewalld-zone-xml", "firewall/firewalld-service-xml", "firewall/firewalld-list-all-zones", "firewall/firewalld-conf"],
  "src/parsers/firewall/index.ts": ["firewall/index"],
  "src/parsers/firewall/iptables-list.ts": ["firewall/iptables-list"],
  "src/parsers/firewall/iptables-rule.ts": ["firewall/iptables-rule"],
  "src/parsers/firewall/iptables-save.ts": ["firewall/iptables-save"],
  "src/parsers/firewall/json-positions.ts": ["firewall/json-positions"],
  "src/parsers/firewall/nft-expr.ts": ["firewall/nft-text", "firewall/nft-json", "firewall/index"],
  "src/parsers/firewall/nft-json.ts": ["firewall/nft-json"],
  "src/parsers/firewall/nft-text.ts": ["firewall/nft-text"],
  "src/parsers/firewall/security-groups.ts": ["firewall/security-groups"],
  "src/parsers/firewall/xml.ts": ["firewall/xml"],
  "src/parsers/host-facts.ts": ["host-facts/ip-addr", "host-facts/etc-hosts", "host-facts/kernel-and-cpus"],
  "src/parsers/ini.ts": ["ini/oslo", "ini/configparser"],
  "src/parsers/kolla.ts": ["kolla/globals", "kolla/passwords", "kolla/inventory", "kolla/config-json"],
  "src/parsers/logs/access-log.ts": ["logs/access-log", "logs/access-log-template"],
  "src/parsers/logs/backend-errors.ts": ["logs/backend-errors"],
  "src/parsers/logs/byte-filter.ts": ["logs/line-reader"],
  "src/parsers/logs/counters.ts": ["logs/counters"],
  "src/parsers/logs/docker-json.ts": ["logs/docker-json"],
  "src/parsers/logs/events.ts": ["logs/events"],
  "src/parsers/logs/index.ts": ["logs/text-log"], // re-exports only
  "src/parsers/logs/journal-export.ts": ["logs/journal-export"],
  "src/parsers/logs/journal-json.ts": ["logs/journal-json"],
  "src/parsers/logs/line-reader.ts": ["logs/line-reader"],
  "src/parsers/logs/read-log.ts": ["ingest/read-events", "logs/line-reader"],
  "src/parsers/logs/record.ts": ["logs/text-log"], // types and the diagnostic limiter
  "src/parsers/logs/swift-messages.ts": ["logs/swift-messages", "logs/events"],
  "src/parsers/logs/text-log.ts": ["logs/text-log", "logs/docker-text", "logs/text-line"],
  "src/parsers/logs/timestamps.ts": ["logs/timestamps"],
  "src/parsers/memcached-args.ts": ["memcached-args/command-line", "memcached-args/tokenize-c"],
  "src/parsers/memcached-conf.ts": ["memcached-conf"],
  "src/parsers/sockets.ts": ["sockets"],
  "src/parsers/sysctl.ts": ["sysctl/conf", "sysctl/dump", "sysctl/proc-file"],
  "src/parsers/systemd-unit.ts": ["systemd-unit"],
  "src/parsers/topology-document.ts": ["topology-document"],
  "src/parsers/yaml-located.ts": ["yaml-located"],
  "src/redact.ts": ["redact"],
};
