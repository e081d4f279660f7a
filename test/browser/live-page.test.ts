import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { scriptedSentence } from "../../src/models/generator/make-model.js";
import { createApp } from "../../src/api/create-app.js";
import { UpstreamEngine } from "../../src/engine/upstream/upstream-engine.js";
import { browserTestsRun, launchChromium } from "../helpers/chromium.js";
import { FakeOpenAiServer } from "../helpers/fake-openai-server.js";
import { listenOnLoopback, startPageServer, type PageServer } from "../helpers/servers/index.js";
import { repoRoot } from "../helpers/test-models.js";

const apiKey = "browser-test-key";
/** The machine may be busy: a state event or a reply can take seconds to show. */
// Generous: the whole suite shares two cores with the browser, and these only guard against a hang.
const patiently = { timeout: 60_000 };

// Code run in the page is passed as a string where it names the DOM: the tests are type-checked without its types.

/**
 * The live page in a real Chromium (Debian's, driven by playwright-core) against the real server on generated
 * models. Skipped only outside CI when no Chromium is installed; in CI a missing browser fails the run.
 */
describe.skipIf(!browserTestsRun())("the live page in Chromium", () => {
  let browser: Browser;
  let server: PageServer;
  let context: BrowserContext;
  /** One tab, connected with the key, that the tests which need no fresh tab share: each tab costs seconds. */
  let shared: Page | undefined;
  const ownTabs: Page[] = [];

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchChromium(), startPageServer(apiKey)]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    for (const page of ownTabs.splice(0)) if (page !== shared) await page.close();
  });

  /** A new tab (its session storage empty) on the page, connected when `key` is given, typed from the keyboard. */
  async function openPage(key?: string): Promise<Page> {
    const page = await context.newPage();
    ownTabs.push(page);
    await page.goto(server.baseUrl);
    if (key !== undefined) {
      // The key form takes focus when the server asks for a key.
      await expect.poll(() => page.evaluate("document.activeElement?.id"), patiently).toBe("key-input");
      await page.keyboard.type(key);
      await page.keyboard.press("Enter");
    }
    return page;
  }

  /** The shared connected tab, its conversation cleared. */
  async function connectedPage(): Promise<Page> {
    if (shared === undefined) {
      shared = await openPage(apiKey);
      await connected(shared);
    }
    await shared.getByRole("button", { name: "New conversation" }).click();
    return shared;
  }

  async function connected(page: Page): Promise<void> {
    await page.locator("#connection.ok").waitFor();
  }

  it("asks for the key, then shows the model and its numbers, updating without a reload", async () => {
    const page = await openPage();
    await expect.poll(() => page.locator("#key-message").textContent(), patiently).toContain("needs its API key");
    await page.getByLabel("API key", { exact: true }).fill(apiKey);
    await page.getByRole("button", { name: "Connect" }).click();
    await connected(page);
    expect(await page.locator("#model-name").textContent()).toBe(server.scriptedModel);
    expect(await page.locator("#chat-format").textContent()).not.toBe("—");
    expect(await page.locator("#context-size").textContent()).toBe("4,096 tokens");
    expect(await page.locator("#busy-sequences").textContent()).toBe("0 / 2");
    expect(page.url()).toBe(`${server.baseUrl}/`);
    expect(await page.evaluate('sessionStorage.getItem("pensieve.apiKey")')).toBe(apiKey);
    const updated = await page.locator("#updated").textContent();
    await expect.poll(() => page.locator("#updated").textContent(), patiently).not.toBe(updated);
    shared ??= page;
  });

  it("moves the numbers when a request runs: output tokens, the recent requests, the charts", async () => {
    const page = await connectedPage();
    const before = Number((await page.locator("#output-total").textContent())?.replaceAll(",", ""));
    const response = await fetch(`${server.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify({ model: "claude-from-the-sdk", max_tokens: 40, messages: [{ role: "user", content: "Numbers, please." }] }),
    });
    const usage = ((await response.json()) as { usage: { output_tokens: number } }).usage;
    await expect
      .poll(async () => Number((await page.locator("#output-total").textContent())?.replaceAll(",", "")), patiently)
      .toBe(before + usage.output_tokens);
    const row = page.locator("#requests tbody tr", { hasText: "claude-from-the-sdk" });
    await row.waitFor();
    expect(await row.locator("td").allTextContents()).toEqual(expect.arrayContaining(["end_turn", "200", String(usage.output_tokens)]));
    expect(await page.locator("#first-token-chart circle").count()).toBeGreaterThan(0);
    expect(await page.locator("#first-token-chart").getAttribute("aria-label")).toMatch(/^Time to first token: \d+ requests?/);
  });

  it("streams a chat reply from the generated model into the conversation", async () => {
    const page = await connectedPage();
    const streamed = page.waitForResponse((response) => response.url().endsWith("/v1/messages"));
    await page.getByLabel("Message", { exact: true }).fill("Hello there");
    await page.getByLabel("Message", { exact: true }).press("Enter");
    expect((await streamed).headers()["content-type"]).toBe("text/event-stream; charset=utf-8");
    const reply = page.locator(".message.assistant");
    await reply.locator(".meta").waitFor();
    expect(await reply.locator(".text").textContent()).toBe(scriptedSentence);
    expect(await reply.locator(".meta").textContent()).toMatch(/^end_turn · \d+ tokens in, \d+ out$/);
    expect(await page.locator(".message.user").textContent()).toBe("Hello there");
    await page.locator("#requests tbody tr", { hasText: server.scriptedModel }).waitFor();
  });

  // Room for each step's own guard to fire first, so that a hang names its step.
  it("stops a generation with the Stop button, which frees its sequence (as /metrics says)", { timeout: 180_000 }, async () => {
    const page = await connectedPage();
    if ((await page.locator("details.options").getAttribute("open")) === null) await page.getByText("Options").click();
    try {
      await page.locator("#chat-model").selectOption(server.tinyModel);
      // Greedy decoding on this prompt never ends the turn: it would write 30 000 tokens, a minute or more.
      await page.getByLabel("Max tokens").fill("30000");
      await page.getByLabel("Temperature").fill("0");
      const abortedBefore = (await server.metric("pensieve_generations_aborted_total")) ?? 0;
      // A conversation that already scrolls, as after a few turns, without waiting for one: the reply follows its end.
      await page.evaluate(earlierTurns);
      await page.getByLabel("Message", { exact: true }).fill("Write until I stop you.");
      await page.getByRole("button", { name: "Send" }).click();
      await expect.poll(() => server.metric("pensieve_sequences_busy"), patiently).toBe(1);
      // While tokens stream in, the Stop button stays put and the tab stays free to take the click: the page once
      // laid the reply out again and scrolled itself at every token, and on a busy machine this click never landed.
      const stop = page.getByRole("button", { name: "Stop" });
      await expect.poll(() => replyLength(page), patiently).toBeGreaterThan(0);
      await stop.scrollIntoViewIfNeeded(patiently);
      const [scrolled, place, written] = [await page.evaluate("window.scrollY"), await stop.boundingBox(), await replyLength(page)];
      await expect.poll(() => replyLength(page), patiently).toBeGreaterThan(written);
      expect([await page.evaluate("window.scrollY"), await stop.boundingBox()]).toEqual([scrolled, place]);
      await stop.click(patiently);
      await page.locator(".message.assistant .meta", { hasText: "Stopped." }).waitFor(patiently);
      await expect.poll(() => server.metric("pensieve_sequences_busy"), patiently).toBe(0);
      expect(await server.metric("pensieve_generations_aborted_total")).toBe(abortedBefore + 1);
      expect(await page.getByRole("button", { name: "Stop" }).isDisabled()).toBe(true);
      await expect.poll(() => page.locator("#busy-sequences").textContent(), patiently).toBe("0 / 2");
    } finally {
      await page.locator("#chat-model").selectOption(server.scriptedModel);
      await page.getByLabel("Max tokens").fill("1024");
      await page.getByLabel("Temperature").fill("");
    }
  });

  it("shows thinking collapsed and each tool call as a block", async () => {
    const page = await connectedPage();
    // A recorded reply with thinking, text and two tool calls: the generated models never call tools unasked.
    const transcript = readFileSync(`${repoRoot}/test/fixtures/golden/thinking-text-tools.sse`, "utf8");
    await page.route("**/v1/messages", (route) => route.fulfill({ status: 200, contentType: "text/event-stream", body: transcript }));
    try {
      await page.getByLabel("Message", { exact: true }).fill("What is the weather in Paris?");
      await page.getByRole("button", { name: "Send" }).click();
      await page.locator(".message.assistant .meta").waitFor();
    } finally {
      await page.unroute("**/v1/messages");
    }
    const reply = page.locator(".message.assistant");
    const thinking = reply.locator("details.thinking");
    expect(await thinking.getAttribute("open")).toBeNull();
    expect(await thinking.locator("summary").textContent()).toBe("Thinking");
    expect(await thinking.locator("pre").isVisible()).toBe(false);
    expect(await thinking.locator("pre").textContent()).toBe("Let me think.");
    expect(await reply.locator(".text").textContent()).toBe("Checking the weather.");
    expect(await reply.locator(".tool-call .tool-name").allTextContents()).toEqual(["Tool call: get_weather", "Tool call: get_time"]);
    expect(JSON.parse((await reply.locator(".tool-call pre").first().textContent()) ?? "")).toEqual({ city: "Paris" });
    expect(await reply.locator(".meta").textContent()).toBe("tool_use · 140 tokens in, 21 out");
  });

  it("lists an upstream pool's endpoints, the live one up and the unreachable one down (none when every model is local)", async () => {
    expect(await (await connectedPage()).locator("#upstreams-section").isHidden()).toBe(true);
    const fake = await FakeOpenAiServer.start("fleet-a", "fleet-model");
    // Port 9 (discard) on loopback: nothing listens there, so its probe finds it down at once.
    const urls = { up: fake.url, down: "http://127.0.0.1:9" };
    const engine = UpstreamEngine.start({
      model: "fleet-model",
      affinity: "hash",
      probeIntervalMs: 60_000,
      endpoints: [urls.up, urls.down].map((url) => ({ url, dialect: "vllm" as const, maxConcurrent: 2 })),
    });
    const fleet = await listenOnLoopback(createApp({ engine, security: { apiKey } }));
    try {
      const page = await context.newPage();
      ownTabs.push(page);
      await page.goto(fleet.baseUrl);
      await expect.poll(() => page.evaluate("document.activeElement?.id"), patiently).toBe("key-input");
      await page.keyboard.type(apiKey);
      await page.keyboard.press("Enter");
      await page.locator("#upstreams-section").waitFor(patiently);
      const cells = (url: string) => page.locator("#upstreams tbody tr", { hasText: url }).locator("td");
      await expect.poll(() => cells(urls.up).nth(1).textContent(), patiently).toBe("up");
      await expect.poll(() => cells(urls.down).nth(1).textContent(), patiently).toBe("down");
      expect(await cells(urls.up).nth(2).textContent()).toBe("0 / 2");
    } finally {
      await fleet.close();
      await engine.dispose();
      await fake.close();
    }
  });

  it("says clearly when the key is wrong, and forgets it", async () => {
    const page = await openPage("not-the-key");
    const message = page.getByRole("alert");
    await expect.poll(() => message.textContent(), patiently).toContain("The server refused this API key (invalid x-api-key)");
    expect(await page.locator("#connection").textContent()).toBe("API key refused");
    expect(await page.locator("#key-form").isVisible()).toBe(true);
    expect(await page.evaluate('sessionStorage.getItem("pensieve.apiKey")')).toBeNull();
  });

  it("stays readable on a 400-pixel window: nothing wider than the screen but the tables' own scroll", async () => {
    const page = await connectedPage();
    await page.setViewportSize({ width: 400, height: 800 });
    try {
      // The state is drawn again each second at the new width: wait for one drawing after the change.
      const updated = await page.locator("#updated").textContent();
      await expect.poll(() => page.locator("#updated").textContent(), patiently).not.toBe(updated);
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(400);
      expect(await page.getByRole("button", { name: "Send" }).isVisible()).toBe(true);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it("does not let another origin's page read the state stream", async () => {
    const foreign = await startForeignSite();
    try {
      const page = await context.newPage();
      ownTabs.push(page);
      await page.goto(foreign.url);
      const attempts = await page.evaluate(
        async ({ url, key }) => {
          const outcome = async (init: RequestInit) => fetch(url, init).then((response) => `read ${response.status}`, (error: Error) => error.name);
          return [await outcome({}), await outcome({ headers: { "x-api-key": key } })];
        },
        { url: `${server.baseUrl}/api/state`, key: apiKey },
      );
      expect(attempts).toEqual(["TypeError", "TypeError"]);
      // The server saw them and refused them itself: the plain GET, and the keyed one's preflight.
      const refused = server.accessLog.filter((line) => line.url === "/api/state" && line.status === 403).map((line) => line.method);
      expect(refused).toEqual(expect.arrayContaining(["GET", "OPTIONS"]));
    } finally {
      await foreign.close();
    }
  });
});

/** The length of the reply's text so far. */
async function replyLength(page: Page): Promise<number> {
  return (await page.locator(".message.assistant .text").textContent())?.length ?? 0;
}

/** Fills the conversation box past its height, as earlier turns would, so that more text scrolls it. */
const earlierTurns = 'document.getElementById("conversation").append(Object.assign(document.createElement("div"), { style: "min-height: 150vh" }))';

/** Another web origin on this machine: an empty page on a port of its own. */
async function startForeignSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const site: Server = createServer((_request, response) => response.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title>"));
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  const address = site.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((resolve) => site.close(() => resolve())) };
}
