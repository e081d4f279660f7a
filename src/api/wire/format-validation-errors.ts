/** The part of an Ajv error that Fastify hands over on a schema failure. */
export interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * Ajv errors in the real API's style: `messages.0.role: Input should be 'user', 'assistant' or 'system'`, one
 * field named, the most specific problem first. Union branches each report a `type` (or `const`) error at
 * the same path; they are merged into one "should be a valid string or a valid list".
 */
export function formatValidationErrors(issues: readonly ValidationIssue[]): string {
  const specific = issues.filter((issue) => issue.keyword !== "anyOf" && issue.keyword !== "oneOf");
  const candidates = specific.length > 0 ? specific : issues;
  const deepest = candidates.reduce((best, issue) => (fieldPath(issue).length > fieldPath(best).length ? issue : best));
  const path = fieldPath(deepest);
  const atPath = candidates.filter((issue) => fieldPath(issue) === path);
  const types = atPath.filter((issue) => issue.keyword === "type").map((issue) => String(issue.params["type"]));
  if (types.length > 1) return `${path}: Input should be ${joinChoices(types.map(article))}`;
  const constants = atPath.filter((issue) => issue.keyword === "const").map((issue) => `'${String(issue.params["allowedValue"])}'`);
  if (constants.length > 1) return `${path}: Input should be ${joinChoices(constants)}`;
  return `${path}: ${describe(deepest)}`;
}

function fieldPath(issue: ValidationIssue): string {
  const segments = issue.instancePath.split("/").filter((segment) => segment !== "");
  const missing = issue.keyword === "required" ? issue.params["missingProperty"] : undefined;
  if (typeof missing === "string") segments.push(missing);
  return segments.length === 0 ? "body" : segments.join(".");
}

function describe(issue: ValidationIssue): string {
  const params = issue.params;
  switch (issue.keyword) {
    case "required":
      return "Field required";
    case "type":
      return `Input should be ${article(String(params["type"]))}`;
    case "enum":
      return `Input should be ${joinChoices((params["allowedValues"] as unknown[] | undefined ?? []).map((value) => `'${String(value)}'`))}`;
    case "const":
      return `Input should be '${String(params["allowedValue"])}'`;
    case "minimum":
      return `Input should be greater than or equal to ${String(params["limit"])}`;
    case "maximum":
      return `Input should be less than or equal to ${String(params["limit"])}`;
    case "minLength":
      return `String should have at least ${String(params["limit"])} character(s)`;
    case "maxLength":
      return `String should have at most ${String(params["limit"])} character(s)`;
    case "pattern":
      return `String should match pattern '${String(params["pattern"])}'`;
    case "minItems":
      return `List should have at least ${String(params["limit"])} item(s)`;
    case "maxItems":
      return `List should have at most ${String(params["limit"])} item(s)`;
    default:
      return issue.message ?? "Invalid value";
  }
}

function article(type: string): string {
  switch (type) {
    case "integer":
      return "a valid integer";
    case "number":
      return "a valid number";
    case "string":
      return "a valid string";
    case "boolean":
      return "a valid boolean";
    case "array":
      return "a valid list";
    case "object":
      return "a valid dictionary";
    default:
      return type;
  }
}

function joinChoices(choices: readonly string[]): string {
  const last = choices.at(-1) ?? "";
  return choices.length > 1 ? `${choices.slice(0, -1).join(", ")} or ${last}` : last;
}
