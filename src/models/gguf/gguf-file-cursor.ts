import type { FileHandle } from "node:fs/promises";
import { GgufFormatError } from "./gguf-format-error.js";

const defaultWindowSize = 1024 * 1024;

/**
 * Reads a GGUF file front to back through a window, so a header can be parsed without reading the tensor data,
 * and skips forward without reading, so a hostile length never becomes an allocation: the window only grows
 * for values the caller chose to keep, whose size it has already checked. Callers `await ensure(n)` (only
 * when `has(n)` is false, to keep the hot path synchronous) and then read, or use the async `uint32`, `uint64`,
 * `utf8` and `bytes`. Every read past the end of the file fails with a `GgufFormatError`.
 */
export class GgufFileCursor {
  private window: Uint8Array;
  private view: DataView;
  /** File position of `window[0]`. */
  private windowStart = 0;
  private windowLength = 0;
  private offset = 0;
  private readonly decoder: InstanceType<typeof TextDecoder>;

  constructor(
    private readonly file: FileHandle,
    readonly fileSize: number,
    readonly filePath: string,
    options: {
      /**
       * `strict` refuses invalid UTF-8 (the generator copies tokens, which must stay exact); `lenient` does as
       * llama.cpp, which does not check it either. Defaults to `strict`.
       */
      readonly utf8?: "strict" | "lenient";
      readonly windowSize?: number;
    } = {},
  ) {
    this.window = new Uint8Array(options.windowSize ?? defaultWindowSize);
    this.view = new DataView(this.window.buffer);
    // ignoreBOM: a token may well start with U+FEFF, and dropping it would change the token.
    this.decoder = new TextDecoder("utf-8", { fatal: options.utf8 !== "lenient", ignoreBOM: true });
  }

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
    if (byteCount > this.remaining) throw this.pastEnd(byteCount, what);
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
      // The file shrank while it was read: as bad as a truncated file.
      if (bytesRead === 0) throw this.pastEnd(byteCount, what);
      this.windowLength += bytesRead;
    }
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

  async uint32(what: string): Promise<number> {
    await this.ensure(4, what);
    return this.readUint32();
  }

  async uint64(what: string): Promise<bigint> {
    await this.ensure(8, what);
    return this.readUint64();
  }

  /** Reads `byteCount` bytes, which the caller has capped, as UTF-8. */
  async utf8(byteCount: number, what: string): Promise<string> {
    await this.ensure(byteCount, what);
    return this.readUtf8(byteCount, what);
  }

  /** A `DataView` over the next `byteCount` bytes (already capped by the caller), consumed. */
  async bytes(byteCount: number, what: string): Promise<DataView> {
    await this.ensure(byteCount, what);
    const start = this.advance(byteCount);
    return new DataView(this.window.buffer, this.window.byteOffset + start, byteCount);
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
