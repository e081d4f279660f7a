import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** A `/proc/cpuinfo` look-alike of two processors listing `flags`, in a folder of its own; returns its path. */
export async function cpuInfoFile(flags: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), "cpuinfo-")), "cpuinfo");
  await writeFile(file, `processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: ${flags}\n\nprocessor\t: 1\nflags\t\t: ${flags}\n`);
  return file;
}
