import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type AbiParameterToPrimitiveType, type Hex } from "viem";

import { redundancyModuleAbi } from "../abis/redundancyModule.js";
import { DepinferContractError, decodeDepinferError, type DepinferContractErrorParameters } from "./contract.js";

// Typed errors of the redundancy (k of n) module. Its own reverts (`Redundancy*`) decode here; a
// revert of the market bubbling up through the module (`moduleLock` in `commit`: the allowance, jail,
// free stake, pause) decodes as the market's typed error (`ModuleAllowanceExceededError`, ...).

type RedundancyErrorItem = Extract<(typeof redundancyModuleAbi)[number], { type: "error"; name: `Redundancy${string}` }>;

/** The name of a custom error of the redundancy module, e.g. `"RedundancyRevealClosed"`. */
export type RedundancyErrorName = RedundancyErrorItem["name"];

/** The arguments of error `name`, by ABI parameter name. */
export type RedundancyErrorArgs<name extends RedundancyErrorName> = {
  [param in Extract<RedundancyErrorItem, { name: name }>["inputs"][number] as param["name"]]: AbiParameterToPrimitiveType<param>;
};

/** Request states, by their on-chain value. */
export const redundancyStatusNames = ["None", "Open", "Contested", "Arbitration", "Settled"] as const;
/** Seat states, by their on-chain value. */
export const redundancySeatStatusNames = ["None", "Named", "Committed", "Revealed", "Paid", "Slashed", "Released", "Absent"] as const;

const at = (t: bigint) => {
  const ms = Number(t) * 1000;
  return Number.isFinite(ms) && ms <= 8.64e15 ? `${t} (${new Date(ms).toISOString()})` : `${t}`;
};

/** One sentence per error: what happened and what to do next. Typed from the ABI: a new error is a type error here. */
export const redundancyErrorHints: { [name in RedundancyErrorName]: (args: RedundancyErrorArgs<name>) => string } = {
  RedundancyProviderCount: ({ k, min, max }) => `${k} providers were named: name between ${min} and ${max} distinct providers.`,
  RedundancyZeroPrice: () => "The price per provider is zero: pay each provider a positive price (at least its offer).",
  RedundancyBadDeadline: ({ commitDeadline, earliest, latest }) =>
    `The commit deadline ${at(commitDeadline)} is outside [${at(earliest)}, ${at(latest)}]: choose one in that range.`,
  RedundancyModelUnsupported: ({ model, determinism, registered }) =>
    registered
      ? `Model ${model} has determinism ${determinism} (NONE): redundancy compares outputs, use an EXACT or TOLERANT model.`
      : `Model ${model} is not registered: register it, or check the id.`,
  RedundancyTokenNotAllowed: ({ token }) => `Token ${token} is not allow-listed by the market: pay in an allowed token.`,
  RedundancyCollateralOutOfRange: ({ collateral }) =>
    `The collateral per provider would be ${collateral} stake units (zero or above uint96): change the price.`,
  RedundancyProviderIneligible: ({ provider, model, token, price }) =>
    `Provider ${provider} is not registered or has no active offer for model ${model} in ${token} at or below ${price}: pick providers from getProviders().`,
  RedundancyNotDistinct: ({ providerA, providerB, key }) =>
    `Providers ${providerA} and ${providerB} share an account or signer key (${key}): they count as one operator, name another provider.`,
  RedundancyTransferMismatch: ({ expected, received }) =>
    `The token delivered ${received} instead of ${expected}: fee-on-transfer tokens are refused, pay with another token.`,
  RedundancyUnknownRequest: ({ id }) => `No request ${id}: check the id (requestRedundancySync returns it).`,
  RedundancyWrongStatus: ({ id, status }) =>
    `Request ${id} is ${redundancyStatusNames[status] ?? status}: read getRedundancyRequest() and take the step that state allows.`,
  RedundancyUnknownSeat: ({ id, seat, k }) => `Request ${id} has ${k} seats; seat ${seat} does not exist: pass your seat's index.`,
  RedundancySeatWrongStatus: ({ id, seat, status }) =>
    `Seat ${seat} of request ${id} is ${redundancySeatStatusNames[status] ?? status}: it has already taken this step, or must commit first.`,
  RedundancyNotSeatProvider: ({ id, seat, caller }) =>
    `${caller} is not the provider of seat ${seat} of request ${id}: send from the named provider's account.`,
  RedundancyZeroCommitment: () => "The commitment is zero: commit to commitmentOf(id, seat, provider, output, salt).",
  RedundancyCommitClosed: ({ id, deadline }) => `Request ${id} stopped taking commitments at ${at(deadline)}: it is too late to join.`,
  RedundancyRevealNotOpen: ({ id, commitDeadline }) =>
    `Reveals of request ${id} open once every seat committed, or after ${at(commitDeadline)}: reveal then (others could copy an early reveal).`,
  RedundancyRevealClosed: ({ id, deadline }) =>
    `The reveal phase of request ${id} ended at ${at(deadline)}: the seat will be slashed for not revealing when the request settles.`,
  RedundancyCommitmentMismatch: ({ id, seat }) =>
    `The output and salt do not match seat ${seat}'s commitment in request ${id}: reveal exactly what was committed (keep the salt).`,
  RedundancyNotSettleable: ({ id, readyAt }) => `Request ${id} cannot move on before ${at(readyAt)}: settle it then.`,
  RedundancyPhaseClosed: ({ id, deadline }) => `The appeal or ruling phase of request ${id} ended at ${at(deadline)}: call settle() instead.`,
  RedundancyNotMinority: ({ id, seat }) =>
    `Seat ${seat} of request ${id} is not in the outvoted minority: only a revealed minority seat may appeal.`,
  RedundancyRulingOutOfRange: ({ id, mask, revealedMask }) =>
    `The ruling mask ${mask} names seats outside the revealed ones (${revealedMask}) of request ${id}: rule on revealed seats only.`,
  RedundancyNothingToClaim: ({ account, token }) => `${account} has nothing to claim in ${token} from the redundancy module.`,
  RedundancyZeroAddress: () => "An address argument is zero: pass a real recipient.",
  RedundancyConfigOutOfBounds: ({ name, value, min, max }) => `${name} = ${value} is outside [${min}, ${max}]: deploy within the bounds.`,
};

/** A revert of the redundancy module, decoded: `errorName`, `args`, `hint`. Also a `DepinferContractError`. */
export class RedundancyContractError<name extends RedundancyErrorName = RedundancyErrorName> extends DepinferContractError<
  name,
  RedundancyErrorArgs<name>
> {
  constructor(errorName: name, parameters: DepinferContractErrorParameters<RedundancyErrorArgs<name>>) {
    const hint = (redundancyErrorHints[errorName] as (args: RedundancyErrorArgs<name>) => string)(parameters.args);
    super(errorName, { ...parameters, hint });
  }
}

/** The constructor of the typed error for `name`. */
export type RedundancyErrorConstructor<name extends RedundancyErrorName> = new (
  parameters: DepinferContractErrorParameters<RedundancyErrorArgs<name>>,
) => RedundancyContractError<name>;

/**
 * Builds the base class of one error's typed error. The return type is written out, as in
 * contract.ts: inferred, it would carry Node's `Error` statics into the published declarations.
 */
function redundancyError<const name extends RedundancyErrorName>(errorName: name): RedundancyErrorConstructor<name> {
  return class extends RedundancyContractError<name> {
    constructor(parameters: DepinferContractErrorParameters<RedundancyErrorArgs<name>>) {
      super(errorName, parameters);
    }
  };
}

export class RedundancyProviderCountError extends redundancyError("RedundancyProviderCount") {}
export class RedundancyZeroPriceError extends redundancyError("RedundancyZeroPrice") {}
export class RedundancyBadDeadlineError extends redundancyError("RedundancyBadDeadline") {}
export class RedundancyModelUnsupportedError extends redundancyError("RedundancyModelUnsupported") {}
export class RedundancyTokenNotAllowedError extends redundancyError("RedundancyTokenNotAllowed") {}
export class RedundancyCollateralOutOfRangeError extends redundancyError("RedundancyCollateralOutOfRange") {}
export class RedundancyProviderIneligibleError extends redundancyError("RedundancyProviderIneligible") {}
export class RedundancyNotDistinctError extends redundancyError("RedundancyNotDistinct") {}
export class RedundancyTransferMismatchError extends redundancyError("RedundancyTransferMismatch") {}
export class RedundancyUnknownRequestError extends redundancyError("RedundancyUnknownRequest") {}
export class RedundancyWrongStatusError extends redundancyError("RedundancyWrongStatus") {}
export class RedundancyUnknownSeatError extends redundancyError("RedundancyUnknownSeat") {}
export class RedundancySeatWrongStatusError extends redundancyError("RedundancySeatWrongStatus") {}
export class RedundancyNotSeatProviderError extends redundancyError("RedundancyNotSeatProvider") {}
export class RedundancyZeroCommitmentError extends redundancyError("RedundancyZeroCommitment") {}
export class RedundancyCommitClosedError extends redundancyError("RedundancyCommitClosed") {}
export class RedundancyRevealNotOpenError extends redundancyError("RedundancyRevealNotOpen") {}
export class RedundancyRevealClosedError extends redundancyError("RedundancyRevealClosed") {}
export class RedundancyCommitmentMismatchError extends redundancyError("RedundancyCommitmentMismatch") {}
export class RedundancyNotSettleableError extends redundancyError("RedundancyNotSettleable") {}
export class RedundancyPhaseClosedError extends redundancyError("RedundancyPhaseClosed") {}
export class RedundancyNotMinorityError extends redundancyError("RedundancyNotMinority") {}
export class RedundancyRulingOutOfRangeError extends redundancyError("RedundancyRulingOutOfRange") {}
export class RedundancyNothingToClaimError extends redundancyError("RedundancyNothingToClaim") {}
export class RedundancyZeroAddressError extends redundancyError("RedundancyZeroAddress") {}
export class RedundancyConfigOutOfBoundsError extends redundancyError("RedundancyConfigOutOfBounds") {}

type AnyRedundancyErrorClass = new (parameters: DepinferContractErrorParameters<Record<string, unknown>>) => RedundancyContractError;

/** The typed error class of every redundancy error, by name (a missing one is a type error). */
export const redundancyErrorClasses: { [name in RedundancyErrorName]: new (parameters: DepinferContractErrorParameters<RedundancyErrorArgs<name>>) => RedundancyContractError<name> } = {
  RedundancyProviderCount: RedundancyProviderCountError,
  RedundancyZeroPrice: RedundancyZeroPriceError,
  RedundancyBadDeadline: RedundancyBadDeadlineError,
  RedundancyModelUnsupported: RedundancyModelUnsupportedError,
  RedundancyTokenNotAllowed: RedundancyTokenNotAllowedError,
  RedundancyCollateralOutOfRange: RedundancyCollateralOutOfRangeError,
  RedundancyProviderIneligible: RedundancyProviderIneligibleError,
  RedundancyNotDistinct: RedundancyNotDistinctError,
  RedundancyTransferMismatch: RedundancyTransferMismatchError,
  RedundancyUnknownRequest: RedundancyUnknownRequestError,
  RedundancyWrongStatus: RedundancyWrongStatusError,
  RedundancyUnknownSeat: RedundancyUnknownSeatError,
  RedundancySeatWrongStatus: RedundancySeatWrongStatusError,
  RedundancyNotSeatProvider: RedundancyNotSeatProviderError,
  RedundancyZeroCommitment: RedundancyZeroCommitmentError,
  RedundancyCommitClosed: RedundancyCommitClosedError,
  RedundancyRevealNotOpen: RedundancyRevealNotOpenError,
  RedundancyRevealClosed: RedundancyRevealClosedError,
  RedundancyCommitmentMismatch: RedundancyCommitmentMismatchError,
  RedundancyNotSettleable: RedundancyNotSettleableError,
  RedundancyPhaseClosed: RedundancyPhaseClosedError,
  RedundancyNotMinority: RedundancyNotMinorityError,
  RedundancyRulingOutOfRange: RedundancyRulingOutOfRangeError,
  RedundancyNothingToClaim: RedundancyNothingToClaimError,
  RedundancyZeroAddress: RedundancyZeroAddressError,
  RedundancyConfigOutOfBounds: RedundancyConfigOutOfBoundsError,
};

const isHex = (value: unknown): value is Hex => typeof value === "string" && /^0x[0-9a-fA-F]{8,}$/.test(value);

/** The revert data anywhere in a viem error chain. */
function revertData(error: BaseError): Hex | undefined {
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted && isHex(reverted.raw)) return reverted.raw;
  const found = error.walk((e) => {
    const data = (e as { data?: unknown } | null)?.data;
    return isHex(data) || isHex((data as { data?: unknown } | null | undefined)?.data);
  }) as { data?: Hex | { data?: Hex } } | null;
  const data = found?.data;
  return isHex(data) ? data : isHex(data?.data) ? data.data : undefined;
}

/**
 * Turns a viem error from a call to the redundancy module into its typed error: a `Redundancy*`
 * revert as its class (`RedundancyRevealClosedError`, ...), a market or OpenZeppelin revert that
 * bubbled up as the market's typed error (`ModuleAllowanceExceededError`, `AccessManagedUnauthorizedError`).
 * Returns `undefined` for anything else.
 *
 * @example
 * try {
 *   await revealRedundancy(wallet, { module, id, seat, output, salt })
 * } catch (e) {
 *   const err = decodeRedundancyError(e)
 *   if (err instanceof RedundancyRevealNotOpenError) console.log(`reveal after ${err.args.commitDeadline}`)
 * }
 */
export function decodeRedundancyError(error: unknown): DepinferContractError | undefined {
  if (error instanceof DepinferContractError) return error;
  if (!(error instanceof BaseError)) return undefined;
  const data = revertData(error);
  if (data) {
    try {
      const decoded = decodeErrorResult({ abi: redundancyModuleAbi, data });
      if (Object.hasOwn(redundancyErrorClasses, decoded.errorName)) {
        const item = redundancyModuleAbi.find((i) => i.type === "error" && i.name === decoded.errorName) as RedundancyErrorItem;
        const values = (decoded.args ?? []) as readonly unknown[];
        const args: Record<string, unknown> = {};
        item.inputs.forEach((input, i) => {
          args[input.name] = values[i];
        });
        const ErrorClass = redundancyErrorClasses[decoded.errorName as RedundancyErrorName] as unknown as AnyRedundancyErrorClass;
        return new ErrorClass({ args, cause: error });
      }
    } catch {
      // not one of the module's own errors
    }
  }
  return decodeDepinferError(error);
}
