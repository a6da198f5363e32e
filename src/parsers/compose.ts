import type { Node } from "yaml";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import type { ArgvItem } from "./memcached-args.js";
import { tokenizeCommandLine } from "./memcached-args.js";
import { mapEntries, mapGet, mapKeyNode, parseYamlFile, scalarContentStart, scalarText, seqItems } from "./yaml-located.js";

/**
 * docker-compose files (Compose Specification): per service the `image`, `command` (a string
 * split like a shell would, or a list taken as argv), `ports` (short `[ip:]host:container[/proto]`
 * and long `{target, published, host_ip, protocol}` forms), `network_mode`, `ulimits.nofile`
 * (a number or `{soft, hard}`) and `environment` (list or map).
 */
export interface ComposePort {
  readonly hostAddress: string | null;
  readonly hostPort: number | null;
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp";
  readonly location: SourceLocation;
}

export interface ComposeService {
  readonly name: string;
  readonly location: SourceLocation;
  readonly image: string | null;
  /** argv after the image's entrypoint; null when the service has no `command`. */
  readonly command: { readonly words: ArgvItem[]; readonly form: "string" | "list"; readonly location: SourceLocation } | null;
  readonly ports: ComposePort[];
  readonly networkMode: { readonly value: string; readonly location: SourceLocation } | null;
  /** ulimits.nofile soft value (what the process gets). */
  readonly nofile: { readonly value: number; readonly location: SourceLocation } | null;
  readonly environment: { readonly name: string; readonly value: string; readonly location: SourceLocation }[];
}

export interface ComposeFile {
  readonly file: string;
  readonly services: ComposeService[];
  readonly diagnostics: Diagnostic[];
}

export function parseCompose(file: string, text: string): ComposeFile {
  const yaml = parseYamlFile(file, text);
  const diagnostics = [...yaml.diagnostics];
  const services: ComposeService[] = [];
  for (const { key, keyNode, value } of mapEntries(mapGet(yaml.root, "services"))) {
    const image = scalarText(mapGet(value, "image"));
    const commandNode = mapGet(value, "command");
    let command: ComposeService["command"] = null;
    const commandText = scalarText(commandNode);
    if (commandNode && commandText !== null) {
      const start = scalarContentStart(commandNode);
      const tokenized = tokenizeCommandLine(commandText, { file, positionOf: (offset) => yaml.positionOf(start + offset), escapes: "shell", variables: "shell" });
      diagnostics.push(...tokenized.diagnostics);
      command = {
        form: "string",
        location: yaml.locate(commandNode),
        words: tokenized.words.map((w) => ({ text: w.text, location: w.location, ...(w.spans ? { spans: w.spans } : {}), ...(w.hasTemplate || w.hasVariables ? { opaque: true } : {}) })),
      };
    } else if (commandNode) {
      const words: ArgvItem[] = [];
      for (const item of seqItems(commandNode)) {
        const textValue = scalarText(item);
        if (textValue !== null) words.push({ text: textValue, location: yaml.locate(item), ...(/\$\{?\w/u.test(textValue) ? { opaque: true } : {}) });
      }
      command = { form: "list", location: yaml.locate(commandNode), words };
    }
    const ports: ComposePort[] = [];
    for (const item of seqItems(mapGet(value, "ports"))) {
      const short = scalarText(item);
      if (short !== null) {
        const parsed = parseShortPort(short);
        if (parsed) ports.push({ ...parsed, location: yaml.locate(item) });
        else diagnostics.push({ severity: "note", code: "compose-port-syntax", message: `'${short}' is not a port mapping stacklint understands`, file, line: yaml.locate(item).line, column: yaml.locate(item).column });
        continue;
      }
      const target = Number(scalarText(mapGet(item, "target")));
      const published = scalarText(mapGet(item, "published"));
      if (!Number.isInteger(target)) continue;
      ports.push({
        hostAddress: scalarText(mapGet(item, "host_ip")),
        hostPort: published !== null && /^\d+$/u.test(published) ? Number(published) : null,
        containerPort: target,
        protocol: scalarText(mapGet(item, "protocol")) === "udp" ? "udp" : "tcp",
        location: yaml.locate(item),
      });
    }
    const networkNode = mapGet(value, "network_mode");
    const network = scalarText(networkNode);
    const nofileNode = mapGet(mapGet(value, "ulimits"), "nofile");
    const nofileText = scalarText(nofileNode) ?? scalarText(mapGet(nofileNode, "soft"));
    const nofileAt = scalarText(nofileNode) !== null ? nofileNode : mapGet(nofileNode, "soft");
    const environment: ComposeService["environment"] = [];
    const environmentNode = mapGet(value, "environment");
    for (const item of seqItems(environmentNode)) {
      const pair = scalarText(item);
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) environment.push({ name: pair.slice(0, eq), value: pair.slice(eq + 1), location: yaml.locate(item) });
    }
    for (const entry of mapEntries(environmentNode)) environment.push({ name: entry.key, value: scalarText(entry.value) ?? "", location: yaml.locate(entry.value ?? entry.keyNode) });
    services.push({
      name: key,
      location: yaml.locate(keyNode),
      image,
      command,
      ports,
      networkMode: network !== null && networkNode ? { value: network, location: yaml.locate(networkNode) } : null,
      nofile: nofileText !== null && /^\d+$/u.test(nofileText) && nofileAt ? { value: Number(nofileText), location: yaml.locate(nofileAt) } : null,
      environment,
    });
  }
  if (yaml.root && !mapKeyNode(yaml.root, "services") && diagnostics.length === 0) {
    diagnostics.push({ severity: "note", code: "compose-no-services", message: "no `services:` in this compose file", file, line: 1, column: 1 });
  }
  return { file, services, diagnostics };
}

/** `11211`, `11211:11211`, `127.0.0.1:11211:11211`, `[::1]:11211:11211`, `33211-33213:11211/udp`. */
export function parseShortPort(text: string): Omit<ComposePort, "location"> | null {
  let rest = text.trim();
  let protocol: "tcp" | "udp" = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash > 0) {
    protocol = rest.slice(slash + 1) === "udp" ? "udp" : "tcp";
    rest = rest.slice(0, slash);
  }
  let hostAddress: string | null = null;
  const bracket = /^\[([^\]]+)\]:(.*)$/u.exec(rest);
  if (bracket) {
    hostAddress = bracket[1]!;
    rest = bracket[2]!;
  }
  const parts = rest.split(":");
  if (!bracket && parts.length === 3) hostAddress = parts.shift()!;
  const firstPort = (p: string) => (/^\d+(-\d+)?$/u.test(p) ? Number(p.split("-")[0]) : null);
  if (parts.length === 1) {
    const port = firstPort(parts[0]!);
    return port === null ? null : { hostAddress: null, hostPort: null, containerPort: port, protocol };
  }
  if (parts.length !== 2) return null;
  const container = firstPort(parts[1]!);
  if (container === null) return null;
  return { hostAddress, hostPort: parts[0] === "" ? null : firstPort(parts[0]!), containerPort: container, protocol };
}

/** Whether a node is worth treating as memcached (its image or its command names memcached). */
export function isMemcachedService(service: ComposeService): boolean {
  if (service.image && /(^|\/)memcached(:|@|$)/u.test(service.image)) return true;
  return service.command?.words.some((w) => /(^|\/)memcached$/u.test(w.text)) ?? false;
}

export type { Node };
