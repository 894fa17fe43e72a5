// Node-only. The interface every inference backend of the provider node implements: a job's input
// bytes in, its output bytes out. What the bytes mean (for the built-in and OpenAI-compatible
// backends: a UTF-8 prompt and a UTF-8 completion) is up to the backend.

/** Options of one inference call. */
export interface InferOptions {
  /** Aborting it rejects the call with the signal's reason (and cancels any HTTP request in flight). */
  signal?: AbortSignal;
}

/** How many tokens a prompt takes, as the model's server counts them. */
export interface TokenCount {
  /** The prompt's tokens, including what the backend adds around it (e.g. a chat template). */
  tokens: number;
  /** The model's context length, when the server says (vLLM's `max_model_len`). */
  contextTokens?: number | undefined;
}

/** Something that runs a model on a job's input. */
export interface InferenceBackend {
  /** A short human-readable name for logs, e.g. `"builtin:depinfer-charlm-4"` or `"openai:llama3"`. */
  readonly name: string;
  /** Runs the model on `input` and resolves to the output bytes. */
  infer(input: Uint8Array, options?: InferOptions): Promise<Uint8Array>;
  /**
   * Counts the tokens `input` would take as a prompt, so a job too large for the model is refused
   * before it is accepted. Optional; resolves to `undefined` when the server cannot count (then the
   * node bounds the count from the bytes: see `inputTokenBound` in inputLimits.ts). Rejects on a
   * transient failure (the server down, a timeout), like `infer`.
   */
  countTokens?(input: Uint8Array, options?: InferOptions): Promise<TokenCount | undefined>;
  /**
   * Runs the model on `input` and yields the output's text as the model produces it (a UTF-8
   * prompt in). Optional: a backend without it is streamed from `infer`'s whole answer. Stopping
   * the iteration early cancels the inference.
   */
  stream?(input: Uint8Array, options?: InferOptions): AsyncIterable<string>;
}
