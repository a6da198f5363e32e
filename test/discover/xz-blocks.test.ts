import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { xzBlockCount } from "../../src/discover/archive.js";

// Fixtures made by XZ Utils 5.4.1 (fixtures/discover/xz/PROVENANCE.md); the expected counts are
// what `xz --robot --list` reports for them.
const xz = path.resolve(import.meta.dirname, "../../fixtures/discover/xz");
const scratch = mkdtempSync(path.join(os.tmpdir(), "stacklint-xz-blocks-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("xz block count (whether xz -T0 can decode on several cores)", () => {
  it("reads the number of blocks from the stream's index", async () => {
    expect(await xzBlockCount(path.join(xz, "one-block.xz"))).toBe(1);
    expect(await xzBlockCount(path.join(xz, "blocks.xz"))).toBe(4);
  });

  it("skips stream padding", async () => {
    expect(await xzBlockCount(path.join(xz, "padded.xz"))).toBe(1);
  });

  it("gives 0 for what is not a complete xz stream, never an error", async () => {
    const truncated = path.join(scratch, "truncated.xz");
    writeFileSync(truncated, readFileSync(path.join(xz, "blocks.xz")).subarray(0, 2000));
    expect(await xzBlockCount(truncated)).toBe(0);
    const empty = path.join(scratch, "empty.xz");
    writeFileSync(empty, "");
    expect(await xzBlockCount(empty)).toBe(0);
    const zeros = path.join(scratch, "zeros.xz");
    writeFileSync(zeros, Buffer.alloc(64));
    expect(await xzBlockCount(zeros)).toBe(0);
    expect(await xzBlockCount(path.join(scratch, "missing.xz"))).toBe(0);
  });
});
