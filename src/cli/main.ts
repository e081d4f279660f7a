#!/usr/bin/env node
import { keepYoungGenerationSmall } from "./keep-young-generation-small.js";
import { relaunchWithMemorySettings } from "./relaunch-with-memory-settings.js";

// Both decided before the CLI itself is imported: importing it already grows V8's young generation, and a
// launcher that only forwards signals stays small.
if (!relaunchWithMemorySettings()) {
  keepYoungGenerationSmall();
  const { runPensieve } = await import("./pensieve-program.js");
  await runPensieve(process.argv);
}
