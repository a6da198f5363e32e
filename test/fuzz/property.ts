/**
 * The property every parser must hold on hostile input, and the inputs that attack it: arbitrary
 * bytes, arbitrary Unicode, grammar pieces in random order, mutations of real files (dropped,
 * duplicated and truncated lines, flipped bytes) and long runs of the characters regexes choke on.
 *
 * `npm test` runs each target with a fixed seed and FUZZ_RUNS inputs (default 1,000);
 * `npm run fuzz` sets FUZZ_SECONDS and a fresh seed and runs each target for its share of the time.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import fg from "fast-glob";
import fc from "fast-check";
import { expect } from "vitest";
import { repoRoot } from "../helpers/rule-harness.js";
import { FUZZ_FILE, type FuzzTarget, type TargetOutput } from "./targets.js";

/**
 * Generous per-input bounds: linear parsers take milliseconds, backtracking takes seconds. CPU
 * time is what backtracking burns and does not depend on how busy the machine is; the wall-time
 * bound catches a reader that waits forever.
 */
export const PER_INPUT_CPU_MS = 2_000;
export const PER_INPUT_WALL_MS = 15_000;
export const FIXED_SEED = 20_261_121;

export interface FuzzSettings {
  readonly seed: number;
  readonly numRuns: number;
  /** Time-boxed mode (npm run fuzz): run until this many ms have passed. */
  readonly timeLimitMs?: number;
}

export function fuzzSettings(targetCount: number): FuzzSettings {
  const seconds = Number(process.env.FUZZ_SECONDS ?? "0");
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : FIXED_SEED;
  if (seconds > 0) return { seed, numRuns: Number.MAX_SAFE_INTEGER, timeLimitMs: (seconds * 1000) / targetCount };
  return { seed, numRuns: Number(process.env.FUZZ_RUNS ?? "1000") };
}

/** Characters whose long runs make careless regexes backtrack: spaces, `=`, `:`, quotes, brackets. */
const RUN_PIECES = [" ", "\t", "=", ":", '"', "'", "[", "]", "{", "}", "(", ")", "<", ">", "\\", "-", "#", ",", ";", "/", ".", "a", "0", "%", "$", "*", "a=", "a:", '"\\', "[a", "{{", "- ", "  :", "\r", "\n", "\r\n", ": ", "= ", "0.", "::", "\\\n"];
const MAX_RUN_CHARS = 50_000;

const seedCache = new Map<string, Buffer[]>();

/** The fixture files matching `globs` (sorted, ≤ 256 KiB each), read once. */
export function seedFiles(globs: readonly string[]): Buffer[] {
  const key = globs.join("\n");
  let seeds = seedCache.get(key);
  if (!seeds) {
    const files = fg.sync([...globs], { cwd: repoRoot, onlyFiles: true, dot: true, unique: true }).sort();
    seeds = files.filter((f) => statSync(`${repoRoot}/${f}`).size <= 256 * 1024).map((f) => readFileSync(`${repoRoot}/${f}`));
    seedCache.set(key, seeds);
  }
  return seeds;
}

type Mutation = { op: "drop" | "dup" | "truncate" | "flip" | "insert"; at: number; bit: number; piece: string };

function mutate(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= seed.length; i++) {
    if (i === seed.length || seed[i] === 0x0a) {
      lines.push(seed.subarray(start, Math.min(i + 1, seed.length)));
      start = i + 1;
    }
  }
  for (const m of mutations) {
    if (lines.length === 0) lines = [Buffer.alloc(0)];
    const index = m.at % lines.length;
    switch (m.op) {
      case "drop":
        lines.splice(index, 1);
        break;
      case "dup":
        lines.splice(index, 0, lines[index]!);
        break;
      case "truncate": {
        const whole = Buffer.concat(lines);
        lines = [whole.subarray(0, m.at % (whole.length + 1))];
        break;
      }
      case "flip": {
        const target = Buffer.from(lines[index]!);
        if (target.length > 0) target[m.at % target.length]! ^= 1 << m.bit;
        lines[index] = target;
        break;
      }
      case "insert":
        lines.splice(index, 0, Buffer.from(m.piece, "utf8"));
        break;
    }
  }
  return Buffer.concat(lines);
}

/** Every kind of hostile input for one target, as bytes or as a string. */
export function hostileInput(target: FuzzTarget): fc.Arbitrary<string | Buffer> {
  const seeds = seedFiles(target.seeds);
  const pieces = [...(target.pieces ?? []), " ", "\n", "\r\n", "\t", "=", ":", "#", "\u0000", "é", "\ud800", "\uFEFF", "\u2028"];
  const piece = fc.constantFrom(...pieces);
  const run = fc
    .record({ piece: fc.constantFrom(...RUN_PIECES), count: fc.integer({ min: 1, max: MAX_RUN_CHARS }), before: fc.array(piece, { maxLength: 4 }), after: fc.array(piece, { maxLength: 4 }) })
    .map(({ piece: p, count, before, after }) => `${before.join("")}${p.repeat(Math.ceil(count / p.length)).slice(0, count)}${after.join("")}`);
  const mutation = fc.record({ op: fc.constantFrom("drop", "dup", "truncate", "flip", "insert" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), piece });
  const arbitraries: fc.WeightedArbitrary<string | Buffer>[] = [
    { arbitrary: fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)), weight: 2 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 300 }), weight: 2 },
    { arbitrary: fc.array(piece, { maxLength: 120 }).map((a) => a.join("")), weight: 3 },
    { arbitrary: run, weight: 1 },
  ];
  if (seeds.length > 0) {
    const seed = fc.constantFrom(...seeds);
    arbitraries.push({ arbitrary: fc.tuple(seed, fc.array(mutation, { minLength: 1, maxLength: 8 })).map(([s, ms]) => mutate(s, ms)), weight: 4 });
    // A long run dropped into a real file, where the grammar is in the state that matters.
    arbitraries.push({ arbitrary: fc.tuple(seed, fc.nat(), run).map(([s, at, r]) => Buffer.concat([s.subarray(0, at % (s.length + 1)), Buffer.from(r), s.subarray(at % (s.length + 1))])), weight: 1 });
  }
  return fc.oneof(...arbitraries);
}

const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/gu;

/** The most lines any reading of the input can have (Python's splitlines is the widest). */
export function maxLines(input: string | Buffer, target: FuzzTarget): number {
  const asText = typeof input === "string" ? input : target.input === "bytes" ? input.toString("latin1") : new TextDecoder().decode(input);
  return 1 + (asText.match(LINE_BREAKS)?.length ?? 0);
}

/** Every `{ file: FUZZ_FILE, line }` in what the parser built. */
function* locations(value: unknown): Generator<{ line: unknown; where: string }> {
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[value, "$"]];
  let visited = 0;
  while (stack.length > 0 && visited++ < 200_000) {
    const [node, where] = stack.pop()!;
    if (node === null || typeof node !== "object" || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof Map) {
      for (const [k, v] of node) stack.push([v, `${where}.get(${String(k).slice(0, 20)})`]);
      continue;
    }
    if (node instanceof Set) {
      for (const v of node) stack.push([v, `${where}[set]`]);
      continue;
    }
    const record = node as Record<string, unknown>;
    if (record.file === FUZZ_FILE && "line" in record) yield { line: record.line, where };
    for (const [k, v] of Object.entries(record)) if (v !== null && typeof v === "object") stack.push([v, `${where}.${k}`]);
  }
}

/** The property: nothing thrown, each diagnostic names the file and a line inside it, fast. */
export async function checkOne(target: FuzzTarget, input: string | Buffer): Promise<number> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const output: TargetOutput = await target.run(input);
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const elapsed = performance.now() - started;
  const lines = maxLines(input, target);
  for (const diagnostic of output.diagnostics) {
    if (diagnostic.file !== FUZZ_FILE) throw new Error(`diagnostic ${diagnostic.code} names file '${diagnostic.file}'`);
    if (typeof diagnostic.message !== "string" || diagnostic.message.length === 0) throw new Error(`diagnostic ${diagnostic.code} has no message`);
    if (diagnostic.line !== undefined && !(Number.isInteger(diagnostic.line) && diagnostic.line >= 1 && diagnostic.line <= lines)) {
      throw new Error(`diagnostic ${diagnostic.code} names line ${diagnostic.line} of a ${lines}-line input: ${diagnostic.message}`);
    }
    if (diagnostic.column !== undefined && !(Number.isInteger(diagnostic.column) && diagnostic.column >= 1)) throw new Error(`diagnostic ${diagnostic.code} has column ${diagnostic.column}`);
  }
  for (const { line, where } of locations(output.value)) {
    if (!(typeof line === "number" && Number.isInteger(line) && line >= 1 && line <= lines)) throw new Error(`location ${where} names line ${String(line)} of a ${lines}-line input`);
  }
  if (cpuMs > PER_INPUT_CPU_MS) throw new Error(`took ${cpuMs.toFixed(0)} ms of CPU on a ${input.length}-unit input (bound ${PER_INPUT_CPU_MS} ms)`);
  if (elapsed > PER_INPUT_WALL_MS) throw new Error(`took ${elapsed.toFixed(0)} ms on a ${input.length}-unit input (bound ${PER_INPUT_WALL_MS} ms)`);
  return cpuMs;
}

export interface FuzzOutcome {
  readonly target: string;
  readonly inputs: number;
  readonly maxCpuMs: number;
  readonly seed: number;
}

export async function fuzzTarget(target: FuzzTarget, settings: FuzzSettings): Promise<FuzzOutcome> {
  let maxMs = 0;
  let inputs = 0;
  const property = fc.asyncProperty(hostileInput(target), async (input) => {
    maxMs = Math.max(maxMs, await checkOne(target, input));
    inputs++;
  });
  const details = await fc.check(property, {
    seed: settings.seed,
    numRuns: settings.numRuns,
    ...(settings.timeLimitMs !== undefined ? { interruptAfterTimeLimit: settings.timeLimitMs, markInterruptAsFailure: false } : {}),
    endOnFailure: true,
  });
  if (details.failed) {
    const counterexample = details.counterexample?.[0];
    // The whole failing input, for replaying it in a regression test.
    const dump = path.join(tmpdir(), `stacklint-fuzz-${target.name.replace(/\W+/gu, "_")}-${settings.seed}.${typeof counterexample === "string" ? "txt" : "bin"}`);
    if (counterexample !== undefined) writeFileSync(dump, counterexample);
    const shown = counterexample === undefined ? "" : typeof counterexample === "string" ? JSON.stringify(counterexample.slice(0, 400)) : `bytes ${counterexample.toString("base64").slice(0, 400)}`;
    expect.fail(`${target.name}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)} (seed ${settings.seed}, path ${details.counterexamplePath}, whole input in ${dump}, starts ${shown})`);
  }
  return { target: target.name, inputs: details.numRuns, maxCpuMs: Math.round(maxMs), seed: settings.seed };
}
