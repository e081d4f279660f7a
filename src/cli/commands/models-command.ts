import type { Command } from "commander";
import { findCachedModel } from "../../models/cache/find-cached-model.js";
import { listCachedModels, type CachedModel } from "../../models/cache/list-cached-models.js";
import { modelsFolder } from "../../models/cache/model-cache-paths.js";
import { defaultPresetName, modelPresets } from "../../models/presets.js";
import { pensieveHome } from "../pensieve-home.js";
import { processIo, type CommandIo } from "./command-io.js";
import { formatSize } from "./format-size.js";

interface ModelsFlags {
  json?: boolean;
  presets?: boolean;
}

export function registerModelsCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command("models")
    .description("List downloaded models: name, size, architecture, quantisation and context length.")
    .option("--json", "print JSON")
    .option("--presets", "list the presets `pensieve pull` knows instead")
    .action(async (flags: ModelsFlags) => {
      const home = pensieveHome(io.env);
      if (flags.presets === true) await printPresets(home, flags, io);
      else await printCached(home, flags, io);
    });
}

async function printCached(home: string, flags: ModelsFlags, io: CommandIo): Promise<void> {
  const models = await listCachedModels(home);
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(models.map(toJson), null, 2)}\n`);
    return;
  }
  if (models.length === 0) {
    io.stdout.write(`No models in ${modelsFolder(home)}. Download one: pensieve pull ${defaultPresetName}  (more: pensieve models --presets)\n`);
    return;
  }
  const rows = models.map((model) => [
    model.name,
    formatSize(model.sizeBytes),
    model.summary?.architecture ?? "?",
    model.summary?.fileType ?? "?",
    model.summary?.contextLength === undefined ? "?" : String(model.summary.contextLength),
  ]);
  io.stdout.write(table([["NAME", "SIZE", "ARCH", "QUANT", "CONTEXT"], ...rows]));
  for (const model of models) if (model.problem !== undefined) io.stdout.write(`unusable: ${model.problem}\n`);
}

async function printPresets(home: string, flags: ModelsFlags, io: CommandIo): Promise<void> {
  const presets = await Promise.all(
    modelPresets.map(async (preset) => ({ preset, downloaded: (await findCachedModel(home, { kind: "preset", preset })) !== undefined })),
  );
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(presets.map(({ preset, downloaded }) => ({ ...preset, default: preset.name === defaultPresetName, downloaded })), null, 2)}\n`);
    return;
  }
  const rows = presets.map(({ preset, downloaded }) => [
    `${preset.name}${preset.name === defaultPresetName ? " (default)" : ""}`,
    String(preset.contextLength),
    downloaded ? "yes" : "",
    `hf:${preset.owner}/${preset.repository}/${preset.file}`,
  ]);
  io.stdout.write(table([["PRESET", "CONTEXT", "DOWNLOADED", "SOURCE"], ...rows]));
  for (const { preset } of presets) io.stdout.write(`  ${preset.name}: ${preset.description}\n`);
}

function toJson(model: CachedModel): object {
  return {
    name: model.name,
    path: model.path,
    sizeBytes: model.sizeBytes,
    ...(model.summary === undefined ? {} : { gguf: model.summary }),
    ...(model.problem === undefined ? {} : { problem: model.problem }),
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>((maxima, row) => row.map((cell, index) => Math.max(maxima[index] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join("  ")).join("\n") + "\n";
}
