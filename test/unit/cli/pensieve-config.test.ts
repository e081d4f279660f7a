import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, readPensieveConfig } from "../../../src/cli/pensieve-config.js";

describe("readPensieveConfig", () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "pensieve-config-"));
  });
  afterEach(async () => rm(home, { recursive: true, force: true }));

  const write = async (content: unknown, name = "config.json"): Promise<string> => {
    const filePath = path.join(home, name);
    await writeFile(filePath, typeof content === "string" ? content : JSON.stringify(content));
    return filePath;
  };

  it("is empty when there is no config.json in the home folder", async () => {
    expect(await readPensieveConfig(undefined, home)).toEqual({ aliases: [] });
  });

  it("reads the default model and the aliases in the file's order, paths relative to the file", async () => {
    await write({ model: "qwen3-4b", aliases: { "claude-*haiku*": "small.gguf", "claude-*": "/models/big.gguf", "gpt-*": "hf:owner/repo:Q4_K_M" } });
    expect(await readPensieveConfig(undefined, home)).toEqual({
      model: "qwen3-4b",
      aliases: [
        { pattern: "claude-*haiku*", model: path.join(home, "small.gguf") },
        { pattern: "claude-*", model: "/models/big.gguf" },
        { pattern: "gpt-*", model: "hf:owner/repo:Q4_K_M" },
      ],
    });
  });

  it("reads an explicit file, and refuses one that is missing", async () => {
    const filePath = await write({ model: "./here.gguf" }, "other.json");
    expect(await readPensieveConfig(filePath, "/nonexistent")).toEqual({ model: path.join(home, "here.gguf"), aliases: [] });
    await expect(readPensieveConfig(path.join(home, "missing.json"), home)).rejects.toThrow(/cannot read the config file .*missing\.json/);
  });

  it.each([
    ["not JSON", "{ model: ", /is not valid JSON/],
    ["an array", [], /expected a JSON object/],
    ["an unknown setting", { modle: "x" }, /unknown setting "modle" \(known: model, aliases, pools\)/],
    ["an empty model", { model: " " }, /"model" must be a model spec/],
    ["aliases as a list", { aliases: ["claude-*"] }, /"aliases" must map model-name patterns to model specs/],
    ["an alias to a number", { aliases: { "claude-*": 3 } }, /alias "claude-\*" must name a model spec/],
    ["an empty pattern", { aliases: { "": "x.gguf" } }, /an alias pattern is empty/],
    ["a bad hub spec", { aliases: { "claude-*": "hf:nobody" } }, /hf:nobody: /],
  ])("refuses %s with a ConfigError naming the file", async (_label, content, message) => {
    const filePath = await write(content);
    const reading = readPensieveConfig(undefined, home);
    await expect(reading).rejects.toBeInstanceOf(ConfigError);
    await expect(reading).rejects.toThrow(message);
    await expect(reading).rejects.toThrow(filePath);
  });
});
