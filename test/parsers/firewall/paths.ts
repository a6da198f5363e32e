import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** The shared corpus (licence unknown: read in place, never copied). */
export const corpusFirewall = path.resolve(repoRoot, "..", "shared", "corpus", "firewall");
export const fixtures = path.resolve(repoRoot, "fixtures", "parsers", "firewall");

export function fixture(name: string): string {
  return readFileSync(path.join(fixtures, name), "utf8");
}

export function corpus(name: string): string {
  return readFileSync(path.join(corpusFirewall, name), "utf8");
}

/** A deterministic PRNG (mulberry32) for the robustness tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
