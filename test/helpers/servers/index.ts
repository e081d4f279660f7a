/**
 * The one way to start a server in tests and in the bench. Pick the smallest that proves the point:
 *
 * - `createApp({ engine: ScriptedEngine… })` with `app.inject`: the HTTP layer alone, nothing to start (unit
 *   tests); `listenOnLoopback(app)` puts such an app on a real socket when the socket itself is under test.
 * - `withEngine`: the real engine, no HTTP.
 * - `startTestServer`: the real engine behind the real app on a loopback port, with an SDK client (integration
 *   tests, the bench); `useTestServer` starts one for a whole suite and closes it after.
 * - `startInProcess`: `pensieve start` itself in process through `runServer`, its process faked by
 *   `RecordingStartIo` (flags, banner, signals and exit codes, counted for coverage).
 * - `spawnServer`: the real CLI in its own process (real signals, the memory relaunch, its memory apart).
 * - `startFleetServer`: the real app over an upstream engine whose endpoints are OpenAI-compatible servers
 *   (`FakeOpenAiServer` in the fast tests, llama-server replicas in the fleet tier), with an SDK client.
 * - `startPageServer`: two real models behind one app with a key, a monitor and a log (the browser tests).
 */
export { listenOnLoopback, type ListeningApp } from "./listen-on-loopback.js";
export { startFleetServer, type FleetServer, type FleetServerOptions } from "./start-fleet-server.js";
export { startPageServer, type PageServer } from "./page-server.js";
export { processMemory, servingPid, spawnServer, type SpawnedServer } from "./spawn-server.js";
export { parseStartFlags, RecordingStartIo, startInProcess, startProgram, type StartedInProcess } from "./start-in-process.js";
export { startTestServer, type TestServer, type TestServerOptions } from "./start-test-server.js";
export { useTestServer, type SuiteServer } from "./use-test-server.js";
export { withEngine } from "./with-engine.js";
