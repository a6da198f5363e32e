import { execFile } from "node:child_process";
import path from "node:path";
import { repoRoot } from "./rule-harness.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI (npm test builds dist/ first) in a child process, asynchronously: a
 * synchronous spawn would block the vitest worker for the whole run.
 */
export function runCli(args: readonly string[], cwd: string = repoRoot): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(repoRoot, "dist/src/cli.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(error);
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
