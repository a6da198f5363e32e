import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { parseCounterFile, parseMemcachedStats, parseNetstatStatistics, parseNstat, parseProcNetNetstat } from "../../../src/parsers/logs/counters.js";
import { compileAccessLogTemplate, DEFAULT_ACCESS_LOG_PARSER, extractEvent } from "../../../src/parsers/logs/events.js";
import { chunksOf } from "../../../src/parsers/logs/line-reader.js";
import { sniffLogFormat } from "../../../src/parsers/logs/read-log.js";
import { readTextLog } from "../../../src/parsers/logs/text-log.js";
import { repoRoot } from "../../helpers/rule-harness.js";

const SIZE = 100 * 1024;
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

/** 100 KB lines built to make a backtracking regex explode, if any can. */
const HOSTILE: readonly string[] = [
  fill(" "),
  fill(":"),
  fill(" :"),
  fill(": "),
  fill("a:"),
  fill("1"),
  fill("1."),
  fill("1 "),
  fill("["),
  fill('"'),
  fill("\\"),
  fill("-"),
  fill("\t"),
  fill("a "),
  `May  1 16:08:03 ${fill(" ")}`,
  `<13>1 ${fill(" ")}`,
  `2024-05-01 16:08:03.123 1 ERROR ${fill("x")}`,
  `2024-05-01T16:08:03${fill("0")}`,
  `-- Logs begin at ${fill(" ")}`,
  `Error connecting to memcached: ${fill(":")}`,
  `Error connecting to memcached: a: with key_prefix ${fill(", method ")}`,
  `Timeout talking to memcached: ${fill("#012")}`,
  `x (txn: ${fill("(txn: ")}`,
  `Possible SYN flooding on port ${fill(":")}`,
  `container start ${fill(", name=")}`,
  `STAT ${fill(" ")}x`,
  `TcpExt: ${fill("A ")}`,
];

/** Regular-expression literals in a TypeScript source (a small scanner: enough for our style). */
function regexLiterals(source: string): RegExp[] {
  const found: RegExp[] = [];
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '"' || char === "'" || char === "`") {
      // Skip string literals (no nesting of template expressions in these files' regex positions).
      for (i++; i < source.length && source[i] !== char; i++) if (source[i] === "\\") i++;
      continue;
    }
    if (char === "/" && source[i + 1] === "/") {
      i = source.indexOf("\n", i);
      if (i === -1) break;
      continue;
    }
    if (char === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i) + 1;
      continue;
    }
    if (char !== "/") continue;
    const before = source.slice(0, i).trimEnd();
    const previous = before[before.length - 1];
    if (!previous || !"=(,:!&|?;{}[".includes(previous) && !before.endsWith("return")) continue;
    let j = i + 1;
    let inClass = false;
    for (; j < source.length; j++) {
      const c = source[j]!;
      if (c === "\\") j++;
      else if (c === "[") inClass = true;
      else if (c === "]") inClass = false;
      else if (c === "/" && !inClass) break;
      else if (c === "\n") break;
    }
    if (source[j] !== "/") continue;
    let k = j + 1;
    while (k < source.length && /[a-z]/u.test(source[k]!)) k++;
    found.push(new RegExp(source.slice(i + 1, j), source.slice(j + 1, k)));
    i = k - 1;
  }
  return found;
}

const sourceDir = path.join(repoRoot, "src", "parsers", "logs");
const sources = readdirSync(sourceDir).filter((name) => name.endsWith(".ts"));

function timed(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

describe("every regex in src/parsers/logs runs in linear time on hostile 100 KB lines", () => {
  it("finds the regex literals", () => {
    const total = sources.reduce((sum, name) => sum + regexLiterals(readFileSync(path.join(sourceDir, name), "utf8")).length, 0);
    expect(total).toBeGreaterThanOrEqual(50);
  });

  it.each(sources)("%s", (name) => {
    for (const regex of regexLiterals(readFileSync(path.join(sourceDir, name), "utf8"))) {
      for (const input of HOSTILE) {
        const global = new RegExp(regex.source, regex.flags.includes("g") ? regex.flags : `${regex.flags}g`);
        const elapsed = timed(() => {
          regex.test(input);
          input.split("\n").forEach((line) => regex.test(line));
          global.lastIndex = 0;
          for (let n = 0; n < 5 && global.exec(input); n++);
        });
        expect(elapsed, `${regex} on ${JSON.stringify(input.slice(0, 30))}…`).toBeLessThan(100);
      }
    }
  });
});

describe("every line-level entry point is fast on hostile 100 KB lines", () => {
  it("event extraction, access templates, counters, sniffing", () => {
    const custom = compileAccessLogTemplate("{client_ip} acc:{account}:{container} {status_int} {end_time.asctime} {start_time.iso8601}").parser;
    for (const input of HOSTILE) {
      const elapsed = timed(() => {
        extractEvent({ message: input });
        extractEvent({ message: input, subjectUnit: "memcached.service" });
        DEFAULT_ACCESS_LOG_PARSER.parse(input);
        custom.parse(input);
        parseMemcachedStats("f", input);
        parseNetstatStatistics("f", `TcpExt:\n ${input}`);
        parseNstat("f", input);
        parseProcNetNetstat("f", `${input}\n${input}`);
        parseCounterFile("f", input);
        sniffLogFormat(Buffer.from(input), "f");
      });
      expect(elapsed, JSON.stringify(input.slice(0, 30))).toBeLessThan(200);
    }
  });

  it("the text reader", async () => {
    for (const input of HOSTILE) {
      const start = performance.now();
      for await (const _record of readTextLog(chunksOf(Buffer.from(`${input}\n  ${input}\n`)), { file: "f", year: { year: 2024, source: "bundle-year" } })) {
        // drain
      }
      expect(performance.now() - start, JSON.stringify(input.slice(0, 30))).toBeLessThan(200);
    }
  });
});
