import { describe, expect, it } from "vitest";
import { RuntimeCollector } from "../../../src/model/runtime/collect.js";
import { extractEvent } from "../../../src/parsers/logs/events.js";

const memcacheError = extractEvent({ message: "Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED (txn: tx0001)" })!;
const access503 = (second: number) =>
  extractEvent({
    message: `198.51.100.7 198.51.100.7 01/May/2024/00/00/${String(second % 60).padStart(2, "0")} GET /auth/v1.0 HTTP/1.0 503 - python-swiftclient-4.4.0 - 0 0 - tx${second} - 0.0100 - - ${1714521600 + second}.000000000 ${1714521600 + second}.010000000 0`,
  })!;

describe("RuntimeCollector snippets", () => {
  it("keep the text of every evidence line and drop earlier `last` lines of a long series", () => {
    expect(memcacheError.kind).toBe("swift-memcache-error");
    expect(access503(1).kind).toBe("proxy-access");
    const collector = new RuntimeCollector();
    const start = Date.UTC(2024, 4, 1);
    for (let line = 1; line <= 30; line++) collector.add("proxy.log", "proxy1", { line, time: start + line * 1000, text: `access ${line}`, event: access503(line) });
    for (let line = 31; line <= 20_030; line++) collector.add("proxy.log", "proxy1", { line, time: start + line * 1000, text: `error ${line}`, event: memcacheError });
    // One snippet per error line was kept before; the dead ones are dropped as the map doubles.
    expect(collector.snippets.size).toBeLessThan(5000);
    const runtime = collector.finish();
    const series = runtime.memcacheErrors[0]!;
    expect(series.count).toBe(20_000);
    expect(collector.snippets.get(`proxy.log:${series.first.location.line}`)).toBe("error 31");
    expect(collector.snippets.get(`proxy.log:${series.last.location.line}`)).toBe("error 20030");
    const ledger = runtime.proxies[0]!.ledger.status503;
    expect(ledger).toHaveLength(30);
    for (const access of ledger) expect(collector.snippets.get(`proxy.log:${access.location.line}`)).toBe(`access ${access.location.line}`);
  });
});
