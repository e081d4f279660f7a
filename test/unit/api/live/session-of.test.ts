import { describe, expect, it } from "vitest";
import { sessionOf } from "../../../../src/api/translate/session-of.js";

const withUserId = (userId: unknown) => ({ metadata: { user_id: userId } });

describe("sessionOf", () => {
  it("prefers Claude Code's session header", () => {
    expect(sessionOf({ "x-claude-code-session-id": " 6f1c-session " }, withUserId("someone"))).toBe("6f1c-session");
  });

  it("reads the session_id of a JSON user_id, and keeps nothing else of it (device and account ids)", () => {
    const userId = JSON.stringify({ device_id: "device-1", account_uuid: "account-1", session_id: "0b9e2d0c-session" });
    expect(sessionOf({}, withUserId(userId))).toBe("0b9e2d0c-session");
    expect(sessionOf({}, withUserId(JSON.stringify({ device_id: "device-1" })))).toBeNull();
  });

  it("reads the older user_…_account_…_session_<id> form", () => {
    expect(sessionOf({}, withUserId("user_abc_account_def_session_1234-abcd"))).toBe("1234-abcd");
  });

  it("takes a plain user_id as it is, clipped", () => {
    expect(sessionOf({}, withUserId("page-1a2b3c4d"))).toBe("page-1a2b3c4d");
    expect(sessionOf({}, withUserId("x".repeat(500)))).toHaveLength(64);
  });

  it("is null without one, or for a user_id that is broken JSON or not a string", () => {
    for (const body of [{}, null, undefined, withUserId(""), withUserId(42), withUserId("{not json"), { metadata: null }]) {
      expect(sessionOf({ "x-claude-code-session-id": "" }, body)).toBeNull();
    }
  });

  it("passes over a blank header or session_id to what comes next", () => {
    expect(sessionOf({ "x-claude-code-session-id": "   " }, withUserId("page-1"))).toBe("page-1");
    expect(sessionOf({}, withUserId("   "))).toBeNull();
    expect(sessionOf({}, withUserId(JSON.stringify({ session_id: "   " })))).toBeNull();
  });

  it("reads a JSON user_id after leading spaces, and never keeps broken JSON as a session", () => {
    expect(sessionOf({}, withUserId(` ${JSON.stringify({ session_id: "abc" })}`))).toBe("abc");
    expect(sessionOf({}, withUserId(" {broken"))).toBeNull();
  });

  it("keeps a plain user_id that happens to parse as JSON, and takes a session suffix only at the end", () => {
    expect(sessionOf({}, withUserId("12345"))).toBe("12345");
    expect(sessionOf({}, withUserId("a_session_abc def"))).toBe("a_session_abc def");
  });
});
