import { writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { builtinByteTokenId, builtinTokenIds, createBuiltinVocabulary } from "../../../src/models/generator/builtin-vocabulary.js";
import { appendDuplicateByteTokens } from "../../../src/models/generator/duplicate-byte-tokens.js";
import { float16BitsToFloat32 } from "../../../src/models/generator/float16.js";
import { readReplyFile } from "../../../src/models/generator/read-reply-file.js";
import type { ReplyScript, ScriptToken } from "../../../src/models/generator/render-reply-script.js";
import { parseReplyBlocks } from "../../../src/models/generator/reply-blocks.js";
import { replyModelContents } from "../../../src/models/generator/reply-model.js";
import { sparseQ4ZeroChunks } from "../../../src/models/generator/sparse-tensor-chunks.js";
import { tokenTypes } from "../../../src/models/generator/vocabulary.js";
import type { GgufTensor } from "../../../src/models/gguf/gguf-tensor.js";
import { useTemporaryFolder } from "../../helpers/temporary-folder.js";

/** Dequantizes Q4_0 bytes as ggml does: weight = (nibble - 8) * scale, weight j + 16 in the high nibble of byte j. */
function dequantizeQ4Zero(bytes: Uint8Array): Float32Array {
  const values = new Float32Array((bytes.length / 18) * 32);
  for (let block = 0; block < bytes.length / 18; block++) {
    const offset = block * 18;
    const scale = float16BitsToFloat32((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8));
    for (let index = 0; index < 16; index++) {
      const byte = bytes[offset + 2 + index] ?? 0;
      // `+ 0` turns the -0 of a zero under a negative scale into 0.
      values[block * 32 + index] = ((byte & 0x0f) - 8) * scale + 0;
      values[block * 32 + index + 16] = ((byte >> 4) - 8) * scale + 0;
    }
  }
  return values;
}

function tensorValues(tensor: GgufTensor | undefined): Float32Array {
  if (tensor === undefined) throw new Error("no such tensor");
  const bytes = Buffer.concat([...tensor.data()].map((chunk) => Buffer.from(chunk)));
  return dequantizeQ4Zero(new Uint8Array(bytes));
}

describe("parseReplyBlocks", () => {
  it("joins text blocks and keeps the thinking and the tool call apart", () => {
    const parts = parseReplyBlocks([
      { type: "thinking", thinking: "Hm.", signature: "ignored" },
      { type: "text", text: "A" },
      { type: "text", text: "B", citations: null },
      { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } },
    ]);
    expect(parts).toEqual({ thinking: "Hm.", text: "AB", toolUse: { type: "tool_use", name: "Bash", input: { command: "ls" } } });
    expect(parseReplyBlocks([{ type: "text", text: "" }])).toEqual({ thinking: undefined, text: "", toolUse: undefined });
  });

  it("keeps any text exactly", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (text) => parseReplyBlocks([{ type: "text", text }]).text === text));
  });

  it.each([
    [{}, /non-empty JSON array/],
    [[], /non-empty JSON array/],
    [["text"], /block 0 is not an object/],
    [[{ type: "image" }], /block 0: "type" must be "text", "thinking" or "tool_use", not "image"/],
    [[{ type: "text" }], /block 0: "text" must be a string/],
    [[{ type: "text", text: 1 }], /"text" must be a string/],
    [[{ type: "thinking" }], /"thinking" must be a string/],
    [[{ type: "tool_use", input: {} }], /"name" must be a string/],
    [[{ type: "tool_use", name: "run it", input: {} }], /without whitespace/],
    [[{ type: "tool_use", name: "", input: {} }], /non-empty/],
    [[{ type: "tool_use", name: "Bash", input: [] }], /"input" must be a JSON object/],
    [[{ type: "tool_use", name: "Bash" }], /"input" must be a JSON object/],
    [[{ type: "text", text: "a" }, { type: "thinking", thinking: "b" }], /thinking block, and it comes first/],
    [[{ type: "thinking", thinking: "a" }, { type: "thinking", thinking: "b" }], /at most one thinking block/],
    [[{ type: "tool_use", name: "A", input: {} }, { type: "text", text: "b" }], /tool_use block, and it comes last/],
    [[{ type: "tool_use", name: "A", input: {} }, { type: "tool_use", name: "B", input: {} }], /at most one tool_use block/],
  ])("refuses %j", (value, message) => {
    expect(() => parseReplyBlocks(value)).toThrow(message);
  });
});

describe("readReplyFile", () => {
  const folder = useTemporaryFolder("pensieve-reply-file-");

  it("reads a reply", async () => {
    const filePath = path.join(folder.path, "good.json");
    await writeFile(filePath, JSON.stringify([{ type: "text", text: "Hi" }]));
    expect((await readReplyFile(filePath)).text).toBe("Hi");
  });

  it.each([
    ["missing.json", undefined, /cannot read the reply file .*missing\.json: ENOENT$/],
    ["broken.json", "[{", /the reply file .*broken\.json is not JSON: /],
    ["bad.json", '[{"type":"text"}]', /the reply file .*bad\.json: block 0: "text" must be a string$/],
  ])("names the file in one line: %s", async (name, content, message) => {
    const filePath = path.join(folder.path, name);
    if (content !== undefined) await writeFile(filePath, content);
    const failure = readReplyFile(filePath);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toSatisfy((error: Error) => !error.message.includes("\n"));
  });
});

describe("sparseQ4ZeroChunks", () => {
  it("dequantizes exactly to the sparse matrix it describes", () => {
    const cells = fc.array(fc.tuple(fc.nat({ max: 39 }), fc.nat({ max: 95 })), { maxLength: 60 });
    fc.assert(
      fc.property(cells, fc.constantFrom(1, 40, 0.5), (entries, value) => {
        const columnsByRow = new Map<number, number[]>();
        for (const [row, column] of entries) columnsByRow.set(row, [...(columnsByRow.get(row) ?? []), column]);
        const bytes = Buffer.concat([...sparseQ4ZeroChunks(96, 40, columnsByRow, value)].map((chunk) => Buffer.from(chunk)));
        const expected = new Float32Array(96 * 40);
        for (const [row, column] of entries) expected[row * 96 + column] = value;
        // Compared as bytes: a diff of thousands of floats per run would make the property slow.
        expect(Buffer.from(dequantizeQ4Zero(new Uint8Array(bytes)).buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }),
    );
  });

  it("spans chunks for a large vocabulary", () => {
    const chunks = [...sparseQ4ZeroChunks(64, 100_000, new Map([[99_999, [63]]]), 1)];
    expect(chunks.length).toBeGreaterThan(1);
    const last = dequantizeQ4Zero(new Uint8Array(Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)))).subarray(-36));
    expect([...last.subarray(-1)]).toEqual([1]);
  });

  it("refuses rows that are not whole blocks, and values Q4_0 cannot hold exactly", () => {
    expect(() => [...sparseQ4ZeroChunks(48, 1, new Map(), 1)]).toThrow(/whole blocks of 32/);
    expect(() => [...sparseQ4ZeroChunks(32, 1, new Map(), 0.3)]).toThrow(/not exact in F16/);
  });
});

describe("appendDuplicateByteTokens", () => {
  it("adds a distinct byte token per byte, with types and scores", () => {
    const base = createBuiltinVocabulary();
    const { vocabulary, tokenIds } = appendDuplicateByteTokens(base, [0x41, 0x41, 0x0a]);
    expect(tokenIds).toEqual([base.size, base.size + 1, base.size + 2]);
    expect(vocabulary.size).toBe(base.size + 3);
    const list = (key: string) => (vocabulary.metadata.get(key) as { values: ArrayLike<unknown> }).values;
    expect(Array.from(list("tokenizer.ggml.tokens")).slice(-3)).toEqual(["<0x41>#0", "<0x41>#1", "<0x0A>#2"]);
    expect(Array.from(list("tokenizer.ggml.token_type")).slice(-3)).toEqual([tokenTypes.byte, tokenTypes.byte, tokenTypes.byte]);
    expect(list("tokenizer.ggml.scores").length).toBe(base.size + 3);
    expect(new Set(Array.from(list("tokenizer.ggml.tokens"))).size).toBe(base.size + 3);
  });

  it("refuses a vocabulary without token types or with odd scores", () => {
    const base = createBuiltinVocabulary();
    const without = new Map(base.metadata);
    without.delete("tokenizer.ggml.token_type");
    expect(() => appendDuplicateByteTokens({ size: base.size, metadata: without }, [1])).toThrow(/no token types/);
    const oddScores = new Map(base.metadata).set("tokenizer.ggml.scores", { type: "string", value: "x" });
    expect(() => appendDuplicateByteTokens({ size: base.size, metadata: oddScores }, [1])).toThrow(/scores/);
    expect(() => appendDuplicateByteTokens({ size: 0, metadata: new Map() }, [1])).toThrow(/no token list/);
  });
});

describe("replyModelContents", () => {
  const newline = builtinByteTokenId(0x0a) as Token;
  const byte = (value: number): ScriptToken => ({ kind: "byte", byte: value });
  const endOfTurn: ScriptToken = { kind: "token", id: builtinTokenIds.imEnd as Token };

  it("chains each anchor and emitted token to the next, with repeated bytes as distinct tokens", () => {
    const emitted = [byte(0x61), byte(0x61), endOfTurn];
    const script: ReplyScript = { chatWrapperName: "ChatML", segments: [{ anchors: [newline], emitted }] };
    const base = createBuiltinVocabulary();
    const contents = replyModelContents(base, script);
    expect(contents.vocabularySize).toBe(base.size + 2);
    expect(contents.embeddingLength).toBe(64);
    const byName = new Map(contents.tensors.map((tensor) => [tensor.name, tensor]));
    const embedding = tensorValues(byName.get("token_embd.weight"));
    const output = tensorValues(byName.get("output.weight"));
    const next = (token: number) => {
      const row = embedding.subarray(token * 64, (token + 1) * 64);
      const dimension = row.indexOf(1);
      const logits = Array.from({ length: contents.vocabularySize }, (_, candidate) => output[candidate * 64 + dimension] ?? 0);
      return logits.indexOf(40);
    };
    // "\n" → the first "a" → the second "a" → <|im_end|>.
    expect(next(newline)).toBe(base.size);
    expect(next(base.size)).toBe(base.size + 1);
    expect(next(base.size + 1)).toBe(builtinTokenIds.imEnd);
    expect(byName.get("blk.0.attn_q.weight")?.type).toBe("q4_0");
  });

  it("grows the hidden size with the chain, in steps of 32", () => {
    const emitted = Array.from({ length: 100 }, () => byte(0x61));
    const script: ReplyScript = { chatWrapperName: "ChatML", segments: [{ anchors: [newline], emitted }] };
    const contents = replyModelContents(createBuiltinVocabulary(), script);
    expect(contents.embeddingLength).toBe(128);
  });

  it("refuses a script that needs a real token to lead to two tokens", () => {
    const script: ReplyScript = {
      chatWrapperName: "ChatML",
      segments: [
        { anchors: [newline], emitted: [byte(0x61)] },
        { anchors: [newline], emitted: [byte(0x62)] },
      ],
    };
    expect(() => replyModelContents(createBuiltinVocabulary(), script)).toThrow(/followed by both/);
  });
});
