import type { FastifyInstance } from "fastify";
import type { Engine, ModelDescription } from "../../engine/engine.js";
import { ApiError, NotFoundError } from "../server-error.js";

/** Claude Code and apps ask for Anthropic model names; every `claude-*` name is served by the local model. */
function isAnthropicModelName(name: string): boolean {
  return name.startsWith("claude-");
}

/** `GET /v1/models` and `GET /v1/models/{id}` in Anthropic's shape. */
export function registerModelsRoutes(app: FastifyInstance, engine: Engine): void {
  app.get("/v1/models", async () => {
    const model = describedModel(engine);
    const entry = toModelObject(model, model.id);
    return { data: [entry], has_more: false, first_id: entry.id, last_id: entry.id };
  });

  app.get<{ Params: { id: string } }>("/v1/models/:id", async (request) => {
    const model = describedModel(engine);
    const id = request.params.id;
    if (id !== model.id && !isAnthropicModelName(id)) throw new NotFoundError(`model: ${id}`);
    return toModelObject(model, id);
  });
}

function describedModel(engine: Engine): ModelDescription {
  const model = engine.status.model;
  if (model === null) throw new ApiError("the model is still loading", 503);
  return model;
}

function toModelObject(model: ModelDescription, id: string) {
  return {
    type: "model" as const,
    id,
    display_name: model.displayName,
    created_at: model.createdAt.toISOString(),
    max_input_tokens: model.maxInputTokens,
    max_tokens: model.contextSize - 1,
  };
}
