import type { Command } from "commander";
import { pullModel, type PullEvent, type PulledModel } from "../../models/pull-model.js";
import { pensieveHome } from "../pensieve-home.js";
import { processIo, type CommandIo } from "./command-io.js";
import { DownloadProgressBar } from "./download-progress-bar.js";
import { failCommand } from "./fail-command.js";
import { formatSize } from "./format-size.js";

interface PullFlags {
  hubUrl?: string;
  quiet?: boolean;
}

export function registerPullCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command("pull")
    .description("Download a model into the cache: a preset (see `pensieve models --presets`), hf:<owner>/<repo>:<quant>, hf:<owner>/<repo>/<file.gguf> or an https:// URL.")
    .argument("<spec>", "what to download")
    .option("--hub-url <url>", "Hugging Face Hub address (default: $HF_ENDPOINT, else https://huggingface.co)")
    .option("-q, --quiet", "no progress output")
    .addHelpText("after", "\nSet HF_TOKEN for gated or private repositories. An interrupted pull resumes where it stopped.")
    .action(async (spec: string, flags: PullFlags, command: Command) => {
      const pulled = await pull(spec, flags, io).catch((error: unknown) => {
        if (error instanceof Error && error.name === "AbortError") {
          io.stderr.write("interrupted: run the same pull again to resume\n");
          process.exit(130);
        }
        return failCommand(command, error);
      });
      io.stdout.write(`${pulled.path}\n`);
    });
}

async function pull(spec: string, flags: PullFlags, io: CommandIo): Promise<PulledModel> {
  const controller = new AbortController();
  // Ctrl-C stops the download cleanly: the lock is released and the partial file kept for a resume.
  const onSignal = (): void => controller.abort();
  process.once("SIGINT", onSignal);
  const bar = flags.quiet === true ? undefined : new DownloadProgressBar(io.stderr, spec);
  const token = nonEmpty(io.env["HF_TOKEN"]) ?? nonEmpty(io.env["HUGGING_FACE_HUB_TOKEN"]);
  const hubUrl = flags.hubUrl ?? nonEmpty(io.env["HF_ENDPOINT"]);
  try {
    const pulled = await pullModel({
      spec,
      home: pensieveHome(io.env),
      ...(token === undefined ? {} : { token }),
      ...(hubUrl === undefined ? {} : { hubUrl }),
      signal: controller.signal,
      ...(bar === undefined ? {} : { onProgress: (progress) => bar.update(progress) }),
      onEvent: (event) => {
        bar?.finish();
        const message = describeEvent(event);
        if (message !== undefined && flags.quiet !== true) io.stderr.write(`${message}\n`);
      },
    });
    bar?.finish();
    if (flags.quiet !== true) io.stderr.write(`${describeResult(pulled)}\n`);
    return pulled;
  } finally {
    bar?.finish();
    process.removeListener("SIGINT", onSignal);
  }
}

function describeEvent(event: PullEvent): string | undefined {
  switch (event.type) {
    case "resolved": {
      const { source } = event;
      const size = source.sizeBytes === undefined ? "size unknown" : formatSize(source.sizeBytes);
      const hash = source.sha256 === undefined ? "no published sha256" : `sha256 ${source.sha256.slice(0, 12)}… from the ${source.hashFrom}`;
      return `${source.url.href} (${size}, ${hash})`;
    }
    case "waiting":
      return `another pull${event.holderPid === undefined ? "" : ` (pid ${event.holderPid})`} is downloading this file; waiting for it`;
    case "resuming":
      return `resuming at ${formatSize(event.fromBytes)}`;
    case "retrying":
      return `connection lost (${event.error.cause instanceof Error ? event.error.cause.message : "interrupted"}); resuming, attempt ${event.attempt}`;
  }
}

function describeResult(pulled: PulledModel): string {
  const { summary } = pulled;
  const details = [
    formatSize(pulled.sizeBytes),
    summary.architecture,
    ...(summary.fileType === undefined ? [] : [summary.fileType]),
    ...(summary.contextLength === undefined ? [] : [`context ${summary.contextLength}`]),
  ].join(", ");
  if (pulled.alreadyCached) return `${pulled.name} is already downloaded (${details})`;
  const verified = pulled.verifiedAgainst === undefined ? "size checked; no sha256 was published to check" : `sha256 verified against the ${pulled.verifiedAgainst}`;
  return `saved ${pulled.name} (${details}); ${verified}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
