import type { Account, Address, Chain, Client, Transport } from "viem";

import { depositBalance, type DepositBalanceParameters } from "../actions/client/depositBalance.js";
import { disputeJob, type DisputeJobParameters } from "../actions/client/disputeJob.js";
import { cancelJob, type CancelJobParameters } from "../actions/client/cancelJob.js";
import { expireJob, type ExpireJobParameters } from "../actions/client/expireJob.js";
import { finalizeJob, type FinalizeJobParameters } from "../actions/client/finalizeJob.js";
import { joinDispute, type JoinDisputeParameters } from "../actions/client/joinDispute.js";
import { waitForResult, type WaitForResultParameters } from "../actions/client/waitForResult.js";
import { fundPaidBandCheck, type FundPaidBandCheckParameters } from "../actions/client/fundPaidBandCheck.js";
import { withdrawBalance, type WithdrawBalanceParameters } from "../actions/client/withdrawBalance.js";
import { getProviders, type GetProvidersParameters, type GetProvidersReturnType } from "../actions/public/getProviders.js";
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
  acceptAndSubmitBatch,
  finalizeJobs,
  registerModel,
  registerProvider,
  requestUnstake,
  setOffer,
  stake,
  submitResult,
  watchJobs,
  withdrawStake,
  type AcceptJobParameters,
  type AcceptAndSubmitBatchParameters,
  type FinalizeJobsParameters,
  type RegisterModelParameters,
  type RegisterProviderParameters,
  type RequestUnstakeParameters,
  type SetOfferParameters,
  type StakeParameters,
  type SubmitResultParameters,
  type WatchJobsParameters,
  type WithdrawStakeParameters,
} from "../actions/provider/index.js";
import { getJob, type GetJobParameters } from "../actions/public/getJob.js";
import { resolveDeployment } from "../clients/deployment.js";
import {
  appealRedundancy,
  claimRedundancy,
  commitRedundancy,
  getRedundancyRequest,
  requestRedundancy,
  requestRedundancySync,
  revealRedundancy,
  settleRedundancy,
  type AppealRedundancyParameters,
  type ClaimRedundancyParameters,
  type CommitRedundancyParameters,
  type GetRedundancyRequestParameters,
  type RequestRedundancyParameters,
  type RevealRedundancyParameters,
  type SettleRedundancyParameters,
} from "../actions/redundancy/index.js";
import { RedundancyModuleNotFoundError } from "../errors/validation.js";
import type { DepinferAddresses } from "../types.js";
import { createNonceQueue } from "../utils/transactions.js";

type WithoutMarket<T> = Omit<T, "market"> & { market?: T extends { market: infer M } ? M : never };
/** A redundancy action's parameters with `module` optional (default: the deployment's `redundancyModule`). */
type WithoutModule<T> = Omit<T, "module"> & { module?: Address | undefined };

/** The methods `depinferActions` adds to a client. */
export type DepinferActions = ReturnType<ReturnType<typeof depinferActions>>;

/**
 * Depinfer actions as client methods, with the market address filled in (and overridable per call).
 *
 * The market comes from `addresses.market`, else from the deployment that ships with the package
 * for the client's chain; with neither, extending throws `DeploymentNotFoundError`. It extends any
 * viem client: a public client (reads; writes take a per-call `account`, as viem's own actions do),
 * a wallet client, or a wagmi client (`getClient()`, `getConnectorClient()`). Writes from one account
 * are serialized, so `Promise.all` over several writes is safe.
 *
 * @example
 * const publicClient = createPublicClient({ chain, transport: http() }).extend(depinferActions({ market }));
 * const [best] = await publicClient.getProviders({ model, token: usdc });
 * const wallet = createWalletClient({ chain, transport: custom(window.ethereum!), account }).extend(depinferActions({ market }));
 * const { jobId } = await wallet.submitJob({ model, input: "2 + 2", price: best.price, token: usdc });
 * // The redundancy module's address comes from `addresses.redundancyModule` or the shipped deployment:
 * const { id } = await wallet.requestRedundancySync({ model, token: usdc, price, inputHash, commitDeadline, providers: [alice, bob] });
 */
export function depinferActions(addresses: Partial<DepinferAddresses> = {}) {
  return <chain extends Chain | undefined, account extends Account | undefined>(client: Client<Transport, chain, account>) => {
    const { market, redundancyModule } = resolveDeployment({ chain: client.chain, deployment: Object.keys(addresses).length > 0 ? addresses : undefined });
    // The redundancy module: the call's `module`, else the deployment's; without either, a typed error at the call.
    const withModule = <T extends { module: Address }>(p: WithoutModule<T>, action: string) => {
      const module = p.module ?? redundancyModule;
      if (module === undefined) throw new RedundancyModuleNotFoundError({ chainId: client.chain?.id, action });
      return { ...p, module } as T;
    };
    const withMarket = <T extends { market: unknown }>(p: WithoutMarket<T>) => ({ ...p, market: p.market ?? market }) as T;
    // Writes from one account run one after another, so parallel calls cannot race on nonces or
    // approvals (see createNonceQueue). Reads are not queued. A write without any account is not
    // queued either: it throws AccountNotFoundError before any request.
    const queue = createNonceQueue();
    const queued = <T>(p: { account?: Account | Address | undefined }, fn: () => Promise<T>) => {
      const signer = p.account ?? client.account;
      return signer ? queue.run(signer, fn) : fn();
    };
    const c = client as Client<Transport, chain, Account | undefined>;
    return {
      submitJob: (p: WithoutMarket<SubmitJobParameters>) => queued(p, () => submitJob(c, withMarket<SubmitJobParameters>(p))),
      submitJobSync: (p: WithoutMarket<SubmitJobParameters>) => queued(p, () => submitJobSync(c, withMarket<SubmitJobParameters>(p))),
      getJob: (p: WithoutMarket<GetJobParameters>) => getJob(c, withMarket<GetJobParameters>(p)),
      finalizeJob: (p: WithoutMarket<FinalizeJobParameters>) => queued(p, () => finalizeJob(c, withMarket<FinalizeJobParameters>(p))),
      submitResult: (p: WithoutMarket<SubmitResultParameters>) => queued(p, () => submitResult(c, withMarket<SubmitResultParameters>(p))),
      disputeJob: (p: WithoutMarket<DisputeJobParameters>) => queued(p, () => disputeJob(c, withMarket<DisputeJobParameters>(p))),
      joinDispute: (p: WithoutMarket<JoinDisputeParameters>) => queued(p, () => joinDispute(c, withMarket<JoinDisputeParameters>(p))),
      cancelJob: (p: WithoutMarket<CancelJobParameters>) => queued(p, () => cancelJob(c, withMarket<CancelJobParameters>(p))),
      expireJob: (p: WithoutMarket<ExpireJobParameters>) => queued(p, () => expireJob(c, withMarket<ExpireJobParameters>(p))),
      depositBalance: (p: WithoutMarket<DepositBalanceParameters>) => queued(p, () => depositBalance(c, withMarket<DepositBalanceParameters>(p))),
      withdrawBalance: (p: WithoutMarket<WithdrawBalanceParameters>) =>
        queued(p, () => withdrawBalance(c, withMarket<WithdrawBalanceParameters>(p))),
      claim: (p: WithoutMarket<ClaimParameters>) => queued(p, () => claim(c, withMarket<ClaimParameters>(p))),
      getClaimable: (p: WithoutMarket<GetClaimableParameters>) => getClaimable(c, withMarket<GetClaimableParameters>(p)),
      getParams: (p: WithoutMarket<GetParamsParameters> = {}) => getParams(c, withMarket<GetParamsParameters>(p)),
      getStake: (p: WithoutMarket<GetStakeParameters>) => getStake(c, withMarket<GetStakeParameters>(p)),
      waitForResult: (p: WithoutMarket<WaitForResultParameters>) => waitForResult(c, withMarket<WaitForResultParameters>(p)),
      fundPaidBandCheck: (p: WithoutMarket<FundPaidBandCheckParameters>) => fundPaidBandCheck(c, withMarket<FundPaidBandCheckParameters>(p)),
      getProviders: <const p extends WithoutMarket<GetProvidersParameters>>(p?: p) =>
        getProviders(c, withMarket<GetProvidersParameters>(p ?? {})) as Promise<GetProvidersReturnType<p>>,
      registerProvider: (p: WithoutMarket<RegisterProviderParameters>) =>
        queued(p, () => registerProvider(c, withMarket<RegisterProviderParameters>(p))),
      setOffer: (p: WithoutMarket<SetOfferParameters>) => queued(p, () => setOffer(c, withMarket<SetOfferParameters>(p))),
      registerModel: (p: WithoutMarket<RegisterModelParameters>) => queued(p, () => registerModel(c, withMarket<RegisterModelParameters>(p))),
      stake: (p: WithoutMarket<StakeParameters>) => queued(p, () => stake(c, withMarket<StakeParameters>(p))),
      requestUnstake: (p: WithoutMarket<RequestUnstakeParameters>) => queued(p, () => requestUnstake(c, withMarket<RequestUnstakeParameters>(p))),
      withdrawStake: (p: WithoutMarket<WithdrawStakeParameters> = {}) => queued(p, () => withdrawStake(c, withMarket<WithdrawStakeParameters>(p))),
      acceptJob: (p: WithoutMarket<AcceptJobParameters>) => queued(p, () => acceptJob(c, withMarket<AcceptJobParameters>(p))),
      acceptAndSubmitBatch: (p: WithoutMarket<AcceptAndSubmitBatchParameters>) =>
        queued(p, () => acceptAndSubmitBatch(c, withMarket<AcceptAndSubmitBatchParameters>(p))),
      finalizeJobs: (p: WithoutMarket<FinalizeJobsParameters>) => queued(p, () => finalizeJobs(c, withMarket<FinalizeJobsParameters>(p))),
      watchJobs: (p: WithoutMarket<WatchJobsParameters>) => watchJobs(c, withMarket<WatchJobsParameters>(p)),
      // The redundancy (k of n) module: `module` defaults to the deployment's `redundancyModule`.
      requestRedundancy: (p: WithoutModule<RequestRedundancyParameters>) =>
        queued(p, async () => requestRedundancy(c, withModule<RequestRedundancyParameters>(p, "requestRedundancy"))),
      requestRedundancySync: (p: WithoutModule<RequestRedundancyParameters>) =>
        queued(p, async () => requestRedundancySync(c, withModule<RequestRedundancyParameters>(p, "requestRedundancySync"))),
      commitRedundancy: (p: WithoutModule<CommitRedundancyParameters>) =>
        queued(p, async () => commitRedundancy(c, withModule<CommitRedundancyParameters>(p, "commitRedundancy"))),
      revealRedundancy: (p: WithoutModule<RevealRedundancyParameters>) =>
        queued(p, async () => revealRedundancy(c, withModule<RevealRedundancyParameters>(p, "revealRedundancy"))),
      settleRedundancy: (p: WithoutModule<SettleRedundancyParameters>) =>
        queued(p, async () => settleRedundancy(c, withModule<SettleRedundancyParameters>(p, "settleRedundancy"))),
      appealRedundancy: (p: WithoutModule<AppealRedundancyParameters>) =>
        queued(p, async () => appealRedundancy(c, withModule<AppealRedundancyParameters>(p, "appealRedundancy"))),
      claimRedundancy: (p: WithoutModule<ClaimRedundancyParameters>) =>
        queued(p, async () => claimRedundancy(c, withModule<ClaimRedundancyParameters>(p, "claimRedundancy"))),
      getRedundancyRequest: async (p: WithoutModule<GetRedundancyRequestParameters>) => getRedundancyRequest(c, withModule<GetRedundancyRequestParameters>(p, "getRedundancyRequest")),
    };
  };
}
