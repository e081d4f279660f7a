/**
 * glibc's allocator settings for the server. With the defaults, each thread that allocates (libuv's workers load
 * the model and run every evaluation) gets its own arena, and what the model load frees (the GGUF's string
 * arrays, read buffers) stays in them. Measured on a 0.5B model with the real qwen2 vocabulary: these settings
 * take 90-120 MB off the server's peak RSS (one arena rather than two: 18 MB of it), with no change in prefill or
 * decode speed beyond this machine's noise. The threads rarely allocate while decoding, so one arena's lock is
 * not contended.
 */
export const serverMallocSettings: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "1",
  MALLOC_TRIM_THRESHOLD_: "131072",
};

/** Set in the relaunched server, so it does not relaunch again; set to anything, it turns the relaunch off. */
export const relaunchMarker = "PENSIEVE_MALLOC_SET";

/** The launcher's pid, in a server started by a launcher that stays (Node before 22.15): see `watchLauncher`. */
export const launcherPidVariable = "PENSIEVE_LAUNCHER_PID";

export interface RelaunchFacts {
  /** `process.argv`: the node binary, the script, then the command and its arguments. */
  readonly argv: readonly string[];
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Whether this process runs on glibc, the only allocator these settings mean anything to; asked last. */
  readonly usesGlibc: () => boolean;
}

/**
 * The variables `pensieve start` must be relaunched with, because glibc reads them only as a process starts; or
 * undefined when this process serves as it is. A setting the operator already chose is kept.
 */
export function memoryRelaunchEnvironment(facts: RelaunchFacts): Record<string, string> | undefined {
  if (facts.argv[2] !== "start" || facts.environment[relaunchMarker] !== undefined) return undefined;
  const missing = Object.entries(serverMallocSettings).filter(([name]) => facts.environment[name] === undefined);
  if (missing.length === 0 || !facts.usesGlibc()) return undefined;
  return { ...Object.fromEntries(missing), [relaunchMarker]: "1" };
}
