import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/rule-harness.js";

/** The root action.yml against SchemaStore's github-action schema (vendored, schemas/README.md). */
const schema = JSON.parse(readFileSync(path.join(repoRoot, "schemas/github-action.json"), "utf8")) as object;
// Strict mode, minus two checks SchemaStore's own style trips (its `if` and `oneOf` branches
// name properties without repeating `type: object`, and `required` entries defined one level up).
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
const validate = ajv.compile(schema);

interface Step {
  name?: string;
  id?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface ActionMetadata {
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const text = readFileSync(path.join(repoRoot, "action.yml"), "utf8");
const action = parse(text) as ActionMetadata;

describe("action.yml", () => {
  it("is valid against the GitHub Action metadata schema", () => {
    const valid = validate(action);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("the schema is not vacuous: it rejects an unknown runtime, a misspelt key and an output without value", () => {
    expect(validate({ ...action, runs: { ...action.runs, using: "node99" } })).toBe(false);
    expect(validate({ ...action, input: action.inputs })).toBe(false);
    expect(validate({ ...action, outputs: { "error-count": { description: "x" } } })).toBe(false);
  });

  it("has the inputs and outputs the README documents", () => {
    expect(Object.keys(action.inputs).sort()).toEqual(["category", "config", "fail-on", "formats", "paths", "sarif-file"]);
    expect(Object.keys(action.outputs).sort()).toEqual(["error-count", "sarif-file", "warning-count"]);
    for (const [name, output] of Object.entries(action.outputs)) expect(output.value).toBe(`\${{ steps.stacklint.outputs.${name} }}`);
  });

  it("no shell line interpolates an expression: inputs reach the code only through env", () => {
    for (const step of action.runs.steps) {
      expect(step.run ?? "", step.name).not.toMatch(/\$\{\{/u);
    }
    const run = action.runs.steps.find((s) => s.id === "stacklint")!;
    for (const name of Object.keys(action.inputs)) {
      const variable = `INPUT_${name.toUpperCase().replace(/-/gu, "_")}`;
      expect(run.env?.[variable], variable).toBe(`\${{ inputs.${name} }}`);
    }
  });
});
