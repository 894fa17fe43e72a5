export { CHECK_STATUSES, VOTE_STATUSES, getVerification, type CheckStatusName, type GetVerificationErrorType, type GetVerificationParameters, type GetVerificationReturnType, type VerificationVote, type VoteStatusName } from "./getVerification.js";
export { sampleJob, type SampleJobErrorType, type SampleJobParameters } from "./sampleJob.js";
export { enrolVerifier, type EnrolVerifierErrorType, type EnrolVerifierParameters } from "./enrolVerifier.js";
export { unenrolVerifier, type UnenrolVerifierErrorType, type UnenrolVerifierParameters } from "./unenrolVerifier.js";
export { commitVote, randomSalt, voteCommitment, type CommitVoteErrorType, type CommitVoteParameters, type CommitVoteReturnType } from "./commitVote.js";
export { revealVote, type RevealVoteErrorType, type RevealVoteParameters } from "./revealVote.js";
export { assignVerifiers, resolveCheck, type ResolveCheckErrorType, type ResolveCheckParameters } from "./resolveCheck.js";
export { claimVerifierRewards, type ClaimVerifierRewardsErrorType, type ClaimVerifierRewardsParameters, type ClaimVerifierRewardsReturnType } from "./claimVerifierRewards.js";
export { revealRandomness, type RevealRandomnessErrorType, type RevealRandomnessParameters } from "./revealRandomness.js";
