import { zeroAddress, type Address, type Client, type Hash, type Hex, type ReadContractErrorType } from "viem";
import { getContractEvents, readContract } from "viem/actions";

import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import type { NoContractError } from "../../errors/validation.js";
import { assertHasCode } from "../../utils/validate.js";

export interface GetFundedCheckParameters {
  sampledVerifier: Address;
  jobId: Hex;
  /** Where to look for the check's `FundedCheckSettled` event (default 0). */
  fromBlock?: bigint | undefined;
}

export interface GetFundedCheckReturnType {
  /** Who funded the job's check (`undefined`: nobody did). */
  funder: Address | undefined;
  /** Whether the check has ended and the funder's share is owed. */
  settled: boolean;
  /** The unused rewards owed back to the funder, in the job's token (0 until settled). */
  refund: bigint;
  /** The module's winnings owed to the funder if the provider was caught, in the stake token (0 otherwise). */
  winnings: bigint;
  /** The transaction that settled it. */
  transactionHash: Hash | undefined;
}

export type GetFundedCheckErrorType = NoContractError | ReadContractErrorType;

/**
 * Reads what a caller-funded check (docs/protocol.md 7.7) owes its funder once it has ended: the
 * unused rewards (`refund`, in the job's token) and, if the provider was caught, the module's winnings
 * (`winnings`, in the stake token). Both are credited to the funder's `owed` balance in the module;
 * collect them with `claimVerifierRewards` (once per token).
 *
 * @example
 * const { settled, refund, winnings } = await getFundedCheck(publicClient, { sampledVerifier, jobId });
 * if (settled && refund > 0n) await claimVerifierRewards(wallet, { sampledVerifier, token: job.token });
 */
export async function getFundedCheck(client: Client, { sampledVerifier, jobId, fromBlock = 0n }: GetFundedCheckParameters): Promise<GetFundedCheckReturnType> {
  await assertHasCode(client, sampledVerifier, "sampledVerifier");
  const funder = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "funderOf", args: [jobId] });
  const [settled] = await getContractEvents(client, {
    address: sampledVerifier,
    abi: sampledVerifierAbi,
    eventName: "FundedCheckSettled",
    args: { jobId },
    fromBlock,
    strict: true,
  });
  return {
    funder: funder === zeroAddress ? undefined : funder,
    settled: settled !== undefined,
    refund: settled?.args.refund ?? 0n,
    winnings: settled?.args.winnings ?? 0n,
    transactionHash: settled?.transactionHash,
  };
}
