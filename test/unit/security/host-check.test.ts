import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { hostNameOf } from "../../../src/api/security/host-name-of.js";
import { isLoopbackHost } from "../../../src/api/security/is-loopback-host.js";
import type { SecurityOptions } from "../../../src/api/security/security-options.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

const body = { model: "claude-sonnet-5", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] };

function appWith(security: SecurityOptions = {}) {
  const engine = ScriptedEngine.replaying(textEvents);
  return { engine, app: createApp({ engine, security }) };
}

describe("hostNameOf", () => {
  it.each([
    ["localhost", "localhost"],
    ["LOCALHOST:8080", "localhost"],
    ["127.0.0.1:65535", "127.0.0.1"],
    ["[::1]", "[::1]"],
    ["[::1]:8080", "[::1]"],
    ["::1", "[::1]"],
    ["My-Laptop.lan", "my-laptop.lan"],
    ["  example.com  ", "example.com"],
  ])("reads %j as %j", (value, name) => {
    expect(hostNameOf(value)).toBe(name);
  });

  it.each(["", ":8080", "localhost:", "localhost:abc", "localhost:65536", "localhost:123456", "user@localhost", "localhost/path", "[::1", "[::1]x", "[nothex]:80", "127.0.0.1:80:80", "exa mple.com", "évil.com"])(
    "refuses %j",
    (value) => {
      expect(hostNameOf(value)).toBeNull();
    },
  );
});

describe("isLoopbackHost", () => {
  it.each(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "my-laptop.lan", "localhost.evil.com", "128.0.0.1", "::ffff:10.0.0.1", ""])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("Host header check (in process)", () => {
  it.each(["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "LocalHost:80"])("lets %j through", async (host) => {
    const { app } = appWith();
    const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { host }, payload: body });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ["a rebinding attacker's name", "attacker.example:8080"],
    ["an mDNS name", "printer.local"],
    ["a cloud-internal name", "metadata.google.internal"],
    ["the wildcard address", "0.0.0.0:8080"],
    ["the IPv6 wildcard", "[::]:8080"],
    ["a name that only starts like localhost", "localhost.attacker.example"],
    ["user info", "user@localhost"],
    ["a bad port", "localhost:99999"],
    // An empty or missing Host cannot be sent through inject (it fills one in): see test/integration/security-sockets.test.ts.
  ])("answers 403 permission_error to %s, before the body is read or the engine called", async (_case, host) => {
    const { app, engine } = appWith();
    const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { host, "content-type": "application/json" }, payload: "{not even json" });
    expect(response.statusCode).toBe(403);
    expect(response.headers["request-id"]).toMatch(/^req_/);
    expect(response.json()).toEqual({ type: "error", error: { type: "permission_error", message: expect.any(String) }, request_id: expect.stringMatching(/^req_/) });
    expect(engine.requests).toHaveLength(0);
  });

  it("tells the operator which flag would allow a name", async () => {
    const { app } = appWith();
    const response = await app.inject({ method: "GET", url: "/health", headers: { host: "My-Laptop.lan:8080" } });
    expect(response.json().error.message).toBe("Host 'my-laptop.lan' is not allowed: start Pensieve with --allowed-host my-laptop.lan if clients reach it by this name.");
  });

  it("also guards the routes that need no key, and unknown routes", async () => {
    const { app } = appWith({ apiKey: "secret" });
    for (const [method, url] of [["GET", "/health"], ["HEAD", "/"], ["GET", "/nowhere"]] as const) {
      expect((await app.inject({ method, url, headers: { host: "attacker.example" } })).statusCode).toBe(403);
    }
  });

  it("accepts the bind address and configured names, but never a wildcard bind address", async () => {
    const { app } = appWith({ bindHost: "192.168.1.20", allowedHosts: ["My-Laptop.lan", "fe80::1", "[fe80::2]:80"] });
    for (const host of ["192.168.1.20:8080", "my-laptop.lan", "[fe80::1]:8080", "[fe80::2]", "localhost"]) {
      expect((await app.inject({ method: "GET", url: "/health", headers: { host } })).statusCode, host).toBe(200);
    }
    expect((await app.inject({ method: "GET", url: "/health", headers: { host: "other.lan" } })).statusCode).toBe(403);

    for (const bindHost of ["0.0.0.0", "::"]) {
      const wide = appWith({ bindHost, apiKey: "k" }).app;
      expect((await wide.inject({ method: "GET", url: "/health", headers: { host: "0.0.0.0:8080" } })).statusCode).toBe(403);
      expect((await wide.inject({ method: "GET", url: "/health", headers: { host: "[::]:8080" } })).statusCode).toBe(403);
      expect((await wide.inject({ method: "GET", url: "/health", headers: { host: "127.0.0.1:8080" } })).statusCode).toBe(200);
    }
  });
});
