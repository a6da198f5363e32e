import path from "node:path";
import { describe, expect, it } from "vitest";
import type { LogEvent } from "../../../src/parsers/logs/events.js";
import {
  compileAccessLogTemplate,
  DEFAULT_ACCESS_LOG_PARSER,
  DEFAULT_EVENT_FILTER,
  DEFAULT_LOG_MSG_TEMPLATE,
  extractEvent,
} from "../../../src/parsers/logs/events.js";
import { readLog } from "../../../src/parsers/logs/read-log.js";
import type { LogRecord } from "../../../src/parsers/logs/record.js";
import { repoRoot } from "../../helpers/rule-harness.js";

const fixtures = path.join(repoRoot, "fixtures", "parsers", "logs");
const server = (raw: string, host: string, port: number | null) => ({ raw, host, port });
const S11 = server("192.0.2.11:11211", "192.0.2.11", 11211);

/** Every message that yields an event must pass the default byte prefilter. */
function expectPrefilterPasses(message: string): void {
  expect(DEFAULT_EVENT_FILTER.matchesText(message), `prefilter misses: ${message}`).toBe(true);
  expect(DEFAULT_EVENT_FILTER.matches(Buffer.from(message)), `prefilter misses bytes: ${message}`).toBe(true);
}

function event(message: string, context: Partial<LogRecord> = {}): LogEvent | null {
  const found = extractEvent({ message, ...context });
  if (found && (found.kind !== "proxy-access" || found.status === 503 || found.status === 401)) expectPrefilterPasses(message);
  return found;
}

describe("Swift memcache errors: the lines Swift 2.30.1 printed (REFERENCE §1.5a)", () => {
  it.each<[string, Record<string, unknown>]>([
    [
      "Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED",
      { kind: "swift-memcache-error", failure: "Error", action: "connecting", server: S11, shape: "legacy", errno: 111, errnoName: "ECONNREFUSED", errorText: "[Errno 111] ECONNREFUSED" },
    ],
    ["Timeout connecting to memcached: 192.0.2.11:11211", { kind: "swift-memcache-error", failure: "Timeout", action: "connecting", server: S11, shape: "legacy" }],
    ["Error limiting server 192.0.2.11:11211", { kind: "swift-memcache-error-limited", server: S11 }],
    ["All memcached servers error-limited", { kind: "swift-memcache-all-failing", reason: "all-error-limited" }],
    [
      "Error setting value in memcached: 192.0.2.11:11211: ERROR Too many open connections",
      { kind: "swift-memcache-error", failure: "Error", action: "setting a value", server: S11, shape: "set-reply", reply: "too-many-connections", errorText: "ERROR Too many open connections" },
    ],
    ["Error talking to memcached: 192.0.2.11:11211: incomplete read", { failure: "Error", action: "talking", server: S11, reply: "incomplete-read" }],
    ["Error talking to memcached: 192.0.2.11:11211: [Errno 32] Broken pipe", { action: "talking", errno: 32, errnoName: "EPIPE" }],
    [
      "Timeout getting a connection to memcached: memcache-01.lab.invalid:11211",
      { failure: "Timeout", action: "getting a connection", server: server("memcache-01.lab.invalid:11211", "memcache-01.lab.invalid", 11211) },
    ],
    ["Timeout talking to memcached: 192.0.2.11:11211", { failure: "Timeout", action: "talking", server: S11, shape: "legacy" }],
  ])("%s", (message, expected) => {
    const found = event(message);
    expect(found).toMatchObject(expected);
    expect(found).not.toHaveProperty("txnId");
  });
});

describe("Swift memcache errors: format strings of ≥ 2.32 and older wordings (REFERENCE §1.5)", () => {
  it.each<[string, string, Record<string, unknown>]>([
    [
      "timeout with config_timeout and time_spent",
      "Timeout connecting to memcached: 192.0.2.11:11211: with key_prefix AUTH_test, method set, config_timeout 0.3, time_spent 0.3012",
      { kind: "swift-memcache-error", failure: "Timeout", action: "connecting", shape: "detailed", keyPrefix: "AUTH_test", method: "set", configTimeout: 0.3, timeSpent: 0.3012 },
    ],
    [
      "error with errno",
      "Error connecting to memcached: 192.0.2.11:11211: with key_prefix shard-listing-v2, method get, time_spent 0.0011, [Errno 111] ECONNREFUSED",
      { shape: "detailed", keyPrefix: "shard-listing-v2", method: "get", timeSpent: 0.0011, errno: 111, errnoName: "ECONNREFUSED", errorText: "[Errno 111] ECONNREFUSED" },
    ],
    [
      "failed set reply",
      "Error talking to memcached: 192.0.2.11:11211: with key_prefix shard-listing-v2, method set, time_spent 0.01, failed set: SERVER_ERROR object too large for cache",
      { shape: "detailed", reply: "object-too-large", errorText: "failed set: SERVER_ERROR object too large for cache" },
    ],
    [
      "exception with traceback, IPv6 server",
      'Error talking to memcached: [2001:db8::11]:11211: with key_prefix account, method get, time_spent 0.2#012Traceback (most recent call last):#012  File "memcached.py", line 1, in get#012ValueError: boom',
      { server: server("[2001:db8::11]:11211", "2001:db8::11", 11211), traceback: true, errorText: "ValueError: boom", timeSpent: 0.2 },
    ],
    [
      "legacy traceback",
      "Error talking to memcached: 192.0.2.11:11211#012Traceback (most recent call last):#012  File \"x\", line 2, in y#012ConnectionResetError: [Errno 104] Connection reset by peer",
      { shape: "legacy", server: S11, traceback: true, errno: 104, errnoName: "ECONNRESET" },
    ],
    ["LogAdapter wording", "Error connecting to memcached: 192.0.2.11:11211: Connection refused", { errnoName: "ECONNREFUSED", errorText: "Connection refused" }],
    ["name resolution", "Error connecting to memcached: mc.invalid:11211: [Errno -2] Name or service not known", { errno: -2, errnoName: "EAI_NONAME" }],
    ["no port", "Timeout connecting to memcached: mc1", { server: server("mc1", "mc1", null) }],
    [
      "every server failing (2.33)",
      "Error connecting to memcached: ALL: with key_prefix AUTH_test, method get: No more memcached servers to try",
      { kind: "swift-memcache-all-failing", reason: "no-more-servers", action: "connecting", keyPrefix: "AUTH_test", method: "get" },
    ],
    [
      "suffixes: txn then client_ip",
      "Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED (txn: tx8d2e4f6a1b3c5d7e9f0a1-00663268e3) (client_ip: 192.0.2.50)",
      { errorText: "[Errno 111] ECONNREFUSED", txnId: "tx8d2e4f6a1b3c5d7e9f0a1-00663268e3", clientIp: "192.0.2.50" },
    ],
    ["txn on a Timeout", "Timeout connecting to memcached: 192.0.2.12:11211 (txn: txabc-0066)", { server: server("192.0.2.12:11211", "192.0.2.12", 11211), txnId: "txabc-0066" }],
    ["txn on error limiting", "Error limiting server 192.0.2.11:11211 (txn: txabc-0066)", { kind: "swift-memcache-error-limited", txnId: "txabc-0066" }],
    ["console prefix", "proxy-server: Timeout talking to memcached: 192.0.2.11:11211", { action: "talking" }],
  ])("%s", (_name, message, expected) => {
    expect(event(message)).toMatchObject(expected);
  });

  it.each([
    "Error connecting to the database: 192.0.2.11:3306",
    "memcached is fine",
    "Timeout connecting to memcached: ",
    "Error connecting to memcache: 192.0.2.11:11211",
    "Started Session 4 of user ops.",
    "NoError talking to memcached: 192.0.2.11:11211",
  ])("ignores %j", (message) => {
    expect(extractEvent({ message })).toBeNull();
  });
});

describe("proxy access lines (log_msg_template)", () => {
  const line21 =
    "192.0.2.50 192.0.2.50 01/May/2024/16/08/03 GET /auth/v1.0 HTTP/1.0 503 - curl/7.88.1 - - - - tx8d2e4f6a1b3c5d7e9f0a1-00663268e3 - 0.0031 - - 1714579683.200999975 1714579683.204099894 -";

  it("parses the 21 fields of the 2.30 default template", () => {
    expect(event(line21)).toEqual({
      kind: "proxy-access",
      status: 503,
      method: "GET",
      path: "/auth/v1.0",
      protocol: "HTTP/1.0",
      clientIp: "192.0.2.50",
      remoteAddr: "192.0.2.50",
      txnId: "tx8d2e4f6a1b3c5d7e9f0a1-00663268e3",
      source: null,
      requestTime: 0.0031,
      time: expect.closeTo(1714579683204.0999, 2),
      userAgent: "curl/7.88.1",
      policyIndex: null,
      fieldCount: 21,
    });
  });

  it("parses 22 fields (with access_user_id), a source, and a console prefix", () => {
    const withUser = `${line21.replace(" 0.0031 - ", " 0.0031 TA ")} test%3Atester`;
    expect(event(withUser)).toMatchObject({ status: 503, source: "TA", fieldCount: 22 });
    expect(event(`proxy-server: ${line21}`)).toMatchObject({ status: 503, txnId: "tx8d2e4f6a1b3c5d7e9f0a1-00663268e3" });
  });

  it("falls back to end_time.datetime when the epoch fields are empty", () => {
    const line = line21.replace("1714579683.200999975 1714579683.204099894", "- -");
    expect(DEFAULT_ACCESS_LOG_PARSER.parse(line)?.time).toBe(Date.UTC(2024, 4, 1, 16, 8, 3));
  });

  it.each([
    ["status not a number", line21.replace(" 503 ", " abc ")],
    ["too few fields", line21.split(" ").slice(0, 20).join(" ")],
    ["bad datetime", line21.replace("01/May/2024/16/08/03", "01/Foo/2024/16/08/03")],
    ["lower-case method", line21.replace(" GET ", " get ")],
    ["a Swift error line", "Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED"],
  ])("rejects %s", (_name, line) => {
    expect(DEFAULT_ACCESS_LOG_PARSER.parse(line)).toBeNull();
  });

  it("compiles a custom template, with literal text around fields", () => {
    const { parser, problems } = compileAccessLogTemplate("{client_ip} {start_time.iso8601} {method} acc:{account} {status_int:d} {transaction_id} {request_time} {source}");
    expect(problems).toEqual([]);
    expect(parser.parse("192.0.2.50 2024-05-01T16:08:03 PUT acc:AUTH_test 503 txabc 0.5000 -")).toMatchObject({
      status: 503,
      method: "PUT",
      txnId: "txabc",
      source: null,
      time: Date.UTC(2024, 4, 1, 16, 8, 3) + 500,
    });
    expect(parser.parse("192.0.2.50 2024-05-01T16:08:03 PUT AUTH_test 503 txabc 0.5000 -")).toBeNull();
    // A custom template is exact: one more field is not its line.
    expect(parser.parse("192.0.2.50 2024-05-01T16:08:03 PUT acc:AUTH_test 503 txabc 0.5000 - extra")).toBeNull();
  });

  it("reports templates it cannot use", () => {
    expect(compileAccessLogTemplate("{client_ip} {method}").problems).toEqual(["the template has no {status_int}: statuses cannot be read"]);
    expect(compileAccessLogTemplate("{status_int}{method}").problems[0]).toContain("touch");
    expect(compileAccessLogTemplate("{client_ip} {method}").parser.parse("a GET")).toBeNull();
  });

  it("is the default template of REFERENCE §1.7", () => {
    expect(DEFAULT_LOG_MSG_TEMPLATE.split(" ")).toHaveLength(22);
    expect(DEFAULT_LOG_MSG_TEMPLATE.split(" ")[6]).toBe("{status_int}");
  });

  it("can be turned off", () => {
    expect(extractEvent({ message: line21 }, { accessLog: null })).toBeNull();
  });
});

describe("memcached, keystonemiddleware, oslo.cache, systemd, docker and kernel messages", () => {
  it.each<[string, Partial<LogRecord>, Record<string, unknown> | null]>([
    ["Too many open connections", { program: "memcached" }, { kind: "memcached-message", condition: "too-many-open-connections" }],
    ["accept4(): Too many open files", {}, { kind: "memcached-message", condition: "accept-emfile" }],
    [
      "failed to set rlimit for open files. Try starting as root or requesting smaller maxconns value.",
      {},
      { kind: "memcached-message", condition: "rlimit-failed" },
    ],
    ["SERVER_ERROR out of memory storing object", {}, { kind: "memcached-message", condition: "out-of-memory" }],
    ["Cannot set item size limit higher than 1/2 of memory max.", {}, { kind: "memcached-message", condition: "item-size-above-memory" }],
    [
      "Unable to get a connection from pool id 140212345678912 after 10 seconds.",
      {},
      { kind: "token-cache-error", problem: "pool-exhausted", poolId: "140212345678912", seconds: 10 },
    ],
    ["Failed to decrypt/verify cache data", {}, { kind: "token-cache-error", problem: "decrypt-verify-failed" }],
    [
      "Using the in-process token cache is deprecated as of the 4.2.0 release and may be removed in the 5.0.0 release or the 'O' development cycle. The in-process cache causes inconsistent results and high memory usage. When the feature is removed the auth_token middleware will not cache tokens by default which may result in performance issues. It is recommended to use  memcache for the auth_token token cache by setting the memcached_servers option.",
      {},
      { kind: "token-cache-error", problem: "in-process-cache" },
    ],
    ["Using the eventlet-unsafe cache pool is deprecated.", {}, { kind: "token-cache-error", problem: "eventlet-unsafe-pool" }],
    [
      "Memcached pool 140212345678912, thread 140212345600000: Marked host 192.0.2.11:11211 dead until 1714579983.2",
      {},
      { kind: "token-cache-error", problem: "host-marked-dead", server: "192.0.2.11:11211" },
    ],
    ["Started memcached.service - memcached daemon.", {}, { kind: "memcached-lifecycle", action: "started", via: "systemd", subject: "memcached.service" }],
    ["Started memcached daemon.", {}, { kind: "memcached-lifecycle", action: "started", via: "systemd" }],
    ["Stopped Memcached.", { subjectUnit: "memcached.service" }, { action: "stopped", subject: "memcached.service" }],
    ["Stopping memcached.service - memcached daemon...", {}, { action: "stopping" }],
    [
      "memcached.service: Main process exited, code=exited, status=71/OSERR",
      {},
      { kind: "memcached-lifecycle", action: "exited", subject: "memcached.service", exitCode: "exited", exitStatus: "71/OSERR" },
    ],
    ["memcached@11212.service: Failed with result 'exit-code'.", {}, { action: "failed", subject: "memcached@11212.service" }],
    ["memcached.service: Scheduled restart job, restart counter is at 1.", {}, { action: "restart-scheduled" }],
    ["Started nginx.service - A high performance web server.", {}, null],
    [
      "container die 4c1d9e2f7a3b (exitCode=137, image=quay.io/openstack.kolla/memcached:2024.1-ubuntu-jammy, name=memcached)",
      {},
      { kind: "memcached-lifecycle", action: "died", via: "docker", subject: "memcached" },
    ],
    ["container start 4c1d9e2f7a3b (image=quay.io/openstack.kolla/memcached:2024.1, name=memcached)", {}, { action: "started", via: "docker" }],
    ["container start 9a8b (image=nginx, name=web)", {}, null],
    [
      "TCP: request_sock_TCP: Possible SYN flooding on port 192.0.2.11:11211. Sending cookies.",
      {},
      { kind: "kernel-syn-flood", address: "192.0.2.11", port: 11211, action: "sending-cookies" },
    ],
    ["TCP: request_sock_subflow_v4: Possible SYN flooding on port [::]:20002. Sending cookies.", {}, { address: "::", port: 20002 }],
    ["TCP: request_sock_TCPv6: Possible SYN flooding on port 34391. Dropping request.  Check SNMP counters.", {}, { address: null, port: 34391, action: "dropping-request" }],
    ["possible SYN flooding on port 4671. Sending cookies.", {}, { address: null, port: 4671 }],
  ])("%s", (message, context, expected) => {
    const found = event(message, context);
    if (expected === null) expect(found).toBeNull();
    else expect(found).toMatchObject(expected);
  });
});

describe("events from whole files: text, journald JSON and syslog give the same answers", () => {
  async function eventsOf(file: string): Promise<[number, number | null, LogEvent][]> {
    const out: [number, number | null, LogEvent][] = [];
    for await (const record of readLog(path.join(fixtures, file), {
      file,
      year: { year: 2024, source: "bundle-year" },
      filter: DEFAULT_EVENT_FILTER,
    })) {
      const found = extractEvent(record);
      if (found) out.push([record.line, record.timestamp === null ? null : Math.floor(record.timestamp / 1000), found]);
    }
    return out;
  }

  it("the proxy log: every memcache error, its server and txn, and the 503s", async () => {
    const events = await eventsOf("proxy-server.log");
    expect(events.map(([line, , e]) => [line, e.kind])).toEqual([
      [2, "swift-memcache-error"],
      [3, "swift-memcache-error"],
      [4, "proxy-access"],
      [5, "swift-memcache-error"],
      [7, "swift-memcache-error-limited"],
      [8, "swift-memcache-all-failing"],
      [9, "proxy-access"],
      [10, "proxy-access"],
      [11, "swift-memcache-error"],
      [12, "swift-memcache-error"],
      [13, "swift-memcache-error"],
      [14, "swift-memcache-error"],
      [15, "swift-memcache-error"],
    ]);
    const errorTxn = events.find(([line]) => line === 2)![2];
    const access = events.find(([line]) => line === 4)![2];
    expect(errorTxn).toMatchObject({ txnId: "tx8d2e4f6a1b3c5d7e9f0a1-00663268e3" });
    expect(access).toMatchObject({ status: 503, txnId: "tx8d2e4f6a1b3c5d7e9f0a1-00663268e3", source: null });
    expect(events.find(([line]) => line === 10)![2]).toMatchObject({ status: 503, source: "TA" });
  });

  it("the journald JSON copy of the same log gives the same events at the same times", async () => {
    const text = await eventsOf("proxy-server.log");
    const json = await eventsOf("proxy-journal.json");
    expect(json).toEqual(text);
  });

  it("the sosreport journal of a memcached host", async () => {
    const events = await eventsOf("journalctl_--no-pager");
    expect(events.map(([line, , e]) => [line, e.kind, "action" in e ? e.action : "condition" in e ? e.condition : ""])).toEqual([
      [2, "memcached-lifecycle", "stopping"],
      [4, "memcached-lifecycle", "stopped"],
      [5, "memcached-lifecycle", "started"],
      [6, "kernel-syn-flood", "sending-cookies"],
      [7, "memcached-message", "accept-emfile"],
      [8, "memcached-message", "too-many-open-connections"],
      [11, "memcached-lifecycle", "exited"],
      [12, "memcached-lifecycle", "failed"],
      [13, "memcached-message", "rlimit-failed"],
      [14, "kernel-syn-flood", "dropping-request"],
    ]);
  });
});
