// npm run bench: generate a deterministic synthetic bundle (≥ 1 GB, then 4×), run stacklint and
// ripgrep on it, print wall times, the ratio, MB/s and stacklint's peak RSS. Not a test.
// Needs ripgrep (`apt-get install ripgrep` on Debian) and a built dist/ (npm run build).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { generateBundle } from "./generate.mjs";
import { RUNTIME_FILTER } from "../dist/src/ingest/read-events.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const scale = Number(process.env.BENCH_GB ?? "1");
const rg = spawnSync("rg", ["--version"], { encoding: "utf8" });
if (rg.status !== 0) {
  console.error("ripgrep (rg) is not installed: apt-get install ripgrep (Debian), then run again.");
  process.exit(2);
}

async function once(gigabytes) {
  const root = mkdtempSync(path.join(os.tmpdir(), "stacklint-bench-"));
  try {
    const proxies = 4;
    const perFile = Math.ceil((gigabytes * 1024 ** 3) / (proxies * 3));
    const t0 = performance.now();
    const bytes = await generateBundle(root, { proxies, bytesPerFile: perFile });
    const generated = (performance.now() - t0) / 1000;
    // Warm the page cache for both tools alike.
    execFileSync("sh", ["-c", `cat $(find ${root} -type f) > /dev/null`]);
    const measured = JSON.parse(execFileSync(process.execPath, [path.join(here, "measure.mjs"), root], { encoding: "utf8", maxBuffer: 1 << 20 }));
    const rgArgs = ["--no-ignore", "--hidden", "-F", "-c", ...RUNTIME_FILTER.needles.flatMap((n) => ["-e", n]), root];
    const r0 = performance.now();
    const rgOut = spawnSync("rg", rgArgs, { encoding: "utf8", maxBuffer: 1 << 24 });
    const rgSeconds = (performance.now() - r0) / 1000;
    const rgLines = rgOut.stdout.split("\n").filter(Boolean).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(":") + 1)), 0);
    const mb = bytes / 1024 ** 2;
    return { gigabytes, mb, generated, ...measured, rgSeconds, rgLines, ratio: measured.wallSeconds / rgSeconds, mbPerSecond: mb / measured.wallSeconds };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const results = [];
for (const gigabytes of [scale, scale * 4]) {
  const r = await once(gigabytes);
  results.push(r);
  console.log(
    `${r.mb.toFixed(0)} MB (${r.gigabytes} GB target): stacklint ${r.wallSeconds.toFixed(2)} s, rg ${r.rgSeconds.toFixed(2)} s, ratio ${r.ratio.toFixed(2)}, ` +
      `${r.mbPerSecond.toFixed(0)} MB/s, peak RSS ${r.maxRssMB.toFixed(0)} MB; ${r.events} events, rg ${r.rgLines} matching lines; findings ${r.rules.join(",")}; generated in ${r.generated.toFixed(1)} s`,
  );
}
const [one, four] = results;
console.log(`RSS at 4× vs 1×: ${(((four.maxRssMB - one.maxRssMB) / one.maxRssMB) * 100).toFixed(1)} % (target within 10 %); cores: ${os.availableParallelism()}`);
console.log(`targets: ratio ≤ 2.0 (${one.ratio <= 2 && four.ratio <= 2 ? "met" : "NOT met"}), RSS ≤ 256 MB (${Math.max(one.maxRssMB, four.maxRssMB) <= 256 ? "met" : "NOT met"})`);
