import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { groupHosts, parseAnsibleInventory, parseKollaConfigJson, parseKollaGlobals, parseTripleoContainerConfig, yamlSecretValues } from "../../src/parsers/kolla.js";
import { parseMemcachedArgs } from "../../src/parsers/memcached-args.js";

const fixture = (name: string) => `fixtures/parsers/kolla/${name}`;
const read = (path: string) => readFileSync(path, "utf8");

describe("Kolla globals and role defaults (real kolla-ansible files)", () => {
  it("reads top-level scalars with their lines; nested maps and lists are not variables", () => {
    const file = fixture("kolla-ansible-memcached-defaults-main.yml");
    const globals = parseKollaGlobals(file, read(file));
    expect(globals.diagnostics).toEqual([]);
    expect(globals.variables.get("memcached_connection_limit")).toMatchObject({ value: "5000", location: { file, line: 40 } });
    expect(globals.variables.get("memcached_max_memory")).toMatchObject({ value: "256", location: { line: 43 } });
    expect(globals.variables.get("memcached_image_full")?.value).toBe("{{ memcached_image }}:{{ memcached_tag }}");
    expect(globals.variables.has("memcached_services")).toBe(false);
    expect(globals.variables.has("memcached_healthcheck_test")).toBe(false);
  });

  it("the three-controllers fixture's globals.yml", () => {
    const file = "fixtures/kolla/three-controllers/etc/kolla/globals.yml";
    const globals = parseKollaGlobals(file, read(file));
    expect([...globals.variables.keys()]).toContain("enable_memcached");
    expect(globals.variables.get("kolla_internal_vip_address")).toMatchObject({ value: "10.0.0.10", location: { line: 5 } });
  });

  it("passwords.yml: every value, nested ones too, and nothing else", () => {
    expect(yamlSecretValues("p.yml", "---\nkeystone_admin_password: abc\nmemcache_secret_key: def\nceph:\n  key: ghi\nempty:\n")).toEqual(["abc", "def", "ghi"]);
  });

  it("a YAML error is a diagnostic, never an exception", () => {
    expect(parseKollaGlobals("g.yml", "a: [1\n").diagnostics.map((d) => d.code)).toEqual(["yaml-syntax"]);
  });
});

describe("Kolla config.json (real memcached.json.j2 templates)", () => {
  it.each([
    ["kolla-ansible-memcached.json.j2", ["-v", "-l", "{{ api_interface_address }}", "-p", "{{ memcached_port }}", "-c", "{{ memcached_connection_limit }}", "-U", "0", "-m", "{{ memcached_max_memory }}"]],
    ["kolla-ansible-memcached-no-m.json.j2", ["-v", "-l", "{{ api_interface_address }}", "-p", "{{ memcached_port }}", "-c", "{{ memcached_connection_limit }}", "-U", "0"]],
  ])("%s: template expressions stay one opaque word each", (name, args) => {
    const file = fixture(name);
    const text = read(file);
    const parsed = parseKollaConfigJson(file, text);
    expect(parsed.diagnostics).toEqual([]);
    const words = parsed.command!.words;
    expect(words[0]!.text).toBe("/usr/bin/memcached");
    expect(words.slice(1).map((w) => w.text)).toEqual(args);
    expect(words.filter((w) => w.hasTemplate).length).toBe(args.filter((a) => a.startsWith("{{")).length);
    // Each word is located on its own columns of the JSON string.
    const c = words.find((w) => w.text === "-c")!;
    expect([c.location.line, c.location.column]).toEqual([2, text.split("\n")[1]!.indexOf(" -c ") + 2]);
    const memcached = parseMemcachedArgs(words.slice(1).map((w) => ({ text: w.text, location: w.location, ...(w.hasTemplate ? { opaque: true } : {}) })));
    expect(memcached.effective.udpPort.value).toBe(0);
    expect(memcached.effective.maxConnections.unknown).toBe(true);
  });

  it("TripleO's kolla_start command keeps its shell operators", () => {
    const text = '{"command": "bash -c $* -- eval source /etc/sysconfig/memcached; exec /usr/bin/memcached -p ${PORT} $OPTIONS >> /var/log/memcached/memcached.log 2>&1"}';
    const words = parseKollaConfigJson("m.json", text).command!.words;
    expect(words.filter((w) => w.operator).map((w) => w.text)).toEqual([";", ">>", ">&"]);
  });

  it("no command, or not JSON: null and a diagnostic at most", () => {
    expect(parseKollaConfigJson("m.json", '{"config_files": []}').command).toBeNull();
    expect(parseKollaConfigJson("m.json", "{ nope").diagnostics.length).toBeGreaterThan(0);
  });
});

describe("TripleO container startup configs", () => {
  it.each([
    ["per step (paunch)", "x/var/lib/tripleo-config/docker-container-startup-config-step_1.json", '{"memcached": {"net": "host", "command": ["/bin/bash", "-c", "source /etc/sysconfig/memcached; /usr/bin/memcached -p ${PORT}"]}, "other": {"command": "sleep 1"}}'],
    ["per container", "x/var/lib/tripleo-config/container-startup-config/step_1/memcached.json", '{"net": "host", "command": "/bin/bash -c \'source /etc/sysconfig/memcached; /usr/bin/memcached -p ${PORT}\'"}'],
  ])("%s", (_label, file, text) => {
    const parsed = parseTripleoContainerConfig(file, text);
    expect(parsed.net).toBe("host");
    const texts = parsed.command!.words.map((w) => w.text);
    expect(texts).toContain("/usr/bin/memcached");
    expect(texts).toContain("${PORT}");
  });

  it("a step file without a memcached container", () => {
    expect(parseTripleoContainerConfig("x/var/lib/tripleo-config/hashed-container-startup-config-step_2.json", '{"nova_api": {"command": "x"}}').command).toBeNull();
  });
});

describe("Ansible inventories", () => {
  it("the three-controllers fixture (INI): groups, children, host variables with their columns", () => {
    const file = "fixtures/kolla/three-controllers/etc/kolla/multinode";
    const text = read(file);
    const inventory = parseAnsibleInventory(file, text);
    expect(groupHosts(inventory, "memcached")).toEqual(["ctl1", "ctl2", "ctl3"]);
    expect(groupHosts(inventory, "baremetal")).toEqual(["ctl1", "ctl2", "ctl3", "cmp1", "cmp2", "stor1"]);
    const address = inventory.hosts.get("ctl2")!.variables.get("api_interface_address")!;
    expect(address.value).toBe("10.0.0.12");
    expect([address.location.line, address.location.column]).toEqual([4, text.split("\n")[3]!.indexOf("10.0.0.12", 20) + 1]);
    expect(inventory.groups.get("memcached")!.location.line).toBe(30);
  });

  it.each([
    ["ranges", "[control]\nctl[01:03] ansible_user=kolla\n", "control", ["ctl01", "ctl02", "ctl03"]],
    ["vars sections are not hosts", "[control]\nctl1\n[control:vars]\nansible_user=kolla\n", "control", ["ctl1"]],
    ["comments", "# x\n[control]\nctl1 # first\n; ctl2\n", "control", ["ctl1"]],
    ["child cycles end", "[a:children]\nb\n[b:children]\na\n[b]\nh1\n", "a", ["h1"]],
    ["quoted values", '[control]\nctl1 api_interface_address="10.0.0.11"\n', "control", ["ctl1"]],
    ["YAML", "all:\n  children:\n    control:\n      hosts:\n        ctl1:\n          api_interface_address: 10.0.0.11\n        ctl2:\n    memcached:\n      children:\n        control:\n", "memcached", ["ctl1", "ctl2"]],
  ])("%s", (_label, text, group, hosts) => {
    const inventory = parseAnsibleInventory("inv", text);
    expect(groupHosts(inventory, group)).toEqual(hosts);
  });

  it("host variables from INI quotes and YAML keep only the value", () => {
    expect(parseAnsibleInventory("inv", '[control]\nctl1 api_interface_address="10.0.0.11"\n').hosts.get("ctl1")!.variables.get("api_interface_address")!.value).toBe("10.0.0.11");
    const yaml = parseAnsibleInventory("inv", "all:\n  hosts:\n    ctl1:\n      ansible_host: 10.0.0.11\n");
    expect(yaml.hosts.get("ctl1")!.variables.get("ansible_host")).toMatchObject({ value: "10.0.0.11", location: { line: 4 } });
  });
});
