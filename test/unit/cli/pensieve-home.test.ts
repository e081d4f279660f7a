import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pensieveHome } from "../../../src/cli/pensieve-home.js";

describe("pensieveHome", () => {
  it("is $PENSIEVE_HOME, made absolute, when set", () => {
    expect(pensieveHome({ PENSIEVE_HOME: "relative/home", XDG_CACHE_HOME: "/xdg" })).toBe(path.resolve("relative/home"));
  });

  it("falls back to $XDG_CACHE_HOME/pensieve, ignoring an empty PENSIEVE_HOME", () => {
    expect(pensieveHome({ PENSIEVE_HOME: "", XDG_CACHE_HOME: "/xdg" })).toBe(path.join("/xdg", "pensieve"));
  });

  it("falls back to ~/.cache/pensieve, ignoring an empty XDG_CACHE_HOME", () => {
    expect(pensieveHome({ XDG_CACHE_HOME: "" })).toBe(path.join(os.homedir(), ".cache", "pensieve"));
    expect(pensieveHome({})).toBe(path.join(os.homedir(), ".cache", "pensieve"));
  });
});
