import { describe, expect, it } from "vitest";
import { argumentValue, toPerArgumentTool, type ArgumentShape } from "../../../src/engine/per-argument-calls/per-argument-tool.js";
import { toGrammarSchema } from "../../../src/engine/tool-schema/to-grammar-schema.js";

/** The tool as the engine makes it: from the grammar schema `toGrammarSchema` makes (optional properties nullable). */
function toolOf(schema: Record<string, unknown>, required: readonly string[] = []): ReturnType<typeof toPerArgumentTool> {
  return toPerArgumentTool("Tool", toGrammarSchema({ type: "object", ...schema, required }, "tools.0.input_schema"), required);
}

function kindsOf(properties: Record<string, unknown>, required: readonly string[] = []): Record<string, Omit<ArgumentShape, "schema">> {
  const tool = toolOf({ properties }, required);
  return Object.fromEntries([...tool.arguments].map(([key, { kind, choices }]) => [key, choices === undefined ? { kind } : { kind, choices }]));
}

describe("toPerArgumentTool", () => {
  it("writes strings raw, numbers, booleans, arrays and objects as JSON, whether the property is required or optional", () => {
    const properties = {
      text: { type: "string" },
      count: { type: "integer" },
      ratio: { type: "number" },
      flag: { type: "boolean" },
      list: { type: "array", items: { type: "string" } },
      object: { type: "object", properties: { a: { type: "string" } } },
      date: { type: "string", format: "date" },
      long: { type: "string", minLength: 3 },
    };
    const expected = {
      text: { kind: "string" },
      count: { kind: "json" },
      ratio: { kind: "json" },
      flag: { kind: "json" },
      list: { kind: "json" },
      object: { kind: "json" },
      date: { kind: "string" },
      long: { kind: "string" },
    };
    expect(kindsOf(properties, Object.keys(properties))).toEqual(expected);
    expect(kindsOf(properties)).toEqual(expected);
  });

  it("gives a string enum or const its choices, and writes an enum of other values as JSON", () => {
    const properties = {
      mode: { enum: ["fast", "slow"] },
      fixed: { const: "only" },
      level: { enum: [1, 2] },
      mixed: { enum: ["a", 1] },
    };
    const expected = {
      mode: { kind: "string", choices: ["fast", "slow"] },
      fixed: { kind: "string", choices: ["only"] },
      level: { kind: "json" },
      mixed: { kind: "json" },
    };
    expect(kindsOf(properties, Object.keys(properties))).toEqual(expected);
    // Optional: the `null` toGrammarSchema adds is not one of the choices.
    expect(kindsOf(properties)).toEqual(expected);
  });

  it("reads raw text that may be JSON for a string that may also be something else", () => {
    const properties = { either: { type: ["string", "number"] }, union: { anyOf: [{ type: "string" }, { type: "array", items: { type: "number" } }] } };
    const expected = { either: { kind: "string-or-json" }, union: { kind: "string-or-json" } };
    expect(kindsOf(properties, ["either", "union"])).toEqual(expected);
    expect(kindsOf(properties)).toEqual(expected);
  });

  it("keeps the schema of a JSON value without the null that marks it optional", () => {
    const tool = toolOf({ properties: { count: { type: "integer" }, list: { type: "array" }, object: { type: "object", properties: {} } } });
    expect(tool.arguments.get("count")?.schema).toMatchObject({ type: "number" });
    expect(tool.arguments.get("list")?.schema).toMatchObject({ type: "array" });
    expect(tool.arguments.get("object")?.schema).toMatchObject({ type: "object" });
    for (const { schema } of tool.arguments.values()) expect(JSON.stringify(schema)).not.toContain("null");
  });

  it("keeps the required keys the properties have, in their order, and knows the keys of a closed object", () => {
    const schema = { type: "object", properties: { a: { type: "string" }, b: { type: "string" }, c: { type: "string" } }, required: ["c", "a"] };
    const tool = toPerArgumentTool("Tool", toGrammarSchema(schema, "tools.0.input_schema"), ["c", "a", "missing"]);
    expect(tool.required).toEqual(["c", "a"]);
    expect(tool.openKeys).toBe(false);
    expect([...tool.arguments.keys()]).toEqual(["a", "b", "c"]);
    expect(toolOf({})).toEqual({ name: "Tool", arguments: new Map(), required: [], openKeys: false });
  });

  it("takes any key for a schema that allows more properties or is not an object of properties", () => {
    const open = { name: "Tool", arguments: new Map(), required: [], openKeys: true };
    expect(toolOf({ properties: { a: { type: "string" } }, additionalProperties: true }, ["a"])).toEqual(open);
    expect(toolOf({ properties: { a: { type: "string" } }, additionalProperties: { type: "number" } })).toEqual(open);
    expect(toPerArgumentTool("Tool", { type: "string" }, [])).toEqual(open);
    expect(toPerArgumentTool("Tool", { type: "object" } as never, [])).toEqual(open);
  });
});

describe("argumentValue", () => {
  const string: ArgumentShape = { kind: "string", schema: { type: "string" } };
  const either: ArgumentShape = { kind: "string-or-json", schema: { type: ["string", "number"] } };
  const json: ArgumentShape = { kind: "json", schema: { type: "number" } };

  it("takes a string value's text as it is, even when it reads as JSON", () => {
    for (const raw of ["12", "true", '"quoted"', "[1]", "", " x "]) expect(argumentValue(string, raw)).toBe(raw);
  });

  it("reads a string-or-JSON value as JSON unless that JSON is a string, which stays as written", () => {
    expect(argumentValue(either, "12")).toBe(12);
    expect(argumentValue(either, "[1, 2]")).toEqual([1, 2]);
    expect(argumentValue(either, "null")).toBeNull();
    expect(argumentValue(either, '"quoted"')).toBe('"quoted"');
    expect(argumentValue(either, "plain text")).toBe("plain text");
  });

  it("reads a JSON value, or an argument the tool does not know, as JSON where it is JSON, else as text", () => {
    expect(argumentValue(json, "1.5e3")).toBe(1500);
    expect(argumentValue(json, ' {"a": [true]} ')).toEqual({ a: [true] });
    expect(argumentValue(json, "not json")).toBe("not json");
    expect(argumentValue(undefined, '"quoted"')).toBe("quoted");
    expect(argumentValue(undefined, "false")).toBe(false);
    expect(argumentValue(undefined, "{")).toBe("{");
  });
});

describe("toPerArgumentTool, required keys", () => {
  it("requires a key listed twice in `required` once: the any-order grammar would demand it twice", () => {
    const tool = toPerArgumentTool("T", { type: "object", properties: { a: { type: "string" } }, additionalProperties: false } as never, ["a", "a"]);
    expect(tool.required).toEqual(["a"]);
  });
});
