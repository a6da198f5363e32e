import { memcachedMessageReports } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";

const LOG_CONDITIONS: Readonly<Record<string, string>> = {
  "out-of-memory": "memcached logged `SERVER_ERROR out of memory`",
  "object-too-large": "memcached logged `SERVER_ERROR object too large for cache`",
  "reply-out-of-memory": "clients logged memcached's reply `SERVER_ERROR out of memory storing object`",
  "reply-object-too-large": "clients logged memcached's reply `SERVER_ERROR object too large for cache`",
};

/** memcached memory pressure: evictions in stats, or out-of-memory / too-large replies (REFERENCE §5.1). */
export default defineRule({
  id: "SL405",
  name: "memcached-evictions",
  level: "warning",
  tags: ["performance", "memcached", "runtime"],
  precision: "high",
  summary: "memcached evicts items or refuses to store them for lack of memory.",
  description:
    "Evictions push out tokens and Swift's account, container and shard-range entries before they expire, so the proxy goes to the backend more often and keystonemiddleware re-validates tokens. `object too large for cache` means an item over `-I` (Swift's shard-range lists on big containers).",
  messages: {
    stats: "memcached stats show {evictions} evictions{share}: items are pushed out before they expire. Raise -m (Kolla uses 256 MB; the default 64 MB is small for OpenStack).",
    logs: "{what} {count} on {host} {range}. Raise -m, or -I for items over 1 MB (Swift's shard-range lists).",
  },
  check({ deployment, report }) {
    for (const source of deployment.runtime.counterSources) {
      if (source.kind !== "memcached-stats") continue;
      const evictions = source.counters.find((c) => c.name === "evictions");
      if (!evictions || evictions.value <= 0) continue;
      const total = source.counters.find((c) => c.name === "total_items");
      const share = total && total.value > 0 ? ` (${((100 * evictions.value) / total.value).toFixed(1)} % of the ${total.value} items stored)` : "";
      report({ messageId: "stats", data: { evictions: evictions.value, share }, location: evictions.location, key: `${source.file}:evictions` });
    }
    for (const found of memcachedMessageReports(deployment, LOG_CONDITIONS)) report({ messageId: "logs", ...found });
  },
});
