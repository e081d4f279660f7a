import { InputLookupTokenPredictor, TokenPredictor, type LlamaContextSequence, type SequenceEvaluateOptions, type Token } from "node-llama-cpp";

/**
 * Prompt-lookup speculative decoding (node-llama-cpp's `InputLookupTokenPredictor`: the last generated tokens
 * are looked up in the context, and the tokens that followed them there are checked as drafts in the same
 * batch), for greedy generations only. Greedy sampling draws nothing at random, so the reply is the one
 * generated without drafts. At a temperature above 0 node-llama-cpp samples every drafted position, refuted ones
 * included, which moves the random stream: the same seed would give another (equally likely) reply, so such
 * generations get no drafts and sample exactly as without a predictor.
 */
export class GreedyPromptLookup extends TokenPredictor {
  private readonly lookup = new InputLookupTokenPredictor();
  private greedy = false;

  override reset(params: { targetSequence: LlamaContextSequence; stateTokens: Token[]; evaluateOptions: Readonly<SequenceEvaluateOptions> }): void | Promise<void> {
    const { temperature = 0, topK } = params.evaluateOptions;
    this.greedy = temperature <= 0 || topK === 1;
    return this.lookup.reset(params);
  }

  override pushTokens(tokens: Token[]): void {
    this.lookup.pushTokens(tokens);
  }

  override predictTokens(): Token[] {
    return this.greedy ? this.lookup.predictTokens() : [];
  }

  override updateInputTokens(tokens: Token[]): void {
    this.lookup.updateInputTokens(tokens);
  }

  override stop(untilPredictionsExhausted?: boolean): void {
    this.lookup.stop(untilPredictionsExhausted);
  }

  override dispose(): void {
    this.lookup.dispose();
  }
}
