import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { makeModelProgram } from "../../helpers/make-model-program.js";
import { useTemporaryFolder } from "../../helpers/temporary-folder.js";

// The successful run (which starts llama.cpp) is in test/integration/reply-model.test.ts.
describe("pensieve make-model --reply-file", () => {
  const folder = useTemporaryFolder("pensieve-make-model-reply-");

  it.each([
    ["missing.json", undefined, /^error: cannot read the reply file .*missing\.json: ENOENT$/],
    ["not-json.json", "{ type: text }", /^error: the reply file .*not-json\.json is not JSON: /],
    ["not-blocks.json", '{"type":"text","text":"Hi"}', /^error: the reply file .*not-blocks\.json: a reply is a non-empty JSON array/],
    [
      "bad-tool.json",
      '[{"type":"tool_use","name":"Bash","input":"ls"}]',
      /^error: the reply file .*bad-tool\.json: block 0: "input" must be a JSON object$/,
    ],
  ])("reports a bad reply file (%s) as one usage error line, and writes nothing", async (name, content, message) => {
    const replyFile = path.join(folder.path, name);
    if (content !== undefined) await writeFile(replyFile, content);
    const outputPath = path.join(folder.path, `${name}.gguf`);
    const { root, output } = makeModelProgram();
    const failure = root.parseAsync(["make-model", "--reply-file", replyFile, "-o", outputPath], { from: "user" });
    await expect(failure).rejects.toBeInstanceOf(CommanderError);
    expect(output.err.trim()).toMatch(message);
    expect(output.err.trim().split("\n")).toHaveLength(1);
    expect(existsSync(outputPath)).toBe(false);
  });

  it.each([["--scripted"], ["--sentence", "Hi"], ["--shape", "tiny"], ["--type", "f16"], ["--seed", "2"]])(
    "refuses %s together with --reply-file",
    async (...option) => {
      const { root, output } = makeModelProgram();
      const argumentList = ["make-model", "--reply-file", "reply.json", ...option, "-o", path.join(folder.path, "x.gguf")];
      const failure = root.parseAsync(argumentList, { from: "user" });
      await expect(failure).rejects.toBeInstanceOf(CommanderError);
      expect(output.err).toMatch(/--reply-file .* cannot be used with option/);
    },
  );
});
