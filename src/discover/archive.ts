import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, open, rm, stat, utimes, constants as fsConstants } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { createGunzip } from "node:zlib";
import type { Diagnostic } from "../model/diagnostic.js";
import { classifyPath } from "./classify.js";
import type { DiscoveredFile } from "./discover.js";
import { MAX_CONFIG_BYTES } from "./read-text.js";
import { readTar, TarFormatError, type TarHeader, type TarSink } from "./tar.js";

/**
 * Support bundles as inputs: `.tar`, `.tar.gz`/`.tgz`, `.tar.xz`/`.txz` (as sos writes them),
 * `.tar.bz2`/`.tbz2`. An archive is read as one stream; the members stacklint reads are written
 * into a private temporary folder (mode 0700, removed at the end of the run) under sanitized
 * names, so the rest of the pipeline reads them like copied files. Nothing is written anywhere
 * else, links and devices are never created, and nothing from an input is executed: xz and
 * bzip2 run as decompressors with the archive on their standard input.
 *
 * A member is shown as `<archive>!/<member>` (the `!/` separator of Java's jar: URLs), e.g.
 * `case-1234/sosreport-ctl1.tar.xz!/sosreport-ctl1/etc/swift/proxy-server.conf`.
 */
export const ARCHIVE_NAME = /\.(?:tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2?)$/iu;

export const MEMBER_SEPARATOR = "!/";

export interface ArchiveLimits {
  /** Stop reading an archive once this many bytes have come out of the decompressor. */
  readonly maxExpandedBytes: number;
  /** Stop when expanded bytes / archive bytes exceeds this (past `ratioFloorBytes`). */
  readonly maxRatio: number;
  /** Below this many expanded bytes the ratio is not checked: tar's padding of small files compresses to nothing. */
  readonly ratioFloorBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxExpandedBytes: 16 * 1024 ** 3,
  maxRatio: 200,
  ratioFloorBytes: 16 * 1024 ** 2,
};

export interface ArchiveProgress {
  readonly archive: string;
  /** Expanded bytes read so far from this archive. */
  readonly bytes: number;
  /** Members read so far from this archive. */
  readonly members: number;
  /** The top folder of the member being read (a sosreport's name is its host). */
  readonly current: string;
}

export interface ArchiveInput {
  readonly absolutePath: string;
  /** Display path of the archive itself. */
  readonly displayPath: string;
  readonly inputIndex: number;
  /** Private folder for this archive's members (created by the caller inside the run's temp root). */
  readonly extractRoot: string;
}

export interface ArchiveReading {
  readonly files: DiscoveredFile[];
  readonly diagnostics: Diagnostic[];
  /** Members skipped as folders walks skip them: links not followed, special files. */
  readonly skippedEntries: { readonly kind: "symlink" | "special-file"; readonly displayPath: string }[];
  /** Every symbolic link inside the archive, by its own name (systemd enablement links are facts by name). */
  readonly symlinks: DiscoveredFile[];
}

/** Host facts the pipeline reads by path (hosts.ts, the log year): kept though no parser claims them. */
const HOST_FACT = /(?:^|\/)(?:hostname|date|etc\/hostname|sos_commands\/(?:host|general|date)\/(?:hostname|date)[^/]*)$/u;

type Format = "tar" | "gzip" | "xz" | "bzip2";

const TOOLS: Record<"xz" | "bzip2", { command: string; debianPackage: string }> = {
  xz: { command: "xz", debianPackage: "xz-utils" },
  bzip2: { command: "bzip2", debianPackage: "bzip2" },
};

class LimitError extends Error {}

/**
 * Members handed over while the archive is still read (analyze.ts parses logs this way,
 * overlapping decompression and parsing). `onMember` is called as soon as a kept member is
 * completely written to the temporary folder (its time set). "auto": only when the decompressor
 * leaves cores idle — not for an xz archive of several blocks on a multi-core machine, which
 * `xz -T0` already decodes on every core (measured on 2 cores: reading ahead there only added
 * contention, +4 % wall time; with a one-block xz it saved 9 %).
 */
export interface MemberHandoff {
  readonly onMember: (file: DiscoveredFile) => void;
  readonly when: "auto" | "always";
}

export async function readArchive(input: ArchiveInput, limits: ArchiveLimits, onProgress?: (progress: ArchiveProgress) => void, handoff?: MemberHandoff): Promise<ArchiveReading> {
  const diagnostics: Diagnostic[] = [];
  const skippedEntries: ArchiveReading["skippedEntries"][number][] = [];
  const files: DiscoveredFile[] = [];
  const archive = input.displayPath;
  const memberDisplay = (member: string) => `${archive}${MEMBER_SEPARATOR}${member}`;
  const diagnose = (severity: Diagnostic["severity"], code: string, message: string, member?: string) =>
    diagnostics.push({ severity, code, message, file: member === undefined ? archive : memberDisplay(member) });

  let compressedBytes: number;
  let format: Format;
  try {
    compressedBytes = (await stat(input.absolutePath)).size;
    format = await sniffFormat(input.absolutePath);
  } catch (error) {
    diagnose("error", "unreadable-file", `cannot read the archive (${errorCode(error)}); skipped`);
    return { files, diagnostics, skippedEntries, symlinks: [] };
  }

  const onMember = handoff && (handoff.when === "always" || !(format === "xz" && availableParallelism() > 1 && (await xzBlockCount(input.absolutePath)) > 1)) ? handoff.onMember : undefined;

  /** Regular members by sanitized path: where their bytes went (null: not kept). */
  const members = new Map<string, { kept: string | null }>();
  const links: { member: string; target: string; kind: "symlink" | "hardlink" }[] = [];
  const linkNames = new Set<string>();
  let memberCount = 0;
  let expanded = 0;
  let current = "";
  let lastReport = 0;
  let streamEnded = false;

  const opened = await openDecompressed(input.absolutePath, format);
  if ("missing" in opened) {
    const tool = TOOLS[opened.missing];
    diagnose("error", "archive-tool-missing", `reading a ${opened.missing} archive needs the '${tool.command}' program, which is not installed (Debian: apt-get install ${tool.debianPackage}); the archive was not read`);
    return { files, diagnostics, skippedEntries, symlinks: [] };
  }

  // Both limits are a bound on expanded bytes, enforced at the exact byte (not at a chunk edge,
  // which varies with pipe timing), so which members were read before the stop is deterministic.
  const ratioBound = Math.max(limits.ratioFloorBytes, compressedBytes * limits.maxRatio);
  const bound = Math.min(limits.maxExpandedBytes, ratioBound);
  const limitMessage =
    limits.maxExpandedBytes <= ratioBound
      ? `the archive expands to more than ${formatBytes(limits.maxExpandedBytes)} (--max-archive-bytes); reading stopped there, members after that point were not analyzed`
      : `the archive expands more than ${limits.maxRatio} times its size (${formatBytes(compressedBytes)} → over ${formatBytes(ratioBound)}; --max-archive-ratio): it looks like a decompression bomb; reading stopped there, members after that point were not analyzed`;

  async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      if (expanded + chunk.length > bound) {
        const allowed = bound - expanded;
        expanded = bound;
        if (allowed > 0) yield chunk.subarray(0, allowed);
        throw new LimitError(limitMessage);
      }
      expanded += chunk.length;
      if (onProgress && expanded - lastReport >= 8 * 1024 * 1024) {
        lastReport = expanded;
        onProgress({ archive, bytes: expanded, members: memberCount, current });
      }
      yield chunk;
    }
    streamEnded = true;
  }

  const onEntry = async (header: TarHeader): Promise<TarSink | null> => {
    memberCount++;
    const member = sanitizeMemberName(header.name);
    if ("unsafe" in member) {
      diagnose("warning", "archive-unsafe-path", `member '${printable(header.name)}' ${member.unsafe}; it was not read`);
      return null;
    }
    const name = member.path;
    if (name === "") return null;
    current = name.split("/")[0]!;
    switch (header.type) {
      case "directory":
        return null;
      case "character-device":
      case "block-device":
      case "fifo":
        diagnose("warning", "archive-special-member", `a ${header.type.replace("-", " ")} member; stacklint never creates or reads devices and FIFOs, so it was skipped`, name);
        return null;
      case "other":
        diagnose("note", "archive-unsupported-member", `a tar member of type '${printable(header.typeFlag)}' that stacklint does not read; skipped`, name);
        return null;
      case "symlink":
      case "hardlink": {
        if (members.has(name) || linkNames.has(name)) {
          diagnose("warning", "archive-duplicate-member", "the archive holds this member more than once; the first copy was read and this one refused", name);
          return null;
        }
        // A symbolic link is relative to its folder; a hard link names a member of the archive.
        const target = header.type === "symlink" ? resolveSymlink(name, header.linkName) : sanitizeMemberName(header.linkName);
        if ("unsafe" in target) {
          const absolute = header.linkName.startsWith("/");
          diagnose(
            absolute && header.type === "symlink" ? "note" : "warning",
            "archive-link-outside",
            `a ${header.type === "symlink" ? "symbolic" : "hard"} link to '${printable(header.linkName)}', which is outside the archive; it was not followed`,
            name,
          );
          return null;
        }
        links.push({ member: name, target: target.path, kind: header.type });
        linkNames.add(name);
        return null;
      }
      case "file":
        break;
    }
    if (members.has(name) || linkNames.has(name)) {
      diagnose("warning", "archive-duplicate-member", "the archive holds this member more than once; the first copy was read and this one refused", name);
      return null;
    }
    const verdict = classifyPath(name);
    const wanted = !("skip" in verdict) || HOST_FACT.test(name);
    const isConfig = !("runtime" in verdict) && !("sniff" in verdict && verdict.sniff === "runtime");
    if (wanted && isConfig && header.size > MAX_CONFIG_BYTES) {
      // The same limit as for a copied file (read-text.ts); the member's bytes are streamed past.
      diagnose("warning", "file-too-large", `${header.size} bytes is larger than any configuration file (limit ${MAX_CONFIG_BYTES}); skipped`, name);
      members.set(name, { kept: null });
      return null;
    }
    if (!wanted) {
      files.push(memberFile(input, name));
      members.set(name, { kept: null });
      return null;
    }
    let destination: MemberFile;
    try {
      destination = await createMemberFile(input.extractRoot, name);
    } catch (error) {
      // A name too long for this file system, or a member that is also a folder of another.
      diagnose("warning", "unreadable-file", `cannot keep this member in the temporary folder (${errorCode(error)}); skipped`, name);
      members.set(name, { kept: null });
      return null;
    }
    members.set(name, { kept: null });
    unfinished = destination;
    // A member counts once all its bytes are in: a member cut by a limit or a corrupt stream is dropped.
    return {
      write: destination.write,
      end: async () => {
        await destination.close();
        // The member's own time: a log without a year in its stamps falls back to it (ingest/runtime.ts).
        if (header.mtime > 0) await utimes(destination.absolutePath, header.mtime, header.mtime);
        unfinished = null;
        members.set(name, { kept: destination.absolutePath });
        const file = memberFile(input, name);
        files.push(file);
        onMember?.(file);
      },
    };
  };
  let unfinished: MemberFile | null = null;

  try {
    const result = await readTar(counted(coalesce(opened.stream, COALESCE_BYTES)), onEntry);
    if (!result.endMarker) {
      // The stream ended before tar's end marker: the decompressor's own complaint says more.
      const failure = await opened.failure();
      if (failure) diagnose("error", "archive-corrupt", `the ${format} stream is corrupt or truncated (${failure}); members read before this point were analyzed`);
      else diagnose("warning", "archive-truncated", "the archive has no end-of-archive marker: it may be truncated; the members read were analyzed");
    }
  } catch (error) {
    // Only once the decompressor's output has ended has it exited (else it waits on a full pipe).
    const failure = streamEnded ? await opened.failure() : null;
    if (error instanceof LimitError) diagnose("error", "archive-limit", error.message);
    else if (failure) diagnose("error", "archive-corrupt", `the ${format} stream is corrupt or truncated (${failure}); members read before this point were analyzed`);
    else if (error instanceof TarFormatError) diagnose("error", "archive-corrupt", `${error.message}; members read before this point were analyzed`);
    else diagnose("error", "archive-corrupt", `cannot decompress the archive (${decompressorMessage(error)}); members read before this point were analyzed`);
  } finally {
    await opened.close();
    await (unfinished as MemberFile | null)?.discard();
  }
  onProgress?.({ archive, bytes: expanded, members: memberCount, current });

  // Links inside the archive are read as the files they point to, when a parser wants the link's
  // path (sos's root `hostname`, `uname`, `date` are links into sos_commands/).
  const linkTargets = new Map(links.map((l) => [l.member, l.target]));
  for (const link of [...links].sort((a, b) => (a.member < b.member ? -1 : 1))) {
    let target = link.target;
    for (let hops = 0; hops < 8 && linkTargets.has(target); hops++) target = linkTargets.get(target)!;
    const kept = members.get(target)?.kept;
    const verdict = classifyPath(link.member);
    const wanted = !("skip" in verdict) || HOST_FACT.test(link.member);
    // A link to a folder or to a member nobody reads is left alone; systemd's enablement links
    // are facts by name (discover.ts passes them on as unit links), never read as files.
    if (!kept || ("kind" in verdict && verdict.kind === "systemd-enablement")) continue;
    if (!wanted) continue;
    const absolute = memberAbsolutePath(input.extractRoot, link.member);
    try {
      await mkdir(path.dirname(absolute), { recursive: true, mode: 0o700 });
      await copyFile(kept, absolute, fsConstants.COPYFILE_EXCL);
    } catch (error) {
      diagnose("warning", "unreadable-file", `cannot keep this link's target in the temporary folder (${errorCode(error)}); skipped`, link.member);
      continue;
    }
    // The target is analyzed under its own path when a parser claims it; the link adds nothing.
    const targetVerdict = classifyPath(target);
    if ("skip" in targetVerdict && !("skip" in verdict)) files.push(memberFile(input, link.member));
  }
  files.sort((a, b) => (a.pathInInput < b.pathInInput ? -1 : a.pathInInput > b.pathInInput ? 1 : 0));
  const symlinks = links.filter((l) => l.kind === "symlink").map((l) => memberFile(input, l.member));
  return { files, diagnostics, skippedEntries, symlinks };
}

function memberFile(input: ArchiveInput, member: string): DiscoveredFile {
  return {
    absolutePath: memberAbsolutePath(input.extractRoot, member),
    displayPath: `${input.displayPath}${MEMBER_SEPARATOR}${member}`,
    pathInInput: member,
    inputIndex: input.inputIndex,
    inputRoot: `${input.displayPath}!`,
    inputIsDirectory: true,
    archiveStem: archiveStem(input.displayPath),
  };
}

export function archiveStem(displayPath: string): string {
  return path.posix.basename(displayPath).replace(ARCHIVE_NAME, "");
}

function memberAbsolutePath(root: string, member: string): string {
  const absolute = path.join(root, ...member.split("/"));
  // sanitizeMemberName already refused `..` and absolute names; this is the last guard.
  if (!absolute.startsWith(root + path.sep)) throw new Error(`member path escapes the extraction folder: ${member}`);
  return absolute;
}

interface MemberFile {
  readonly absolutePath: string;
  write(chunk: Buffer): Promise<void>;
  close(): Promise<void>;
  /** Closes and deletes a member whose bytes did not all arrive. */
  discard(): Promise<void>;
}

async function createMemberFile(root: string, member: string): Promise<MemberFile> {
  const absolutePath = memberAbsolutePath(root, member);
  await mkdir(path.dirname(absolutePath), { recursive: true, mode: 0o700 });
  // O_EXCL: never reuse or write through an existing entry; O_NOFOLLOW: never through a link.
  const handle = await open(absolutePath, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    absolutePath,
    async write(chunk) {
      await handle.write(chunk);
    },
    close,
    async discard() {
      await close();
      await rm(absolutePath, { force: true });
    },
  };
}

/**
 * The member's path inside the archive, normalized (`./a//b` → `a/b`), or why it is refused:
 * an absolute path or a `..` step could land outside any folder it were extracted to.
 */
export function sanitizeMemberName(raw: string): { path: string } | { unsafe: string } {
  if (raw.includes("\0")) return { unsafe: "has a NUL character in its name" };
  if (raw.startsWith("/") || /^[A-Za-z]:[\\/]/u.test(raw)) return { unsafe: "has an absolute path" };
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { unsafe: "has a '..' step in its path" };
  return { path: segments.join("/") };
}

/** A symbolic link's target as a member path, if it stays inside the archive. */
function resolveSymlink(member: string, target: string): { path: string } | { unsafe: string } {
  if (target.startsWith("/")) return { unsafe: "points to an absolute path" };
  const parts = member.split("/").slice(0, -1);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return { unsafe: "points above the archive" };
      parts.pop();
    } else parts.push(segment);
  }
  return { path: parts.join("/") };
}

/**
 * Blocks in the (last) stream of an xz file, from its index (xz file format 1.0.4, §2.1.2.2
 * Stream Footer, §4 Index): xz -T0 decodes several blocks on several cores, one block on one.
 * 0 when the file does not end as an xz stream should (the reader then finds what is wrong).
 */
export async function xzBlockCount(absolutePath: string): Promise<number> {
  let handle;
  try {
    handle = await open(absolutePath, "r");
    let end = (await handle.stat()).size;
    // Stream Padding: null bytes in multiples of four after the stream.
    const word = Buffer.alloc(4);
    while (end >= 12 + 4) {
      await handle.read(word, 0, 4, end - 4);
      if (word.readUInt32LE(0) !== 0) break;
      end -= 4;
    }
    const footer = Buffer.alloc(12);
    if (end < 12 + 12) return 0;
    await handle.read(footer, 0, 12, end - 12);
    if (footer[10] !== 0x59 || footer[11] !== 0x5a) return 0;
    const indexSize = (footer.readUInt32LE(4) + 1) * 4;
    const indexStart = end - 12 - indexSize;
    if (indexStart < 12) return 0;
    const head = Buffer.alloc(10);
    const { bytesRead } = await handle.read(head, 0, 10, indexStart);
    if (bytesRead < 2 || head[0] !== 0x00) return 0;
    // Number of Records: a multibyte integer, seven bits per byte, lowest first.
    let records = 0;
    for (let i = 1, shift = 0; i < bytesRead && shift < 63; i++, shift += 7) {
      records += (head[i]! & 0x7f) * 2 ** shift;
      if ((head[i]! & 0x80) === 0) return records;
    }
    return 0;
  } catch {
    return 0;
  } finally {
    await handle?.close();
  }
}

/** By magic bytes, not by name: a `.tar.gz` that is plain tar is still read. */
async function sniffFormat(absolutePath: string): Promise<Format> {
  const handle = await open(absolutePath, "r");
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    const bytes = head.subarray(0, bytesRead);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return "gzip";
    if (bytes.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return "xz";
    if (bytes.subarray(0, 3).toString("latin1") === "BZh") return "bzip2";
    return "tar";
  } finally {
    await handle.close();
  }
}

interface Decompressed {
  readonly stream: AsyncIterable<Buffer>;
  /** Stops the decompressor (if still running) and releases the file. */
  close(): Promise<void>;
  /** After a complete read: the decompressor's complaint, if it failed. */
  failure(): Promise<string | null>;
}

const READ_CHUNK = 1024 * 1024;
/** xz writes its output 8 KiB at a time; gathering 256 KiB first saves most of the per-chunk work (tar records, awaits, file writes). */
const COALESCE_BYTES = 256 * 1024;

async function* coalesce(source: AsyncIterable<Buffer>, minimum: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      if (size === 0 && chunk.length >= minimum) {
        yield chunk;
        continue;
      }
      parts.push(chunk);
      size += chunk.length;
      if (size >= minimum) {
        yield Buffer.concat(parts, size);
        parts = [];
        size = 0;
      }
    }
  } catch (error) {
    // A corrupt stream: what decompressed before the error still counts (its complete members are read).
    if (size > 0) yield Buffer.concat(parts, size);
    throw error;
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

async function openDecompressed(absolutePath: string, format: Format): Promise<Decompressed | { missing: "xz" | "bzip2" }> {
  if (format === "tar" || format === "gzip") {
    const file = createReadStream(absolutePath, { highWaterMark: READ_CHUNK });
    if (format === "tar") return { stream: file, close: async () => void file.destroy(), failure: async () => null };
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    file.on("error", (error) => gunzip.destroy(error));
    file.pipe(gunzip);
    return {
      stream: gunzip,
      close: async () => {
        file.destroy();
        gunzip.destroy();
      },
      failure: async () => null,
    };
  }
  const tool = TOOLS[format];
  const handle = await open(absolutePath, "r");
  // The archive is the tool's standard input: no input-controlled name reaches its arguments.
  // -T0: sos compresses with `xz -2 -T<threads>` (sos/policies/__init__.py), whose blocks xz ≥ 5.4
  // decodes on every core while stacklint waits on the pipe; older xz accepts and ignores it.
  const child = spawn(tool.command, format === "xz" ? ["-dc", "-T0"] : ["-dc"], { stdio: [handle.fd, "pipe", "pipe"] });
  const started = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  if (!started) {
    await handle.close();
    return { missing: format };
  }
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("close", (code) => resolve(code));
  });
  return {
    stream: child.stdout!,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      child.stdout!.destroy();
      await exited;
      await handle.close();
    },
    failure: async () => {
      const code = await exited;
      if (code === 0) return null;
      const first = stderr.split("\n").find((l) => l.trim() !== "") ?? `exit status ${code}`;
      return first.replace(/^\S+: \(stdin\): /u, "").trim();
    },
  };
}

function decompressorMessage(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && error.code === "Z_BUF_ERROR") return "unexpected end of the gzip stream: the archive is truncated";
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") return error.code;
  return "read error";
}

/** Member names come from the input: control characters are shown escaped. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`).slice(0, 300);
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
