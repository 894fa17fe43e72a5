// Node-only. Inference backends of the provider node.
export type { InferenceBackend, InferOptions } from "./types.js";
export { createBuiltinBackend } from "./builtin.js";
export { createOpenAIBackend, type OpenAIBackendOptions } from "./openai.js";
export {
  InferenceBackendConfigError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  type InferenceBackendConfigErrorType,
  type InferenceBackendHttpErrorType,
  type InferenceBackendNetworkErrorType,
  type InferenceBackendResponseErrorType,
  type InferenceBackendTimeoutErrorType,
} from "./errors.js";
