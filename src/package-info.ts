import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package root, found upward from this module (works from src/ under vitest and dist/src/). */
export const packageRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, "utf8")) as { name?: string }).name === "stacklint") return dir;
      } catch {
        // keep looking upward
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("stacklint: cannot find its own package.json");
    dir = parent;
  }
})();

const manifest = JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string; homepage?: string };

export const TOOL_NAME = "stacklint";
export const TOOL_VERSION: string = manifest.version;
export const INFORMATION_URI: string = manifest.homepage ?? "https://github.com/stacklint/stacklint";

export function ruleHelpUri(name: string): string {
  return `${INFORMATION_URI}/blob/main/docs/rules/${name}.md`;
}

export function ruleHelpMarkdown(name: string): string {
  try {
    return readFileSync(path.join(packageRoot, "docs", "rules", `${name}.md`), "utf8");
  } catch {
    return "";
  }
}
