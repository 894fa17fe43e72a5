// "depinfer/node": the Node-only part of the SDK (a content store on the file system). Never
// imported by the browser entry. The provider daemon is its own package, `depinfer-provider`.
export { FileSystemContentStore, type FileSystemContentStoreParameters } from "./fsContentStore.js";
