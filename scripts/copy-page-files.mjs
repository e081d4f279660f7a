// The build's second step: tsc compiles only TypeScript, so the live page's HTML, CSS and browser modules are
// copied beside the compiled code, where the page route reads them (dist/api/page/).
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../src/api/page/", import.meta.url));
const target = fileURLToPath(new URL("../dist/api/page/", import.meta.url));
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true });
