import { beforeAll, describe, expect, it } from "vitest";
import type { AnalysisResult } from "../../src/engine/result.js";
import { ANNOTATIONS_PER_LEVEL, escapeData, escapeProperty, formatGithub } from "../../src/reporters/github.js";
import { analyzed, finding, withFindings } from "../helpers/report-result.js";

let base: AnalysisResult;
beforeAll(async () => {
  base = await analyzed(["fixtures/rules/memcache-single-server/clean"]);
});

describe("workflow-command escaping (actions/toolkit command.ts)", () => {
  it("data: %, CR and LF", () => {
    expect(escapeData("50% of a\r\nb: c, d")).toBe("50%25 of a%0D%0Ab: c, d");
  });
  it("properties: also : and ,", () => {
    expect(escapeProperty("50% of a\r\nb: c, d")).toBe("50%25 of a%0D%0Ab%3A c%2C d");
  });
});

describe("github format", () => {
  it("writes one exact annotation per finding, with columns on a one-line range", () => {
    const f = finding("error", {
      message: "line one\nline two 100%",
      location: { file: "etc/a,b:c.conf", line: 3, column: 2, endLine: 3, endColumn: 7 },
      related: [{ location: { file: "etc/d.conf", line: 9, column: 1, endLine: 9, endColumn: 4 }, message: "the other side" }],
    });
    const lines = formatGithub(withFindings(base, [f])).split("\n");
    expect(lines[0]).toBe(
      "::error file=etc/a%2Cb%3Ac.conf,line=3,endLine=3,col=2,endColumn=7,title=SL101 memcache-single-server::line one%0Aline two 100%25%0A↳ etc/d.conf:9:1 the other side",
    );
    expect(lines[1]).toBe("stacklint: 1 error, 0 warnings, 0 notes, 0 input problems");
  });

  it("leaves columns out of a range over several lines, and writes notes as notices", () => {
    const f = finding("note", { location: { file: "x.conf", line: 2, column: 1, endLine: 4, endColumn: 3 } });
    expect(formatGithub(withFindings(base, [f])).split("\n")[0]).toBe("::notice file=x.conf,line=2,endLine=4,title=SL101 memcache-single-server::a note finding");
  });

  it("text from the inputs cannot start another workflow command", () => {
    const f = finding("warning", { message: "bad\n::add-mask::x\r\n::set-output name=a::b" });
    const output = formatGithub(withFindings(base, [f]));
    expect(output.split("\n").filter((l) => l.startsWith("::"))).toHaveLength(1);
    expect(output).toContain("bad%0A::add-mask::x%0D%0A::set-output name=a::b");
  });

  it(`caps at ${ANNOTATIONS_PER_LEVEL} per level; the last notice says how many more, and the rest follow as plain lines`, () => {
    const findings = [
      ...Array.from({ length: 13 }, (_, i) => finding("error", { line: i + 1 })),
      ...Array.from({ length: 12 }, (_, i) => finding("warning", { line: 100 + i })),
      ...Array.from({ length: 11 }, (_, i) => finding("note", { line: 200 + i })),
    ];
    const lines = formatGithub(withFindings(base, findings)).trimEnd().split("\n");
    const count = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
    expect(count("::error ")).toBe(10);
    expect(count("::warning ")).toBe(10);
    expect(count("::notice ")).toBe(10);
    const summary = lines.find((l) => l.startsWith("::notice title=stacklint"))!;
    expect(summary).toBe(
      "::notice title=stacklint%3A more findings than GitHub annotates::7 more not annotated (3 errors, 2 warnings, 2 notices): GitHub shows at most 10 annotations per level in a step. They are listed below in this log, in the job summary and in the SARIF upload.",
    );
    const plain = lines.slice(lines.indexOf(summary) + 1, -1);
    expect(plain).toHaveLength(7);
    expect(plain[0]).toBe("  etc/swift/proxy-server.conf:11:5: error: a error finding [SL101 memcache-single-server]");
    for (const line of plain) expect(line.startsWith("  ")).toBe(true);
    expect(lines.at(-1)).toBe("stacklint: 13 errors, 12 warnings, 11 notes, 0 input problems");
  });

  it("exactly 10 of a level need no summary", () => {
    const output = formatGithub(withFindings(base, Array.from({ length: 10 }, (_, i) => finding("error", { line: i + 1 }))));
    expect(output).not.toContain("more not annotated");
    expect(output.split("\n").filter((l) => l.startsWith("::error "))).toHaveLength(10);
  });

  it("input problems are warnings or notices of their own", () => {
    const output = formatGithub(withFindings(base, [], [{ severity: "error", code: "ini-syntax", message: "no section header", file: "etc/x.conf", line: 4, column: 1 }, { severity: "note", code: "assumed-year", message: "year assumed", file: "" }]));
    expect(output.split("\n").slice(0, 2)).toEqual([
      "::warning file=etc/x.conf,line=4,endLine=4,col=1,endColumn=1,title=stacklint input problem (ini-syntax)::no section header",
      "::notice title=stacklint input problem (assumed-year)::year assumed",
    ]);
  });
});
