import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  parseAbi,
  type AbiParameterToPrimitiveType,
  type Hex,
} from "viem";

import { arbitratedVerifierAbi } from "../abis/arbitratedVerifier.js";
import { jobMarketAbi } from "../abis/jobMarket.js";
import { paymentSessionsAbi } from "../abis/paymentSessions.js";
import { DepinferError } from "./base.js";

// ---------------------------------------------------------------------------------------------
// The errors the protocol can revert with
// ---------------------------------------------------------------------------------------------

/**
 * Errors the deployed contracts raise that the generated interface ABIs do not declare:
 * OpenZeppelin's (access manager, reentrancy guard, SafeERC20, ERC-20 tokens bubbling up through
 * `transferFrom`, SafeCast, initializers) and the direct-call guards of the
 * extension and the disputes code.
 */
export const externalErrorsAbi = parseAbi([
  "error AccessManagedUnauthorized(address caller)",
  "error AccessManagedRequiredDelay(address caller, uint32 delay)",
  "error AccessManagedInvalidAuthority(address authority)",
  "error ReentrancyGuardReentrantCall()",
  "error SafeERC20FailedOperation(address token)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error SafeCastOverflowedUintDowncast(uint8 bits, uint256 value)",
  "error JobMarketExtensionDirectCall()",
  "error JobMarketDisputesDirectCall()",
  "error InvalidInitialization()",
  // EIP-712 short strings in PaymentSessions' code (its ABI in the SDK is the interface, IPaymentSessions).
  "error InvalidShortString()",
  "error StringTooLong(string str)",
]);

type ErrorItemOf<abi extends readonly unknown[]> = Extract<abi[number], { type: "error" }>;

/** Every custom error of the job market, the arbitrated verifier and the OpenZeppelin code they use. */
export type DepinferAbiError =
  | ErrorItemOf<typeof jobMarketAbi>
  | ErrorItemOf<typeof arbitratedVerifierAbi>
  | ErrorItemOf<typeof paymentSessionsAbi>
  | ErrorItemOf<typeof externalErrorsAbi>;

/** The name of a custom error the protocol can revert with, e.g. `"JobUnknown"`. */
export type DepinferContractErrorName = DepinferAbiError["name"];

/** The arguments of error `name`, keyed by their ABI parameter names, e.g. `{ jobId: Hex }`. */
export type DepinferContractErrorArgs<name extends DepinferContractErrorName> = {
  [param in Extract<DepinferAbiError, { name: name }>["inputs"][number] as param["name"]]: AbiParameterToPrimitiveType<param>;
};

function isErrorItem(item: { type: string }): item is DepinferAbiError {
  return item.type === "error";
}

/** One ABI with every error of {@link DepinferAbiError}, each once (for `decodeErrorResult`). */
export const depinferErrorsAbi: readonly DepinferAbiError[] = (() => {
  const byName = new Map<string, DepinferAbiError>();
  for (const item of [...jobMarketAbi, ...arbitratedVerifierAbi, ...paymentSessionsAbi, ...externalErrorsAbi])
    if (isErrorItem(item) && !byName.has(item.name)) byName.set(item.name, item);
  return [...byName.values()];
})();

// ---------------------------------------------------------------------------------------------
// What to do about each error
// ---------------------------------------------------------------------------------------------

const jobStatusNames = ["None", "Created", "Accepted", "Submitted", "Disputed", "Finalized", "Expired", "Cancelled", "Slashed"];
const determinismNames = ["EXACT", "TOLERANT", "NONE"];

const status = (s: number) => `${jobStatusNames[s] ?? "Unknown"} (${s})`;
/** A unix time as `1700000000 (2023-11-14T22:13:20.000Z)`. */
const time = (t: bigint) => {
  const ms = Number(t) * 1000;
  return Number.isFinite(ms) && ms <= 8.64e15 ? `${t} (${new Date(ms).toISOString()})` : `${t}`;
};
const wait = (until: bigint, now: bigint) => (until > now ? `${until - now}s` : "a moment");

/** For every error, a function of its arguments giving one sentence that says what happened and what to do next. */
export type ContractErrorHints = {
  [name in DepinferContractErrorName]: (args: DepinferContractErrorArgs<name>) => string;
};

/**
 * One actionable sentence per contract error. Typed from the ABIs, so a new error in the contracts
 * is a type error here until it has a hint.
 */
export const contractErrorHints: ContractErrorHints = {
  // --- generic
  ZeroAddress: () => "An address argument is the zero address: pass a real account (signer, recipient, treasury or token).",
  EnforcedPause: () => "The market is paused by governance: new jobs are refused until it is unpaused; settle or claim existing ones meanwhile.",
  AmountZero: () => "The amount (or price) is zero: pass a positive amount.",
  AmountTooLarge: ({ amount, max }) => `The amount ${amount} exceeds the maximum ${max}: split it or lower it to at most ${max}.`,
  FeeOnTransferToken: ({ token, expected, received }) =>
    `Token ${token} delivered ${received} instead of ${expected}: fee-on-transfer tokens are not supported, pay with another allow-listed token.`,
  NothingToClaim: ({ account, token }) => `Account ${account} has nothing to claim in token ${token}: check claimable() first.`,
  ClaimExceedsBalance: ({ account, token, requested, available }) =>
    `Account ${account} asked for ${requested} of token ${token} but only ${available} is available: request at most ${available} or deposit more.`,
  BatchEmpty: () => "The batch is empty: pass at least one job.",
  BatchTooLarge: ({ length, max }) => `The batch has ${length} items but at most ${max} are allowed: split it into batches of ${max}.`,
  BatchLengthMismatch: ({ jobs, outputHashes, signatures }) =>
    `The batch has ${jobs} jobs but ${outputHashes} output hashes and ${signatures} signatures: pass one output hash and one signature per job, in the same order.`,
  // --- parameters
  ParamOutOfBounds: ({ name, value, min, max }) => `Parameter ${name} = ${value} is outside [${min}, ${max}]: choose a value within the bounds.`,
  ThawingPeriodTooShort: ({ thawingPeriod, required }) =>
    `The thawing period ${thawingPeriod}s is shorter than the required ${required}s (it must outlast the challenge and dispute windows): raise it to at least ${required}s.`,
  TokenStakeRateZero: ({ token }) => `Token ${token} cannot be allowed with a zero stake rate: pass a positive stakeRate.`,
  // --- models and providers
  ModelAlreadyRegistered: ({ model }) => `Model ${model} is already registered: use its id as is, no need to register it again.`,
  ModelNotRegistered: ({ model }) => `Model ${model} is not registered: register it with registerModel() first, or check the model id.`,
  ProviderAlreadyRegistered: ({ provider }) =>
    `Provider ${provider} is already registered: use updateProvider() to change its signer or metadata.`,
  ProviderNotRegistered: ({ provider }) =>
    `Account ${provider} is not a registered provider: call registerProvider() and stake() first, or send from the provider's account.`,
  ProviderInJail: ({ provider, jailedUntil }) =>
    `Provider ${provider} is jailed until ${time(jailedUntil)}: it can accept jobs again after that time.`,
  ProviderBelowMinStake: ({ provider, staked, minStake }) =>
    `Provider ${provider} has ${staked} staked but the minimum is ${minStake}: stake at least ${minStake - staked} more with stake().`,
  ProviderOffersPaused: ({ provider }) =>
    `Provider ${provider} has paused its offers: call setOffersPaused(false) to take open jobs again.`,
  ProviderSignerReused: ({ provider, signer }) =>
    `Key ${signer} already signed for provider ${provider}: a retired key can never be the signer again, so rotate to a freshly generated key.`,
  ProviderSignerRotationsExhausted: ({ provider, maxRotations }) =>
    `Provider ${provider} has rotated its signer key ${maxRotations} times, the most allowed: keep the current key, or register a new provider account (unstake and withdraw from this one).`,
  OfferNotActive: ({ provider, model }) =>
    `Provider ${provider} has no active offer for model ${model}: publish one with setOffer(..., active = true) before taking open jobs.`,
  OfferTokenMismatch: ({ provider, model, offeredToken, jobToken }) =>
    `Provider ${provider} offers model ${model} for token ${offeredToken} but the job pays in ${jobToken}: only accept jobs in the offered token, or change the offer.`,
  OfferPriceAboveJobPrice: ({ provider, model, offerPrice, jobPrice }) =>
    `Provider ${provider} asks ${offerPrice} for model ${model} but the job pays ${jobPrice}: lower the offer or skip this job.`,
  // --- staking
  StakeInsufficientFree: ({ provider, requested, free }) =>
    `Provider ${provider} has ${free} free stake but the job needs ${requested}: stake more with stake() or finish open jobs.`,
  StakeThawQueueFull: ({ provider, maxRequests }) =>
    `Provider ${provider} already has ${maxRequests} pending unstake requests: withdraw matured ones with withdrawStake() before requesting more.`,
  StakeNothingToWithdraw: ({ provider, nextReadyAt }) =>
    nextReadyAt === 0n
      ? `Provider ${provider} has no pending unstake request: call requestUnstake() first.`
      : `Provider ${provider} has no matured unstake request: the next one is ready at ${time(nextReadyAt)}.`,
  // --- jobs
  PaymentTokenNotAllowed: ({ token }) => `Token ${token} is not an allowed payment token: pay with one listed by paymentToken().`,
  JobDeadlineInPast: ({ deadline, nowTime }) =>
    `The deadline ${time(deadline)} is not after the current block time ${time(nowTime)}: pick a later deadline.`,
  JobDeadlineTooFar: ({ deadline, maxDeadline }) =>
    `The deadline ${time(deadline)} is too far away: pick one at or before ${time(maxDeadline)}.`,
  JobAlreadyExists: ({ jobId }) => `Job ${jobId} already exists: use a fresh nonce to create an otherwise identical job.`,
  JobUnknown: ({ jobId }) =>
    `No job has this id (${jobId}): pass the exact Job terms returned by submitJob / the JobCreated event.`,
  JobWrongStatus: ({ jobId, status: s }) =>
    `Job ${jobId} is ${status(s)}, which does not allow this call: read its state with getJob() and pick the call its status allows.`,
  JobNotClient: ({ jobId, caller, client }) =>
    `Only the client ${client} may do this for job ${jobId}, not ${caller}: send from the client's account.`,
  JobNotForProvider: ({ jobId, provider, designated }) =>
    `Job ${jobId} is reserved for provider ${designated}, not ${provider}: only the designated provider may accept it.`,
  JobNotDirect: ({ jobId }) =>
    `Job ${jobId} is open to any provider, so it cannot be accepted and submitted in one call: acceptJob() first, then submitResult().`,
  JobDeadlineBelowLatency: ({ jobId, deadline, earliest }) =>
    `Open job ${jobId}'s deadline ${time(deadline)} is before ${time(earliest)}, now plus the offer's maxLatency: skip it (accepting could only end in a liveness slash), or serve it with a lower maxLatency in setOffer().`,
  JobDeadlinePassed: ({ jobId, deadline, nowTime }) =>
    `Job ${jobId}'s deadline ${time(deadline)} has passed (now ${time(nowTime)}): it can only be expired with expireJob().`,
  JobDeadlineNotReached: ({ jobId, deadline, nowTime }) =>
    `Job ${jobId} cannot expire before its deadline ${time(deadline)} (now ${time(nowTime)}): wait ${wait(deadline, nowTime)}.`,
  JobChallengeWindowOpen: ({ jobId, endsAt, nowTime }) =>
    `Job ${jobId}'s challenge window is open until ${time(endsAt)} (now ${time(nowTime)}): wait ${wait(endsAt, nowTime)}, or finalize from the client's account, which may finalize at any time.`,
  JobChallengeWindowClosed: ({ jobId, endedAt, nowTime }) =>
    `Job ${jobId}'s challenge window closed at ${time(endedAt)} (now ${time(nowTime)}): it can no longer be disputed, only finalized.`,
  JobInputHashMismatch: ({ inputHash, computed }) =>
    `The inline input hashes to ${computed} but the request says ${inputHash}: set inputHash to the sha256 of the exact input bytes.`,
  // --- attestations
  AttestationInvalidSignature: ({ jobId }) =>
    `The attestation for job ${jobId} is not a valid signature: sign the EIP-712 Attestation with the provider's signer key.`,
  AttestationWrongSigner: ({ jobId, recovered, expected }) =>
    `The attestation for job ${jobId} was signed by ${recovered}, not the provider's registered signer ${expected}: sign with ${expected} (check domain, chain id and market address too).`,
  EquivocationSameOutput: ({ jobId, outputHash }) =>
    `Both attestations for job ${jobId} commit to the same output ${outputHash}: an equivocation proof needs two different outputs.`,
  EquivocationReportTooLate: ({ jobId, deadline, nowTime }) =>
    `Equivocation on job ${jobId} could only be reported until ${time(deadline)} (now ${time(nowTime)}): it can no longer be proven.`,
  // --- disputes
  DisputeNoVerifier: ({ determinism }) =>
    `No verifier is set for ${determinismNames[determinism] ?? determinism} models, so such jobs cannot be disputed: governance must setVerifier() first.`,
  DisputeNotVerifier: ({ jobId, caller, verifier }) =>
    `Only the dispute's verifier ${verifier} may resolve job ${jobId}, not ${caller}: rule through the verifier contract.`,
  DisputeResolutionPending: ({ jobId, deadline, nowTime }) =>
    `The dispute on job ${jobId} may still be resolved until ${time(deadline)} (now ${time(nowTime)}): wait ${wait(deadline, nowTime)} before cancelling it.`,
  DisputeResolutionClosed: ({ jobId, deadline, nowTime }) =>
    `The dispute on job ${jobId} closed at ${time(deadline)} (now ${time(nowTime)}): it can no longer be joined or ruled on, only cancelled with cancelDispute(), which refunds the client and returns every bond.`,
  DisputeByProvider: ({ jobId, caller }) =>
    `${caller} is job ${jobId}'s provider or its current signer key, and may not dispute its own job: a challenge must come from another account.`,
  DisputeFull: ({ jobId, maxChallengers }) =>
    `The dispute on job ${jobId} already has ${maxChallengers} challengers, the most allowed: nothing to join; the verifier rules on the evidence already posted.`,
  DisputeAlreadyJoined: ({ jobId, challenger }) =>
    `${challenger} is already a challenger of job ${jobId}'s dispute: one bond per account; post more evidence off-chain or wait for the ruling.`,
  DisputeUnknownChallenger: ({ jobId, index, challengers }) =>
    `Winner index ${index} is out of range: job ${jobId}'s dispute has ${challengers} challenger(s): pass an index below ${challengers} into disputeChallengers(jobId).`,
  // --- modules
  ModuleNotActive: ({ module }) =>
    `${module} is not an active module of the market: governance must register it with setModule(module, true) (before setVerifier), or use an active one.`,
  ModuleStillActive: ({ module }) =>
    `Module ${module} is still active: only a retired module's locks can be released by anyone; ask the module to release, or governance to retire it (setModule(module, false)).`,
  ModuleAllowanceExceeded: ({ module, provider, requested, allowance }) =>
    `Module ${module} may lock ${allowance} of provider ${provider}'s stake, not ${requested}: the provider must raise it with setModuleAllowance(${module}, amount).`,
  ModuleLockExceeded: ({ module, provider, requested, locked }) =>
    `Module ${module} has locked only ${locked} of provider ${provider}'s stake and cannot release or slash ${requested}: pass at most ${locked}.`,
  ModuleNotSessionReceiver: ({ module }) =>
    `${module} is an active module but not a payment-session module (it did not answer onSessionFunded): open the session from balance with the PaymentSessions address (deployment.sessions).`,
  // --- the extension (JobMarket.setExtension)
  JobMarketExtensionInvalid: ({ extension }) =>
    `${extension} cannot be the market's extension (no code there, or the market itself): deploy the new JobMarketExtension first and propose its address (npm run release).`,
  // --- arbitrated verifier
  ArbitratedVerifierNotMarket: ({ caller }) =>
    `Only the job market may notify the verifier, not ${caller}: open disputes through the market's openDispute().`,
  // --- OpenZeppelin and proxies
  AccessManagedUnauthorized: ({ caller }) =>
    `Account ${caller} lacks the role for this restricted function: it is governance-only, so propose it through the Governor and Timelock.`,
  AccessManagedRequiredDelay: ({ caller, delay }) =>
    `Account ${caller} may call this only after a ${delay}s delay: schedule the operation on the AccessManager and execute it once the delay has passed.`,
  AccessManagedInvalidAuthority: ({ authority }) => `${authority} is not a valid AccessManager: pass the protocol's AccessManager address.`,
  ReentrancyGuardReentrantCall: () =>
    "The market was re-entered during a call (usually by a token hook): call it again outside of the token callback.",
  SafeERC20FailedOperation: ({ token }) =>
    `A transfer of token ${token} failed: check the balance, the allowance to the market and that the token is not blocklisting the sender or recipient.`,
  ERC20InsufficientBalance: ({ sender, balance, needed }) =>
    `Account ${sender} holds ${balance} of the token but ${needed} is needed: fund the account with at least ${needed - balance} more.`,
  ERC20InsufficientAllowance: ({ spender, allowance, needed }) =>
    `The allowance to ${spender} is ${allowance} but ${needed} is needed: approve(${spender}, ${needed}) on the token first.`,
  SafeCastOverflowedUintDowncast: ({ bits, value }) => `The value ${value} does not fit in ${bits} bits: pass a smaller amount.`,
  JobMarketExtensionDirectCall: () =>
    "The JobMarketExtension was called directly: send the call to the JobMarket address instead.",
  JobMarketDisputesDirectCall: () =>
    "The JobMarketDisputes contract was called directly: send disputes, equivocation proofs and module calls to the JobMarket address instead.",
  InvalidInitialization: () => "The contract is already initialized: use the governance setters instead of calling initialize again.",
  // --- payment sessions (contracts/sessions/PaymentSessions.sol)
  SessionAmountZero: () => "The session amount is zero: escrow a positive amount.",
  SessionPriceZero: () => "The session's maxPrice is zero: pass the price per request (or per 1,000 tokens) you accept.",
  SessionTokenNotAllowed: ({ token }) => `Token ${token} is not an allow-listed payment token: open the session in a token the market allows.`,
  SessionOfferNotActive: ({ provider, model }) =>
    `Provider ${provider} has no active offer for model ${model}: pick a provider from getProviders() for this model.`,
  SessionOfferTokenMismatch: ({ provider, model, offeredToken, token }) =>
    `Provider ${provider} prices model ${model} in ${offeredToken}, not ${token}: open the session in ${offeredToken}.`,
  SessionPriceAboveOffer: ({ provider, model, maxPrice, offerPrice }) =>
    `The session's maxPrice ${maxPrice} is above provider ${provider}'s offer ${offerPrice} for model ${model}: pass at most ${offerPrice}.`,
  SessionExpiryOutOfRange: ({ expiry, min, max }) => `Expiry ${time(expiry)} is outside [${time(min)}, ${time(max)}]: choose an expiry in that range.`,
  SessionAlreadyExists: ({ sessionId }) => `Session ${sessionId} already exists: open with another nonce.`,
  SessionEscrowTooLarge: ({ escrow, max }) => `The escrow would be ${escrow}, above ${max}: top up less, or open a second session.`,
  SessionFeeOnTransferToken: ({ token, expected, received }) =>
    `Token ${token} delivered ${received} instead of ${expected}: fee-on-transfer tokens are not supported in sessions.`,
  SessionUnknown: ({ sessionId }) => `No session has id ${sessionId}: check the id (sessionIdOf(client, nonce)) and the sessions address.`,
  SessionNotClient: ({ sessionId, caller, client }) => `Only the session's client ${client} may do this to session ${sessionId}, not ${caller}: send it from the client's account.`,
  SessionNotProvider: ({ sessionId, caller, provider }) => `Only the session's provider ${provider} may close session ${sessionId}, not ${caller}: send it from the provider's account.`,
  SessionWrongStatus: ({ sessionId, status }) =>
    `Session ${sessionId} is ${["None", "Open", "Closed", "Slashed"][status] ?? status}: this call needs another status; read getSession() first.`,
  SessionIsClosed: ({ sessionId }) => `Session ${sessionId} is closed: its vouchers can no longer be settled.`,
  SessionExpired: ({ sessionId, expiry, nowTime }) => `Session ${sessionId} expired at ${time(expiry)} (now ${time(nowTime)}): open a new session.`,
  SessionSettlementClosed: ({ sessionId, deadline, nowTime }) =>
    `Session ${sessionId} stopped accepting vouchers at ${time(deadline)} (now ${time(nowTime)}): settle before expiry + 1 day; the client may now reclaim.`,
  SessionSignerChangePending: ({ sessionId, previous, validUntil }) =>
    `Session ${sessionId}'s previous key ${previous} stays valid until ${time(validUntil)}: change the session key again after that.`,
  SessionVoucherAboveEscrow: ({ sessionId, cumulativeAmount, escrow }) =>
    `The voucher for ${cumulativeAmount} exceeds session ${sessionId}'s escrow ${escrow}: the client must top up before signing more.`,
  SessionVoucherNotIncreasing: ({ sessionId, cumulativeAmount, settled }) =>
    `The voucher for ${cumulativeAmount} does not exceed what session ${sessionId} already settled (${settled}): settle a later voucher.`,
  SessionVoucherRequestCountDecreasing: ({ sessionId, requestCount, settledRequests }) =>
    `The voucher counts ${requestCount} requests, fewer than the ${settledRequests} session ${sessionId} already settled: settle a later voucher.`,
  SessionVoucherAbovePrice: ({ sessionId, cumulativeAmount, maxAmount }) =>
    `The voucher for ${cumulativeAmount} is above requestCount × maxPrice = ${maxAmount} for session ${sessionId}: it cannot be settled.`,
  SessionSignatureInvalid: ({ sessionId }) =>
    `The signature for session ${sessionId} is malformed (not 65 bytes r‖s‖v, or high s): sign the EIP-712 message with signTypedData.`,
  SessionVoucherWrongSigner: ({ sessionId, recovered }) =>
    `The voucher recovers to ${recovered}, not session ${sessionId}'s client or session key: it was signed for another session, chain or deployment, or by the wrong key.`,
  SessionReleaseTooEarly: ({ sessionId, unlockAt, nowTime }) =>
    `Session ${sessionId}'s challenge window ends at ${time(unlockAt)}: release in ${wait(unlockAt + 1n, nowTime)}.`,
  SessionDisputesOpen: ({ sessionId, openDisputes }) =>
    `Session ${sessionId} has ${openDisputes} open dispute(s): release after they are resolved or cancelled.`,
  SessionNothingToRelease: ({ sessionId }) => `Session ${sessionId} has no pending settlement or collateral: nothing to release.`,
  SessionReclaimTooEarly: ({ sessionId, availableAt, nowTime }) =>
    `Session ${sessionId}'s escrow can be reclaimed from ${time(availableAt)} (expiry + 1 day + 1 s): retry in ${wait(availableAt, nowTime)}.`,
  SessionNothingToClaim: ({ account, token }) => `Account ${account} has nothing to claim in token ${token} from the sessions module: settle or release first, or read claimable().`,
  SessionRequestNotDisputable: ({ sessionId, requestIndex, releasedRequests, settledRequests }) =>
    `Request ${requestIndex} of session ${sessionId} is not disputable: only settled, unreleased requests [${releasedRequests}, ${settledRequests}) are.`,
  SessionChallengeWindowClosed: ({ sessionId, endedAt, nowTime }) =>
    `Session ${sessionId}'s challenge window ended at ${time(endedAt)} (now ${time(nowTime)}): this request can no longer be disputed.`,
  SessionDisputeByProvider: ({ sessionId, caller }) => `${caller} is session ${sessionId}'s provider or its signer key: a provider cannot dispute its own answers.`,
  SessionDisputeExists: ({ disputeId }) => `Dispute ${disputeId} already exists for this request: wait for its ruling.`,
  SessionDisputeNotOpen: ({ disputeId, status }) =>
    `Dispute ${disputeId} is ${["None", "Open", "Upheld", "Rejected", "Draw", "Cancelled"][status] ?? status}, not open: only an open dispute can be ruled or cancelled.`,
  SessionDisputeResolutionClosed: ({ disputeId, deadline, nowTime }) =>
    `Dispute ${disputeId}'s ruling deadline passed at ${time(deadline)} (now ${time(nowTime)}): anyone may cancel it now.`,
  SessionDisputeResolutionPending: ({ disputeId, deadline, nowTime }) =>
    `Dispute ${disputeId} may still be ruled on until ${time(deadline)}: cancel in ${wait(deadline + 1n, nowTime)}.`,
  SessionAttestationWrongSigner: ({ sessionId, recovered }) =>
    `The attestation recovers to ${recovered}, not a signer key of session ${sessionId}'s provider (current at opening or later): it is not evidence.`,
  SessionEquivocationSameAttestation: ({ sessionId, requestIndex }) =>
    `Both attestations for request ${requestIndex} of session ${sessionId} are the same: equivocation needs two different ones.`,
  SessionNothingAtStake: ({ sessionId }) => `Session ${sessionId} is closed with nothing pending: there is nothing left to slash.`,
  SessionCollateralNotIdle: ({ provider, requested, idle }) =>
    `Provider ${provider} asked to unlock ${requested} of its session collateral, but only ${idle} is idle (the rest backs pending settlements): unlock at most ${idle}, or release the settlements first.`,
  SessionNotDelegated: () =>
    "A dispute function was called at PaymentSessionsDisputes' own address: call it at the PaymentSessions address, which runs it.",
  SessionNotMarket: ({ caller }) =>
    `${caller} called onSessionFunded, which only the market calls: open from your market balance with the market's openSessionFromBalance (openSessionFromBalance in the SDK).`,
  SessionDisputeOfAnotherSession: ({ disputeId, disputeSessionId, sessionId }) =>
    `Dispute ${disputeId} is about session ${disputeSessionId}, not ${sessionId}: pass the terms of the disputed session (getSessionTerms).`,
  InvalidShortString: () => "A short string was malformed (EIP-712 domain name or version): a deployment bug, not a call error.",
  StringTooLong: ({ str }) => `String "${str}" is too long for a short string (EIP-712 domain): a deployment bug, not a call error.`,
};

// ---------------------------------------------------------------------------------------------
// The error classes
// ---------------------------------------------------------------------------------------------

export type DepinferContractErrorParameters<args> = {
  /** The decoded arguments, by ABI parameter name. */
  args: args;
  /** The viem error the revert was decoded from. */
  cause?: BaseError | Error | undefined;
};

/**
 * A contract revert decoded into a typed error: `errorName`, `args` by ABI parameter name, and a
 * `hint` that says what to do next. Every custom error has its own subclass (`JobUnknownError`,
 * `StakeInsufficientFreeError`, ...) for `instanceof`. Built by {@link decodeDepinferError}.
 *
 * @example
 * const err = decodeDepinferError(e)
 * if (err instanceof StakeInsufficientFreeError) console.log(err.args.free, err.hint)
 */
export class DepinferContractError<
  name extends string = string,
  args extends Record<string, unknown> = Record<string, unknown>,
> extends DepinferError {
  /** The Solidity error name, e.g. `"JobUnknown"`. */
  readonly errorName: name;
  /** The error's arguments, keyed by ABI parameter name. */
  readonly args: args;
  /** One sentence on what happened and what to do next. */
  readonly hint: string;
  /** The viem error this was decoded from. */
  declare readonly cause: BaseError | Error | undefined;

  constructor(errorName: name, { args, cause, hint }: DepinferContractErrorParameters<args> & { hint: string }) {
    const formatted = Object.entries(args)
      .map(([key, value]) => `${key}: ${String(value)}`)
      .join(", ");
    super(`The contract reverted with ${errorName}: ${hint}`, {
      cause,
      docsPath: "/docs/errors/contract",
      docsSlug: errorName.toLowerCase(),
      metaMessages: [`Error: ${errorName}(${formatted})`, ...contractCallOf(cause)],
      name: `${errorName}Error`,
    });
    this.errorName = errorName;
    this.args = args;
    this.hint = hint;
  }
}

/** The "Contract Call:" lines (address, function, args, sender) of a viem contract error, without its own "Error:" lines. */
function contractCallOf(cause: BaseError | Error | undefined): string[] {
  const lines = cause instanceof BaseError ? (cause.metaMessages ?? []) : [];
  const start = lines.findIndex((line) => line.startsWith("Contract Call:"));
  return start === -1 ? [] : ["", ...lines.slice(start)];
}

/** The constructor of the typed error for `name`. */
export type DepinferContractErrorConstructor<name extends DepinferContractErrorName> = new (
  parameters: DepinferContractErrorParameters<DepinferContractErrorArgs<name>>,
) => DepinferContractError<name, DepinferContractErrorArgs<name>>;

/**
 * Builds the base class of one error's typed error; its hint comes from {@link contractErrorHints}.
 * The return type is written out: inferred, it would carry the static side of `Error` as the
 * compiling environment declares it (with `@types/node`, `NodeJS.CallSite`) into the published
 * declarations, which then fail to type-check in a browser project.
 */
function contractError<const name extends DepinferContractErrorName>(errorName: name): DepinferContractErrorConstructor<name> {
  type args = DepinferContractErrorArgs<name>;
  return class extends DepinferContractError<name, args> {
    constructor(parameters: DepinferContractErrorParameters<args>) {
      const hint = (contractErrorHints[errorName] as (args: args) => string)(parameters.args);
      super(errorName, { ...parameters, hint });
    }
  };
}

// --- generic
export class ZeroAddressError extends contractError("ZeroAddress") {}
export class EnforcedPauseError extends contractError("EnforcedPause") {}
export class AmountZeroError extends contractError("AmountZero") {}
export class AmountTooLargeError extends contractError("AmountTooLarge") {}
export class FeeOnTransferTokenError extends contractError("FeeOnTransferToken") {}
export class NothingToClaimError extends contractError("NothingToClaim") {}
export class ClaimExceedsBalanceError extends contractError("ClaimExceedsBalance") {}
export class BatchEmptyError extends contractError("BatchEmpty") {}
export class BatchTooLargeError extends contractError("BatchTooLarge") {}
export class BatchLengthMismatchError extends contractError("BatchLengthMismatch") {}
// --- parameters
export class ParamOutOfBoundsError extends contractError("ParamOutOfBounds") {}
export class ThawingPeriodTooShortError extends contractError("ThawingPeriodTooShort") {}
export class TokenStakeRateZeroError extends contractError("TokenStakeRateZero") {}
// --- models and providers
export class ModelAlreadyRegisteredError extends contractError("ModelAlreadyRegistered") {}
export class ModelNotRegisteredError extends contractError("ModelNotRegistered") {}
export class ProviderAlreadyRegisteredError extends contractError("ProviderAlreadyRegistered") {}
export class ProviderNotRegisteredError extends contractError("ProviderNotRegistered") {}
export class ProviderInJailError extends contractError("ProviderInJail") {}
export class ProviderBelowMinStakeError extends contractError("ProviderBelowMinStake") {}
export class ProviderOffersPausedError extends contractError("ProviderOffersPaused") {}
export class ProviderSignerReusedError extends contractError("ProviderSignerReused") {}
export class ProviderSignerRotationsExhaustedError extends contractError("ProviderSignerRotationsExhausted") {}
export class OfferNotActiveError extends contractError("OfferNotActive") {}
export class OfferTokenMismatchError extends contractError("OfferTokenMismatch") {}
export class OfferPriceAboveJobPriceError extends contractError("OfferPriceAboveJobPrice") {}
// --- staking
export class StakeInsufficientFreeError extends contractError("StakeInsufficientFree") {}
export class StakeThawQueueFullError extends contractError("StakeThawQueueFull") {}
export class StakeNothingToWithdrawError extends contractError("StakeNothingToWithdraw") {}
// --- jobs
export class PaymentTokenNotAllowedError extends contractError("PaymentTokenNotAllowed") {}
export class JobDeadlineInPastError extends contractError("JobDeadlineInPast") {}
export class JobDeadlineTooFarError extends contractError("JobDeadlineTooFar") {}
export class JobAlreadyExistsError extends contractError("JobAlreadyExists") {}
export class JobUnknownError extends contractError("JobUnknown") {}
export class JobWrongStatusError extends contractError("JobWrongStatus") {}
export class JobNotClientError extends contractError("JobNotClient") {}
export class JobNotForProviderError extends contractError("JobNotForProvider") {}
export class JobNotDirectError extends contractError("JobNotDirect") {}
export class JobDeadlineBelowLatencyError extends contractError("JobDeadlineBelowLatency") {}
export class JobDeadlinePassedError extends contractError("JobDeadlinePassed") {}
export class JobDeadlineNotReachedError extends contractError("JobDeadlineNotReached") {}
export class JobChallengeWindowOpenError extends contractError("JobChallengeWindowOpen") {}
export class JobChallengeWindowClosedError extends contractError("JobChallengeWindowClosed") {}
export class JobInputHashMismatchError extends contractError("JobInputHashMismatch") {}
// --- attestations
export class AttestationInvalidSignatureError extends contractError("AttestationInvalidSignature") {}
export class AttestationWrongSignerError extends contractError("AttestationWrongSigner") {}
export class EquivocationSameOutputError extends contractError("EquivocationSameOutput") {}
export class EquivocationReportTooLateError extends contractError("EquivocationReportTooLate") {}
// --- disputes
export class DisputeNoVerifierError extends contractError("DisputeNoVerifier") {}
export class DisputeNotVerifierError extends contractError("DisputeNotVerifier") {}
export class DisputeResolutionPendingError extends contractError("DisputeResolutionPending") {}
export class DisputeResolutionClosedError extends contractError("DisputeResolutionClosed") {}
export class DisputeByProviderError extends contractError("DisputeByProvider") {}
export class DisputeFullError extends contractError("DisputeFull") {}
export class DisputeAlreadyJoinedError extends contractError("DisputeAlreadyJoined") {}
export class DisputeUnknownChallengerError extends contractError("DisputeUnknownChallenger") {}
// --- modules
export class ModuleNotActiveError extends contractError("ModuleNotActive") {}
export class ModuleStillActiveError extends contractError("ModuleStillActive") {}
export class ModuleAllowanceExceededError extends contractError("ModuleAllowanceExceeded") {}
export class ModuleLockExceededError extends contractError("ModuleLockExceeded") {}
export class ModuleNotSessionReceiverError extends contractError("ModuleNotSessionReceiver") {}
// --- the extension
export class JobMarketExtensionInvalidError extends contractError("JobMarketExtensionInvalid") {}
// --- arbitrated verifier
export class ArbitratedVerifierNotMarketError extends contractError("ArbitratedVerifierNotMarket") {}
// --- OpenZeppelin and proxies
export class AccessManagedUnauthorizedError extends contractError("AccessManagedUnauthorized") {}
export class AccessManagedRequiredDelayError extends contractError("AccessManagedRequiredDelay") {}
export class AccessManagedInvalidAuthorityError extends contractError("AccessManagedInvalidAuthority") {}
export class ReentrancyGuardReentrantCallError extends contractError("ReentrancyGuardReentrantCall") {}
export class SafeERC20FailedOperationError extends contractError("SafeERC20FailedOperation") {}
export class ERC20InsufficientBalanceError extends contractError("ERC20InsufficientBalance") {}
export class ERC20InsufficientAllowanceError extends contractError("ERC20InsufficientAllowance") {}
export class SafeCastOverflowedUintDowncastError extends contractError("SafeCastOverflowedUintDowncast") {}
export class JobMarketExtensionDirectCallError extends contractError("JobMarketExtensionDirectCall") {}
export class JobMarketDisputesDirectCallError extends contractError("JobMarketDisputesDirectCall") {}
export class InvalidInitializationError extends contractError("InvalidInitialization") {}

// --- payment sessions
export class SessionAmountZeroError extends contractError("SessionAmountZero") {}
export class SessionPriceZeroError extends contractError("SessionPriceZero") {}
export class SessionTokenNotAllowedError extends contractError("SessionTokenNotAllowed") {}
export class SessionOfferNotActiveError extends contractError("SessionOfferNotActive") {}
export class SessionOfferTokenMismatchError extends contractError("SessionOfferTokenMismatch") {}
export class SessionPriceAboveOfferError extends contractError("SessionPriceAboveOffer") {}
export class SessionExpiryOutOfRangeError extends contractError("SessionExpiryOutOfRange") {}
export class SessionAlreadyExistsError extends contractError("SessionAlreadyExists") {}
export class SessionEscrowTooLargeError extends contractError("SessionEscrowTooLarge") {}
export class SessionFeeOnTransferTokenError extends contractError("SessionFeeOnTransferToken") {}
export class SessionUnknownError extends contractError("SessionUnknown") {}
export class SessionNotClientError extends contractError("SessionNotClient") {}
export class SessionNotProviderError extends contractError("SessionNotProvider") {}
export class SessionWrongStatusError extends contractError("SessionWrongStatus") {}
export class SessionIsClosedError extends contractError("SessionIsClosed") {}
export class SessionExpiredError extends contractError("SessionExpired") {}
export class SessionSettlementClosedError extends contractError("SessionSettlementClosed") {}
export class SessionSignerChangePendingError extends contractError("SessionSignerChangePending") {}
export class SessionVoucherAboveEscrowError extends contractError("SessionVoucherAboveEscrow") {}
export class SessionVoucherNotIncreasingError extends contractError("SessionVoucherNotIncreasing") {}
export class SessionVoucherRequestCountDecreasingError extends contractError("SessionVoucherRequestCountDecreasing") {}
export class SessionVoucherAbovePriceError extends contractError("SessionVoucherAbovePrice") {}
export class SessionSignatureInvalidError extends contractError("SessionSignatureInvalid") {}
export class SessionVoucherWrongSignerError extends contractError("SessionVoucherWrongSigner") {}
export class SessionReleaseTooEarlyError extends contractError("SessionReleaseTooEarly") {}
export class SessionDisputesOpenError extends contractError("SessionDisputesOpen") {}
export class SessionNothingToReleaseError extends contractError("SessionNothingToRelease") {}
export class SessionReclaimTooEarlyError extends contractError("SessionReclaimTooEarly") {}
export class SessionNothingToClaimError extends contractError("SessionNothingToClaim") {}
export class SessionRequestNotDisputableError extends contractError("SessionRequestNotDisputable") {}
export class SessionChallengeWindowClosedError extends contractError("SessionChallengeWindowClosed") {}
export class SessionDisputeByProviderError extends contractError("SessionDisputeByProvider") {}
export class SessionDisputeExistsError extends contractError("SessionDisputeExists") {}
export class SessionDisputeNotOpenError extends contractError("SessionDisputeNotOpen") {}
export class SessionDisputeResolutionClosedError extends contractError("SessionDisputeResolutionClosed") {}
export class SessionDisputeResolutionPendingError extends contractError("SessionDisputeResolutionPending") {}
export class SessionAttestationWrongSignerError extends contractError("SessionAttestationWrongSigner") {}
export class SessionEquivocationSameAttestationError extends contractError("SessionEquivocationSameAttestation") {}
export class SessionNothingAtStakeError extends contractError("SessionNothingAtStake") {}
export class SessionCollateralNotIdleError extends contractError("SessionCollateralNotIdle") {}
export class SessionNotDelegatedError extends contractError("SessionNotDelegated") {}
export class SessionNotMarketError extends contractError("SessionNotMarket") {}
export class SessionDisputeOfAnotherSessionError extends contractError("SessionDisputeOfAnotherSession") {}
export class InvalidShortStringError extends contractError("InvalidShortString") {}
export class StringTooLongError extends contractError("StringTooLong") {}

/** The typed error class of every contract error, by error name (a missing one is a type error). */
export const contractErrorClasses: { [name in DepinferContractErrorName]: DepinferContractErrorConstructor<name> } = {
  ZeroAddress: ZeroAddressError,
  EnforcedPause: EnforcedPauseError,
  AmountZero: AmountZeroError,
  AmountTooLarge: AmountTooLargeError,
  FeeOnTransferToken: FeeOnTransferTokenError,
  NothingToClaim: NothingToClaimError,
  ClaimExceedsBalance: ClaimExceedsBalanceError,
  BatchEmpty: BatchEmptyError,
  BatchTooLarge: BatchTooLargeError,
  BatchLengthMismatch: BatchLengthMismatchError,
  ParamOutOfBounds: ParamOutOfBoundsError,
  ThawingPeriodTooShort: ThawingPeriodTooShortError,
  TokenStakeRateZero: TokenStakeRateZeroError,
  ModelAlreadyRegistered: ModelAlreadyRegisteredError,
  ModelNotRegistered: ModelNotRegisteredError,
  ProviderAlreadyRegistered: ProviderAlreadyRegisteredError,
  ProviderNotRegistered: ProviderNotRegisteredError,
  ProviderInJail: ProviderInJailError,
  ProviderBelowMinStake: ProviderBelowMinStakeError,
  ProviderOffersPaused: ProviderOffersPausedError,
  ProviderSignerReused: ProviderSignerReusedError,
  ProviderSignerRotationsExhausted: ProviderSignerRotationsExhaustedError,
  OfferNotActive: OfferNotActiveError,
  OfferTokenMismatch: OfferTokenMismatchError,
  OfferPriceAboveJobPrice: OfferPriceAboveJobPriceError,
  StakeInsufficientFree: StakeInsufficientFreeError,
  StakeThawQueueFull: StakeThawQueueFullError,
  StakeNothingToWithdraw: StakeNothingToWithdrawError,
  PaymentTokenNotAllowed: PaymentTokenNotAllowedError,
  JobDeadlineInPast: JobDeadlineInPastError,
  JobDeadlineTooFar: JobDeadlineTooFarError,
  JobAlreadyExists: JobAlreadyExistsError,
  JobUnknown: JobUnknownError,
  JobWrongStatus: JobWrongStatusError,
  JobNotClient: JobNotClientError,
  JobNotForProvider: JobNotForProviderError,
  JobNotDirect: JobNotDirectError,
  JobDeadlineBelowLatency: JobDeadlineBelowLatencyError,
  JobDeadlinePassed: JobDeadlinePassedError,
  JobDeadlineNotReached: JobDeadlineNotReachedError,
  JobChallengeWindowOpen: JobChallengeWindowOpenError,
  JobChallengeWindowClosed: JobChallengeWindowClosedError,
  JobInputHashMismatch: JobInputHashMismatchError,
  AttestationInvalidSignature: AttestationInvalidSignatureError,
  AttestationWrongSigner: AttestationWrongSignerError,
  EquivocationSameOutput: EquivocationSameOutputError,
  EquivocationReportTooLate: EquivocationReportTooLateError,
  DisputeNoVerifier: DisputeNoVerifierError,
  DisputeNotVerifier: DisputeNotVerifierError,
  DisputeResolutionPending: DisputeResolutionPendingError,
  DisputeResolutionClosed: DisputeResolutionClosedError,
  DisputeByProvider: DisputeByProviderError,
  DisputeFull: DisputeFullError,
  DisputeAlreadyJoined: DisputeAlreadyJoinedError,
  DisputeUnknownChallenger: DisputeUnknownChallengerError,
  ModuleNotActive: ModuleNotActiveError,
  ModuleStillActive: ModuleStillActiveError,
  ModuleAllowanceExceeded: ModuleAllowanceExceededError,
  ModuleLockExceeded: ModuleLockExceededError,
  ModuleNotSessionReceiver: ModuleNotSessionReceiverError,
  JobMarketExtensionInvalid: JobMarketExtensionInvalidError,
  ArbitratedVerifierNotMarket: ArbitratedVerifierNotMarketError,
  AccessManagedUnauthorized: AccessManagedUnauthorizedError,
  AccessManagedRequiredDelay: AccessManagedRequiredDelayError,
  AccessManagedInvalidAuthority: AccessManagedInvalidAuthorityError,
  ReentrancyGuardReentrantCall: ReentrancyGuardReentrantCallError,
  SafeERC20FailedOperation: SafeERC20FailedOperationError,
  ERC20InsufficientBalance: ERC20InsufficientBalanceError,
  ERC20InsufficientAllowance: ERC20InsufficientAllowanceError,
  SafeCastOverflowedUintDowncast: SafeCastOverflowedUintDowncastError,
  JobMarketExtensionDirectCall: JobMarketExtensionDirectCallError,
  JobMarketDisputesDirectCall: JobMarketDisputesDirectCallError,
  InvalidInitialization: InvalidInitializationError,
  SessionAmountZero: SessionAmountZeroError,
  SessionPriceZero: SessionPriceZeroError,
  SessionTokenNotAllowed: SessionTokenNotAllowedError,
  SessionOfferNotActive: SessionOfferNotActiveError,
  SessionOfferTokenMismatch: SessionOfferTokenMismatchError,
  SessionPriceAboveOffer: SessionPriceAboveOfferError,
  SessionExpiryOutOfRange: SessionExpiryOutOfRangeError,
  SessionAlreadyExists: SessionAlreadyExistsError,
  SessionEscrowTooLarge: SessionEscrowTooLargeError,
  SessionFeeOnTransferToken: SessionFeeOnTransferTokenError,
  SessionUnknown: SessionUnknownError,
  SessionNotClient: SessionNotClientError,
  SessionNotProvider: SessionNotProviderError,
  SessionWrongStatus: SessionWrongStatusError,
  SessionIsClosed: SessionIsClosedError,
  SessionExpired: SessionExpiredError,
  SessionSettlementClosed: SessionSettlementClosedError,
  SessionSignerChangePending: SessionSignerChangePendingError,
  SessionVoucherAboveEscrow: SessionVoucherAboveEscrowError,
  SessionVoucherNotIncreasing: SessionVoucherNotIncreasingError,
  SessionVoucherRequestCountDecreasing: SessionVoucherRequestCountDecreasingError,
  SessionVoucherAbovePrice: SessionVoucherAbovePriceError,
  SessionSignatureInvalid: SessionSignatureInvalidError,
  SessionVoucherWrongSigner: SessionVoucherWrongSignerError,
  SessionReleaseTooEarly: SessionReleaseTooEarlyError,
  SessionDisputesOpen: SessionDisputesOpenError,
  SessionNothingToRelease: SessionNothingToReleaseError,
  SessionReclaimTooEarly: SessionReclaimTooEarlyError,
  SessionNothingToClaim: SessionNothingToClaimError,
  SessionRequestNotDisputable: SessionRequestNotDisputableError,
  SessionChallengeWindowClosed: SessionChallengeWindowClosedError,
  SessionDisputeByProvider: SessionDisputeByProviderError,
  SessionDisputeExists: SessionDisputeExistsError,
  SessionDisputeNotOpen: SessionDisputeNotOpenError,
  SessionDisputeResolutionClosed: SessionDisputeResolutionClosedError,
  SessionDisputeResolutionPending: SessionDisputeResolutionPendingError,
  SessionAttestationWrongSigner: SessionAttestationWrongSignerError,
  SessionEquivocationSameAttestation: SessionEquivocationSameAttestationError,
  SessionNothingAtStake: SessionNothingAtStakeError,
  SessionCollateralNotIdle: SessionCollateralNotIdleError,
  SessionNotDelegated: SessionNotDelegatedError,
  SessionNotMarket: SessionNotMarketError,
  SessionDisputeOfAnotherSession: SessionDisputeOfAnotherSessionError,
  InvalidShortString: InvalidShortStringError,
  StringTooLong: StringTooLongError,
};

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

export type DecodeDepinferErrorReturnType = DepinferContractError<DepinferContractErrorName> | undefined;

const isHex = (value: unknown): value is Hex => typeof value === "string" && /^0x[0-9a-fA-F]{8,}$/.test(value);

/** The raw revert data of a viem error: from `ContractFunctionRevertedError.raw`, else any error in the chain carrying `data`. */
function revertDataOf(error: BaseError): { data: Hex | undefined; reverted: ContractFunctionRevertedError | undefined } {
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted && isHex(reverted.raw)) return { data: reverted.raw, reverted };
  // eth_call / estimateGas errors that viem could not attribute to a contract function
  // (RawContractError, RpcRequestError) carry the data as `data` or `data.data`.
  const withData = error.walk((e) => {
    const data = (e as { data?: unknown } | null)?.data;
    return isHex(data) || isHex((data as { data?: unknown } | null | undefined)?.data);
  }) as { data?: Hex | { data?: Hex } } | null;
  const data = withData?.data;
  return { data: isHex(data) ? data : isHex(data?.data) ? data.data : undefined, reverted: reverted ?? undefined };
}

/**
 * Turns a viem error from a Depinfer contract call into the typed error of its revert
 * (`JobUnknownError`, `StakeInsufficientFreeError`, ...) carrying `args`, a `hint` and the viem
 * error as `cause`. Returns `undefined` when the error is not a revert with a known custom error
 * (a network error, a `require` string, a panic, another contract's error).
 *
 * @example
 * try {
 *   await market.write.finalizeJob([job])
 * } catch (e) {
 *   const err = decodeDepinferError(e)
 *   if (err instanceof JobChallengeWindowOpenError) console.log(`retry after ${err.args.endsAt}`)
 *   throw err ?? e
 * }
 */
export function decodeDepinferError(error: unknown): DecodeDepinferErrorReturnType {
  if (error instanceof DepinferContractError) return error as DepinferContractError<DepinferContractErrorName>;
  if (!(error instanceof BaseError)) return undefined;

  const { data, reverted } = revertDataOf(error);
  let errorName: string | undefined;
  let values: readonly unknown[] | undefined;
  if (data) {
    try {
      const decoded = decodeErrorResult({ abi: depinferErrorsAbi, data });
      errorName = decoded.errorName;
      values = decoded.args as readonly unknown[] | undefined;
    } catch {
      // Not one of ours: fall through to what viem decoded with the caller's ABI, if anything.
    }
  }
  if (!errorName && reverted?.data) {
    errorName = reverted.data.errorName;
    values = reverted.data.args as readonly unknown[] | undefined;
  }
  if (!errorName || !Object.hasOwn(contractErrorClasses, errorName)) return undefined;

  const name = errorName as DepinferContractErrorName;
  const item = depinferErrorsAbi.find((i) => i.name === name)!;
  const args: Record<string, unknown> = {};
  item.inputs.forEach((input, i) => {
    args[input.name || String(i)] = values?.[i];
  });
  const ErrorClass = contractErrorClasses[name] as unknown as new (
    parameters: DepinferContractErrorParameters<Record<string, unknown>>,
  ) => DepinferContractError<DepinferContractErrorName>;
  return new ErrorClass({ args, cause: error });
}
