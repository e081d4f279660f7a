// Adds lock entries for platform packages the registry this project is developed against does not carry
// (node-llama-cpp 3.22.1's Windows and macOS binaries). `npm install` leaves optional dependencies it cannot
// fetch out of package-lock.json, and `npm ci` then refuses the lock as out of sync, even on Linux where
// those packages are never installed. Each entry names only version, os and cpu; on its own platform npm
// fetches it by name and version. Run after any `npm install` that rewrites the lock: npm run lockfile:complete
import { readFileSync, writeFileSync } from "node:fs";

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const packages = lock.packages;

/** os and cpu from the package's name, for the naming schemes of the packages that go missing. */
function platformOf(name) {
  const suffix = name.split("/").pop() ?? "";
  const os = /^(win|win32)-/.test(suffix) ? "win32" : /^(mac|darwin)-/.test(suffix) ? "darwin" : /^linux-/.test(suffix) ? "linux" : null;
  const cpu = /arm64/.test(suffix) ? "arm64" : /armv7l|arm-/.test(suffix) ? "arm" : /riscv64/.test(suffix) ? "riscv64" : /x64/.test(suffix) ? "x64" : null;
  return os === null || cpu === null ? null : { os: [os], cpu: [cpu] };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] !== undefined || (location !== "" && packages[`${location}/node_modules/${name}`] !== undefined)) continue;
    const platform = platformOf(name);
    if (platform === null) {
      console.warn(`left alone: ${name} (cannot tell its platform from the name)`);
      continue;
    }
    packages[key] = { version: version.replace(/^[\^~]/, ""), optional: true, ...platform };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform entries to package-lock.json`);
