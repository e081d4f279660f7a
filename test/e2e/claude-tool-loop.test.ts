import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeReplyModel } from "../../src/models/generator/make-reply-model.js";
import { parseReplyBlocks } from "../../src/models/generator/reply-blocks.js";
import { recordAccessLog } from "../helpers/access-log.js";
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from "../helpers/recording-proxy.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { repoRoot } from "../helpers/test-models.js";
import { claudeRunEnvironment } from "../helpers/claude-run-environment.js";
import { familyReplyModelPath } from "../helpers/family-test-models.js";

const run = promisify(execFile);
const releases = [
  { version: "2.1.332", binary: path.join(repoRoot, "node_modules", ".bin", "claude") },
  { version: "2.1.197", binary: path.join(repoRoot, "node_modules", "claude-code-2.1.197", "bin", "claude.exe") },
];
const command = "echo pensieve > made-by-tool.txt";
/**
 * Turn 2's prompt is turn 1's, then the model's tool call as history, then the tool result. All of turn 1's prompt
 * is a cached prefix but its last few tokens: the opening of the assistant turn the model answered after, which
 * the chat format may write differently once that turn is history (a reasoning header, a line break).
 */
const uncachedTail = 16;

interface MessagesBody {
  readonly tools?: { name: string; input_schema: { properties: Record<string, unknown>; required?: string[] } }[];
  readonly messages: { role: string; content: string | { type: string; tool_use_id?: string; content?: unknown }[] }[];
}

function claudeEnvironment(home: string, baseUrl: string): NodeJS.ProcessEnv {
  // Root may skip permission prompts only in a sandbox; this is a throwaway folder.
  return { ...claudeRunEnvironment(home, baseUrl), IS_SANDBOX: "1" };
}

const claudeArgs = ["-p", "Write the word pensieve to made-by-tool.txt", "--max-turns", "2", "--allowedTools", "Bash", "--dangerously-skip-permissions", "--output-format", "json"];

/**
 * The Bash call the reply model makes, in this release's schema: the grammar writes every property in schema order
 * and the engine drops the optional ones left null, so each optional property is listed, as `null`, in its place.
 */
async function bashCallInSchemaOrder(binary: string, home: string): Promise<Record<string, unknown>> {
  const recorder = await startRecordingProxy();
  try {
    await run(binary, claudeArgs, { cwd: home, timeout: 60_000, env: claudeEnvironment(home, recorder.baseUrl) }).catch(() => undefined);
  } finally {
    await recorder.close();
  }
  const first = recorder.requests.find((request) => (request.body as MessagesBody | undefined)?.tools !== undefined);
  const bash = (first?.body as MessagesBody | undefined)?.tools?.find((tool) => tool.name === "Bash");
  if (bash === undefined) throw new Error("Claude Code offered no Bash tool");
  return Object.fromEntries(Object.keys(bash.input_schema.properties).map((name) => [name, name === "command" ? command : null]));
}

function messagesRequests(requests: readonly RecordedRequest[]): MessagesBody[] {
  return requests.filter((request) => request.method === "POST" && request.url.startsWith("/v1/messages?")).map((request) => request.body as MessagesBody);
}

/** A real tool loop: the model calls Bash, Claude Code runs it and sends the result back, against the real server. */
describe.each(releases)("Claude Code $version runs a tool the model calls", ({ binary }) => {
  let server: TestServer;
  let proxy: RecordingProxy;
  let home: string;
  const { logger, lines: accessLog } = recordAccessLog();

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "pensieve-claude-tools-"));
    const input = await bashCallInSchemaOrder(binary, home);
    const modelPath = path.join(home, "bash-caller.gguf");
    await makeReplyModel({ outputPath: modelPath, reply: parseReplyBlocks([{ type: "tool_use", name: "Bash", input }]) });
    server = await startTestServer(modelPath, { contextSize: 65536, logger });
    proxy = await startRecordingProxy(server.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("writes the file with Bash, sends the tool_result back, and turn 2 reuses turn 1's prompt from the cache", async () => {
    const cwd = await mkdtemp(path.join(home, "work-"));
    const outcome = await run(binary, claudeArgs, { cwd, timeout: 400_000, env: claudeEnvironment(home, proxy.baseUrl) }).catch(
      (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? "", code: error.code }),
    );
    expect(await readFile(path.join(cwd, "made-by-tool.txt"), "utf8")).toBe("pensieve\n");

    const turns = messagesRequests(proxy.requests);
    expect(turns.length, outcome.stdout).toBeGreaterThanOrEqual(2);
    const toolResults = turns[1]?.messages.flatMap((message) => (typeof message.content === "string" ? [] : message.content.filter((block) => block.type === "tool_result")));
    expect(toolResults).toHaveLength(1);
    expect(toolResults?.[0]).toMatchObject({ tool_use_id: expect.stringMatching(/^toolu_/) });

    const generations = accessLog.filter((line) => line.method === "POST" && line.url.startsWith("/v1/messages?") && line.input_tokens !== undefined);
    const [first, second] = generations;
    const firstPrompt = (first?.input_tokens ?? 0) + (first?.cache_read_input_tokens ?? 0);
    // Measured: turn 1 22626 tokens (2.1.332) and 36918 (2.1.197), none cached; turn 2 reads 7 more than that from the cache.
    expect(firstPrompt).toBeGreaterThan(10_000);
    expect(second?.cache_read_input_tokens, JSON.stringify(generations)).toBeGreaterThanOrEqual(firstPrompt - uncachedTail);
  }, 420_000);
});

/**
 * The same loop on Qwen 3.5's architecture, tokenizer and template (issue #14): the model writes the call one argument
 * at a time (`<parameter=command>`), as the template teaches, and turn 2 renders it back the same way.
 */
describe("Claude Code 2.1.332 runs a tool a Qwen 3.5 model calls in its own syntax", () => {
  let server: TestServer;
  let proxy: RecordingProxy;
  let home: string;
  const { logger, lines: accessLog } = recordAccessLog();
  const binary = releases[0]!.binary;

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "pensieve-claude-qwen35-"));
    const reply = [
      { type: "thinking", thinking: "Bash writes the file." },
      { type: "tool_use", name: "Bash", input: { command } },
    ];
    server = await startTestServer(await familyReplyModelPath("qwen3.5", reply), { contextSize: 65536, logger });
    proxy = await startRecordingProxy(server.baseUrl);
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("writes the file with Bash, and turn 2 reuses turn 1's prompt from the cache", async () => {
    const cwd = await mkdtemp(path.join(home, "work-"));
    const outcome = await run(binary, claudeArgs, { cwd, timeout: 400_000, env: claudeEnvironment(home, proxy.baseUrl) }).catch(
      (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? "", code: error.code }),
    );
    expect(await readFile(path.join(cwd, "made-by-tool.txt"), "utf8"), outcome.stdout).toBe("pensieve\n");
    const generations = accessLog.filter((line) => line.method === "POST" && line.url.startsWith("/v1/messages?") && line.input_tokens !== undefined);
    const [first, second] = generations;
    const firstPrompt = (first?.input_tokens ?? 0) + (first?.cache_read_input_tokens ?? 0);
    console.log(`qwen3.5 tool loop: turn 1 ${firstPrompt} prompt tokens; turn 2 read ${second?.cache_read_input_tokens} from the cache, evaluated ${second?.input_tokens}`);
    expect(firstPrompt).toBeGreaterThan(10_000);
    expect(second?.cache_read_input_tokens, JSON.stringify(generations)).toBeGreaterThanOrEqual(firstPrompt - uncachedTail);
  }, 420_000);
});
