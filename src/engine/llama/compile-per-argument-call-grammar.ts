import { LlamaGrammar, LlamaJsonSchemaGrammar, type Llama } from "node-llama-cpp";
import { gbnfLiteral } from "../per-argument-calls/gbnf.js";
import { perArgumentCallGrammar } from "../per-argument-calls/per-argument-call-grammar.js";
import type { PerArgumentCallPlan } from "./per-argument-call-plan.js";

/**
 * The grammar a per-argument call is generated under, from just after its tag: the rest of the call's opening,
 * then the calls (see `perArgumentCallGrammar`), non-string values as node-llama-cpp's JSON grammar of their schema.
 */
export function compilePerArgumentCallGrammar(llama: Llama, plan: PerArgumentCallPlan): LlamaGrammar {
  const { syntax } = plan;
  const calls = perArgumentCallGrammar({
    syntax,
    tools: plan.tools,
    parallel: plan.parallel,
    jsonGrammar: (schema) => new LlamaJsonSchemaGrammar(llama, schema as never).grammar,
  });
  return new LlamaGrammar(llama, {
    grammar: `start ::= ${gbnfLiteral(syntax.callOpen.slice(syntax.callTag.length))} root\n${calls}`,
    rootRuleName: "start",
  });
}
