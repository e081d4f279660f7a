import type { ModelAlias } from "../../../engine/routed-engine.js";
import type { UpstreamPoolConfig } from "../../upstream-pool-config.js";

/** What `pensieve start` serves: the default model's key, the aliases, and which keys are upstream pools. */
export interface ServingPlan {
  /** The key of the default model: a local model file's path, or an upstream pool's key. */
  readonly defaultModel: string;
  readonly aliases: readonly ModelAlias[];
  /** Upstream pools by key (`upstream:<model>`); every other key is a model file. */
  readonly pools: ReadonlyMap<string, UpstreamPoolConfig>;
}

/**
 * Mixes local models and upstream pools by alias: each pool gets a key of its own, its model's name and its
 * aliases route to it (after the local aliases, which the file lists first), and it is the default model
 * when no local one is (`localModel` is `null`).
 */
export function planServing(localModel: string | null, localAliases: readonly ModelAlias[], pools: readonly UpstreamPoolConfig[]): ServingPlan {
  const byKey = new Map<string, UpstreamPoolConfig>();
  const aliases: ModelAlias[] = [...localAliases];
  pools.forEach((pool, index) => {
    const key = `upstream:${pool.model ?? pool.endpoints[0]?.url ?? index}${byKey.has(`upstream:${pool.model}`) ? `#${index}` : ""}`;
    byKey.set(key, pool);
    if (pool.model !== undefined) aliases.push({ pattern: pool.model, model: key });
    for (const pattern of pool.aliases) aliases.push({ pattern, model: key });
  });
  const firstPool = [...byKey.keys()][0];
  const defaultModel = localModel ?? firstPool;
  if (defaultModel === undefined) throw new Error("planServing: nothing to serve");
  return { defaultModel, aliases, pools: byKey };
}
