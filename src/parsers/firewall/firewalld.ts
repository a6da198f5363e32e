import type { Diagnostic } from "../../model/diagnostic.js";
import type { SourceLocation } from "../../model/source.js";
import type { AddressRange } from "../../model/firewall/addresses.js";
import { parseCidr } from "../../model/firewall/addresses.js";
import type {
  FirewalldPort,
  FirewalldRuleset,
  FirewalldService,
  FirewalldSource,
  FirewalldZone,
  Located,
  NumberRange,
  PacketFamily,
  RichRule,
  RichRuleAddress,
  RichRuleElement,
} from "../../model/firewall/ruleset.js";
import { diagnostic, parsePortRange, span, textLines } from "./common.js";
import type { XmlElement } from "./xml.js";
import { parseXml } from "./xml.js";

/**
 * firewalld configuration: zone XML (`/etc/firewalld/zones/NAME.xml`, firewalld.zone(5)),
 * service XML (`/etc/firewalld/services/NAME.xml`, firewalld.service(5)), rich rules
 * (firewalld.richlanguage(5)), `firewall-cmd --list-all-zones` / `--list-all` output, and
 * `DefaultZone` from firewalld.conf.
 */
export interface FirewalldParseResult {
  readonly ruleset: FirewalldRuleset;
  readonly diagnostics: Diagnostic[];
}

function baseName(file: string): string {
  const name = file.split("/").pop() ?? file;
  return name.replace(/\.xml$/u, "");
}

function emptyRuleset(format: FirewalldRuleset["format"], file: string): FirewalldRuleset {
  return { kind: "firewalld", format, file, zones: [], defaultZone: null, services: [] };
}

function portsOf(text: string): NumberRange | null {
  return parsePortRange(text, "-");
}

function address(text: string): { address?: AddressRange; other?: string } {
  const range = parseCidr(text);
  return range ? { address: range } : { other: text };
}

// ---------------------------------------------------------------------------------------------
// zone XML

export function parseFirewalldZoneXml(file: string, text: string, zoneName = baseName(file)): FirewalldParseResult {
  const diagnostics: Diagnostic[] = [];
  const parsed = parseXml(file, text);
  if (parsed.error) diagnostics.push(diagnostic("error", "firewalld-xml-syntax", parsed.error.message, file, parsed.error.line, parsed.error.column));
  const root = parsed.root;
  if (!root || root.name !== "zone") {
    if (root) diagnostics.push(diagnostic("error", "firewalld-not-a-zone", `root element is <${root.name}>, not <zone>`, file, root.location.line, root.location.column));
    return { ruleset: emptyRuleset("firewalld-zone-xml", file), diagnostics };
  }
  const attr = (e: XmlElement, name: string) => e.attributes.get(name);
  const targetAttr = attr(root, "target");
  const interfaces: Located<string>[] = [];
  const sources: FirewalldSource[] = [];
  const services: Located<string>[] = [];
  const ports: FirewalldPort[] = [];
  const protocols: Located<string>[] = [];
  const sourcePorts: FirewalldPort[] = [];
  const forwardPorts: FirewalldPort[] = [];
  const richRules: RichRule[] = [];
  const warn = (e: XmlElement, message: string) => diagnostics.push(diagnostic("warning", "firewalld-zone", message, file, e.location.line, e.location.column));

  const portOf = (e: XmlElement, target: FirewalldPort[]) => {
    const port = attr(e, "port")?.value ?? "";
    const protocol = attr(e, "protocol")?.value ?? "";
    const range = portsOf(port);
    if (!range || !protocol) {
      warn(e, `<${e.name}> needs a port (or range) and a protocol`);
      return;
    }
    target.push({ ports: range, protocol, location: e.location });
  };

  for (const child of root.children) {
    switch (child.name) {
      case "short":
      case "description":
      case "icmp-block":
      case "icmp-block-inversion":
      case "masquerade":
      case "forward":
        break;
      case "interface": {
        const name = attr(child, "name")?.value;
        if (name) interfaces.push({ value: name, location: child.location });
        else warn(child, "<interface> without a name");
        break;
      }
      case "source": {
        const text = attr(child, "address")?.value ?? (attr(child, "mac") ? `mac:${attr(child, "mac")!.value}` : attr(child, "ipset") ? `ipset:${attr(child, "ipset")!.value}` : "");
        if (!text) {
          warn(child, "<source> without address, mac or ipset");
          break;
        }
        const range = attr(child, "address") ? parseCidr(text) : null;
        sources.push({ ...(range ? { address: range } : { other: text }), text, location: child.location });
        break;
      }
      case "service": {
        const name = attr(child, "name")?.value;
        if (name) services.push({ value: name, location: child.location });
        else warn(child, "<service> without a name");
        break;
      }
      case "port":
        portOf(child, ports);
        break;
      case "source-port":
        portOf(child, sourcePorts);
        break;
      case "forward-port":
        portOf(child, forwardPorts);
        break;
      case "protocol": {
        const value = attr(child, "value")?.value;
        if (value) protocols.push({ value, location: child.location });
        break;
      }
      case "rule":
        richRules.push(richRuleFromXml(child));
        break;
      default:
        diagnostics.push(diagnostic("note", "firewalld-zone", `<${child.name}> is not evaluated`, file, child.location.line, child.location.column));
    }
  }
  const zone: FirewalldZone = {
    name: zoneName,
    location: root.location,
    target: targetAttr?.value ?? "default",
    targetLocation: targetAttr?.location ?? root.location,
    interfaces,
    sources,
    services,
    ports,
    protocols,
    sourcePorts,
    forwardPorts,
    richRules,
  };
  return { ruleset: { ...emptyRuleset("firewalld-zone-xml", file), zones: [zone] }, diagnostics };
}

function richRuleFromXml(e: XmlElement): RichRule {
  const attr = (el: XmlElement, name: string) => el.attributes.get(name)?.value;
  const familyText = attr(e, "family");
  const family: PacketFamily | undefined = familyText === "ipv4" ? "ipv4" : familyText === "ipv6" ? "ipv6" : undefined;
  const priority = Number(attr(e, "priority") ?? "0");
  const parts: string[] = [`rule${familyText ? ` family="${familyText}"` : ""}${attr(e, "priority") ? ` priority="${attr(e, "priority")}"` : ""}`];
  let source: RichRuleAddress | undefined;
  let destination: RichRuleAddress | undefined;
  let element: RichRuleElement | undefined;
  let action: RichRule["action"];
  let notUnderstood: string | undefined;
  const invert = (el: XmlElement) => /^(yes|true)$/iu.test(attr(el, "invert") ?? "");
  for (const child of e.children) {
    switch (child.name) {
      case "source":
      case "destination": {
        const text = attr(child, "address") ?? (attr(child, "mac") ? `mac:${attr(child, "mac")}` : attr(child, "ipset") ? `ipset:${attr(child, "ipset")}` : "");
        const value: RichRuleAddress = { ...(attr(child, "address") ? address(text) : { other: text }), invert: invert(child), text };
        if (child.name === "source") source = value;
        else destination = value;
        parts.push(`${child.name} ${value.invert ? "NOT " : ""}address="${text}"`);
        break;
      }
      case "service":
        element = { kind: "service", name: attr(child, "name") ?? "" };
        parts.push(`service name="${attr(child, "name") ?? ""}"`);
        break;
      case "port":
      case "source-port":
      case "forward-port": {
        const range = portsOf(attr(child, "port") ?? "");
        const protocol = attr(child, "protocol") ?? "";
        if (!range || !protocol) notUnderstood = `<${child.name}> without a port or protocol`;
        else element = { kind: child.name, ports: range, protocol };
        parts.push(`${child.name} port="${attr(child, "port") ?? ""}" protocol="${protocol}"`);
        break;
      }
      case "protocol":
        element = { kind: "protocol", protocol: attr(child, "value") ?? "" };
        parts.push(`protocol value="${attr(child, "value") ?? ""}"`);
        break;
      case "icmp-block":
      case "icmp-type":
        element = { kind: "icmp", name: attr(child, "name") ?? "" };
        parts.push(`${child.name} name="${attr(child, "name") ?? ""}"`);
        break;
      case "masquerade":
        element = { kind: "other", name: "masquerade" };
        parts.push("masquerade");
        break;
      case "log":
      case "nflog":
      case "audit":
        parts.push(child.name);
        break;
      case "accept":
      case "reject":
      case "drop":
      case "mark":
        action = child.name;
        parts.push(child.name);
        if (child.children.some((c) => c.name === "limit")) notUnderstood = `${child.name} with a rate limit`;
        break;
      default:
        notUnderstood = `<${child.name}> in a rich rule`;
    }
  }
  return {
    location: e.location,
    text: parts.join(" "),
    ...(family ? { family } : {}),
    priority: Number.isFinite(priority) ? priority : 0,
    ...(source ? { source } : {}),
    ...(destination ? { destination } : {}),
    ...(element ? { element } : {}),
    ...(action ? { action } : {}),
    ...(notUnderstood !== undefined ? { notUnderstood } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// service XML

export interface FirewalldServiceParseResult {
  readonly service: FirewalldService | null;
  readonly diagnostics: Diagnostic[];
}

export function parseFirewalldServiceXml(file: string, text: string, serviceName = baseName(file)): FirewalldServiceParseResult {
  const diagnostics: Diagnostic[] = [];
  const parsed = parseXml(file, text);
  if (parsed.error) diagnostics.push(diagnostic("error", "firewalld-xml-syntax", parsed.error.message, file, parsed.error.line, parsed.error.column));
  const root = parsed.root;
  if (!root || root.name !== "service") {
    if (root) diagnostics.push(diagnostic("error", "firewalld-not-a-service", `root element is <${root.name}>, not <service>`, file, root.location.line, root.location.column));
    return { service: null, diagnostics };
  }
  const ports: { ports: NumberRange; protocol: string }[] = [];
  const protocols: string[] = [];
  const destinations: AddressRange[] = [];
  const includes: string[] = [];
  for (const child of root.children) {
    const get = (name: string) => child.attributes.get(name)?.value;
    if (child.name === "port") {
      const range = portsOf(get("port") ?? "");
      const protocol = get("protocol");
      // An empty port with a protocol means the whole protocol (firewalld.service(5)).
      if ((get("port") ?? "") === "" && protocol) protocols.push(protocol);
      else if (range && protocol) ports.push({ ports: range, protocol });
      else diagnostics.push(diagnostic("warning", "firewalld-service", "<port> needs a port and a protocol", file, child.location.line, child.location.column));
    } else if (child.name === "protocol") {
      const value = get("value");
      if (value) protocols.push(value);
    } else if (child.name === "destination") {
      for (const key of ["ipv4", "ipv6"]) {
        const value = get(key);
        if (value === undefined) continue;
        const range = parseCidr(value);
        if (range) destinations.push(range);
        else diagnostics.push(diagnostic("warning", "firewalld-service", `destination ${value} is not an address`, file, child.location.line, child.location.column));
      }
    } else if (child.name === "include") {
      const name = get("service");
      if (name) includes.push(name);
    }
  }
  return { service: { name: serviceName, ports, protocols, destinations, includes, origin: root.location }, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// rich rule text

/** One rich rule as `firewall-cmd` prints it (`rule family="ipv4" source address="…" port port="…" protocol="tcp" accept`). */
export function parseRichRuleText(text: string, location: SourceLocation): RichRule {
  const tokens: { key: string; value?: string }[] = [];
  const re = /([A-Za-z-]+)(?:="([^"]*)")?/gu;
  for (let m = re.exec(text); m; m = re.exec(text)) tokens.push(m[2] === undefined ? { key: m[1]! } : { key: m[1]!, value: m[2] });
  let family: PacketFamily | undefined;
  let priority = 0;
  let source: RichRuleAddress | undefined;
  let destination: RichRuleAddress | undefined;
  let element: RichRuleElement | undefined;
  let action: RichRule["action"];
  let notUnderstood: string | undefined;
  let i = 0;
  const valueOf = (key: string): string | undefined => {
    const t = tokens[i];
    if (t?.key === key && t.value !== undefined) {
      i++;
      return t.value;
    }
    return undefined;
  };
  if (tokens[0]?.key !== "rule") notUnderstood = "does not start with `rule`";
  else i = 1;
  while (i < tokens.length && notUnderstood === undefined) {
    const t = tokens[i]!;
    if (t.key === "family" && t.value !== undefined) {
      family = t.value === "ipv6" ? "ipv6" : "ipv4";
      i++;
    } else if (t.key === "priority" && t.value !== undefined) {
      priority = Number(t.value) || 0;
      i++;
    } else if ((t.key === "source" || t.key === "destination") && t.value === undefined) {
      i++;
      let invert = false;
      if (tokens[i]?.key.toLowerCase() === "not" && tokens[i]?.value === undefined) {
        invert = true;
        i++;
      }
      const which = tokens[i];
      if (!which || which.value === undefined) {
        notUnderstood = `${t.key} without a value`;
        break;
      }
      i++;
      const textValue = which.key === "address" ? which.value : `${which.key}:${which.value}`;
      // `invert="True"` may also follow (firewalld accepts both forms).
      if (tokens[i]?.key === "invert") invert = /^(yes|true)$/iu.test(valueOf("invert") ?? "");
      const value: RichRuleAddress = { ...(which.key === "address" ? address(which.value) : { other: textValue }), invert, text: textValue };
      if (t.key === "source") source = value;
      else destination = value;
    } else if (t.key === "service") {
      i++;
      element = { kind: "service", name: valueOf("name") ?? "" };
    } else if (t.key === "port" || t.key === "source-port" || t.key === "forward-port") {
      i++;
      let port: string | undefined;
      let protocol: string | undefined;
      while (tokens[i]?.value !== undefined && ["port", "protocol", "to-port", "to-addr"].includes(tokens[i]!.key)) {
        if (tokens[i]!.key === "port") port = tokens[i]!.value;
        if (tokens[i]!.key === "protocol") protocol = tokens[i]!.value;
        i++;
      }
      const range = portsOf(port ?? "");
      if (!range || !protocol) notUnderstood = `${t.key} without a port or protocol`;
      else element = { kind: t.key, ports: range, protocol };
    } else if (t.key === "protocol") {
      i++;
      element = { kind: "protocol", protocol: valueOf("value") ?? "" };
    } else if (t.key === "icmp-block" || t.key === "icmp-type") {
      i++;
      element = { kind: "icmp", name: valueOf("name") ?? "" };
    } else if (t.key === "masquerade") {
      i++;
      element = { kind: "other", name: "masquerade" };
    } else if (t.key === "log" || t.key === "nflog" || t.key === "audit") {
      i++;
      while (tokens[i]?.value !== undefined && ["prefix", "level", "group", "queue-size"].includes(tokens[i]!.key)) i++;
      if (tokens[i]?.key === "limit") {
        i++;
        valueOf("value");
        if (tokens[i]?.key === "burst") i++; // `burst=N` (unquoted number)
      }
    } else if (t.key === "accept" || t.key === "reject" || t.key === "drop" || t.key === "mark") {
      action = t.key;
      i++;
      while (tokens[i]?.value !== undefined && ["type", "set"].includes(tokens[i]!.key)) i++;
      if (tokens[i]?.key === "limit") notUnderstood = `${t.key} with a rate limit`;
    } else {
      notUnderstood = `\`${t.key}\``;
    }
  }
  return {
    location,
    text: text.trim(),
    ...(family ? { family } : {}),
    priority,
    ...(source ? { source } : {}),
    ...(destination ? { destination } : {}),
    ...(element ? { element } : {}),
    ...(action ? { action } : {}),
    ...(notUnderstood !== undefined ? { notUnderstood } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// firewall-cmd --list-all-zones

/**
 * `firewall-cmd --list-all-zones` / `--list-all` output (firewall-cmd `print_zone_info`): a zone
 * line `NAME [(default, active)]`, then indented `key: values` lines; rich rules (and, in newer
 * versions, forward ports) on tab-indented lines after their key.
 */
export function parseFirewalldListAllZones(file: string, text: string): FirewalldParseResult {
  const diagnostics: Diagnostic[] = [];
  const zones: FirewalldZone[] = [];
  let defaultZone: FirewalldRuleset["defaultZone"] = null;
  type Mutable = {
    -readonly [K in keyof FirewalldZone]: FirewalldZone[K] extends readonly (infer T)[] ? T[] : FirewalldZone[K];
  };
  let zone: Mutable | null = null;
  let listKey: string | null = null;

  const finish = () => {
    if (zone) zones.push(zone);
    zone = null;
  };

  textLines(text).forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === "") {
      listKey = null;
      return;
    }
    const header = /^(\S+)(?:\s+\(([^)]*)\))?\s*$/u.exec(raw);
    if (header && !raw.startsWith(" ") && !raw.startsWith("\t")) {
      finish();
      const name = header[1]!;
      const location = span(file, lineNo, 1, name.length);
      zone = {
        name,
        location,
        target: "default",
        targetLocation: location,
        interfaces: [],
        sources: [],
        services: [],
        ports: [],
        protocols: [],
        sourcePorts: [],
        forwardPorts: [],
        richRules: [],
      };
      if (header[2]?.split(",").map((s) => s.trim()).includes("default")) defaultZone = { name, location };
      listKey = null;
      return;
    }
    const current = zone as Mutable | null;
    if (!current) {
      diagnostics.push(diagnostic("warning", "firewalld-list-syntax", "line before any zone name", file, lineNo, 1));
      return;
    }
    if (raw.startsWith("\t") && listKey) {
      const item = raw.trim();
      const column = raw.indexOf(item) + 1;
      const location = span(file, lineNo, column, item.length);
      if (listKey === "rich rules") current.richRules.push(parseRichRuleText(item, location));
      else if (listKey === "forward-ports") addForwardPort(current.forwardPorts, item, location, diagnostics, file, lineNo);
      return;
    }
    // The key starts with a letter: with `[a-z -]+` the indentation and the key both took
    // spaces, and a long indented line without ':' backtracked quadratically.
    const kv = /^\s+([a-z][a-z -]*):(.*)$/u.exec(raw);
    if (!kv) {
      diagnostics.push(diagnostic("warning", "firewalld-list-syntax", `line not read: ${JSON.stringify(raw.trim().slice(0, 60))}`, file, lineNo, 1));
      return;
    }
    const key = kv[1]!;
    const valueText = kv[2]!;
    const valueColumn = raw.length - valueText.length + 1;
    listKey = key;
    const items: { text: string; location: SourceLocation }[] = [];
    const re = /\S+/gu;
    for (let m = re.exec(valueText); m; m = re.exec(valueText)) items.push({ text: m[0], location: span(file, lineNo, valueColumn + m.index, m[0].length) });
    switch (key) {
      case "target":
        if (items[0]) {
          current.target = items[0].text;
          current.targetLocation = items[0].location;
        }
        break;
      case "interfaces":
        for (const item of items) current.interfaces.push({ value: item.text, location: item.location });
        break;
      case "sources":
        for (const item of items) current.sources.push({ ...(item.text.includes(":") && !parseCidr(item.text) ? { other: item.text } : address(item.text)), text: item.text, location: item.location });
        break;
      case "services":
        for (const item of items) current.services.push({ value: item.text, location: item.location });
        break;
      case "ports":
      case "source-ports":
        for (const item of items) {
          const [port, protocol] = item.text.split("/");
          const range = portsOf(port ?? "");
          if (!range || !protocol) {
            diagnostics.push(diagnostic("warning", "firewalld-list-syntax", `cannot read port ${item.text}`, file, lineNo, item.location.column));
            continue;
          }
          (key === "ports" ? current.ports : current.sourcePorts).push({ ports: range, protocol, location: item.location });
        }
        break;
      case "protocols":
        for (const item of items) current.protocols.push({ value: item.text, location: item.location });
        break;
      case "forward-ports":
        for (const item of items) addForwardPort(current.forwardPorts, item.text, item.location, diagnostics, file, lineNo);
        break;
      case "rich rules":
        if (valueText.trim() !== "") current.richRules.push(parseRichRuleText(valueText.trim(), span(file, lineNo, valueColumn + valueText.indexOf(valueText.trim()), valueText.trim().length)));
        break;
      default:
        break; // summary, description, icmp-block-inversion, masquerade, forward, icmp-blocks, priorities
    }
  });
  finish();
  return { ruleset: { kind: "firewalld", format: "firewalld-list-all-zones", file, zones, defaultZone, services: [] }, diagnostics };
}

function addForwardPort(target: FirewalldPort[], text: string, location: SourceLocation, diagnostics: Diagnostic[], file: string, line: number): void {
  const port = /(?:^|:)port=([^:]+)/u.exec(text)?.[1];
  const protocol = /proto=([^:]+)/u.exec(text)?.[1];
  const range = port ? portsOf(port) : null;
  if (!range || !protocol) {
    diagnostics.push(diagnostic("warning", "firewalld-list-syntax", `cannot read forward port ${text}`, file, line, location.column));
    return;
  }
  target.push({ ports: range, protocol, location });
}

// ---------------------------------------------------------------------------------------------
// firewalld.conf and merging

/** `DefaultZone=NAME` from /etc/firewalld/firewalld.conf. */
export function parseFirewalldConf(file: string, text: string): { defaultZone: { name: string; location: SourceLocation } | null } {
  let found: { name: string; location: SourceLocation } | null = null;
  textLines(text).forEach((raw, index) => {
    const m = /^\s*DefaultZone\s*=\s*(\S+)\s*$/u.exec(raw);
    if (m) found = { name: m[1]!, location: span(file, index + 1, raw.indexOf(m[1]!) + 1, m[1]!.length) };
  });
  return { defaultZone: found };
}

/**
 * One firewalld configuration from several files: zones by name (a later file wins, so pass
 * `/usr/lib/firewalld` files before `/etc/firewalld` ones), custom services, the default zone.
 */
export function mergeFirewalld(
  file: string,
  rulesets: readonly FirewalldRuleset[],
  extra: { services?: readonly FirewalldService[]; defaultZone?: { name: string; location: SourceLocation } | null } = {},
): FirewalldRuleset {
  const zones = new Map<string, FirewalldZone>();
  const services = new Map<string, FirewalldService>();
  let defaultZone: FirewalldRuleset["defaultZone"] = null;
  for (const ruleset of rulesets) {
    for (const zone of ruleset.zones) zones.set(zone.name, zone);
    for (const service of ruleset.services) services.set(service.name, service);
    defaultZone = ruleset.defaultZone ?? defaultZone;
  }
  for (const service of extra.services ?? []) services.set(service.name, service);
  if (extra.defaultZone) defaultZone = extra.defaultZone;
  return {
    kind: "firewalld",
    format: rulesets[0]?.format ?? "firewalld-zone-xml",
    file,
    zones: [...zones.values()],
    defaultZone,
    services: [...services.values()],
  };
}
