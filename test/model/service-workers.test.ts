import { describe, expect, it } from "vitest";
import { buildServiceClients } from "../../src/model/openstack-service.js";
import { parseIni } from "../../src/parsers/ini.js";

const conf = (body: string) => `${body}\n[keystone_authtoken]\nmemcached_servers = 10.0.0.11:11211\n[cache]\nenabled = true\nbackend = oslo_cache.memcache_pool\nmemcache_servers = 10.0.0.11:11211\n`;

describe("the API worker count of a service file (each process has its own pools)", () => {
  it.each([
    ["nova", "[DEFAULT]\nosapi_compute_workers = 8", { option: "osapi_compute_workers", value: 8, line: 2 }],
    ["nova-api", "[DEFAULT]\nosapi_compute_workers = 2\nosapi_compute_workers = 6", { option: "osapi_compute_workers", value: 6, line: 3 }],
    ["glance-api", "[DEFAULT]\nworkers = 4", { option: "workers", value: 4, line: 2 }],
    ["cinder", "[DEFAULT]\nosapi_volume_workers = 3", { option: "osapi_volume_workers", value: 3, line: 2 }],
    ["neutron", "[DEFAULT]\napi_workers = 12", { option: "api_workers", value: 12, line: 2 }],
    ["heat-api", "[heat_api]\nworkers = 2", { option: "[heat_api] workers", value: 2, line: 2 }],
    ["heat-api-cfn", "[heat_api]\nworkers = 2\n[heat_api_cfn]\nworkers = 7", { option: "[heat_api_cfn] workers", value: 7, line: 4 }],
  ])("%s: %j", (service, body, expected) => {
    const clients = buildServiceClients(parseIni("x.conf", conf(body), { dialect: "oslo" }), "h", service);
    expect(clients).toHaveLength(2);
    for (const c of clients) expect(c.processes).toMatchObject({ option: expected.option, value: expected.value, origin: { kind: "file", location: { line: expected.line } } });
  });

  it.each([
    ["nova", "[DEFAULT]\ndebug = true"],
    ["nova", "[DEFAULT]\nosapi_compute_workers = 0"],
    ["nova", "[DEFAULT]\nosapi_compute_workers = $workers"],
    ["keystone", "[DEFAULT]\nworkers = 4"],
    ["glance", "[glance_store]\nworkers = 4"],
  ])("%s with %j: unknown", (service, body) => {
    for (const c of buildServiceClients(parseIni("x.conf", conf(body), { dialect: "oslo" }), "h", service)) expect(c.processes).toBeUndefined();
  });
});
