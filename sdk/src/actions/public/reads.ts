import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { prepareRead } from "../../utils/action.js";
import { assertAddress } from "../../utils/validate.js";

/** What the reads throw: a bad address before any request, a market address without code (`NoContractError`), else viem's errors. */
export type GetClaimableErrorType = InvalidAddressError | NoContractError | ReadContractErrorType;
/** What {@link getParams} throws (see {@link GetClaimableErrorType}). */
export type GetParamsErrorType = InvalidAddressError | NoContractError | ReadContractErrorType;
/** What {@link getStake} throws (see {@link GetClaimableErrorType}). */
export type GetStakeErrorType = InvalidAddressError | NoContractError | ReadContractErrorType;

/** Parameters of {@link getClaimable}. */
export interface GetClaimableParameters {
  market: Address;
  account: Address;
  token: Address;
}

/**
 * What `account` can claim or spend on jobs in `token`.
 *
 * @example
 * const amount = await getClaimable(publicClient, { market, account, token: usdc });
 */
export async function getClaimable(client: Client, { market, account, token }: GetClaimableParameters): Promise<bigint> {
  assertAddress("account", account);
  assertAddress("token", token);
  await prepareRead(client, market);
  return readContract(client, { address: market, abi: jobMarketAbi, functionName: "claimable", args: [account, token] });
}

/** Parameters of {@link getParams}. */
export interface GetParamsParameters {
  market: Address;
}

/**
 * The market's current job-bound parameters (with their version) and global settings.
 *
 * @example
 * const { params, version, thawingPeriod, paused } = await getParams(publicClient, { market });
 */
export async function getParams(client: Client, { market }: GetParamsParameters) {
  await prepareRead(client, market);
  const [[params, version], [stakeToken, treasury, thawingPeriod, minStake, paused]] = await Promise.all([
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "params" }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings" }),
  ]);
  return { params, version, stakeToken, treasury, thawingPeriod, minStake, paused };
}

/** Parameters of {@link getStake}. */
export interface GetStakeParameters {
  market: Address;
  provider: Address;
}

/**
 * A provider's stake: bonded (`staked`), `locked` as collateral, `free` to back new jobs or
 * unstake, `thawing` (still slashable), its pending thaw requests, and its standing.
 *
 * @example
 * const { free, thawing, jailedUntil } = await getStake(publicClient, { market, provider });
 */
export async function getStake(client: Client, { market, provider }: GetStakeParameters) {
  assertAddress("provider", provider);
  await prepareRead(client, market);
  const [info, requests] = await Promise.all([
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "provider", args: [provider] }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "thawRequests", args: [provider] }),
  ]);
  return {
    staked: info.staked,
    locked: info.locked,
    free: info.staked - info.locked,
    thawing: info.thawing,
    thawRequests: requests.map((r) => ({ amount: r.amount, readyAt: Number(r.readyAt) })),
    jailedUntil: Number(info.jailedUntil),
    registered: info.registered,
    signer: info.signer,
  };
}
