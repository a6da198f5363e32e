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
  const { filter, maxLineBytes, alwaysFirstLine = false, trackHeaders = false } = options;
  const hits: number[] = [];
  let carry: Buffer | null = null;
  let lineNumber = 1;
  /** Inside an over-long line: drop bytes until its newline. */
  let skipping = false;
  let headerBuffer: Buffer | null = null;
  let headerStart = 0;
  let headerEnd = 0;
  let headerLine = 0;

  const tooLong = (length: number): void => options.onLongLine?.(lineNumber, length);

  for await (const chunk of chunks) {
    for (const buffer of joinCarry(carry, chunk)) {
      carry = null;
      const lastNewline = buffer.lastIndexOf(NEWLINE);
      if (lastNewline === -1) {
        if (skipping) continue;
        if (buffer.length > maxLineBytes) {
          tooLong(buffer.length);
          skipping = true;
          continue;
        }
        carry = buffer;
        continue;
      }
      let position = 0;
      if (skipping) {
        position = buffer.indexOf(NEWLINE) + 1;
        lineNumber++;
        skipping = false;
      }
      let hitIndex = 0;
      if (filter) filter.positions(buffer, position, lastNewline, hits);
      while (position <= lastNewline) {
        const newline = buffer.indexOf(NEWLINE, position);
        if (newline - position > maxLineBytes) {
          tooLong(newline - position);
        } else {
          while (hitIndex < hits.length && hits[hitIndex]! < position) hitIndex++;
          const wanted =
            !filter || (hitIndex < hits.length && hits[hitIndex]! < newline) || (alwaysFirstLine && lineNumber === 1);
          const first = buffer[position];
          const indented = first === SPACE || first === TAB;
          if (wanted) {
            let end = newline;
            if (end > position && buffer[end - 1] === CR) end--;
            const bytes = buffer.subarray(position, end);
            if (trackHeaders && indented && headerBuffer) {
              yield { bytes, line: lineNumber, header: { bytes: headerBuffer.subarray(headerStart, headerEnd), line: headerLine } };
            } else {
              yield { bytes, line: lineNumber };
            }
          }
          if (trackHeaders && !indented && newline > position) {
            headerBuffer = buffer;
            headerStart = position;
            headerEnd = newline > position && buffer[newline - 1] === CR ? newline - 1 : newline;
            headerLine = lineNumber;
          }
        }
        lineNumber++;
        position = newline + 1;
      }
      if (position < buffer.length) {
        const rest = buffer.subarray(position);
        if (rest.length > maxLineBytes) {
          tooLong(rest.length);
          skipping = true;
        } else {
          carry = rest;
        }
      }
    }
  }
  if (carry && carry.length > 0 && !skipping) {
    const wanted = !filter || filter.matches(carry) || (alwaysFirstLine && lineNumber === 1);
    if (wanted) {
      const end = carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
      const bytes = carry.subarray(0, end);
      const first = carry[0];
      const indented = first === SPACE || first === TAB;
      if (trackHeaders && indented && headerBuffer) {
        yield { bytes, line: lineNumber, header: { bytes: headerBuffer.subarray(headerStart, headerEnd), line: headerLine } };
      } else {
        yield { bytes, line: lineNumber };
      }
    }
  }
}
