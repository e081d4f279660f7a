import { describe, expect, it } from "vitest";
import { ModelSpecError } from "../../../src/models/model-spec-error.js";
import { formatModelSpec, parseModelSpec } from "../../../src/models/model-spec.js";
import { defaultPresetName, findPreset, modelPresets } from "../../../src/models/presets.js";

describe("parseModelSpec", () => {
  it("reads a hub file, in a folder of the repository too", () => {
    expect(parseModelSpec("hf:Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf")).toEqual({
      kind: "hugging-face-file",
      owner: "Qwen",
      repository: "Qwen3-4B-GGUF",
      file: "Qwen3-4B-Q4_K_M.gguf",
      revision: "main",
    });
    expect(parseModelSpec("hf:acme/big-GGUF/Q4_K_M/big-Q4_K_M.gguf")).toMatchObject({ file: "Q4_K_M/big-Q4_K_M.gguf" });
  });

  it("reads a quantisation, or none", () => {
    expect(parseModelSpec("hf:bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M")).toEqual({
      kind: "hugging-face-quantization",
      owner: "bartowski",
      repository: "Llama-3.2-3B-Instruct-GGUF",
      quantization: "Q4_K_M",
      revision: "main",
    });
    expect(parseModelSpec("hf:acme/one-GGUF")).toEqual({ kind: "hugging-face-quantization", owner: "acme", repository: "one-GGUF", revision: "main" });
  });

  it("turns a huggingface.co resolve or blob URL into a hub file, so its hash is checked", () => {
    expect(parseModelSpec("https://huggingface.co/Qwen/Qwen3-4B-GGUF/resolve/main/Qwen3-4B-Q4_K_M.gguf")).toMatchObject({
      kind: "hugging-face-file",
      owner: "Qwen",
      file: "Qwen3-4B-Q4_K_M.gguf",
    });
    expect(parseModelSpec("https://huggingface.co/acme/x-GGUF/blob/v1.0/x%20y.gguf")).toMatchObject({ revision: "v1.0", file: "x y.gguf" });
  });

  it("keeps a huggingface.co URL it cannot read as a hub file as a plain URL, and refuses broken encoding", () => {
    expect(parseModelSpec("https://huggingface.co/acme/x/resolve/main/m.gguf?token=1").kind).toBe("url");
    expect(parseModelSpec("https://huggingface.co/acme/x/resolve/main/m.gguf?download=true").kind).toBe("hugging-face-file");
    expect(parseModelSpec("https://huggingface.co/acme/x/tree/main/m.gguf").kind).toBe("url");
    expect(parseModelSpec("https://huggingface.co/acme/x/resolve/refs%2Fpr%2F1/m.gguf").kind).toBe("url");
    expect(() => parseModelSpec("https://huggingface.co/acme/x/resolve/main/%E0%A4%A.gguf")).toThrow(/not valid percent-encoding/);
  });

  it("keeps other URLs as URLs, http:// included (the download policy decides)", () => {
    expect(parseModelSpec("https://example.com/models/a.gguf")).toEqual({ kind: "url", url: new URL("https://example.com/models/a.gguf") });
    expect(parseModelSpec("http://127.0.0.1:8000/a.gguf").kind).toBe("url");
  });

  it("reads a preset name, case-insensitively, and anything else as a path", () => {
    expect(parseModelSpec("Qwen3-4B")).toEqual({ kind: "preset", preset: findPreset("qwen3-4b") });
    expect(parseModelSpec("./models/qwen3-4b")).toEqual({ kind: "path", path: "./models/qwen3-4b" });
    expect(parseModelSpec("/abs/model.gguf")).toEqual({ kind: "path", path: "/abs/model.gguf" });
  });

  it.each([
    ["", /empty/],
    ["file:///etc/passwd", /file:\/\/ is not accepted/],
    ["ftp://x/y.gguf", /ftp:\/\/ is not accepted/],
    ["hf:acme", /expected hf:<owner>\/<repository>/],
    ["hf:acme/repo/../../etc/passwd.gguf", /not a safe file path/],
    ["hf:acme/repo/./x.gguf", /not a safe file path/],
    ["hf:acme/repo/a\\..\\x.gguf", /not a safe file path/],
    ["hf:acme/repo//x.gguf", /not a safe file path/],
    ["hf:acme/repo/readme.md", /not a \.gguf file/],
    ["hf:..//repo:Q4", /not a valid Hugging Face owner name/],
    ["hf:acme/re..po:Q4", /not a valid Hugging Face repository name/],
    ["hf:acme/repo:Q4/../x.gguf", /not a valid Hugging Face repository name/],
    ["hf:acme/repo:Q4 K", /not a quantisation name/],
    ["https://exa mple.com/a.gguf", /not a valid URL/],
  ])("refuses %j", (spec, message) => {
    expect(() => parseModelSpec(spec)).toThrow(ModelSpecError);
    expect(() => parseModelSpec(spec)).toThrow(message);
  });

  it("writes a spec back in canonical form", () => {
    expect(formatModelSpec(parseModelSpec("hf:acme/repo:q8_0"))).toBe("hf:acme/repo:q8_0");
    expect(formatModelSpec(parseModelSpec("qwen3-4b"))).toBe("qwen3-4b");
    expect(formatModelSpec(parseModelSpec("hf:acme/repo"))).toBe("hf:acme/repo");
    expect(formatModelSpec(parseModelSpec("hf:acme/repo/a/b.gguf"))).toBe("hf:acme/repo/a/b.gguf");
    expect(formatModelSpec(parseModelSpec("./m.gguf"))).toBe("./m.gguf");
    expect(formatModelSpec(parseModelSpec("https://example.com/m.gguf"))).toBe("https://example.com/m.gguf");
  });
});

describe("modelPresets", () => {
  it("are unique, well-formed hub files with a context length and a description, and include the default", () => {
    const names = modelPresets.map((preset) => preset.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain(defaultPresetName);
    for (const preset of modelPresets) {
      expect(parseModelSpec(`hf:${preset.owner}/${preset.repository}/${preset.file}`).kind).toBe("hugging-face-file");
      expect(preset.contextLength).toBeGreaterThanOrEqual(4096);
      expect(preset.description.length).toBeGreaterThan(20);
    }
    expect(names).toEqual(expect.arrayContaining(["phi-3-mini", "qwen2.5-1.5b", "llama-3.2-3b"]));
  });
});
