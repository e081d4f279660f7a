import os from "node:os";
import path from "node:path";

/** Where Pensieve keeps models and caches: `$PENSIEVE_HOME`, else the user's cache folder. */
export function pensieveHome(env: NodeJS.ProcessEnv): string {
  if (env["PENSIEVE_HOME"] !== undefined && env["PENSIEVE_HOME"] !== "") return path.resolve(env["PENSIEVE_HOME"]);
  const cacheRoot = env["XDG_CACHE_HOME"] !== undefined && env["XDG_CACHE_HOME"] !== "" ? env["XDG_CACHE_HOME"] : path.join(os.homedir(), ".cache");
  return path.join(cacheRoot, "pensieve");
}
