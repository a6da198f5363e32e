import { hostName } from "../src/engine/describe.js";
import { defineRule, type RelatedLocation } from "../src/engine/rule.js";
import { compareOccurrences } from "../src/model/runtime/collect.js";
import { blame503s, guessCause, matchServerEntry, mergeKinds, proxyCacheClient } from "../src/model/runtime/correlate.js";
import { plural, timeRange } from "../src/model/runtime/describe.js";

/**
 * A proxy 503 is blamed on memcached only on evidence: its transaction id is on a memcache error
 * line and no backend error of that transaction explains it, or — when lines carry no txn ids —
 * it falls in a window in which every configured server fails. Some servers failing does not
 * cause 503s: Swift moves keys to the next server (observed with Swift 2.30.1, REFERENCE §1.5a).
 */
export default defineRule({
  id: "SL401",
  name: "proxy-503-memcached-errors",
  level: "error",
  tags: ["reliability", "swift", "runtime"],
  precision: "high",
  summary: "Swift proxy 503 responses are caused by memcached failures.",
  description:
    "Joins the proxy's access lines with its memcache error lines by transaction id (Swift appends `(txn: …)` to both). A 503 whose transaction logged a memcache error, and no backend error, was caused by the cache — typically tempauth failing to store a token. Without transaction ids, a 503 counts only inside a window in which every configured memcached server fails. 503s with no memcache error near them are reported as a note: look at the storage nodes and rings instead.",
  messages: {
    cache:
      "{count} of the proxy on {host} {range} were caused by memcached ({how}); the proxy logged {errors} memcache errors for {servers}. Likely cause: {cause}.{tempauth}",
    unexplained:
      "{count} of the proxy on {host} {range} have no memcache error within {window} s of them: memcached did not cause them. Look at the storage nodes and rings (backend `ERROR with … server` lines, `Object PUT returning 503`).",
  },
  check({ deployment, settings, report }) {
    for (const blame of blame503s(deployment, settings)) {
      const host = hostName(deployment, blame.hostId);
      const blamed = [...blame.byTransaction, ...blame.byWindow].sort(compareOccurrences);
      if (blamed.length > 0) {
        const first = blamed[0]!;
        const last = blamed[blamed.length - 1]!;
        const how: string[] = [];
        if (blame.byTransaction.length > 0) how.push(`${blame.byTransaction.length} share a transaction id with a memcache error line and no backend error`);
        if (blame.byWindow.length > 0) how.push(`${blame.byWindow.length} without transaction ids fall within ${settings.causeWindowSeconds} s windows in which every configured server failed`);
        const errors = blame.errors.reduce((sum, s) => sum + s.count, 0);
        const involved = blame.errors.filter((s) => blame.servers.includes(s.server) || s.server === "ALL");
        const cause = guessCause(mergeKinds(involved.length > 0 ? involved : blame.errors));
        const auth = blamed.some((l) => l.path?.startsWith("/auth/"));
        const related: RelatedLocation[] = [];
        const client = proxyCacheClient(deployment, blame.hostId);
        for (const series of blame.errors) {
          if (series.server !== "ALL" && !blame.servers.includes(series.server)) continue;
          related.push({ location: series.first.location, message: `first memcache error for ${series.server} (${plural(series.count, "error")})` });
          const entry = client ? matchServerEntry(client.servers, series) : undefined;
          if (entry?.location) related.push({ location: entry.location, message: `${series.server} is configured here` });
        }
        if (last !== first) related.push({ location: last.location, message: "the last 503 caused by memcached" });
        report({
          messageId: "cache",
          data: {
            count: plural(blamed.length, "503 response"),
            host,
            range: timeRange(first, last),
            how: how.join("; "),
            errors,
            servers: blame.servers.join(", "),
            cause: cause.text,
            tempauth: auth
              ? " The 503s are on tempauth's GET /auth/v1.0: the token could not be stored, and requests with a token get 401 meanwhile (SL408)."
              : "",
          },
          location: first.location,
          related,
          key: `${blame.hostId}:503-memcached`,
        });
      }
      if (blame.unexplained.length > 0) {
        const first = blame.unexplained[0]!;
        const last = blame.unexplained[blame.unexplained.length - 1]!;
        report({
          messageId: "unexplained",
          level: "note",
          data: { count: plural(blame.unexplained.length, "503 response"), host, range: timeRange(first, last), window: settings.causeWindowSeconds / 2 },
          location: first.location,
          ...(last !== first ? { related: [{ location: last.location, message: "the last of these 503s" }] } : {}),
          key: `${blame.hostId}:503-not-memcached`,
        });
      }
    }
  },
});
