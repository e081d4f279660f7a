import type { DownloadProgress } from "../../models/download/download-progress.js";
import type { CommandOutput } from "./command-io.js";
import { formatSize } from "./format-size.js";

const barWidth = 24;
// Without a terminal (CI logs, pipes), a line per step instead of a redrawn bar.
const percentStep = 10;
const unknownTotalStepBytes = 100 * 1024 * 1024;

/**
 * Shows download progress on stderr: on a terminal, one line redrawn in place with a bar, bytes, speed
 * and ETA; otherwise a plain line every 10% (every 100 MiB when the size is unknown) and one at the end.
 */
export class DownloadProgressBar {
  private drawn = false;
  private lastStep = -1;

  constructor(
    private readonly output: CommandOutput,
    private readonly label: string,
  ) {}

  update(progress: DownloadProgress): void {
    if (this.output.isTTY === true) {
      this.output.write(`\r${this.line(progress)}\x1b[K`);
      this.drawn = true;
      if (progress.done) this.finish();
      return;
    }
    const step =
      progress.totalBytes === undefined || progress.totalBytes === 0
        ? Math.floor(progress.downloadedBytes / unknownTotalStepBytes)
        : Math.floor((progress.downloadedBytes / progress.totalBytes) * (100 / percentStep));
    if (step > this.lastStep || progress.done) {
      this.lastStep = step;
      this.output.write(`${this.line(progress)}\n`);
    }
  }

  /** Ends the redrawn line, so what follows starts on a new one. */
  finish(): void {
    if (this.output.isTTY === true && this.drawn) this.output.write("\n");
    this.drawn = false;
  }

  private line(progress: DownloadProgress): string {
    const { downloadedBytes, totalBytes } = progress;
    const speed = `${formatSize(progress.bytesPerSecond)}/s`;
    if (totalBytes === undefined || totalBytes === 0) return `${this.label} ${formatSize(downloadedBytes)}  ${speed}`;
    const fraction = Math.min(1, downloadedBytes / totalBytes);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const eta = progress.done ? "done" : progress.etaSeconds === undefined ? "ETA --" : `ETA ${formatDuration(progress.etaSeconds)}`;
    const amounts = `${formatSize(downloadedBytes)} / ${formatSize(totalBytes)}`;
    if (this.output.isTTY !== true) return `${this.label}: ${percent.trim()} (${amounts}, ${speed}, ${eta})`;
    const filled = Math.round(fraction * barWidth);
    return `${this.label} [${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${percent}  ${amounts}  ${speed}  ${eta}`;
  }
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h ${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m`;
}
