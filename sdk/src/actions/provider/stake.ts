import {
  erc20Abi,
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
import { approve } from "../../utils/erc20.js";
import { writeMarket } from "../../utils/write.js";

export interface StakeParameters {
  market: Address;
  /** How much to stake, in stake-token units. */
  amount: bigint;
  /** The market's stake token (default: read from `settings()`). */
  stakeToken?: Address;
}

export interface StakeReturnType {
  /** The `stake` transaction. */
  hash: Hash;
  /** The approval sent (and mined) first, when the allowance was short. */
  approvalHash?: Hash;
}

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (reads, transport, signing, ...). */
export type StakeErrorType =
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
 * first approves exactly `amount` and waits for that approval to be mined, so that the `stake`
 * call can be simulated (and then sent) against it.
 *
 * @example
 * const { hash, approvalHash } = await stake(providerClient, { market, amount: 1_000n * 10n ** 18n });
 */
export async function stake<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, amount, stakeToken }: StakeParameters,
): Promise<StakeReturnType> {
  const token =
    stakeToken ?? (await readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings" }))[0];
  const allowance = await readContract(client, {
    address: token,
    abi: erc20Abi,
    functionName: "allowance",
    args: [client.account.address, market],
  });
  // Exactly `amount`, not unlimited: the stake token also carries votes.
  const approvalHash: Hash | undefined = allowance < amount ? await approve(client, token, market, amount) : undefined;
  const { hash } = await writeMarket(client, market, "stake", [amount]);
  return { hash, approvalHash };
}
