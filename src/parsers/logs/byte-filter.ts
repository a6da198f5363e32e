/**
 * A byte prefilter: most log lines are irrelevant, and decoding them is most of the cost of
 * reading a log. The readers ask the filter for every needle position in a whole chunk at once
 * (a few native `Buffer.indexOf` scans per chunk, not per line), then decode only the lines that
 * contain a position. Needles are ASCII and contain no newline, quote or backslash, so a match
 * in a JSON-escaped line is a match in the decoded text and vice versa.
 */
export class ByteFilter {
  readonly needles: readonly string[];
  private readonly patterns: readonly Buffer[];

  /** `checked = false` is for the readers' own structural needles (`"MESSAGE":[`). */
  constructor(needles: readonly string[], checked = true) {
    for (const needle of needles) {
      if (needle.length === 0 || needle.includes("\n")) throw new Error("byte filter needles must be non-empty single-line strings");
      if (checked && (!/^[\x20-\x7e]+$/u.test(needle) || needle.includes('"') || needle.includes("\\"))) {
        throw new Error(`byte filter needle must be printable ASCII without quotes or backslashes: ${JSON.stringify(needle)}`);
      }
    }
    this.needles = [...new Set(needles)];
    this.patterns = this.needles.map((needle) => Buffer.from(needle, "latin1"));
  }

  /** A filter that also accepts the given (structural, unchecked) needles. */
  with(extra: readonly string[]): ByteFilter {
    return new ByteFilter([...this.needles, ...extra], false);
  }

  /** True when `bytes[start, end)` contains a needle. */
  matches(bytes: Buffer, start = 0, end = bytes.length): boolean {
    const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
    for (const pattern of this.patterns) if (view.indexOf(pattern) !== -1) return true;
    return false;
  }

  matchesText(text: string): boolean {
    for (const needle of this.needles) if (text.includes(needle)) return true;
    return false;
  }

  /**
   * Start offsets of every needle occurrence that begins in `bytes[start, end)`, sorted. `out`
   * is reused between chunks to keep allocation flat.
   */
  positions(bytes: Buffer, start: number, end: number, out: number[]): number[] {
    out.length = 0;
    // Search a view, so that a needle absent from the range does not scan past `end`.
    const view = bytes.subarray(start, end);
    for (const pattern of this.patterns) {
      let at = view.indexOf(pattern);
      while (at !== -1) {
        out.push(start + at);
        at = view.indexOf(pattern, at + 1);
      }
    }
    if (this.patterns.length > 1 && out.length > 1) out.sort((a, b) => a - b);
    return out;
  }
}
