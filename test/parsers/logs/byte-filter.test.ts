import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RUNTIME_FILTER } from "../../../src/ingest/read-events.js";
import { ByteFilter } from "../../../src/parsers/logs/byte-filter.js";

/** What the one-pass search must find: each needle's occurrences inside the range, by native search. */
function naivePositions(needles: readonly string[], bytes: Buffer, start: number, end: number): number[] {
  const view = bytes.subarray(start, end);
  const out: number[] = [];
  for (const needle of new Set(needles)) {
    for (let at = view.indexOf(needle, 0, "latin1"); at !== -1; at = view.indexOf(needle, at + 1, "latin1")) out.push(start + at);
  }
  return out.sort((a, b) => a - b);
}

// A small alphabet makes overlapping and repeated needles common.
const needle = fc.string({ unit: fc.constantFrom("a", "b", "c", " ", "5", "0", "3"), minLength: 1, maxLength: 9 });
const noise = fc.string({ unit: fc.constantFrom("a", "b", "c", " ", "5", "0", "3", "\n", "é"), maxLength: 12 });

describe("ByteFilter", () => {
  it("finds exactly the occurrences a needle-by-needle native search finds", () => {
    fc.assert(
      fc.property(fc.array(needle, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(noise, fc.nat()), { maxLength: 60 }), fc.nat(), fc.nat(), (needles, pieces, a, b) => {
        // Noise and needles back to back, so that occurrences are many and overlap.
        const text = pieces.map(([text, pick]) => text + needles[pick % needles.length]!).join("");
        const bytes = Buffer.from(text, "utf8");
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        const filter = new ByteFilter(needles);
        const expected = naivePositions(needles, bytes, start, end);
        expect(filter.positions(bytes, start, end, [])).toEqual(expected);
        expect(filter.matches(bytes, start, end)).toBe(expected.length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("finds the runtime needles at chunk edges and inside longer needles", () => {
    const text = "503 x401 returning 503 ERROR with emcache\nfrom pool idMESSAGE\":[";
    const bytes = Buffer.from(text);
    const filter = RUNTIME_FILTER.with(['MESSAGE":[']);
    for (let start = 0; start <= bytes.length; start += 3) {
      for (let end = start; end <= bytes.length; end += 5) {
        expect(filter.positions(bytes, start, end, [])).toEqual(naivePositions(filter.needles, bytes, start, end));
      }
    }
  });
});
