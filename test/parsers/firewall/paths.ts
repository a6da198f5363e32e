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
