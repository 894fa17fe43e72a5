import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type AbiParameterToPrimitiveType, type Hex } from "viem";

import { prevrandaoRandomnessAbi } from "../abis/prevrandaoRandomness.js";
import { sampledVerifierAbi } from "../abis/sampledVerifier.js";
import { vrfRandomnessAdapterAbi } from "../abis/vrfRandomnessAdapter.js";
import { CHECK_STATUSES, VOTE_STATUSES } from "../actions/verifier/getVerification.js";
import { DepinferContractError, decodeDepinferError } from "./contract.js";

// The custom errors of the sampled re-execution module (docs/protocol.md 7.7) and of its randomness
// sources, decoded into typed errors with a hint each. Kept apart from contract.ts: the module is
// optional, and the market's own errors (which `sample` can bubble up) are decoded there.

type ErrorItemOf<abi extends readonly unknown[]> = Extract<abi[number], { type: "error" }>;

/** Every custom error of the SampledVerifier's address and of the randomness sources. */
export type SamplingAbiError = ErrorItemOf<typeof sampledVerifierAbi> | ErrorItemOf<typeof prevrandaoRandomnessAbi> | ErrorItemOf<typeof vrfRandomnessAdapterAbi>;

/** The name of a sampling or randomness error, e.g. `"SamplingPhaseClosed"`. */
export type SamplingErrorName = SamplingAbiError["name"];

/** The arguments of error `name`, keyed by their ABI parameter names. */
export type SamplingErrorArgs<name extends SamplingErrorName> = {
  [param in Extract<SamplingAbiError, { name: name }>["inputs"][number] as param["name"]]: AbiParameterToPrimitiveType<param>;
};

/** One ABI with every error of {@link SamplingAbiError}, each once. */
export const samplingErrorsAbi: readonly SamplingAbiError[] = (() => {
  const byName = new Map<string, SamplingAbiError>();
  for (const item of [...sampledVerifierAbi, ...prevrandaoRandomnessAbi, ...vrfRandomnessAdapterAbi])
    if (item.type === "error" && !byName.has(item.name)) byName.set(item.name, item as SamplingAbiError);
  return [...byName.values()];
})();

const JOB_STATUS = ["None", "Created", "Accepted", "Submitted", "Disputed", "Finalized", "Expired", "Cancelled", "Slashed"];
const wait = (until: bigint, now: bigint) => (until > now ? `${until - now}s` : "a moment");

/** One sentence per error: what happened and what to do. Typed from the ABIs: a new error is a type error here until it has a hint. */
export const samplingErrorHints: { [name in SamplingErrorName]: (args: SamplingErrorArgs<name>) => string } = {
  SamplingZeroAddress: () => "An address argument is zero: pass a real recipient.",
  SamplingExtensionMismatch: ({ extension }) => `Extension ${extension} was built for another market or randomness source: deploy the module with its own extension.`,
  SamplingParamOutOfBounds: ({ name, value, min, max }) => `Parameter ${name} = ${value} is outside [${min}, ${max}]: choose a value within the bounds.`,
  SamplingEpochTooLong: ({ epochLength, max }) => `The randomness epoch (${epochLength}s) is longer than ${max}s: use a source with shorter epochs.`,
  SamplingNotMarket: ({ caller }) => `Only the job market calls onDisputeOpened, not ${caller}.`,
  SamplingNotVerifierOf: ({ model, determinism, verifier }) =>
    `Jobs of model ${model} (class ${determinism}) are judged by ${verifier}, not by this module: it cannot sample them (governance routes classes with setVerifier).`,
  SamplingClassNotSupported: ({ jobId, determinism }) => `Job ${jobId}'s class (${determinism}) cannot be re-executed (NONE): nothing to sample.`,
  SamplingJobWrongStatus: ({ jobId, status }) => `Job ${jobId} is ${JOB_STATUS[status] ?? status}, not Submitted: only a submitted result in its window can be sampled.`,
  SamplingWindowClosed: ({ jobId, endedAt, nowTime }) => `Job ${jobId}'s challenge window closed at ${endedAt} (now ${nowTime}): it can no longer be sampled.`,
  SamplingBadAttestation: ({ jobId, recovered }) =>
    `The signature for job ${jobId} recovers to ${recovered}, not a key of its provider: pass the outputHash and signature of its ResultSubmitted event.`,
  SamplingJobNotSampled: ({ jobId, draw, rateBps }) => `Job ${jobId} was not drawn (draw ${draw} ≥ rate ${rateBps} of 10,000): nothing to do, the result settles as usual.`,
  SamplingFundTooLow: ({ token, needed, available }) =>
    `The module's fund of ${token} has ${available} but ${needed} is needed: governance (or anyone) must fund(token, amount) first.`,
  SamplingCheckWrongStatus: ({ jobId, status }) =>
    `Job ${jobId}'s check is ${CHECK_STATUSES[status] ?? status}, which does not allow this call: read it with getVerification() and pick the call its status allows.`,
  SamplingMarketPaused: () => "The market is paused, so no verifier stake can be locked: assign again after the unpause.",
  SamplingNotEligible: ({ caller, model }) => `${caller} is not a registered, unjailed provider and cannot verify model ${model}: register and stake first.`,
  SamplingAlreadyEnrolled: ({ caller, model }) => `${caller} is already enrolled for model ${model}: nothing to do.`,
  SamplingNotEnrolled: ({ caller, model }) => `${caller} is not enrolled for model ${model}: nothing to leave.`,
  SamplingNoOffer: ({ caller, model }) => `${caller} has no active offer for model ${model}: publish one with setOffer() before enrolling as its verifier.`,
  SamplingAllowanceTooLow: ({ caller, allowance, needed }) =>
    `${caller} lets the module lock ${allowance} of its stake but a seat needs ${needed}: call setModuleAllowance(module, amount ≥ ${needed}) on the market.`,
  SamplingNotAssigned: ({ jobId, caller }) =>
    `${caller} holds no seat of job ${jobId}'s current round in the needed status (assigned to commit, committed to reveal): read voteOf() before sending.`,
  SamplingPhaseClosed: ({ jobId, deadline, nowTime }) => `The phase of job ${jobId}'s check ended at ${deadline} (now ${nowTime}): too late; anyone may now resolve().`,
  SamplingRevealNotOpen: ({ jobId, committed, needed }) =>
    `Reveals of job ${jobId}'s round open once every verifier committed (${committed} of ${needed}): reveal again later, before the reveal deadline.`,
  SamplingCommitmentMismatch: ({ jobId, verifier, commitment }) =>
    `The output and salt do not open ${verifier}'s commitment ${commitment} on job ${jobId}: reveal with exactly the output hash and salt that were committed.`,
  SamplingRoundOpen: ({ jobId, deadline, nowTime }) => `Job ${jobId}'s round is still open until ${deadline} (now ${nowTime}): resolve in ${wait(deadline, nowTime)}.`,
  SamplingNothingOwed: ({ account, token }) => `Nothing is owed to ${account} in ${token}: check owed() first.`,
  SamplingExposeNotOpen: ({ jobId, round, committed, live }) =>
    `Check ${jobId} cannot be exposed now (round ${round}, ${committed} of ${live} seats committed): expose in round 0 once every live seat has committed.`,
  SamplingAlreadyExposed: ({ jobId }) => `Check ${jobId} was already exposed: nothing to do.`,
  SamplingVoteNotRejectable: ({ jobId, index, status, output }) =>
    `Vote ${index} of check ${jobId} cannot be rejected (status ${VOTE_STATUSES[status] ?? status}, output ${output}): only a revealed vote whose output differs from the provider's can be; a vote equal to it falls with the provider (rule(job, false)).`,
  SamplingJobInPaidBand: ({ jobId, draw, baseRateBps, rateBps }) =>
    `Job ${jobId}'s draw ${draw} is in the caller-paid band [${baseRateBps}, ${rateBps}): the fund does not pay for it; fund the check yourself with fundCheck() (it costs (1 + k) × R, the unused part comes back).`,
  SamplingJobNotInPaidBand: ({ jobId, draw, baseRateBps, rateBps }) =>
    draw < baseRateBps
      ? `Job ${jobId}'s draw ${draw} is below ${baseRateBps}: the fund pays for its check, call sampleJob() instead of fundCheck().`
      : `Job ${jobId}'s draw ${draw} is at or above its rate ${rateBps}: it is not sampled, nothing to fund.`,
  SamplingNoBond: ({ provider }) => `${provider} has no standing sampling bond: post one with postSamplingBond() first.`,
  SamplingBondReleasing: ({ provider, releaseAt }) =>
    `${provider}'s bond is being released (withdrawable at ${releaseAt}): no top-up or second request; withdraw it then, and post a new one.`,
  SamplingBondNotReleasing: ({ provider }) => `${provider} has not asked for its bond back: call requestSamplingBondRelease() and wait the release delay.`,
  SamplingBondLocked: ({ provider, releaseAt, nowTime }) =>
    `${provider}'s bond is locked until ${releaseAt} (now ${nowTime}): withdraw in ${wait(releaseAt, nowTime)}.`,
  SamplingBondAmountInvalid: ({ provider, amount, total }) =>
    `A bond of ${amount} for ${provider} is invalid (zero, or the total ${total} exceeds 96 bits): post a positive amount within your allowance.`,
  RandomnessSeedNotReady: ({ epoch }) => `The seed of epoch ${epoch} does not exist yet: reveal it (PrevrandaoRandomness.reveal) after the epoch ends, then retry.`,
  RandomnessEpochLengthOutOfBounds: ({ epochLength, min, max }) => `Epoch length ${epochLength}s is outside [${min}, ${max}]s.`,
  RandomnessEpochNotEnded: ({ epoch, endsAt, nowTime }) => `Epoch ${epoch} ends at ${endsAt} (now ${nowTime}): reveal its seed in ${wait(endsAt, nowTime)}.`,
  RandomnessSeedAlreadyRevealed: ({ epoch }) => `The seed of epoch ${epoch} is already revealed: nothing to do, it never changes.`,
  RandomnessAlreadyRequested: ({ epoch, requestId }) => `The seed of epoch ${epoch} was already requested (request ${requestId}): wait for the coordinator.`,
  RandomnessNoWords: ({ requestId }) => `The coordinator answered request ${requestId} with no words.`,
  RandomnessNotCoordinator: ({ caller }) => `Only the VRF coordinator may fulfil, not ${caller}.`,
  RandomnessUnknownRequest: ({ requestId }) => `Request ${requestId} is unknown to the adapter.`,
  RandomnessZeroCoordinator: () => "The VRF coordinator address is zero.",
};

/**
 * A revert of the SampledVerifier or a randomness source, decoded: `errorName`, `args` by ABI
 * parameter name, and a `hint`. Test with `instanceof SamplingContractError` and `errorName`.
 *
 * @example
 * try { await commitVote(wallet, { sampledVerifier, job, outputHash }) }
 * catch (e) { if (e instanceof SamplingContractError && e.errorName === "SamplingPhaseClosed") console.log(e.hint) }
 */
export class SamplingContractError<name extends SamplingErrorName = SamplingErrorName> extends DepinferContractError<name, SamplingErrorArgs<name>> {}

const isHex = (value: unknown): value is Hex => typeof value === "string" && /^0x[0-9a-fA-F]{8,}$/.test(value);

/**
 * Turns a viem error from a call to the SampledVerifier (or a randomness source) into its typed
 * error: a `SamplingContractError`, or the market's own typed error (`sample` opens a dispute on the
 * market, whose reverts bubble up). `undefined` when it is neither.
 *
 * @example
 * const err = decodeSamplingError(e)
 * if (err?.errorName === "RandomnessSeedNotReady") await revealEpoch(...)
 */
export function decodeSamplingError(error: unknown): DepinferContractError | undefined {
  if (error instanceof DepinferContractError) return error;
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  let data: Hex | undefined = reverted && isHex(reverted.raw) ? reverted.raw : undefined;
  if (!data) {
    const withData = error.walk((e) => {
      const d = (e as { data?: unknown } | null)?.data;
      return isHex(d) || isHex((d as { data?: unknown } | null | undefined)?.data);
    }) as { data?: Hex | { data?: Hex } } | null;
    const d = withData?.data;
    data = isHex(d) ? d : isHex(d?.data) ? d.data : undefined;
  }
  if (data) {
    try {
      const decoded = decodeErrorResult({ abi: samplingErrorsAbi, data });
      const name = decoded.errorName as SamplingErrorName;
      const item = samplingErrorsAbi.find((i) => i.name === name)!;
      const args: Record<string, unknown> = {};
      item.inputs.forEach((input, i) => (args[input.name || String(i)] = (decoded.args as readonly unknown[] | undefined)?.[i]));
      const hint = (samplingErrorHints[name] as (a: Record<string, unknown>) => string)(args);
      return new SamplingContractError(name, { args: args as never, cause: error, hint });
    } catch {
      // not one of the module's: maybe the market's
    }
  }
  return decodeDepinferError(error);
}
