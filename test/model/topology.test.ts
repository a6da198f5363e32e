import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { render } from "../../src/reporters/index.js";
import { scrubOutput } from "../../src/analyze.js";
import { repoRoot } from "../helpers/rule-harness.js";

const run = (inputs: string[], hosts?: { name: string; addresses: string[] }[]) => analyze({ inputs, baseDirectory: repoRoot, ...(hosts ? { hosts } : {}) });

describe("the topology model", () => {
  it("Kolla: three controllers become three hosts with Kolla's memcached defaults, and no finding", async () => {
    const result = await run(["fixtures/kolla/three-controllers"]);
    expect(result.findings).toEqual([]);
    const instances = result.deployment.memcachedInstances;
    expect(instances.map((i) => [i.source, i.listeners.map((l) => `${l.address}:${l.port}`), i.maxConnections.value, i.memoryLimitMb.value, i.udpPort.value])).toEqual([
      ["kolla", ["10.0.0.11:11211"], 5000, 256, 0],
      ["kolla", ["10.0.0.12:11211"], 5000, 256, 0],
      ["kolla", ["10.0.0.13:11211"], 5000, 256, 0],
    ]);
    expect(instances[0]!.maxConnections.origin).toEqual({ kind: "default", product: "Kolla-Ansible" });
    expect(instances[0]!.listenBacklog.origin).toEqual({ kind: "default", product: "memcached" });
    const ctl2 = result.deployment.hosts.find((h) => h.name === "ctl2")!;
    expect(ctl2).toMatchObject({ nameSource: "inventory", addresses: ["10.0.0.12"] });
    expect(result.deployment.kollaInventories[0]!.memcachedGroup!.hosts).toEqual(["ctl1", "ctl2", "ctl3"]);
  });

  it("Kolla: passwords.yml never reaches any output", async () => {
    const result = await run(["fixtures/kolla/single-memcached"]);
    for (const format of ["human", "json", "sarif"] as const) {
      const text = scrubOutput(result, render(result, format));
      for (const secret of ["Rq7vXk2Lm9PzT4", "Hf3nW8sYq1Ve6D", "Zt5uJ0bNc7Kx2Q", "Mp4aE9rGw2Ly8S"]) expect(text).not.toContain(secret.slice(0, 6));
    }
    expect(result.findings.map((f) => f.ruleId)).toEqual(["SL202", "SL204", "SL101"]);
  });

  it("resolves a host name through /etc/hosts and learns addresses from ip addr and listeners", async () => {
    const result = await run(["fixtures/rules/memcached-bound-to-loopback/fires-hostname"]);
    const route = result.deployment.cacheRoutes[0]!;
    expect(route).toMatchObject({ address: "10.0.0.11", resolvedBy: "etc-hosts", status: "loopback-only" });
    const fires = await run(["fixtures/rules/memcached-bound-to-loopback/fires"]);
    expect(fires.deployment.hosts.find((h) => h.name === "ctl1")!.addressEvidence.map((e) => [e.address, e.source])).toEqual([["10.0.0.11", "ip-addr"]]);
  });

  it("--host names a host's addresses when the inputs do not", async () => {
    const named = await run(["fixtures/rules/memcached-nofile-limit-low/clean"], [{ name: "clean", addresses: ["10.0.0.11"] }, { name: "elsewhere", addresses: ["10.0.0.99"] }]);
    expect(named.deployment.hosts.map((h) => [h.name, h.nameSource, h.addresses])).toEqual([
      ["elsewhere", "cli", ["10.0.0.99"]],
      ["clean", "single-input", ["10.0.0.11"]],
    ]);
  });

  it("reads somaxconn from sysctl.d in systemd-sysctl's order, else the kernel default it says it assumed", async () => {
    const raised = await run(["fixtures/rules/listen-backlog-low/clean-sysctl-raised"]);
    expect(raised.deployment.hostKernels[0]!.somaxconn.value).toBe(4096);
    const old = await run(["fixtures/rules/listen-backlog-low/fires-old-kernel"]);
    expect(old.deployment.hostKernels[0]!.somaxconn).toMatchObject({ value: 128, assumed: "the default of Linux 4.18.0-80.el8.x86_64 (128 before 5.4)" });
  });

  it("joins a systemd limits drop-in to the memcached.conf instance (Debian's wrapper unit)", async () => {
    const result = await run(["fixtures/rules/memcached-nofile-limit-low/fires"]);
    const instance = result.deployment.memcachedInstances[0]!;
    expect(instance.source).toBe("memcached.conf");
    expect(instance.nofileLimit!.value).toBe(1024);
    expect(instance.files).toHaveLength(2);
  });
});

describe("observed connection demand", () => {
  it("counts the clients' captures when the server has none, each 4-tuple once across ss and netstat", async () => {
    const result = await run(["fixtures/model/connections-from-clients"]);
    expect(result.deployment.connectionDemand).toHaveLength(1);
    const demand = result.deployment.connectionDemand[0]!;
    expect(demand).toMatchObject({ seenFrom: "clients", port: 11211, total: 3 });
    expect(demand.clients.map((c) => [c.address, c.connections, c.hostId?.endsWith("cmp1")])).toEqual([["10.0.0.21", 3, true]]);
    const human = render(result, "human");
    expect(human).toContain("top clients of ctl1:11211: 3 ESTABLISHED (the clients' captures) of -c 4096");
    const json = JSON.parse(render(result, "json")) as { deployment: { connectionDemand: unknown[] } };
    expect(json.deployment.connectionDemand).toHaveLength(1);
  });
});
