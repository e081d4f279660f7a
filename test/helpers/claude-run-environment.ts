/**
 * The environment of a `claude -p` run in the tests: a throwaway home, the server under test as the API, a dummy
 * key, and nothing that phones home (updates, telemetry).
 */
export function claudeRunEnvironment(home: string, baseUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: home,
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "pensieve-test",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
}
