import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { repoRoot } from "../helpers/rule-harness.js";
import { stacklintView, type SwiftView } from "../helpers/swift-view.js";

/**
 * The oracle is what Debian's python3-swift 2.30.1 computes from the same files
 * (test/oracles/swift_memcache_oracle.py builds Swift's own MemcacheMiddleware); the system tests
 * re-run it live. Here stacklint's model must agree with it on every effective setting.
 */
const ORACLE_FILE = "fixtures/model/swift-precedence/swift-2.30.1-oracle.json";
const oracle = JSON.parse(readFileSync(path.join(repoRoot, ORACLE_FILE), "utf8")) as Record<string, SwiftView>;
async function proxyOf(caseDir: string) {
  const result = await analyze({ inputs: [caseDir], baseDirectory: repoRoot, rules: [] });
  return { result, client: result.deployment.cacheClients.find((c) => c.kind === "swift-proxy") };
}

describe("Swift's memcache precedence: stacklint agrees with Swift 2.30.1", () => {
  it.each(Object.keys(oracle))("%s", async (proxyConf) => {
    const caseDir = path.dirname(path.dirname(path.dirname(proxyConf)));
    const { client } = await proxyOf(caseDir);
    expect(stacklintView(client)).toEqual(oracle[proxyConf]);
  });
  it("covers every scenario folder", () => {
    expect(Object.keys(oracle)).toHaveLength(12);
  });
});

describe("settings the operator wrote that Swift ignores", () => {
  const shadows = async (name: string) =>
    (await proxyOf(`fixtures/model/swift-precedence/${name}`)).result.deployment.shadowedSettings.map((s) => [s.reason, s.key, s.ignored.line, s.winner?.line ?? null]);

  it("memcache.conf is not read when the proxy sets servers and max connections", async () => {
    expect(await shadows("03-proxy-sets-both")).toEqual([
      ["memcache-conf-unread", "memcache_servers", 2, 12],
      ["memcache-conf-unread", "connect_timeout", 3, null],
      ["memcache-conf-unread", "io_timeout", 4, null],
    ]);
  });
  it("counts [DEFAULT] values as the proxy side (they reach the filter's conf)", async () => {
    expect(await shadows("09-default-reaches-filter")).toEqual([
      ["memcache-conf-unread", "memcache_servers", 2, 2],
      ["memcache-conf-unread", "error_suppression_interval", 3, null],
    ]);
  });
  it("proxy-side values beat memcache.conf option by option when it is read", async () => {
    expect(await shadows("02-proxy-servers-only")).toEqual([["proxy-side-wins", "memcache_servers", 2, 12]]);
  });
  it("paste.deploy keeps [DEFAULT] over the section's own value", async () => {
    expect(await shadows("07-default-shadows-filter")).toEqual([["paste-default-wins", "[filter:cache] memcache_servers", 15, 2]]);
  });
  it("`set` overrides [DEFAULT] and shadows nothing", async () => {
    expect(await shadows("08-set-overrides-default")).toEqual([]);
  });
  it("records where each effective value came from", async () => {
    const { client } = await proxyOf("fixtures/model/swift-precedence/02-proxy-servers-only");
    expect(client!.settings.memcache_max_connections!.origin).toMatchObject({ kind: "file", location: { file: expect.stringContaining("memcache.conf"), line: 3 } });
    expect(client!.settings.io_timeout!.origin).toEqual({ kind: "default", product: "Swift" });
    expect(client!.serversOrigin).toMatchObject({ kind: "file", location: { line: 12 } });
  });
  it("points each server entry at its own columns, across continuation lines", async () => {
    const { client } = await proxyOf("fixtures/model/swift-precedence/12-multiline-servers");
    expect(client!.servers.map((s) => [s.raw, s.location?.line, s.location?.column])).toEqual([
      ["10.0.0.11:11211", 12, 20],
      ["10.0.0.12:11211", 13, 5],
      ["10.0.0.13:11211", 14, 5],
    ]);
  });
});
