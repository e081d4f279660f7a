import { Command, CommanderError } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { addStartOptions, type StartFlags } from "../../../../src/cli/commands/start/start-options.js";

/** `pensieve start`'s options on a command of their own: parsed, or refused with what commander printed. */
async function parse(argv: readonly string[]): Promise<{ flags?: StartFlags; err: string }> {
  let flags: StartFlags | undefined;
  let err = "";
  const command = addStartOptions(new Command("start"))
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: (text) => (err += text) })
    .action((parsed: StartFlags) => {
      flags = parsed;
    });
  try {
    await command.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
  }
  return flags === undefined ? { err } : { flags, err };
}

async function flagsOf(argv: readonly string[]): Promise<StartFlags> {
  const { flags, err } = await parse(argv);
  if (flags === undefined) throw new Error(`refused ${JSON.stringify(argv)}: ${err}`);
  return flags;
}

async function refusal(argv: readonly string[]): Promise<string> {
  const { flags, err } = await parse(argv);
  if (flags !== undefined) throw new Error(`accepted ${JSON.stringify(argv)}`);
  return err;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("start's number flags", () => {
  it("take a port from 0 to 65535", async () => {
    expect((await flagsOf(["--port", "0"])).port).toBe(0);
    expect((await flagsOf(["--port", "65535"])).port).toBe(65535);
    for (const port of ["65536", "-1", "80.5", "http"]) {
      expect(await refusal(["--port", port])).toContain(`argument '${port}' is invalid. expected a port from 0 to 65535`);
    }
  });

  it("take a positive whole number where zero means nothing", async () => {
    expect((await flagsOf(["--parallel", "1"])).parallel).toBe(1);
    for (const count of ["0", "-2", "1.5"]) expect(await refusal(["--parallel", count])).toContain("expected a positive whole number");
  });

  it("take 0 or more where zero is a setting of its own", async () => {
    expect((await flagsOf(["--max-queue", "0"])).maxQueue).toBe(0);
    for (const count of ["-1", "0.5"]) expect(await refusal(["--shutdown-grace", count])).toContain("expected a whole number, 0 or more");
  });
});

describe("start's choice flags", () => {
  it("takes each GPU mode and log level it lists, defaulting to auto and info", async () => {
    expect(await flagsOf([])).toMatchObject({ gpu: "auto", logLevel: "info" });
    for (const gpu of ["auto", "cpu"] as const) expect((await flagsOf(["--gpu", gpu])).gpu).toBe(gpu);
    for (const level of ["debug", "info", "warn", "error", "silent"]) expect((await flagsOf(["--log-level", level])).logLevel).toBe(level);
  });
});

describe("start's list flags", () => {
  it("split comma lists, skip blank items and add up repeated flags", async () => {
    const flags = await flagsOf(["--allowed-host", "a.lan, ,B.lan:8080,", "--allowed-host", "c.lan", "--cors-origin", "http://localhost:3000,,https://app.example"]);
    expect(flags.allowedHost).toEqual(["a.lan", "b.lan", "c.lan"]);
    expect(flags.corsOrigin).toEqual(["http://localhost:3000", "https://app.example"]);
    expect((await flagsOf(["--upstream", "vllm+http://gpu-0:8000, ,  http://gpu-1:8000 ,", "--upstream", "http://gpu-2:8000"])).upstream).toEqual([
      { url: "http://gpu-0:8000", dialect: "vllm", maxConcurrent: 8 },
      { url: "http://gpu-1:8000", dialect: "openai", maxConcurrent: 8 },
      { url: "http://gpu-2:8000", dialect: "openai", maxConcurrent: 8 },
    ]);
  });

  it("refuse a Host name that is not one, or a wildcard address", async () => {
    expect(await refusal(["--allowed-host", "user@my-laptop.lan"])).toContain("expected a host name or address, such as my-laptop.lan or 192.168.1.20");
    for (const wildcard of ["0.0.0.0", "::", "[::]"]) {
      expect(await refusal(["--allowed-host", wildcard])).toContain("a wildcard address is never a valid Host: name the address clients use");
    }
  });

  it("refuse an origin that is not one", async () => {
    expect(await refusal(["--cors-origin", "*"])).toContain("expected an origin such as http://localhost:3000 (list each one; * is not accepted)");
  });

  it("refuse an upstream that is not a URL, saying why", async () => {
    expect(await refusal(["--upstream", "http://gpu-0:8000,gpu-1"])).toContain("expected an http(s) URL, optionally after a dialect");
  });
});

describe("start's environment variables", () => {
  it("fill the options they name, each as its flag would", async () => {
    const environment = {
      PENSIEVE_MODEL: "m.gguf",
      PENSIEVE_UPSTREAMS: "vllm+http://gpu-0:8000,http://gpu-1:8000",
      PENSIEVE_CONFIG: "c.json",
      PENSIEVE_HOST: "0.0.0.0",
      PENSIEVE_PORT: "9000",
      PENSIEVE_LOG_LEVEL: "warn",
      PENSIEVE_API_KEY: "secret",
      PENSIEVE_ALLOWED_HOSTS: "a.lan,b.lan",
      PENSIEVE_CORS_ORIGINS: "http://localhost:3000",
    };
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    expect(await flagsOf([])).toMatchObject({
      model: "m.gguf",
      upstream: [
        { url: "http://gpu-0:8000", dialect: "vllm" },
        { url: "http://gpu-1:8000", dialect: "openai" },
      ],
      config: "c.json",
      host: "0.0.0.0",
      port: 9000,
      logLevel: "warn",
      apiKey: "secret",
      allowedHost: ["a.lan", "b.lan"],
      corsOrigin: ["http://localhost:3000"],
    });
    // A flag wins over its variable.
    expect((await flagsOf(["--port", "9001", "--host", "127.0.0.1"])).port).toBe(9001);
  });
});

describe("start's --help", () => {
  it("explains every option it lists, and hides only the ignored --decode-threads", () => {
    const options = addStartOptions(new Command("start")).options;
    expect(options.filter((option) => option.hidden).map((option) => option.long)).toEqual(["--decode-threads"]);
    for (const option of options) expect(option.description.trim(), option.flags).not.toBe("");
  });
});
