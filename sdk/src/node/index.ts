// "depinfer/node": Node-only parts of the SDK (file system, processes). Never imported by the browser entry.
export { FileSystemContentStore, type FileSystemContentStoreParameters } from "./fsContentStore.js";
export { BUILTIN_MODEL, loadBuiltinModel, runBuiltinModel, trainCharModel, generate } from "./models/charModel.js";
