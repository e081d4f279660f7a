import type { FileHandle } from "node:fs/promises";
import { GgufFormatError } from "./gguf-format-error.js";

const windowSize = 64 * 1024;

/**
 * Reads a GGUF header front to back through a small window and can skip forward without reading, so a
 * hostile length never becomes an allocation: the window only grows for values the caller chose to keep,
 * whose size it has already capped. Every read past the end of the file fails with a `GgufFormatError`.
 */
export class GgufHeaderReader {
  private window = new Uint8Array(windowSize);
  private view = new DataView(this.window.buffer);
  /** File position of `window[0]`. */
  private windowStart = 0;
  private windowLength = 0;
  private offset = 0;
  // Not fatal: llama.cpp does not check UTF-8 either, so a stray byte in a name is no reason to refuse.
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  constructor(
    private readonly file: FileHandle,
    readonly fileSize: number,
    readonly filePath: string,
  ) {}

  get position(): number {
    return this.windowStart + this.offset;
  }

  get remaining(): number {
    return this.fileSize - this.position;
  }

  async uint32(what: string): Promise<number> {
    if (!this.has(4)) await this.need(4, what);
    return this.view.getUint32(this.advance(4), true);
  }

  async uint64(what: string): Promise<bigint> {
    if (!this.has(8)) await this.need(8, what);
    return this.uint64Now();
  }

  /** Whether the next `byteCount` bytes are already in memory, so a `*Now` read needs no I/O. */
  has(byteCount: number): boolean {
    return this.windowLength - this.offset >= byteCount;
  }

  /** A uint64 from bytes `has(8)` said are there: the hot path of skipping a vocabulary. */
  uint64Now(): bigint {
    return this.view.getBigUint64(this.advance(8), true);
  }

  /** Reads `byteCount` bytes, which the caller has capped, as UTF-8. */
  async utf8(byteCount: number, what: string): Promise<string> {
    await this.need(byteCount, what);
    const start = this.advance(byteCount);
    return this.decoder.decode(this.window.subarray(start, start + byteCount));
  }

  /** A `DataView` over the next `byteCount` bytes (already capped by the caller), consumed. */
  async bytes(byteCount: number, what: string): Promise<DataView> {
    await this.need(byteCount, what);
    const start = this.advance(byteCount);
    return new DataView(this.window.buffer, this.window.byteOffset + start, byteCount);
  }

  /** Moves forward without reading; refuses to move past the end of the file. */
  skip(byteCount: number | bigint, what: string): void {
    if (BigInt(byteCount) > BigInt(this.remaining)) throw this.pastEnd(byteCount, what);
    const count = Number(byteCount);
    if (this.windowLength - this.offset >= count) {
      this.offset += count;
      return;
    }
    this.windowStart = this.position + count;
    this.windowLength = 0;
    this.offset = 0;
  }

  pastEnd(byteCount: number | bigint, what: string): GgufFormatError {
    return new GgufFormatError(
      `${what} needs ${byteCount} bytes at offset ${this.position}, past the end of the file (${this.remaining} bytes left)`,
      this.filePath,
    );
  }

  private async need(byteCount: number, what: string): Promise<void> {
    if (this.has(byteCount)) return;
    if (byteCount > this.remaining) throw this.pastEnd(byteCount, what);
    const keptLength = this.windowLength - this.offset;
    if (byteCount > this.window.length) {
      const grown = new Uint8Array(byteCount);
      grown.set(this.window.subarray(this.offset, this.windowLength));
      this.window = grown;
      this.view = new DataView(grown.buffer);
    } else {
      this.window.copyWithin(0, this.offset, this.windowLength);
    }
    this.windowStart += this.offset;
    this.windowLength = keptLength;
    this.offset = 0;
    const fillTo = Math.min(this.window.length, this.fileSize - this.windowStart);
    while (this.windowLength < byteCount) {
      const { bytesRead } = await this.file.read(this.window, this.windowLength, fillTo - this.windowLength, this.windowStart + this.windowLength);
      // The file shrank while we read it: as bad as a truncated file.
      if (bytesRead === 0) throw this.pastEnd(byteCount, what);
      this.windowLength += bytesRead;
    }
  }

  private advance(byteCount: number): number {
    const start = this.offset;
    this.offset += byteCount;
    return start;
  }
}
