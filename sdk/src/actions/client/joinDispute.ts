import {
  isAddressEqual,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type SimulateContractErrorType,
  type Transport,
  type WriteContractErrorType,
} from "viem";
import { getBlock, readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import {
  DisputeAlreadyJoinedError,
  type DisputeByProviderError,
  DisputeFullError,
  DisputeResolutionClosedError,
  type ERC20InsufficientBalanceError,
  type FeeOnTransferTokenError,
  type JobUnknownError,
  type JobWrongStatusError,
  type SafeERC20FailedOperationError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertJob } from "../../utils/validate.js";
import { JobStatus, type Job } from "../../types.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { jobIdOf } from "../../utils/jobId.js";
import { writeMarket } from "../../utils/write.js";
import { assertNotProvider } from "./notProvider.js";

/** The most challengers one dispute may have (`JobMarketBase.MAX_CHALLENGERS`). */
export const MAX_CHALLENGERS = 4;

export interface JoinDisputeParameters {
  market: Address;
  /** The disputed job's terms. */
  job: Job;
  /**
   * Where this challenger's evidence is: a URI or a content hash, published in the `DisputeJoined`
   * event for the verifier (default `""`).
   */
  evidence?: string;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

export interface JoinDisputeReturnType {
  hash: Hash;
  /** The bond posted, in the job's token: the same as the opener's. */
  bond: bigint;
}

/**
 * The typed reverts it can throw: the job is not disputed (`JobWrongStatusError`) or its dispute
 * past its resolution deadline, the caller is the job's provider (or a key that signed for it),
 * already a challenger, or the dispute is full (4 challengers), or the bond could not be pulled.
 */
export type JoinDisputeErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | JobUnknownError
  | JobWrongStatusError
  | DisputeResolutionClosedError
  | DisputeByProviderError
  | DisputeAlreadyJoinedError
  | DisputeFullError
  | FeeOnTransferTokenError
  | SafeERC20FailedOperationError
  | ERC20InsufficientBalanceError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Joins the open dispute of a job as a further challenger, posting the same bond as the opener in
 * the job's token (approved first if needed). A dispute opened by a sybil of the provider cannot
 * lock real challengers out: they join, and the verifier names the challenger whose evidence won
 * (it alone gets the reward; every bond comes back when the dispute is upheld). At most four
 * challengers, until the dispute's resolution deadline.
 *
 * A join the market would refuse because of who calls or when (the job's provider or its current
 * signer key, a challenger already in, a full or closed dispute) throws its typed error before anything
 * is sent, so no approval is spent on it.
 *
 * @example
 * const { hash, bond } = await joinDispute(walletClient, { market, job, evidence: "ipfs://bafy…" });
 */
export async function joinDispute<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, job, evidence = "", account }: JoinDisputeParameters,
): Promise<JoinDisputeReturnType> {
  assertJob(job);
  const signer = await prepareWrite(client, { market, account, action: "joinDispute" });
  const jobId = jobIdOf(job);
  const caller = signer.address;
  const [state, record, challengers, block] = await Promise.all([
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "dispute", args: [jobId] }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "disputeChallengers", args: [jobId] }),
    getBlock(client, { blockTag: "latest" }),
  ]);
  // Not disputed (or unknown): the simulation refuses with the job's status; nothing to approve.
  if (state.status === JobStatus.Disputed) {
    // The market's checks, in its order, at the earliest time the join could land.
    const landsAt = block.timestamp + 1n;
    const deadline = BigInt(record.deadline);
    if (landsAt > deadline) throw new DisputeResolutionClosedError({ args: { jobId, deadline, nowTime: landsAt } });
    await assertNotProvider(client, market, jobId, state.provider, caller);
    if (challengers.length >= MAX_CHALLENGERS) throw new DisputeFullError({ args: { jobId, maxChallengers: BigInt(MAX_CHALLENGERS) } });
    if (challengers.some((c) => isAddressEqual(c, caller))) throw new DisputeAlreadyJoinedError({ args: { jobId, challenger: caller } });
    await ensureAllowance(client, job.token, market, record.bond, { account: signer });
  }
  const bond = record.bond;
  const { hash } = await writeMarket(client, market, "joinDispute", [job, evidence], { account: signer, token: job.token });
  return { hash, bond };
}
