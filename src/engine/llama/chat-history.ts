import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";
import type { AssistantPart, ConversationTurn, PromptRequest, UserPart } from "../generation-request.js";

/**
 * Turns the engine's neutral conversation into node-llama-cpp's chat history, so the chat wrapper renders
 * it in the model's own format. A tool call and its result become one `functionCall` item inside the model
 * response (node-llama-cpp keeps call and result together), and a user turn that only carries tool results
 * continues the same model response rather than starting a new user message. A system turn stays where it is,
 * as a `system` item there: for chat formats that cannot render one there, fold it first (`foldInlineSystemTurns`).
 */
export function toChatHistory(request: Pick<PromptRequest, "system" | "turns">): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  if (request.system !== "") history.push({ type: "system", text: request.system });

  const results = collectToolResults(request.turns);
  let openResponse: ChatModelResponse | null = null;

  for (const turn of request.turns) {
    if (turn.role === "system") {
      history.push({ type: "system", text: turn.text });
      openResponse = null;
      continue;
    }
    if (turn.role === "assistant") {
      if (openResponse === null) {
        openResponse = { type: "model", response: [] };
        history.push(openResponse);
      }
      for (const part of turn.parts) appendAssistantPart(openResponse, part, results);
      continue;
    }
    const text = userText(turn.parts);
    if (text === null) continue; // only tool results: they are already attached to their calls
    history.push({ type: "user", text });
    openResponse = null;
  }
  return history;
}

function appendAssistantPart(
  response: ChatModelResponse,
  part: AssistantPart,
  results: ReadonlyMap<string, Extract<UserPart, { type: "tool-result" }>>,
): void {
  switch (part.type) {
    case "text":
      response.response.push(part.text);
      return;
    case "thinking":
      response.response.push({ type: "segment", segmentType: "thought", text: part.text, ended: true });
      return;
    case "tool-call": {
      const result = results.get(part.id);
      const call: ChatModelFunctionCall = {
        type: "functionCall",
        name: part.name,
        params: part.input,
        result: result === undefined ? null : result.isError ? { error: result.content } : result.content,
      };
      response.response.push(call);
      return;
    }
  }
}

function userText(parts: readonly UserPart[]): string | null {
  const texts = parts.flatMap((part) => (part.type === "text" ? [part.text] : []));
  return texts.length === 0 ? null : texts.join("\n\n");
}

function collectToolResults(
  turns: readonly ConversationTurn[],
): Map<string, Extract<UserPart, { type: "tool-result" }>> {
  const results = new Map<string, Extract<UserPart, { type: "tool-result" }>>();
  for (const turn of turns) {
    if (turn.role !== "user") continue;
    for (const part of turn.parts) if (part.type === "tool-result") results.set(part.toolCallId, part);
  }
  return results;
}
