import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, appendFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import { render } from "../../src/reporters/index.js";
import { timelinesOf } from "../../src/reporters/report-data.js";
import { LOGS_FIXTURE } from "../helpers/report-result.js";
import { repoRoot } from "../helpers/rule-harness.js";

/**
 * The reports people open, checked with the programs that read them: the HTML report in Debian's
 * headless Chromium (no console error, no request beyond the page itself, the timeline's points
 * drawn and visible, a screenshot kept in test-artifacts/), and the JUnit report against Jenkins'
 * schema with libxml2's xmllint. Both are installed by .ci/run.
 */
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.join(repoRoot, "test-artifacts");
const execFileAsync = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-reports-"));

/** 25 generated minutes of an outage after the fixture's own two (16:10–16:34 UTC, 1 May 2024). */
const GENERATED_MINUTES = 25;
const EPOCH_16H = Date.UTC(2024, 4, 1, 16, 0, 0) / 1000;

function generatedOutage(): string {
  const root = path.join(scratch, "outage");
  cpSync(path.join(repoRoot, LOGS_FIXTURE), root, { recursive: true });
  const lines: string[] = [];
  let txn = 0;
  const txnId = () => `tx${(++txn).toString(16).padStart(21, "0")}-0066326${(txn % 4096).toString(16).padStart(3, "0")}`;
  for (let i = 0; i < GENERATED_MINUTES; i++) {
    const minute = 10 + i;
    const errors = i % 4;
    const status503 = errors === 0 ? 1 + (i % 3) : i % 3;
    for (let e = 0; e < errors; e++) {
      lines.push(`May  1 16:${minute}:${String(10 + e).padStart(2, "0")} proxy1 proxy-server: Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED (txn: ${txnId()}) (client_ip: 192.0.2.50)`);
    }
    for (let r = 0; r < status503; r++) {
      const second = 30 + r;
      const start = EPOCH_16H + minute * 60 + second;
      lines.push(`May  1 16:${minute}:${second} proxy1 proxy-server: 192.0.2.50 192.0.2.50 01/May/2024/16/${minute}/${second} GET /auth/v1.0 HTTP/1.0 503 - curl/7.88.1 - - - - ${txnId()} - 0.0021 - - ${start}.100000000 ${start}.102100000 -`);
    }
  }
  appendFileSync(path.join(root, "proxy1/var/log/swift/proxy.log"), `${lines.join("\n")}\n`);
  return root;
}

let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(path.join(scratch, "profile-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    offline: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface PageReport {
  consoleErrors: string[];
  requests: string[];
  points: { series: string; visible: boolean; insideChart: boolean }[];
  screenshot: string;
}

async function openReport(result: AnalysisResult, name: string): Promise<PageReport> {
  const file = path.join(scratch, `${name}.html`);
  writeFileSync(file, render(result, "html"));
  const url = `file://${file}`;
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on("request", (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  await page.goto(url, { waitUntil: "load", timeout: 30_000 });
  const points = await page.$$eval("svg.timeline circle.point", (circles) =>
    circles.map((circle) => {
      const svg = circle.ownerSVGElement!.getBoundingClientRect();
      const box = circle.getBoundingClientRect();
      const style = circle.ownerDocument.defaultView!.getComputedStyle(circle);
      return {
        series: circle.getAttribute("data-series") ?? "",
        visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none",
        insideChart: box.left >= svg.left && box.right <= svg.right && box.top >= svg.top && box.bottom <= svg.bottom,
      };
    }),
  );
  const screenshot = path.join(ARTIFACTS, `html-report-${name}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
  await page.close();
  return { consoleErrors, requests, points, screenshot };
}

describe("the HTML report in headless Chromium", () => {
  it.each([
    ["fixture", () => path.join(repoRoot, LOGS_FIXTURE), 2],
    ["generated-outage", generatedOutage, 2 + GENERATED_MINUTES],
  ] as [string, () => string, number][])("%s: renders without console errors or requests, and draws a point per minute and series", async (name, input, minutes) => {
    const root = input();
    const result = await analyze({ inputs: [root], baseDirectory: root });
    const [timeline] = timelinesOf(result);
    expect(timeline?.minutes).toHaveLength(minutes);
    const report = await openReport(result, name);
    expect(report.consoleErrors).toEqual([]);
    expect(report.requests).toEqual([]);
    expect(report.points).toHaveLength(2 * minutes);
    expect(report.points.filter((p) => p.series === "status503")).toHaveLength(minutes);
    expect(report.points.filter((p) => p.series === "memcacheErrors")).toHaveLength(minutes);
    for (const point of report.points) expect(point).toMatchObject({ visible: true, insideChart: true });
    expect(readFileSync(report.screenshot).subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  it("the CSP is enforced: an injected script and an image request would be refused and reported", async () => {
    // Not a stacklint output: the page's own head, with content it must never contain, to show
    // that the policy the test relies on is really applied by the browser.
    const result = await analyze({ inputs: [path.join(repoRoot, LOGS_FIXTURE)], baseDirectory: repoRoot });
    const html = render(result, "html").replace("</body>", '<img src="http://192.0.2.1/x.png"><script>document.title = "ran"</script></body>');
    const file = path.join(scratch, "tampered.html");
    writeFileSync(file, html);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(`file://${file}`, { waitUntil: "load" });
    expect(await page.title()).not.toBe("ran");
    expect(errors.some((e) => /Content Security Policy/u.test(e))).toBe(true);
    await page.close();
  });
});

describe("the JUnit report against Jenkins' schema (xmllint)", () => {
  it.each(["fixtures/demo", LOGS_FIXTURE])("%s", async (input) => {
    const result = await analyze({ inputs: [input], baseDirectory: repoRoot });
    const file = path.join(scratch, `${input.replace(/\W+/gu, "-")}.xml`);
    writeFileSync(file, render(result, "junit"));
    const { stderr } = await execFileAsync("xmllint", ["--noout", "--schema", path.join(repoRoot, "schemas/junit-10.xsd"), file], { timeout: 30_000 });
    expect(stderr).toContain("validates");
  });

  it("control characters and markup in messages keep the file valid", async () => {
    const result = await analyze({ inputs: ["fixtures/demo"], baseDirectory: repoRoot });
    const tricky = { ...result, diagnostics: [{ severity: "error" as const, code: "binary-file", message: "nul \u0000 bell \u0007 <x> & ]]> \uD800", file: "etc/x.conf", line: 1 }] };
    const file = path.join(scratch, "tricky.xml");
    writeFileSync(file, render(tricky, "junit"));
    const { stderr } = await execFileAsync("xmllint", ["--noout", "--schema", path.join(repoRoot, "schemas/junit-10.xsd"), file], { timeout: 30_000 });
    expect(stderr).toContain("validates");
  });
});
