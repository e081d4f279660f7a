import { Option, type Command } from "commander";
import { makeModel, makeScriptedModel, type MadeModel } from "../../models/generator/make-model.js";
import { makeReplyModel } from "../../models/generator/make-reply-model.js";
import { familyShapeNames, type FamilyShapeName } from "../../models/generator/families/family-shapes.js";
import { modelShapeNames, type ModelShapeName } from "../../models/generator/model-shapes.js";
import { modelWeightTypes, type ModelWeightType } from "../../models/generator/model-weight-type.js";
import { readReplyFile } from "../../models/generator/read-reply-file.js";
import { parseSeed } from "./parse-seed.js";

interface MakeModelFlags {
  shape: ModelShapeName | FamilyShapeName;
  type: ModelWeightType;
  vocab?: string;
  chatTemplate?: string;
  seed?: number;
  scripted?: boolean;
  sentence?: string;
  replyFile?: string;
  output: string;
}

/** What the command reports; reply models also name the chat format their reply was rendered for. */
type MadeModelReport = MadeModel & { readonly chatFormat?: string };

export function registerMakeModelCommand(program: Command): void {
  program
    .command("make-model")
    .description(
      "Generate a GGUF for tests and benchmarks: random weights in a real model's shape (llama architecture) or a tiny " +
        "model of another architecture (qwen35, qwen35moe, gemma4, gpt-oss, qwen3moe), " +
        "or a built model that answers a fixed reply (--scripted, --reply-file).",
    )
    .addOption(new Option("--shape <name>", "model shape").choices([...modelShapeNames, ...familyShapeNames]).default("tiny"))
    .addOption(new Option("--type <type>", "weight type of the matrices").choices(modelWeightTypes).default("q8_0"))
    .option("--vocab <file>", "copy the tokenizer from this GGUF (default: the built-in vocabulary)")
    .option("--chat-template <file>", "embed this Jinja chat template (default: the vocabulary's, or ChatML)")
    .addOption(new Option("--seed <number>", "seed of the random weights (default: 1)").argParser(parseSeed))
    .option("--scripted", "generate the demo model instead: it answers one fixed sentence to any prompt")
    .addOption(new Option("--sentence <text>", "what the scripted model answers").implies({ scripted: true }))
    .addOption(
      new Option(
        "--reply-file <file>",
        "generate a model that answers any prompt with the Anthropic content blocks in this JSON file (thinking, text, tool_use)",
      ).conflicts(["scripted", "shape", "type", "seed"]),
    )
    .requiredOption("-o, --output <file>", "where to write the GGUF")
    .action(async (flags: MakeModelFlags, command: Command) => {
      const started = performance.now();
      const made: MadeModelReport = await make(flags).catch((error: unknown) =>
        // A bad vocabulary file, sentence or reply file is a usage error: one line, not a stack trace.
        command.error(`error: ${error instanceof Error ? error.message : String(error)}`),
      );
      const seconds = (performance.now() - started) / 1000;
      const chatFormat = made.chatFormat === undefined ? "" : `, chat format ${made.chatFormat}`;
      console.log(
        `${made.outputPath}: ${formatBytes(made.bytes)}, ${made.tensorCount} tensors, ` +
          `${made.vocabularySize} tokens${chatFormat}, in ${seconds.toFixed(1)} s`,
      );
    });
}

function make(flags: MakeModelFlags): Promise<MadeModelReport> {
  if (flags.replyFile !== undefined) return makeReply(flags, flags.replyFile);
  return flags.scripted === true ? makeScripted(flags) : makeRandom(flags);
}

async function makeReply(flags: MakeModelFlags, replyFile: string): Promise<MadeModelReport> {
  const made = await makeReplyModel({
    outputPath: flags.output,
    reply: await readReplyFile(replyFile),
    ...(flags.vocab === undefined ? {} : { vocabularyPath: flags.vocab }),
  });
  return { ...made, chatFormat: made.chatWrapperName };
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
    ...(flags.chatTemplate === undefined ? {} : { chatTemplatePath: flags.chatTemplate }),
  });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
