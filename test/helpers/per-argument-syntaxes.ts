import { perArgumentCallSyntax, type PerArgumentCallSyntax } from "../../src/models/chat-format/per-argument-call-syntax.js";

/** The syntax of node-llama-cpp function-call settings (prefix, params prefix, suffix), which must be a per-argument one. */
function syntaxOf(prefix: string, paramsPrefix: string, suffix: string): PerArgumentCallSyntax {
  const syntax = perArgumentCallSyntax({ functions: { call: { optionalPrefixSpace: true, prefix, paramsPrefix, suffix } } } as never);
  if (syntax === undefined) throw new Error("not a per-argument syntax");
  return syntax;
}

/** Qwen3.5 / Qwen3-Coder's syntax, from the settings node-llama-cpp's Qwen 3.5 wrapper holds. */
export const qwenXmlSyntax = syntaxOf("<tool_call>\n<function=", ">\n<parameter=params>\n", "\n</parameter>\n</function>\n</tool_call>");
/** GLM-4.5+'s syntax, from the settings node-llama-cpp's Jinja wrapper learns from its template. */
export const glmXmlSyntax = syntaxOf("<tool_call>", "<arg_key>params</arg_key><arg_value>", "</arg_value></tool_call>");
/** Gemma 4's syntax, from the settings node-llama-cpp's Gemma 4 wrapper holds. */
export const gemmaSyntax = syntaxOf("<|tool_call>call:", "{", "}<tool_call|>");
