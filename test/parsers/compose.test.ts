import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildLaunchInstances } from "../../src/model/memcached-instance.js";
import { interpolateCompose, isMemcachedService, parseCompose, parseComposeDotEnv, parseShortPort } from "../../src/parsers/compose.js";
import { parseMemcachedCommandLine } from "../../src/parsers/memcached-args.js";
import type { ParsedTopologyFile } from "../../src/parsers/topology-document.js";

const fixture = (name: string) => `fixtures/parsers/compose/${name}`;
const read = (path: string) => readFileSync(path, "utf8");

/** Line and column (1-based) of the first occurrence of `needle` on a line containing `lineHas`. */
function position(text: string, lineHas: string, needle: string): [number, number] {
  const lines = text.split("\n");
  const index = lines.findIndex((l) => l.includes(lineHas));
  return [index + 1, lines[index]!.indexOf(needle) + 1];
}

function instancesOf(file: string, text: string) {
  const compose = parseCompose(file, text);
  const files: ParsedTopologyFile[] = [{ file, hostId: "h", document: { kind: "compose", compose } }];
  return { compose, ...buildLaunchInstances(files) };
}

describe("compose: real files from the corpus", () => {
  it("ddev: a list command is argv for the official image's entrypoint", () => {
    const file = fixture("ddev-docker-compose.memcached.yaml");
    const { compose, instances } = instancesOf(file, read(file));
    expect(compose.services.map((s) => [s.name, s.image, s.command?.form, s.command?.words.map((w) => w.text)])).toEqual([["memcached", "memcached:1.5", "list", ["-m", "128"]]]);
    expect(instances.map((i) => [i.memoryLimitMb.value, i.maxConnections.value, i.container?.published.length])).toEqual([[128, 1024, 0]]);
    expect(instances[0]!.memoryLimitMb.origin).toMatchObject({ kind: "file", location: { line: position(read(file), "command:", '"128"')[0] } });
  });

  it("memcachio: ${VAR:-latest} images resolve to their default with a note; sh -c finds memcached after && and ||", () => {
    const file = fixture("memcachio-multi-tls-uds-docker-compose.yml");
    const text = read(file);
    const { compose, instances, diagnostics } = instancesOf(file, text);
    expect(compose.services.map((s) => s.imageResolved)).toEqual(Array(5).fill("memcached:latest"));
    expect(compose.diagnostics.filter((d) => d.code === "compose-image-variable")).toHaveLength(5);
    expect(compose.diagnostics[0]!.message).toBe("service 'memcached-1' has image 'memcached:${MEMCACHIO_MEMCACHED_VERSION:-latest}': $MEMCACHIO_MEMCACHED_VERSION is not in the inputs (stacklint reads no .env beside the compose file, and not the shell), so its default 'memcached:latest' is assumed");
    expect(instances.map((i) => [i.name, i.memoryLimitMb.value, i.listeners.length])).toEqual([
      ["memcached-1", 1024, 1],
      ["memcached-2", 1024, 1],
      ["memcached-3", 1024, 1],
      ["memcached-ssl", 1024, 1],
      // -s: a UNIX socket and no TCP listener.
      ["memcached-uds", 1024, 0],
    ]);
    const uds = instances[4]!;
    // `-m 1024` inside the quoted sh -c string is located on its own columns.
    const [line, column] = position(text, "memcachio.sock", "1024");
    expect(uds.memoryLimitMb.origin).toMatchObject({ kind: "file", location: { line, column } });
    expect(diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
  });

  it("zulip: a `sh -euc` block script, located line by line, runs `exec memcached -S`", () => {
    const file = fixture("zulip-sasl-docker-compose.yml");
    const text = read(file);
    const { compose, instances } = instancesOf(file, text);
    expect(compose.services.filter(isMemcachedService).map((s) => s.name)).toEqual(["memcached"]);
    expect(instances).toHaveLength(1);
    expect(instances[0]!.listeners.map((l) => `${l.address}:${l.port}`)).toEqual(["null:11211"]);
    const script = compose.services.find((s) => s.name === "memcached")!.command!.words[2]!;
    const parsed = parseMemcachedCommandLine(file, script.text, { shellOperators: true, positionOf: script.positionOf });
    expect(parsed.program?.text).toBe("memcached");
    // The program word sits on the script's last line, past the block's indentation.
    expect([parsed.program!.location.line, parsed.program!.location.column]).toEqual(position(text, "exec memcached -S", "memcached"));
    expect(parsed.diagnostics).toEqual([]);
  });

  it("mmb: an image configured through its environment is a precise note, not guessed values", () => {
    const file = "../shared/corpus/compose/mmb-hostnet-docker-compose.yml";
    const { instances, diagnostics } = instancesOf("corpus/mmb-hostnet-docker-compose.yml", read(file));
    expect(instances.map((i) => [i.port.value, i.container?.networkMode])).toEqual([[11211, "host"]]);
    expect(diagnostics.map((d) => d.code)).toEqual(["compose-image-environment"]);
    expect(diagnostics[0]!.message).toContain("its environment (PORT, BIND, MEM_LIMIT, CON_LIMIT) is read by that image's own start script");
  });
});

describe("compose: images, entrypoints and scripts", () => {
  const compose = (service: string) => `services:\n${service}`;

  it.each([
    ["memcached:1.6", "memcached:1.6"],
    ["${MEMCACHED_IMAGE:-memcached:1.6}", "memcached:1.6"],
    ["${MEMCACHED_IMAGE-memcached:1.6-alpine}", "memcached:1.6-alpine"],
    ["registry.example/${NS:-library}/memcached:${TAG:-1.6}", "registry.example/library/memcached:1.6"],
    ["${MEMCACHED_IMAGE}", null],
    ["${MEMCACHED_IMAGE:?set it}", null],
    ["$MEMCACHED_IMAGE", null],
    ["memcached:${TAG:+1.6}", "memcached:"],
    ["cost$$x", "cost$x"],
  ])("interpolates %s", (written, expected) => {
    expect(interpolateCompose(written)).toBe(expected);
  });

  // Compose's rules with `.env` setting SET=v, EMPTY= and nothing else (the shell is not read).
  it.each([
    ["${SET}", "v"],
    ["$SET/x", "v/x"],
    ["${UNSET}", null],
    ["${SET:-d}", "v"],
    ["${EMPTY:-d}", "d"],
    ["${EMPTY-d}", ""],
    ["${UNSET-d}", "d"],
    ["${SET:+x}", "x"],
    ["${EMPTY:+x}", ""],
    ["${EMPTY+x}", "x"],
    ["${UNSET+x}", ""],
    ["${SET:?need it}", "v"],
    ["${EMPTY:?need it}", null],
    ["${EMPTY?need it}", ""],
    ["$${SET}", "${SET}"],
  ])("interpolates %s with a .env", (written, expected) => {
    const env = parseComposeDotEnv(".env", "SET=v\nEMPTY=\n");
    expect(interpolateCompose(written, env.values)).toBe(expected);
  });

  it("reads .env as Compose does: export, quotes, inline comments, earlier variables", () => {
    const env = parseComposeDotEnv(".env", "# c\nexport A=1\nB='$A literal'\nC=\"x\\ny${A}\"\nD=plain value # comment\nE=${A}2\nnot a line\nF='open\n");
    expect(Object.fromEntries([...env.values].map(([k, v]) => [k, v.value]))).toEqual({ A: "1", B: "$A literal", C: "x\ny1", D: "plain value", E: "12" });
    expect(env.values.get("E")!.line).toBe(6);
    expect(env.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["compose-env-syntax", 7],
      ["compose-env-syntax", 8],
    ]);
  });

  it("without a .env, a variable with no default leaves the command word unknown", () => {
    const parsed = parseCompose("c.yml", "services:\n  mc:\n    image: memcached\n    command: memcached -c ${CONN}\n");
    expect(parsed.services[0]!.command!.words.map((w) => [w.text, w.opaque ?? false])).toEqual([
      ["memcached", false],
      ["-c", false],
      ["${CONN}", true],
    ]);
    const env = parseComposeDotEnv(".env", "CONN=4096\n");
    const withEnv = parseCompose("c.yml", "services:\n  mc:\n    image: memcached\n    command: memcached -c ${CONN}\n", env);
    expect(withEnv.services[0]!.command!.words.map((w) => [w.text, w.opaque ?? false, w.location.column])).toEqual([
      ["memcached", false, 14],
      ["-c", false, 24],
      ["4096", false, 27],
    ]);
  });

  it("an image hidden by a variable without default: memcached by its command, with a note saying so", () => {
    const parsed = parseCompose("c.yml", compose("  cache:\n    image: ${CACHE_IMAGE}\n    command: memcached -m 256\n"));
    expect(isMemcachedService(parsed.services[0]!)).toBe(true);
    expect(parsed.diagnostics.map((d) => d.message)).toEqual(["service 'cache' takes its image from $CACHE_IMAGE, which the inputs do not set; stacklint reads it as memcached by its name and command"]);
    const other = parseCompose("c.yml", compose("  web:\n    image: ${WEB_IMAGE}\n"));
    expect(isMemcachedService(other.services[0]!)).toBe(false);
    expect(other.diagnostics).toEqual([]);
  });

  it("entrypoint [memcached] + command: one argv", () => {
    const { instances } = instancesOf("c.yml", compose('  mc:\n    image: alpine:3.20\n    entrypoint: ["memcached"]\n    command: ["-c", "4096", "-l", "0.0.0.0"]\n'));
    expect(instances.map((i) => [i.maxConnections.value, i.listeners[0]!.scope])).toEqual([[4096, "wildcard"]]);
  });

  it("entrypoint /bin/sh -c with the script in command", () => {
    const text = compose('  mc:\n    image: memcached:1.6\n    entrypoint: ["/bin/sh", "-c"]\n    command: ["exec memcached -m 512"]\n');
    const { instances } = instancesOf("c.yml", text);
    expect(instances[0]!.memoryLimitMb).toMatchObject({ value: 512, origin: { kind: "file", location: { line: 5, column: position(text, "exec memcached", "512")[1] } } });
  });

  it("a wrapper entrypoint is a note; the options after it are still read", () => {
    const { instances, diagnostics } = instancesOf("c.yml", compose('  mc:\n    image: memcached:1.6\n    entrypoint: ["/usr/local/bin/wrap.sh"]\n    command: ["-m", "300"]\n'));
    expect(instances[0]!.memoryLimitMb.value).toBe(300);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([["compose-entrypoint-unknown", 4]]);
  });

  it("sh -c with a here-document: the body is data, the exec line is memcached's", () => {
    const text = compose(
      ["  mc:", "    image: memcached:1.6", "    command:", "      - sh", "      - -c", "      - |", "        cat > /tmp/notes <<EOF", "        memcached -m 1", "        EOF", "        exec memcached -m 640 -c 2048", ""].join("\n"),
    );
    const { instances, diagnostics } = instancesOf("c.yml", text);
    expect([instances[0]!.memoryLimitMb.value, instances[0]!.maxConnections.value]).toEqual([640, 2048]);
    expect(instances[0]!.memoryLimitMb.origin).toMatchObject({ kind: "file", location: { line: 11, column: position(text, "exec memcached", "640")[1] } });
    expect(diagnostics).toEqual([]);
  });

  it("a script without memcached is a note", () => {
    const { diagnostics } = instancesOf("c.yml", compose('  mc:\n    image: memcached:1.6\n    command: ["sh", "-c", "sleep infinity"]\n'));
    expect(diagnostics.map((d) => d.code)).toEqual(["compose-command-not-memcached"]);
  });

  it.each([
    ["11211", { hostAddress: null, hostPort: null, containerPort: 11211, protocol: "tcp" }],
    ["127.0.0.1:11211:11211", { hostAddress: "127.0.0.1", hostPort: 11211, containerPort: 11211, protocol: "tcp" }],
    ["[::1]:11211:11211", { hostAddress: "::1", hostPort: 11211, containerPort: 11211, protocol: "tcp" }],
    ["33211-33213:11211/udp", { hostAddress: null, hostPort: 33211, containerPort: 11211, protocol: "udp" }],
    ["nope:x", null],
  ])("port %s", (text, expected) => {
    expect(parseShortPort(text)).toEqual(expected);
  });

  it("a YAML error is a diagnostic, never an exception", () => {
    const parsed = parseCompose("c.yml", "services:\n  mc: [unclosed\n");
    expect(parsed.diagnostics[0]!.code).toBe("yaml-syntax");
  });
});
