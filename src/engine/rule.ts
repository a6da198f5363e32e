import type { Deployment } from "../model/deployment.js";
import type { SourceLocation } from "../model/source.js";

export type Level = "error" | "warning" | "note";
export type LevelSetting = Level | "off";
export const LEVELS: readonly Level[] = ["note", "warning", "error"];

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

export interface RelatedLocation {
  readonly location: SourceLocation;
  readonly message: string;
}

/** Tunables the rules read; the config-file issue exposes them to users. */
export interface RuleSettings {
  /** Networks whose plaintext memcached traffic is acceptable besides loopback and private ranges (CIDR). */
  readonly trustedNetworks: readonly string[];
  /** SL401: width of the window around a 503 without a transaction id in which every configured server must fail (seconds). */
  readonly causeWindowSeconds: number;
  /** SL406: all memcached instances starting within this many seconds restarted together. */
  readonly restartWindowSeconds: number;
  /** SL408: how long after a cache loss 401s count, and how many make a burst. */
  readonly authBurstWindowSeconds: number;
  readonly authBurstMinimum: number;
  /** Year for year-less log timestamps (`--log-year`); null: from the bundle's date file, the file, or assumed. */
  readonly logYear: number | null;
  /** SL202: the least `-c` when the demand on an instance cannot be estimated. */
  readonly maxConnectionsFloor: number;
  /** SL202: spare share on top of the estimated demand (0.25 = 25 %). */
  readonly connectionHeadroom: number;
  /** SL302: the least effective accept backlog. */
  readonly listenBacklogFloor: number;
  /** SL204: `-m` at or below this many megabytes is too little for OpenStack (memcached's default, 64). */
  readonly memoryFloorMb: number;
}

export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  trustedNetworks: [],
  causeWindowSeconds: 60,
  restartWindowSeconds: 300,
  authBurstWindowSeconds: 300,
  authBurstMinimum: 10,
  logYear: null,
  maxConnectionsFloor: 4096,
  connectionHeadroom: 0.25,
  listenBacklogFloor: 1024,
  memoryFloorMb: 64,
};

export interface ReportInput<M extends string> {
  readonly messageId: M;
  readonly data?: Record<string, string | number>;
  readonly location: SourceLocation;
  readonly related?: readonly RelatedLocation[];
  /**
   * What the finding is about, independent of line numbers (`[filter:cache]memcache_servers`).
   * It feeds the SARIF partial fingerprint and baselines, so keep it stable when lines move.
   */
  readonly key: string;
  /** Overrides the rule's default level for this finding (SL109's "error where it cannot start"). */
  readonly level?: Level;
}

export interface RuleContext<M extends string> {
  readonly deployment: Deployment;
  readonly settings: RuleSettings;
  report(input: ReportInput<M>): void;
}

export interface RuleMeta<M extends string = string> {
  /** Stable opaque code, the SARIF ruleId: `SL101`. */
  readonly id: string;
  /** Stable kebab-case name: `memcache-single-server`. */
  readonly name: string;
  readonly level: Level;
  readonly tags: readonly string[];
  readonly precision: "very-high" | "high" | "medium" | "low";
  /** CVSS-like score as a string; present only on security rules (GitHub reads it). */
  readonly securitySeverity?: string;
  /** One sentence, ends with a period. */
  readonly summary: string;
  /** A paragraph: what the rule checks and why it matters. */
  readonly description: string;
  /** Message templates with `{placeholders}`; each states the evidence and the fix. */
  readonly messages: Readonly<Record<M, string>>;
}

export interface Rule<M extends string = string> extends RuleMeta<M> {
  check(context: RuleContext<M>): void;
}

export function defineRule<M extends string>(rule: Rule<M>): Rule<M> {
  return rule;
}

export interface Finding {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly level: Level;
  readonly messageId: string;
  readonly message: string;
  readonly location: SourceLocation;
  readonly related: readonly RelatedLocation[];
  readonly key: string;
}
