import { memcachedMessageReports } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import type { CounterValue } from "../src/model/runtime/evidence.js";

const LOG_CONDITIONS: Readonly<Record<string, string>> = {
  "too-many-open-connections": "memcached logged `Too many open connections`",
  "accept-emfile": "memcached logged `accept4(): Too many open files`",
  "reply-too-many-connections": "clients logged memcached's reply `ERROR Too many open connections`",
};

/** memcached at its connection limit (`-c`): memcached.c rejects new connections (REFERENCE §5.1). */
export default defineRule({
  id: "SL403",
  name: "memcached-rejecting-connections",
  level: "error",
  tags: ["reliability", "memcached", "runtime"],
  precision: "very-high",
  summary: "memcached hit its connection limit and rejected or stopped accepting connections.",
  description:
    "With the default `maxconns_fast`, memcached answers `ERROR Too many open connections` to a connection over `-c` and counts `rejected_connections`; without it, accept() fails, memcached stops listening for a while and counts `listen_disabled_num`. Clients then see broken pipes and incomplete reads, tokens are not stored, and tempauth users get 401s.",
  messages: {
    stats: "memcached stats show it at its connection limit: {evidence}. Raise -c (and LimitNOFILE) above the demand, or lower the clients' pool sizes (memcache_max_connections, memcache_pool_maxsize).",
    logs: "{what} {count} on {host} {range}: memcached is at its connection limit. Raise -c (and LimitNOFILE) above the demand, or lower the clients' pool sizes.",
  },
  check({ deployment, report }) {
    for (const source of deployment.runtime.counterSources) {
      if (source.kind !== "memcached-stats") continue;
      const get = (name: string) => source.counters.find((c) => c.name === name);
      const hits: { counter: CounterValue; text: string }[] = [];
      const rejected = get("rejected_connections");
      if (rejected && rejected.value > 0) hits.push({ counter: rejected, text: `rejected_connections ${rejected.value}` });
      const disabled = get("listen_disabled_num");
      if (disabled && disabled.value > 0) hits.push({ counter: disabled, text: `listen_disabled_num ${disabled.value}` });
      const current = get("curr_connections");
      const max = get("max_connections");
      if (current && max && max.value > 0 && current.value >= 0.9 * max.value) {
        hits.push({ counter: current, text: `curr_connections ${current.value} of max_connections ${max.value} (${Math.round((100 * current.value) / max.value)} %)` });
      }
      if (hits.length === 0) continue;
      hits.sort((a, b) => a.counter.location.line - b.counter.location.line);
      report({
        messageId: "stats",
        data: { evidence: hits.map((h) => h.text).join(", ") },
        location: hits[0]!.counter.location,
        related: hits.slice(1).map((h) => ({ location: h.counter.location, message: h.text })),
        key: `${source.file}:connection-limit`,
      });
    }
    for (const found of memcachedMessageReports(deployment, LOG_CONDITIONS)) report({ messageId: "logs", ...found });
  },
});
