import { beforeAll, describe, expect, it } from "vitest";
import type { AnalysisResult } from "../../src/engine/result.js";
import { escapeXml, formatJunit } from "../../src/reporters/junit.js";
import { analyzed, finding, withFindings } from "../helpers/report-result.js";

let base: AnalysisResult;
beforeAll(async () => {
  base = await analyzed(["fixtures/demo"]);
});

describe("XML escaping", () => {
  it("markup, whitespace kept through attribute normalization, and characters XML 1.0 cannot carry", () => {
    expect(escapeXml(`a&b<c>d"e'f\tg\nh\ri`)).toBe("a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i");
    expect(escapeXml("bell\u0007 nul\u0000 esc\u001b del\u007f")).toBe("bell\\u0007 nul\\u0000 esc\\u001B del\u007f");
    expect(escapeXml("lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00, \uFFFE")).toBe("lone \\uD800 high, lone \\uDC00 low, pair \uD83D\uDE00, \\uFFFE");
  });
});

describe("junit format", () => {
  it("one suite per enabled rule, one case per rule and analyzed file", () => {
    const xml = formatJunit(base);
    const files = base.files.analyzed.length;
    expect(xml.match(/<testsuite /gu)).toHaveLength(base.rules.length);
    expect(xml.match(/<testcase /gu)).toHaveLength(base.rules.length * files);
    expect(xml).toMatch(new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\n<testsuites name="stacklint" tests="${base.rules.length * files}" failures="\\d+" errors="0" time="0">\n`, "u"));
  });

  it("a case fails with all its rule's errors and warnings in that file; notes only print; counts add up", () => {
    const file = base.files.analyzed[0]!.path;
    const at = (line: number) => ({ file, line, column: 1, endLine: line, endColumn: 2 });
    const result = withFindings(base, [
      finding("warning", { location: at(3), message: `first <"one"> & more` }),
      finding("error", { location: at(7), message: "second", related: [{ location: at(1), message: "see here" }] }),
      finding("note", { location: at(9), message: "just a note" }),
      finding("note", { ruleId: "SL102", ruleName: "memcache-loopback-default", location: at(2), message: "only a note" }),
    ]);
    const xml = formatJunit(result);
    const classname = "stacklint.SL101-memcache-single-server";
    expect(xml).toContain(
      `    <testcase name="${file}" classname="${classname}" time="0">\n` +
        `      <failure message="2 findings; first: first &lt;&quot;one&quot;&gt; &amp; more" type="SL101/warning">${file}:3:1: warning: first &lt;&quot;one&quot;&gt; &amp; more [SL101/memcache-single-server]&#10;&#10;${file}:7:1: error: second [SL101/memcache-single-server]&#10;  ${file}:1:1: see here</failure>\n` +
        `      <system-out>${file}:9:1: note: just a note [SL101/memcache-single-server]</system-out>\n` +
        "    </testcase>\n",
    );
    // SL102 has only a note there: the case passes and prints it.
    expect(xml).toContain(`<testcase name="${file}" classname="stacklint.SL102-memcache-loopback-default" time="0">\n      <system-out>`);
    expect(xml).toMatch(/<testsuites name="stacklint" tests="\d+" failures="1" /u);
    expect(xml).toContain(`<testsuite name="SL101 memcache-single-server" tests="${base.files.analyzed.length}" failures="1" `);
    expect(xml.match(/<failure /gu)).toHaveLength(1);
  });

  it("input problems go to an empty suite's system-err and fail nothing", () => {
    const xml = formatJunit(withFindings(base, [], [{ severity: "error", code: "ini-syntax", message: "bad \u0001 byte", file: "etc/x.conf", line: 4 }]));
    expect(xml).toContain(`  <testsuite name="stacklint input problems" tests="0" failures="0" errors="0" skipped="0" time="0">\n    <system-err>etc/x.conf:4: error: bad \\u0001 byte [ini-syntax]</system-err>\n  </testsuite>\n</testsuites>\n`);
    expect(xml).toMatch(/<testsuites name="stacklint" tests="\d+" failures="0" /u);
  });
});
