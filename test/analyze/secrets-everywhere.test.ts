import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import { formatters, render, type FormatName } from "../../src/reporters/index.js";

/**
 * One distinct secret in every secret-bearing key and format stacklint reads — INI passwords
 * and `*_key`s, URL credentials, Kolla passwords.yml / globals / inventory, compose
 * environment (map and list), sysconfig and systemd Environment=, memcache_servers userinfo,
 * and log lines that echo tokens — on lines that findings point at, so that snippets, messages
 * and evidence are printed. No output format may contain any secret or any 6-character piece
 * of one. Formats added to `formatters` are checked automatically.
 */
const SECRETS = {
  iniAuthtokenPassword: "Kq7ZvR2mWx9LpT4B",
  iniMemcacheSecretKey: "Nf3HsD8kQz6VbY1C",
  iniTempauthKey: "Rj5WmX2pGv8TcL7E",
  iniTransportUrl: "Uy4QbN9sHk3FzM6A",
  iniDatabaseUrl: "Ve8JrP3wKd5XnS2G",
  iniSetPassword: "Zm2TgC7yLq4WhB9D",
  iniMemcachePassword: "Pw6NcV3jRt8KsF2H",
  serversUserinfo: "Hb9XkM4qTz7RwJ3N",
  sysconfigPassword: "Gt3LpY8vNc2QmD6K",
  unitEnvironmentToken: "Wc7RhK2zBn5TsV9M",
  kollaPasswordsYml: "Mx4JqF9tWb2LkS7P",
  kollaPasswordsSecretKey: "Ds8VnH3cQy6ZrG1T",
  kollaGlobalsPassword: "Ty2BmR7kXw4NpC9J",
  inventoryPassword: "Fq9SzL4hVd7KcW2X",
  composeEnvMap: "Lr6GwT1nMk8ZbQ3Y",
  composeEnvList: "Bz5PvJ8xCn2HtR7W",
  composeUrl: "Qs3KdW9mFy6LhT4V",
  logAccessToken: "Jn8CzQ2wRk5VmX7B",
  logHeaderToken: "Xv4TbL9sGq2NdK6M",
  logFernetToken: "Sg7HpV3yWm9QzC2R5kTn8LbX4dJf6NwE",
} as const;

let root: string;
let result: AnalysisResult;

const at = (relative: string, content: string) => {
  mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  writeFileSync(path.join(root, relative), content);
};

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "stacklint-secrets-all-"));
  at(
    "proxy1/etc/swift/proxy-server.conf",
    `[pipeline:main]
pipeline = catch_errors proxy-logging tempauth cache authtoken proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = ${SECRETS.iniTempauthKey} .admin .reseller_admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = admin:${SECRETS.serversUserinfo}@192.0.2.11:11211

[filter:authtoken]
use = egg:keystonemiddleware#auth_token
memcache_security_strategy = ENCRYPT
memcache_secret_key = ${SECRETS.iniMemcacheSecretKey}
set password = ${SECRETS.iniSetPassword}
memcached_servers = 192.0.2.11:11211

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:proxy-logging]
use = egg:swift#proxy_logging
`,
  );
  at("proxy1/etc/hostname", "proxy1\n");
  at("proxy1/date", "Wed May  1 17:00:00 UTC 2024\n");
  at(
    "proxy1/var/log/swift/proxy.log",
    `May  1 16:08:03 proxy1 proxy-server: Error connecting to memcached: 192.0.2.11:11211: X-Auth-Token: ${SECRETS.logHeaderToken} [Errno 111] ECONNREFUSED (txn: tx8d2e4f6a1b3c5d7e9f0a1-00663268e3) (client_ip: 192.0.2.50)
May  1 16:08:03 proxy1 proxy-server: 192.0.2.50 192.0.2.50 01/May/2024/16/08/03 GET /v1/AUTH_test/c HTTP/1.0 503 - curl/7.88.1 AUTH_tk${SECRETS.logAccessToken} - - - tx8d2e4f6a1b3c5d7e9f0a1-00663268e3 - 0.0031 - - 1714579683.200999975 1714579683.204099894 -
May  1 16:08:04 proxy1 proxy-server: Error connecting to memcached: 192.0.2.11:11211: gAAAAAB${SECRETS.logFernetToken} [Errno 111] ECONNREFUSED (txn: tx9d2e4f6a1b3c5d7e9f0a1-00663268e4) (client_ip: 192.0.2.50)
May  1 16:08:04 proxy1 proxy-server: 192.0.2.50 192.0.2.50 01/May/2024/16/08/04 GET /v1/AUTH_test/c HTTP/1.0 503 - curl/7.88.1 AUTH_tk${SECRETS.logAccessToken} - - - tx9d2e4f6a1b3c5d7e9f0a1-00663268e4 - 0.0031 - - 1714579684.200999975 1714579684.204099894 -
`,
  );
  at(
    "ctl1/etc/nova/nova.conf",
    `[DEFAULT]
transport_url = rabbit://openstack:${SECRETS.iniTransportUrl}@192.0.2.5:5672/

[database]
connection = mysql+pymysql://nova:${SECRETS.iniDatabaseUrl}@192.0.2.5/nova

[keystone_authtoken]
password = ${SECRETS.iniAuthtokenPassword}
memcached_servers = 192.0.2.11:11211

[cache]
enabled = true
backend = oslo_cache.memcache_pool
memcache_servers = 192.0.2.11:11211
memcache_password = ${SECRETS.iniMemcachePassword}
`,
  );
  at(
    "ctl1/var/log/kolla/nova/nova-api.log",
    `2024-05-01 16:08:13.456 27 ERROR keystonemiddleware.auth_token [-] Unable to get a connection from pool id 140213 after 10 seconds.: oslo_cache.exception.QueueEmpty X-Auth-Token: ${SECRETS.logHeaderToken}
`,
  );
  at(
    "mc1/etc/sysconfig/memcached",
    `PORT="11211"
USER="memcached"
MAXCONN="1024"
CACHESIZE="64"
OPTIONS="-l 0.0.0.0"
MEMCACHED_PASSWORD="${SECRETS.sysconfigPassword}"
`,
  );
  at(
    "mc1/etc/systemd/system/memcached.service.d/override.conf",
    `[Service]
Environment=MEMCACHED_TOKEN=${SECRETS.unitEnvironmentToken}
Environment=OPTIONS="-l 0.0.0.0 -U 11211"
`,
  );
  at(
    "kolla/etc/kolla/passwords.yml",
    `---
keystone_admin_password: ${SECRETS.kollaPasswordsYml}
memcache_secret_key: ${SECRETS.kollaPasswordsSecretKey}
`,
  );
  at(
    "kolla/etc/kolla/globals.yml",
    `---
kolla_internal_vip_address: "192.0.2.250"
network_interface: "eth0"
enable_memcached: "yes"
rabbitmq_password: "${SECRETS.kollaGlobalsPassword}"
`,
  );
  at(
    "kolla/etc/kolla/multinode",
    `[control]
ctl1 ansible_host=192.0.2.21 ansible_password=${SECRETS.inventoryPassword}

[memcached:children]
control
`,
  );
  at(
    "compose/docker-compose.yml",
    `services:
  memcached:
    image: memcached:1.6
    command: ["-m", "64", "-l", "0.0.0.0"]
    ports:
      - "11211:11211"
    environment:
      MEMCACHED_PASSWORD: "${SECRETS.composeEnvMap}"
      DATABASE_URL: "mysql://app:${SECRETS.composeUrl}@db/app"
  app:
    image: app:1
    environment:
      - API_TOKEN=${SECRETS.composeEnvList}
`,
  );
  result = await analyze({ inputs: [root], baseDirectory: root });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("no secret of any kind ever appears in any output format", () => {
  it("the planted lines are what the findings point at (the test is not vacuous)", () => {
    const cited = new Set(result.findings.flatMap((f) => [f.location, ...f.related.map((r) => r.location)]).map((l) => `${l.file}:${l.line}`));
    for (const place of ["proxy1/etc/swift/proxy-server.conf:13", "proxy1/var/log/swift/proxy.log:1", "mc1/etc/sysconfig/memcached:5", "compose/docker-compose.yml:2"]) expect(cited).toContain(place);
    // …and the lines that held secrets are printed, masked.
    const human = render(result, "human");
    for (const masked of ["admin:********@192.0.2.11:11211", "X-Auth-Token: ********", "curl/7.88.1 ******** -", "192.0.2.11:11211: ******** [Errno 111]", "ansible_password=********"]) expect(human).toContain(masked);
  });

  it("the model holds no secret either (redacted where read, before any scrubbing)", () => {
    const model = JSON.stringify(result.deployment) + JSON.stringify(result.snippets) + JSON.stringify(result.findings) + JSON.stringify(result.diagnostics);
    for (const [name, secret] of Object.entries(SECRETS)) if (model.includes(secret)) expect.fail(`the model holds secret ${name}`);
  });

  it.each(Object.keys(formatters) as FormatName[])("%s", (format) => {
    const output = render(result, format, { color: format === "human" });
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (let i = 0; i + 6 <= secret.length; i++) {
        if (output.includes(secret.slice(i, i + 6))) expect.fail(`${format} output holds '${secret.slice(i, i + 6)}' of secret ${name}`);
      }
    }
  });
});
