import { describe, expect, it } from "vitest";
import rule from "../../rules/memcache-servers-inconsistent.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcache-servers-inconsistent";

describe("SL104 memcache-servers-inconsistent", () => {
  it.each([
    // proxy2 lacks a server that proxy1 and proxy1's object-expirer list (in another order).
    ["fires-proxies", [["SL104", `${dir}/fires-proxies/proxy2/etc/swift/proxy-server.conf`, 15]], ["setDiffers"]],
    // nova's [cache] lacks a server; ctl2's keystonemiddleware has the right set in another order.
    [
      "fires-services",
      [
        ["SL104", `${dir}/fires-services/ctl1/etc/nova/nova.conf`, 22],
        ["SL104", `${dir}/fires-services/ctl2/etc/keystone/keystone.conf`, 11],
      ],
      ["setDiffers", "orderDiffers"],
    ],
    // The proxy's own authtoken list (no cache = swift.cache) overlaps Swift's ring but lacks a server.
    ["fires-mixed", [["SL104", `${dir}/fires-mixed/etc/swift/proxy-server.conf`, 22]], ["setDiffers"]],
    // Two keystonemiddleware clients in two orders: the tie goes to the order oslo.cache uses too.
    ["fires-order-tie", [["SL104", `${dir}/fires-order-tie/etc/keystone/keystone.conf`, 11]], ["orderDiffers"]],
  ] as const)("fires: %s", async (name, sites, messageIds) => {
    const result = await runRuleOn(rule, `${dir}/${name}`);
    expect(findingSites(result)).toEqual(sites);
    expect(result.findings.map((f) => f.messageId)).toEqual(messageIds);
    expect(result.findings.every((f) => f.level === "warning")).toBe(true);
  });

  it.each([
    // Same set in another order (Swift's ring ignores order); authtoken lists ignored with
    // cache = swift.cache; a proxy with no list at all (SL102's).
    "clean-proxies",
    // Disjoint pools (a Swift cluster with its own memcached) and equal lists spelt differently.
    "clean-services",
  ])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });

  it("points at the deviating list and relates it to the reference list, once per deviating client", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-proxies`);
    const [finding] = result.findings;
    expect(finding!.location).toMatchObject({ line: 15, column: 20, endColumn: 51 });
    expect(finding!.message).toMatch(/^The Swift proxy \[filter:cache\] on proxy2 lists different memcached servers than the Swift proxy \[filter:cache\] on proxy1: it lacks 10\.0\.0\.13:11211\./u);
    expect(finding!.message).toContain("List the same servers in both: 10.0.0.11:11211, 10.0.0.12:11211, 10.0.0.13:11211.");
    expect(finding!.related).toEqual([
      {
        location: expect.objectContaining({ file: `${dir}/fires-proxies/proxy1/etc/swift/proxy-server.conf`, line: 15 }),
        message: "the Swift proxy [filter:cache] on proxy1 lists 10.0.0.11:11211, 10.0.0.12:11211, 10.0.0.13:11211",
      },
    ]);
    expect(finding!.key).toBe(`swift-proxy@${dir}/fires-proxies/proxy2/etc/swift/proxy-server.conf#filter:cache:servers-differ`);
  });

  it("names the order difference and the order to use", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-services`);
    const order = result.findings.find((f) => f.messageId === "orderDiffers")!;
    expect(order.message).toContain("(10.0.0.12:11211, 10.0.0.11:11211, 10.0.0.13:11211 instead of 10.0.0.11:11211, 10.0.0.12:11211, 10.0.0.13:11211)");
    expect(order.message).toContain("Use one order everywhere: 10.0.0.11:11211, 10.0.0.12:11211, 10.0.0.13:11211.");
    expect(order.related[0]!.location.file).toBe(`${dir}/fires-services/ctl1/etc/keystone/keystone.conf`);
    // The oslo.cache finding relates to another oslo.cache client, not to keystonemiddleware.
    const set = result.findings.find((f) => f.messageId === "setDiffers")!;
    expect(set.related[0]!.message).toMatch(/^oslo\.cache in keystone \[cache\] on ctl1 lists/u);
  });

  it("never prints a secret of the inputs", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-services`);
    const text = JSON.stringify(result);
    for (const secret of ["Svc-nova-Passw0rd", "Svc-keystone-Passw0rd", "Rabb1tPassw0rd", "DbPassw0rd-nova"]) expect(text).not.toContain(secret);
  });
});
