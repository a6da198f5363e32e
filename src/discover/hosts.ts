import path from "node:path";
import type { Host } from "../model/deployment.js";
import { readSmallText, type DiscoveredFile } from "./discover.js";

/**
 * Which host a file belongs to. A bundle of copies from several hosts is laid out as
 * `<host>/etc/…`, `<host>/var/log/…`, `<host>/sos_commands/…`; the folder above the first of
 * those segments is the host's root. A file with no such segment belongs to its input.
 */
const ROOT_SEGMENTS = new Set(["etc", "var", "sos_commands", "proc", "usr", "run", "lib", "sys"]);
/** Files a sosreport keeps at its root (links into sos_commands/): their folder is the host's root. */
const SOS_ROOT_FILES = new Set(["hostname", "uname", "date", "ip_addr", "uptime", "version.txt", "sos_reports"]);

export interface HostAssignment {
  readonly hostId: string;
  /** Absolute path of the host's root folder (where `etc/hostname` would be). */
  readonly rootAbsolute: string;
  readonly folderName: string;
}

export function assignHost(file: DiscoveredFile): HostAssignment {
  const inputIsDirectory = file.inputIsDirectory;
  const inputAbsolute = inputIsDirectory ? file.absolutePath.slice(0, file.absolutePath.length - file.pathInInput.length).replace(/[\\/]$/u, "") : path.dirname(file.absolutePath);
  if (!inputIsDirectory) return { hostId: file.inputRoot, rootAbsolute: inputAbsolute, folderName: path.basename(inputAbsolute) };
  const segments = file.pathInInput.split("/");
  let anchor = segments.findIndex((s, i) => i < segments.length - 1 && ROOT_SEGMENTS.has(s));
  if (anchor === -1 && SOS_ROOT_FILES.has(segments[segments.length - 1]!)) anchor = segments.length - 1;
  const prefix = anchor > 0 ? segments.slice(0, anchor) : [];
  const hostId = prefix.length > 0 ? `${file.inputRoot}/${prefix.join("/")}` : file.inputRoot;
  const rootAbsolute = prefix.length > 0 ? path.join(inputAbsolute, ...prefix) : inputAbsolute;
  // An archive's members live in a temporary folder: a bundle with no top folder is named after the archive.
  const folderName = prefix.length === 0 && file.archiveStem !== undefined ? file.archiveStem : path.basename(rootAbsolute);
  return { hostId, rootAbsolute, folderName };
}

/** Names each host from a `hostname` file in its root (sos) or `etc/hostname`, else its folder. */
export async function describeHosts(assignments: readonly HostAssignment[], singleHost: boolean): Promise<Host[]> {
  const byId = new Map<string, HostAssignment>();
  for (const a of assignments) if (!byId.has(a.hostId)) byId.set(a.hostId, a);
  const hosts: Host[] = [];
  for (const [id, a] of [...byId].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const fromFile = (await readSmallText(path.join(a.rootAbsolute, "hostname"))) ?? (await readSmallText(path.join(a.rootAbsolute, "etc", "hostname")));
    const name = fromFile?.split(/\s/u)[0];
    if (name) hosts.push({ id, name, nameSource: "hostname-file", addresses: [], aliases: [], addressEvidence: [] });
    else hosts.push({ id, name: a.folderName || id, nameSource: singleHost ? "single-input" : "folder", addresses: [], aliases: [], addressEvidence: [] });
  }
  return hosts;
}
