export { DepinferError, docsBaseUrl, type DepinferErrorParameters, type DepinferErrorType } from "./base.js";
export * from "./contract.js";
export {
  JobEndedWithoutResultError,
  WaitForResultTimeoutError,
  type JobEndedWithoutResultErrorType,
  type WaitForResultTimeoutErrorType,
} from "./result.js";
export * from "./validation.js";
export { decodeTokenError, TokenRevertedError, tokenErrorsAbi, type TokenRevertedErrorType } from "./token.js";
export {
  PaidBandCheckFundsError,
  PaidBandCheckWindowClosedError,
  type PaidBandCheckFundsErrorType,
  type PaidBandCheckWindowClosedErrorType,
} from "./paidBand.js";
