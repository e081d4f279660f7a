import type { SpawnedServer } from "./servers/index.js";

/** Samples a spawned server's RSS every 100 ms while `work` runs; returns the peak in bytes. */
export async function peakRssDuring(server: SpawnedServer, work: () => Promise<unknown>): Promise<number> {
  let peak = (await server.memory()).rssBytes;
  let running = true;
  const sampling = (async () => {
    while (running) {
      peak = Math.max(peak, (await server.memory()).rssBytes);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await sampling;
  }
  return peak;
}
