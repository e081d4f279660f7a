import { describe, expect, it } from "vitest";
import { EngineError } from "../../../src/engine/engine-errors.js";
import { toChatFunctions } from "../../../src/engine/llama/to-chat-functions.js";
import { maxSchemaDepth } from "../../../src/engine/tool-schema/measure-tool-schema.js";
import { maxSchemaNodesPerRequest } from "../../../src/engine/tool-schema/schema-work-budget.js";
import { toGrammarSchema } from "../../../src/engine/tool-schema/to-grammar-schema.js";
import { ToolSchemaError } from "../../../src/engine/tool-schema/tool-schema-error.js";

const path = "tools.3.input_schema";
const draft2020 = "https://json-schema.org/draft/2020-12/schema";
const anyValue = {
  oneOf: [{ type: ["string", "number", "boolean", "null"] }, { type: "array" }, { type: "object", additionalProperties: true }],
};

/**
 * Input schemas of Claude Code 2.1.197's tools as its first request sent them (descriptions shortened): every
 * construct of its 24 tools appears here (`$schema`, `additionalProperties: false` and `{}`, ±2^53-1 integer
 * bounds, `exclusiveMinimum`, `anyOf` with `const`, `propertyNames`, `format: "uri"`, `pattern`, `maxLength`,
 * `maxItems`, `default`, an untyped property).
 */
const claudeCodeTools: readonly { readonly name: string; readonly input_schema: Record<string, unknown> }[] = [
  {
    name: "Read",
    input_schema: {
      $schema: draft2020,
      type: "object",
      properties: {
        file_path: { description: "The absolute path to the file to read", type: "string" },
        offset: { description: "The line number to start reading from", type: "integer", minimum: 0, maximum: 9007199254740991 },
        limit: { description: "The number of lines to read", type: "integer", exclusiveMinimum: 0, maximum: 9007199254740991 },
        pages: { description: "Page range for PDF files", type: "string" },
      },
      required: ["file_path"],
      additionalProperties: false,
    },
  },
  { name: "Bash", input_schema: {"$schema":draft2020,"type":"object","properties":{"command":{"description":"The command to execute","type":"string"},"timeout":{"description":"Optional timeout in milliseconds (max 600000)","type":"number"},"description":{"description":"Clear, concise description of what this command does in acti","type":"string"},"run_in_background":{"description":"Set to true to run this command in the background","type":"boolean"},"dangerouslyDisableSandbox":{"description":"Set this to true to dangerously override sandbox mode and ru","type":"boolean"}},"required":["command"],"additionalProperties":false} },
  { name: "CronList", input_schema: {"$schema":draft2020,"type":"object","properties":{},"additionalProperties":false} },
  { name: "Edit", input_schema: {"$schema":draft2020,"type":"object","properties":{"file_path":{"description":"The absolute path to the file to modify","type":"string"},"old_string":{"description":"The text to replace","type":"string"},"new_string":{"description":"The text to replace it with (must be different from old_stri","type":"string"},"replace_all":{"description":"Replace all occurrences of old_string (default false)","default":false,"type":"boolean"}},"required":["file_path","old_string","new_string"],"additionalProperties":false} },
  { name: "ReportFindings", input_schema: {"$schema":draft2020,"type":"object","properties":{"level":{"description":"Effort level the review ran at","type":"string","enum":["low","medium","high","xhigh","max"]},"findings":{"description":"Verified findings, most-severe first; empty if none survived","maxItems":32,"type":"array","items":{"type":"object","properties":{"file":{"description":"Repo-relative path of the file the finding is in","type":"string"},"line":{"description":"1-indexed line the finding anchors to","type":"integer","minimum":-9007199254740991,"maximum":9007199254740991},"summary":{"description":"One-sentence statement of the defect","type":"string"},"failure_scenario":{"description":"Concrete inputs/state → wrong output/crash","type":"string"},"verdict":{"description":"Set when a verify pass ran; absent on inline-only reviews","type":"string","enum":["CONFIRMED","PLAUSIBLE"]},"outcome":{"description":"Set ONLY when re-reporting after applying fixes: what happen","type":"string","enum":["fixed","skipped","no_change_needed"]}},"required":["file","summary","failure_scenario"],"additionalProperties":false}}},"required":["findings"],"additionalProperties":false} },
  { name: "SendMessage", input_schema: {"$schema":draft2020,"type":"object","properties":{"to":{"description":"Recipient: teammate name","type":"string"},"summary":{"description":"A 5-10 word summary shown as a preview in the UI (required w","type":"string","maxLength":200},"message":{"description":"Plain text message content","type":"string"}},"required":["to","message"],"additionalProperties":false} },
  { name: "TaskCreate", input_schema: {"$schema":draft2020,"type":"object","properties":{"subject":{"description":"A brief title for the task","type":"string"},"description":{"description":"What needs to be done","type":"string"},"activeForm":{"description":"Present continuous form shown in spinner when in_progress (e","type":"string"},"metadata":{"description":"Arbitrary metadata to attach to the task","type":"object","propertyNames":{"type":"string"},"additionalProperties":{}}},"required":["subject","description"],"additionalProperties":false} },
  { name: "TaskOutput", input_schema: {"$schema":draft2020,"type":"object","properties":{"task_id":{"description":"The task ID to get output from","type":"string"},"block":{"description":"Whether to wait for completion","default":true,"type":"boolean"},"timeout":{"description":"Max wait time in ms","default":30000,"type":"number","minimum":0,"maximum":600000}},"required":["task_id","block","timeout"],"additionalProperties":false} },
  { name: "TaskUpdate", input_schema: {"$schema":draft2020,"type":"object","properties":{"taskId":{"description":"The ID of the task to update","type":"string"},"subject":{"description":"New subject for the task","type":"string"},"description":{"description":"New description for the task","type":"string"},"activeForm":{"description":"Present continuous form shown in spinner when in_progress (e","type":"string"},"status":{"description":"New status for the task","anyOf":[{"type":"string","enum":["pending","in_progress","completed"]},{"type":"string","const":"deleted"}]},"addBlocks":{"description":"Task IDs that this task blocks","type":"array","items":{"type":"string"}},"addBlockedBy":{"description":"Task IDs that block this task","type":"array","items":{"type":"string"}},"owner":{"description":"New owner for the task","type":"string"},"metadata":{"description":"Metadata keys to merge into the task","type":"object","propertyNames":{"type":"string"},"additionalProperties":{}}},"required":["taskId"],"additionalProperties":false} },
  { name: "WebFetch", input_schema: {"$schema":draft2020,"type":"object","properties":{"url":{"description":"The URL to fetch content from","type":"string","format":"uri"},"prompt":{"description":"The prompt to run on the fetched content","type":"string"}},"required":["url","prompt"],"additionalProperties":false} },
  { name: "WebSearch", input_schema: {"$schema":draft2020,"type":"object","properties":{"query":{"description":"The search query to use","type":"string","minLength":2},"allowed_domains":{"description":"Only include search results from these domains","type":"array","items":{"type":"string"}},"blocked_domains":{"description":"Never include search results from these domains","type":"array","items":{"type":"string"}}},"required":["query"],"additionalProperties":false} },
  { name: "Workflow", input_schema: {"$schema":draft2020,"type":"object","properties":{"script":{"description":"Self-contained workflow script","type":"string","maxLength":524288},"name":{"description":"Name of a predefined workflow (built-in or from ","type":"string"},"description":{"description":"Ignored — set the workflow description in the script's `meta","type":"string"},"title":{"description":"Ignored — set the workflow title in the script's `meta` bloc","type":"string"},"args":{"description":"Optional input value exposed to the script as the global `ar"},"scriptPath":{"description":"Path to a workflow script file on disk","type":"string"},"resumeFromRunId":{"description":"Run ID of a prior Workflow invocation to resume from","type":"string","pattern":"^wf_[a-z0-9-]{6,}$"}},"additionalProperties":false} },
];

function timed<T>(run: () => T): { result: T; milliseconds: number } {
  const started = performance.now();
  const result = run();
  return { result, milliseconds: performance.now() - started };
}

describe("toGrammarSchema", () => {
  it("converts Claude Code's Read schema: $schema dropped, optional properties nullable, bounds described", () => {
    const read = claudeCodeTools.find((tool) => tool.name === "Read");
    expect(toGrammarSchema(read?.input_schema, path)).toEqual({
      type: "object",
      properties: {
        file_path: { type: "string", description: "The absolute path to the file to read" },
        // Integers are generated as numbers (node-llama-cpp's integer rule admits "5e-3" and then throws on it);
        // the 2^53-1 maximum says nothing and is left out of the hint.
        offset: { type: ["number", "null"], description: "The line number to start reading from (integer, minimum 0)" },
        limit: { type: ["number", "null"], description: "The number of lines to read (integer, greater than 0)" },
        pages: { type: ["string", "null"], description: "Page range for PDF files" },
      },
      additionalProperties: false,
    });
  });

  it("converts every Claude Code tool schema, each in well under a millisecond", () => {
    for (const [index, tool] of claudeCodeTools.entries()) {
      const { result, milliseconds } = timed(() => toGrammarSchema(tool.input_schema, `tools.${index}.input_schema`));
      expect(result).toMatchObject({ type: "object", additionalProperties: false });
      expect(JSON.stringify(result)).not.toContain("$schema");
      expect(milliseconds).toBeLessThan(2000); // a hang guard: the real cost is under a millisecond
    }
  });

  it("keeps the grammar's enforceable keywords and turns unknown formats, patterns and lengths into hints", () => {
    const schema = {
      $schema: draft2020,
      type: "object",
      properties: {
        url: { type: "string", format: "uri", description: "The URL" },
        when: { type: "string", format: "date-time" },
        query: { type: "string", minLength: 2 },
        summary: { type: "string", maxLength: 200 },
        runId: { type: "string", pattern: "^wf_[a-z0-9-]{6,}$" },
        findings: { type: "array", maxItems: 32, items: { type: "string" } },
        replaceAll: { type: "boolean", default: false },
      },
      required: ["url", "when", "query", "summary", "runId", "findings", "replaceAll"],
      additionalProperties: false,
    };
    expect(toGrammarSchema(schema, path)).toEqual({
      type: "object",
      properties: {
        url: { type: "string", description: "The URL (format uri)" },
        when: { type: "string", format: "date-time" },
        query: { type: "string", minLength: 2 },
        summary: { type: "string", description: "at most 200 characters" },
        runId: { type: "string", description: "pattern ^wf_[a-z0-9-]{6,}$" },
        findings: { type: "array", items: { type: "string" }, maxItems: 32 },
        replaceAll: { type: "boolean" },
      },
      additionalProperties: false,
    });
  });

  it("keeps a 21,000-character description intact", () => {
    const description = "Runs a workflow. ".repeat(1300).slice(0, 21_000);
    const schema = { type: "object", properties: { script: { type: "string", description } }, required: ["script"] };
    expect(toGrammarSchema(schema, path)).toEqual({
      type: "object",
      properties: { script: { type: "string", description } },
      additionalProperties: false,
    });
    const functions = toChatFunctions([{ name: "Workflow", description, inputSchema: schema }]);
    expect(functions?.["Workflow"]?.description).toHaveLength(21_000);
  });

  it("turns anyOf with null and type arrays into nullable types", () => {
    const schema = {
      type: "object",
      properties: {
        a: { anyOf: [{ type: "string" }, { type: "null" }], description: "A" },
        b: { type: ["string", "null"] },
        c: { oneOf: [{ type: "integer", minimum: 1 }, { type: "null" }] },
        d: { type: ["object", "null"], properties: { x: { type: "boolean" } }, required: ["x"] },
      },
      required: ["a", "b", "c", "d"],
    };
    expect(toGrammarSchema(schema, path)).toEqual({
      type: "object",
      properties: {
        a: { type: ["string", "null"], description: "A" },
        b: { type: ["string", "null"] },
        c: { oneOf: [{ type: "number", description: "integer, minimum 1" }, { type: "null" }] },
        d: { oneOf: [{ type: "object", properties: { x: { type: "boolean" } }, additionalProperties: false }, { type: "null" }] },
      },
      additionalProperties: false,
    });
  });

  it("distributes sibling keywords into anyOf alternatives (Claude Code's TaskUpdate status)", () => {
    const status = {
      description: "New status for the task",
      anyOf: [{ type: "string", enum: ["pending", "in_progress", "completed"] }, { type: "string", const: "deleted" }],
    };
    expect(toGrammarSchema({ type: "object", properties: { status }, required: ["status"] }, path)).toEqual({
      type: "object",
      properties: {
        status: { oneOf: [{ enum: ["pending", "in_progress", "completed"] }, { const: "deleted" }], description: "New status for the task" },
      },
      additionalProperties: false,
    });
  });

  it("filters enum values by type and builds exact schemas for object constants", () => {
    const schema = {
      type: "object",
      properties: {
        mode: { type: "string", enum: ["fast", 3, "slow"] },
        mixed: { enum: [1, "a", null, { x: 1 }] },
        fixed: { const: { kind: "fixed", n: [1, 2] } },
      },
      required: ["mode", "mixed", "fixed"],
    };
    expect(toGrammarSchema(schema, path)).toEqual({
      type: "object",
      properties: {
        mode: { enum: ["fast", "slow"] },
        mixed: { oneOf: [{ enum: [1, "a", null] }, { type: "object", properties: { x: { const: 1 } }, additionalProperties: false }] },
        fixed: {
          type: "object",
          properties: { kind: { const: "fixed" }, n: { type: "array", prefixItems: [{ const: 1 }, { const: 2 }], maxItems: 2 } },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    });
  });

  it("flattens allOf of one, follows $defs and definitions, and keeps the description at the point of use", () => {
    const schema = {
      type: "object",
      $defs: { mode: { type: "string", enum: ["a", "b"], description: "def" } },
      definitions: { count: { type: "integer" } },
      properties: {
        mode: { allOf: [{ $ref: "#/$defs/mode" }], description: "the mode" },
        count: { $ref: "#/definitions/count" },
        missing: { $ref: "#/$defs/nowhere" },
        remote: { $ref: "https://example.com/schema.json" },
      },
      required: ["mode", "count", "missing", "remote"],
    };
    expect(toGrammarSchema(schema, path)).toEqual({
      type: "object",
      properties: {
        mode: { enum: ["a", "b"], description: "the mode" },
        count: { type: "number", description: "integer" },
        missing: anyValue,
        remote: anyValue,
      },
      additionalProperties: false,
    });
  });

  it("cuts $ref cycles after one expansion instead of recursing", () => {
    const tree = {
      type: "object",
      $defs: {
        node: {
          type: "object",
          properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/node" } } },
          required: ["name", "children"],
        },
      },
      properties: { root: { $ref: "#/$defs/node" }, self: { $ref: "#" } },
      required: ["root", "self"],
    };
    const { result, milliseconds } = timed(() => toGrammarSchema(tree, path));
    expect(milliseconds).toBeLessThan(2000); // a hang guard: the real cost is a few ms
    expect(result).toEqual({
      type: "object",
      properties: {
        root: {
          type: "object",
          properties: { name: { type: "string" }, children: { type: "array", items: anyValue } },
          additionalProperties: false,
        },
        self: {
          type: "object",
          properties: {
            root: {
              type: "object",
              properties: { name: { type: "string" }, children: { type: "array", items: anyValue } },
              additionalProperties: false,
            },
            self: anyValue,
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    });
  });

  it("drops what the grammar cannot express: not, if/then, propertyNames, patternProperties, uniqueItems", () => {
    const schema = {
      type: "object",
      properties: {
        n: { type: "string", not: { const: "x" } },
        i: { type: "string", if: { minLength: 1 }, then: { maxLength: 3 } },
        metadata: { type: "object", propertyNames: { type: "string" }, additionalProperties: {} },
        tags: { type: "array", items: { type: "string" }, uniqueItems: true, contains: { const: "a" } },
        untyped: { description: "any value" },
      },
      required: ["n", "i", "metadata", "tags", "untyped"],
    };
    expect(toGrammarSchema(schema, path)).toEqual({
      type: "object",
      properties: {
        n: { type: "string" },
        i: { type: "string" },
        metadata: { type: "object", properties: {}, additionalProperties: true },
        tags: { type: "array", items: { type: "string" } },
        untyped: { ...anyValue, description: "any value" },
      },
      additionalProperties: false,
    });
  });

  it("keeps a property named __proto__ as a property", () => {
    const schema: unknown = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"]}');
    const converted = toGrammarSchema(schema, path);
    expect("properties" in converted ? Object.keys(converted.properties ?? {}) : []).toEqual(["__proto__"]);
  });

  it("treats the root as an object and generates no invented keys for a tool without properties", () => {
    expect(toGrammarSchema({ $schema: draft2020, type: "object", properties: {}, additionalProperties: false }, path)).toEqual({
      type: "object",
      properties: {},
      additionalProperties: false,
    });
    expect(toGrammarSchema({ type: "object" }, path)).toEqual({ type: "object", properties: {}, additionalProperties: false });
    expect(toGrammarSchema(undefined, path)).toEqual({ type: "object", properties: {}, additionalProperties: false });
  });

  it("never rejects odd but harmless input", () => {
    const odd = [
      { type: "object", properties: { a: true, b: false, c: null, d: [], e: { type: "unknown-type" } }, required: ["a", "z"] },
      { type: "object", properties: { a: { type: "integer", minimum: 5, maximum: 1 } } },
      { type: "object", properties: { a: { type: "array", items: [{ type: "string" }], additionalItems: false } } },
      { type: "object", properties: { a: { allOf: [{ anyOf: [{ type: "string" }] }, { anyOf: [{ minLength: 1 }] }] } } },
      { type: "object", properties: { a: { allOf: [{ $ref: "#/$defs/a" }, { $ref: "#/$defs/b" }] } }, $defs: { a: { type: "string" }, b: { minLength: 3 } } },
      { type: "object", properties: { a: { type: "array", minItems: 100_000, maxItems: 1_000_000 } } },
      { type: "object", properties: { a: { type: "number", nullable: true } } },
    ];
    for (const schema of odd) expect(() => toGrammarSchema(schema, path)).not.toThrow();
    expect(toGrammarSchema(odd[3], path)).toMatchObject({ properties: { a: { oneOf: [{ type: "string", minLength: 1 }, { type: "null" }] } } });
    expect(toGrammarSchema(odd[4], path)).toMatchObject({ properties: { a: { oneOf: [{ type: "string", minLength: 3 }, { type: "null" }] } } });
  });

  describe("fails fast, naming the tool, on schemas too deep or too large to compile", () => {
    const nested = (levels: number, wrap: (inner: unknown) => unknown): unknown => {
      let schema: unknown = { type: "string" };
      for (let level = 0; level < levels; level += 1) schema = wrap(schema);
      return schema;
    };
    const shapes: Record<string, (inner: unknown) => unknown> = {
      properties: (inner) => ({ type: "object", properties: { a: inner }, required: ["a"] }),
      items: (inner) => ({ type: "array", items: inner }),
      anyOf: (inner) => ({ anyOf: [inner, { type: "null" }] }),
      allOf: (inner) => ({ allOf: [inner] }),
    };

    it.each(Object.keys(shapes))("10,000 levels of %s throw ToolSchemaError fast (a hang guard)", (shape) => {
      const wrap = shapes[shape];
      if (wrap === undefined) throw new Error(shape);
      const schema = { type: "object", properties: { deep: nested(10_000, wrap) } };
      let thrown: unknown;
      const { milliseconds } = timed(() => {
        try {
          toGrammarSchema(schema, path);
        } catch (error) {
          thrown = error;
        }
      });
      expect(thrown).toBeInstanceOf(ToolSchemaError);
      expect(thrown).toBeInstanceOf(EngineError);
      expect((thrown as ToolSchemaError).message).toBe(`tools.3.input_schema: schema nesting exceeds ${maxSchemaDepth} levels`);
      expect((thrown as ToolSchemaError).path).toBe(path);
      expect(milliseconds).toBeLessThan(2000); // a hang guard: the real cost is a few ms
    });

    it("a 10,000-long $ref chain throws too", () => {
      const definitions: Record<string, unknown> = { d10000: { type: "string" } };
      for (let index = 0; index < 10_000; index += 1) definitions[`d${index}`] = { $ref: `#/$defs/d${index + 1}` };
      const { milliseconds } = timed(() => {
        expect(() => toGrammarSchema({ type: "object", $defs: definitions, properties: { a: { $ref: "#/$defs/d0" } } }, path)).toThrow(ToolSchemaError);
      });
      expect(milliseconds).toBeLessThan(2000); // a hang guard: the real cost is a few ms
    });

    it("nesting up to the limit is fine", () => {
      const schema = { type: "object", properties: { deep: nested(maxSchemaDepth - 2, shapes["properties"] ?? ((inner) => inner)) } };
      expect(() => toGrammarSchema(schema, path)).not.toThrow();
    });

    it("exponential $ref expansion and huge property lists throw 'expand to more than' fast (a hang guard)", () => {
      // Each definition uses the next one twice: 2^25 subschemas once expanded, within the depth limit.
      const definitions: Record<string, unknown> = { d25: { type: "string" } };
      for (let index = 0; index < 25; index += 1) {
        definitions[`d${index}`] = { type: "object", properties: { left: { $ref: `#/$defs/d${index + 1}` }, right: { $ref: `#/$defs/d${index + 1}` } } };
      }
      const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 20_000 }, (_, index) => [`p${index}`, { type: "string" }])) };
      for (const schema of [{ type: "object", $defs: definitions, properties: { a: { $ref: "#/$defs/d0" } } }, wide]) {
        const { milliseconds } = timed(() => {
          expect(() => toGrammarSchema(schema, path)).toThrow(`${path}: the tool schemas expand to more than ${maxSchemaNodesPerRequest} nodes`);
        });
        expect(milliseconds).toBeLessThan(2000); // a hang guard: the real cost is a few ms
      }
    });

    it("toChatFunctions names the tool's index in the path", () => {
      const deep = { type: "object", properties: { deep: nested(100, shapes["items"] ?? ((inner) => inner)) } };
      const fine = { type: "object", properties: {} };
      expect(() =>
        toChatFunctions([
          { name: "A", description: "", inputSchema: fine },
          { name: "B", description: "", inputSchema: deep },
        ]),
      ).toThrow("tools.1.input_schema: schema nesting exceeds 64 levels");
    });
  });
});

describe("toChatFunctions", () => {
  it("returns undefined without tools and keeps a tool named __proto__ as an own entry", () => {
    expect(toChatFunctions([])).toBeUndefined();
    const functions = toChatFunctions([{ name: "__proto__", description: "odd", inputSchema: { type: "object" } }]);
    expect(functions === undefined ? [] : Object.keys(functions)).toEqual(["__proto__"]);
  });
});
