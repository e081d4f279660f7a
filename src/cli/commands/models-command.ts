import type { Command } from "commander";
import { findCachedModel } from "../../models/cache/find-cached-model.js";
import { listCachedModels, type CachedModel } from "../../models/cache/list-cached-models.js";
import { modelsFolder } from "../../models/cache/model-cache-paths.js";
import { defaultPresetName, modelPresets } from "../../models/presets.js";
import { pensieveHome } from "../pensieve-home.js";
import { processIo, type CommandIo } from "./command-io.js";
import { formatSize } from "./format-size.js";
import { describeFit, detectMachineMemory, presetFit, type MachineMemory } from "./preset-fit.js";

interface ModelsFlags {
  json?: boolean;
  presets?: boolean;
}

export function registerModelsCommand(program: Command, io: CommandIo = processIo, machineMemory: () => Promise<MachineMemory> = detectMachineMemory): void {
  program
    .command("models")
    .description("List downloaded models: name, size, architecture, quantisation and context length.")
    .option("--json", "print JSON")
    .option("--presets", "list the presets `pensieve pull` knows instead, and whether each fits this machine's memory")
    .action(async (flags: ModelsFlags) => {
      const home = pensieveHome(io.env);
      if (flags.presets === true) await printPresets(home, flags, io, await machineMemory());
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

async function printPresets(home: string, flags: ModelsFlags, io: CommandIo, machine: MachineMemory): Promise<void> {
  const presets = await Promise.all(
    modelPresets.map(async (preset) => ({
      preset,
      downloaded: (await findCachedModel(home, { kind: "preset", preset })) !== undefined,
      ram: presetFit(preset, machine.ramBytes),
      gpu: machine.gpu === null ? null : presetFit(preset, machine.gpu.freeBytes),
    })),
  );
  if (flags.json === true) {
    const entries = presets.map(({ preset, downloaded, ram, gpu }) => ({ ...preset, default: preset.name === defaultPresetName, downloaded, fits: { ram, gpu } }));
    io.stdout.write(`${JSON.stringify({ memory: machine, presets: entries }, null, 2)}\n`);
    return;
  }
  const gpuHeader = machine.gpu === null ? [] : [`FITS ${machine.gpu.kind.toUpperCase()} (${formatSize(machine.gpu.freeBytes)})`];
  const rows = presets.map(({ preset, downloaded, ram, gpu }) => [
    `${preset.name}${preset.name === defaultPresetName ? " (default)" : ""}`,
    formatSize(preset.memoryShape.weightsBytes),
    String(preset.contextLength),
    describeFit(ram),
    ...(gpu === null ? [] : [describeFit(gpu)]),
    downloaded ? "yes" : "",
    `hf:${preset.owner}/${preset.repository}/${preset.file}`,
  ]);
  io.stdout.write(table([["PRESET", "WEIGHTS", "CONTEXT", `FITS RAM (${formatSize(machine.ramBytes)})`, ...gpuHeader, "DOWNLOADED", "SOURCE"], ...rows]));
  io.stdout.write("Fits: the largest context (up to 32768 tokens) whose estimated memory fits, as start would pick it.\n");
  for (const { preset } of presets) {
    io.stdout.write(`  ${preset.name}: ${preset.description}${preset.unchecked === undefined ? "" : ` Not checked against the model card: ${preset.unchecked}.`}\n`);
  }
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
