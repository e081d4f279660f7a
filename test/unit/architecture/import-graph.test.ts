import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/test-models.js";

const sourceRoot = path.join(repoRoot, "src");

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Relative imports of each source file, resolved to source paths (`./x.js` → `x.ts`). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(sourceRoot)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((match) =>
      path.resolve(path.dirname(file), (match[1] ?? "").replace(/\.js$/, ".ts")),
    );
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "visiting") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "visiting");
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle !== null) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return null;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle !== null) return cycle.map((entry) => path.relative(sourceRoot, entry));
  }
  return null;
}

describe("source architecture", () => {
  it("has no import cycles", () => {
    expect(findCycle(importGraph())).toBeNull();
  });

  it("resolves every relative import to a file that exists", () => {
    const files = new Set(sourceFiles(sourceRoot));
    const missing = [...importGraph()].flatMap(([file, targets]) =>
      targets.filter((target) => !files.has(target)).map((target) => `${path.relative(sourceRoot, file)} → ${path.relative(sourceRoot, target)}`),
    );
    expect(missing).toEqual([]);
  });

  it("detects a cycle when there is one (the check itself can fail)", () => {
    const graph = new Map([
      ["/a.ts", ["/b.ts"]],
      ["/b.ts", ["/a.ts"]],
    ]);
    expect(findCycle(graph)).not.toBeNull();
  });
});
