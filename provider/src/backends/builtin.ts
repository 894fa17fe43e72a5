// Node-only. The built-in backend: the deterministic character model shipped with the SDK (EXACT).
import { BUILTIN_MODEL, runBuiltinModel } from "../models/charModel.js";
import type { InferenceBackend, InferOptions, TokenCount } from "./types.js";

/**
 * The built-in model (`depinfer-charlm-4`) as an {@link InferenceBackend}: a UTF-8 prompt in, the
 * UTF-8 continuation out, byte-for-byte the same on every machine. Runs in-process and synchronously,
 * so the signal is only checked before it starts.
 */
export function createBuiltinBackend(): InferenceBackend {
  return {
    name: `builtin:${BUILTIN_MODEL.name}`,
    async infer(input: Uint8Array, options: InferOptions = {}): Promise<Uint8Array> {
      options.signal?.throwIfAborted();
      return runBuiltinModel(input);
    },
    // A character model: one token per code point of the prompt, as it decodes it.
    async countTokens(input: Uint8Array): Promise<TokenCount> {
      return { tokens: [...new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(input)].length };
    },
  };
}
