import type { LlamaContext } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { useFewerDecodeThreads } from "../../../src/engine/llama/decode-threads.js";

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

type Native = FakeNativeContext & { initBatch(size: number): void; decodeBatch(): Promise<void>; setThreads(threads: number): void };

function contextWith(native: unknown, currentThreads = 8): LlamaContext {
  return { _ctx: native, currentThreads } as unknown as LlamaContext;
}

/** One batch as node-llama-cpp dispatches it: init, its thread allotment, decode. */
async function dispatch(native: Native, size: number, allotment: number): Promise<void> {
  native.initBatch(size);
  native.setThreads(allotment);
  await native.decodeBatch();
}

describe("useFewerDecodeThreads", () => {
  it("decodes a lone token with one thread fewer than allotted, and every other batch with the allotment", async () => {
    const native = new FakeNativeContext() as Native;
    expect(useFewerDecodeThreads(contextWith(native))).toBe(true);
    await dispatch(native, 512, 8);
    await dispatch(native, 1, 8);
    await dispatch(native, 4, 8);
    // The thread splitter gave this context fewer threads: that is the ceiling.
    await dispatch(native, 1, 4);
    expect(native.calls.filter((call) => call.startsWith("setThreads")).filter((_, index) => index % 2 === 1)).toEqual([
      "setThreads(8)",
      "setThreads(7)",
      "setThreads(8)",
      "setThreads(3)",
    ]);
  });

  it("uses the decode threads asked for, never more than allotted and never fewer than one", async () => {
    const native = new FakeNativeContext() as Native;
    useFewerDecodeThreads(contextWith(native), 2);
    await dispatch(native, 1, 8);
    await dispatch(native, 1, 1);
    const tooMany = new FakeNativeContext() as Native;
    useFewerDecodeThreads(contextWith(tooMany), 16);
    await dispatch(tooMany, 1, 4);
    const decodes = (calls: string[]) => calls.filter((call) => call.startsWith("setThreads")).filter((_, index) => index % 2 === 1);
    expect(decodes(native.calls)).toEqual(["setThreads(2)", "setThreads(1)"]);
    expect(decodes(tooMany.calls)).toEqual(["setThreads(4)"]);
  });

  it("leaves a context it does not recognise alone", () => {
    expect(useFewerDecodeThreads(contextWith(undefined))).toBe(false);
    expect(useFewerDecodeThreads(contextWith({ initBatch() {} }))).toBe(false);
    expect(useFewerDecodeThreads(contextWith(Object.freeze(new FakeNativeContext())))).toBe(false);
  });
});
