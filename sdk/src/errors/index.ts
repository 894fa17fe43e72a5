export { DepinferError, docsBaseUrl, type DepinferErrorParameters, type DepinferErrorType } from "./base.js";
export * from "./contract.js";
