import { createHash } from "node:crypto";
import type { Finding } from "./rule.js";

/**
 * Our own partial-fingerprint key (SARIF §3.27.17: a versioned hierarchical string). Bump the
 * version when the hashed inputs change; baselines record it and refuse another version.
 */
export const FINGERPRINT_KEY = "stacklint/v1";

/** Stable across line moves: rule, file and the finding's logical key, never a line number. */
export function findingFingerprint(finding: Finding): string {
  return createHash("sha256").update(`${finding.ruleId}\u0000${finding.location.file}\u0000${finding.key}`, "utf8").digest("hex");
}
