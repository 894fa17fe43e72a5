import {
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type ReadContractErrorType,
  type SimulateContractErrorType,
  type Transport,
  type WaitForTransactionReceiptErrorType,
  type WriteContractErrorType,
} from "viem";
import { readContract } from "viem/actions";


import { jobMarketAbi } from "../../abis/jobMarket.js";
import type {
  AmountTooLargeError,
  AmountZeroError,
  EnforcedPauseError,
  ProviderNotRegisteredError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { assertAddress, assertAmount } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface StakeParameters {
  market: Address;
  /** How much to stake, in stake-token units, at most 2^96 − 1 (stake is a uint96). */
  amount: bigint;
  /** The market's stake token (default: read from `settings()`). */
  stakeToken?: Address;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

export interface StakeReturnType {
  /** The `stake` transaction. */
  hash: Hash;
  /** The approval sent (and mined) first, when the allowance was short. */
  approvalHash?: Hash;
  /** Every approval sent, in order: a USDT-style token that refuses a non-zero to non-zero change is reset to 0 first. */
  approvalHashes: Hash[];
}

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (reads, transport, signing, ...). */
export type StakeErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | ProviderNotRegisteredError
  | AmountZeroError
  | AmountTooLargeError
  | EnforcedPauseError
  | ReadContractErrorType
  | SimulateContractErrorType
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

/**
 * Adds `amount` of the stake token to the client's stake. When the market's allowance is short it
 * first approves exactly `amount` (after a reset to 0, for a token that refuses to change a
 * non-zero allowance) and waits for that approval to be mined, so that the `stake` call can be
 * simulated (and then sent) against it.
 *
 * @example
 * const { hash, approvalHash } = await stake(providerClient, { market, amount: 1_000n * 10n ** 18n });
 */
export async function stake<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, amount, stakeToken, account }: StakeParameters,
): Promise<StakeReturnType> {
  if (stakeToken !== undefined) assertAddress("stakeToken", stakeToken);
  assertAmount("amount", amount, { allowZero: true, bound: "uint96" }); // zero: the market's own AmountZero
  const signer = await prepareWrite(client, { market, account, action: "stake" });
  const token =
    stakeToken ?? (await readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings" }))[0];
  // Exactly `amount`, not unlimited: the stake token also carries votes.
  const approvalHashes = await ensureAllowance(client, token, market, amount, { account: signer, exact: true });
  const { hash } = await writeMarket(client, market, "stake", [amount], { account: signer, token });
  return { hash, approvalHash: approvalHashes.at(-1), approvalHashes };
}
