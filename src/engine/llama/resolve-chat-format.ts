import { resolveChatWrapper, specializedChatWrapperTypeNames, type ChatWrapper, type LlamaModel } from "node-llama-cpp";

/**
 * The chat wrapper for `--chat-format`: node-llama-cpp's pick from the model's template for `auto`, else the
 * named wrapper (`jinja` for the model's own template). Throws for an unknown name or one that does not apply.
 */
export function resolveChatFormat(model: LlamaModel, format: string): ChatWrapper {
  if (format === "auto") return resolveChatWrapper(model);
  // Qwen 3.5 opens a reasoning segment at the start of every reply; node-llama-cpp calls it a variation.
  if (format === "qwen3.5") return resolveChatWrapper(model, { type: "qwen", customWrapperSettings: { qwen: { variation: "3.5" } } });
  const type = format === "jinja" ? "jinjaTemplate" : format;
  if (!(specializedChatWrapperTypeNames as readonly string[]).includes(type) && type !== "jinjaTemplate") {
    throw new Error(`unknown chat format '${format}': use auto, jinja, qwen3.5 or one of ${specializedChatWrapperTypeNames.join(", ")}`);
  }
  const wrapper = resolveChatWrapper(model, { type: type as (typeof specializedChatWrapperTypeNames)[number] | "jinjaTemplate" });
  if (wrapper === null) throw new Error(`chat format '${format}' does not apply to this model`);
  return wrapper;
}
