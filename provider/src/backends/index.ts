// Node-only. Inference backends of the provider node.
export type { InferenceBackend, InferOptions, TokenCount } from "./types.js";
export { createBuiltinBackend } from "./builtin.js";
export { CHAT_TEMPLATE_TOKENS, createOpenAIBackend, type OpenAIBackendOptions } from "./openai.js";
export {
  InferenceBackendConfigError,
  InferenceBackendEmptyOutputError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  InferenceBackendTooLargeError,
  type InferenceBackendConfigErrorType,
  type InferenceBackendEmptyOutputErrorType,
  type InferenceBackendHttpErrorType,
  type InferenceBackendNetworkErrorType,
  type InferenceBackendResponseErrorType,
  type InferenceBackendTimeoutErrorType,
  type InferenceBackendTooLargeErrorType,
} from "./errors.js";
