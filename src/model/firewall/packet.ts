import type { SourceLocation } from "../source.js";
import type { PacketFamily } from "./ruleset.js";

/**
 * The packet the evaluator walks through a ruleset: by default the first packet (SYN) of a new
 * TCP connection from a cache client to memcached. Everything optional is "not known": a rule
 * that depends on an unknown field makes the verdict unknown instead of being guessed.
 */
export interface Packet {
  readonly family: PacketFamily;
  readonly saddr?: string;
  readonly daddr?: string;
  readonly protocol: "tcp" | "udp";
  readonly sport?: number;
  readonly dport: number;
  /** Input interface (input hook). */
  readonly iif?: string;
  /** Output interface (output hook). */
  readonly oif?: string;
  /**
   * Whether the packet uses the loopback interface, when the interface name itself is not known:
   * false for a packet from (input) or to (output) another host. Lets `-i lo -j ACCEPT` be
   * decided without knowing the real interface.
   */
  readonly viaLoopback?: boolean;
  /** Connection-tracking state; "new" by default. */
  readonly state?: "new" | "established" | "related" | "invalid" | "untracked";
  /** input: the server host receiving; output: the client host sending. */
  readonly hook: "input" | "output";
  /** The packet mark before the ruleset runs; 0 by default (see `EvaluationResult.notes`). */
  readonly mark?: number;
}

export type FirewallVerdict = "accept" | "drop" | "reject" | "unknown";

export interface EvaluationResult {
  readonly verdict: FirewallVerdict;
  /**
   * The walk, for messages: chains entered, `RETURN`s, and the deciding step, e.g.
   * `["INPUT", "MEMCACHED", "RETURN", "REJECT at line 11"]` or `["INPUT", "policy DROP"]`.
   */
  readonly path: readonly string[];
  /** The rule that decided (the last one, when several base chains accepted in turn). */
  readonly decidingRule?: SourceLocation;
  /** The chain policy (or zone target, or security-group default) that decided. */
  readonly decidingPolicy?: { readonly chain: string; readonly location: SourceLocation };
  /** Why the verdict is unknown, naming the expression or the missing fact. */
  readonly unknownReason?: string;
  /** The rule or expression that could not be decided. */
  readonly unknownLocation?: SourceLocation;
  /** Assumptions the verdict rests on (default zone, initial mark, …). */
  readonly notes: readonly string[];
}

/** What decided a verdict, or why it is unknown: the optional fields of an EvaluationResult. */
export type VerdictDecider = Pick<EvaluationResult, "decidingRule" | "decidingPolicy" | "unknownReason" | "unknownLocation">;

/** Those of `from`'s decider fields that are set, so that none is present as `undefined`. */
export function setDeciderFields(from: VerdictDecider): VerdictDecider {
  return {
    ...(from.decidingRule ? { decidingRule: from.decidingRule } : {}),
    ...(from.decidingPolicy ? { decidingPolicy: from.decidingPolicy } : {}),
    ...(from.unknownReason !== undefined ? { unknownReason: from.unknownReason } : {}),
    ...(from.unknownLocation ? { unknownLocation: from.unknownLocation } : {}),
  };
}

export interface EvaluateOptions {
  /** firewalld's DefaultZone when the ruleset does not say (firewalld's own default: public). */
  readonly firewalldDefaultZone?: string;
  /** Rule evaluations before giving up (guards against goto loops a kernel would have refused). */
  readonly maxSteps?: number;
}

/** The TCP flags of the packet: SYN for a new connection, ACK for an established one. */
export function tcpFlagsOf(packet: Packet): number | null {
  if (packet.protocol !== "tcp") return null;
  const state = packet.state ?? "new";
  if (state === "new") return 0x02;
  if (state === "established") return 0x10;
  return null;
}

export function protocolNumberOf(packet: Packet): number {
  return packet.protocol === "tcp" ? 6 : 17;
}
