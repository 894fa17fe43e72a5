export {
  requestRedundancy,
  requestRedundancySync,
  type RequestRedundancyErrorType,
  type RequestRedundancyParameters,
  type RequestRedundancyReturnType,
  type RequestRedundancySyncReturnType,
} from "./requestRedundancy.js";
export {
  commitRedundancy,
  redundancyCommitment,
  type CommitRedundancyErrorType,
  type CommitRedundancyParameters,
  type CommitRedundancyReturnType,
} from "./commitRedundancy.js";
export { revealRedundancy, type RevealRedundancyErrorType, type RevealRedundancyParameters } from "./revealRedundancy.js";
export {
  appealRedundancy,
  settleRedundancy,
  type AppealRedundancyErrorType,
  type AppealRedundancyParameters,
  type SettleRedundancyErrorType,
  type SettleRedundancyParameters,
} from "./settleRedundancy.js";
export { claimRedundancy, type ClaimRedundancyErrorType, type ClaimRedundancyParameters } from "./claimRedundancy.js";
export {
  getRedundancyRequest,
  type GetRedundancyRequestErrorType,
  type GetRedundancyRequestParameters,
  type GetRedundancyRequestReturnType,
  type RedundancySeatState,
  type RedundancySeatStatusName,
  type RedundancyStatusName,
} from "./getRedundancyRequest.js";
export { writeRedundancy } from "./write.js";
