// "depinfer/node": Node-only parts of the SDK (file system, processes). Never imported by the browser entry.
export { FileSystemContentStore, type FileSystemContentStoreParameters } from "./fsContentStore.js";
export { BUILTIN_MODEL, loadBuiltinModel, runBuiltinModel, trainCharModel, generate } from "./models/charModel.js";
export * from "./backends/index.js";
export { Journal, type JournalEntry, type JournalFields, type JournalState } from "./journal.js";
export { loadConfig, resolveSigner, describeConfig, ProviderConfigError, type ProviderConfig } from "./config.js";
export { createLogger, progressLine } from "./logger.js";
