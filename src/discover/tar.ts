/**
 * A streaming tar reader (POSIX ustar and pax, GNU long names, old v7 headers). It never touches
 * the file system: each member's header goes to `onEntry`, which returns a sink for the data or
 * null to skip it. Malformed input raises TarFormatError; the caller turns it into a diagnostic.
 * Format: POSIX.1-2017 `pax` (ustar header layout, extended headers), GNU tar's `L`/`K` records.
 */

export type TarEntryType = "file" | "directory" | "symlink" | "hardlink" | "character-device" | "block-device" | "fifo" | "other";

export interface TarHeader {
  /** The member's name as stored (pax `path`, GNU long name, or ustar prefix + name). */
  readonly name: string;
  readonly type: TarEntryType;
  /** Bytes of data that follow the header (0 for links and devices). */
  readonly size: number;
  /** Target of a symbolic or hard link. */
  readonly linkName: string;
  /** The raw type flag, for diagnostics. */
  readonly typeFlag: string;
  /** Modification time, seconds since the epoch (0 when absent). */
  readonly mtime: number;
}

export interface TarSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export class TarFormatError extends Error {}

export interface TarReadResult {
  /** Whether the two zero blocks that end an archive were seen. */
  readonly endMarker: boolean;
  /** Bytes of tar stream consumed. */
  readonly bytes: number;
}

const BLOCK = 512;
/** Extended headers carry names and a few numbers; more than this is not a real archive. */
const MAX_METADATA_BYTES = 1024 * 1024;

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "character-device",
  "4": "block-device",
  "5": "directory",
  "6": "fifo",
};

/**
 * Reads tar records from `source` until the end marker or the end of the stream. `onEntry` is
 * awaited before the member's data is read, and each `write` is awaited: the source is pulled
 * only as fast as the sink takes it.
 */
export async function readTar(source: AsyncIterable<Buffer>, onEntry: (header: TarHeader) => Promise<TarSink | null> | TarSink | null): Promise<TarReadResult> {
  let pending: Buffer = Buffer.alloc(0);
  let bytes = 0;
  let zeroBlocks = 0;
  // Current member's data: bytes left to pass on, then padding to skip.
  let dataLeft = 0;
  let paddingLeft = 0;
  let sink: TarSink | null = null;
  let metadata: { kind: "pax" | "global" | "longname" | "longlink"; chunks: Buffer[] } | null = null;
  let overrides: { path?: string; linkpath?: string; size?: number; mtime?: number } = {};
  let sawHeader = false;

  const finishData = async () => {
    if (metadata) {
      const data = Buffer.concat(metadata.chunks);
      if (metadata.kind === "pax") overrides = { ...overrides, ...parsePax(data) };
      else if (metadata.kind === "longname") overrides.path = cString(data);
      else if (metadata.kind === "longlink") overrides.linkpath = cString(data);
      metadata = null;
    } else if (sink) {
      const done = sink;
      sink = null;
      await done.end();
    }
  };

  for await (const chunk of source) {
    bytes += chunk.length;
    let offset = 0;
    if (pending.length > 0) {
      pending = Buffer.concat([pending, chunk]);
    } else {
      pending = chunk;
    }
    const buffer = pending;
    while (offset < buffer.length) {
      if (dataLeft > 0) {
        const take = Math.min(dataLeft, buffer.length - offset);
        const piece = buffer.subarray(offset, offset + take);
        offset += take;
        dataLeft -= take;
        if (metadata) metadata.chunks.push(Buffer.from(piece));
        else if (sink) await sink.write(piece);
        if (dataLeft === 0 && paddingLeft === 0) await finishData();
        continue;
      }
      if (paddingLeft > 0) {
        const take = Math.min(paddingLeft, buffer.length - offset);
        offset += take;
        paddingLeft -= take;
        if (paddingLeft === 0) await finishData();
        continue;
      }
      if (buffer.length - offset < BLOCK) break;
      const block = buffer.subarray(offset, offset + BLOCK);
      offset += BLOCK;
      if (isZeroBlock(block)) {
        zeroBlocks++;
        if (zeroBlocks === 2) return { endMarker: true, bytes };
        continue;
      }
      if (zeroBlocks > 0) throw new TarFormatError("a lone zero block in the middle of the archive");
      const header = parseHeader(block, !sawHeader);
      sawHeader = true;
      const size = overrides.size ?? header.size;
      const padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (header.typeFlag === "x" || header.typeFlag === "g" || header.typeFlag === "L" || header.typeFlag === "K") {
        if (size > MAX_METADATA_BYTES) throw new TarFormatError(`an extended header of ${size} bytes (limit ${MAX_METADATA_BYTES})`);
        const kind = header.typeFlag === "x" ? "pax" : header.typeFlag === "g" ? "global" : header.typeFlag === "L" ? "longname" : "longlink";
        // A global header applies to every later member; stacklint needs none of its keys.
        metadata = { kind, chunks: [] };
        dataLeft = size;
        paddingLeft = padding;
        if (size === 0) await finishData();
        continue;
      }
      const entry: TarHeader = {
        name: overrides.path ?? header.name,
        type: header.type,
        size: header.type === "file" ? size : 0,
        linkName: overrides.linkpath ?? header.linkName,
        typeFlag: header.typeFlag,
        mtime: overrides.mtime ?? header.mtime,
      };
      overrides = {};
      // Hard links, devices and directories carry no data even when their size field says so
      // (GNU tar writes 0; a hostile header may not): their data blocks are skipped.
      sink = await onEntry(entry);
      dataLeft = size;
      paddingLeft = padding;
      if (size === 0) await finishData();
    }
    pending = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : Buffer.alloc(0);
  }
  if (dataLeft > 0 || paddingLeft > 0 || metadata || pending.length > 0) {
    throw new TarFormatError(dataLeft > 0 ? `the archive ends in the middle of a member (${dataLeft} bytes missing)` : "the archive ends in the middle of a record");
  }
  if (!sawHeader && bytes === 0) throw new TarFormatError("the archive is empty");
  return { endMarker: zeroBlocks >= 2, bytes };
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 8) if (block.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

interface RawHeader {
  readonly name: string;
  readonly type: TarEntryType;
  readonly typeFlag: string;
  readonly size: number;
  readonly linkName: string;
  readonly mtime: number;
}

function parseHeader(block: Buffer, first: boolean): RawHeader {
  const stored = parseOctal(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored === null || (stored !== unsigned && stored !== signed)) {
    throw new TarFormatError(first ? "not a tar archive (the first header's checksum does not match)" : "a member header's checksum does not match: the archive is corrupt");
  }
  const typeFlag = String.fromCharCode(block[156]!);
  const magic = block.subarray(257, 263).toString("latin1");
  let name = cString(block.subarray(0, 100));
  // POSIX ustar ("ustar\0") has a name prefix; old GNU ("ustar  ") keeps times there instead.
  if (magic === "ustar\0") {
    const prefix = cString(block.subarray(345, 500));
    if (prefix) name = `${prefix}/${name}`;
  }
  const size = parseSize(block.subarray(124, 136));
  if (size === null) throw new TarFormatError("a member's size field is not a number: the archive is corrupt");
  return { name, typeFlag, type: TYPES[typeFlag] ?? "other", size, linkName: cString(block.subarray(157, 257)), mtime: parseSize(block.subarray(136, 148)) ?? 0 };
}

/** Octal (NUL or space terminated), or GNU's base-256 for sizes of 8 GiB and more. */
function parseSize(field: Buffer): number | null {
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) return null;
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return Number.isSafeInteger(value) ? value : null;
  }
  return parseOctal(field);
}

function parseOctal(field: Buffer): number | null {
  const text = field.toString("latin1").replace(/[\0 ]+$/u, "").replace(/^[ \0]+/u, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/u.test(text)) return null;
  return parseInt(text, 8);
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString("utf8");
}

/** pax records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(data: Buffer): { path?: string; linkpath?: string; size?: number; mtime?: number } {
  const result: { path?: string; linkpath?: string; size?: number; mtime?: number } = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(data.subarray(offset, space).toString("latin1"));
    if (!Number.isSafeInteger(length) || length <= 0 || offset + length > data.length) throw new TarFormatError("a pax extended header record is malformed");
    const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
    offset += length;
    const equals = record.indexOf("=");
    if (equals === -1) continue;
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === "path") result.path = value;
    else if (key === "linkpath") result.linkpath = value;
    else if (key === "size") {
      if (!/^\d+$/u.test(value) || !Number.isSafeInteger(Number(value))) throw new TarFormatError("a pax size record is not a number");
      result.size = Number(value);
    } else if (key === "mtime" && /^-?\d+(?:\.\d+)?$/u.test(value)) result.mtime = Math.floor(Number(value));
  }
  return result;
}
