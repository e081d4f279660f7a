import { Option, type Command } from "commander";
import { makeModel, makeScriptedModel, type MadeModel } from "../../models/generator/make-model.js";
import { modelShapeNames, type ModelShapeName } from "../../models/generator/model-shapes.js";
import { modelWeightTypes, type ModelWeightType } from "../../models/generator/model-weight-type.js";
import { parseSeed } from "./parse-seed.js";

interface MakeModelFlags {
  shape: ModelShapeName;
  type: ModelWeightType;
  vocab?: string;
  seed?: number;
  scripted?: boolean;
  sentence?: string;
  output: string;
}

export function registerMakeModelCommand(program: Command): void {
  program
    .command("make-model")
    .description("Generate a llama-architecture GGUF with a real model's shape and random weights, for tests and benchmarks.")
    .addOption(new Option("--shape <name>", "model shape").choices(modelShapeNames).default("tiny"))
    .addOption(new Option("--type <type>", "weight type of the matrices").choices(modelWeightTypes).default("q8_0"))
    .option("--vocab <file>", "copy the tokenizer from this GGUF (default: the built-in vocabulary)")
    .addOption(new Option("--seed <number>", "seed of the random weights (default: 1)").argParser(parseSeed))
    .option("--scripted", "generate the demo model instead: it answers one fixed sentence to any prompt")
    .addOption(new Option("--sentence <text>", "what the scripted model answers").implies({ scripted: true }))
    .requiredOption("-o, --output <file>", "where to write the GGUF")
    .action(async (flags: MakeModelFlags, command: Command) => {
      const started = performance.now();
      const made = await (flags.scripted === true ? makeScripted(flags) : makeRandom(flags)).catch((error: unknown) =>
        // A bad vocabulary file or sentence is a usage error: one line, not a stack trace.
        command.error(`error: ${error instanceof Error ? error.message : String(error)}`),
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${made.outputPath}: ${formatBytes(made.bytes)}, ${made.tensorCount} tensors, ` +
          `${made.vocabularySize} tokens, in ${seconds.toFixed(1)} s`,
      );
    });
}

function makeScripted(flags: MakeModelFlags): Promise<MadeModel> {
  return makeScriptedModel({ outputPath: flags.output, ...(flags.sentence === undefined ? {} : { sentence: flags.sentence }) });
}

function makeRandom(flags: MakeModelFlags): Promise<MadeModel> {
  return makeModel({
    shape: flags.shape,
    type: flags.type,
    outputPath: flags.output,
    ...(flags.vocab === undefined ? {} : { vocabularyPath: flags.vocab }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
  });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
