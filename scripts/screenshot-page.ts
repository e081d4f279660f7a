// Regenerates docs/page.png, the README's picture of the live page: a server on the scripted model, a few
// requests, the page opened with the key, one chat turn.
// Run: npx tsx scripts/screenshot-page.ts [--width 400] [--dark] [--output file.png]
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../src/api/create-app.js";
import { LlamaEngine } from "../src/engine/llama/llama-engine.js";
import { PerformanceMonitor } from "../src/util/performance-monitor.js";
import { launchChromium } from "../test/helpers/chromium.js";
import { repoRoot, testModelPath } from "../test/helpers/test-models.js";

const { values } = parseArgs({
  options: {
    width: { type: "string", default: "1280" },
    dark: { type: "boolean", default: false },
    output: { type: "string", default: path.join(repoRoot, "docs", "page.png") },
  },
});
const width = Number(values.width);
const apiKey = "screenshot-key";

const engine = LlamaEngine.start({ modelPath: await testModelPath("scripted"), threads: 1, gpu: false, contextSize: 4096, parallel: 2, seed: 1 });
const monitor = new PerformanceMonitor();
monitor.start();
const app = createApp({ engine, monitor, security: { apiKey } });
try {
  if ((await engine.whenSettled()).state !== "ready") throw new Error("the scripted model did not load");
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (typeof address !== "object" || address === null) throw new Error("the server has no address");
  const baseUrl = `http://127.0.0.1:${address.port}`;

  // A short history for the table and the charts: a conversation that grows, so later turns reuse its prefix.
  const turns: { role: "user" | "assistant"; content: string }[] = [];
  for (const question of ["What is a pensieve?", "Who owned one?", "Can I borrow it?"]) {
    turns.push({ role: "user", content: question });
    const response = await fetch(`${baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 64, messages: turns, metadata: { user_id: "screenshot-session" } }),
    });
    const reply = (await response.json()) as { content: { type: string; text?: string }[] };
    turns.push({ role: "assistant", content: reply.content.map((block) => block.text ?? "").join("") });
  }

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1, colorScheme: values.dark ? "dark" : "light" });
    await page.goto(baseUrl);
    await page.getByLabel("API key", { exact: true }).fill(apiKey);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator("#connection.ok").waitFor();
    await page.getByLabel("Message").fill("Hello! What can you do?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".message.assistant .meta").waitFor();
    // The next state event lists the chat's request too.
    await page.locator("#requests tbody tr").nth(3).waitFor();
    await mkdir(path.dirname(values.output), { recursive: true });
    await page.screenshot({ path: values.output, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), values.output)} (${width} px wide)`);
  } finally {
    await browser.close();
  }
} finally {
  await app.close();
  await engine.dispose();
  monitor.stop();
}
