import type { LlamaContext } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { useFewerDecodeThreads } from "../../../src/engine/decode-threads.js";

/** Shaped like node-llama-cpp's native context: methods on the prototype, read-only as N-API defines them. */
class FakeNativeContext {
  readonly calls: string[] = [];
}
for (const name of ["initBatch", "decodeBatch", "setThreads"] as const) {
  Object.defineProperty(FakeNativeContext.prototype, name, {
    writable: false,
    value(this: FakeNativeContext, argument?: number) {
      this.calls.push(argument === undefined ? name : `${name}(${argument})`);
      return name === "decodeBatch" ? Promise.resolve() : undefined;
    },
  });
}

function contextWith(native: unknown): LlamaContext {
  return { _ctx: native } as unknown as LlamaContext;
}

describe("useFewerDecodeThreads", () => {
  it("decodes a lone token with the decode threads and every other batch with the prompt threads", async () => {
    const native = new FakeNativeContext() as FakeNativeContext & { initBatch(size: number): void; decodeBatch(): Promise<void> };
    expect(useFewerDecodeThreads(contextWith(native), { prompt: 8, decode: 7 })).toBe(true);
    for (const size of [512, 1, 4, 1]) {
      native.initBatch(size);
      await native.decodeBatch();
    }
    expect(native.calls).toEqual([
      "initBatch(512)", "setThreads(8)", "decodeBatch",
      "initBatch(1)", "setThreads(7)", "decodeBatch",
      "initBatch(4)", "setThreads(8)", "decodeBatch",
      "initBatch(1)", "setThreads(7)", "decodeBatch",
    ]);
  });

  it("leaves a context it does not recognise alone", () => {
    expect(useFewerDecodeThreads(contextWith(undefined), { prompt: 2, decode: 1 })).toBe(false);
    expect(useFewerDecodeThreads(contextWith({ initBatch() {} }), { prompt: 2, decode: 1 })).toBe(false);
    expect(useFewerDecodeThreads(contextWith(Object.freeze(new FakeNativeContext())), { prompt: 2, decode: 1 })).toBe(false);
  });
});
