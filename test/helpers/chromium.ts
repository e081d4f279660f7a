import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Where Debian's `chromium` package puts the browser; `PENSIEVE_CHROMIUM` names another one. */
const candidates = [process.env.PENSIEVE_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The Chromium the browser tests drive (no browser is downloaded), or `undefined` when none is installed. */
export function chromiumPath(): string | undefined {
  return candidates.find((candidate): candidate is string => candidate !== undefined && candidate !== "" && existsSync(candidate));
}

/**
 * Whether browser tests must run: always in CI (`CI=true`), where a missing browser is a failure, not a skip;
 * elsewhere only when Chromium is installed (`apt-get install chromium`).
 */
export function browserTestsRun(): boolean {
  return process.env.CI === "true" || chromiumPath() !== undefined;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error("Chromium is not installed: apt-get install -y chromium (or set PENSIEVE_CHROMIUM to a Chromium binary).");
  }
  // No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}
