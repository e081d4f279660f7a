import type { AssistantPart, ConversationTurn, GenerationRequest, PromptRequest, UserPart } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest, MessagesRequest } from "../wire/messages-request.js";
import { assistantTurn } from "./assistant-turn.js";
import { systemMessageTexts, systemTexts } from "./system-texts.js";
import { toThinkingSetting } from "./thinking-setting.js";
import { toToolChoice } from "./tool-choice.js";
import { toToolDefinitions } from "./tool-definitions.js";
import { userTurn } from "./user-turn.js";

export function toGenerationRequest(body: MessagesRequest): GenerationRequest {
  return {
    ...toPromptRequest(body),
    maxTokens: body.max_tokens,
    sampling: {
      // Anthropic's default is 1.0; node-llama-cpp's would be greedy decoding.
      temperature: body.temperature ?? 1,
      ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
      ...(body.top_k !== undefined && body.top_k > 0 ? { topK: body.top_k } : {}),
    },
    stopSequences: (body.stop_sequences ?? []).filter((sequence) => sequence !== ""),
  };
}

/** The prompt part of a request, checked block by block: an `InvalidRequestError` names the first bad field. */
export function toPromptRequest(body: CountTokensRequest): PromptRequest {
  const systemParts = systemTexts(body.system);
  const turns: ConversationTurn[] = [];
  body.messages.forEach((message, index) => {
    if (message.role === "system") {
      systemParts.push(...systemMessageTexts(message, index));
      return;
    }
    const isFinal = index === body.messages.length - 1;
    const turn = message.role === "user" ? userTurn(message, index) : assistantTurn(message, index);
    if (turn.parts.length === 0) {
      if (message.role === "assistant" && isFinal) return;
      throw new InvalidRequestError(
        `messages.${index}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    appendMerged(turns, turn);
  });
  return {
    system: systemParts.join("\n\n"),
    turns,
    tools: toToolDefinitions(body.tools ?? []),
    toolChoice: toToolChoice(body.tool_choice, body.tools ?? []),
    thinking: toThinkingSetting(body.thinking),
    ...(typeof body.model === "string" ? { model: body.model } : {}),
  };
}

function appendMerged(turns: ConversationTurn[], turn: ConversationTurn): void {
  const last = turns.at(-1);
  if (last === undefined || last.role !== turn.role) {
    turns.push(turn);
    return;
  }
  // Consecutive turns of one role are one turn, as the real API treats them.
  turns[turns.length - 1] =
    last.role === "user"
      ? { role: "user", parts: [...last.parts, ...(turn.parts as readonly UserPart[])] }
      : { role: "assistant", parts: [...last.parts, ...(turn.parts as readonly AssistantPart[])] };
}
