// Node-only. The interface every inference backend of the provider node implements: a job's input
// bytes in, its output bytes out. What the bytes mean (for the built-in and OpenAI-compatible
// backends: a UTF-8 prompt and a UTF-8 completion) is up to the backend.

/** Options of one inference call. */
export interface InferOptions {
  /** Aborting it rejects the call with the signal's reason (and cancels any HTTP request in flight). */
  signal?: AbortSignal;
}

/** Something that runs a model on a job's input. */
export interface InferenceBackend {
  /** A short human-readable name for logs, e.g. `"builtin:depinfer-charlm-4"` or `"openai:llama3"`. */
  readonly name: string;
  /** Runs the model on `input` and resolves to the output bytes. */
  infer(input: Uint8Array, options?: InferOptions): Promise<Uint8Array>;
}
