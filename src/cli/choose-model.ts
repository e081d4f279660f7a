import type { ModelAlias } from "../engine/routed-engine.js";
import { ModelDownloadError } from "../models/download/download-errors.js";
import { ModelNotDownloadedError } from "../models/model-not-downloaded-error.js";
import { defaultPresetName } from "../models/presets.js";
import { resolveModelPath, type ResolveModelPathOptions } from "../models/resolve-model-path.js";
import type { CommandOutput } from "./commands/command-io.js";
import { DownloadProgressBar } from "./commands/download-progress-bar.js";
import { ensureDemoModel } from "./demo-model.js";

export interface ChosenModel {
  readonly modelPath: string;
  /** The config's aliases, each with the path of its model file. */
  readonly aliases: readonly ModelAlias[];
  readonly demo: boolean;
  /** A paragraph for the user when the choice was not the one they would expect (offline fallback). */
  readonly notice: string | null;
}

/**
 * Which models `pensieve start` serves. The default one: `--demo`; else `--model` / `PENSIEVE_MODEL` / the config
 * file's `model` (a path, preset, `hf:` spec or URL, pulled first when not cached); else the default preset,
 * pulled with a progress bar the first time. When that pull fails (offline, say) the demo model is served so
 * the server still works, and the notice says why. Aliases' models are pulled like `--model`.
 */
export async function chooseModel(options: {
  readonly model: string | undefined;
  readonly demo: boolean;
  readonly home: string;
  /** A Hugging Face token and hub address for pulls; none and huggingface.co when omitted. */
  readonly pull?: { readonly token?: string; readonly hubUrl?: string };
  readonly stderr: CommandOutput;
  readonly aliases?: readonly ModelAlias[];
}): Promise<ChosenModel> {
  const chosen = await chooseDefaultModel(options);
  const aliases: ModelAlias[] = [];
  const skipped: string[] = [];
  for (const alias of options.aliases ?? []) {
    try {
      aliases.push({ pattern: alias.pattern, model: await resolveModelPath(alias.model, { home: options.home, pull: pullOptions(alias.model, options) }) });
    } catch (error) {
      // Like the default model: offline, the server still starts, and says which names fall back.
      if (!(error instanceof ModelDownloadError)) throw error;
      skipped.push(`Could not download ${alias.model} for ${alias.pattern} (${error.message}): those requests go to the default model.`);
    }
  }
  const notice = [chosen.notice, ...skipped].filter((line) => line !== null).join("\n");
  return { ...chosen, aliases, notice: notice === "" ? null : notice };
}

async function chooseDefaultModel(options: Parameters<typeof chooseModel>[0]): Promise<Omit<ChosenModel, "aliases">> {
  const { home } = options;
  if (options.demo) return { modelPath: await ensureDemoModel(home), demo: true, notice: null };
  if (options.model !== undefined) {
    return { modelPath: await resolveModelPath(options.model, { home, pull: pullOptions(options.model, options) }), demo: false, notice: null };
  }
  try {
    return { modelPath: await resolveModelPath(defaultPresetName, { home }), demo: false, notice: null };
  } catch (error) {
    if (!(error instanceof ModelNotDownloadedError)) throw error;
  }
  try {
    options.stderr.write(`No model configured: downloading the default model, ${defaultPresetName} (once; later starts use the copy in ${home}).\n`);
    const modelPath = await resolveModelPath(defaultPresetName, { home, pull: pullOptions(defaultPresetName, options) });
    return { modelPath, demo: false, notice: null };
  } catch (error) {
    if (!(error instanceof ModelDownloadError)) throw error;
    const notice = [
      `Could not download the default model (${defaultPresetName}): ${error.message}.`,
      "Serving the built-in demo model instead, so the server still works end to end, but it answers every prompt with one fixed sentence.",
      `To serve a real model: run \`pensieve pull ${defaultPresetName}\` when online, or start with --model /path/to/model.gguf.`,
    ].join("\n");
    return { modelPath: await ensureDemoModel(home), demo: true, notice };
  }
}

function pullOptions(label: string, options: Parameters<typeof chooseModel>[0]): NonNullable<ResolveModelPathOptions["pull"]> {
  const bar = new DownloadProgressBar(options.stderr, label);
  return { onProgress: (progress) => bar.update(progress), ...options.pull };
}
