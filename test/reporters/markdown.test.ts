import { beforeAll, describe, expect, it } from "vitest";
import type { AnalysisResult } from "../../src/engine/result.js";
import { escapeMarkdown, formatMarkdown } from "../../src/reporters/markdown.js";
import { analyzed, finding, LOGS_FIXTURE, withFindings } from "../helpers/report-result.js";

let demo: AnalysisResult;
let logs: AnalysisResult;
beforeAll(async () => {
  demo = await analyzed(["fixtures/demo"]);
  logs = await analyzed([LOGS_FIXTURE]);
});

/** Pipes that end a table cell: those not escaped by a backslash. */
function cellBoundaries(row: string): number {
  return row.match(/(?<!\\)\|/gu)?.length ?? 0;
}

describe("Markdown escaping", () => {
  it("backslash-escapes markup characters one by one and turns line breaks into <br>", () => {
    expect(escapeMarkdown("a|b`c`*d*_e_[f](g)<h>&amp;$x$~s~\\\nnext\r\nlast")).toBe(
      "a\\|b\\`c\\`\\*d\\*\\_e\\_\\[f\\](g)\\<h\\>\\&amp;\\$x\\$\\~s\\~\\\\<br>next<br>last",
    );
  });
});

describe("markdown format", () => {
  it("starts with the counts", () => {
    expect(formatMarkdown(demo).split("\n").slice(0, 5)).toEqual([
      "## stacklint: 1 error, 8 warnings, 0 notes",
      "",
      "| errors | warnings | notes | input problems | files analyzed | files skipped |",
      "|---:|---:|---:|---:|---:|---:|",
      `| 1 | 8 | 0 | 0 | ${demo.files.analyzed.length} | ${Object.values(demo.files.skipped).reduce((a, b) => a + b, 0)} |`,
    ]);
  });

  it("one table row per finding, with file:line:column, however many pipes and backticks the message holds", () => {
    const text = formatMarkdown(withFindings(demo, [finding("error", { message: "a | b | `c` <script>", line: 12 })]));
    const row = text.split("\n").find((l) => l.startsWith("| error |"))!;
    expect(row).toBe(
      "| error | [SL101 memcache-single-server](https://github.com/stacklint/stacklint/blob/main/docs/rules/memcache-single-server.md) | etc/swift/proxy-server.conf:12:5 | a \\| b \\| \\`c\\` \\<script\\> |",
    );
    expect(cellBoundaries(row)).toBe(5);
  });

  it("every findings row has four cells, in the demo too", () => {
    const rows = formatMarkdown(demo).split("\n").filter((l) => /^\| (error|warning|note) \|/u.test(l));
    expect(rows).toHaveLength(demo.findings.length);
    for (const row of rows) expect(cellBoundaries(row)).toBe(5);
  });

  it("shows the per-minute timeline of 503s against memcache errors for the logs", () => {
    const text = formatMarkdown(logs);
    expect(text).toContain(
      "### Timeline of proxy1 (UTC, per minute)\n\n3 503 responses and 5 memcache errors in total.\n\n| minute (UTC) | 503 responses | memcache errors |\n|---|---:|---:|\n| 2024-05-01 16:08 | 2 | 4 |\n| 2024-05-01 16:09 | 1 | 1 |\n",
    );
  });

  it("shows the topology: each client, its servers and what listens there", () => {
    const text = formatMarkdown(demo);
    expect(text).toContain("### Topology (cache client → server → memcached)");
    expect(text).toContain("| proxy1: swift-proxy swift \\[filter:cache\\]<br>fixtures/demo/proxy1/etc/swift/proxy-server.conf:19 | 10.0.0.11:11211 | 10.0.0.11:11211 | unknown host | unknown: no host of the inputs has this address |");
  });

  it("says so when there is nothing to report", () => {
    const text = formatMarkdown(withFindings(demo, []));
    expect(text.startsWith("## stacklint: no problems\n")).toBe(true);
    expect(text).not.toContain("### Findings");
  });
});
