/**
 * The market as the chain tells it: every event of the market and its verifier since the
 * deployment block, folded into providers, offers, jobs, disputes and daily totals. This is the
 * page's reference view (and its fallback when no indexer answers); on a long-lived network the
 * indexer serves the same shapes without a full scan.
 */
import { compactSignatureToSignature, getAddress, serializeSignature, type Address, type Hex, type PublicClient } from "viem";
import { arbitratedVerifierAbi, jobMarketAbi, jobStatusName, type Job, type JobStatusName } from "depinfer";

import type { ExplorerConfig } from "./config.js";

export interface TimelineEntry {
  name: string;
  block: bigint;
  timestamp: number;
  tx: Hex;
  detail: string;
}

export interface JobView {
  jobId: Hex;
  job: Job;
  status: JobStatusName;
  /** The provider that accepted (or the one the job names). */
  provider: Address;
  input?: Hex | undefined;
  outputHash?: Hex | undefined;
  signature?: Hex | undefined;
  createdAt: number;
  acceptedAt?: number | undefined;
  submittedAt?: number | undefined;
  timeline: TimelineEntry[];
}

export interface DisputeView {
  jobId: Hex;
  challenger: Address;
  bond: bigint;
  deadline: number;
  evidence: string;
  openedAt: number;
  joined: { challenger: Address; bond: bigint; evidence: string }[];
  outcome?: "Upheld" | "Rejected" | "Draw" | "Cancelled" | undefined;
  slashed?: bigint | undefined;
  challengerReward?: bigint | undefined;
  reason?: string | undefined;
}

export interface OfferView {
  model: Hex;
  token: Address;
  price: bigint;
  maxLatency: number;
  active: boolean;
}

export interface ProviderView {
  address: Address;
  signer: Address;
  metadataURI: string;
  registeredAt: number;
  offers: OfferView[];
  staked: bigint;
  locked: bigint;
  thawing: bigint;
  jailedUntil: number;
  offersPaused: boolean;
  slashes: { jobId: Hex; amount: bigint; timestamp: number; tx: Hex }[];
  jobs: number;
  finalized: number;
  failed: number;
  /** Finalized / (finalized + slashed + expired); undefined before any job ended. */
  successRate: number | undefined;
  /** Median seconds from the job's creation to its result, over its submitted jobs: the latency a client sees. */
  medianLatency: number | undefined;
  /** What its finalized jobs earned, by token. */
  earned: Map<Address, bigint>;
  /** What `earned` counts: prices before the fee (from events), or payouts after it (the indexer). */
  earnedNote: string;
}

export interface ModelView {
  model: Hex;
  determinism: number;
  metadataURI: string;
}

export interface DayStats {
  day: string;
  jobs: number;
  /** Prices of the jobs finalized that day (in the first payment token). */
  volume: bigint;
  slashed: bigint;
  disputes: number;
}

export interface MarketView {
  head: bigint;
  now: number;
  models: ModelView[];
  providers: ProviderView[];
  jobs: JobView[];
  disputes: DisputeView[];
  days: DayStats[];
  totals: { jobs: number; finalized: number; volume: bigint; slashed: bigint; disputes: number; providers: number };
}

const OUTCOMES = ["Upheld", "Rejected", "Draw"] as const;
const lower = (a: string) => a.toLowerCase();
const blockTimes = new Map<bigint, number>();

/** Reads every event since the deployment and folds it into a {@link MarketView}. */
export async function readMarket(client: PublicClient, config: ExplorerConfig): Promise<MarketView> {
  const { market, verifier } = config.contracts;
  const payToken = lower(config.contracts.paymentTokens[0] ?? "");
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const fromBlock = BigInt(config.fromBlock);
  const [logs, rulings] = await Promise.all([
    client.getContractEvents({ address: market, abi: jobMarketAbi, fromBlock, toBlock: head, strict: true }),
    client.getContractEvents({ address: verifier, abi: arbitratedVerifierAbi, eventName: "ArbitrationRuled", fromBlock, toBlock: head, strict: false }),
  ]);
  const blocks = [...new Set([...logs.map((l) => l.blockNumber), head])].filter((b) => !blockTimes.has(b));
  for (let i = 0; i < blocks.length; i += 50)
    await Promise.all(blocks.slice(i, i + 50).map(async (b) => blockTimes.set(b, Number((await client.getBlock({ blockNumber: b })).timestamp))));
  const time = (b: bigint) => blockTimes.get(b) ?? 0;

  const models: ModelView[] = [];
  const providers = new Map<string, ProviderView>();
  const jobs = new Map<string, JobView>();
  const disputes = new Map<string, DisputeView>();
  const days = new Map<string, DayStats>();
  const dayOf = (t: number) => {
    const day = new Date(t * 1000).toISOString().slice(0, 10);
    let d = days.get(day);
    if (!d) days.set(day, (d = { day, jobs: 0, volume: 0n, slashed: 0n, disputes: 0 }));
    return d;
  };
  const entry = (jobId: Hex, name: string, log: { blockNumber: bigint; transactionHash: Hex }, detail = "") => {
    const j = jobs.get(lower(jobId));
    if (j) j.timeline.push({ name, block: log.blockNumber, timestamp: time(log.blockNumber), tx: log.transactionHash, detail });
    return j;
  };

  for (const log of logs) {
    const t = time(log.blockNumber);
    switch (log.eventName) {
      case "ModelRegistered":
        models.push({ model: log.args.model, determinism: log.args.determinism, metadataURI: log.args.metadataURI });
        break;
      case "ProviderRegistered":
      case "ProviderUpdated": {
        const key = lower(log.args.provider);
        const p = providers.get(key);
        if (p) Object.assign(p, { signer: log.args.signer, metadataURI: log.args.metadataURI });
        else
          providers.set(key, {
            address: getAddress(log.args.provider),
            signer: log.args.signer,
            metadataURI: log.args.metadataURI,
            registeredAt: t,
            offers: [],
            staked: 0n,
            locked: 0n,
            thawing: 0n,
            jailedUntil: 0,
            offersPaused: false,
            slashes: [],
            jobs: 0,
            finalized: 0,
            failed: 0,
            successRate: undefined,
            medianLatency: undefined,
            earned: new Map(),
            earnedNote: "prices of its finalized jobs, before the protocol fee",
          });
        break;
      }
      case "OfferSet": {
        const p = providers.get(lower(log.args.provider));
        if (!p) break;
        const offer: OfferView = { model: log.args.model, token: log.args.token, price: log.args.price, maxLatency: log.args.maxLatency, active: log.args.active };
        const i = p.offers.findIndex((o) => o.model === offer.model);
        if (i >= 0) p.offers[i] = offer;
        else p.offers.push(offer);
        break;
      }
      case "ProviderSlashed": {
        providers.get(lower(log.args.provider))?.slashes.push({ jobId: log.args.jobId, amount: log.args.amount, timestamp: t, tx: log.transactionHash });
        dayOf(t).slashed += log.args.amount;
        entry(log.args.jobId, "Slashed", log, `provider lost ${log.args.amount} stake units`);
        break;
      }
      case "JobCreated": {
        const job = log.args.job as Job;
        jobs.set(lower(log.args.jobId), {
          jobId: log.args.jobId,
          job,
          status: "Created",
          provider: log.args.provider,
          createdAt: t,
          timeline: [],
        });
        entry(log.args.jobId, "Created", log, `by ${log.args.client}`);
        dayOf(t).jobs++;
        break;
      }
      case "JobInput": {
        const j = jobs.get(lower(log.args.jobId));
        if (j) j.input = log.args.input;
        break;
      }
      case "JobAccepted": {
        const j = entry(log.args.jobId, "Accepted", log, `by ${log.args.provider}`);
        if (j) Object.assign(j, { provider: log.args.provider, acceptedAt: t, status: "Accepted" });
        break;
      }
      case "ResultSubmitted": {
        const j = entry(log.args.jobId, "Submitted", log, `output ${log.args.outputHash}`);
        if (j) Object.assign(j, { outputHash: log.args.outputHash, signature: signatureOf(log.args), submittedAt: t, status: "Submitted", acceptedAt: j.acceptedAt ?? t });
        break;
      }
      case "JobFinalized": {
        const paid = log.args as { payout?: bigint; fee?: bigint };
        const j = entry(log.args.jobId, "Finalized", log, paid.payout === undefined ? "the provider is paid (price − fees)" : `paid ${paid.payout} (fee ${paid.fee})`);
        if (j) {
          j.status = "Finalized";
          if (lower(j.job.token) === payToken) dayOf(t).volume += j.job.price;
        }
        break;
      }
      case "JobsFinalized":
        for (const jobId of log.args.jobIds) {
          const j = entry(jobId, "Finalized", log, "in a batch");
          if (j) {
            j.status = "Finalized";
            if (lower(j.job.token) === payToken) dayOf(t).volume += j.job.price;
          }
        }
        break;
      case "JobExpired": {
        const j = entry(log.args.jobId, "Expired", log, `client refunded ${log.args.refund}`);
        if (j) j.status = "Expired";
        break;
      }
      case "JobCancelled": {
        const j = entry(log.args.jobId, "Cancelled", log, `client refunded ${log.args.refund}`);
        if (j) j.status = "Cancelled";
        break;
      }
      case "DisputeOpened": {
        const j = entry(log.args.jobId, "Disputed", log, `by ${log.args.challenger}: ${log.args.evidence}`);
        if (j) j.status = "Disputed";
        disputes.set(lower(log.args.jobId), {
          jobId: log.args.jobId,
          challenger: log.args.challenger,
          bond: log.args.bond,
          deadline: Number(log.args.deadline),
          evidence: log.args.evidence,
          openedAt: t,
          joined: [],
        });
        dayOf(t).disputes++;
        break;
      }
      case "DisputeJoined":
        entry(log.args.jobId, "Dispute joined", log, `by ${log.args.challenger}`);
        disputes.get(lower(log.args.jobId))?.joined.push({ challenger: log.args.challenger, bond: log.args.bond, evidence: log.args.evidence });
        break;
      case "DisputeResolved": {
        const outcome = OUTCOMES[log.args.outcome];
        entry(log.args.jobId, `Dispute ${outcome.toLowerCase()}`, log, outcome === "Upheld" ? `provider slashed ${log.args.slashed}` : "the result stands");
        const d = disputes.get(lower(log.args.jobId));
        if (d) Object.assign(d, { outcome, slashed: log.args.slashed, challengerReward: log.args.challengerReward });
        const j = jobs.get(lower(log.args.jobId));
        if (j) j.status = outcome === "Upheld" ? "Slashed" : "Submitted";
        break;
      }
      case "DisputeCancelled": {
        entry(log.args.jobId, "Dispute cancelled", log, `bonds returned ${log.args.bondsReturned}`);
        const d = disputes.get(lower(log.args.jobId));
        if (d) d.outcome = "Cancelled";
        break;
      }
      case "ProviderJailed": {
        const p = providers.get(lower(log.args.provider));
        if (p) p.jailedUntil = Number(log.args.until);
        break;
      }
      default:
        break;
    }
  }
  for (const r of rulings) {
    const d = r.args.jobId ? disputes.get(lower(r.args.jobId)) : undefined;
    const reason = (r.args as { reason?: string }).reason;
    if (d && reason) d.reason = reason;
  }

  // Live stake and the job statuses the events imply, checked against the chain's own state.
  await Promise.all(
    [...providers.values()].map(async (p) => {
      const info = await client.readContract({ address: market, abi: jobMarketAbi, functionName: "provider", args: [p.address], blockNumber: head });
      Object.assign(p, { staked: info.staked, locked: info.locked, thawing: info.thawing, jailedUntil: Number(info.jailedUntil), offersPaused: info.offersPaused });
    }),
  );
  const latencies = new Map<string, number[]>();
  for (const j of jobs.values()) {
    const p = providers.get(lower(j.provider));
    if (!p) continue;
    p.jobs++;
    if (j.status === "Finalized") {
      p.finalized++;
      p.earned.set(j.job.token, (p.earned.get(j.job.token) ?? 0n) + j.job.price);
    }
    if (j.status === "Slashed" || j.status === "Expired") p.failed++;
    if (j.submittedAt !== undefined) {
      const list = latencies.get(lower(p.address)) ?? [];
      list.push(j.submittedAt - j.createdAt);
      latencies.set(lower(p.address), list);
    }
  }
  for (const p of providers.values()) {
    const ended = p.finalized + p.failed;
    p.successRate = ended ? p.finalized / ended : undefined;
    p.medianLatency = median(latencies.get(lower(p.address)) ?? []);
  }
  const jobList = [...jobs.values()].reverse();
  const disputeList = [...disputes.values()].reverse();
  const dayList = [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  return {
    head,
    now: time(head),
    models,
    providers: [...providers.values()],
    jobs: jobList,
    disputes: disputeList,
    days: dayList,
    totals: {
      jobs: jobList.length,
      finalized: jobList.filter((j) => j.status === "Finalized").length,
      volume: dayList.reduce((s, d) => s + d.volume, 0n),
      slashed: dayList.reduce((s, d) => s + d.slashed, 0n),
      disputes: disputeList.length,
      providers: providers.size,
    },
  };
}

/**
 * The attestation in a `ResultSubmitted` log: the 65-byte signature, or (the leaner event, EIP-2098
 * compact `r`, `vs`) the same signature rebuilt from it.
 */
function signatureOf(args: { signature?: Hex; r?: Hex; vs?: Hex }): Hex | undefined {
  if (args.signature) return args.signature;
  if (args.r && args.vs) return serializeSignature(compactSignatureToSignature({ r: args.r, yParityAndS: args.vs }));
  return undefined;
}

function median(values: number[]) {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A job's live status from `jobState` (the timeline is built from events; this is the contract's word). */
export async function jobStatusOnChain(client: PublicClient, market: Address, jobId: Hex): Promise<JobStatusName> {
  const state = await client.readContract({ address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
  return jobStatusName(state.status);
}
