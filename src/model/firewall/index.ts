export { evaluate } from "./evaluate.js";
export type { EvaluateOptions, EvaluationResult, FirewallVerdict, Packet } from "./packet.js";
export type * from "./ruleset.js";
export { BUILT_IN_FIREWALLD_SERVICES } from "./firewalld-services.js";
