import { describe, expect, it } from "vitest";
import { selectQuantizationFile } from "../../../src/models/hub/select-quantization-file.js";

const qwenFiles = [
  ".gitattributes",
  "LICENSE",
  "README.md",
  "qwen2.5-7b-instruct-q2_k.gguf",
  "qwen2.5-7b-instruct-q4_0-00001-of-00002.gguf",
  "qwen2.5-7b-instruct-q4_0-00002-of-00002.gguf",
  "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf",
  "qwen2.5-7b-instruct-q4_k_m-00002-of-00002.gguf",
  "qwen2.5-7b-instruct-fp16-00001-of-00004.gguf",
];

describe("selectQuantizationFile", () => {
  it("matches the quantisation at the end of the name, case-insensitively", () => {
    expect(selectQuantizationFile(["Phi-3-mini-4k-instruct-fp16.gguf", "Phi-3-mini-4k-instruct-q4.gguf"], "Q4", "microsoft/Phi-3")).toEqual({
      file: "Phi-3-mini-4k-instruct-q4.gguf",
      partCount: 1,
    });
    expect(selectQuantizationFile(qwenFiles, "Q2_K", "Qwen/x").file).toBe("qwen2.5-7b-instruct-q2_k.gguf");
  });

  it("does not take q4 for q4_k_m, and never picks a multimodal projector", () => {
    const files = ["m-Q4_K_M.gguf", "m-Q4_0.gguf", "mmproj-m-Q4_0.gguf"];
    expect(selectQuantizationFile(files, "q4_0", "a/m").file).toBe("m-Q4_0.gguf");
    expect(() => selectQuantizationFile(files, "q4", "a/m")).toThrow(/no GGUF file for quantisation q4; files: m-Q4_K_M\.gguf, m-Q4_0\.gguf/);
  });

  it("gives the first part and the part count of a split model", () => {
    expect(selectQuantizationFile(qwenFiles, "q4_k_m", "Qwen/x")).toEqual({ file: "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", partCount: 2 });
  });

  it("takes a repository's only model file when no quantisation is given, and lists choices otherwise", () => {
    expect(selectQuantizationFile(["README.md", "only.gguf"], undefined, "a/b").file).toBe("only.gguf");
    expect(() => selectQuantizationFile(qwenFiles, undefined, "Qwen/x")).toThrow(/several GGUF files; name one with hf:Qwen\/x:<quantisation>/);
    expect(() => selectQuantizationFile(["README.md"], undefined, "a/b")).toThrow(/a\/b has no GGUF files/);
  });

  it("refuses an ambiguous quantisation", () => {
    expect(() => selectQuantizationFile(["a/m-Q8_0.gguf", "b/m-Q8_0.gguf"], "Q8_0", "x/y")).toThrow(/several files for Q8_0.*a\/m-Q8_0\.gguf, b\/m-Q8_0\.gguf/);
  });
});
