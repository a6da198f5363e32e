import { defineRule } from "../src/engine/rule.js";
import type { ShadowReason } from "../src/model/deployment.js";

/**
 * Settings the operator wrote that the product ignores. The model records them with the line
 * that wins instead (src/model/swift.ts, src/model/paste.ts); this rule only words them.
 */
const MESSAGE_FOR: Record<ShadowReason, "unread" | "pasteDefault" | "confD" | "proxySide"> = {
  "memcache-conf-unread": "unread",
  "paste-default-wins": "pasteDefault",
  "conf-d-override": "confD",
  "proxy-side-wins": "proxySide",
};

export default defineRule({
  id: "SL105",
  name: "memcache-conf-shadowed",
  level: "warning",
  tags: ["correctness", "swift"],
  precision: "very-high",
  summary: "A cache setting the operator wrote is silently ignored.",
  description:
    "Swift reads /etc/swift/memcache.conf only when proxy-server.conf lacks memcache_servers or memcache_max_connections; paste.deploy keeps the [DEFAULT] value of an option that a filter section repeats without `set`; a later proxy-server.conf.d file overrides an earlier one. In each case the line the operator believes is in effect is not, and nothing is logged.",
  messages: {
    unread:
      "{key} = {ignoredValue} in memcache.conf is never read: proxy-server.conf sets both memcache_servers and memcache_max_connections, so Swift does not open memcache.conf and uses {winnerValue}. Move the setting into [filter:cache], or remove memcache.conf to avoid the confusion.",
    pasteDefault:
      "{key} = {ignoredValue} is ignored: [DEFAULT] also sets it, and paste.deploy keeps the [DEFAULT] value ({winnerValue}) for options a section repeats. Write it as `set {option} = {ignoredValue}` in the section, or remove it from [DEFAULT].",
    confD:
      "{key} = {ignoredValue} is overridden by a later configuration file ({winnerValue} wins): Swift reads proxy-server.conf.d files in sorted order and the last value wins. Keep each setting in one file.",
    proxySide:
      "{key} = {ignoredValue} in memcache.conf is ignored: the proxy's own {key} ({winnerValue}) wins option by option. Keep the setting in one place.",
  },
  check({ deployment, report }) {
    for (const shadow of deployment.shadowedSettings) {
      const option = shadow.key.replace(/^\[[^\]]*\]\s*/u, "");
      report({
        messageId: MESSAGE_FOR[shadow.reason],
        data: { key: shadow.key, option, ignoredValue: shadow.ignoredValue, winnerValue: shadow.winnerValue },
        location: shadow.ignored,
        ...(shadow.winner ? { related: [{ location: shadow.winner, message: `the value in effect: ${shadow.winnerValue}` }] } : {}),
        key: `${shadow.clientId}:${shadow.reason}:${shadow.key}`,
      });
    }
  },
});
