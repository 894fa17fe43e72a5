// Browser-safe content handling: CIDs of content hashes and content stores. The file-system
// store is Node-only and lives in sdk/src/node/fsContentStore.ts.
export { cidFromHash, hashFromCid, normalizeContentHash } from "./cid.js";
export {
  ContentHashMismatchError,
  ContentStoreRequestError,
  InvalidCidError,
  InvalidContentHashError,
  type ContentHashMismatchErrorType,
  type ContentStoreRequestErrorType,
  type InvalidCidErrorType,
  type InvalidContentHashErrorType,
} from "./errors.js";
export {
  DEFAULT_CONTENT_TIMEOUT_MS,
  DEFAULT_MAX_CONTENT_BYTES,
  HttpContentStore,
  MemoryContentStore,
  verifyContent,
  type ContentStore,
  type ContentStoreGetOptions,
  type HttpContentStoreParameters,
} from "./store.js";
