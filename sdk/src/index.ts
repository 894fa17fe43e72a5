// Browser-safe entry point of the Depinfer SDK. Node-only code lives under "depinfer/node".
export * from "./abis/index.js";
export * from "./errors/index.js";
export * from "./content/index.js";
export { deployments } from "./deployments.js";
export { attestationTypes, JobStatus, jobStatusName, type DepinferAddresses, type Job, type JobStatusName } from "./types.js";
export { contentHash, toContentBytes } from "./utils/content.js";
export { jobIdOf } from "./utils/jobId.js";
export { resultSignature } from "./utils/resultSignature.js";
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
  type SubmitJobErrorType,
  type SubmitJobParameters,
  type SubmitJobReturnType,
} from "./actions/client/submitJob.js";
export { finalizeJob, type FinalizeJobErrorType, type FinalizeJobParameters } from "./actions/client/finalizeJob.js";
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
export { expireJob, type ExpireJobErrorType, type ExpireJobParameters } from "./actions/client/expireJob.js";
export { cancelJob, type CancelJobErrorType, type CancelJobParameters } from "./actions/client/cancelJob.js";
export { depositBalance, type DepositBalanceErrorType, type DepositBalanceParameters } from "./actions/client/depositBalance.js";
export { withdrawBalance, type WithdrawBalanceErrorType, type WithdrawBalanceParameters } from "./actions/client/withdrawBalance.js";
export { claim, type ClaimErrorType, type ClaimParameters, type ClaimReturnType } from "./actions/public/claim.js";
export {
  getClaimable,
  getParams,
  getStake,
  type GetClaimableErrorType,
  type GetParamsErrorType,
  type GetStakeErrorType,
  type GetClaimableParameters,
  type GetParamsParameters,
  type GetStakeParameters,
} from "./actions/public/reads.js";
export { getJob, type GetJobErrorType, type GetJobParameters, type GetJobReturnType } from "./actions/public/getJob.js";
export {
  waitForResult,
  type WaitForResultParameters,
  type WaitForResultReturnType,
  type WaitForResultErrorType,
} from "./actions/client/waitForResult.js";
// Paid-band checks (docs/economics.md 6.6): waitForResult funds them by default; these fund and read them directly.
export {
  fundPaidBandCheck,
  type FundChecksOptions,
  type FundPaidBandCheckErrorType,
  type FundPaidBandCheckParameters,
  type PaidBandCheckReport,
} from "./actions/client/fundPaidBandCheck.js";
export { getFundedCheck, type GetFundedCheckErrorType, type GetFundedCheckParameters, type GetFundedCheckReturnType } from "./actions/client/getFundedCheck.js";
export {
  getProviders,
  type GetProvidersErrorType,
  type GetProvidersParameters,
  type GetProvidersReturnType,
  type ProviderListing,
  type ProviderOffer,
} from "./actions/public/getProviders.js";
export * from "./actions/provider/index.js";
export * from "./sessions/typedData.js";
export * from "./actions/sessions/index.js";
export { depinferActions, type DepinferActions } from "./decorators/depinfer.js";
export { createDepinferClient, type CreateDepinferClientParameters, type DepinferClient } from "./clients/createDepinferClient.js";
export { resolveDeployment, type DeploymentTable, type ResolveDeploymentParameters } from "./clients/deployment.js";
export { approve, ensureAllowance, type EnsureAllowanceOptions } from "./utils/erc20.js";
export * from "./actions/redundancy/index.js";
export * from "./errors/redundancy.js";
export * from "./sessions/index.js";
// The sampled re-execution module (docs/protocol.md 7.7): verification state and the verifier's actions.
export * from "./actions/verifier/index.js";
export { decodeSamplingError, SamplingContractError, samplingErrorHints, samplingErrorsAbi, type SamplingErrorArgs, type SamplingErrorName } from "./errors/sampling.js";
