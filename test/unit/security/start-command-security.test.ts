import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CommanderError } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startInProcess, startProgram } from "../../helpers/servers/index.js";
import { testModelPath } from "../../helpers/test-models.js";

/** `pensieve start`'s security flags, in process (harness: test/helpers/servers/start-in-process.ts). */
let home: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "pensieve-start-security-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function refused(argv: readonly string[]): Promise<string> {
  const { root, output } = startProgram();
  await expect(root.parseAsync(["start", "--log-level", "silent", "--port", "0", ...argv], { from: "user" })).rejects.toBeInstanceOf(CommanderError);
  return output.err;
}

/** Starts the server with a small CPU-only setup; `stop` delivers SIGTERM and expects exit code 0. */
async function started(argv: readonly string[]): Promise<{ banner: string; port: number; stop(): Promise<void> }> {
  const server = await startInProcess(["--gpu", "cpu", "--threads", "1", "--ctx-size", "512", "--no-prompt-cache", ...argv]);
  return {
    banner: server.banner,
    port: Number(new URL(server.baseUrl).port),
    stop: async () => {
      expect(await server.signal()).toEqual([0]);
    },
  };
}

function get(port: number, url: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path: url, method, headers }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("pensieve start: security flags", () => {
  it.each([["0.0.0.0"], ["::"], ["192.168.1.20"], ["my-laptop.lan"]])("refuses to listen on %s without an API key, before loading anything", async (host) => {
    vi.stubEnv("PENSIEVE_HOME", home);
    vi.stubEnv("PENSIEVE_API_KEY", undefined);
    // A model path that does not exist: the refusal must come first.
    const error = await refused(["--host", host, "--model", path.join(home, "missing.gguf")]);
    expect(error).toContain(`refusing to listen on ${host} without an API key`);
    expect(error).toContain("--api-key <key>");
    expect(error).toContain("PENSIEVE_API_KEY=<key>");
  });

  it("counts an empty PENSIEVE_API_KEY as no key", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    vi.stubEnv("PENSIEVE_API_KEY", "");
    expect(await refused(["--host", "0.0.0.0"])).toContain("without an API key");
  });

  it.each([
    [["--allowed-host", "http://my-laptop.lan"], "expected a host name or address"],
    [["--allowed-host", "0.0.0.0"], "a wildcard address is never a valid Host"],
    [["--cors-origin", "*"], "expected an origin such as http://localhost:3000"],
    [["--cors-origin", "localhost:3000"], "expected an origin such as http://localhost:3000"],
  ])("refuses %j", async (argv, message) => {
    expect(await refused(argv)).toContain(message);
  });

  it("lists the flags in --help", async () => {
    const { root, output } = startProgram();
    await expect(root.parseAsync(["start", "--help"], { from: "user" })).rejects.toBeInstanceOf(CommanderError);
    for (const option of ["--api-key", "--allowed-host", "--cors-origin"]) expect(output.out).toContain(option);
  });

  it("listens wide with a key: requires it, accepts the allowed names and origins, and never prints the key", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    const key = "wide-key-8c2e";
    const server = await started([
      "--model", await testModelPath("tiny"),
      "--host", "0.0.0.0",
      "--api-key", key,
      "--allowed-host", "my-laptop.lan",
      "--allowed-host", "10.0.0.7,build-box",
      "--cors-origin", "http://localhost:3000",
    ]);
    try {
      // Host 0.0.0.0 is refused, so the banner gives a loopback URL clients can use.
      expect(server.banner).toContain(`on http://127.0.0.1:${server.port}\n`);
      expect(server.banner).toContain("export ANTHROPIC_API_KEY=<the key given with --api-key>");
      expect(server.banner).not.toContain(key);
      expect((await get(server.port, "/health")).status).toBe(200);
      expect((await get(server.port, "/v1/models")).status).toBe(401);
      expect((await get(server.port, "/v1/models", { "x-api-key": key })).status).toBe(200);
      for (const host of ["my-laptop.lan:8080", "10.0.0.7", "build-box"]) expect((await get(server.port, "/health", { host })).status, host).toBe(200);
      expect((await get(server.port, "/health", { host: "0.0.0.0" })).status).toBe(403);
      expect((await get(server.port, "/health", { host: "other.lan" })).status).toBe(403);
      const preflight = await get(server.port, "/v1/messages", { origin: "http://localhost:3000", "access-control-request-method": "POST" }, "OPTIONS");
      expect(preflight.status).toBe(204);
      expect(preflight.headers["access-control-allow-origin"]).toBe("http://localhost:3000");
      expect((await get(server.port, "/health", { origin: "https://attacker.example" })).status).toBe(403);
    } finally {
      await server.stop();
    }
  });

  it("reads the key from PENSIEVE_API_KEY", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    vi.stubEnv("PENSIEVE_API_KEY", "env-key-77");
    const server = await started(["--model", await testModelPath("tiny"), "--host", "0.0.0.0"]);
    try {
      expect((await get(server.port, "/v1/models")).status).toBe(401);
      expect((await get(server.port, "/v1/models", { authorization: "Bearer env-key-77" })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
