import type { ArchiveProgress } from "./discover/archive.js";
import { formatBytes } from "./discover/archive.js";

/** Runs shorter than this show nothing: progress is for long runs. */
const QUIET_START_MS = 1500;
const REDRAW_MS = 250;

/**
 * Progress of archive reading on a terminal: one line redrawn in place, cleared at the end.
 * The CLI creates it only when stderr is a TTY and --quiet is absent; otherwise nothing is shown.
 */
export class TerminalProgress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;
  private readonly totals = new Map<string, ArchiveProgress>();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  readonly update = (progress: ArchiveProgress): void => {
    this.totals.set(progress.archive, progress);
    const now = Date.now();
    if (now - this.started < QUIET_START_MS || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    let bytes = 0;
    let members = 0;
    for (const p of this.totals.values()) {
      bytes += p.bytes;
      members += p.members;
    }
    const text = `stacklint: ${this.totals.size} archive(s), ${formatBytes(bytes)} and ${members} files read; now ${progress.current || progress.archive}`;
    const width = Math.max(20, (this.stream.columns ?? 100) - 1);
    this.stream.write(`\r\u001b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.drawn = true;
  };

  finish(): void {
    if (this.drawn) this.stream.write("\r\u001b[2K");
  }
}
