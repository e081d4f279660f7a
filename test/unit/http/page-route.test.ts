import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { pageFolder } from "../../../src/api/routes/page-route.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

const key = "page-test-key";

function appWithKey() {
  const engine = ScriptedEngine.replaying(textEvents);
  return { engine, app: createApp({ engine, security: { apiKey: key } }) };
}

/** Every path the page's HTML and modules load, as the browser would resolve them. */
function referencedPaths(): string[] {
  const html = readFileSync(path.join(pageFolder, "index.html"), "utf8");
  const fromHtml = [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((match) => match[1] ?? "");
  const fromModules = readdirSync(pageFolder)
    .filter((name) => name.endsWith(".js"))
    .flatMap((name) => [...readFileSync(path.join(pageFolder, name), "utf8").matchAll(/from "\.\/([^"]+)"/g)].map((match) => `/page/${match[1] ?? ""}`));
  return [...new Set([...fromHtml, ...fromModules])];
}

describe("the live page's files (in process)", () => {
  it("serves the page at GET / as HTML without a key, locked to its own files: no inline script, no framing", async () => {
    const { app, engine } = appWithKey();
    const response = await app.inject({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body).toContain("<title>Pensieve</title>");
    expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(response.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(response.headers["x-frame-options"]).toBe("DENY");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    // The page holds no data: the model and every number come later, from the keyed state stream.
    expect(response.body).not.toContain("scripted-model");
    expect(engine.requests).toHaveLength(0);
  });

  it("answers HEAD / at once with no body, whatever the model's state (Claude Code's connectivity check)", async () => {
    const { app, engine } = appWithKey();
    engine.status = { state: "loading", model: null };
    const response = await app.inject({ method: "HEAD", url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe("");
  });

  it("serves every file the page loads, with its type, and nothing it does not hold", async () => {
    const { app } = appWithKey();
    const paths = referencedPaths();
    expect(paths).toEqual(expect.arrayContaining(["/page/page.css", "/page/app.js", "/page/live-view.js", "/page/chat-view.js", "/page/charts.js"]));
    for (const url of paths) {
      const response = await app.inject({ method: "GET", url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-type"], url).toMatch(url.endsWith(".css") ? /^text\/css/ : /^text\/javascript/);
    }
    for (const url of ["/page/missing.js", "/page/..%2Fpage-route.ts", "/page/%2E%2E%2Fcreate-app.ts"]) {
      const response = await app.inject({ method: "GET", url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.type).toBe("not_found_error");
    }
  });

  it("uses no inline script or style, and loads nothing from another origin: it works offline under its policy", () => {
    const html = readFileSync(path.join(pageFolder, "index.html"), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
    for (const name of readdirSync(pageFolder)) {
      expect(readFileSync(path.join(pageFolder, name), "utf8"), name).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    }
  });

  it("keeps the key out of URLs: the page sends it only as a header", () => {
    const sources = readdirSync(pageFolder).map((name) => readFileSync(path.join(pageFolder, name), "utf8")).join("\n");
    expect(sources).toContain('headers["x-api-key"] = key');
    expect(sources).not.toMatch(/[?&](api_?key|key)=/i);
    expect(sources).toContain("sessionStorage");
    expect(sources).not.toContain("localStorage");
  });
});
