import type { ThinkingSetting } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest } from "../wire/messages-request.js";

/** `adaptive` and `between_tools` leave the choice to the model, which is what a local model does anyway. */
export function toThinkingSetting(thinking: CountTokensRequest["thinking"]): ThinkingSetting {
  if (thinking?.type === "disabled") return { type: "disabled" };
  if (thinking?.type === "enabled") {
    const budget = (thinking as { budget_tokens?: unknown }).budget_tokens;
    if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 0 || budget > 2 ** 31 - 1) {
      throw new InvalidRequestError("thinking.enabled.budget_tokens: Input should be a valid integer");
    }
    return { type: "enabled", budgetTokens: budget };
  }
  return { type: "default" };
}
