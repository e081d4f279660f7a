import path from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { memoryShapeFromGguf } from "../../src/engine/llama/memory-shape-from-gguf.js";
import { shapeInfoFromScan } from "../../src/engine/llama/shape-info-from-scan.js";
import { makeModel } from "../../src/models/generator/make-model.js";
import { scanGgufHeader } from "../../src/models/gguf/gguf-header-scanner.js";
import { useTemporaryFolder } from "../helpers/temporary-folder.js";
import { testModelPath } from "../helpers/test-models.js";
import { wideFamilyModelPath } from "../helpers/wide-family-test-models.js";

describe("shapeInfoFromScan", () => {
  const folder = useTemporaryFolder("pensieve-shape-scan-");

  /** The memory plan reads the header scan; it must find the shape node-llama-cpp's whole parse gives. */
  const expectSameShape = async (modelPath: string): Promise<void> => {
    const fromScan = memoryShapeFromGguf(shapeInfoFromScan(await scanGgufHeader(modelPath)));
    const fromParse = memoryShapeFromGguf(await readGgufFileInfo(modelPath, { readTensorInfo: true }));
    expect(fromScan).toEqual(fromParse);
    expect(fromScan.weightsBytes).toBeGreaterThan(0);
    expect(fromScan.layers.length).toBeGreaterThan(0);
  };

  it("gives the shape node-llama-cpp's parse gives, for the llama shapes", { timeout: 120_000 }, async () => {
    await expectSameShape(await testModelPath("tiny"));
    await expectSameShape(await testModelPath("qwen2.5-0.5b-q4_0"));
  });

  it("gives the shape node-llama-cpp's parse gives, for today's architectures (recurrent, sliding-window, shared-KV, MoE layers)", { timeout: 300_000 }, async () => {
    for (const shape of ["qwen35", "qwen35moe", "gemma4", "gpt-oss", "qwen3moe"] as const) {
      const made = await makeModel({ shape, type: "q8_0", outputPath: path.join(folder.path, `${shape}.gguf`) });
      await expectSameShape(made.outputPath);
    }
    for (const name of ["qwen35moe-wide", "gpt-oss-wide", "gemma4-wide"] as const) await expectSameShape(await wideFamilyModelPath(name));
  });
});
