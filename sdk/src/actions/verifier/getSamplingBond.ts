import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertHasCode } from "../../utils/validate.js";

export interface GetSamplingBondParameters {
  sampledVerifier: Address;
  provider: Address;
  /** Also read the bond that covered a job submitted at this time (unix seconds). */
  at?: number | bigint | undefined;
}

export interface GetSamplingBondReturnType {
  /** Stake locked as the bond now (0: none). */
  amount: bigint;
  /** Counts the provider's bonds: an upheld check slashes the cycle that covered its job. */
  cycle: number;
  /** When this cycle was first posted: it covers jobs submitted from then on. */
  postedAt: number;
  /** When its release was asked for (undefined: not asked); jobs from then on are not covered. */
  requestedAt?: number | undefined;
  /** When it may be withdrawn (undefined: no release asked for). */
  releaseAt?: number | undefined;
  /** The bond that covered a job submitted at `at` (given `at`). */
  amountAt?: bigint | undefined;
}

/** A module address without code (`NoContractError`), else viem's read errors. */
export type GetSamplingBondErrorType = InvalidAddressError | NoContractError | ReadContractErrorType;

/**
 * Reads a provider's standing sampling bond and, optionally, the bond that covered a job it
 * submitted at a given time (the one its rate and slash are computed from).
 *
 * @example
 * const bond = await getSamplingBond(publicClient, { sampledVerifier, provider });
 * if (bond.releaseAt && bond.releaseAt <= Date.now() / 1000) await withdrawSamplingBond(providerWallet, { sampledVerifier });
 */
export async function getSamplingBond(client: Client, { sampledVerifier, provider, at }: GetSamplingBondParameters): Promise<GetSamplingBondReturnType> {
  await assertHasCode(client, sampledVerifier, "sampledVerifier");
  const [bond, amountAt] = await Promise.all([
    readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "bondOf", args: [provider] }),
    at === undefined ? undefined : readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "bondAt", args: [provider, BigInt(at)] }),
  ]);
  return {
    amount: bond.amount,
    cycle: bond.cycle,
    postedAt: Number(bond.postedAt),
    requestedAt: bond.requestedAt === 0 ? undefined : Number(bond.requestedAt),
    releaseAt: bond.releaseAt === 0 ? undefined : Number(bond.releaseAt),
    amountAt,
  };
}
