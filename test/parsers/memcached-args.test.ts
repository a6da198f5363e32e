import { describe, expect, it } from "vitest";
import type { ArgvItem, MemcachedArgs } from "../../src/parsers/memcached-args.js";
import { FUZZ_PIECES, randomTexts } from "../helpers/random-text.js";
import {
  cAtoi,
  classifyHost,
  containsTemplateExpression,
  listensOnEveryInterface,
  locateInText,
  maskTemplateStatements,
  parseMemcachedArgs,
  parseMemcachedCommandLine,
  tokenizeCommandLine,
} from "../../src/parsers/memcached-args.js";

const tok = (text: string, options: Partial<Parameters<typeof tokenizeCommandLine>[1]> = {}) =>
  tokenizeCommandLine(text, { file: "t", ...options });
const words = (text: string, options: Partial<Parameters<typeof tokenizeCommandLine>[1]> = {}) => tok(text, options).words.map((w) => w.text);

/** Parses a one-line argv string (no program name). */
const args = (text: string): MemcachedArgs => parseMemcachedCommandLine("t", `memcached ${text}`);
const codes = (parsed: MemcachedArgs) => parsed.diagnostics.map((d) => d.code);

describe("tokenizeCommandLine", () => {
  it.each([
    ["plain words", "a b  c", ["a", "b", "c"]],
    ["tabs and newlines separate", "a\tb\nc", ["a", "b", "c"]],
    ["double quotes group", '-l "10.0.0.1, 10.0.0.2"', ["-l", "10.0.0.1, 10.0.0.2"]],
    ["single quotes are literal", "'a \\b $X'", ["a \\b $X"]],
    ["quotes inside a word", 'a"b c"d', ["ab cd"]],
    ["backslash escapes a space", "a\\ b c", ["a b", "c"]],
    ["backslash-newline continues", "a \\\n b", ["a", "b"]],
    ["in double quotes only $`\"\\ are escaped", '"a\\b\\"c"', ['a\\b"c']],
    ["empty quotes make an empty word", 'a "" b', ["a", "", "b"]],
    ["a template stays one word", "-l {{ api_interface_address }} -p 1", ["-l", "{{ api_interface_address }}", "-p", "1"]],
    ["ERB expression stays one word", "-l <%= @listen_ip %>", ["-l", "<%= @listen_ip %>"]],
    ["template glued to text", "--listen={{ ip }}:11211", ["--listen={{ ip }}:11211"]],
    ["variables are kept as written", "-p ${PORT} $OPTIONS", ["-p", "${PORT}", "$OPTIONS"]],
    ["$(…) is one unit", "-m $(nproc --all)", ["-m", "$(nproc --all)"]],
    ["CRLF", "a\r\nb", ["a", "b"]],
    ["empty input", "", []],
    ["only spaces", "     ", []],
  ])("%s", (_name, text, expected) => {
    expect(words(text)).toEqual(expected);
  });

  it("reports variable and template parts", () => {
    const [port, options, template] = tok('${PORT} "$OPTIONS" {{ x }}').words;
    expect(port?.parts).toEqual([{ kind: "variable", name: "PORT", braced: true, modifier: "", quoted: false, raw: "${PORT}" }]);
    expect(options?.parts[0]).toMatchObject({ kind: "variable", name: "OPTIONS", quoted: true });
    expect(port?.hasVariables).toBe(true);
    expect(template?.hasTemplate).toBe(true);
    expect(words("$1 $$ a$", {})).toEqual(["$1", "$$", "a$"]);
  });

  it("treats $ as literal when asked (systemd words)", () => {
    const [word] = tok("${PORT}", { variables: "none" }).words;
    expect(word?.parts).toEqual([{ kind: "literal", text: "${PORT}", quoted: "none" }]);
  });

  it("decodes systemd's C escapes", () => {
    expect(words('a\\sb "c\\td" \\x41 \\101 \\u00e9', { escapes: "c" })).toEqual(["a b", "c\td", "A", "A", "é"]);
    const result = tok("\\q", { escapes: "c" });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["shell-invalid-escape"]);
  });

  it("splits at shell operators when asked", () => {
    const result = tok("memcached -v >> /var/log/m.log 2>&1; echo x | cat", { shellOperators: true });
    expect(result.words.filter((w) => w.operator).map((w) => w.text)).toEqual([">>", ">&", ";", "|"]);
    expect(words("a|b", {})).toEqual(["a|b"]);
  });

  it("reports unterminated quotes and templates, and still returns the words", () => {
    expect(tok('-l "10.0.0.1').diagnostics.map((d) => d.code)).toEqual(["shell-unterminated-quote"]);
    expect(words('-l "10.0.0.1')).toEqual(["-l", "10.0.0.1"]);
    expect(tok("-l '10").diagnostics.map((d) => d.code)).toEqual(["shell-unterminated-quote"]);
    expect(tok("-l {{ ip").diagnostics.map((d) => d.code)).toEqual(["shell-unterminated-template"]);
    expect(tok("${A").diagnostics.map((d) => d.code)).toEqual(["shell-unterminated-variable"]);
  });

  it("locates words and parts of words, quotes excluded (1-based, exclusive end)", () => {
    const result = tok('memcached -l "10.0.0.1,::1"', { file: "f", line: 7, column: 11 });
    const quoted = result.words[2]!;
    expect(quoted.location).toEqual({ file: "f", line: 7, column: 24, endLine: 7, endColumn: 38 });
    // "::1" inside the quotes: text offsets 9..12 → columns 34..37
    expect(locateInText(quoted, 9, 12)).toEqual({ file: "f", line: 7, column: 34, endLine: 7, endColumn: 37 });
  });

  it("locates words on later lines of a multi-line text", () => {
    const [, second] = tok("a\n  bb").words;
    expect(second?.location).toMatchObject({ line: 2, column: 3, endColumn: 5 });
  });

  it("stays linear on long runs of spaces, quotes, '=' and backslashes", () => {
    const nasty = [" ".repeat(200_000), '"'.repeat(50_001), "=".repeat(200_000), "\\".repeat(100_001), "{{".repeat(50_000), "$".repeat(100_000), "${".repeat(50_000)];
    const started = Date.now();
    for (const text of nasty) tok(text);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("template helpers", () => {
  it("detects template expressions", () => {
    expect(containsTemplateExpression("{{ a }}")).toBe(true);
    expect(containsTemplateExpression("<%= @a %>")).toBe(true);
    expect(containsTemplateExpression("{% if x %}")).toBe(true);
    expect(containsTemplateExpression("10.0.0.1")).toBe(false);
  });

  it("blanks template statements but keeps expressions and columns", () => {
    const text = "{% if debug %}\n-vvv\n{% endif %}\n-l {{ ip }}\n<%- if @x -%>\n-U <%= @u %>";
    const masked = maskTemplateStatements(text);
    expect(masked.masked).toBe(3);
    expect(masked.text.split("\n")).toEqual(["              ", "-vvv", "           ", "-l {{ ip }}", "             ", "-U <%= @u %>"]);
  });
});

describe("parseMemcachedArgs: how getopt_long reads memcached 1.6's options", () => {
  it.each([
    ["attached short value", "-p11211", "tcpPort", 11211],
    ["separate short value", "-p 11211", "tcpPort", 11211],
    ["long with =", "--port=11300", "tcpPort", 11300],
    ["long with separate value", "--port 11300", "tcpPort", 11300],
    ["unique long prefix", "--conn=4096", "maxConnections", 4096],
    ["exact long name beats a longer one", "--listen 10.0.0.1 --listen-b 2048", "listenBacklog", 2048],
    ["-c", "-c 4096", "maxConnections", 4096],
    ["--conn-limit", "--conn-limit=8192", "maxConnections", 8192],
    ["-b", "-b 2048", "listenBacklog", 2048],
    ["--listen-backlog", "--listen-backlog=4096", "listenBacklog", 4096],
    ["-m", "-m 256", "memoryLimitMb", 256],
    ["--memory-limit", "--memory-limit 512", "memoryLimitMb", 512],
    ["-t", "-t 8", "threads", 8],
    ["--threads", "--threads=2", "threads", 2],
    ["-U", "-p 11211 -U 11211", "udpPort", 11211],
    ["--udp-port 0", "--udp-port=0", "udpPort", 0],
    ["-I with m suffix", "-I 5m", "maxItemSizeBytes", 5 * 1024 * 1024],
    ["-I with k suffix", "-I 2048k", "maxItemSizeBytes", 2048 * 1024],
    ["-I in bytes", "-I 5000000 -m 64", "maxItemSizeBytes", 5_000_000],
    ["--max-item-size", "--max-item-size=2M", "maxItemSizeBytes", 2 * 1024 * 1024],
    ["last one wins", "-c 100 -c 200", "maxConnections", 200],
    ["value starting with '-' is still the value", "-u -nobody", "user", "-nobody"],
    ["-u", "-u memcache", "user", "memcache"],
    ["--user", "--user=memcached", "user", "memcached"],
    ["-s", "-s /run/memcached/memcached.sock -a 660", "unixSocket", "/run/memcached/memcached.sock"],
    ["-B", "-B ascii", "protocol", "ascii"],
  ] as const)("%s", (_name, text, key, expected) => {
    const parsed = args(text);
    expect(parsed.effective[key]).toMatchObject({ value: expected, source: "written" });
    expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("gives memcached's defaults, marked as defaults (RULES.md SL2xx preamble)", () => {
    const e = args("").effective;
    expect(e.tcpPort).toEqual({ value: 11211, source: "default", location: null, unknown: false });
    expect(e.udpPort.value).toBe(0);
    expect(e.maxConnections.value).toBe(1024);
    expect(e.listenBacklog.value).toBe(1024);
    expect(e.memoryLimitMb.value).toBe(64);
    expect(e.threads.value).toBe(4);
    expect(e.maxItemSizeBytes.value).toBe(1024 * 1024);
    expect(e.protocol.value).toBe("auto");
    expect(e.maxconnsFast.value).toBe(true);
    expect(e.user.value).toBeNull();
    expect(e.listen).toMatchObject({ source: "default", value: [{ family: "wildcard", host: null, port: null, location: null }] });
    expect(listensOnEveryInterface(e)).toBe(true);
    expect(e.starts).toBe(true);
  });

  it("reads clustered flags and counts verbosity", () => {
    const parsed = args("-dvv -vp11212 --verbose --verbose=3");
    expect(parsed.effective).toMatchObject({ daemon: true, verbosity: 5, tcpPort: { value: 11212 } });
    expect(parsed.options.map((o) => o.letter)).toEqual(["d", "v", "v", "v", "p", "v", "v"]);
  });

  it("takes the next word for a required value at the end of a cluster", () => {
    const parsed = args("-dl 127.0.0.1 -Mk");
    expect(parsed.effective.listen.value?.map((a) => a.host)).toEqual(["127.0.0.1"]);
    expect(parsed.effective.evictionsDisabled).toBe(true);
  });

  it("records flags without values", () => {
    const e = args("-A -Z -S -C -F -X -W -L -r -k -M -R 40").effective;
    expect(e).toMatchObject({ tls: true, sasl: true, evictionsDisabled: true });
  });
});

describe("listen addresses (-l): lists, repeats and memcached's own parsing", () => {
  const listen = (text: string) => args(text).effective.listen.value?.map((a) => [a.host, a.family, a.port]);

  it.each([
    ["one IPv4", "-l 10.0.0.11", [["10.0.0.11", "ipv4", null]]],
    ["comma list (RHEL default)", "-l 127.0.0.1,::1", [["127.0.0.1", "ipv4", null], ["::1", "ipv6", null]]],
    ["semicolons separate too", "-l 10.0.0.1;10.0.0.2", [["10.0.0.1", "ipv4", null], ["10.0.0.2", "ipv4", null]]],
    ["repeated -l are appended", "-l 10.0.0.1 -l 10.0.0.2", [["10.0.0.1", "ipv4", null], ["10.0.0.2", "ipv4", null]]],
    ["host:port", "-l 10.0.0.1:11212", [["10.0.0.1", "ipv4", 11212]]],
    ["[v6]:port", "-l [::1]:11212", [["::1", "ipv6", 11212]]],
    ["[v6] without port", "-l [fe80::1%eth0]", [["fe80::1%eth0", "ipv6", null]]],
    ["unbracketed IPv6 has no port", "-l ::1:11211", [["::1:11211", "ipv6", null]]],
    ["* is every interface", "-l *", [[null, "wildcard", null]]],
    ["hostname", "-l controller", [["controller", "hostname", null]]],
    ["empty entries are skipped (strtok)", "-l ,10.0.0.1,,", [["10.0.0.1", "ipv4", null]]],
    ["install-guide list with a space word", "-l 127.0.0.1,::1,controller", [["127.0.0.1", "ipv4", null], ["::1", "ipv6", null], ["controller", "hostname", null]]],
    ["--listen=", "--listen=0.0.0.0", [["0.0.0.0", "ipv4", null]]],
  ] as const)("%s", (_name, text, expected) => {
    expect(listen(text)).toEqual(expected);
  });

  it("drops a later -l whose text occurs in the earlier list (memcached's strstr check)", () => {
    const parsed = args("-l 10.0.0.11 -l 10.0.0.1");
    expect(listen("-l 10.0.0.11 -l 10.0.0.1")).toEqual([["10.0.0.11", "ipv4", null]]);
    expect(parsed.diagnostics).toMatchObject([{ code: "memcached-args-listen-ignored", severity: "warning" }]);
    expect(codes(args("-l 10.0.0.1 -l 10.0.0.1"))).toEqual(["memcached-args-listen-duplicate"]);
    // the other order is fine: "10.0.0.1" does not contain "10.0.0.11"
    expect(listen("-l 10.0.0.1 -l 10.0.0.11")).toHaveLength(2);
  });

  it("locates each list entry on its own columns", () => {
    const parsed = parseMemcachedCommandLine("conf", "-l 127.0.0.1,::1", { line: 3, column: 1 });
    expect(parsed.effective.listen.value?.map((a) => a.location)).toEqual([
      { file: "conf", line: 3, column: 4, endLine: 3, endColumn: 13 },
      { file: "conf", line: 3, column: 14, endLine: 3, endColumn: 17 },
    ]);
    expect(parsed.effective.listen.location).toMatchObject({ line: 3, column: 4, endColumn: 17 });
  });

  it("reports what memcached refuses", () => {
    expect(codes(args("-l [::1"))).toEqual(["memcached-args-invalid-listen"]);
    expect(codes(args("-l 10.0.0.1:port"))).toEqual(["memcached-args-invalid-listen"]);
    expect(codes(args("-l 10.0.0.1:70000"))).toEqual(["memcached-args-invalid-listen"]);
    expect(codes(args("-l notls:10.0.0.1:11211"))).toEqual(["memcached-args-invalid-listen"]);
    expect(args("-Z -l notls:10.0.0.1:11211").effective.listen.value).toMatchObject([{ host: "10.0.0.1", port: 11211, notls: true }]);
  });

  it("classifies hosts", () => {
    expect(["10.0.0.1", "256.1.1.1", "::1", "*", "ctl1", "{{ x }}"].map(classifyHost)).toEqual(["ipv4", "hostname", "ipv6", "wildcard", "hostname", "unknown"]);
  });
});

describe("diagnostics instead of crashes", () => {
  it.each([
    ["unknown short option", "-x", "memcached-args-unknown-option", "error"],
    ["unknown long option", "--bogus=1", "memcached-args-unknown-option", "error"],
    ["ambiguous long prefix", "--memory=64", "memcached-args-ambiguous-option", "error"],
    ["value given to a flag", "--daemon=yes", "memcached-args-unexpected-value", "error"],
    ["missing value", "-p", "memcached-args-missing-value", "error"],
    ["missing long value", "--listen", "memcached-args-missing-value", "error"],
    ["operand", "11211", "memcached-args-operand", "warning"],
    ["-c 0", "-c 0", "memcached-args-invalid-value", "error"],
    ["-c not a number", "-c many", "memcached-args-not-a-number", "error"],
    ["-m with a unit", "-m 64m", "memcached-args-not-a-number", "warning"],
    ["-t 0", "-t 0", "memcached-args-invalid-value", "error"],
    ["-B wrong", "-B bin", "memcached-args-invalid-value", "error"],
    ["-I too small", "-I 512", "memcached-args-invalid-value", "error"],
    ["-I above half of -m", "-I 64m", "memcached-args-invalid-value", "error"],
    ["-p above 65535", "-p 70000", "memcached-args-invalid-value", "error"],
    ["help exits", "-h", "memcached-args-exits", "warning"],
    ["unknown -o", "-o maxconns_fast,bogus_option=1", "memcached-args-unknown-extended-option", "warning"],
    ["-D without a char", "-D ''", "memcached-args-invalid-value", "error"],
  ])("%s", (_name, text, code, severity) => {
    const parsed = args(text);
    expect(parsed.diagnostics).toContainEqual(expect.objectContaining({ code, severity }));
  });

  it("marks an instance that cannot start", () => {
    expect(args("-x").effective.starts).toBe(false);
    expect(args("-V").effective.starts).toBe(false);
    expect(args("-c 4096").effective.starts).toBe(true);
  });

  it("treats everything after -- as operands", () => {
    const parsed = args("-p 1 -- -c 5");
    expect(parsed.operands.map((o) => o.text)).toEqual(["-c", "5"]);
    expect(parsed.effective.maxConnections.source).toBe("default");
  });

  it("never throws on arbitrary text", () => {
    for (const text of ["-", "--", "---", "-=", "--=", "-p=", "-l ,", '-l "', "\u0000\uffff", "-".repeat(10_000), "-l " + ",".repeat(10_000)]) {
      expect(() => args(text)).not.toThrow();
    }
  });

  it("does not lose the place of an error", () => {
    const parsed = parseMemcachedCommandLine("u", "/usr/bin/memcached -p 11211 -q", { line: 9, column: 11 });
    expect(parsed.diagnostics).toMatchObject([{ code: "memcached-args-unknown-option", line: 9, column: 40 }]);
  });
});

describe("UDP and TCP ports", () => {
  it("moves TCP to the -U port when -p is absent (memcached.c after getopt)", () => {
    const parsed = args("-U 11311");
    expect(parsed.effective.tcpPort).toMatchObject({ value: 11311, source: "written" });
    expect(codes(parsed)).toContain("memcached-args-tcp-port-from-udp");
    expect(args("-U 0").effective.tcpPort).toMatchObject({ value: 11211, source: "default" });
  });

  it("notes -p 0 (no TCP) and -s (no network at all)", () => {
    expect(codes(args("-p 0"))).toContain("memcached-args-tcp-disabled");
    const unix = args("-s /run/m.sock -l 10.0.0.1");
    expect(codes(unix)).toContain("memcached-args-unix-socket");
    expect(unix.effective.unixSocket.value).toBe("/run/m.sock");
  });
});

describe("extended options (-o)", () => {
  it("records each suboption with its location", () => {
    const parsed = parseMemcachedCommandLine("t", "-o maxconns_fast,hashpower=20,idle_timeout=600");
    expect(parsed.extended.map((o) => [o.name, o.value, o.known])).toEqual([
      ["maxconns_fast", null, true],
      ["hashpower", "20", true],
      ["idle_timeout", "600", true],
    ]);
    expect(parsed.extended[1]?.location).toMatchObject({ column: 18, endColumn: 30 });
  });

  it("tracks maxconns_fast", () => {
    expect(args("-o no_maxconns_fast").effective.maxconnsFast).toMatchObject({ value: false, source: "written" });
    expect(args("-o modern").effective.maxconnsFast).toMatchObject({ value: true, source: "default" });
  });
});

describe("values that are not literals (templates, unexpanded variables)", () => {
  it("reads Kolla's memcached command template: values unknown, not addresses", () => {
    // ansible/roles/memcached/templates/memcached.json.j2 (REFERENCE-openstack.md §3.1)
    const parsed = parseMemcachedCommandLine(
      "memcached.json.j2",
      "/usr/bin/memcached -v -l {{ api_interface_address }} -p {{ memcached_port }} -c {{ memcached_connection_limit }} -U 0 -m {{ memcached_max_memory }}",
    );
    expect(parsed.program?.text).toBe("/usr/bin/memcached");
    const e = parsed.effective;
    expect(e.listen).toMatchObject({ source: "written", unknown: true, value: [{ host: null, family: "unknown" }] });
    expect(e.tcpPort).toMatchObject({ value: null, source: "written", unknown: true });
    expect(e.maxConnections).toMatchObject({ value: null, unknown: true });
    expect(e.udpPort).toMatchObject({ value: 0, source: "written", unknown: false });
    expect(e.listenBacklog).toMatchObject({ value: 1024, source: "default" });
    expect(e.threads).toMatchObject({ value: 4, source: "default" });
    expect(listensOnEveryInterface(e)).toBe(false);
    expect(parsed.diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
  });

  it("keeps a literal port next to a templated host", () => {
    expect(args("-l {{ ip }}:11212").effective.listen.value).toMatchObject([{ host: null, family: "unknown", port: 11212 }]);
  });

  it("lists opaque words that may hide options", () => {
    const parsed = parseMemcachedCommandLine("u", "/usr/bin/memcached -p ${PORT} -u ${USER} $OPTIONS");
    expect(parsed.unresolved.map((w) => w.text)).toEqual(["$OPTIONS"]);
    expect(parsed.effective.tcpPort).toMatchObject({ unknown: true });
    expect(parsed.effective.user).toMatchObject({ unknown: true, value: null });
  });

  it("accepts caller-marked opaque items", () => {
    const location = { file: "x", line: 1, column: 1, endLine: 1, endColumn: 2 };
    const items: ArgvItem[] = [
      { text: "-c", location },
      { text: "4096", location, opaque: true },
    ];
    expect(parseMemcachedArgs(items).effective.maxConnections).toMatchObject({ value: null, unknown: true });
  });
});

describe("parseMemcachedCommandLine", () => {
  it("finds memcached's command in a shell line (TripleO container command)", () => {
    // tripleo-heat-templates memcached-container-puppet.yaml (REFERENCE-openstack.md §3.3)
    const parsed = parseMemcachedCommandLine(
      "tripleo",
      "source /etc/sysconfig/memcached; exec /usr/bin/memcached -p ${PORT} -u ${USER} -m ${CACHESIZE} -c ${MAXCONN} $OPTIONS >> /var/log/memcached/memcached.log 2>&1",
      { shellOperators: true },
    );
    expect(parsed.program?.text).toBe("/usr/bin/memcached");
    expect(parsed.options.map((o) => o.letter)).toEqual(["p", "u", "m", "c"]);
    expect(parsed.trailing.map((w) => w.text)).toEqual([">>", "/var/log/memcached/memcached.log", "2", ">&", "1"]);
  });

  it("accepts an argv without program (compose command list as one string)", () => {
    const parsed = parseMemcachedCommandLine("c", "-m 512 -c 4096");
    expect(parsed.program).toBeNull();
    expect(parsed.effective.memoryLimitMb.value).toBe(512);
  });
});

describe("cAtoi", () => {
  it.each([
    ["64", 64, 2, ""],
    ["  64", 64, 2, ""],
    ["64m", 64, 2, "m"],
    ["-5", -5, 1, ""],
    ["abc", 0, 0, "abc"],
    ["", 0, 0, ""],
  ])("%j", (text, value, digits, trailing) => {
    expect(cAtoi(text)).toEqual({ value, digits, trailing });
  });
});


describe("fuzz", () => {
  it("never throws on random text", () => {
    for (const text of randomTexts(1500, [...FUZZ_PIECES, ...["-l ", "-o ", "--", "-p", "LISTEN"]])) {
      expect(() => parseMemcachedCommandLine("f", text, { shellOperators: true })).not.toThrow();
      expect(() => parseMemcachedCommandLine("f", text, { escapes: "c", variables: "none" })).not.toThrow();
    }
  });
});
