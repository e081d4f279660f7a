/** Where a download stands; reported a few times a second and once at the end. */
export interface DownloadProgress {
  /** Bytes of the file on disk, including those from an earlier, interrupted download. */
  readonly downloadedBytes: number;
  /** The file's size, when the server or the hub said it. */
  readonly totalBytes?: number;
  readonly bytesPerSecond: number;
  /** Seconds left at the current rate, when the total is known and bytes are arriving. */
  readonly etaSeconds?: number;
  /** Bytes that were already on disk when this download started (a resume). */
  readonly resumedFromBytes: number;
  readonly done: boolean;
}
