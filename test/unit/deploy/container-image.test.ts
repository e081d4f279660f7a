import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { CommanderError } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toServerConfig } from "../../../src/cli/commands/start/server-config.js";
import { execForm, readDockerfile, type DockerfileInstruction } from "../../helpers/dockerfile.js";
import { parseStartFlags, startProgram } from "../../helpers/servers/index.js";
import { repoRoot } from "../../helpers/test-models.js";

const instructions = readDockerfile(path.join(repoRoot, "deploy/Dockerfile"));
/** The instructions of the image's last stage: what runs. */
const finalStage = instructions.slice(instructions.findLastIndex((instruction) => instruction.keyword === "FROM"));
const only = (keyword: string, within: readonly DockerfileInstruction[] = finalStage): string => {
  const found = within.filter((instruction) => instruction.keyword === keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!.argument;
};
/** The image's ENV, as the server will see it. */
const imageEnv = Object.fromEntries(
  finalStage.filter((instruction) => instruction.keyword === "ENV").flatMap((instruction) => [...instruction.argument.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1]!, match[2]!])),
);
const cmd = execForm(only("CMD"));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("deploy/Dockerfile", () => {
  it("runs on node:20-slim with production dependencies only, as a numeric non-root user", () => {
    expect(only("FROM")).toBe("node:20-slim");
    const runs = finalStage.filter((instruction) => instruction.keyword === "RUN").map((instruction) => instruction.argument);
    expect(runs.some((run) => /\bnpm ci --omit=dev\b/.test(run))).toBe(true);
    const user = only("USER");
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBeGreaterThan(0);
  });

  it("starts the built CLI, the package's own bin", () => {
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(execForm(only("ENTRYPOINT"))).toEqual(["node", packageJson.bin["pensieve"]]);
    expect(cmd[0]).toBe("start");
  });

  it("passes `pensieve start` only flags it has, listed in its --help", async () => {
    const { root, output } = startProgram();
    await expect(root.parseAsync(["start", "--help"], { from: "user" })).rejects.toBeInstanceOf(CommanderError);
    const flags = cmd.filter((word) => word.startsWith("--"));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(output.out).toMatch(new RegExp(`(^|[ ,])${flag}\\b`, "m"));
  });

  it("binds beyond loopback on the EXPOSEd port, which start accepts only with a key (PENSIEVE_API_KEY)", async () => {
    const flags = await parseStartFlags(cmd.slice(1));
    expect(flags.host).toBe("0.0.0.0");
    expect(String(flags.port)).toBe(only("EXPOSE"));
    expect(() => toServerConfig(flags, imageEnv)).toThrow(/without an API key/);
    vi.stubEnv("PENSIEVE_API_KEY", "a-key");
    const config = toServerConfig(await parseStartFlags(cmd.slice(1)), imageEnv);
    expect(config).toMatchObject({ apiKey: "a-key", home: "/var/lib/pensieve", configFile: "/etc/pensieve/config.json" });
  });

  it("sets both malloc variables, so start does not relaunch itself in the container", () => {
    expect(imageEnv).toMatchObject({ MALLOC_ARENA_MAX: "1", MALLOC_TRIM_THRESHOLD_: "131072" });
  });

  it("checks its health on /health at the port it listens on", () => {
    const healthcheck = only("HEALTHCHECK");
    const script = execForm(healthcheck.slice(healthcheck.indexOf("CMD"))).join(" ");
    const port = cmd[cmd.indexOf("--port") + 1];
    expect(script).toContain(`http://127.0.0.1:${port}/health`);
  });

  it("copies only what exists, and what its .dockerignore lets into the build context", () => {
    const dockerignore = readFileSync(path.join(repoRoot, "deploy/Dockerfile.dockerignore"), "utf8");
    const copies = instructions.filter((instruction) => instruction.keyword === "COPY" && !instruction.argument.startsWith("--from"));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.argument.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(path.join(repoRoot, source)), source).toBe(true);
        expect(dockerignore).toContain(`!${source.replace(/\/$/, "/**")}`);
      }
    }
  });
});
