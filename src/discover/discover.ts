import { lstat, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import fg from "fast-glob";
import type { Diagnostic } from "../model/diagnostic.js";
import { ARCHIVE_NAME, readArchive, type ArchiveLimits, type ArchiveProgress, type MemberHandoff } from "./archive.js";

export interface DiscoveredFile {
  readonly absolutePath: string;
  /** POSIX path shown in reports and used as SARIF uri: relative to the base directory. */
  readonly displayPath: string;
  /** POSIX path relative to the input root it was found under (for classification and hosts). */
  readonly pathInInput: string;
  /** Index of the input (CLI path) the file came from. */
  readonly inputIndex: number;
  /** Display path of the input root. */
  readonly inputRoot: string;
  /** Whether the input was a directory (else the file itself was named). */
  readonly inputIsDirectory: boolean;
  /** For an archive member: the archive's name without its extension (a bundle's host name fallback). */
  readonly archiveStem?: string;
}

export interface Discovery {
  readonly files: DiscoveredFile[];
  readonly diagnostics: Diagnostic[];
  /** Directories skipped by policy (.git, node_modules). */
  readonly ignoredDirectories: number;
  /** Files skipped because they match the config file's `ignore` patterns. */
  readonly ignoredByConfig: number;
  /** Links (never followed) and FIFOs, sockets, devices (never read) found in input folders. */
  readonly skippedEntries: { readonly kind: "symlink" | "special-file"; readonly displayPath: string }[];
  /**
   * Links whose name is the fact: `systemctl enable memcached@11211` makes
   * `…/systemd/system/<target>.wants/memcached@11211.service`. They are never followed or read.
   */
  readonly unitLinks: DiscoveredFile[];
}

export interface DiscoverOptions {
  /** Support bundles: limits, and a private temporary folder for their members (made on first use). */
  readonly archives?: {
    readonly limits: ArchiveLimits;
    readonly workspace: () => Promise<string>;
    readonly onProgress?: (progress: ArchiveProgress) => void;
    /** Each member kept in the temporary folder, as soon as it is complete (see readArchive). */
    readonly handoff?: MemberHandoff;
  };
}

/** An enablement link of a memcached unit (systemd.unit(5) "[Install]" / `.wants/`). */
export const UNIT_ENABLEMENT_LINK = /(^|\/)(etc|run|usr\/lib|lib)\/systemd\/system\/[^/]+\.(wants|requires)\/memcached[^/]*\.service$/u;

const IGNORED_DIRECTORIES = ["**/.git/**", "**/node_modules/**", "**/.svn/**", "**/.hg/**"];

/** The config file's `ignore`: glob patterns relative to the config file's directory. */
export interface IgnorePatterns {
  readonly patterns: readonly string[];
  /** Absolute directory the patterns are relative to. */
  readonly directory: string;
}

/**
 * Walks the inputs. Directories are globbed without following symbolic links (a link never
 * leads stacklint outside its inputs); files given directly are taken as they are.
 */
export async function discover(inputs: readonly string[], baseDirectory: string, ignore?: IgnorePatterns, options: DiscoverOptions = {}): Promise<Discovery> {
  const files: DiscoveredFile[] = [];
  const diagnostics: Diagnostic[] = [];
  let ignoredDirectories = 0;
  const skippedEntries: Discovery["skippedEntries"][number][] = [];
  const unitLinks: DiscoveredFile[] = [];
  // The config file's `ignore` applies to archives too (their members are never matched by it).
  const ignored = ignore && ignore.patterns.length > 0 ? await matchIgnored(ignore) : new Set<string>();
  let ignoredArchives = 0;
  let archiveCount = 0;
  const archivesRead = new Set<string>();
  /** An archive (by name) is read as a bundle of members, in place of the file itself. */
  const readBundle = async (absolutePath: string, displayPath: string, inputIndex: number): Promise<boolean> => {
    const archives = options.archives;
    if (!archives || !ARCHIVE_NAME.test(absolutePath)) return false;
    if (ignored.has(absolutePath)) {
      ignoredArchives++;
      return true;
    }
    // The same archive named twice (a folder and a file in it) is read once.
    if (archivesRead.has(absolutePath)) return true;
    archivesRead.add(absolutePath);
    const extractRoot = path.join(await archives.workspace(), String(archiveCount++));
    await mkdir(extractRoot, { mode: 0o700 });
    const reading = await readArchive({ absolutePath, displayPath, inputIndex, extractRoot }, archives.limits, archives.onProgress, archives.handoff);
    files.push(...reading.files);
    diagnostics.push(...reading.diagnostics);
    skippedEntries.push(...reading.skippedEntries);
    // Inside an archive too, an enablement link's name is the fact (it is never followed).
    unitLinks.push(...reading.symlinks.filter((f) => UNIT_ENABLEMENT_LINK.test(f.pathInInput)));
    return true;
  };
  for (const [inputIndex, input] of inputs.entries()) {
    const absolute = path.resolve(baseDirectory, input);
    const inputRoot = displayPathFor(absolute, baseDirectory);
    let stats;
    try {
      stats = await lstat(absolute);
    } catch {
      diagnostics.push({ severity: "error", code: "unreadable-file", message: `input '${input}' does not exist or cannot be read`, file: toPosix(input) });
      continue;
    }
    if (stats.isDirectory()) {
      const entries = await fg("**/*", {
        cwd: absolute,
        dot: true,
        onlyFiles: false,
        objectMode: true,
        followSymbolicLinks: false,
        ignore: IGNORED_DIRECTORIES,
        suppressErrors: true,
        unique: true,
      });
      ignoredDirectories += await countIgnored(absolute);
      for (const entry of entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        const fileAbsolute = path.join(absolute, entry.path);
        const displayPath = displayPathFor(fileAbsolute, baseDirectory, absolute);
        if (entry.dirent.isDirectory()) continue;
        if (entry.dirent.isSymbolicLink()) {
          if (UNIT_ENABLEMENT_LINK.test(toPosix(entry.path))) {
            unitLinks.push({ absolutePath: fileAbsolute, displayPath, pathInInput: toPosix(entry.path), inputIndex, inputRoot, inputIsDirectory: true });
            continue;
          }
          // A link may lead outside the inputs; stacklint never follows one.
          skippedEntries.push({ kind: "symlink", displayPath });
          continue;
        }
        if (!entry.dirent.isFile()) {
          skippedEntries.push({ kind: "special-file", displayPath });
          continue;
        }
        if (await readBundle(fileAbsolute, displayPath, inputIndex)) continue;
        files.push({
          absolutePath: fileAbsolute,
          displayPath,
          pathInInput: toPosix(entry.path),
          inputIndex,
          inputRoot,
          inputIsDirectory: true,
        });
      }
    } else if (stats.isFile() || stats.isSymbolicLink()) {
      // A file the user names directly is read even through a link: they chose it.
      if (await readBundle(absolute, inputRoot, inputIndex)) continue;
      files.push({ absolutePath: absolute, displayPath: inputRoot, pathInInput: toPosix(path.relative(path.dirname(path.dirname(absolute)), absolute)), inputIndex, inputRoot: displayPathFor(path.dirname(absolute), baseDirectory, absolute), inputIsDirectory: false });
    } else {
      diagnostics.push({ severity: "note", code: "unknown-path", message: `input '${input}' is not a regular file or directory; skipped`, file: inputRoot });
    }
  }
  const kept = dedupeByPath(files).filter((f) => !ignored.has(f.absolutePath));
  return { files: kept, diagnostics, ignoredDirectories, ignoredByConfig: dedupeByPath(files).length - kept.length + ignoredArchives, skippedEntries, unitLinks };
}

/**
 * The files the patterns match, found by fast-glob from the config file's directory: gitignore-
 * like, a pattern without a slash matches a file name at any depth (`*.orig`), one with a slash
 * is anchored there (`etc/swift/backup/**`). Links are not followed, as in discovery.
 */
async function matchIgnored(ignore: IgnorePatterns): Promise<Set<string>> {
  const patterns = ignore.patterns.map((p) => p.replace(/^\.\//u, "").replace(/\/$/u, "/**"));
  const matched = await fg(patterns, { cwd: ignore.directory, dot: true, absolute: true, baseNameMatch: true, onlyFiles: true, followSymbolicLinks: false, ignore: IGNORED_DIRECTORIES, suppressErrors: true });
  return new Set(matched.map((m) => path.resolve(m)));
}

async function countIgnored(root: string): Promise<number> {
  const found = await fg(["**/.git", "**/node_modules", "**/.svn", "**/.hg"], { cwd: root, onlyDirectories: true, dot: true, deep: 4, suppressErrors: true, followSymbolicLinks: false });
  return found.length;
}

function dedupeByPath(files: DiscoveredFile[]): DiscoveredFile[] {
  const seen = new Set<string>();
  return files.filter((f) => (seen.has(f.absolutePath) ? false : (seen.add(f.absolutePath), true)));
}

/**
 * Inside the base directory: the relative path. Outside it: the path relative to the input's
 * parent, so that no absolute machine path (or temp directory) ever reaches an output.
 */
export function displayPathFor(absolute: string, baseDirectory: string, inputAbsolute: string = absolute): string {
  const relative = path.relative(baseDirectory, absolute);
  if (relative === "") return ".";
  if (!relative.startsWith("..") && !path.isAbsolute(relative)) return toPosix(relative);
  const fromInputParent = path.relative(path.dirname(inputAbsolute), absolute);
  return toPosix(fromInputParent === "" ? path.basename(absolute) : fromInputParent);
}

export function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}

/** Reads a small text file (hostname) if present. */
export async function readSmallText(absolute: string): Promise<string | null> {
  try {
    const stats = await lstat(absolute);
    if (!stats.isFile() || stats.size > 4096) return null;
    return (await readFile(absolute, "utf8")).trim();
  } catch {
    return null;
  }
}
