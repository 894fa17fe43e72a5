import type { Address, Hash, Hex } from "viem";

import { DepinferError } from "./base.js";

// Errors the SDK throws before it sends anything (bad input, wrong chain, missing funds, an
// offer the price does not meet), and for what happens to a transaction after it is sent
// (the user declines it in the wallet, or it is mined but reverts). Each short message says
// what went wrong and what to do; the values that caused it are fields on the error.

/** A unix time as `1700000000 (2023-11-14T22:13:20.000Z)`. */
const time = (t: bigint) => {
  const ms = Number(t) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? `${t} (${new Date(ms).toISOString()})` : `${t}`;
};

/** A value as it was given, for messages: strings quoted, bigints with `n`, the rest as JSON where possible. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") return `${value} (number)`;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/** Why an address was refused. */
export type InvalidAddressReason = "not an address" | "bad checksum" | "zero address";

export type InvalidAddressErrorType = InvalidAddressError & { name: "InvalidAddressError" };

/** A parameter that must be an address is not one (or is the zero address where a real account is needed). */
export class InvalidAddressError extends DepinferError {
  /** The parameter, e.g. `"token"`. */
  readonly field: string;
  /** The value given. */
  readonly value: unknown;
  readonly reason: InvalidAddressReason;

  constructor({ field, value, reason = "not an address" }: { field: string; value: unknown; reason?: InvalidAddressReason }) {
    const what = {
      "not an address": "is not an address: pass a 20-byte hex string starting with 0x (40 hex digits).",
      "bad checksum":
        "has mixed case that does not match its EIP-55 checksum, which usually means a typo: copy the address again, or pass it all lower case.",
      "zero address": "is the zero address: pass a real account or contract.",
    }[reason];
    super(`${field} ${what}`, {
      docsPath: "/docs/errors/validation",
      docsSlug: "invalidaddress",
      metaMessages: [`${field}: ${describeValue(value)}`],
      name: "InvalidAddressError",
    });
    this.field = field;
    this.value = value;
    this.reason = reason;
  }
}

export type InvalidParameterErrorType = InvalidParameterError & { name: "InvalidParameterError" };

/** A parameter is not of the shape the market takes (a hash of the wrong length, an unknown enum value), refused before any request. */
export class InvalidParameterError extends DepinferError {
  /** The parameter, e.g. `"weightsHash"`. */
  readonly field: string;
  /** The value given. */
  readonly value: unknown;

  constructor({ name, value, expected }: { name: string; value: unknown; expected: string }) {
    super(`${name} is not ${expected}.`, {
      docsPath: "/docs/errors/validation",
      docsSlug: "invalidparameter",
      metaMessages: [`${name}: ${describeValue(value)}`],
      name: "InvalidParameterError",
    });
    this.field = name;
    this.value = value;
  }
}

/** Why an amount was refused. */
export type InvalidAmountReason = "not a bigint" | "negative" | "too many decimals" | "zero" | "not a decimal number" | "above bound";

export type InvalidAmountErrorType = InvalidAmountError & { name: "InvalidAmountError" };

/** An amount (a price, a deposit, a stake) is not a usable token amount. */
export class InvalidAmountError extends DepinferError {
  readonly field: string;
  /** The value given. */
  readonly value: unknown;
  readonly reason: InvalidAmountReason;
  /** The token's decimals, for `"too many decimals"`. */
  readonly decimals: number | undefined;
  /** For `"above bound"`: the Solidity type of the contract's field, e.g. `"uint96"`. */
  readonly bound: string | undefined;
  /** For `"above bound"`: the largest value the field holds. */
  readonly max: bigint | undefined;

  constructor({
    field,
    value,
    reason,
    decimals,
    bound,
    max,
  }: {
    field: string;
    value: unknown;
    reason: InvalidAmountReason;
    decimals?: number | undefined;
    bound?: string | undefined;
    max?: bigint | undefined;
  }) {
    const what = {
      "not a bigint":
        typeof value === "number"
          ? `is a number: pass a bigint in the token's smallest unit (e.g. ${Number.isSafeInteger(value) ? `${value}n` : "2_000_000n for 2 USDC"}), or a decimal string through parseAmount(). Numbers lose precision above 2^53.`
          : "is not a bigint: pass the amount in the token's smallest unit as a bigint (e.g. 2_000_000n for 2 USDC), or a decimal string through parseAmount().",
      negative: "is negative: pass an amount of zero or more.",
      "too many decimals": `has more decimals than the token's ${decimals}: round it to at most ${decimals} decimal places.`,
      zero: "is zero: pass a positive amount.",
      "not a decimal number": 'is not a decimal number: pass digits with at most one ".", e.g. "2.5" (no sign, exponent or separators).',
      "above bound": `is above what the contract can hold: it is a ${bound}, at most ${max}; lower it (nothing was sent).`,
    }[reason];
    super(`${field} ${what}`, {
      docsPath: "/docs/errors/validation",
      docsSlug: "invalidamount",
      metaMessages: [
        `${field}: ${describeValue(value)}`,
        ...(decimals === undefined ? [] : [`token decimals: ${decimals}`]),
        ...(max === undefined ? [] : [`bound: ${bound}, max ${max}`]),
      ],
      name: "InvalidAmountError",
    });
    this.field = field;
    this.value = value;
    this.reason = reason;
    this.decimals = decimals;
    this.bound = bound;
    this.max = max;
  }
}

export type DeadlineExpiredErrorType = DeadlineExpiredError & { name: "DeadlineExpiredError" };

/** A deadline is not after the current (chain) time: the contract would revert with `JobDeadlineInPast`. */
export class DeadlineExpiredError extends DepinferError {
  /** The deadline, unix seconds. */
  readonly deadline: bigint;
  /** The time it was checked against, unix seconds (chain time). */
  readonly now: bigint;

  constructor({ deadline, now }: { deadline: bigint; now: bigint }) {
    super(
      `The deadline ${time(deadline)} is not after the current time ${time(now)}: pick a later deadline (a timeout in seconds from now).`,
      {
        docsPath: "/docs/errors/validation",
        docsSlug: "deadlineexpired",
        metaMessages: ["Deadlines are checked against the chain's block time, which can differ from this machine's clock."],
        name: "DeadlineExpiredError",
      },
    );
    this.deadline = deadline;
    this.now = now;
  }
}

export type AccountNotFoundErrorType = AccountNotFoundError & { name: "AccountNotFoundError" };

/**
 * A write was called without an account: neither the call's `account` parameter nor the client's
 * account is set (a public client, or a wagmi `getClient()` client). Thrown before any request.
 */
export class AccountNotFoundError extends DepinferError {
  /** The SDK action, e.g. `"submitJob"`. */
  readonly action: string;

  constructor({ action }: { action: string }) {
    super(`${action} sends a transaction but has no account: pass { account } to the call, or use a client with an account.`, {
      docsPath: "/docs/errors/validation",
      docsSlug: "accountnotfound",
      metaMessages: ["Reads work on any client; writes need the account that signs, per call or on the client (as in viem)."],
      name: "AccountNotFoundError",
    });
    this.action = action;
  }
}

export type DeploymentNotFoundErrorType = DeploymentNotFoundError & { name: "DeploymentNotFoundError" };

/**
 * No market address for the client: the package ships no deployment for its chain, and no
 * `deployment` (with a `market`) was passed. The message says which of the two was looked for.
 */
export class DeploymentNotFoundError extends DepinferError {
  /** The client's chain id, or undefined for a client without a chain. */
  readonly chainId: number | undefined;
  /** The chain ids whose deployments ship with this package. */
  readonly knownChainIds: readonly number[];
  /** Whether a `deployment` parameter was given (without a `market`). */
  readonly deploymentGiven: boolean;

  constructor({
    chainId,
    chainName,
    knownChainIds,
    deploymentGiven,
  }: {
    chainId: number | undefined;
    chainName?: string | undefined;
    knownChainIds: readonly number[];
    deploymentGiven: boolean;
  }) {
    const chain = chainId === undefined ? "a client without a chain" : `chain ${chainId}${chainName ? ` (${chainName})` : ""}`;
    super(
      `No Depinfer deployment for ${chain}: the package ships none for it, and ${deploymentGiven ? "the deployment parameter has no market" : "no deployment parameter was passed"}. Pass { deployment: { market } }.`,
      {
        docsPath: "/docs/errors/validation",
        docsSlug: "deploymentnotfound",
        metaMessages: [
          `shipped deployments: ${knownChainIds.length === 0 ? "none" : `chains ${knownChainIds.join(", ")}`}`,
          `deployment parameter: ${deploymentGiven ? "given, without market" : "not given"}`,
        ],
        name: "DeploymentNotFoundError",
      },
    );
    this.chainId = chainId;
    this.knownChainIds = knownChainIds;
    this.deploymentGiven = deploymentGiven;
  }
}

/**
 * A redundancy action was called through the client's methods without a `module`, and the client's
 * deployment names no redundancy module (a deployment recorded before it was deployed, or none shipped
 * for the chain). Pass `{ module }` to the call, or `deployment: { redundancyModule }` to the client.
 */
export class RedundancyModuleNotFoundError extends DepinferError {
  /** The client's chain id, or undefined for a client without a chain. */
  readonly chainId: number | undefined;

  constructor({ chainId, action }: { chainId: number | undefined; action: string }) {
    super(
      `${action}: no redundancy module is known for ${chainId === undefined ? "a client without a chain" : `chain ${chainId}`}. Pass { module } to the call, or create the client with { deployment: { market, redundancyModule } } (the deployment record's redundancyModule).`,
      { docsPath: "/docs/errors/validation", docsSlug: "redundancymodulenotfound", metaMessages: [`action: ${action}`], name: "RedundancyModuleNotFoundError" },
    );
    this.chainId = chainId;
  }
}

// ---------------------------------------------------------------------------------------------
// Chain state
// ---------------------------------------------------------------------------------------------

export type WrongChainErrorType = WrongChainError & { name: "WrongChainError" };

/**
 * The node is on another chain than the one expected (the client's `chain`, or the id asked for).
 * Not viem's `WrongChainError` (which compares the wallet's chain at send time): this one is
 * thrown before anything is prepared.
 */
export class WrongChainError extends DepinferError {
  readonly expectedChainId: number;
  /** The chain id the node reported (`eth_chainId`), or the client's configured chain. */
  readonly actualChainId: number;

  constructor({ expectedChainId, actualChainId }: { expectedChainId: number; actualChainId: number }) {
    super(
      `Expected chain ${expectedChainId} but the client is on chain ${actualChainId}: switch the wallet or RPC URL to chain ${expectedChainId}, or create the client with the chain you mean.`,
      {
        docsPath: "/docs/errors/validation",
        docsSlug: "chainmismatch",
        metaMessages: [`expected chain id: ${expectedChainId}`, `actual chain id:   ${actualChainId}`],
        name: "WrongChainError",
      },
    );
    this.expectedChainId = expectedChainId;
    this.actualChainId = actualChainId;
  }
}

export type NoContractErrorType = NoContractError & { name: "NoContractError" };

/** There is no contract at an address that must hold one (the market, a token): wrong chain, or a wrong address. */
export class NoContractError extends DepinferError {
  readonly address: Address;
  /** The parameter that held the address, e.g. `"market"`. */
  readonly field: string;

  constructor({ address, field }: { address: Address; field: string }) {
    super(
      `There is no contract at ${field} ${address} on this chain: check that the address is the deployment for this chain, and that the client is connected to the right chain.`,
      {
        docsPath: "/docs/errors/validation",
        docsSlug: "nocontract",
        metaMessages: [`${field}: ${address}`],
        name: "NoContractError",
      },
    );
    this.address = address;
    this.field = field;
  }
}

export type InsufficientBalanceErrorType = InsufficientBalanceError & { name: "InsufficientBalanceError" };

/** The account holds less of the token than the call needs. */
export class InsufficientBalanceError extends DepinferError {
  readonly token: Address;
  readonly account: Address;
  readonly needed: bigint;
  readonly available: bigint;
  /** `needed - available`. */
  readonly missing: bigint;

  constructor({
    token,
    account,
    needed,
    available,
    missing = needed - available,
  }: {
    token: Address;
    account: Address;
    needed: bigint;
    available: bigint;
    missing?: bigint;
  }) {
    super(
      `Account ${account} holds ${available} of token ${token} but needs ${needed}: add at least ${missing} to its balance, or lower the amount.`,
      {
        docsPath: "/docs/errors/validation",
        docsSlug: "insufficientbalance",
        metaMessages: [`needed:    ${needed}`, `available: ${available}`, `missing:   ${missing}`],
        name: "InsufficientBalanceError",
      },
    );
    this.token = token;
    this.account = account;
    this.needed = needed;
    this.available = available;
    this.missing = missing;
  }
}

export type InsufficientAllowanceErrorType = InsufficientAllowanceError & { name: "InsufficientAllowanceError" };

/** The account has approved the spender (the market) for less of the token than the call needs. */
export class InsufficientAllowanceError extends DepinferError {
  readonly token: Address;
  readonly account: Address;
  readonly spender: Address;
  readonly needed: bigint;
  readonly available: bigint;
  /** `needed - available`. */
  readonly missing: bigint;

  constructor({
    token,
    account,
    spender,
    needed,
    available,
    missing = needed - available,
  }: {
    token: Address;
    account: Address;
    spender: Address;
    needed: bigint;
    available: bigint;
    missing?: bigint;
  }) {
    super(
      `Account ${account} allows ${spender} to spend ${available} of token ${token} but the call needs ${needed}: approve at least ${needed} (${missing} more), or sign an EIP-2612 permit.`,
      {
        docsPath: "/docs/errors/validation",
        docsSlug: "insufficientallowance",
        metaMessages: [`needed:    ${needed}`, `available: ${available}`, `missing:   ${missing}`],
        name: "InsufficientAllowanceError",
      },
    );
    this.token = token;
    this.account = account;
    this.spender = spender;
    this.needed = needed;
    this.available = available;
    this.missing = missing;
  }
}

export type PriceBelowOfferErrorType = PriceBelowOfferError & { name: "PriceBelowOfferError" };

/** A job's price is below the designated provider's active offer, so the provider could not accept it. */
export class PriceBelowOfferError extends DepinferError {
  readonly provider: Address;
  readonly model: Hex;
  /** The job's price. */
  readonly price: bigint;
  /** The provider's offer price for the model. */
  readonly offerPrice: bigint;

  constructor({ provider, model, price, offerPrice }: { provider: Address; model: Hex; price: bigint; offerPrice: bigint }) {
    super(
      `Provider ${provider} asks ${offerPrice} for model ${model} but the job pays ${price}: raise the price to at least ${offerPrice}, or choose another provider (getProviders()).`,
      {
        docsPath: "/docs/errors/validation",
        docsSlug: "pricebelowoffer",
        metaMessages: [`price:       ${price}`, `offer price: ${offerPrice}`, `short by:    ${offerPrice - price}`],
        name: "PriceBelowOfferError",
      },
    );
    this.provider = provider;
    this.model = model;
    this.price = price;
    this.offerPrice = offerPrice;
  }
}

// ---------------------------------------------------------------------------------------------
// After sending
// ---------------------------------------------------------------------------------------------

export type UserRejectedErrorType = UserRejectedError & { name: "UserRejectedError" };

/**
 * The user declined the request in the wallet. Not a failure: nothing was signed or sent, so an
 * app should return to where it was, quietly, rather than report an error.
 */
export class UserRejectedError extends DepinferError {
  /** The SDK action the user was asked to sign, e.g. `"submitJob"`. */
  readonly action: string;
  /** Always true: lets an app tell a choice of the user from a failure without `instanceof`. */
  readonly isUserRejection = true as const;

  constructor({ action, cause }: { action: string; cause?: Error | undefined }) {
    super(`The user declined ${action} in the wallet: nothing was sent; ask again if they meant to go ahead.`, {
      cause,
      docsPath: "/docs/errors/transaction",
      docsSlug: "userrejected",
      name: "UserRejectedError",
    });
    this.action = action;
  }
}

export type TransactionRevertedErrorType = TransactionRevertedError & { name: "TransactionRevertedError" };

/**
 * A transaction was mined but reverted: its gas was paid and its state changes undone. Usually the
 * state changed between simulation and inclusion (another transaction got there first).
 */
export class TransactionRevertedError extends DepinferError {
  readonly hash: Hash;
  readonly blockNumber: bigint;
  /** The contract function the transaction called, e.g. `"finalizeJob"`. */
  readonly functionName: string;

  constructor({
    hash,
    blockNumber,
    functionName,
    cause,
  }: {
    hash: Hash;
    blockNumber: bigint;
    functionName: string;
    /** The decoded revert reason, when a replay found one. */
    cause?: Error | undefined;
  }) {
    super(
      `The ${functionName} transaction ${hash} was mined in block ${blockNumber} but reverted (its gas was spent, nothing else changed): read the state again and retry if the call still applies.`,
      {
        cause,
        docsPath: "/docs/errors/transaction",
        docsSlug: "transactionreverted",
        metaMessages: [
          `transaction: ${hash}`,
          `block:       ${blockNumber}`,
          `function:    ${functionName}`,
          ...(cause && "shortMessage" in cause ? ["", `Likely reason (replayed on the block before): ${String(cause.shortMessage)}`] : []),
        ],
        name: "TransactionRevertedError",
      },
    );
    this.hash = hash;
    this.blockNumber = blockNumber;
    this.functionName = functionName;
  }
}
