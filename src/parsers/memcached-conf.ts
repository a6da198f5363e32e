import type { Diagnostic } from "../model/diagnostic.js";
import type { Located, SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";
import type { ArgvItem } from "./memcached-args.js";
import { containsTemplateExpression, maskTemplateStatements, tokenizeCommandLine } from "./memcached-args.js";

/**
 * Debian's `/etc/memcached.conf`, read the way `start-memcached` (memcached:scripts/start-memcached)
 * and Debian's `systemd-memcached-wrapper` (which states it is "heavily based on" it) read it,
 * line by line:
 *
 * - a `#` not preceded by a backslash starts a comment (Perl `s/(?<!\\)\#[^\#]*` + `//g`);
 * - leading and trailing whitespace is stripped, empty lines skipped;
 * - a line starting with `-d` or `-h` is dropped whole (`next if $line =~ /^\-[dh]/`);
 * - a line not starting with `-` is a directive; only `logfile <path>` is known;
 * - the remaining lines are joined with spaces and run as `exec "$memcached $params"`, so the
 *   shell splits them into words.
 *
 * The result is memcached's argv with each word located on its line, for parseMemcachedArgs.
 */
export interface MemcachedConfDirective {
  readonly name: Located<string>;
  readonly argument: Located<string> | null;
}

export interface MemcachedConf {
  readonly file: string;
  /** memcached's argv (program name excluded), in file order. */
  readonly args: ArgvItem[];
  /** Non-option lines: `logfile /var/log/memcached.log`. */
  readonly directives: MemcachedConfDirective[];
  /** Option lines the script drops (`-d`, `-h…`). */
  readonly dropped: Located<string>[];
  readonly diagnostics: Diagnostic[];
}

const KNOWN_DIRECTIVES = new Set(["logfile"]);

export function parseMemcachedConf(file: string, text: string): MemcachedConf {
  const diagnostics: Diagnostic[] = [];
  const args: ArgvItem[] = [];
  const directives: MemcachedConfDirective[] = [];
  const dropped: Located<string>[] = [];
  const masked = maskTemplateStatements(text);
  if (masked.masked > 0) {
    diagnostics.push({
      severity: "note",
      code: "memcached-conf-template",
      message: `${masked.masked} template statement(s) ignored: this is an unrendered template, both branches of a condition are read`,
      file,
      line: 1,
      column: 1,
    });
  }
  const lines = masked.text.split(/\r\n|\n|\r/u);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const withoutComment = stripPerlComments(lines[index]!);
    const trimmedEnd = withoutComment.trimEnd();
    const leading = trimmedEnd.length - trimmedEnd.trimStart().length;
    const line = trimmedEnd.slice(leading);
    if (line === "") continue;
    const column = leading + 1;
    if (/^-[dh]/u.test(line)) {
      dropped.push({ value: line, location: spanOnLine(file, lineNumber, column, line.length) });
      if (line !== "-d" && line.startsWith("-d")) {
        diagnostics.push({
          severity: "warning",
          code: "memcached-conf-dropped-line",
          message: `start-memcached drops the whole line '${line}' because it starts with -d`,
          file,
          line: lineNumber,
          column,
        });
      }
      continue;
    }
    if (!line.startsWith("-")) {
      const space = line.search(/\s/u);
      const name = space < 0 ? line : line.slice(0, space);
      const argumentText = space < 0 ? "" : line.slice(space).trimStart();
      const argumentColumn = column + line.length - argumentText.length;
      if (containsTemplateExpression(name)) {
        diagnostics.push({ severity: "note", code: "memcached-conf-template", message: `'${line}' is a template expression, not a directive`, file, line: lineNumber, column });
        continue;
      }
      directives.push({
        name: { value: name, location: spanOnLine(file, lineNumber, column, name.length) },
        argument: argumentText === "" ? null : { value: argumentText, location: spanOnLine(file, lineNumber, argumentColumn, argumentText.length) },
      });
      if (!KNOWN_DIRECTIVES.has(name) || argumentText === "") {
        diagnostics.push({
          severity: "error",
          code: "memcached-conf-unknown-directive",
          message:
            argumentText === ""
              ? `'${name}' has no argument: start-memcached fails on it and memcached does not start`
              : `'${name}' is not a directive start-memcached knows (only 'logfile'): the script fails on it and memcached does not start`,
          file,
          line: lineNumber,
          column,
        });
      }
      continue;
    }
    const tokenized = tokenizeCommandLine(line, { file, line: lineNumber, column, escapes: "shell", variables: "shell" });
    for (const d of tokenized.diagnostics) diagnostics.push({ ...d, code: d.code.replace(/^shell-/u, "memcached-conf-") });
    for (const word of tokenized.words) {
      const item: ArgvItem = {
        text: word.text,
        location: word.location,
        ...(word.spans ? { spans: word.spans } : {}),
        ...(word.hasTemplate || word.hasVariables ? { opaque: true } : {}),
      };
      args.push(item);
    }
  }
  return { file, args, directives, dropped, diagnostics };
}

/** The Perl comment substitution without a regex: each unescaped `#` removes text up to the next `#`. */
export function stripPerlComments(line: string): string {
  let out = "";
  let k = 0;
  while (k < line.length) {
    if (line[k] === "#" && (k === 0 || line[k - 1] !== "\\")) {
      const next = line.indexOf("#", k + 1);
      k = next < 0 ? line.length : next;
      continue;
    }
    out += line[k];
    k++;
  }
  return out;
}

/** The location of the first directive with this name (e.g. `logfile`). */
export function directiveLocation(conf: MemcachedConf, name: string): SourceLocation | null {
  return conf.directives.find((d) => d.name.value === name)?.name.location ?? null;
}
