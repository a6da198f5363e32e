import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";
import { containsTemplateExpression } from "./memcached-args.js";

/**
 * Kernel settings from the three shapes they come in:
 *
 * - `sysctl -a` dumps (sosreport `sos_commands/kernel/sysctl_-a`): `key = value` per line, tabs
 *   between the fields of multi-valued keys (`net.ipv4.ip_local_port_range = 32768\t60999`),
 *   repeated keys for multi-line values (`dev.cdrom.info`), and error lines such as
 *   `sysctl: unable to open directory "/proc/sys/fs/binfmt_misc/"`.
 * - `/etc/sysctl.conf` and `sysctl.d/*.conf` (sysctl.d(5)): `key = value` or `key=value`, `#`/`;`
 *   comments, a `-` prefix (failures ignored), `/` or `.` separators ("if the first separator is
 *   a slash, dots and slashes are interchanged"), values with surrounding whitespace trimmed.
 * - `/proc/sys/net/core/somaxconn`: one value, the key from the path.
 *
 * {@link applySysctlOrder} applies systemd-sysctl's precedence to several files.
 */
export type SysctlSourceKind = "sysctl-a" | "sysctl-conf" | "proc-sys";

export interface SysctlEntry {
  /** Dotted form, as `sysctl -a` prints it (`net.core.somaxconn`). */
  readonly key: string;
  readonly rawKey: string;
  /** Trimmed; fields of multi-valued keys separated by single tabs as the kernel prints them. */
  readonly value: string;
  readonly keyLocation: SourceLocation;
  readonly valueLocation: SourceLocation;
  /** `-key = value`: a failure to apply is ignored. */
  readonly ignoreFailure: boolean;
  /** A template expression: the value is unknown. */
  readonly opaque: boolean;
}

export interface SysctlDocument {
  readonly file: string;
  readonly kind: SysctlSourceKind;
  readonly entries: SysctlEntry[];
  readonly diagnostics: Diagnostic[];
}

/** The dotted key for either separator style (sysctl.d(5)). */
export function normalizeSysctlKey(key: string): string {
  const slash = key.indexOf("/");
  const dot = key.indexOf(".");
  if (slash >= 0 && (dot < 0 || slash < dot)) {
    let out = "";
    for (const c of key.replace(/^\/+/u, "")) out += c === "/" ? "." : c === "." ? "/" : c;
    return out;
  }
  return key;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/u);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** `sysctl -a` output. */
export function parseSysctlDump(file: string, text: string): SysctlDocument {
  const diagnostics: Diagnostic[] = [];
  const entries: SysctlEntry[] = [];
  splitLines(text).forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === "") return;
    if (line.startsWith("sysctl: ")) {
      diagnostics.push({ severity: "note", code: "sysctl-dump-error-line", message: `sysctl reported: ${line.slice(8)}`, file, line: lineNumber, column: 1 });
      return;
    }
    const entry = readAssignment(file, line, lineNumber, " = ");
    if (!entry) {
      diagnostics.push({ severity: "note", code: "sysctl-dump-unreadable", message: "line is not 'key = value'", file, line: lineNumber, column: 1 });
      return;
    }
    entries.push(entry);
  });
  return { file, kind: "sysctl-a", entries, diagnostics };
}

/** `/etc/sysctl.conf` or a `sysctl.d/*.conf` file. */
export function parseSysctlConf(file: string, text: string): SysctlDocument {
  const diagnostics: Diagnostic[] = [];
  const entries: SysctlEntry[] = [];
  splitLines(text).forEach((line, index) => {
    const lineNumber = index + 1;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
    if (trimmed.startsWith("{%") || trimmed.startsWith("{#") || (trimmed.startsWith("<%") && !trimmed.startsWith("<%="))) {
      diagnostics.push({ severity: "note", code: "sysctl-template", message: "template statement ignored (unrendered template)", file, line: lineNumber, column: 1 });
      return;
    }
    const entry = readAssignment(file, line, lineNumber, "=");
    if (!entry) {
      diagnostics.push({
        severity: "warning",
        code: "sysctl-syntax",
        message: "line is not an assignment; systemd-sysctl ignores it",
        file,
        line: lineNumber,
        column: line.length - line.trimStart().length + 1,
      });
      return;
    }
    entries.push(entry);
  });
  return { file, kind: "sysctl-conf", entries, diagnostics };
}

/** A `/proc/sys/...` file holding one value; the key comes from the path (or is given). */
export function parseProcSysFile(file: string, text: string, key?: string): SysctlDocument {
  const diagnostics: Diagnostic[] = [];
  const derived = key ?? keyFromProcPath(file);
  const lines = splitLines(text);
  const firstIndex = lines.findIndex((l) => l.trim() !== "");
  if (derived === null || firstIndex < 0) {
    diagnostics.push({
      severity: "warning",
      code: "sysctl-proc-unreadable",
      message: derived === null ? "cannot tell the sysctl key from this path (expected …/proc/sys/…)" : "the file is empty",
      file,
      line: 1,
      column: 1,
    });
    return { file, kind: "proc-sys", entries: [], diagnostics };
  }
  const line = lines[firstIndex]!;
  const lead = line.length - line.trimStart().length;
  const value = line.trim().replace(/[ \t]+/gu, "\t");
  const location = spanOnLine(file, firstIndex + 1, lead + 1, line.trim().length);
  return {
    file,
    kind: "proc-sys",
    entries: [{ key: derived, rawKey: derived, value, keyLocation: location, valueLocation: location, ignoreFailure: false, opaque: false }],
    diagnostics,
  };
}

/** `…/proc/sys/net/core/somaxconn` → `net.core.somaxconn`. */
export function keyFromProcPath(path: string): string | null {
  const marker = "proc/sys/";
  const at = path.lastIndexOf(marker);
  if (at < 0 || (at > 0 && path[at - 1] !== "/")) return null;
  const rest = path.slice(at + marker.length);
  if (rest === "") return null;
  return normalizeSysctlKey(rest);
}

function readAssignment(file: string, line: string, lineNumber: number, separator: string): SysctlEntry | null {
  let at = line.indexOf(separator);
  let sepLength = separator.length;
  if (at < 0 && separator !== "=") {
    at = line.indexOf("=");
    sepLength = 1;
  }
  if (at < 0) return null;
  const keyPart = line.slice(0, at);
  const keyLead = keyPart.length - keyPart.trimStart().length;
  let rawKey = keyPart.trim();
  let keyColumn = keyLead + 1;
  let ignoreFailure = false;
  if (rawKey.startsWith("-")) {
    ignoreFailure = true;
    rawKey = rawKey.slice(1).trimStart();
    keyColumn = line.indexOf(rawKey, keyLead) + 1;
  }
  if (rawKey === "") return null;
  const valuePart = line.slice(at + sepLength);
  const valueLead = valuePart.length - valuePart.trimStart().length;
  const valueTrimmed = valuePart.trim();
  const valueColumn = at + sepLength + valueLead + 1;
  return {
    key: normalizeSysctlKey(rawKey),
    rawKey,
    value: valueTrimmed,
    keyLocation: spanOnLine(file, lineNumber, keyColumn, rawKey.length),
    valueLocation: spanOnLine(file, lineNumber, valueColumn, valueTrimmed.length),
    ignoreFailure,
    opaque: containsTemplateExpression(valueTrimmed) || containsTemplateExpression(rawKey),
  };
}

/** The last entry for a key in one document (later lines win inside a file). */
export function sysctlEntry(document: SysctlDocument, key: string): SysctlEntry | undefined {
  const wanted = normalizeSysctlKey(key);
  let found: SysctlEntry | undefined;
  for (const e of document.entries) if (e.key === wanted) found = e;
  return found;
}

/** A value as a number when it is one (`128`), else null (`32768\t60999`, a template). */
export function sysctlNumber(entry: SysctlEntry | undefined): number | null {
  if (!entry || entry.opaque || !/^-?\d+$/u.test(entry.value)) return null;
  return Number(entry.value);
}

// ---------------------------------------------------------------------------------------------
// systemd-sysctl's order over several files
// ---------------------------------------------------------------------------------------------

/** sysctl.d directories, highest precedence first for files of the same name (sysctl.d(5)). */
const SYSCTL_DIRECTORIES = ["etc/sysctl.d/", "run/sysctl.d/", "usr/local/lib/sysctl.d/", "usr/lib/sysctl.d/", "lib/sysctl.d/"];

export interface SysctlFileRole {
  readonly role: "sysctl.d" | "sysctl.conf" | "other";
  /** Index into the directory precedence (0 = /etc) for sysctl.d files. */
  readonly rank: number;
  readonly name: string;
}

/** Where a (display) path sits in systemd-sysctl's search path. */
export function sysctlFileRole(path: string): SysctlFileRole {
  const normalized = `/${path.replace(/^\/+/u, "")}`;
  const name = normalized.slice(normalized.lastIndexOf("/") + 1);
  for (let k = 0; k < SYSCTL_DIRECTORIES.length; k++) {
    const directory = `/${SYSCTL_DIRECTORIES[k]}`;
    const at = normalized.lastIndexOf(directory);
    // "usr/lib/sysctl.d/" also ends with "lib/sysctl.d/": require the match to start a segment
    // and not be preceded by "usr/" or "usr/local/" for the shorter names.
    if (at >= 0 && normalized.indexOf("/", at + directory.length) < 0) {
      const before = normalized.slice(0, at + 1);
      if (SYSCTL_DIRECTORIES[k] === "lib/sysctl.d/" && (before.endsWith("/usr/") || before.endsWith("/local/"))) continue;
      if (SYSCTL_DIRECTORIES[k] === "usr/lib/sysctl.d/" && before.endsWith("/local/")) continue;
      return { role: "sysctl.d", rank: k, name };
    }
  }
  if (normalized.endsWith("/etc/sysctl.conf")) return { role: "sysctl.conf", rank: SYSCTL_DIRECTORIES.length, name };
  return { role: "other", rank: SYSCTL_DIRECTORIES.length + 1, name };
}

export interface SysctlSetting {
  readonly key: string;
  /** The entry in force. */
  readonly winner: SysctlEntry;
  /** Earlier entries for the same key that the winner overrides, in application order. */
  readonly overridden: SysctlEntry[];
}

export interface SysctlResolution {
  /** The files applied, in order. */
  readonly applied: string[];
  /** Files not applied because a file of the same name in a higher-precedence directory exists. */
  readonly shadowedFiles: { readonly file: string; readonly by: string }[];
  /** Files that are not in a sysctl.d directory nor /etc/sysctl.conf, or not named *.conf. */
  readonly ignoredFiles: string[];
  readonly settings: Map<string, SysctlSetting>;
}

/**
 * Applies sysctl.d(5)'s order: `*.conf` files from /etc, /run, /usr/local/lib, /usr/lib and /lib
 * `sysctl.d/` are sorted by file name regardless of directory, a name in /etc shadows the same
 * name elsewhere (then /run, …), `/etc/sysctl.conf` comes last (procps `sysctl --system`, and
 * distributions' 99-sysctl.conf link), and a later assignment wins. Pure: the documents are
 * already parsed; only `sysctl-conf` documents take part.
 */
export function applySysctlOrder(documents: readonly SysctlDocument[]): SysctlResolution {
  const chosen = new Map<string, { document: SysctlDocument; rank: number }>();
  const shadowedFiles: { file: string; by: string }[] = [];
  const ignoredFiles: string[] = [];
  const sysctlConf: SysctlDocument[] = [];
  for (const document of documents) {
    if (document.kind !== "sysctl-conf") {
      ignoredFiles.push(document.file);
      continue;
    }
    const role = sysctlFileRole(document.file);
    if (role.role === "sysctl.conf") {
      sysctlConf.push(document);
      continue;
    }
    if (role.role === "other" || !role.name.endsWith(".conf")) {
      ignoredFiles.push(document.file);
      continue;
    }
    const existing = chosen.get(role.name);
    if (!existing) chosen.set(role.name, { document, rank: role.rank });
    else if (role.rank < existing.rank) {
      shadowedFiles.push({ file: existing.document.file, by: document.file });
      chosen.set(role.name, { document, rank: role.rank });
    } else {
      shadowedFiles.push({ file: document.file, by: existing.document.file });
    }
  }
  const ordered = [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v.document);
  ordered.push(...sysctlConf);
  const settings = new Map<string, SysctlSetting>();
  for (const document of ordered) {
    for (const entry of document.entries) {
      const previous = settings.get(entry.key);
      settings.set(entry.key, previous ? { key: entry.key, winner: entry, overridden: [...previous.overridden, previous.winner] } : { key: entry.key, winner: entry, overridden: [] });
    }
  }
  return { applied: ordered.map((d) => d.file), shadowedFiles, ignoredFiles, settings };
}
