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
   * `image` after Compose's interpolation as far as the inputs allow (variables from `.env`;
   * `${VAR:-default}` and `${VAR-default}` take the default when `.env` lacks VAR: stacklint does
   * not read the shell); null when a variable nobody sets and without a default decides it.
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

/**
 * `dotEnv`: the `.env` of the project directory (the compose file's folder), whose variables
 * Compose substitutes in every value; here in `image`, `command`, `entrypoint`, `ports` and
 * `environment`.
 */
export function parseCompose(file: string, text: string, dotEnv?: ComposeDotEnv): ComposeFile {
  const yaml = parseYamlFile(file, text);
  const diagnostics = [...yaml.diagnostics];
  const services: ComposeService[] = [];
  const variables = dotEnv?.values;
  const usage = new Map<string, { fromDotEnv: Set<string>; defaulted: Set<string> }>();
  for (const { key, keyNode, value } of mapEntries(mapGet(yaml.root, "services"))) {
    const used = { fromDotEnv: new Set<string>(), defaulted: new Set<string>() };
    usage.set(key, used);
    const interpolate = (written: string): Interpolation => {
      const result = interpolateComposeDetailed(written, variables);
      if (result.value !== null) {
        for (const v of result.fromDotEnv) used.fromDotEnv.add(v);
        for (const v of result.defaulted) used.defaulted.add(v);
      }
      return result;
    };
    const resolved = (written: string | null): string | null => (written === null ? null : (interpolate(written).value ?? written));
    const image = scalarText(mapGet(value, "image"));
    const imageResolved = image === null ? null : interpolate(image).value;
    const readCommand = (node: Node | null): ComposeCommand | null => {
      if (!node) return null;
      const written = scalarText(node);
      if (written !== null) {
        // Compose interpolates the value, then splits a string command like a shell would
        // (shlex), without running a shell; positions map back to what was written.
        const writtenPositionOf = yaml.scalarPositionOf(node);
        const interpolated = interpolate(written);
        const useInterpolated = interpolated.value !== null && interpolated.substituted;
        const whole = useInterpolated ? interpolated.value! : written;
        const positionOf = useInterpolated ? (offset: number) => writtenPositionOf(interpolated.offsets[offset] ?? written.length) : writtenPositionOf;
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
        if (textValue === null) continue;
        const interpolated = interpolate(textValue);
        const itemPosition = yaml.scalarPositionOf(item);
        if (interpolated.value !== null && interpolated.substituted) {
          const offsets = interpolated.offsets;
          words.push({ text: interpolated.value, location: yaml.locate(item), positionOf: (offset: number) => itemPosition(offsets[offset] ?? textValue.length) });
        } else words.push({ text: textValue, location: yaml.locate(item), positionOf: itemPosition, ...(/\$\{?\w/u.test(textValue) ? { opaque: true } : {}) });
      }
      return { form: "list", location: yaml.locate(node), words };
    };
    const command = readCommand(mapGet(value, "command"));
    const entrypoint = readCommand(mapGet(value, "entrypoint"));
    const ports: ComposePort[] = [];
    for (const item of seqItems(mapGet(value, "ports"))) {
      const short = resolved(scalarText(item));
      if (short !== null) {
        const parsed = parseShortPort(short);
        if (parsed) ports.push({ ...parsed, location: yaml.locate(item) });
        else diagnostics.push({ severity: "note", code: "compose-port-syntax", message: `'${short}' is not a port mapping stacklint understands`, file, line: yaml.locate(item).line, column: yaml.locate(item).column });
        continue;
      }
      const target = Number(resolved(scalarText(mapGet(item, "target"))));
      const published = resolved(scalarText(mapGet(item, "published")));
      if (!Number.isInteger(target)) continue;
      ports.push({
        hostAddress: resolved(scalarText(mapGet(item, "host_ip"))),
        hostPort: published !== null && /^\d+$/u.test(published) ? Number(published) : null,
        containerPort: target,
        protocol: resolved(scalarText(mapGet(item, "protocol"))) === "udp" ? "udp" : "tcp",
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
      if (pair && eq > 0) environment.push({ name: pair.slice(0, eq), value: resolved(pair.slice(eq + 1))!, location: yaml.locate(item) });
    }
    for (const entry of mapEntries(environmentNode)) environment.push({ name: entry.key, value: resolved(scalarText(entry.value)) ?? "", location: yaml.locate(entry.value ?? entry.keyNode) });
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
    if (!isMemcachedService(service)) continue;
    const at = service.location;
    const used = usage.get(service.name)!;
    const names = (set: Iterable<string>) => [...set].map((v) => `$${v}`).join(", ");
    if (service.image !== null && service.image !== service.imageResolved) {
      const imageVariables = [...service.image.matchAll(/\$\{?(\w+)/gu)].map((m) => m[1]!).filter((v, i, all) => all.indexOf(v) === i);
      const defaulted = imageVariables.filter((v) => !variables?.has(v));
      if (service.imageResolved === null || defaulted.length > 0) {
        diagnostics.push({
          severity: "note",
          code: "compose-image-variable",
          message:
            service.imageResolved === null
              ? `service '${service.name}' takes its image from ${names(imageVariables)}, which the inputs do not set; stacklint reads it as memcached by its name and command`
              : `service '${service.name}' has image '${service.image}': ${names(defaulted)} is not in the inputs (stacklint reads ${dotEnv ? `${dotEnv.file} but not the shell` : "no .env beside the compose file, and not the shell"}), so its default '${service.imageResolved}' is assumed`,
          file,
          line: at.line,
          column: at.column,
        });
      }
    }
    if (dotEnv && used.fromDotEnv.size > 0) {
      // Names and lines only: a value may be a password.
      const lines = [...used.fromDotEnv].map((v) => `${v} line ${dotEnv.values.get(v)!.line}`).join(", ");
      diagnostics.push({
        severity: "note",
        code: "compose-env-variables",
        message: `service '${service.name}' takes ${names(used.fromDotEnv)} from ${dotEnv.file} (${lines}); Compose would prefer the same variables from the shell's environment, which stacklint does not read`,
        file,
        line: at.line,
        column: at.column,
      });
    }
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

/** Variables Compose takes from `.env` in the project directory, each with its line. */
export interface ComposeDotEnv {
  readonly file: string;
  readonly values: ReadonlyMap<string, { readonly value: string; readonly line: number }>;
  readonly diagnostics: Diagnostic[];
}

export interface Interpolation {
  /** The value, or null when a variable nobody sets (or `:?`) decides it. */
  readonly value: string | null;
  /** For every offset of `value` (and its end), the offset in the written text it comes from. */
  readonly offsets: number[];
  /** Variables whose value came from `.env`. */
  readonly fromDotEnv: string[];
  /** Variables unset in `.env` whose default was taken. */
  readonly defaulted: string[];
  /** Whether any `${…}`/`$VAR` was replaced (`$$` alone is not a substitution). */
  readonly substituted: boolean;
}

/**
 * Compose's interpolation of a value (compose-spec interpolation.md): `$$` is a literal `$`;
 * `${VAR}` / `$VAR` is the variable's value; `${VAR:-d}` gives `d` when VAR is unset or empty,
 * `${VAR-d}` only when unset; `${VAR:+x}` gives `x` when VAR is set and not empty, `${VAR+x}`
 * when set, else ""; `${VAR:?err}` / `${VAR?err}` fail the same way. Variables come only from
 * `.env` (`dotEnv`): the shell's environment, which Compose would prefer, is not an input, so a
 * variable `.env` lacks is unset when it has a default and unknown (null) when it has none.
 */
export function interpolateComposeDetailed(text: string, dotEnv?: ComposeDotEnv["values"]): Interpolation {
  let out = "";
  const offsets: number[] = [];
  const fromDotEnv: string[] = [];
  const defaulted: string[] = [];
  let substituted = false;
  const unknown = (): Interpolation => ({ value: null, offsets: [], fromDotEnv, defaulted, substituted });
  const emit = (textOut: string, from: number) => {
    for (let k = 0; k < textOut.length; k++) offsets.push(from);
    out += textOut;
  };
  const lookup = (name: string): string | undefined => {
    const found = dotEnv?.get(name);
    if (found !== undefined && !fromDotEnv.includes(name)) fromDotEnv.push(name);
    return found?.value;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== "$") {
      offsets.push(i);
      out += ch;
      continue;
    }
    if (text[i + 1] === "$") {
      emit("$", i);
      i++;
      continue;
    }
    if (text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close < 0) return unknown();
      const m = /^(\w+)(?:(:?)([-+?])(.*))?$/su.exec(text.slice(i + 2, close));
      if (!m) return unknown();
      substituted = true;
      const [, name, colon, op, arg] = m;
      const value = lookup(name!);
      const set = value !== undefined && (colon !== ":" || value !== "");
      if (op === undefined) {
        if (value === undefined) return unknown();
        emit(value, i);
      } else if (op === "-") {
        if (set) emit(value!, i);
        else {
          if (!defaulted.includes(name!)) defaulted.push(name!);
          emit(arg ?? "", i);
        }
      } else if (op === "+") {
        emit(set ? (arg ?? "") : "", i);
      } else {
        if (!set) return unknown();
        emit(value!, i);
      }
      i = close;
      continue;
    }
    const bare = /^\w+/u.exec(text.slice(i + 1));
    if (bare) {
      substituted = true;
      const value = lookup(bare[0]);
      if (value === undefined) return unknown();
      emit(value, i);
      i += bare[0].length;
      continue;
    }
    emit("$", i);
  }
  offsets.push(text.length);
  return { value: out, offsets, fromDotEnv, defaulted, substituted };
}

export function interpolateCompose(text: string, dotEnv?: ComposeDotEnv["values"]): string | null {
  return interpolateComposeDetailed(text, dotEnv).value;
}

/**
 * Compose's `.env` (compose-go dotenv): `KEY=VALUE` per line, optional `export `, `#` comment
 * lines; a single-quoted value is literal, a double-quoted one decodes `\n`, `\t`, `\"` and
 * `\\` and is interpolated, an unquoted one ends at ` #` and is trimmed and interpolated, from
 * the variables above it.
 */
export function parseComposeDotEnv(file: string, text: string): ComposeDotEnv {
  const values = new Map<string, { value: string; line: number }>();
  const diagnostics: Diagnostic[] = [];
  const lines = text.split(/\r?\n/u);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/su.exec(line);
    if (!m) {
      diagnostics.push({ severity: "note", code: "compose-env-syntax", message: "not a KEY=VALUE line; Compose would refuse this .env", file, line: index + 1, column: 1 });
      continue;
    }
    const raw = m[2]!;
    let value: string | null;
    if (raw.startsWith("'")) {
      const close = raw.indexOf("'", 1);
      value = close < 0 ? null : raw.slice(1, close);
    } else if (raw.startsWith('"')) {
      let decoded = "";
      let k = 1;
      for (; k < raw.length && raw[k] !== '"'; k++) {
        if (raw[k] === "\\" && k + 1 < raw.length) {
          const next = raw[++k]!;
          decoded += next === "n" ? "\n" : next === "t" ? "\t" : next === "r" ? "\r" : next;
        } else decoded += raw[k];
      }
      value = k >= raw.length ? null : interpolateCompose(decoded, values);
    } else {
      value = interpolateCompose(raw.replace(/\s+#.*$/su, "").trim(), values);
    }
    if (value === null) {
      diagnostics.push({ severity: "note", code: "compose-env-syntax", message: `the value of ${m[1]} has an unclosed quote or a variable this .env does not set; stacklint leaves ${m[1]} unset`, file, line: index + 1, column: 1 });
      continue;
    }
    values.set(m[1]!, { value, line: index + 1 });
  }
  return { file, values, diagnostics };
}

export type { Node };
