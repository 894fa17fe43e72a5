// Browser-safe entry point of the Depinfer SDK. Node-only code lives under "depinfer/node".
export * from "./abis/index.js";
export * from "./errors/index.js";
export * from "./content/index.js";
export { deployments } from "./deployments.js";
export { attestationTypes, JobStatus, jobStatusName, type DepinferAddresses, type Job, type JobStatusName } from "./types.js";
export { contentHash, toContentBytes } from "./utils/content.js";
export { jobIdOf } from "./utils/jobId.js";
export * from "./utils/validate.js";
export {
  createNonceQueue,
  isTransientError,
  isUserRejection,
  mapWalletError,
  waitForSuccess,
  withRetry,
  type NonceQueue,
  type WaitForSuccessOptions,
  type WithRetryOptions,
} from "./utils/transactions.js";
export {
  MAX_INLINE_INPUT,
  submitJob,
  submitJobSync,
  type SubmitJobParameters,
  type SubmitJobReturnType,
} from "./actions/client/submitJob.js";
export { finalizeJob, type FinalizeJobParameters } from "./actions/client/finalizeJob.js";
export {
  disputeJob,
  type DisputeJobErrorType,
  type DisputeJobParameters,
  type DisputeJobReturnType,
} from "./actions/client/disputeJob.js";
export {
  joinDispute,
  MAX_CHALLENGERS,
  type JoinDisputeErrorType,
  type JoinDisputeParameters,
  type JoinDisputeReturnType,
} from "./actions/client/joinDispute.js";
export { expireJob, type ExpireJobParameters } from "./actions/client/expireJob.js";
export { cancelJob, type CancelJobErrorType, type CancelJobParameters } from "./actions/client/cancelJob.js";
export { depositBalance, type DepositBalanceParameters } from "./actions/client/depositBalance.js";
export { withdrawBalance, type WithdrawBalanceParameters } from "./actions/client/withdrawBalance.js";
export { claim, type ClaimParameters, type ClaimReturnType } from "./actions/public/claim.js";
export {
  getClaimable,
  getParams,
  getStake,
  type GetClaimableParameters,
  type GetParamsParameters,
  type GetStakeParameters,
} from "./actions/public/reads.js";
export { getJob, type GetJobParameters, type GetJobReturnType } from "./actions/public/getJob.js";
export {
  waitForResult,
  type WaitForResultParameters,
  type WaitForResultReturnType,
  type WaitForResultErrorType,
} from "./actions/client/waitForResult.js";
export {
  getProviders,
  type GetProvidersParameters,
  type GetProvidersReturnType,
  type ProviderListing,
} from "./actions/public/getProviders.js";
export * from "./actions/provider/index.js";
export { depinferActions, type DepinferActions } from "./decorators/depinfer.js";
export { createDepinferClient, type CreateDepinferClientParameters, type DepinferClient } from "./clients/createDepinferClient.js";
