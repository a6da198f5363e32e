import type { Node } from "yaml";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import type { ArgvItem } from "./memcached-args.js";
import { tokenizeCommandLine } from "./memcached-args.js";
import { positionInLocated } from "./systemd-unit.js";
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

/** One argv element of `command` / `entrypoint`, able to locate offsets inside itself (a `sh -c` script). */
export interface ComposeArg extends ArgvItem {
  readonly positionOf: (offset: number) => { line: number; column: number };
}

export interface ComposeCommand {
  readonly words: ComposeArg[];
  readonly form: "string" | "list";
  readonly location: SourceLocation;
}

export interface ComposeService {
  readonly name: string;
  readonly location: SourceLocation;
  /** `image` as written. */
  readonly image: string | null;
  /**
   * `image` after Compose's interpolation as far as the inputs allow (`${VAR:-default}` and
   * `${VAR-default}` take the default: stacklint does not read the shell or `.env`); null when a
   * variable without a default decides it.
   */
  readonly imageResolved: string | null;
  /** argv after the image's entrypoint; null when the service has no `command`. */
  readonly command: ComposeCommand | null;
  /** `entrypoint`, replacing the image's; null when the service has none. */
  readonly entrypoint: ComposeCommand | null;
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
    const imageResolved = image === null ? null : interpolateCompose(image);
    const readCommand = (node: Node | null): ComposeCommand | null => {
      if (!node) return null;
      const whole = scalarText(node);
      if (whole !== null) {
        // Compose splits a string command like a shell would (shlex), without running a shell.
        const positionOf = yaml.scalarPositionOf(node);
        const tokenized = tokenizeCommandLine(whole, { file, positionOf, escapes: "shell", variables: "shell" });
        diagnostics.push(...tokenized.diagnostics);
        return {
          form: "string",
          location: yaml.locate(node),
          words: tokenized.words.map((w) => ({ text: w.text, location: w.location, positionOf: (offset: number) => positionInLocated(w, offset), ...(w.spans ? { spans: w.spans } : {}), ...(w.hasTemplate || w.hasVariables ? { opaque: true } : {}) })),
        };
      }
      const words: ComposeArg[] = [];
      for (const item of seqItems(node)) {
        const textValue = scalarText(item);
        if (textValue !== null) words.push({ text: textValue, location: yaml.locate(item), positionOf: yaml.scalarPositionOf(item), ...(/\$\{?\w/u.test(textValue) ? { opaque: true } : {}) });
      }
      return { form: "list", location: yaml.locate(node), words };
    };
    const command = readCommand(mapGet(value, "command"));
    const entrypoint = readCommand(mapGet(value, "entrypoint"));
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
      imageResolved,
      command,
      entrypoint,
      ports,
      networkMode: network !== null && networkNode ? { value: network, location: yaml.locate(networkNode) } : null,
      nofile: nofileText !== null && /^\d+$/u.test(nofileText) && nofileAt ? { value: Number(nofileText), location: yaml.locate(nofileAt) } : null,
      environment,
    });
  }
  for (const service of services) {
    if (service.image === null || service.image === service.imageResolved || !isMemcachedService(service)) continue;
    const at = service.location;
    const variables = [...service.image.matchAll(/\$\{?(\w+)/gu)].map((m) => m[1]!).filter((v, i, all) => all.indexOf(v) === i);
    diagnostics.push({
      severity: "note",
      code: "compose-image-variable",
      message:
        service.imageResolved === null
          ? `service '${service.name}' takes its image from ${variables.map((v) => `$${v}`).join(", ")}, which the inputs do not set; stacklint reads it as memcached by its name and command`
          : `service '${service.name}' has image '${service.image}': ${variables.map((v) => `$${v}`).join(", ")} is not in the inputs (stacklint reads neither the shell nor .env), so its default '${service.imageResolved}' is assumed`,
      file,
      line: at.line,
      column: at.column,
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

/**
 * Whether a service is worth treating as memcached: its (interpolated) image is memcached, or
 * its entrypoint/command runs memcached (also inside a `sh -c` script), or, when a variable
 * without a default hides the image, its name says memcached.
 */
export function isMemcachedService(service: ComposeService): boolean {
  if (service.imageResolved && /(^|\/)memcached(:|@|$)/u.test(service.imageResolved)) return true;
  const words = [...(service.entrypoint?.words ?? []), ...(service.command?.words ?? [])];
  if (words.some((w) => /(^|\/)memcached$/u.test(w.text) || /(^|[\s;&|(])(exec\s+)?(\S*\/)?memcached(\s|$)/u.test(w.text))) return true;
  return service.image !== null && service.imageResolved === null && /memcache/iu.test(service.name);
}

/**
 * Compose's interpolation of a value (compose-spec interpolation.md): `$$` is a literal `$`;
 * `${VAR:-d}` / `${VAR-d}` give `d` for an unset variable; `${VAR:+x}` / `${VAR+x}` give ""; a
 * bare `$VAR`, `${VAR}` or `${VAR:?err}` leaves the value unknown (null). No variable is
 * considered set: stacklint sees neither the shell environment nor `.env`.
 */
export function interpolateCompose(text: string): string | null {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== "$") {
      out += ch;
      continue;
    }
    if (text[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    if (text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close < 0) return null;
      const inner = text.slice(i + 2, close);
      const m = /^(\w+)(?::?([-+?])(.*))?$/su.exec(inner);
      if (!m) return null;
      if (m[2] === "-") out += m[3] ?? "";
      else if (m[2] === "+") out += "";
      else return null;
      i = close;
      continue;
    }
    if (/\w/u.test(text[i + 1] ?? "")) return null;
    out += "$";
  }
  return out;
}

export type { Node };
