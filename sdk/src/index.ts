// Browser-safe entry point of the Depinfer SDK. Node-only code lives under "depinfer/node".
export * from "./abis/index.js";
export { deployments } from "./deployments.js";
export { attestationTypes, JobStatus, type DepinferAddresses, type Job, type JobStatusName } from "./types.js";
export { contentHash, toContentBytes } from "./utils/content.js";
export {
  MAX_INLINE_INPUT,
  submitJob,
  submitJobSync,
  type SubmitJobParameters,
  type SubmitJobReturnType,
} from "./actions/client/submitJob.js";
export { finalizeJob, type FinalizeJobParameters } from "./actions/client/finalizeJob.js";
export { getJob, type GetJobParameters, type GetJobReturnType } from "./actions/public/getJob.js";
export { submitResult, type SubmitResultParameters, type SubmitResultReturnType } from "./actions/provider/submitResult.js";
export { depinferActions } from "./decorators/depinfer.js";
export { createDepinferClient, type CreateDepinferClientParameters } from "./clients/createDepinferClient.js";
