import type { FastifyInstance } from "fastify";
import type { Engine, ModelDescription } from "../../engine/engine.js";
import { ApiError, NotFoundError } from "../server-error.js";
import { speaksOpenAi } from "../speaks-openai.js";

/** Claude Code and apps ask for Anthropic model names; every `claude-*` name is served by a local model. */
function isAnthropicModelName(name: string): boolean {
  return name.startsWith("claude-");
}

/**
 * `GET /v1/models` and `GET /v1/models/{id}`, in Anthropic's shape for Anthropic clients and in OpenAI's for the
 * rest (`speaksOpenAi`).
 */
export function registerModelsRoutes(app: FastifyInstance, engine: Engine): void {
  app.get("/v1/models", async (request) => {
    const models = engine.models();
    if (models.length === 0) throw new ApiError("the model is still loading", 503);
    if (speaksOpenAi(request)) return { object: "list", data: models.map((model) => toOpenAiModelObject(model, model.id)) };
    const entries = models.map((model) => toModelObject(model, model.id));
    return { data: entries, has_more: false, first_id: entries[0]?.id ?? null, last_id: entries.at(-1)?.id ?? null };
  });

  app.get<{ Params: { id: string } }>("/v1/models/:id", async (request) => {
    const id = request.params.id;
    const served = engine.models().find((model) => model.id === id);
    const toObject = speaksOpenAi(request) ? toOpenAiModelObject : toModelObject;
    if (served !== undefined) return toObject(served, id);
    if (!isAnthropicModelName(id)) throw new NotFoundError(`model: ${id}`);
    // The model this name is served by, under the name the client asked for.
    const model = engine.modelFor(id);
    if (model === null) throw new ApiError("the model is still loading", 503);
    return toObject(model, id);
  });
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

/** OpenAI's model object, with vLLM's `max_model_len` (the context size) for clients that size prompts by it. */
function toOpenAiModelObject(model: ModelDescription, id: string) {
  return {
    id,
    object: "model" as const,
    created: Math.floor(model.createdAt.getTime() / 1000),
    owned_by: "pensieve",
    max_model_len: model.contextSize,
  };
}
