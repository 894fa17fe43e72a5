import type { Account, Chain, Client, Transport } from "viem";

import { depositBalance, type DepositBalanceParameters } from "../actions/client/depositBalance.js";
import { disputeJob, type DisputeJobParameters } from "../actions/client/disputeJob.js";
import { cancelJob, type CancelJobParameters } from "../actions/client/cancelJob.js";
import { expireJob, type ExpireJobParameters } from "../actions/client/expireJob.js";
import { finalizeJob, type FinalizeJobParameters } from "../actions/client/finalizeJob.js";
import { joinDispute, type JoinDisputeParameters } from "../actions/client/joinDispute.js";
import { waitForResult, type WaitForResultParameters } from "../actions/client/waitForResult.js";
import { withdrawBalance, type WithdrawBalanceParameters } from "../actions/client/withdrawBalance.js";
import { getProviders, type GetProvidersParameters } from "../actions/public/getProviders.js";
import { claim, type ClaimParameters } from "../actions/public/claim.js";
import {
  getClaimable,
  getParams,
  getStake,
  type GetClaimableParameters,
  type GetParamsParameters,
  type GetStakeParameters,
} from "../actions/public/reads.js";
import { submitJob, submitJobSync, type SubmitJobParameters } from "../actions/client/submitJob.js";
import {
  acceptJob,
  finalizeJobs,
  registerProvider,
  requestUnstake,
  setOffer,
  stake,
  submitResult,
  watchJobs,
  withdrawStake,
  type AcceptJobParameters,
  type FinalizeJobsParameters,
  type RegisterProviderParameters,
  type RequestUnstakeParameters,
  type SetOfferParameters,
  type StakeParameters,
  type SubmitResultParameters,
  type WatchJobsParameters,
  type WithdrawStakeParameters,
} from "../actions/provider/index.js";
import { getJob, type GetJobParameters } from "../actions/public/getJob.js";
import type { DepinferAddresses } from "../types.js";
import { createNonceQueue } from "../utils/transactions.js";

type WithoutMarket<T> = Omit<T, "market"> & { market?: T extends { market: infer M } ? M : never };

/**
 * Depinfer actions as client methods, with the market address filled in (and overridable per call).
 * Writes from the client's account are serialized, so `Promise.all` over several writes is safe.
 *
 * @example
 * const client = createWalletClient({ chain, transport: http(), account }).extend(depinferActions({ market }));
 * const { jobId } = await client.submitJob({ model, input: "2 + 2", price, token });
 */
/** The methods `depinferActions` adds to a client. */
export type DepinferActions = ReturnType<ReturnType<typeof depinferActions>>;

export function depinferActions(addresses: DepinferAddresses) {
  return <chain extends Chain | undefined>(client: Client<Transport, chain, Account>) => {
    const withMarket = <T extends { market: unknown }>(p: WithoutMarket<T>) => ({ ...p, market: p.market ?? addresses.market }) as T;
    // Writes from this client's account run one after another, so parallel calls cannot race on
    // nonces or approvals (see createNonceQueue). Reads are not queued.
    const queue = createNonceQueue();
    const queued = <T>(fn: () => Promise<T>) => queue.run(client.account, fn);
    return {
      submitJob: (p: WithoutMarket<SubmitJobParameters>) => queued(() => submitJob(client, withMarket<SubmitJobParameters>(p))),
      submitJobSync: (p: WithoutMarket<SubmitJobParameters>) => queued(() => submitJobSync(client, withMarket<SubmitJobParameters>(p))),
      getJob: (p: WithoutMarket<GetJobParameters>) => getJob(client, withMarket<GetJobParameters>(p)),
      finalizeJob: (p: WithoutMarket<FinalizeJobParameters>) => queued(() => finalizeJob(client, withMarket<FinalizeJobParameters>(p))),
      submitResult: (p: WithoutMarket<SubmitResultParameters>) => queued(() => submitResult(client, withMarket<SubmitResultParameters>(p))),
      disputeJob: (p: WithoutMarket<DisputeJobParameters>) => queued(() => disputeJob(client, withMarket<DisputeJobParameters>(p))),
      joinDispute: (p: WithoutMarket<JoinDisputeParameters>) => queued(() => joinDispute(client, withMarket<JoinDisputeParameters>(p))),
      cancelJob: (p: WithoutMarket<CancelJobParameters>) => queued(() => cancelJob(client, withMarket<CancelJobParameters>(p))),
      expireJob: (p: WithoutMarket<ExpireJobParameters>) => queued(() => expireJob(client, withMarket<ExpireJobParameters>(p))),
      depositBalance: (p: WithoutMarket<DepositBalanceParameters>) => queued(() => depositBalance(client, withMarket<DepositBalanceParameters>(p))),
      withdrawBalance: (p: WithoutMarket<WithdrawBalanceParameters>) =>
        queued(() => withdrawBalance(client, withMarket<WithdrawBalanceParameters>(p))),
      claim: (p: WithoutMarket<ClaimParameters>) => queued(() => claim(client, withMarket<ClaimParameters>(p))),
      getClaimable: (p: WithoutMarket<GetClaimableParameters>) => getClaimable(client, withMarket<GetClaimableParameters>(p)),
      getParams: (p: WithoutMarket<GetParamsParameters> = {}) => getParams(client, withMarket<GetParamsParameters>(p)),
      getStake: (p: WithoutMarket<GetStakeParameters>) => getStake(client, withMarket<GetStakeParameters>(p)),
      waitForResult: (p: WithoutMarket<WaitForResultParameters>) => waitForResult(client, withMarket<WaitForResultParameters>(p)),
      getProviders: (p: WithoutMarket<GetProvidersParameters> = {}) => getProviders(client, withMarket<GetProvidersParameters>(p)),
      registerProvider: (p: WithoutMarket<RegisterProviderParameters>) =>
        queued(() => registerProvider(client, withMarket<RegisterProviderParameters>(p))),
      setOffer: (p: WithoutMarket<SetOfferParameters>) => queued(() => setOffer(client, withMarket<SetOfferParameters>(p))),
      stake: (p: WithoutMarket<StakeParameters>) => queued(() => stake(client, withMarket<StakeParameters>(p))),
      requestUnstake: (p: WithoutMarket<RequestUnstakeParameters>) => queued(() => requestUnstake(client, withMarket<RequestUnstakeParameters>(p))),
      withdrawStake: (p: WithoutMarket<WithdrawStakeParameters> = {}) => queued(() => withdrawStake(client, withMarket<WithdrawStakeParameters>(p))),
      acceptJob: (p: WithoutMarket<AcceptJobParameters>) => queued(() => acceptJob(client, withMarket<AcceptJobParameters>(p))),
      finalizeJobs: (p: WithoutMarket<FinalizeJobsParameters>) => queued(() => finalizeJobs(client, withMarket<FinalizeJobsParameters>(p))),
      watchJobs: (p: WithoutMarket<WatchJobsParameters>) => watchJobs(client, withMarket<WatchJobsParameters>(p)),
    };
  };
}
