import { describe, expect, it } from "vitest";
import { describeListenFailure, ListenError } from "../../../../src/cli/commands/start/listen-error.js";

const failure = (code: string): Error => Object.assign(new Error(`listen ${code}`), { code });

describe("describeListenFailure", () => {
  it.each([
    ["EADDRINUSE", "port 8080 on 127.0.0.1 is already in use"],
    ["EACCES", "this user may not listen on port 8080 on 127.0.0.1 (ports below 1024 need privileges)"],
    ["EADDRNOTAVAIL", "--host 127.0.0.1 is not an address of this machine"],
    ["ENOTFOUND", "--host 127.0.0.1 is not an address of this machine"],
  ])("says what %s means to the user, in one line", (code, message) => {
    const described = describeListenFailure(failure(code), "127.0.0.1", 8080);
    expect(described).toBeInstanceOf(ListenError);
    expect((described as ListenError).message).toContain(message);
    expect((described as ListenError).message).not.toContain("\n");
  });

  it("leaves any other failure as it is, to be reported with its stack", () => {
    const other = failure("EMFILE");
    expect(describeListenFailure(other, "127.0.0.1", 8080)).toBe(other);
    const plain = new Error("not a system error");
    expect(describeListenFailure(plain, "127.0.0.1", 8080)).toBe(plain);
  });
});
