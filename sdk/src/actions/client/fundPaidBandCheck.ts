import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  parseEventLogs,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type Transport,
} from "viem";
import { getBlock, readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import { PaidBandCheckFundsError, PaidBandCheckWindowClosedError } from "../../errors/paidBand.js";
import type { PaidBandCheckFundsErrorType, PaidBandCheckWindowClosedErrorType } from "../../errors/paidBand.js";
import { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import { JobStatus, jobStatusName, type Job, type JobStatusName } from "../../types.js";
import { approve as approveToken, erc20Abi } from "../../utils/erc20.js";
import { waitForSuccess } from "../../utils/transactions.js";
import { assertJob, resolveAccount } from "../../utils/validate.js";
import { getJob } from "../public/getJob.js";
import { getJobSampling, type SamplingBandName } from "../verifier/getJobSampling.js";
import { writeSampling, type VerifierAccount } from "../verifier/write.js";
import { sleep } from "../../utils/sleep.js";

/** How a paid-band check is funded: `waitForResult`'s `fundChecks` option, and {@link fundPaidBandCheck}'s. */
export interface FundChecksOptions {
  /**
   * The most the SDK pays in for one check, in the job's token (default: 4 × the job's price, which
   * covers the deployed `(1 + k) × R` = 3.75 × the price). A check that costs more is not funded
   * (`status: "overBudget"`), and the module's allowance is set to the check's cost, so the module can
   * never pull more than the budget, whatever the chain's parameters say.
   */
  budget?: bigint | undefined;
  /** The SampledVerifier (default: the market's verifier of the job's class, if it is one). */
  sampledVerifier?: Address | undefined;
  /** Who pays (default: the client's account). */
  account?: VerifierAccount;
  /**
   * Approve the module for exactly the check's cost when the allowance is short or above the budget
   * (default true). With false, an allowance below the cost is a `PaidBandCheckFundsError`.
   */
  approve?: boolean | undefined;
}

export interface FundPaidBandCheckParameters extends FundChecksOptions {
  market: Address;
  jobId: Hex;
  /** The job's terms (default: read from its `JobCreated` event, from `fromBlock`). */
  job?: Job | undefined;
  /** The provider's attested output hash and signature, as in its `ResultSubmitted` event. */
  outputHash: Hex;
  signature: Hex;
  /** Where to look for the job's `JobCreated` event when `job` is not given (default 0). */
  fromBlock?: bigint | undefined;
  /** Milliseconds between polls while the draw's seed is not revealed (default: the client's `pollingInterval`). */
  pollingInterval?: number | undefined;
  /** Stops waiting for the seed: rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/** What the SDK found and did about a job's paid-band check. */
export interface PaidBandCheckReport {
  /**
   * - `funded`: drawn in the caller-paid band; the SDK paid `paid` and the check runs;
   * - `alreadyFunded`: drawn there, and someone (`funder`) had funded it already;
   * - `fundBand`: drawn below the base rate: the module's fund pays, any keeper starts it (`sampleJob`);
   * - `unsampled`: not drawn; `overBudget`: drawn in the band, but `cost` > `budget`: not funded;
   * - `notRouted`: the job's class is not judged by a SampledVerifier; `jobNotSubmitted`: the job left
   *   `Submitted` first (finalized, or disputed: then it is checked anyway); `disabled`: `fundChecks: false`;
   * - `drawPending` (`waitForResult` only): its `timeoutMs` passed before the draw was known; nothing was
   *   paid (`budget` is the one asked for, 0 for the default); fund it later with `fundPaidBandCheck`.
   */
  status: "funded" | "alreadyFunded" | "fundBand" | "unsampled" | "overBudget" | "notRouted" | "jobNotSubmitted" | "disabled" | "drawPending";
  /** Whether the job is (or, in the fund's band, is due to be) re-executed by a verifier. */
  checked: boolean;
  /** What this call paid in, in the job's token (`0n` unless `funded`). Collect the unused part when the check ends: {@link getFundedCheck}, `claimVerifierRewards`. */
  paid: bigint;
  budget: bigint;
  sampledVerifier?: Address | undefined;
  band?: SamplingBandName | undefined;
  draw?: number | undefined;
  baseRateBps?: number | undefined;
  rateBps?: number | undefined;
  /** `(1 + escalationVerifiers) × verifierRewardBps × price`, for a draw in the caller-paid band. */
  cost?: bigint | undefined;
  funder?: Address | undefined;
  hash?: Hash | undefined;
  /** The end of the job's challenge window, the funding window's end (unix seconds). */
  windowEndsAt?: bigint | undefined;
  jobStatus?: JobStatusName | undefined;
}

export type FundPaidBandCheckErrorType =
  | PaidBandCheckFundsErrorType
  | PaidBandCheckWindowClosedErrorType
  | SamplingContractError
  | AccountNotFoundError
  | NoContractError
  | Error;

/**
 * Funds a submitted job's check if its draw fell in the caller-paid band (docs/economics.md 6.6,
 * docs/protocol.md 7.7): finds the SampledVerifier that judges the job's class, waits until the draw
 * can be read (the submission epoch's seed), and if the job is in the band pays `(1 + k) × R` with
 * `fundCheck` within the budget. When the check ends the payer is owed the unused rewards and, if the
 * provider was caught, the module's winnings ({@link getFundedCheck}, then `claimVerifierRewards`).
 * `waitForResult` calls it by default; call it yourself after `waitForResult({ fundChecks: false })`
 * to fund later within the challenge window.
 *
 * Throws `PaidBandCheckFundsError` (balance or allowance short: nothing sent),
 * `PaidBandCheckWindowClosedError` (the challenge window ended first), `AccountNotFoundError` (in the
 * band, with no account to pay), and the module's refusals as `SamplingContractError`.
 *
 * @example
 * const r = await waitForResult(wallet, { market, jobId, store, fundChecks: false });
 * const check = await fundPaidBandCheck(wallet, { market, jobId, outputHash: r.outputHash, signature: r.signature, budget: 10_000_000n });
 * if (check.status === "funded") console.log(`paid ${check.paid}, the unused part comes back when the check ends`);
 */
export async function fundPaidBandCheck(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  parameters: FundPaidBandCheckParameters,
): Promise<PaidBandCheckReport> {
  const { market, jobId, outputHash, signature, signal, pollingInterval = client.pollingInterval } = parameters;
  const job = parameters.job ?? (await getJob(client, { market, jobId, fromBlock: parameters.fromBlock ?? 0n })).job;
  assertJob(job);
  const budget = parameters.budget ?? 4n * job.price;
  if (budget < 0n) throw new RangeError(`budget must be non-negative, got ${budget}.`);

  // 1. The module that judges the job's class, if it is a SampledVerifier.
  let sampledVerifier = parameters.sampledVerifier;
  if (!sampledVerifier) {
    const { determinism } = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "model", args: [job.model] });
    const routed = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "verifierOf", args: [determinism] });
    if (routed === zeroAddress || !(await isSampledVerifier(client, routed))) return { status: "notRouted", checked: false, paid: 0n, budget };
    sampledVerifier = routed;
  }
  const base = { budget, sampledVerifier, paid: 0n };

  // 2. The draw: it exists once the seed of the submission epoch is revealed.
  let sampling;
  let windowEndsAt: bigint;
  for (;;) {
    const state = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
    if (state.status !== JobStatus.Submitted) {
      // A funded check opens the job's dispute: asked again, the job is Disputed with a funder.
      const funder = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "funderOf", args: [jobId] });
      if (funder !== zeroAddress) return { ...base, status: "alreadyFunded", checked: true, funder, jobStatus: jobStatusName(state.status) };
      return { ...base, status: "jobNotSubmitted", checked: state.status === JobStatus.Disputed, jobStatus: jobStatusName(state.status) };
    }
    windowEndsAt = BigInt(state.timestamp) + BigInt(state.challengeWindow);
    try {
      sampling = await getJobSampling(client, { sampledVerifier, job });
      break;
    } catch (error) {
      if (!(error instanceof SamplingContractError && error.errorName === "RandomnessSeedNotReady")) throw error;
    }
    const now = await chainTime(client);
    if (now >= windowEndsAt) throw new PaidBandCheckWindowClosedError({ jobId, sampledVerifier, windowEndsAt, now, drawKnown: false });
    await sleep(pollingInterval, signal);
  }
  const drawn = { ...base, band: sampling.band, draw: sampling.draw, baseRateBps: sampling.baseRateBps, rateBps: sampling.rateBps, windowEndsAt };
  if (sampling.band === "Unsampled") return { ...drawn, status: "unsampled", checked: false };
  if (sampling.band === "Fund") return { ...drawn, status: "fundBand", checked: true };

  // 3. The caller-paid band: within the budget, from an account that can pay, before the window ends.
  const params = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "params" });
  const cost = ((job.price * BigInt(params.verifierRewardBps)) / 10_000n) * (1n + BigInt(params.escalationVerifiers));
  const funder = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "funderOf", args: [jobId] });
  if (funder !== zeroAddress) return { ...drawn, status: "alreadyFunded", checked: true, cost, funder };
  if (cost > budget) return { ...drawn, status: "overBudget", checked: false, cost };
  // The transaction lands in a later block than the latest: at the latest block's second it is too late.
  const now = await chainTime(client);
  if (now >= windowEndsAt) throw new PaidBandCheckWindowClosedError({ jobId, sampledVerifier, windowEndsAt, now, drawKnown: true });
  const account = resolveAccount(client, parameters.account, "fundPaidBandCheck");
  const owner = account.address;
  const funds = { jobId, token: job.token, account: owner, sampledVerifier, needed: cost, windowEndsAt };
  const balance = await readContract(client, { address: job.token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
  if (balance < cost) throw new PaidBandCheckFundsError({ ...funds, reason: "balance", available: balance });
  const allowance = await readContract(client, { address: job.token, abi: erc20Abi, functionName: "allowance", args: [owner, sampledVerifier] });
  if (parameters.approve === false) {
    if (allowance < cost) throw new PaidBandCheckFundsError({ ...funds, reason: "allowance", available: allowance });
  } else if (allowance < cost || allowance > budget) {
    // Exactly the cost: the module's transferFrom can take no more than the budget, even if its
    // parameters changed after the read above.
    await approveToken(client, job.token, sampledVerifier, cost, { account });
  }
  let hash: Hash;
  try {
    ({ hash } = await writeSampling(client, { address: sampledVerifier, functionName: "fundCheck", args: [job, outputHash, signature], account, action: "fundPaidBandCheck" }));
  } catch (error) {
    if (error instanceof SamplingContractError && error.errorName === "SamplingWindowClosed")
      throw new PaidBandCheckWindowClosedError({ jobId, sampledVerifier, windowEndsAt, now: await chainTime(client), drawKnown: true });
    throw error;
  }
  const receipt = await waitForSuccess(client, hash, "fundCheck");
  const [funded] = parseEventLogs({ abi: sampledVerifierAbi, logs: receipt.logs, eventName: "CheckFunded", strict: true });
  return { ...drawn, status: "funded", checked: true, cost, paid: funded?.args.paid ?? cost, funder: owner, hash };
}

/** Whether `address` answers the SampledVerifier's `secondChallenger()` (an ArbitratedVerifier reverts with no data). */
async function isSampledVerifier(client: Client, address: Address): Promise<boolean> {
  try {
    await readContract(client, { address, abi: sampledVerifierAbi, functionName: "secondChallenger" });
    return true;
  } catch (error) {
    if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError)) return false;
    throw error;
  }
}

async function chainTime(client: Client): Promise<bigint> {
  return (await getBlock(client, { blockTag: "latest" })).timestamp;
}
