import { describe, expect, it } from "vitest";
import { analyze, scrubOutput } from "../../src/analyze.js";
import { render } from "../../src/reporters/index.js";
import { repoRoot } from "../helpers/rule-harness.js";

const dir = "fixtures/model/compose-dotenv";
const run = (inputs: string[]) => analyze({ inputs, baseDirectory: repoRoot });

describe("docker-compose: variables from the .env beside the compose file", () => {
  it("interpolates image, command and ports from .env, pointing at the compose file's lines", async () => {
    const result = await run([dir]);
    const instances = result.deployment.memcachedInstances;
    expect(instances.map((i) => [i.maxConnections.value, i.memoryLimitMb.value, i.port.value, i.udpPort.value])).toEqual([[8192, 1024, 11311, 0]]);
    const instance = instances[0]!;
    // -c ${MEMCACHED_CONNECTIONS:-1024}: the value comes from .env, the location is the written expression.
    const line = "    command: memcached -m ${MEMCACHED_MEMORY} -c ${MEMCACHED_CONNECTIONS:-1024} -p ${MEMCACHED_PORT} -U 0";
    expect(instance.maxConnections.origin).toMatchObject({ kind: "file", location: { file: `${dir}/docker-compose.yml`, line: 5, column: line.indexOf("${MEMCACHED_CONNECTIONS") + 1 } });
    expect(instance.container?.published.map((p) => [p.hostAddress, p.hostPort, p.containerPort])).toEqual([["10.0.0.11", 11311, 11311]]);
  });

  it("says which variables came from .env, by name and line, never by value", async () => {
    const result = await run([dir]);
    const notes = result.diagnostics.filter((d) => d.code === "compose-env-variables");
    expect(notes.map((d) => [d.file, d.line, d.message])).toEqual([
      [
        `${dir}/docker-compose.yml`,
        3,
        `service 'memcached' takes $MEMCACHED_TAG, $MEMCACHED_MEMORY, $MEMCACHED_CONNECTIONS, $MEMCACHED_PORT, $MEMCACHED_BIND, $MEMCACHED_SASL_PASSWORD from ${dir}/.env (MEMCACHED_TAG line 2, MEMCACHED_MEMORY line 4, MEMCACHED_CONNECTIONS line 5, MEMCACHED_PORT line 3, MEMCACHED_BIND line 6, MEMCACHED_SASL_PASSWORD line 7); Compose would prefer the same variables from the shell's environment, which stacklint does not read`,
      ],
    ]);
    // The image's variable is set in .env: no "default assumed" note.
    expect(result.diagnostics.filter((d) => d.code === "compose-image-variable")).toEqual([]);
  });

  it("a password from .env reaches no output, in any format", async () => {
    const result = await run([dir]);
    for (const format of ["human", "json", "sarif", "github", "junit", "markdown", "html"] as const) {
      expect(scrubOutput(result, render(result, format)), format).not.toContain("Zq8-dotenv-Passw0rd");
    }
    expect(JSON.stringify(result.deployment)).not.toContain("Zq8-dotenv-Passw0rd");
  });

  it("naming the compose file alone still reads its project directory's .env", async () => {
    const result = await run([`${dir}/docker-compose.yml`]);
    expect(result.deployment.memcachedInstances.map((i) => i.maxConnections.value)).toEqual([8192]);
  });
});
