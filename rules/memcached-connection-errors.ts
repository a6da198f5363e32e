import { hostName } from "../src/engine/describe.js";
import { defineRule, type RelatedLocation } from "../src/engine/rule.js";
import { everyServerFailing, guessCause, matchServerEntry, proxyCacheClient } from "../src/model/runtime/correlate.js";
import { describeKinds, plural, timeRange } from "../src/model/runtime/describe.js";

/**
 * Swift's memcache client errors, one finding per (client host, server). Escalated to error when
 * every configured server of that proxy fails (or Swift says `ALL`): then the proxy has no cache.
 */
export default defineRule({
  id: "SL402",
  name: "memcached-connection-errors",
  level: "warning",
  tags: ["reliability", "swift", "runtime"],
  precision: "very-high",
  summary: "A cache client logs errors connecting to, or talking to, a memcached server.",
  description:
    "Swift's memcache client logs `Error connecting to memcached`, `Timeout connecting/getting a connection/talking to memcached`, `Error limiting server` and, when no server is left, `All memcached servers error-limited` or `ALL: … No more memcached servers to try`. One failing server costs cache hits (keys move to the next server); every server failing means no cache at all.",
  messages: {
    server: "{programs} on {host} logged {errors} for {server} {range}: {kinds}. Likely cause: {cause}.{every}",
    all: "{programs} on {host} logged {errors} saying every memcached server is failing {range}: {kinds}. The proxy has no cache: tempauth answers 503 and tokens are not cached.",
  },
  check({ deployment, report }) {
    for (const series of deployment.runtime.memcacheErrors) {
      const host = hostName(deployment, series.hostId);
      const every = everyServerFailing(deployment, series.hostId);
      const related: RelatedLocation[] = [];
      const client = proxyCacheClient(deployment, series.hostId);
      const entry = client && series.server !== "ALL" ? matchServerEntry(client.servers, series) : undefined;
      if (entry?.location) related.push({ location: entry.location, message: `${series.server} is configured here` });
      if (series.count > 1) related.push({ location: series.last.location, message: "the last of these errors" });
      const programs = series.programs.length > 0 ? series.programs.join(", ") : "a Swift daemon";
      const data = { programs, host, errors: plural(series.count, "memcache error"), server: series.server, range: timeRange(series.first, series.last), kinds: describeKinds(series.kinds) };
      if (series.server === "ALL") {
        report({ messageId: "all", level: "error", data, location: series.first.location, related, key: `${series.hostId}:memcache-errors:ALL` });
        continue;
      }
      report({
        messageId: "server",
        ...(every.failing ? { level: "error" as const } : {}),
        data: {
          ...data,
          cause: guessCause(series.kinds).text,
          every: every.failing
            ? every.basis === "configured-servers"
              ? " Every configured server of this proxy is failing: it has no cache."
              : " Swift also says every server is failing: the proxy has no cache."
            : "",
        },
        location: series.first.location,
        related,
        key: `${series.hostId}:memcache-errors:${series.server}`,
      });
    }
  },
});
