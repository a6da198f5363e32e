import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnalysisResult } from "../../src/engine/result.js";
import { escapeHtml, formatHtml } from "../../src/reporters/html.js";
import { analyzed, finding, LOGS_FIXTURE, withFindings } from "../helpers/report-result.js";

let demo: AnalysisResult;
let logs: AnalysisResult;
beforeAll(async () => {
  demo = await analyzed(["fixtures/demo"]);
  logs = await analyzed([LOGS_FIXTURE]);
});

describe("HTML escaping", () => {
  it("the five markup characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  });
});

describe("html format", () => {
  it("is one self-contained page: a CSP that allows only its own stylesheet, no script, no resource to load", () => {
    const html = formatHtml(logs);
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; style-src &#39;sha256-")).toBe(true);
    const style = /<style>([\s\S]*?)<\/style>/u.exec(html)![1]!;
    const hash = createHash("sha256").update(style, "utf8").digest("base64");
    expect(html).toContain(`style-src &#39;sha256-${hash}&#39;`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|\ssrc=|url\(|@import|\sstyle=/iu);
    // The only URLs are the SVG namespace and links to the rule pages (navigation, never loaded).
    const urls = [...html.matchAll(/https?:\/\/[^"'\s<)]+/gu)].map((m) => m[0]);
    for (const url of urls) expect(url === "http://www.w3.org/2000/svg" || url.startsWith("https://github.com/stacklint/stacklint/blob/main/docs/rules/")).toBe(true);
  });

  it("escapes text from the inputs", () => {
    const html = formatHtml(withFindings(demo, [finding("error", { message: `<script>alert("x")</script> & <img src=x onerror=alert(1)>` })]));
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toContain("<script>");
  });

  it("draws the 503 / memcache-error timeline: one point per minute and series, at the counts", () => {
    const html = formatHtml(logs);
    const points = [...html.matchAll(/<circle class="point" data-series="(\w+)" data-minute="([^"]+)" data-count="(\d+)"/gu)].map((m) => [m[1], m[2], Number(m[3])]);
    expect(points).toEqual([
      ["status503", "2024-05-01 16:08", 2],
      ["status503", "2024-05-01 16:09", 1],
      ["memcacheErrors", "2024-05-01 16:08", 4],
      ["memcacheErrors", "2024-05-01 16:09", 1],
    ]);
    expect(html.match(/<polyline class="series"/gu)).toHaveLength(2);
    expect(html).toContain("<h2 id=\"timeline-1\">Timeline of proxy1: 503 responses against memcache errors</h2>");
  });

  it("has no chart when the logs show no 503 and no memcache error", () => {
    expect(formatHtml(demo)).not.toContain("<svg");
  });

  it("lists every finding and the topology", () => {
    const html = formatHtml(demo);
    expect(html.match(/<tr><td class="(error|warning|note)">/gu)).toHaveLength(demo.findings.length);
    expect(html).toContain('<h2 id="topology">');
  });
});
