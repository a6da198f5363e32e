import { stripSwiftSuffixes } from "./swift-messages.js";

/**
 * Backend errors that explain a proxy 503 without the cache (swift/proxy/controllers/base.py
 * `error_occurred` → `ERROR with Object server 10.0.0.5:6200/sdb re: …`, obj.py
 * `Object PUT returning 503, %(conns)s/%(nodes)s required connections`, and the same for
 * account and container servers). Only the transaction id matters: a 503 whose transaction also
 * logged one of these is not blamed on memcached.
 */
export interface SwiftBackendErrorEvent {
  readonly kind: "swift-backend-error";
  readonly txnId: string | null;
}

export const BACKEND_ERROR_NEEDLES: readonly string[] = ["ERROR with ", "returning 503"];

export function parseBackendError(message: string): SwiftBackendErrorEvent | null {
  const backend = message.includes("ERROR with ") && /ERROR with (?:Object|Container|Account) server /u.test(message);
  if (!backend && !/(?:Object|Container|Account) [A-Z]{3,7} returning 503/u.test(message)) return null;
  const { txnId } = stripSwiftSuffixes(message);
  return { kind: "swift-backend-error", txnId: txnId ?? null };
}
