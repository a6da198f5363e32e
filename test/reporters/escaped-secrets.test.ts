import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import type { Finding } from "../../src/engine/rule.js";
import { escapeData, escapeProperty } from "../../src/reporters/github.js";
import { escapeHtml } from "../../src/reporters/html.js";
import { formatters, render, type FormatName } from "../../src/reporters/index.js";
import { escapeXml } from "../../src/reporters/junit.js";
import { escapeMarkdown } from "../../src/reporters/markdown.js";
import { finding } from "../helpers/report-result.js";

/**
 * The scrubber is the last line of defence: if a secret ever reached a message, each format must
 * still not print it — neither as is nor as the format escapes it (`&` → `&amp;`, `%` → `%25`,
 * `|` → `\|`). A secret full of such characters is planted, and a finding is made to quote it.
 */
const SECRET = `Pa&s<w>"o'r|d%x:y,z*_[1]`;

let root: string;
let result: AnalysisResult;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "stacklint-escaped-secret-"));
  mkdirSync(path.join(root, "etc/nova"), { recursive: true });
  writeFileSync(path.join(root, "etc/nova/nova.conf"), `[keystone_authtoken]\npassword = ${SECRET}\nmemcached_servers = 10.0.0.11:11211\n`);
  result = await analyze({ inputs: [root], baseDirectory: root });
  const leaking: Finding = finding("error", { message: `the password is ${SECRET}`, related: [{ location: finding("error").location, message: `again: ${SECRET}` }] });
  (result.findings as Finding[]).push(leaking);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ESCAPED = [SECRET, escapeData(SECRET), escapeProperty(SECRET), escapeXml(SECRET), escapeMarkdown(SECRET), escapeHtml(SECRET), JSON.stringify(SECRET).slice(1, -1)];

describe("a secret with markup characters is scrubbed in its escaped form", () => {
  it.each(Object.keys(formatters) as FormatName[])("%s", (format) => {
    const output = render(result, format);
    expect(output).toContain("********");
    for (const form of ESCAPED) expect(output).not.toContain(form);
  });
});
