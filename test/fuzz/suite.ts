import { appendFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { fuzzSettings, fuzzTarget, seedFiles } from "./property.js";
import { removeScratch, TARGETS, type FuzzTarget } from "./targets.js";

/** Registers one property test per target; `npm run fuzz` collects the counts from FUZZ_REPORT. */
export function propertySuite(title: string, select: (target: FuzzTarget) => boolean): void {
  const targets = TARGETS.filter(select);
  const settings = fuzzSettings(TARGETS.length);
  describe(title, () => {
    afterAll(removeScratch);
    it("has targets", () => expect(targets.length).toBeGreaterThan(0));
    it.each(targets.map((t) => [t.name, t] as const))("%s", async (_name, target) => {
      expect(seedFiles(target.seeds).length, `no fixture matches the seeds of ${target.name}`).toBeGreaterThan(0);
      const outcome = await fuzzTarget(target, settings);
      if (settings.timeLimitMs === undefined) expect(outcome.inputs).toBe(settings.numRuns);
      if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, `${JSON.stringify(outcome)}\n`);
    }, settings.timeLimitMs !== undefined ? settings.timeLimitMs + 120_000 : 120_000);
  });
}

/** The YAML readers (compose, Kolla) are the slowest targets: their own file runs in parallel. */
export const isYamlTarget = (t: FuzzTarget) => t.name === "compose" || t.name === "yaml-located" || t.name.startsWith("kolla/") || t.name === "topology-document";
