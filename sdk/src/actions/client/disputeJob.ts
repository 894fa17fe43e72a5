import {
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type SimulateContractErrorType,
  type Transport,
  type WriteContractErrorType,
} from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import {
  type DisputeByProviderError,
  type DisputeNoVerifierError,
  type ERC20InsufficientBalanceError,
  type FeeOnTransferTokenError,
  type JobChallengeWindowClosedError,
  type JobUnknownError,
  type JobWrongStatusError,
  type ModelNotRegisteredError,
  type ModuleNotActiveError,
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

export interface DisputeJobParameters {
  market: Address;
  job: Job;
  /**
   * Where the challenger's evidence is: a URI or a content hash, published in the `DisputeOpened`
   * event for the verifier (default `""`: the dispute is still ruled on its merits).
   */
  evidence?: string;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

export interface DisputeJobReturnType {
  hash: Hash;
  /** The bond posted, in the job's token: `max(price × bondRatio, bondFloor)`. */
  bond: bigint;
}

/**
 * The typed reverts it can throw: the job is not submitted or its window closed, the caller is the
 * job's provider (or a key that signed for it), the model is unregistered or its class has no
 * active verifier module, or the bond could not be pulled.
 */
export type DisputeJobErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | JobUnknownError
  | JobWrongStatusError
  | JobChallengeWindowClosedError
  | DisputeByProviderError
  | ModelNotRegisteredError
  | DisputeNoVerifierError
  | ModuleNotActiveError
  | FeeOnTransferTokenError
  | SafeERC20FailedOperationError
  | ERC20InsufficientBalanceError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Opens a dispute on a submitted job inside its challenge window, posting the bond in the job's
 * token (approved first if needed; a USDT-style token is reset to 0 first when it requires). The verifier module for the job's class then rules; others may
 * join the dispute with the same bond ({@link joinDispute}). The job's provider and its current
 * signer key may not dispute it: that throws `DisputeByProviderError` before an approval is sent.
 *
 * @example
 * const { hash, bond } = await disputeJob(walletClient, { market, job, evidence: "ipfs://bafy…" });
 */
export async function disputeJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, job, evidence = "", account }: DisputeJobParameters,
): Promise<DisputeJobReturnType> {
  assertJob(job);
  const signer = await prepareWrite(client, { market, account, action: "disputeJob" });
  const jobId = jobIdOf(job);
  const caller = signer.address;
  const [params, tokenConfig, state] = await Promise.all([
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "paramsAt", args: [job.paramsVersion] }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "paymentToken", args: [job.token] }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] }),
  ]);
  if (state.status === JobStatus.Submitted) {
    await assertNotProvider(client, market, jobId, state.provider, caller);
  }
  const ratioBond = (job.price * BigInt(params.bondRatioBps)) / 10_000n;
  const bond = ratioBond > tokenConfig.bondFloor ? ratioBond : tokenConfig.bondFloor;
  await ensureAllowance(client, job.token, market, bond, { account: signer });
  const { hash } = await writeMarket(client, market, "openDispute", [job, evidence], { account: signer, token: job.token });
  return { hash, bond };
}
