import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import { formatters, render, type FormatName } from "../../src/reporters/index.js";

/**
 * Plants a distinct secret in every secret-bearing place the INI readers see, makes rules point at
 * those very lines (so snippets are printed), and checks that no output contains a secret or any
 * 6-character piece of one.
 */
const SECRETS = {
  memcacheSecretKey: "Qx7mVb2LpR9tWz4K",
  authtokenPassword: "Hj3nPq8sXv2mTr6Y",
  dbUrlPassword: "Uf5kLw9dNb3qZc7E",
  rabbitPassword: "Gm4tRy8pKx2vBn6J",
  tempauthKey: "Wd9sFq3mLz7xCv2P",
  setPassword: "Yb6nTk2wQr8mJs4D",
  defaultSecret: "Ep3vMx7kNw2qRt9L",
};

let root: string;
let result: AnalysisResult;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "stacklint-secrets-"));
  const at = (relative: string, content: string) => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  };
  at(
    "etc/swift/proxy-server.conf",
    `[DEFAULT]
admin_password = ${SECRETS.defaultSecret}

[pipeline:main]
pipeline = catch_errors tempauth cache authtoken proxy-server

[app:proxy-server]
use = egg:swift#proxy

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = ${SECRETS.tempauthKey} .admin .reseller_admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 10.0.0.11:11211

[filter:authtoken]
use = egg:keystonemiddleware#auth_token
memcache_security_strategy = ENCRYPT
memcache_secret_key = ${SECRETS.memcacheSecretKey}
set password = ${SECRETS.setPassword}
memcached_servers = 10.0.0.11:11211
`,
  );
  at(
    "etc/nova/nova.conf",
    `[DEFAULT]
transport_url = rabbit://openstack:${SECRETS.rabbitPassword}@10.0.0.5:5672/

[database]
connection = mysql+pymysql://nova:${SECRETS.dbUrlPassword}@10.0.0.5/nova

[keystone_authtoken]
password = ${SECRETS.authtokenPassword}
memcached_servers = 10.0.0.11:11211
`,
  );
  result = await analyze({ inputs: [root], baseDirectory: root });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("no secret ever appears in any output", () => {
  it("the planted files do produce findings (the test is not vacuous)", () => {
    expect(result.findings.length).toBeGreaterThan(0);
  });

  it.each(Object.keys(formatters) as FormatName[])("%s", (format) => {
    const output = render(result, format);
    for (const secret of Object.values(SECRETS)) {
      for (let i = 0; i + 6 <= secret.length; i++) expect(output).not.toContain(secret.slice(i, i + 6));
    }
  });

  it("the model itself holds no secret (redacted where read, before any scrubbing)", () => {
    const model = JSON.stringify(result.deployment) + JSON.stringify(result.snippets) + JSON.stringify(result.findings);
    for (const secret of Object.values(SECRETS)) expect(model).not.toContain(secret);
  });
});
