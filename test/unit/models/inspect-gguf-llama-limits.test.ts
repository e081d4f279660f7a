import { describe, expect, it } from "vitest";
import type { GgufValue } from "../../../src/models/gguf/gguf-value.js";
import { inspectGguf } from "../../../src/models/inspect-gguf.js";
import { UnsafeModelFileError } from "../../../src/models/unsafe-model-file-error.js";
import type { GgufHeaderEdit, MutatedTensorInfo } from "../../helpers/mutated-gguf.js";
import { useMutatedGgufFiles } from "../../helpers/mutated-gguf-files.js";
import { wellFormedLayouts } from "../../helpers/well-formed-layouts.js";

// Each case is a copy of the tiny llama model with one claim that llama.cpp asserts on (GGML_ASSERT: the
// process aborts) or otherwise cannot survive; each passed inspectGguf before these checks existed. The
// integration test models-gguf-fuzz.test.ts loads what passes in a child process.

const ggufFiles = useMutatedGgufFiles("pensieve-limits-");

const uint32 = (value: number): GgufValue => ({ type: "uint32", value });
const float32 = (value: number): GgufValue => ({ type: "float32", value });
const set = (...entries: [string, GgufValue][]): GgufHeaderEdit => ({ metadata: new Map(entries) });
const tensor = (name: string, dimensions: readonly bigint[], typeId: number): GgufHeaderEdit => ({
  tensors: new Map<string, MutatedTensorInfo>([[name, { dimensions, typeId }]]),
});

const refusals: readonly (readonly [string, GgufHeaderEdit, RegExp])[] = [
  ["no layers", set(["llama.block_count", uint32(0)]), /llama\.block_count is 0; llama\.cpp asserts 1 to 512 layers \(LLAMA_MAX_LAYERS\)/],
  ["more layers than LLAMA_MAX_LAYERS", set(["llama.block_count", uint32(513)]), /block_count is 513; llama\.cpp asserts 1 to 512/],
  ["a layer count of 2^32-1", set(["llama.block_count", uint32(2 ** 32 - 1)]), /block_count is 4294967295/],
  ["a layer count stored as a float (node-llama-cpp's estimate loops over it)", set(["llama.block_count", float32(1e9)]), /llama\.block_count is stored as float32; llama\.cpp reads it as a uint32/],
  ["a layer count stored as an array", set(["llama.block_count", { type: "array", elementType: "uint32", values: [2 ** 32 - 1] }]), /llama\.block_count is an array; llama\.cpp reads it as one uint32/],
  ["more prediction layers than layers", set(["llama.nextn_predict_layers", uint32(3)]), /nextn_predict_layers is 3, more than the 2 layers/],
  ["more experts than LLAMA_MAX_EXPERTS", set(["llama.expert_count", uint32(1025)], ["llama.expert_used_count", uint32(2)]), /expert_count is 1025; llama\.cpp asserts at most 1024 \(LLAMA_MAX_EXPERTS\)/],
  ["used experts without experts", set(["llama.expert_used_count", uint32(2)]), /expert_used_count is 2, more than the 0 experts/],
  ["experts none of which is used", set(["llama.expert_count", uint32(8)]), /expert_count is 8 but no layer uses any expert/],
  ["expert groups without experts", set(["llama.expert_group_count", uint32(2)]), /expert_group_count is 2 in a model without experts/],
  [
    "expert groups that do not divide the experts",
    set(["llama.expert_count", uint32(8)], ["llama.expert_used_count", uint32(2)], ["llama.expert_group_count", uint32(3)], ["llama.expert_group_used_count", uint32(1)]),
    /8 experts in 3 groups with 1 used; llama\.cpp asserts the groups divide the experts/,
  ],
  ["key/value heads that do not divide the heads", set(["llama.attention.head_count_kv", uint32(3)]), /layer 0 has 4 attention heads and 3 key\/value heads; llama\.cpp aborts \(ggml_can_mul_mat\)/],
  ["more key/value heads than heads", set(["llama.attention.head_count_kv", uint32(8)]), /4 attention heads and 8 key\/value heads/],
  [
    "a head width whose product with the heads wraps",
    set(["llama.attention.key_length", uint32(2 ** 30)], ["llama.attention.value_length", uint32(2 ** 30)], ["llama.rope.dimension_count", uint32(2 ** 30)]),
    /layer 0 has 4 heads of width 1073741824: llama\.cpp's uint32 product of the two wraps around/,
  ],
  ["a per-layer array of the wrong length", set(["llama.attention.head_count", { type: "array", elementType: "uint32", values: [4, 4, 4] }]), /head_count has 3 values for 2 layers/],
  ["a per-layer array of floats", set(["llama.feed_forward_length", { type: "array", elementType: "float32", values: [128, 128] }]), /feed_forward_length is an array of float32/],
  ["key/value heads that differ between layers", set(["llama.attention.head_count_kv", { type: "array", elementType: "uint32", values: [2, 1] }]), /head_count_kv differs between layers, which the llama architecture does not support/],
  ["no attention heads", set(["llama.attention.head_count", uint32(0)]), /llama\.attention\.head_count is 0; llama tensors would have an empty dimension/],
  ["no key/value heads", set(["llama.attention.head_count_kv", uint32(0)]), /head_count_kv is 0/],
  ["no feed-forward width", set(["llama.feed_forward_length", uint32(0)]), /feed_forward_length is 0/],
  ["no embedding width", set(["llama.embedding_length", uint32(0)]), /embedding_length is 0: llama\.cpp asserts every tensor dimension is at least 1/],
  ["keys and values of different widths", set(["llama.attention.value_length", uint32(8)]), /keys are 16 wide and values 8; the llama graph asserts they are the same/],
  ["rotary dimensions other than the head width", set(["llama.rope.dimension_count", uint32(8)]), /rope\.dimension_count is 8 for heads 16 wide/],
  ["an unknown rope scaling type", set(["llama.rope.scaling.type", { type: "string", value: "bogus" }]), /rope\.scaling\.type is "bogus"; llama\.cpp knows none, linear, yarn, longrope/],
  ["a NaN norm epsilon", set(["llama.attention.layer_norm_rms_epsilon", float32(Number.NaN)]), /layer_norm_rms_epsilon is NaN; ggml asserts a norm's epsilon is at least 0/],
  ["a negative norm epsilon", set(["llama.attention.layer_norm_rms_epsilon", float32(-1)]), /layer_norm_rms_epsilon is -1/],
  ["a context of 0 tokens", set(["llama.context_length", uint32(0)]), /context_length is 0; a usable model has 1 to 2147483647 tokens/],
  ["a context past int32", set(["llama.context_length", uint32(2 ** 31)]), /context_length is 2147483648/],
  ["a matrix of a type without a CPU dot product", tensor("blk.0.attn_q.weight", [64n, 64n], 9), /tensor blk\.0\.attn_q\.weight is a Q8_1 matrix; ggml's CPU backend has no dot product/],
  ["an integer matrix", tensor("token_embd.weight", [64n, 3576n], 26), /tensor token_embd\.weight is a I32 matrix/],
  ["a norm that is not F32", tensor("blk.0.attn_norm.weight", [64n], 1), /tensor blk\.0\.attn_norm\.weight is F16; a norm or one-dimensional weight must be F32/],
  ["a tensor of another shape than the metadata's", tensor("blk.0.attn_q.weight", [128n, 32n], 8), /tensor blk\.0\.attn_q\.weight is 128×32, but the metadata makes llama\.cpp expect 64×64/],
  ["a row that is not whole blocks of the metadata's width", tensor("blk.0.attn_q.weight", [256n, 64n], 12), /attn_q\.weight is 256×64, but the metadata makes llama\.cpp expect 64×64/],
  [
    "a vocabulary shorter than the embedding",
    set(["tokenizer.ggml.tokens", { type: "array", elementType: "string", values: ["a", "b"] }]),
    /tensor token_embd\.weight is 64×3576, but the metadata makes llama\.cpp expect 64×2/,
  ],
  [
    "WavTokenizer PosNet blocks past its layers",
    { architecture: "wavtokenizer-dec", metadata: new Map([["wavtokenizer-dec.posnet.block_count", uint32(3)]]) },
    /wavtokenizer-dec\.posnet\.block_count is 3, more than the 2 layers/,
  ],
  ["no vocabulary", set(["tokenizer.ggml.model", { type: "string", value: "none" }]), /tokenizer\.ggml\.model is "none": the file has no vocabulary/],
  ["a WordPiece vocabulary with byte tokens", set(["tokenizer.ggml.model", { type: "string", value: "bert" }]), /the WordPiece \(bert\) vocabulary has byte tokens/],
  [
    "qwen2 heads that do not make up the embedding",
    { architecture: "qwen2", metadata: new Map([["qwen2.attention.key_length", uint32(8)], ["qwen2.attention.value_length", uint32(8)], ["qwen2.rope.dimension_count", uint32(8)]]) },
    /4 heads of width 8 do not make up the embedding of 64; ggml aborts reshaping the qwen2 queries/,
  ],
];

describe("inspectGguf refuses what llama.cpp would abort on, with the reason", () => {
  it.each(refusals)("%s", async (_name, edit, reason) => {
    const filePath = await ggufFiles.write(edit);
    const error = await inspectGguf(filePath).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeModelFileError);
    expect((error as UnsafeModelFileError).reason).toMatch(reason);
  });
});

describe("inspectGguf keeps accepting well-formed layouts", () => {
  it.each(wellFormedLayouts)("%s", async (_name, edit) => {
    await expect(inspectGguf(await ggufFiles.write(edit))).resolves.toMatchObject({ tensorCount: expect.any(Number) });
  });

  it("leaves to llama.cpp what it reports itself: a CLIP projector, a file without block_count", async () => {
    await expect(inspectGguf(await ggufFiles.write({ architecture: "clip", metadata: new Map([["clip.block_count", uint32(0)]]) }))).resolves.toMatchObject({ architecture: "clip" });
    await expect(inspectGguf(await ggufFiles.write({ metadata: new Map([["llama.block_count", undefined]]) }))).resolves.toMatchObject({ architecture: "llama" });
  });

  it("accepts experts within every limit (llama.cpp then asks for the expert tensors itself)", async () => {
    const edit = set(["llama.expert_count", uint32(8)], ["llama.expert_used_count", uint32(2)], ["llama.expert_group_count", uint32(2)], ["llama.expert_group_used_count", uint32(1)]);
    await expect(inspectGguf(await ggufFiles.write(edit))).resolves.toMatchObject({ architecture: "llama" });
  });

  it("lets a speculative draft keep its I64 vocabulary map", async () => {
    await expect(inspectGguf(await ggufFiles.write(tensor("d2t", [8n], 27)))).resolves.toMatchObject({ architecture: "llama" });
  });

  it("treats one expert as none in the two Hunyuan architectures, as llama.cpp does", async () => {
    const edit = { architecture: "hunyuan-dense", metadata: new Map([["hunyuan-dense.expert_count", uint32(1)]]) };
    await expect(inspectGguf(await ggufFiles.write(edit))).resolves.toMatchObject({ architecture: "hunyuan-dense" });
  });
});
