import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import type { ByteFilter } from "./byte-filter.js";

/** Read size: large enough that per-chunk work is negligible, small enough to stay bounded. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Opens a log as a stream of Buffers, gunzipping it when it starts with the gzip magic (rotated
 * `.gz` files, whatever their name). Throws on unreadable or special files; the readers turn
 * that into a diagnostic.
 */
export async function openLogChunks(absolutePath: string): Promise<AsyncIterable<Buffer>> {
  // Never open a FIFO or device: open() on a FIFO blocks until a writer appears.
  if (!(await stat(absolutePath)).isFile()) throw Object.assign(new Error("not a regular file"), { code: "ESPECIAL" });
  const head = Buffer.alloc(2);
  const handle = await open(absolutePath, "r");
  let headBytes: number;
  try {
    headBytes = (await handle.read(head, 0, 2, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  const raw = createReadStream(absolutePath, { highWaterMark: CHUNK_BYTES });
  if (headBytes === 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    raw.on("error", (error) => gunzip.destroy(error));
    raw.pipe(gunzip);
    return gunzip;
  }
  return raw;
}

/** Buffers from memory as a chunk stream (tests, and callers that already hold bytes). */
export async function* chunksOf(...buffers: Buffer[]): AsyncGenerator<Buffer> {
  for (const buffer of buffers) yield buffer;
}

/** Reads the first chunk so a reader can sniff it, and gives back a stream that replays it. */
export async function peekChunks(chunks: AsyncIterable<Buffer>): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : first.value;
  async function* replay(): AsyncGenerator<Buffer> {
    if (!first.done) yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, chunks: replay() };
}

export interface RawLine {
  /** The line without its `\n` (and without a trailing `\r`). A view: do not keep it long. */
  readonly bytes: Buffer;
  readonly line: number;
  /**
   * For a line that starts with a space or tab: the closest earlier line that does not (the
   * header a `journalctl -o short` continuation line belongs to), even if the filter skipped it.
   */
  readonly header?: { readonly bytes: Buffer; readonly line: number };
}

export interface LineReadOptions {
  readonly filter?: ByteFilter | null;
  readonly maxLineBytes: number;
  /** Yield line 1 even when the filter rejects it (journalctl's header carries the year). */
  readonly alwaysFirstLine?: boolean;
  /** Attach `header` to indented lines. */
  readonly trackHeaders?: boolean;
  readonly onLongLine?: (line: number, bytes: number) => void;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * The line cut by the previous chunk's end, completed: carry and the chunk's bytes up to its first
 * newline joined (a small copy), then the rest of the chunk as it is. Joining carry to the whole
 * chunk copied every byte of the log once more.
 */
function joinCarry(carry: Buffer | null, chunk: Buffer): Buffer[] {
  if (!carry) return [chunk];
  const newline = chunk.indexOf(NEWLINE);
  if (newline === -1 || newline === chunk.length - 1) return [Buffer.concat([carry, chunk])];
  return [Buffer.concat([carry, chunk.subarray(0, newline + 1)]), chunk.subarray(newline + 1)];
}

/**
 * Splits a chunk stream into lines without decoding them, yielding only lines that pass the
 * filter. Memory: one chunk plus at most one partial line (bounded by `maxLineBytes`; longer
 * lines are skipped and reported).
 */
export async function* readLines(chunks: AsyncIterable<Buffer>, options: LineReadOptions): AsyncGenerator<RawLine> {
  const splitter = new LineSplitter(options);
  for await (const chunk of chunks) {
    for (const item of splitter.split(chunk)) {
      if (typeof item === "number") options.onLongLine?.(item, splitter.longLineBytes.shift()!);
      else yield item;
    }
  }
  const last = splitter.finish();
  if (last) yield last;
}

/**
 * The work of readLines, chunk by chunk, in plain functions: the async generator stays small.
 * (With this loop inside it, V8 recompiled the generator at every change of log format, some
 * 40 ms each, in every worker.)
 */
class LineSplitter {
  private readonly filter: ByteFilter | null;
  private readonly maxLineBytes: number;
  private readonly alwaysFirstLine: boolean;
  private readonly trackHeaders: boolean;
  private readonly hits: number[] = [];
  private carry: Buffer | null = null;
  private lineNumber = 1;
  /** Inside an over-long line: drop bytes until its newline. */
  private skipping = false;
  private headerBuffer: Buffer | null = null;
  private headerStart = 0;
  private headerEnd = 0;
  private headerLine = 0;
  /** Lengths of the over-long lines whose numbers split() returned, in order. */
  readonly longLineBytes: number[] = [];

  constructor(options: LineReadOptions) {
    this.filter = options.filter ?? null;
    this.maxLineBytes = options.maxLineBytes;
    this.alwaysFirstLine = options.alwaysFirstLine ?? false;
    this.trackHeaders = options.trackHeaders ?? false;
  }

  /** The chunk's wanted lines, and (as line numbers) its over-long ones, in line order. */
  split(chunk: Buffer): (RawLine | number)[] {
    const items: (RawLine | number)[] = [];
    for (const buffer of joinCarry(this.carry, chunk)) {
      this.carry = null;
      this.splitBuffer(buffer, items);
    }
    return items;
  }

  private tooLong(items: (RawLine | number)[], length: number): void {
    items.push(this.lineNumber);
    this.longLineBytes.push(length);
  }

  private splitBuffer(buffer: Buffer, items: (RawLine | number)[]): void {
    const { filter, maxLineBytes, alwaysFirstLine, trackHeaders, hits } = this;
    const lastNewline = buffer.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      if (this.skipping) return;
      if (buffer.length > maxLineBytes) {
        this.tooLong(items, buffer.length);
        this.skipping = true;
        return;
      }
      this.carry = buffer;
      return;
    }
    let position = 0;
    if (this.skipping) {
      position = buffer.indexOf(NEWLINE) + 1;
      this.lineNumber++;
      this.skipping = false;
    }
    let hitIndex = 0;
    if (filter) filter.positions(buffer, position, lastNewline, hits);
    while (position <= lastNewline) {
      const newline = buffer.indexOf(NEWLINE, position);
      if (newline - position > maxLineBytes) {
        this.tooLong(items, newline - position);
      } else {
        while (hitIndex < hits.length && hits[hitIndex]! < position) hitIndex++;
        const wanted = !filter || (hitIndex < hits.length && hits[hitIndex]! < newline) || (alwaysFirstLine && this.lineNumber === 1);
        const first = buffer[position];
        const indented = first === SPACE || first === TAB;
        if (wanted) {
          let end = newline;
          if (end > position && buffer[end - 1] === CR) end--;
          items.push(this.line(buffer.subarray(position, end), indented));
        }
        if (trackHeaders && !indented && newline > position) {
          this.headerBuffer = buffer;
          this.headerStart = position;
          this.headerEnd = newline > position && buffer[newline - 1] === CR ? newline - 1 : newline;
          this.headerLine = this.lineNumber;
        }
      }
      this.lineNumber++;
      position = newline + 1;
    }
    if (position < buffer.length) {
      const rest = buffer.subarray(position);
      if (rest.length > maxLineBytes) {
        this.tooLong(items, rest.length);
        this.skipping = true;
      } else {
        this.carry = rest;
      }
    }
  }

  private line(bytes: Buffer, indented: boolean): RawLine {
    if (this.trackHeaders && indented && this.headerBuffer) {
      return { bytes, line: this.lineNumber, header: { bytes: this.headerBuffer.subarray(this.headerStart, this.headerEnd), line: this.headerLine } };
    }
    return { bytes, line: this.lineNumber };
  }

  /** The last line when the stream does not end in a newline, if wanted. */
  finish(): RawLine | null {
    const carry = this.carry;
    if (!carry || carry.length === 0 || this.skipping) return null;
    const wanted = !this.filter || this.filter.matches(carry) || (this.alwaysFirstLine && this.lineNumber === 1);
    if (!wanted) return null;
    const end = carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
    const first = carry[0];
    return this.line(carry.subarray(0, end), first === SPACE || first === TAB);
  }
}
