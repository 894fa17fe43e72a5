export {
  acceptAndSubmitBatch,
  AcceptAndSubmitBatchError,
  acceptAndSubmitBatchOutcome,
  MAX_SUBMIT_BATCH,
  SUBMIT_SKIP_REASONS,
  type AcceptAndSubmitBatchErrorType,
  type AcceptAndSubmitBatchItem,
  type AcceptAndSubmitBatchParameters,
  type AcceptAndSubmitBatchReturnType,
  type AcceptAndSubmitBatchSkipped,
  type SubmitSkipReason,
} from "./acceptAndSubmitBatch.js";
export { acceptJob, type AcceptJobErrorType, type AcceptJobParameters, type AcceptJobReturnType } from "./acceptJob.js";
export {
  finalizeJobs,
  FinalizeJobsBatchError,
  finalizeJobsOutcome,
  MAX_FINALIZE_BATCH,
  type FinalizeJobsErrorType,
  type FinalizeJobsParameters,
  type FinalizeJobsReturnType,
  type FinalizeJobsSkipped,
} from "./finalizeJobs.js";
export {
  registerProvider,
  type RegisterProviderErrorType,
  type RegisterProviderParameters,
  type RegisterProviderReturnType,
} from "./registerProvider.js";
export {
  MODEL_DETERMINISM,
  modelIdOf,
  registerModel,
  type ModelDeterminism,
  type RegisterModelErrorType,
  type RegisterModelParameters,
  type RegisterModelReturnType,
} from "./registerModel.js";
export {
  requestUnstake,
  type RequestUnstakeErrorType,
  type RequestUnstakeParameters,
  type RequestUnstakeReturnType,
} from "./requestUnstake.js";
export { setOffer, type SetOfferErrorType, type SetOfferParameters, type SetOfferReturnType } from "./setOffer.js";
export { stake, type StakeErrorType, type StakeParameters, type StakeReturnType } from "./stake.js";
export { submitResult, type SubmitResultErrorType, type SubmitResultParameters, type SubmitResultReturnType } from "./submitResult.js";
export {
  watchJobs,
  type WatchJobsForged,
  type WatchJobsItem,
  type WatchJobsParameters,
  type WatchJobsReturnType,
} from "./watchJobs.js";
export {
  withdrawStake,
  type WithdrawStakeErrorType,
  type WithdrawStakeParameters,
  type WithdrawStakeReturnType,
} from "./withdrawStake.js";
export { signAttestation, type SignAttestationErrorType, type SignAttestationParameters } from "./signAttestation.js";
