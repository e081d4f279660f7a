// Lint rules that keep the rooms apart: dependencies point one way (cli → api → engine → models → util).
// Import cycles are checked by test/unit/architecture/import-graph.test.ts.
import tseslint from "typescript-eslint";

const room = (name, forbidden, extraPatterns = []) => ({
  files: [`src/${name}/**/*.ts`],
  rules: {
    "no-restricted-imports": ["error", {
      patterns: [
        ...forbidden.map((other) => ({
          group: [`**/${other}/*`, `**/${other}`],
          message: `src/${name} must not import from src/${other} (see DEVELOPERS.md: rooms).`,
        })),
        ...extraPatterns,
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ["dist/**", "coverage/**", "node_modules/**", ".cache/**", "reports/**", ".stryker-tmp/**", ".scratch/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  room("api", ["models", "cli"], [
    { group: ["node-llama-cpp"], message: "src/api never imports node-llama-cpp: talk to the engine interface." },
  ]),
  room("engine", ["api", "cli"], [
    { group: ["fastify", "@fastify/*", "@anthropic-ai/*"], message: "src/engine knows nothing of HTTP or the wire format." },
  ]),
  room("models", ["api", "engine", "cli"]),
  room("util", ["api", "engine", "models", "cli"]),
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"],
    rules: {
      "no-restricted-syntax": ["error", {
        selector: "MemberExpression[object.name='process'][property.name='env']",
        message: "Only src/cli (the composition root) reads process.env.",
      }],
    },
  },
);
