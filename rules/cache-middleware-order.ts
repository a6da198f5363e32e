import { hostName } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import type { PipelineStage } from "../src/model/deployment.js";

/**
 * Middlewares that read env['swift.cache'] (REFERENCE-openstack §1.6; swift
 * etc/proxy-server.conf-sample pipelines): they must stand after `cache`. Swift does not insert
 * `cache` by itself (swift/proxy/server.py required_filters).
 */
function needsCache(stage: PipelineStage): boolean {
  switch (stage.role) {
    case "tempauth":
    case "ratelimit":
    case "s3token":
    case "tempurl":
    case "formpost":
    case "staticweb":
    case "container_sync":
      return true;
    case "authtoken":
      return stage.cacheEnvKey?.value.trim() === "swift.cache";
    default:
      return false;
  }
}

export default defineRule({
  id: "SL106",
  name: "cache-middleware-order",
  level: "error",
  tags: ["correctness", "swift"],
  precision: "very-high",
  summary: "The proxy pipeline lacks the cache middleware, or places it after a middleware that needs it.",
  description:
    "tempauth, ratelimit, tempurl, formpost, staticweb, container_sync, s3token and keystonemiddleware with `cache = swift.cache` read the memcache client from the request environment, which only the `cache` middleware puts there. Without it, or with it later in the pipeline, tempauth cannot store tokens (503 on /auth), ratelimit silently stops limiting, and authtoken falls back to its own servers or an in-process cache.",
  messages: {
    missing:
      "The pipeline{host} has no cache middleware, but {consumers} need it: they find no swift.cache in the request environment. Add `cache` to the pipeline before {first}, with a [filter:cache] section using egg:swift#memcache.",
    late:
      "cache stands after {consumers} in the pipeline{host}: those run before the memcache client is in the request environment. Move `cache` before {first} (Swift's sample: … proxy-logging cache … tempauth …).",
  },
  check({ deployment, report }) {
    for (const pipeline of deployment.swiftPipelines) {
      const cacheIndex = pipeline.stages.findIndex((s) => s.role === "cache");
      const host = deployment.hosts.length > 1 ? ` on ${hostName(deployment, pipeline.hostId)}` : "";
      if (cacheIndex < 0) {
        const consumers = pipeline.stages.filter(needsCache);
        if (consumers.length === 0) continue;
        report({
          messageId: "missing",
          data: { host, consumers: consumers.map((s) => s.name).join(", "), first: consumers[0]!.name },
          location: pipeline.pipeline.location,
          related: consumers.map((s) => ({ location: s.location, message: `${s.name} needs swift.cache` })),
          key: `${pipeline.file}:pipeline:missing-cache`,
        });
        continue;
      }
      const early = pipeline.stages.slice(0, cacheIndex).filter(needsCache);
      if (early.length === 0) continue;
      report({
        messageId: "late",
        data: { host, consumers: early.map((s) => s.name).join(", "), first: early[0]!.name },
        location: pipeline.stages[cacheIndex]!.location,
        related: early.map((s) => ({ location: s.location, message: `${s.name} runs before cache` })),
        key: `${pipeline.file}:pipeline:late-cache`,
      });
    }
  },
});
