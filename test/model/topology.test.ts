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
    // SL202 used to fire on the floor (no client known); the clients Kolla renders now give a demand estimate.
    expect(result.findings.map((f) => f.ruleId)).toEqual(["SL204", "SL101"]);
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

describe("Kolla config repos: the clients Kolla renders, with /etc/kolla/config merged as merge_configs does", () => {
  const dir = "fixtures/kolla/three-controllers";
  const setting = (result: Awaited<ReturnType<typeof run>>, id: RegExp, name: string) => {
    const client = result.deployment.cacheClients.find((c) => id.test(c.id));
    expect(client, String(id)).toBeDefined();
    return client!.settings[name]!;
  };

  // Which clients each kolla-ansible template renders (ansible/roles/<project>/templates/).
  it.each([
    ["keystone", ["oslo-cache"], ["ctl1", "ctl2", "ctl3"]],
    ["nova-api", ["keystonemiddleware", "oslo-cache"], ["ctl1", "ctl2", "ctl3"]],
    ["nova-compute", ["keystonemiddleware", "oslo-cache"], ["cmp1", "cmp2"]],
    ["glance-api", ["keystonemiddleware"], ["ctl1", "ctl2", "ctl3"]],
    ["cinder-api", ["keystonemiddleware"], ["ctl1", "ctl2", "ctl3"]],
    ["neutron-server", ["keystonemiddleware"], ["ctl1", "ctl2", "ctl3"]],
    ["placement-api", ["keystonemiddleware", "oslo-cache"], ["ctl1", "ctl2", "ctl3"]],
    ["heat-api", ["keystonemiddleware", "oslo-cache"], ["ctl1", "ctl2", "ctl3"]],
    ["heat-api-cfn", ["keystonemiddleware", "oslo-cache"], ["ctl1", "ctl2", "ctl3"]],
    ["octavia-api", [], []],
  ])("renders %s: %j on %j", async (service, kinds, hosts) => {
    const result = await run([dir]);
    const clients = result.deployment.cacheClients.filter((c) => c.service === service);
    expect(clients.map((c) => `${c.kind} ${c.hostId.split("#")[1]}`).sort()).toEqual(hosts.flatMap((h) => kinds.map((k) => `${k} ${h}`)).sort());
  });

  it("renders every client per host of its group, listing every memcached host", async () => {
    const result = await run([dir]);
    const clients = result.deployment.cacheClients;
    expect(clients).toHaveLength(40);
    for (const c of clients) expect(c.servers.map((s) => s.raw)).toEqual(["10.0.0.11:11211", "10.0.0.12:11211", "10.0.0.13:11211"]);
    // Each rendered server points at that host's api_interface_address in the inventory.
    const first = clients[0]!;
    expect(first.servers.map((s) => [s.location!.file, s.location!.line])).toEqual([
      [`${dir}/etc/kolla/multinode`, 3],
      [`${dir}/etc/kolla/multinode`, 4],
      [`${dir}/etc/kolla/multinode`, 5],
    ]);
    expect(first.serversOrigin).toMatchObject({ kind: "file", location: { file: `${dir}/etc/kolla/multinode`, line: 30 } });
    expect(result.deployment.cacheRoutes.every((r) => r.status === "listening")).toBe(true);
  });

  it("takes the effective value from the last override that sets it, with its line; template values are Kolla defaults", async () => {
    const result = await run([dir]);
    // <project>.conf applies to every keystone container.
    for (const host of ["ctl1", "ctl2", "ctl3"]) {
      expect(setting(result, new RegExp(`^oslo-cache@.*@keystone/${host}$`), "memcache_pool_maxsize")).toMatchObject({ value: "20", origin: { kind: "file", location: { file: `${dir}/etc/kolla/config/keystone.conf`, line: 3 } } });
    }
    // <project>/<host>/<file> applies only on that host.
    expect(setting(result, /^oslo-cache@.*@nova-api\/ctl2$/, "memcache_dead_retry")).toMatchObject({ value: "60", origin: { kind: "file", location: { file: `${dir}/etc/kolla/config/nova/ctl2/nova.conf`, line: 3 } } });
    expect(setting(result, /^oslo-cache@.*@nova-api\/ctl1$/, "memcache_dead_retry")).toMatchObject({ value: "300", origin: { kind: "default", product: "oslo.cache" } });
    expect(setting(result, /^oslo-cache@.*@nova-api\/ctl1$/, "backend")).toMatchObject({ value: "oslo_cache.memcache_pool", origin: { kind: "default", product: "Kolla-Ansible" } });
    expect(setting(result, /^keystonemiddleware@.*@nova-api\/ctl1$/, "memcache_security_strategy")).toMatchObject({ value: "ENCRYPT", origin: { kind: "default", product: "Kolla-Ansible" } });
    // glance-api's host-specific override is glance/<host>/glance-api.conf.
    expect(setting(result, /^keystonemiddleware@.*@glance-api\/ctl1$/, "memcache_pool_maxsize")).toMatchObject({ value: "5", origin: { kind: "file", location: { file: `${dir}/etc/kolla/config/glance/ctl1/glance-api.conf`, line: 3 } } });
    expect(setting(result, /^keystonemiddleware@.*@glance-api\/ctl2$/, "memcache_pool_maxsize")).toMatchObject({ value: "10" });
    expect(result.findings).toEqual([]);
  });

  it("counts each service's processes: a written workers option, else Kolla's openstack_service_workers = min(vCPUs, 5)", async () => {
    const result = await run([dir]);
    const processes = (id: RegExp) => result.deployment.cacheClients.find((c) => id.test(c.id))!.processes;
    expect(processes(/^keystonemiddleware@.*@neutron-server\/ctl2$/)).toMatchObject({ option: "api_workers", value: 4, origin: { kind: "file", location: { file: `${dir}/etc/kolla/config/neutron/neutron-server.conf`, line: 3 } } });
    expect(processes(/^oslo-cache@.*@nova-api\/ctl1$/)).toEqual({ option: "openstack_service_workers", value: null, cpuCap: 5, origin: { kind: "default", product: "Kolla-Ansible" } });
    expect(processes(/^oslo-cache@.*@nova-compute\/cmp1$/)).toMatchObject({ value: 1 });
  });

  it("a host-specific override that drops a server fires at the override's line", async () => {
    const variant = "fixtures/kolla/three-controllers-override-drops-server";
    const result = await run([variant]);
    expect(result.findings.map((f) => [f.ruleId, f.location.file, f.location.line])).toEqual([["SL104", `${variant}/etc/kolla/config/nova/ctl3/nova.conf`, 3]]);
    expect(result.findings[0]!.message).toContain("it lacks 10.0.0.12:11211");
  });

  it("a rendered /etc/kolla/<service>/ config replaces what Kolla would render for that service", async () => {
    const result = await run(["fixtures/kolla/rendered-keystone"]);
    const keystone = result.deployment.cacheClients.filter((c) => c.service === "keystone");
    expect(keystone.map((c) => c.file)).toEqual(["fixtures/kolla/rendered-keystone/etc/kolla/keystone/keystone.conf"]);
    expect(result.deployment.cacheClients.filter((c) => c.service === "nova-api")).toHaveLength(2);
  });

  it("says so when a host-specific override names a host the inventory lacks", async () => {
    const result = await run(["fixtures/kolla/rendered-keystone"]);
    expect(result.diagnostics.filter((d) => d.code === "kolla-override-unknown-host").map((d) => [d.file, d.message])).toEqual([
      ["fixtures/kolla/rendered-keystone/etc/kolla/config/nova/ctl9/nova.conf", "Kolla reads nova/ctl9/nova.conf only for an inventory host named 'ctl9', and fixtures/kolla/rendered-keystone/etc/kolla/multinode has none"],
    ]);
  });
});

describe("TripleO's container command as a launch source", () => {
  it("kolla_start's command sources the puppet-generated sysconfig: one instance with its values and lines", async () => {
    const dir = "fixtures/model/tripleo-kolla-config/ctl1";
    const result = await run([dir.replace(/\/ctl1$/u, "")]);
    const instances = result.deployment.memcachedInstances;
    expect(instances).toHaveLength(1);
    const i = instances[0]!;
    const sysconfig = `${dir}/var/lib/config-data/puppet-generated/memcached/etc/sysconfig/memcached`;
    expect(i.source).toBe("tripleo");
    expect(i.files).toEqual([`${dir}/var/lib/kolla/config_files/memcached.json`, sysconfig]);
    expect(i.listeners.map((l) => `${l.address}:${l.port}`)).toEqual(["127.0.0.1:11211", "172.17.1.10:11211"]);
    expect([i.maxConnections.value, i.memoryLimitMb.value, i.threads.value, i.udpPort.value]).toEqual([8192, 32071, 8, 0]);
    expect(i.maxConnections.origin).toMatchObject({ kind: "file", location: { file: sysconfig, line: 3 } });
    expect(i.listeners[1]!.location).toMatchObject({ file: sysconfig, line: 5 });
    expect(result.diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
  });

  it("paunch's per-step startup config: the memcached container's bash -c script, its sysconfig mount, and rules at the sysconfig's lines", async () => {
    const dir = "fixtures/model/tripleo-paunch/ctl1";
    const result = await run([dir.replace(/\/ctl1$/u, "")]);
    const instances = result.deployment.memcachedInstances;
    expect(instances.map((i) => [i.source, i.maxConnections.value, i.udpPort.value])).toEqual([["tripleo", 1024, 11211]]);
    const sysconfig = `${dir}/var/lib/config-data/memcached/etc/sysconfig/memcached`;
    const udp = result.findings.find((f) => f.ruleId === "SL205")!;
    expect([udp.location.file, udp.location.line]).toEqual([sysconfig, 5]);
  });

  it("reads a list command as argv, without a shell", async () => {
    const { parseTripleoContainerConfig } = await import("../../src/parsers/kolla.js");
    const parsed = parseTripleoContainerConfig("x/var/lib/tripleo-config/container-startup-config/step_1/memcached.json", '{"command": ["sleep", "infinity"], "net": "host"}');
    expect(parsed.command!.words.map((w) => w.text)).toEqual(["sleep", "infinity"]);
    expect(parsed.net).toBe("host");
  });
});

describe("systemd template units", () => {
  it("instances come from the enablement links under .wants/, each with its own sysconfig.%i", async () => {
    const dir = "fixtures/model/systemd-template/enabled/ctl1";
    const result = await run(["fixtures/model/systemd-template/enabled"]);
    const instances = result.deployment.memcachedInstances;
    expect(instances.map((i) => [i.name, i.port.value, i.maxConnections.value, i.threads.value, i.listeners.map((l) => `${l.address}:${l.port}`)])).toEqual([
      ["memcached@11211.service", 11211, 4096, 4, ["10.0.0.11:11211"]],
      ["memcached@11212.service", 11212, 4096, 8, ["10.0.0.11:11212"]],
    ]);
    const unit = `${dir}/usr/lib/systemd/system/memcached@.service`;
    // -p %i: the port is the instance name, written on the template's ExecStart line.
    expect(instances[0]!.port.origin).toMatchObject({ kind: "file", location: { file: unit } });
    expect(instances[1]!.threads.origin).toMatchObject({ kind: "file", location: { file: `${dir}/etc/sysconfig/memcached.11212`, line: 1 } });
    expect(instances[1]!.files).toContain(`${dir}/etc/systemd/system/multi-user.target.wants/memcached@11212.service`);
    // The links are facts, not skipped files.
    expect(result.files.skipped).toEqual({});
    expect(result.diagnostics.filter((d) => d.code === "symlink")).toEqual([]);
  });

  it("a template alone runs nothing, and says so", async () => {
    const result = await run(["fixtures/model/systemd-template/template-only"]);
    expect(result.deployment.memcachedInstances).toEqual([]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["systemd-template-no-instance"]);
  });
});
