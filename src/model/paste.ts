import type { IniDocument, IniEntry } from "../parsers/ini.js";
import type { Located } from "./source.js";

/**
 * Several files read into one Python ConfigParser (Swift's `proxy-server.conf.d/*.conf`, read in
 * sorted order by `read_conf_dir`): a later file's value for the same section and key wins.
 */
export interface MergedSection {
  readonly name: string;
  readonly header: Located<string>;
  /** Key → winning entry, in first-seen order. */
  readonly options: Map<string, IniEntry>;
}

export interface LayerOverride {
  readonly section: string;
  readonly key: string;
  /** The earlier value, now ignored. */
  readonly earlier: IniEntry;
  /** The later value that wins. */
  readonly later: IniEntry;
}

export interface MergedConfig {
  readonly sections: Map<string, MergedSection>;
  readonly overrides: LayerOverride[];
}

export function mergeLayers(layers: readonly IniDocument[]): MergedConfig {
  const sections = new Map<string, MergedSection>();
  const overrides: LayerOverride[] = [];
  for (const layer of layers) {
    for (const section of layer.sections) {
      let merged = sections.get(section.name);
      if (!merged) {
        merged = { name: section.name, header: { value: section.name, location: section.location }, options: new Map() };
        sections.set(section.name, merged);
      }
      for (const entry of section.entries) {
        const earlier = merged.options.get(entry.key);
        if (earlier && earlier.keyLocation.file !== entry.keyLocation.file && earlier.value !== entry.value) {
          overrides.push({ section: section.name, key: entry.key, earlier, later: entry });
        }
        merged.options.set(entry.key, entry);
      }
    }
  }
  return { sections, overrides };
}

/** One option after paste.deploy: its value and the line it came from. */
export interface PasteValue {
  readonly value: string;
  readonly entry: IniEntry;
  /** `global` = from [DEFAULT] (or a `set`), `local` = the section's own line. */
  readonly scope: "global" | "local";
}

export interface PasteShadow {
  readonly key: string;
  /** The section's own line that paste.deploy skips. */
  readonly local: IniEntry;
  /** The [DEFAULT] line whose value is used instead. */
  readonly global: IniEntry;
}

export interface PasteContext {
  /** `global_conf` updated with `local_conf`: what a paste filter factory receives as conf. */
  readonly conf: Map<string, PasteValue>;
  readonly use?: IniEntry;
  readonly shadows: PasteShadow[];
}

/**
 * The configuration a paste.deploy filter or app receives (Pylons/pastedeploy loadwsgi.py
 * `ConfigLoader.get_context`): `[DEFAULT]` is global_conf; in the section, `set name = v`
 * overrides a global, `get name = g` copies one, and an option whose name also exists in
 * `[DEFAULT]` is skipped ("It's a global option (?), so skip it"). Swift's filter factories then
 * do `conf = global_conf.copy(); conf.update(local_conf)`.
 */
export function pasteContext(merged: MergedConfig, sectionName: string): PasteContext {
  const defaults = merged.sections.get("DEFAULT")?.options ?? new Map<string, IniEntry>();
  const global = new Map<string, PasteValue>();
  for (const [key, entry] of defaults) global.set(key, { value: entry.value, entry, scope: "global" });
  const local = new Map<string, PasteValue>();
  const shadows: PasteShadow[] = [];
  const gets: [string, string, IniEntry][] = [];
  const section = merged.sections.get(sectionName);
  for (const [key, entry] of section?.options ?? []) {
    if (key.startsWith("set ")) {
      global.set(key.slice(4).trim(), { value: entry.value, entry, scope: "global" });
    } else if (key.startsWith("get ")) {
      gets.push([key.slice(4).trim(), entry.value, entry]);
    } else if (defaults.has(key)) {
      shadows.push({ key, local: entry, global: defaults.get(key)! });
    } else {
      local.set(key, { value: entry.value, entry, scope: "local" });
    }
  }
  for (const [localName, globalName, entry] of gets) {
    const source = global.get(globalName);
    if (source) local.set(localName, { value: source.value, entry, scope: "local" });
  }
  const use = local.get("use")?.entry;
  local.delete("use");
  const conf = new Map(global);
  for (const [key, value] of local) conf.set(key, value);
  return { conf, ...(use ? { use } : {}), shadows };
}
