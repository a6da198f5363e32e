import { open, stat } from "node:fs/promises";
import type { Diagnostic } from "../model/diagnostic.js";

/** Config files are small; anything larger is not a config file we should load whole. */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;
/** A longer line is not configuration; it is replaced by an empty line and reported. */
export const MAX_LINE_CHARS = 1024 * 1024;

export interface TextFile {
  readonly text: string;
  readonly diagnostics: Diagnostic[];
}

/**
 * Reads a config file as text the way Python would see it, or explains why not. Never throws:
 * unreadable, binary, oversized and mis-encoded files become diagnostics.
 */
export async function readConfigText(absolutePath: string, file: string): Promise<TextFile | { text: null; diagnostics: Diagnostic[] }> {
  let bytes: Buffer;
  try {
    // Never open a FIFO or device: open() on a FIFO blocks until a writer appears.
    if (!(await stat(absolutePath)).isFile()) return fail(file, "special-file", "not a regular file (FIFO, socket or device); skipped");
    const handle = await open(absolutePath, "r");
    try {
      const { size } = await handle.stat();
      if (size > MAX_CONFIG_BYTES) {
        return fail(file, "file-too-large", `${size} bytes is larger than any configuration file (limit ${MAX_CONFIG_BYTES}); skipped`);
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    return fail(file, "unreadable-file", `cannot read the file (${errorCode(error)}); skipped`);
  }
  return decodeConfigBytes(bytes, file);
}

export function decodeConfigBytes(bytes: Buffer, file: string): TextFile | { text: null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let text: string;
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const littleEndian = bytes[0] === 0xff;
    const body = bytes.subarray(2);
    const swapped = littleEndian ? body : Buffer.from(body).swap16();
    text = new TextDecoder("utf-16le").decode(swapped.subarray(0, swapped.length - (swapped.length % 2)));
    diagnostics.push({
      severity: "warning",
      code: "invalid-encoding",
      message: "the file is UTF-16; Python reads config files as UTF-8 and the service cannot read it. stacklint decoded it to check the rest",
      file,
      line: 1,
    });
  } else {
    const probe = bytes.subarray(0, 8192);
    if (probe.includes(0)) {
      return fail(file, "binary-file", "the file contains NUL bytes: it is binary, not a configuration file; skipped");
    }
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      text = new TextDecoder("utf-8").decode(bytes);
      const line = firstInvalidUtf8Line(bytes);
      diagnostics.push({
        severity: "warning",
        code: "invalid-encoding",
        message: `invalid UTF-8 at line ${line}; Python raises UnicodeDecodeError on this file. The rest was checked with the bad bytes replaced`,
        file,
        line,
      });
    }
    // TextDecoder drops a UTF-8 byte-order mark silently; Python does not, so look at the bytes.
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      if (text.startsWith("\uFEFF")) text = text.slice(1);
      diagnostics.push({
        severity: "warning",
        code: "invalid-encoding",
        message: "the file starts with a UTF-8 byte-order mark; Python's configparser reads it as part of the first line, so the first section header is not recognized",
        file,
        line: 1,
      });
    }
  }
  return { text: truncateLongLines(text, file, diagnostics), diagnostics };
}

function truncateLongLines(text: string, file: string, diagnostics: Diagnostic[]): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  const lines = text.split(/(\r\n|\n|\r)/u);
  let changed = false;
  let lineNumber = 1;
  for (let i = 0; i < lines.length; i += 2) {
    const line = lines[i]!;
    if (line.length > MAX_LINE_CHARS) {
      diagnostics.push({
        severity: "warning",
        code: "line-too-long",
        message: `line ${lineNumber} is ${line.length} characters long; no configuration line is that long, so it was ignored`,
        file,
        line: lineNumber,
      });
      lines[i] = "";
      changed = true;
    }
    lineNumber++;
  }
  return changed ? lines.join("") : text;
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return 1;
}

function fail(file: string, code: string, message: string): { text: null; diagnostics: Diagnostic[] } {
  return { text: null, diagnostics: [{ severity: "warning", code, message, file }] };
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") return error.code;
  return "read error";
}
