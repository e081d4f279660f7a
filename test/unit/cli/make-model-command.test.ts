import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { CommanderError } from "commander";
import { describe, expect, it, vi } from "vitest";
import { readGgufMetadata } from "../../../src/models/gguf/gguf-metadata-reader.js";
import { makeModelProgram } from "../../helpers/make-model-program.js";
import { useTemporaryFolder } from "../../helpers/temporary-folder.js";

describe("pensieve make-model", () => {
  const folder = useTemporaryFolder("pensieve-make-model-");

  it("writes a tiny random model and prints its size", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const outputPath = path.join(folder.path, "tiny.gguf");
      await makeModelProgram().root.parseAsync(["make-model", "--shape", "tiny", "--type", "q4_0", "--seed", "7", "-o", outputPath], { from: "user" });
      const { metadata } = await readGgufMetadata(outputPath);
      expect(metadata.get("general.architecture")).toEqual({ type: "string", value: "llama" });
      expect(log.mock.calls[0]?.[0]).toMatch(/tiny\.gguf: [\d.]+ KiB, \d+ tensors, \d+ tokens, in [\d.]+ s$/);
    } finally {
      log.mockRestore();
    }
  });

  it("writes a tiny model of another architecture with an embedded chat template (--shape qwen35 --chat-template)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const templatePath = path.join(folder.path, "template.jinja");
      await writeFile(templatePath, "{% for message in messages %}{{ message.content }}{% endfor %}");
      const outputPath = path.join(folder.path, "qwen35.gguf");
      await makeModelProgram().root.parseAsync(["make-model", "--shape", "qwen35", "--chat-template", templatePath, "-o", outputPath], { from: "user" });
      const { metadata } = await readGgufMetadata(outputPath);
      expect(metadata.get("general.architecture")).toEqual({ type: "string", value: "qwen35" });
      expect(metadata.get("qwen35.full_attention_interval")).toEqual({ type: "uint32", value: 4 });
      expect(metadata.get("tokenizer.chat_template")).toEqual({ type: "string", value: "{% for message in messages %}{{ message.content }}{% endfor %}" });
    } finally {
      log.mockRestore();
    }
  });

  it("writes the scripted model with its own sentence, --sentence implying --scripted", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const outputPath = path.join(folder.path, "scripted.gguf");
      await makeModelProgram().root.parseAsync(["make-model", "--sentence", "Only this.", "-o", outputPath], { from: "user" });
      expect((await readFile(outputPath)).subarray(0, 4).toString("latin1")).toBe("GGUF");
      await makeModelProgram().root.parseAsync(["make-model", "--scripted", "-o", path.join(folder.path, "demo.gguf")], { from: "user" });
      expect(log).toHaveBeenCalledTimes(2);
    } finally {
      log.mockRestore();
    }
  });

  it("prints a MiB size for a larger model", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await makeModelProgram().root.parseAsync(["make-model", "--type", "f16", "-o", path.join(folder.path, "f16.gguf")], { from: "user" });
      expect(log.mock.calls[0]?.[0]).toMatch(/ [\d.]+ MiB, /);
    } finally {
      log.mockRestore();
    }
  });

  it("reports a bad vocabulary file as one usage error line", async () => {
    const vocabularyPath = path.join(folder.path, "not-a-vocabulary.gguf");
    await writeFile(vocabularyPath, "not a gguf file");
    const { root, output } = makeModelProgram();
    const failure = root.parseAsync(["make-model", "--vocab", vocabularyPath, "-o", path.join(folder.path, "never.gguf")], { from: "user" });
    await expect(failure).rejects.toBeInstanceOf(CommanderError);
    expect(output.err).toMatch(/^error: /);
    expect(output.err.trim().split("\n")).toHaveLength(1);
  });

  it.each(["-1", "1.5", "4294967296", "seven"])("refuses the seed %s", async (seed) => {
    const { root, output } = makeModelProgram();
    await expect(root.parseAsync(["make-model", "--seed", seed, "-o", path.join(folder.path, "x.gguf")], { from: "user" })).rejects.toBeInstanceOf(
      CommanderError,
    );
    expect(output.err).toContain("expected an integer from 0 to 4294967295");
  });

  it("refuses an unknown shape and requires --output", async () => {
    await expect(makeModelProgram().root.parseAsync(["make-model", "--shape", "huge", "-o", "x.gguf"], { from: "user" })).rejects.toThrow(/huge/);
    await expect(makeModelProgram().root.parseAsync(["make-model"], { from: "user" })).rejects.toThrow(/--output/);
  });
});
