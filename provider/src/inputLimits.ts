// Node-only. Whether a model can run a job's input, checked before the job is accepted: an open job
// locks the provider's collateral when it is accepted, before inference, so an input the backend
// rejects (over its context length, or too large to send) would end in expiry and a liveness slash
// that its client collects. The limits are per model in the config (see `inputLimitsOf`).
import { CHAT_TEMPLATE_TOKENS } from "./backends/openai.js";
import type { InferenceBackend, InferOptions } from "./backends/types.js";
import type { inputLimitsOf } from "./config.js";

export type InputLimits = ReturnType<typeof inputLimitsOf>;

/** Which limit an input is over. */
export type InputLimit = "maxInputBytes" | "maxInputTokens" | "contextTokens";

/**
 * The most tokens an input of `bytes` bytes can take when the backend cannot count them: one per
 * byte, one more, and {@link CHAT_TEMPLATE_TOKENS} for the chat template. An upper bound for the
 * tokenizers LLM servers use:
 * - byte-level BPE (GPT-2, tiktoken, Llama 3, Qwen, Mistral's Tekken): every token stands for at
 *   least one byte of the text, so n bytes are at most n tokens;
 * - SentencePiece with byte fallback (Llama 2, Mistral, Gemma): a piece is one or more characters,
 *   or one byte token for a character not in the vocabulary, so at most n, plus the dummy prefix
 *   (`▁`) it may add in front: the "one more";
 * - a tokenizer without byte fallback maps an unknown character to one `<unk>`: fewer tokens still.
 * The bound is loose for ordinary text (3 to 4 bytes a token in English), so a node whose server
 * cannot count refuses inputs that would have fit: it gives up income, never stake. Serve the
 * model from a server with `/tokenize` (vLLM, llama.cpp server) to take them.
 */
export function inputTokenBound(bytes: number): number {
  return bytes + 1 + CHAT_TEMPLATE_TOKENS;
}

export type InputCheck =
  | {
      ok: true;
      /** The prompt's tokens (counted, or the bound), when a token limit applies. */
      tokens?: number | undefined;
      counted?: boolean | undefined;
    }
  | {
      ok: false;
      limit: InputLimit;
      /** One line for the journal and the log. */
      reason: string;
      bytes: number;
      tokens?: number | undefined;
      /** Whether `tokens` is the backend's count (false: the bound from the bytes). */
      counted?: boolean | undefined;
      /** The configured (or, for contextTokens, the server's) limit. */
      allowed: number;
    };

/**
 * Checks `input` against a model's limits: its bytes first (no request), then its tokens, only when
 * a token limit is configured (`maxInputTokens`, `contextTokens`) and the bound from the bytes does
 * not already show that it fits (so most jobs need no request). The tokens are the backend's count
 * (`countTokens`) when it can count, else {@link inputTokenBound}. The prompt and the completion
 * budget (`maxTokens`, else at least one token) must fit in the context: the configured
 * `contextTokens`, else the server's when it says. Rejects when counting fails transiently.
 */
export async function checkInput(input: Uint8Array, limits: InputLimits, backend: Pick<InferenceBackend, "countTokens">, options: InferOptions = {}): Promise<InputCheck> {
  const bytes = input.length;
  if (bytes > limits.maxInputBytes) {
    return { ok: false, limit: "maxInputBytes", bytes, allowed: limits.maxInputBytes, reason: `its input is ${bytes} bytes, over maxInputBytes (${limits.maxInputBytes})` };
  }
  const completion = limits.maxTokens ?? 1;
  /** The most prompt tokens allowed by the token limits, with `context` the context length known. */
  const mostTokens = (context: number | undefined) => Math.min(limits.maxInputTokens ?? Infinity, context === undefined ? Infinity : context - completion);
  if (mostTokens(limits.contextTokens) === Infinity) return { ok: true };
  const bound = inputTokenBound(bytes);
  if (bound <= mostTokens(limits.contextTokens)) return { ok: true, tokens: bound, counted: false };

  const count = backend.countTokens ? await backend.countTokens(input, options) : undefined;
  const tokens = count?.tokens ?? bound;
  const counted = count !== undefined;
  const how = counted ? "as the backend counts them" : "at most, by its bytes (the backend cannot count tokens)";
  if (limits.maxInputTokens !== undefined && tokens > limits.maxInputTokens) {
    return { ok: false, limit: "maxInputTokens", bytes, tokens, counted, allowed: limits.maxInputTokens, reason: `its input is ${tokens} tokens ${how}, over maxInputTokens (${limits.maxInputTokens})` };
  }
  const context = limits.contextTokens ?? count?.contextTokens;
  if (context !== undefined && tokens + completion > context) {
    return {
      ok: false,
      limit: "contextTokens",
      bytes,
      tokens,
      counted,
      allowed: context,
      reason: `its input is ${tokens} tokens ${how}: with ${limits.maxTokens === undefined ? "a token of completion" : `maxTokens (${completion})`} over the context of ${context} tokens`,
    };
  }
  return { ok: true, tokens, counted };
}
