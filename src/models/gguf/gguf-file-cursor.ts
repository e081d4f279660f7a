import type { FileHandle } from "node:fs/promises";
import { GgufFormatError } from "./gguf-format-error.js";

const defaultWindowSize = 1024 * 1024;

/**
 * Reads a file front to back through a window, so a header can be parsed without reading the tensor data.
 * Callers `await ensure(n)` (only when `has(n)` is false, to keep the hot path synchronous), then read.
 * Every read past the end of the file fails with a `GgufFormatError`.
 */
export class GgufFileCursor {
  private window: Uint8Array = new Uint8Array(defaultWindowSize);
  private view = new DataView(this.window.buffer);
  private windowStart = 0;
  private windowLength = 0;
  private offset = 0;
  // ignoreBOM: a token may well start with U+FEFF, and dropping it would change the token.
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  constructor(
    private readonly file: FileHandle,
    readonly fileSize: number,
    readonly filePath: string,
  ) {}

  /** Absolute position in the file. */
  get position(): number {
    return this.windowStart + this.offset;
  }

  get remaining(): number {
    return this.fileSize - this.position;
  }

  has(byteCount: number): boolean {
    return this.windowLength - this.offset >= byteCount;
  }

  /** Makes the next `byteCount` bytes readable; `what` names them in the error if the file ends first. */
  async ensure(byteCount: number, what: string): Promise<void> {
    if (this.has(byteCount)) return;
    if (byteCount > this.remaining) {
      throw new GgufFormatError(
        `${what} needs ${byteCount} bytes at offset ${this.position}, but the file ends after ${this.remaining}`,
        this.filePath,
      );
    }
    const kept = this.window.subarray(this.offset, this.windowLength);
    if (byteCount > this.window.length) {
      const grown = new Uint8Array(Math.max(byteCount, this.window.length * 2));
      grown.set(kept);
      this.window = grown;
      this.view = new DataView(grown.buffer);
    } else {
      this.window.copyWithin(0, this.offset, this.windowLength);
    }
    this.windowStart += this.offset;
    this.windowLength = kept.length;
    this.offset = 0;
    // Fill the whole window, not just what was asked for, so the next reads need no I/O.
    const fillTo = Math.min(this.window.length, this.fileSize - this.windowStart);
    while (this.windowLength < byteCount) {
      const { bytesRead } = await this.file.read(
        this.window,
        this.windowLength,
        fillTo - this.windowLength,
        this.windowStart + this.windowLength,
      );
      if (bytesRead === 0) {
        throw new GgufFormatError(`the file ended early at offset ${this.windowStart + this.windowLength}`, this.filePath);
      }
      this.windowLength += bytesRead;
    }
  }

  readUint8(): number {
    return this.view.getUint8(this.advance(1));
  }

  readInt8(): number {
    return this.view.getInt8(this.advance(1));
  }

  readUint16(): number {
    return this.view.getUint16(this.advance(2), true);
  }

  readInt16(): number {
    return this.view.getInt16(this.advance(2), true);
  }

  readUint32(): number {
    return this.view.getUint32(this.advance(4), true);
  }

  readInt32(): number {
    return this.view.getInt32(this.advance(4), true);
  }

  readFloat32(): number {
    return this.view.getFloat32(this.advance(4), true);
  }

  readFloat64(): number {
    return this.view.getFloat64(this.advance(8), true);
  }

  readUint64(): bigint {
    return this.view.getBigUint64(this.advance(8), true);
  }

  readInt64(): bigint {
    return this.view.getBigInt64(this.advance(8), true);
  }

  /** A uint64 that must fit a JavaScript number exactly (lengths, counts, offsets). */
  readSafeUint64(what: string): number {
    const value = this.readUint64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new GgufFormatError(`${what} ${value} at offset ${this.position - 8} is too large`, this.filePath);
    }
    return Number(value);
  }

  /** Decodes `byteCount` bytes, already ensured, as UTF-8. */
  readUtf8(byteCount: number, what: string): string {
    const start = this.advance(byteCount);
    try {
      return this.decoder.decode(this.window.subarray(start, start + byteCount));
    } catch {
      throw new GgufFormatError(`${what} at offset ${this.windowStart + start} is not valid UTF-8`, this.filePath);
    }
  }

  private advance(byteCount: number): number {
    const start = this.offset;
    if (this.windowLength - start < byteCount) {
      // A parser bug rather than a bad file: every read is preceded by ensure().
      throw new RangeError(`read of ${byteCount} bytes at offset ${this.position} was not ensured`);
    }
    this.offset += byteCount;
    return start;
  }
}
