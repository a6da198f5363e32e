import type { Occurrence } from "./evidence.js";
import { formatTime } from "./correlate.js";

/** `Error connecting: ECONNREFUSED ×12, Error limiting server ×1` (largest first, then by name). */
export function describeKinds(kinds: Readonly<Record<string, number>>): string {
  return Object.entries(kinds)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([kind, count]) => `${kind} ×${count}`)
    .join(", ");
}

/** `between 2024-05-01 16:08:03Z and 2024-05-01 16:08:14Z`, or `at …` for one instant. */
export function timeRange(first: Pick<Occurrence, "time">, last: Pick<Occurrence, "time">): string {
  const a = formatTime(first.time);
  const b = formatTime(last.time);
  return a === b ? `at ${a}` : `between ${a} and ${b}`;
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
