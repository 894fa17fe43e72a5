export { openSession, openSessionSync, type OpenSessionErrorType, type OpenSessionParameters, type OpenSessionReturnType } from "./openSession.js";
export {
  openSessionFromBalance,
  openSessionFromBalanceSync,
  type OpenSessionFromBalanceErrorType,
  type OpenSessionFromBalanceParameters,
  type OpenSessionFromBalanceReturnType,
} from "./openSessionFromBalance.js";
export { topUpSession, type TopUpSessionErrorType, type TopUpSessionParameters } from "./topUpSession.js";
export { getSession, type GetSessionErrorType, type GetSessionParameters, type GetSessionReturnType } from "./getSession.js";
export { getSessionTerms, openingBlock, type GetSessionTermsErrorType, type GetSessionTermsParameters } from "./getSessionTerms.js";
export { lockSessionCollateral, unlockSessionCollateral, type SessionCollateralParameters, type SessionCollateralErrorType } from "./sessionCollateral.js";
export {
  settleAndCloseSession,
  settleSession,
  settleSessionSync,
  type SettleAndCloseSessionErrorType,
  type SettleSessionErrorType,
  type SettleSessionParameters,
} from "./settleSession.js";
export {
  closeSession,
  reclaimSession,
  type CloseSessionErrorType,
  type CloseSessionParameters,
  type CloseSessionReturnType,
  type ReclaimSessionErrorType,
} from "./closeSession.js";
export {
  claimSessionFunds,
  releaseSession,
  type ClaimSessionFundsErrorType,
  type ClaimSessionFundsParameters,
  type ReleaseSessionErrorType,
  type ReleaseSessionParameters,
} from "./releaseSession.js";
export {
  disputeSessionRequest,
  reportSessionEquivocation,
  type DisputeSessionRequestErrorType,
  type DisputeSessionRequestParameters,
  type ReportSessionEquivocationErrorType,
  type ReportSessionEquivocationParameters,
  type SignedSessionAttestation,
} from "./disputeSessionRequest.js";
