// Node-only. The provider node: the loop that turns a model into income.
//
//   watch JobCreated ─▶ seen ─▶ accept (open jobs, or acceptFirst) ─▶ infer + keep ─▶ sign + submit
//        ─▶ serve the output once the result is on-chain ─▶ finalize in batches after the challenge
//        window ─▶ claim on a schedule
//
// Every step is a compare-and-set transition of the SQLite journal, recorded before its effect is
// visible: a transaction is recorded (hash and signed bytes) before it is broadcast, so a node killed
// at any point resumes each job from its last step, finds or rebroadcasts what it already signed,
// and never signs a second submission for a job. Transactions go through one queue (TxSender) with
// a local nonce counter, so jobs run concurrently (up to `concurrency`) without nonce races.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

import {
  createClient,
  defineChain,
  formatBlock,
  http,
  webSocket,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { getBlock, getChainId, getContractEvents, getLogs, readContract, simulateContract } from "viem/actions";

import {
  acceptAndSubmitBatchOutcome,
  cidFromHash,
  decodeDepinferError,
  contentHash,
  type ContentStore,
  DepinferContractError,
  deployments,
  finalizeJobsOutcome,
  HttpContentStore,
  isTransientError,
  type Job,
  jobIdOf,
  jobMarketAbi,
  JobStatus,
  jobStatusName,
  type SubmitSkipReason,
  watchJobs,
} from "depinfer";
import { createAttestationSigner } from "./attestation.js";
import { Batcher } from "./batcher.js";
import { createBuiltinBackend } from "./backends/builtin.js";
import { InferenceBackendHttpError, InferenceBackendNetworkError, InferenceBackendTimeoutError } from "./backends/errors.js";
import { createOpenAIBackend } from "./backends/openai.js";
import type { InferenceBackend } from "./backends/types.js";
import { PROVIDER_CONFIG_DEFAULTS, ProviderConfigError, collateralShareOf, defaultConfirmations, describeConfig, feeCeilingsOf, inputLimitsOf, redactUrl, resolveSigner, type ProviderConfig, type ServedModel } from "./config.js";
import { FileSystemContentStore } from "depinfer/node";
import { redactCallData } from "./errors.js";
import { checkInput } from "./inputLimits.js";
import { Journal, type JournalEntry, type JournalState } from "./journal.js";
import { createLogger, createProgress, type Logger, type ProgressStats } from "./logger.js";
import { checkMarket } from "./market.js";
import { createNodeMetrics, type NodeMetrics } from "./metrics.js";
import { retry } from "./retry.js";
import { startOutputServer, type OutputServer } from "./outputServer.js";
import { startMetricsServer, type MetricsServer } from "./metricsServer.js";
import { ContentRetention } from "./retention.js";
import { RecentOutputs } from "./recentOutputs.js";
import { TxSender, isFeeCeilingError } from "./txSender.js";
import { startSessionService, type SessionService, type SessionStep } from "./sessions/index.js";
import { VerifierLoop, type VerifierStep } from "./verifier.js";
import { REDUNDANCY_REFUSALS, RedundancyLoop, type RedundancyStep } from "./redundancy.js";

/**
 * The points right after a step is durably recorded (the crash tests stop the node there):
 * `submit-recorded` once a signed submission (one job's, or a batch's) is in the journal but not yet
 * broadcast, `submit-sent` once it is broadcast, `submit-mined` once its receipt is in but its outcome
 * not yet recorded.
 */
export type ProviderNodeStep = "accepted" | "computed" | "submit-recorded" | "submit-sent" | "submit-mined" | SessionStep;

/** A result waiting for its batch: the job (in `computed`), its attestation, and its log. */
interface BatchItem {
  entry: JournalEntry;
  signature: Hex;
  log: Logger;
}
/** What a batch did for one job: moved on (`next`: keep advancing it), failed (`error`), or to be sent on its own. */
type BatchResult = { next: boolean } | { error: unknown } | "single";

export interface CreateProviderNodeParameters {
  config: ProviderConfig;
  /** Where the signer's env vars are read. Defaults to `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /**
   * Overrides `config.rpcUrl`, e.g. `custom(provider, { retryCount: 0 })` for an in-process chain
   * (its reverts look retryable to viem's transport; the node retries transient errors itself).
   */
  transport?: Transport | undefined;
  /** The chain; default one built from `config.chainId`. */
  chain?: Chain | undefined;
  /**
   * Overrides the configured backend of a model (by model id, any case), e.g. a custom backend
   * written in code. Models not listed use their config's backend.
   */
  backends?: Record<Hex, InferenceBackend> | undefined;
  logger?: Logger | undefined;
  /** A progress line on this stream when it is a terminal (default: none). */
  progressStream?: { write(chunk: string): unknown; isTTY?: boolean | undefined } | undefined;
  /** Called synchronously right after a step is recorded in the journal (for crash tests and metrics). */
  afterStep?: ((step: ProviderNodeStep, jobId: Hex) => void) | undefined;
  /** Called synchronously right after a verifier step is recorded (crash tests). */
  afterVerifierStep?: ((step: VerifierStep, jobId: Hex) => void) | undefined;
  /** Called synchronously right after a redundancy step is recorded (crash tests). */
  afterRedundancyStep?: ((step: RedundancyStep, id: bigint) => void) | undefined;
}

export interface ProviderNodeStats extends ProgressStats {
  seen: number;
  accepted: number;
  submitted: number;
  finalized: number;
  failed: number;
  running: number;
  /** Jobs in each journal state. */
  states: Partial<Record<JournalState, number>>;
  claimable: { token: Address; amount: bigint }[];
  claimed: { token: Address; amount: bigint }[];
  /** Jobs skipped since start before anything was committed to them, by reason. */
  refused: Record<JobRefusal, number>;
}

/**
 * Why the node skips a job before committing anything to it: too little time before its deadline,
 * too much collateral, or an input over the model's limits (bytes, tokens, context).
 */
export type JobRefusal = "deadline" | "collateral" | "input";

/** The gas key of `acceptAndSubmitBatch` (its estimate per job is reused; see TxSender). */
const BATCH_GAS_KEY = "acceptAndSubmitBatch";

/**
 * What a submission's receipt did, job by job (lower-case jobId → submitted, or skipped with the
 * reason), decoded once per receipt: every job of a batch settles from the same receipt, and
 * decoding its logs once per job cost the node O(jobs²) per batch.
 */
const outcomes = new WeakMap<TransactionReceipt, { submitted: Set<string>; skipped: Map<string, SubmitSkipReason>; count: { submitted: number; skipped: number } }>();
function outcomeOf(receipt: TransactionReceipt) {
  let outcome = outcomes.get(receipt);
  if (!outcome) {
    const { submitted, skipped } = acceptAndSubmitBatchOutcome(receipt.logs);
    outcome = {
      submitted: new Set(submitted.map((x) => x.jobId.toLowerCase())),
      skipped: new Map(skipped.map((x) => [x.jobId.toLowerCase(), x.reason])),
      count: { submitted: submitted.length, skipped: skipped.length },
    };
    outcomes.set(receipt, outcome);
  }
  return outcome;
}

/** Thrown at start when the chain or the provider's registration does not match the config. */
export class ProviderNodeStartError extends ProviderConfigError {}

const DISPUTE_EVENTS = jobMarketAbi.filter(
  (
    x,
  ): x is Extract<
    (typeof jobMarketAbi)[number],
    { type: "event"; name: "DisputeOpened" | "DisputeJoined" | "DisputeResolved" | "DisputeCancelled" | "JobExpired" | "JobCancelled" }
  > => x.type === "event" && ["DisputeOpened", "DisputeJoined", "DisputeResolved", "DisputeCancelled", "JobExpired", "JobCancelled"].includes(x.name),
);
const OUTCOMES = ["upheld", "rejected", "draw"] as const;

/**
 * Seconds allowed, beyond an open job's maxLatency, for the node's acceptance to be mined: the chain
 * time the node reads may be a polling interval old, and the transaction waits a block or two.
 */
const INCLUSION_MARGIN_SECONDS = 30;
/** How long an offer's maxLatency read for the intake is reused (the accept itself reads it afresh). */
const OFFER_CACHE_MS = 60_000;
/** How long after the last pushed block the newest pushed head is taken as the chain's head, at least (see #headsLive). */
const PUSHED_HEAD_TRUST_MS = 1_000;
/**
 * Memory for the newest outputs (recentOutputs.ts): the last few thousand text outputs, or the last
 * minute's at hundreds of jobs a second. An output over 1 MiB is read from the disk.
 */
const RECENT_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * How deep (in blocks below the newest block the node had seen) a reorg is followed: the jobs whose
 * latest effect was mined there are re-checked against the chain, and the job and event scans run
 * again from there. Deeper than any reorg of Ethereum since the Merge (finality comes after 64 to 95
 * blocks) or of the L2s the protocol targets.
 */
export const REORG_DEPTH = 128n;


/** Journal states a job is in while the node works on it (in flight). */
const WORKING: JournalState[] = ["accepting", "accepted", "computed", "submitting"];

/** Every state that is not terminal. */
const OPEN_STATES: JournalState[] = ["seen", ...WORKING, "submitted", "finalizing", "disputed"];

/**
 * Reverts that mean "this job is not (or no longer) ours to take". `JobDeadlineBelowLatency`: an open
 * job whose deadline does not leave our offer's maxLatency (accepting it could only end in a slash);
 * the node's own check (`minJobSeconds`, maxLatency + a margin) comes first, so this is a backstop.
 */
const NOT_OURS = new Set([
  "JobWrongStatus",
  "JobUnknown",
  "JobDeadlinePassed",
  "JobDeadlineBelowLatency",
  "JobNotForProvider",
  "OfferNotActive",
  "OfferTokenMismatch",
  "OfferPriceAboveJobPrice",
]);
/** Reverts that mean "the provider cannot take jobs right now": wait, then try again. */
const CANNOT_TAKE_NOW = new Set(["ProviderInJail", "ProviderBelowMinStake", "StakeInsufficientFree", "ProviderOffersPaused", "EnforcedPause"]);

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorName = (e: unknown) => (e instanceof DepinferContractError ? e.errorName : undefined);
/** An error's first message, never with the failed call's arguments (they hold signatures: see errors.ts). */
const short = (e: unknown) => redactCallData((e as { shortMessage?: string })?.shortMessage ?? (e as Error)?.message ?? String(e));

function isTransientInference(e: unknown) {
  return (
    (e instanceof InferenceBackendHttpError && e.retryable) ||
    e instanceof InferenceBackendNetworkError ||
    e instanceof InferenceBackendTimeoutError ||
    isTransientError(e)
  );
}

/** The backend of a served model, from its config. */
export function backendFor(model: ServedModel, env: Record<string, string | undefined> = process.env): InferenceBackend {
  if (model.backend.type === "builtin") return createBuiltinBackend();
  const { baseUrl, model: name, apiKeyEnv } = model.backend;
  const { maxTokens, timeoutSeconds } = inputLimitsOf(model);
  return createOpenAIBackend({
    baseUrl,
    model: name,
    timeoutMs: timeoutSeconds * 1000,
    ...(maxTokens !== undefined && { maxTokens }),
    ...(apiKeyEnv !== undefined && { apiKey: env[apiKeyEnv]! }),
  });
}

/** The SDK's known JobMarket for `chainId`; throws naming `market` when there is none. */
export function marketOf(chainId: number): Address {
  const known = (deployments as Record<number, { contracts: Record<string, string> } | undefined>)[chainId];
  const market = known?.contracts.market as Address | undefined;
  if (!market) {
    throw new ProviderNodeStartError({
      issues: [{ field: "market", value: "missing", expected: `the JobMarket address: no Depinfer deployment is known for chain ${chainId}` }],
    });
  }
  return market;
}

/**
 * A viem client for the config's chain and RPC (HTTP or WebSocket, by the URL's scheme), acting as
 * `account`; `transport` and `chain` override them (e.g. an in-process chain).
 */
export function clientFor(
  config: Pick<ProviderConfig, "chainId" | "rpcUrl" | "pollingIntervalMs">,
  account: Account,
  { transport, chain }: { transport?: Transport | undefined; chain?: Chain | undefined } = {},
): Client<Transport, Chain, Account> {
  return createClient({
    chain:
      chain ??
      defineChain({ id: config.chainId, name: `chain ${config.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [config.rpcUrl] } } }),
    transport: transport ?? (config.rpcUrl.startsWith("ws") ? webSocket(config.rpcUrl) : http(config.rpcUrl, { retryCount: 3 })),
    account,
    pollingInterval: config.pollingIntervalMs,
    cacheTime: 0,
  });
}

/**
 * The provider node. `start()` checks the chain and the provider's registration, resumes every job
 * the journal has in flight, and watches for new ones; `stop()` stops taking work and waits for the
 * transactions already being sent (an inference in progress is abandoned and redone on restart).
 *
 * @example
 * const config = loadConfig({ argv: process.argv.slice(2) });
 * const node = await createProviderNode({ config, logger: createLogger() });
 * await node.start();
 * process.on("SIGTERM", () => node.stop());
 */
export async function createProviderNode(parameters: CreateProviderNodeParameters): Promise<ProviderNode> {
  const { config } = parameters;
  const env = parameters.env ?? process.env;
  const signer = await resolveSigner(config, env, "signer");
  const account = config.account ? await resolveSigner(config, env, "account") : signer;
  return new ProviderNode(parameters, signer, account);
}

export class ProviderNode {
  readonly config: ProviderConfig;
  readonly journal: Journal;
  /** The provider's registered (staking) account, which sends the node's transactions. */
  readonly account: Address;
  /** The attestation signer's address. */
  readonly signerAddress: Address;
  readonly market: Address;
  /** What the output server serves (`dataDir/content`): inputs uploaded to the node, and released outputs. */
  readonly store: FileSystemContentStore;
  readonly logger: Logger;

  readonly #signer: Account;
  /** Signs a job's attestation (the domain and the type hash computed once). */
  readonly #attest: ReturnType<typeof createAttestationSigner>;
  readonly #client: Client<Transport, Chain, Account>;
  readonly #sender: TxSender;
  readonly #remote: ContentStore | undefined;
  /**
   * Outputs computed but not yet released (`dataDir/outputs`, never served): an output is worth the
   * job's price, and its client could take it and still cancel the job in front of the submission.
   */
  readonly #withheld: FileSystemContentStore;
  /** The newest outputs in memory, served from there once released (recentOutputs.ts). */
  readonly #recent = new RecentOutputs({ maxBytes: RECENT_OUTPUT_BYTES });
  readonly #backends = new Map<string, InferenceBackend>();
  readonly #served: ServedModel[];
  readonly #afterStep: CreateProviderNodeParameters["afterStep"];
  readonly #progress: ReturnType<typeof createProgress> | undefined;

  #running = new Map<Hex, Promise<void>>();
  #aborts = new Map<Hex, AbortController>();
  /** Jobs that wait before their next attempt (in-memory back-off). */
  #retryAt = new Map<Hex, number>();
  #takePausedUntil = 0;
  #active = false;
  #unwatch: ReturnType<typeof watchJobs> | undefined;
  /** Ends the `newHeads` subscription, when the transport offers one (see {@link #followHeads}). */
  #unsubscribeHeads: (() => Promise<unknown>) | undefined;
  /** The newest head the subscription pushed and no tick has used yet: the tick's head, with no request. */
  #pushedHead: { number: bigint; hash: Hex; parentHash: Hex; timestamp: bigint; baseFeePerGas: bigint | null } | undefined;
  /** When the subscription last pushed a head (Date.now()): a tick within a polling interval of it reads no head of its own. */
  #lastPushAt: number | undefined;
  /** The newest pushed head's number. */
  #knownPushed = 0n;
  /** The last pushed heads' hashes and times, by number (the newest 64): a receipt's block time without a request. */
  #pushedTimes = new Map<bigint, { hash: Hex; timestamp: bigint }>();
  /** The provider's stake and locked amount as read at `at` (Date.now()), and what the node's own effects locked since (see #stake). */
  #stakeRead: { at: number; exact: boolean; lockedSince: bigint; info: Promise<{ staked: bigint; locked: bigint }> } | undefined;
  /** A tick was asked for while one ran: the next starts as soon as it ends. */
  #tickAgain = false;
  /** When a tick last did the housekeeping (see #tick). */
  #lastHousekeeping = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticking: Promise<void> | undefined;
  #lastClaimAt = 0;
  #claimable: { token: Address; amount: bigint }[] = [];
  #claimed = new Map<Address, bigint>();
  #chainNow: { at: number; value: number } | undefined;
  #server: OutputServer | undefined;
  #finalizing = false;
  #closed = false;
  /** Blocks on a submission before its output is released (`confirmations`). */
  readonly #confirmations: bigint;
  /** The head's number as last read (at the start of each tick). */
  #headNumber = 0n;
  /** When the transaction sender last compared its nonce with the chain's. */
  #lastResync = 0;
  /** Which job watcher is current: one restarted after a reorg makes the old one's late callbacks void. */
  #watchGeneration = 0;
  /** Forged `JobCreated` logs dropped since start (not from the market, or a jobId that is not the hash of the terms). */
  #forged = 0;
  /** Jobs refused since start, by reason. */
  #refused: Record<JobRefusal, number> = { deadline: 0, collateral: 0, input: 0 };
  /** Jobs whose input passed the model's limits (so a retried accept, or #compute, need not count it again). */
  #inputChecked = new Set<Hex>();
  /** The offers' maxLatency by model (lower case), with when it was read. */
  #maxLatency = new Map<string, { at: number; seconds: number }>();
  /** Jobs waiting for their collateral to fit within maxCollateralShare of the free stake (logged once). */
  #waitingForStake = new Set<Hex>();
  /** Outputs being released now, and when a failed release may be tried again. */
  #releasing = new Set<Hex>();
  /** The served directory exists (made once, again after a failed move). */
  #servedDirReady: Promise<void> | undefined;
  #releaseRetryAt = new Map<Hex, number>();
  /** The round of releases in progress (run beside the tick: a slow content store must not hold it up). */
  #releasingDue: Promise<void> | undefined;
  /** `maxCollateralShare` in parts per billion, for bigint arithmetic. */
  /** `maxCollateralShare` of an amount, rounded down (`collateralShareOf`). */
  readonly #shareOf: (amount: bigint) => bigint;
  readonly #metrics: NodeMetrics;
  /** The disk quota on uploads, and the deletion of content whose jobs are done (retention.ts). */
  readonly #retention: ContentRetention;
  #metricsServer: MetricsServer | undefined;
  /** Payment sessions (the paid endpoint and its settlement loop), when `sessions` is configured. */
  #sessions: SessionService | undefined;
  /** Direct jobs' results, gathered into `acceptAndSubmitBatch` transactions (config `batch`). */
  readonly #batcher: Batcher<BatchItem, BatchResult>;
  readonly #batch: { maxJobs: number; maxWaitMs: number };
  /** Inputs read from the JobInput events of jobs just seen (one request for a whole intake), or null when none was posted. */
  #inputs = new Map<Hex, Uint8Array | null>();
  /** Challenge windows by params version (a snapshot never changes), and block timestamps by number (being read). */
  #windows = new Map<number, Promise<number>>();
  /**
   * Jobs whose submission this process just settled and whose window's end #recordDueAt is about
   * to record (from the receipt: no read per job): the finalizer leaves them to it rather than read
   * each one's state (an eth_call per job, when a housekeeping tick falls in between).
   */
  #dueAtPending = new Set<Hex>();
  #blockTimes = new Map<bigint, Promise<number>>();
  /**
   * Direct jobs created after this process started (their JobCreated is above the head it read at
   * start): no earlier life of this node, nor of its journal, can have taken them, so their state is
   * not read again before inference (see #compute). Jobs from before the start (a restart, a lost
   * journal rescanning old blocks) are read.
   */
  #fresh = new Set<Hex>();
  #startHead: bigint | undefined;
  /** The verifier loop (verifier.ts), when `verifier.enabled`. */
  readonly verifier: VerifierLoop | undefined;
  /** The redundancy loop (redundancy.ts), when `redundancy.enabled`. */
  readonly redundancy: RedundancyLoop | undefined;

  constructor(parameters: CreateProviderNodeParameters, signer: Account, account: Account) {
    const { config } = parameters;
    this.config = config;
    this.logger = parameters.logger ?? createLogger({ level: "silent" });
    this.#signer = signer;
    this.signerAddress = signer.address;
    this.account = account.address;
    this.#served = config.models;
    this.#afterStep = parameters.afterStep;
    this.market = config.market ?? marketOf(config.chainId);
    this.#client = clientFor(config, account, parameters);
    // The chain id is checked against the RPC at start.
    this.#attest = createAttestationSigner(this.#client, { market: this.market, chainId: config.chainId, signer });
    this.journal = new Journal(config.dataDir);
    this.store = new FileSystemContentStore({ dir: `${config.dataDir}/content` });
    this.#withheld = new FileSystemContentStore({ dir: `${config.dataDir}/outputs` });
    this.#remote = config.contentStore ? new HttpContentStore({ baseUrl: config.contentStore.baseUrl }) : undefined;
    this.#sender = new TxSender({ client: this.#client, logger: this.logger, ceilings: feeCeilingsOf(config) });
    const env = parameters.env ?? process.env;
    const overrides = Object.fromEntries(Object.entries(parameters.backends ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    for (const m of config.models) {
      const key = m.model.toLowerCase();
      if (!this.#backends.has(key)) this.#backends.set(key, overrides[key] ?? backendFor(m, env));
    }
    this.#progress = parameters.progressStream ? createProgress(parameters.progressStream) : undefined;
    this.#shareOf = collateralShareOf(config.maxCollateralShare);
    this.#confirmations = BigInt(config.confirmations ?? defaultConfirmations(config.chainId));
    this.#metrics = createNodeMetrics(this, { refusals: Object.keys(this.#refused), redundancyRefusals: config.redundancy?.enabled ? REDUNDANCY_REFUSALS : [] });
    this.#batch = config.batch ?? PROVIDER_CONFIG_DEFAULTS.batch;
    this.#batcher = new Batcher<BatchItem, BatchResult>({
      maxJobs: this.#batch.maxJobs,
      maxWaitMs: this.#batch.maxWaitMs,
      // Jobs in flight that are not in a batch yet may still bring a result.
      coming: () => this.#running.size - this.#batcher.size,
      flush: (items) => this.#flushBatch(items),
    });
    // A TOLERANT re-run's output, kept unserved until its reveal (verifier.ts).
    const evidence = new FileSystemContentStore({ dir: `${config.dataDir}/verifier-outputs` });
    this.#retention = new ContentRetention({
      journal: this.journal,
      // And that evidence, when a seat ends without a reveal.
      dirs: [this.store.dir, this.#withheld.dir, evidence.dir],
      quotaBytes: config.contentQuotaBytes,
      retentionSeconds: config.contentRetentionSeconds,
      logger: this.logger,
      sweepIntervalMs: Math.max(1_000, config.pollingIntervalMs),
      onDelete: (hash) => this.#recent.drop(hash),
    });
    this.verifier = config.verifier?.enabled
      ? new VerifierLoop({
          config: config.verifier,
          chainId: config.chainId,
          market: this.market,
          account: this.account,
          signer: this.signerAddress,
          client: this.#client,
          sender: this.#sender,
          journalFile: this.journal.file,
          backends: this.#backends,
          served: [...new Set(config.models.map((m) => m.model.toLowerCase() as Hex))],
          tokens: [...new Set(config.models.map((m) => m.token))],
          stores: [this.store, this.#remote],
          evidence,
          logger: this.logger,
          pollingIntervalMs: config.pollingIntervalMs,
          claimIntervalMs: config.claimIntervalMs,
          afterStep: parameters.afterVerifierStep,
        })
      : undefined;
    this.redundancy = config.redundancy?.enabled
      ? new RedundancyLoop({
          config: config.redundancy,
          market: this.market,
          account: this.account,
          client: this.#client,
          sender: this.#sender,
          journalFile: this.journal.file,
          backends: this.#backends,
          served: config.models,
          stores: [this.store, this.#remote],
          logger: this.logger,
          pollingIntervalMs: config.pollingIntervalMs,
          claimIntervalMs: config.claimIntervalMs,
          minSeconds: config.minJobSeconds,
          maxCollateralShare: config.maxCollateralShare,
          refused: (reason) => this.#metrics.redundancyRefused(reason),
          startBlock: config.startBlock !== undefined ? BigInt(config.startBlock) : undefined,
          afterStep: parameters.afterRedundancyStep,
        })
      : undefined;
    // The roles' content (redundancy requests' inputs and outputs, TOLERANT re-runs' evidence) is swept as the jobs' is.
    if (this.redundancy) this.#retention.addHolder(this.redundancy.journal);
    if (this.verifier) this.#retention.addHolder(this.verifier.journal);
  }

  /** The output server's base URL, once started (when `outputServer` is configured). */
  get outputUrl(): string | undefined {
    return this.#server?.url;
  }

  /** The metrics listener's base URL, once started (when `metrics` is configured). */
  get metricsUrl(): string | undefined {
    return this.#metricsServer?.url;
  }

  // ------------------------------------------------------------------------------- lifecycle

  /** Checks the set-up, resumes the journal's jobs in flight and starts watching. */
  async start(): Promise<void> {
    if (this.#active) return;
    if (this.#closed) throw new Error("this node was stopped: create a new one (its journal is closed)");
    this.#lock();
    let fromBlock: bigint;
    try {
      await this.#checkSetUp();
      // What is claimable now, so the progress line and metrics show it before the first claim round.
      this.#claimable = await this.#readClaimable();
      // A reorg while the node was down: follow it before resuming anything.
      await this.#followReorgs();
      const head = this.#headNumber;
      this.#startHead = head;
      const last = this.journal.lastBlock();
      fromBlock = last !== undefined ? last + 1n : this.config.startBlock !== undefined ? BigInt(this.config.startBlock) : head > 1000n ? head - 1000n : 0n;
      await this.#retention.start();
    } catch (error) {
      this.#unlock();
      throw error;
    }
    if (this.config.sessions) {
      this.#sessions = await startSessionService({
        config: { ...this.config, sessions: this.config.sessions },
        client: this.#client,
        sender: this.#sender,
        provider: this.account,
        signer: this.#signer,
        backends: this.#backends,
        logger: this.logger,
        afterStep: this.#afterStep,
      });
    }
    if (this.config.outputServer) {
      this.#server = await startOutputServer({
        handle: this.#sessions?.handle,
        ...this.config.outputServer,
        store: this.store,
        memory: this.#recent,
        logger: this.logger,
        // Uploads of the inputs of jobs it is waiting on (too large to post on-chain), and nothing else.
        accept: (hash) => this.#waitingForInput(hash).length > 0 || this.redundancy?.inputLimit(hash) !== undefined,
        // No larger than the largest maxInputBytes of the jobs waiting for it: a larger input would be refused anyway.
        maxUploadBytesFor: (hash) => Math.max(0, this.redundancy?.inputLimit(hash) ?? 0, ...this.#waitingForInput(hash).map((e) => this.#limitsFor(e.job).maxInputBytes)),
        onStored: (hash) => {
          for (const e of this.#waitingForInput(hash)) this.#retryAt.delete(e.jobId);
          this.#schedule(0);
          // A redundancy request's input: kept (its seat holds it; the retention sweeps it when the seat ends).
          if (this.redundancy?.inputLimit(hash) !== undefined) return this.redundancy.inputStored(hash);
          void this.#retention.uploaded(hash).catch((error) => this.logger.warn("deleting an upload no job holds failed", { hash, err: short(error) }));
        },
        quota: this.#retention,
        // Public only when the operator says so: the metrics show earnings (see `metrics` for their own port).
        metrics: this.config.outputServer.metrics ? () => this.metrics() : undefined,
      });
    }
    if (this.config.metrics) this.#metricsServer = await startMetricsServer({ ...this.config.metrics, metrics: () => this.metrics(), logger: this.logger });
    // Events of our jobs (disputes, expiries) are scanned over the same blocks as the jobs themselves.
    if (this.journal.blockMark("dispute_block") === undefined) this.journal.setBlockMark("dispute_block", fromBlock - 1n);
    this.#active = true;
    const resumed = this.journal.list([...WORKING, "submitted", "finalizing", "disputed"]);
    this.logger.info("provider node started", {
      account: this.account,
      signer: this.signerAddress,
      market: this.market,
      fromBlock,
      resumed: resumed.length,
      output: this.#server?.url,
      config: describeConfig(this.config),
    });
    this.#watch(fromBlock);
    await this.#followHeads();
    this.#lastClaimAt = Date.now();
    this.#schedule(0);
    if (this.verifier) await this.verifier.start(this.#sampledVerifierAddress());
    if (this.redundancy) await this.redundancy.start(this.#redundancyModuleAddress());
  }

  /** The RedundancyModule the redundancy loop serves: the config's, else the SDK's deployment for the chain. */
  #redundancyModuleAddress(): Address {
    const known = (deployments as Record<number, { contracts: Record<string, string> } | undefined>)[this.config.chainId];
    const address = (this.config.redundancy?.address ?? known?.contracts.redundancyModule) as Address | undefined;
    if (!address) {
      throw new ProviderNodeStartError({
        issues: [{ field: "redundancy.address", value: "missing", expected: `the RedundancyModule address: no deployment of it is known for chain ${this.config.chainId}` }],
      });
    }
    return address;
  }

  /** The SampledVerifier the verifier loop serves: the config's, else the SDK's deployment for the chain. */
  #sampledVerifierAddress(): Address {
    const known = (deployments as Record<number, { contracts: Record<string, string> } | undefined>)[this.config.chainId];
    const address = (this.config.verifier?.address ?? known?.contracts.sampledVerifier) as Address | undefined;
    if (!address) {
      throw new ProviderNodeStartError({
        issues: [{ field: "verifier.address", value: "missing", expected: `the SampledVerifier address: no deployment of it is known for chain ${this.config.chainId}` }],
      });
    }
    return address;
  }

  /** Watches for jobs from `fromBlock` on (again, after a reorg: the old watcher's late callbacks are ignored). */
  #watch(fromBlock: bigint) {
    this.#unwatch?.();
    const generation = ++this.#watchGeneration;
    const current = () => generation === this.#watchGeneration;
    this.#unwatch = watchJobs(this.#client, {
      market: this.market,
      provider: this.account,
      models: [...new Set(this.#served.map((m) => m.model))],
      fromBlock,
      pollingInterval: this.config.pollingIntervalMs,
      onJobs: (jobs) => (current() ? this.#intake(jobs) : undefined),
      // Only a lying or broken RPC answers with these (the watcher reports each once): never a job.
      onForged: ({ jobId, address, reason, blockNumber }) => {
        this.#forged++;
        this.logger.warn("forged job log dropped: the RPC is lying or broken", {
          jobId,
          address,
          block: blockNumber,
          reason: reason === "address" ? `not from the market ${this.market}` : "its jobId is not the hash of its terms",
          forged: this.#forged,
        });
      },
      onProgress: (block) => {
        if (current()) this.journal.setLastBlock(block);
      },
      onError: (error) => this.logger.warn("watching jobs: RPC error, retrying", { err: short(error) }),
    });
  }

  /**
   * Reacts to each new block at once when the RPC pushes them (`eth_subscribe("newHeads")`: a
   * WebSocket RPC, or any transport with viem's `subscribe`): the job watcher scans up to it and a
   * tick runs with it as its head, with no request for either. Polling stays on as the fallback: a
   * lost notification, or a subscription that fails, only costs a polling interval.
   */
  async #followHeads() {
    type Subscribe = (args: {
      params: ["newHeads"];
      onData: (data: { result?: unknown }) => void;
      onError?: (error: Error) => void;
    }) => Promise<{ unsubscribe: () => Promise<unknown> }>;
    const subscribe = (this.#client.transport as { subscribe?: Subscribe }).subscribe;
    if (typeof subscribe !== "function") return;
    try {
      const { unsubscribe } = await subscribe({
        params: ["newHeads"],
        onData: (data) => this.#onHead(data.result),
        onError: (error) => this.logger.warn("new blocks subscription failed: polling only", { err: short(error) }),
      });
      this.#unsubscribeHeads = unsubscribe;
      this.logger.info("following new blocks as the RPC pushes them (polling stays as the fallback)");
    } catch (error) {
      this.logger.warn("cannot subscribe to new blocks: polling only", { err: short(error) });
    }
  }

  /** A block the RPC pushed: the watcher scans up to it and a tick runs with it (both at once, or right after the current one). */
  #onHead(raw: unknown) {
    if (!this.#active || typeof raw !== "object" || raw === null) return;
    let block: ReturnType<typeof formatBlock>;
    try {
      block = formatBlock(raw as never);
    } catch {
      return;
    }
    if (block.number === null || block.hash === null) return;
    const head = { number: block.number, hash: block.hash, parentHash: block.parentHash, timestamp: block.timestamp, baseFeePerGas: block.baseFeePerGas };
    if (!this.#pushedHead || head.number >= this.#pushedHead.number) this.#pushedHead = head;
    this.#lastPushAt = Date.now();
    // The latest block's time is the chain's time: #now() needs no request while heads come.
    if (head.number >= this.#knownPushed) {
      this.#knownPushed = head.number;
      this.#chainNow = { at: Date.now(), value: Number(head.timestamp) };
    }
    this.#pushedTimes.set(head.number, { hash: head.hash, timestamp: head.timestamp });
    if (this.#pushedTimes.size > 64) this.#pushedTimes.delete(this.#pushedTimes.keys().next().value!);
    this.#sender.headArrived();
    this.#unwatch?.poll(head.number);
    this.#wake();
  }

  /** Runs a tick now, or right after the one running. */
  #wake() {
    if (this.#ticking) this.#tickAgain = true;
    else this.#schedule(0);
  }

  /**
   * Stops taking work, aborts inferences in progress, waits for the steps in flight, and closes the
   * journal. Idempotent; a stopped node cannot start again (create a new one on the same dataDir).
   */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#active) return this.journal.close();
    this.#active = false;
    this.#unwatch?.();
    await this.#unsubscribeHeads?.().catch(() => undefined);
    if (this.#timer) clearTimeout(this.#timer);
    for (const controller of this.#aborts.values()) controller.abort(new Error("the node is stopping"));
    // Results not yet in a batch stay `computed` in the journal: the next start sends them.
    this.#batcher.drop(new Error("the node is stopping"));
    await this.#ticking;
    await this.verifier?.stop();
    await this.redundancy?.stop();
    // Transactions in flight settle quickly; an inference that ignores its abort signal is left
    // behind after a grace period (its job resumes from the journal on the next start).
    let grace: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.#running.values(), this.#releasingDue]), new Promise((resolve) => (grace = setTimeout(resolve, 10_000)))]);
    clearTimeout(grace);
    await this.#server?.close();
    await this.#sessions?.stop();
    await this.#metricsServer?.close();
    this.#progress?.clear();
    this.logger.info("provider node stopped", { states: this.journal.counts() });
    this.journal.close();
    this.#unlock();
  }

  get #lockFile() {
    return path.join(this.config.dataDir, "node.lock");
  }

  /**
   * One node per data directory: two loops on one journal could both sign a job's submission. The
   * lock file holds the owner's pid; a lock whose process is gone (e.g. killed) is taken over.
   */
  #lock() {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.#lockFile, String(process.pid), { flag: "wx" });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = Number(readFileSync(this.#lockFile, "utf8").trim());
      if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new ProviderNodeStartError({
          issues: [{ field: "dataDir", value: this.config.dataDir, expected: `a data directory no other running node uses (process ${owner} holds ${this.#lockFile})` }],
        });
      }
      this.logger.warn("taking over the lock of a node that is gone", { pid: owner, file: this.#lockFile });
      rmSync(this.#lockFile, { force: true });
    }
  }

  #unlock() {
    try {
      if (readFileSync(this.#lockFile, "utf8").trim() === String(process.pid)) rmSync(this.#lockFile, { force: true });
    } catch {
      // already gone
    }
  }

  /** Counts by state, jobs running, what is claimable and what was claimed. */
  stats(): ProviderNodeStats {
    const states = this.journal.counts();
    const n = (...s: JournalState[]) => s.reduce((sum, k) => sum + (states[k] ?? 0), 0);
    const finalized = n("finalized");
    const submitted = n("submitted", "finalizing", "disputed", "slashed") + finalized;
    return {
      seen: Object.values(states).reduce((a, b) => a + (b ?? 0), 0),
      accepted: n("accepting", "accepted", "computed", "submitting") + submitted,
      submitted,
      finalized,
      failed: n("failed"),
      running: this.#running.size,
      states,
      claimable: this.#claimable,
      claimed: [...this.#claimed].map(([token, amount]) => ({ token, amount })),
      refused: { ...this.#refused },
      lastBlock: this.journal.lastBlock(),
    };
  }

  /** The node's counters in Prometheus' text format (served at `GET /metrics`; prom-client, see metrics.ts). */
  metrics(): Promise<string> {
    return this.#metrics.text();
  }

  async #checkSetUp() {
    const fail = (field: string, value: string, expected: string): never => {
      throw new ProviderNodeStartError({ issues: [{ field, value, expected }] });
    };
    let chainId: number;
    try {
      chainId = await retry(() => getChainId(this.#client), { retries: 2 });
    } catch (error) {
      return fail("rpcUrl", redactUrl(this.config.rpcUrl), `an RPC endpoint that answers (${short(error).split("\n")[0]})`);
    }
    if (chainId !== this.config.chainId) fail("chainId", String(this.config.chainId), `the RPC's chain id ${chainId}`);
    try {
      await this.#read(() => checkMarket(this.#client, this.market, { chainId }));
    } catch (error) {
      if (error instanceof ProviderConfigError) throw new ProviderNodeStartError({ issues: [...error.issues] });
      throw error;
    }
    const info = await this.#providerInfo();
    if (!info.registered) fail(this.config.account ? "account" : "signer", this.account, "a registered provider account: run `depinfer-provider setup --stake <amount>` first");
    if (info.signer.toLowerCase() !== this.signerAddress.toLowerCase()) {
      fail("signer", this.signerAddress, `the provider's registered signer ${info.signer}: attestations by another key are refused on-chain`);
    }
    for (const m of this.#served) {
      const offer = await this.#read(() => readContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "offer", args: [this.account, m.model] }));
      this.#maxLatency.set(m.model.toLowerCase(), { at: Date.now(), seconds: offer.maxLatency });
      if (!offer.active) this.logger.warn("no active offer for this model: only direct jobs will come", { model: m.model });
    }
  }

  /** The job's on-chain state (status, provider, timestamp, window). */
  #jobState(jobId: Hex) {
    return this.#read(() => readContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] }));
  }

  /** The provider's on-chain standing (registration, signer, stake). */
  #providerInfo() {
    return this.#read(() => readContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "provider", args: [this.account] }));
  }

  /** A read, retried with backoff on transient RPC errors. */
  #read<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, { retries: 6, baseDelayMs: 250, maxDelayMs: 10_000 });
  }

  /**
   * Whether the `newHeads` subscription pushed a block within the last polling interval (or second,
   * when that is longer): the newest pushed head is then the chain's head, and a tick (or #now) asks
   * for none. The wait covers an RPC whose pushes arrive with its requests' delay.
   */
  #headsLive(): boolean {
    return this.#lastPushAt !== undefined && Date.now() - this.#lastPushAt < Math.max(this.config.pollingIntervalMs, PUSHED_HEAD_TRUST_MS);
  }

  /** The chain's time (the latest block's timestamp), at most one polling interval old (or the newest pushed head's, while pushes come). */
  async #now(): Promise<number> {
    if (this.#chainNow && (Date.now() - this.#chainNow.at < this.config.pollingIntervalMs || this.#headsLive())) return this.#chainNow.value;
    const block = await this.#read(() => getBlock(this.#client, { blockTag: "latest" }));
    this.#chainNow = { at: Date.now(), value: Number(block.timestamp) };
    return this.#chainNow.value;
  }

  // ------------------------------------------------------------------------------- the loop

  #schedule(delayMs: number) {
    if (!this.#active) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#ticking) {
        this.#tickAgain = true;
        return;
      }
      this.#tickAgain = false;
      this.#ticking = this.#tick()
        .catch((error) => this.logger.warn("node tick failed, retrying", { err: short(error) }))
        .finally(() => {
          this.#ticking = undefined;
          this.#schedule(this.#tickAgain ? 0 : this.config.pollingIntervalMs);
        });
    }, delayMs);
  }

  async #tick() {
    await this.#followReorgs();
    await this.#pump();
    // The rest (disputes and expiries, releases left behind, finalization, deletions, claims) is
    // housekeeping: once a polling interval, however many blocks are pushed meanwhile.
    if (Date.now() - this.#lastHousekeeping < this.config.pollingIntervalMs) {
      if (this.#progress?.enabled) this.#progress.update(this.stats());
      return;
    }
    this.#lastHousekeeping = Date.now();
    await this.#scanDisputes();
    this.#releasingDue ??= this.#releaseDue()
      .catch((error) => this.logger.warn("releasing outputs failed, retrying", { err: short(error) }))
      .finally(() => (this.#releasingDue = undefined));
    await this.#finalizeDue();
    await this.#retention.sweepDue().catch((error) => this.logger.warn("deleting content failed, retrying", { err: short(error) }));
    if (Date.now() - this.#lastClaimAt >= this.config.claimIntervalMs) {
      this.#lastClaimAt = Date.now();
      await this.#claim();
    }
    if (this.#progress?.enabled) this.#progress.update(this.stats());
  }

  /** Records newly watched jobs we can serve; skips (with the reason) those we cannot. */
  async #intake(items: { jobId: Hex; job: Job; blockNumber: bigint }[]) {
    const fresh: { jobId: Hex; job: Job; blockNumber: bigint }[] = [];
    // The scan's jobs in one SQLite transaction (one commit, not one per job): only bookkeeping,
    // with no effect outside the process; a kill before the commit loses the lot, and the watcher
    // scans those blocks again (the last block is recorded after this).
    this.journal.atomically(() => {
      for (const { jobId, job, blockNumber } of items) {
        // watchJobs checks this; the journal keys everything on the id, so the node checks it again.
        if (jobIdOf(job) !== jobId.toLowerCase()) {
          this.#forged++;
          this.logger.warn("forged job log dropped: the RPC is lying or broken", { jobId, block: blockNumber, reason: "its jobId is not the hash of its terms", forged: this.#forged });
          continue;
        }
        if (!this.journal.recordSeen(jobId, job, blockNumber)) {
          // Delivered again after a reorg: it may be in another block now, or back after its creation was gone.
          if (this.journal.redelivered(jobId, blockNumber)) this.logger.info("job taken up again: its creation is back on-chain", { jobId, block: blockNumber });
          continue;
        }
        const served = this.#served.find((m) => m.model.toLowerCase() === job.model.toLowerCase() && m.token.toLowerCase() === job.token.toLowerCase());
        const reason = !served
          ? "model or payment token not served"
          : job.price < BigInt(served.price)
            ? `price ${job.price} below ours (${served.price})`
            : undefined;
        if (reason) {
          this.journal.transition(jobId, ["seen"], "skipped", { error: reason });
          this.logger.info("job skipped", { jobId, reason });
        } else {
          this.logger.debug("job seen", { jobId, direct: job.provider !== zeroAddress, price: job.price, deadline: job.deadline });
          fresh.push({ jobId, job, blockNumber });
          if (job.provider !== zeroAddress && this.#startHead !== undefined && blockNumber > this.#startHead) {
            this.#fresh.add(jobId);
            if (this.#fresh.size > 10_000) this.#fresh.delete(this.#fresh.values().next().value!);
          }
        }
      }
    });
    // One line per scan at info (each job's own at debug): the log costs the node per line, not per job.
    if (fresh.length > 0) this.logger.info("jobs seen", { jobs: fresh.length, jobIds: fresh.map((f) => f.jobId), block: fresh.at(-1)!.blockNumber });
    await this.#prefetchInputs(fresh);
    this.#schedule(0);
  }

  /**
   * Reads the JobInput events of newly seen jobs in one request for the lot (by job id, over their
   * blocks), so that each job does not ask for its own. A failure only means each job reads its own.
   */
  async #prefetchInputs(items: { jobId: Hex; job: Job; blockNumber: bigint }[]) {
    for (let at = 0; at < items.length; at += 100) {
      const chunk = items.slice(at, at + 100);
      const blocks = chunk.map((i) => i.blockNumber);
      const fromBlock = blocks.reduce((a, b) => (b < a ? b : a));
      const toBlock = blocks.reduce((a, b) => (b > a ? b : a));
      try {
        const events = await getContractEvents(this.#client, {
          address: this.market,
          abi: jobMarketAbi,
          eventName: "JobInput",
          args: { jobId: chunk.map((i) => i.jobId) },
          fromBlock,
          toBlock,
          strict: true,
        });
        const found = new Map<string, Uint8Array>();
        for (const e of events) {
          const item = chunk.find((i) => i.jobId.toLowerCase() === e.args.jobId.toLowerCase() && i.blockNumber === e.blockNumber);
          if (!item || e.address.toLowerCase() !== this.market.toLowerCase()) continue;
          const bytes = Uint8Array.from(Buffer.from(e.args.input.slice(2), "hex"));
          if (contentHash(bytes) === item.job.inputHash.toLowerCase()) found.set(item.jobId.toLowerCase(), bytes);
        }
        for (const i of chunk) this.#inputs.set(i.jobId, found.get(i.jobId.toLowerCase()) ?? null);
        // Bounded: jobs that never get to their accept (skipped, say) leave theirs behind.
        while (this.#inputs.size > 10_000) this.#inputs.delete(this.#inputs.keys().next().value!);
      } catch (error) {
        this.logger.debug("reading the inputs of new jobs failed: each job reads its own", { jobs: chunk.length, err: short(error) });
      }
    }
  }

  /** Starts work on jobs: every job in flight not running yet, then new ones within the limits. */
  async #pump() {
    if (!this.#active) return;
    const now = Date.now();
    // Ids only: a tick comes with every pushed block and every job that finishes a step, and the
    // jobs in flight are already running (each reads its own entry).
    for (const jobId of this.journal.ids(WORKING)) {
      if (!this.#running.has(jobId) && (this.#retryAt.get(jobId) ?? 0) <= now) this.#run(jobId);
    }
    if (now < this.#takePausedUntil) return;
    const waiting = this.journal.list(["seen"]);
    if (waiting.length === 0) return;
    const chainNow = await this.#now();
    let stake: { staked: bigint; free: bigint; exact: boolean; taken: bigint } | undefined;
    for (const entry of waiting) {
      if (this.#running.size >= this.config.concurrency) break;
      if (this.#running.has(entry.jobId) || (this.#retryAt.get(entry.jobId) ?? 0) > now) continue;
      const log = this.logger.child({ jobId: entry.jobId });
      if (await this.#refuseIfTooLate(entry, chainNow, log)) continue;
      const { collateral } = entry.job;
      stake ??= { ...(await this.#stake()), taken: 0n };
      // Too large for this node whatever it has free: refused before it can hold up the jobs behind it.
      const most = this.#shareOf(stake.staked);
      if (collateral > most) {
        this.#refuse(entry, "collateral", `its collateral ${collateral} is above maxCollateralShare (${this.config.maxCollateralShare}) of the stake ${stake.staked}`, log, "job skipped: its collateral is above maxCollateralShare of the stake", {
          collateral,
          staked: stake.staked,
          most,
          maxCollateralShare: this.config.maxCollateralShare,
        });
        continue;
      }
      if ((stake.free < collateral || collateral > this.#shareOf(stake.free)) && !stake.exact) {
        // Before a job waits on a reused read: read again (what this pump took is still taken).
        const taken = stake.taken;
        stake = { ...(await this.#stake(true)), taken };
        stake.free = stake.free > taken ? stake.free - taken : 0n;
      }
      if (stake.free < collateral) {
        this.logger.warn("not enough free stake to take a job: waiting", { jobId: entry.jobId, free: stake.free, collateral });
        this.#takePausedUntil = now + 5 * this.config.pollingIntervalMs;
        return;
      }
      // Within the share of the whole stake, but not of what is free now: it waits for stake to be
      // freed (finalized jobs), while smaller jobs go ahead; its deadline still applies.
      const limit = this.#shareOf(stake.free);
      if (collateral > limit) {
        if (!this.#waitingForStake.has(entry.jobId)) {
          this.#waitingForStake.add(entry.jobId);
          log.info("job waits: its collateral is above maxCollateralShare of the free stake", { collateral, free: stake.free, limit, maxCollateralShare: this.config.maxCollateralShare });
        }
        this.#retryAt.set(entry.jobId, now + 5 * this.config.pollingIntervalMs);
        continue;
      }
      this.#waitingForStake.delete(entry.jobId);
      stake.free -= collateral;
      stake.taken += collateral;
      this.#run(entry.jobId);
    }
  }

  /**
   * The provider's stake, and how much of it is free: staked − locked − the collateral of direct
   * jobs taken but not yet locked on-chain (locked at submission).
   */
  async #stake(exact = false): Promise<{ staked: bigint; free: bigint; exact: boolean }> {
    // One read per polling interval, however many jobs are taken meanwhile. What the node's own
    // effects locked since the read is added to it (see #lockedNow); others' changes (a slash, a
    // stake moved by the operator) show at the next read. `exact`: read now (before a refusal).
    let read = this.#stakeRead;
    if (exact || !read || Date.now() - read.at >= this.config.pollingIntervalMs) {
      const info = this.#providerInfo().then((i) => ({ staked: BigInt(i.staked), locked: BigInt(i.locked) }));
      const fresh = { at: Date.now(), exact, lockedSince: 0n, info };
      read = this.#stakeRead = fresh;
      info.catch(() => {
        if (this.#stakeRead === fresh) this.#stakeRead = undefined;
      });
    }
    const reading = read;
    const info = await reading.info;
    let reserved = 0n;
    for (const e of this.journal.list(WORKING)) if (!this.#locksAtAccept(e.job)) reserved += e.job.collateral;
    const staked = info.staked;
    const free = staked - info.locked - reading.lockedSince - reserved;
    return { staked, free: free > 0n ? free : 0n, exact: reading.exact && reading.lockedSince === 0n };
  }

  /**
   * One of the node's own transactions locked `collateral` on-chain (an accept, or a direct job's
   * submission): counted against the stake read before it (see #stake). A read made after it counts
   * it twice until the next read: too little free stake, never too much, and a refusal reads again.
   */
  #lockedNow(collateral: bigint) {
    if (this.#stakeRead) this.#stakeRead.lockedSince += collateral;
  }


  /** An offer's maxLatency (seconds), read again when the cached one is older than `maxAgeMs`. */
  async #offerLatency(model: Hex, maxAgeMs = OFFER_CACHE_MS): Promise<number> {
    const key = model.toLowerCase();
    const cached = this.#maxLatency.get(key);
    if (cached && Date.now() - cached.at <= maxAgeMs) return cached.seconds;
    const offer = await this.#read(() => readContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "offer", args: [this.account, model] }));
    this.#maxLatency.set(key, { at: Date.now(), seconds: offer.maxLatency });
    return offer.maxLatency;
  }

  /**
   * Skips a job that leaves too little time (chain seconds from `now` to its deadline) and returns
   * true; false when it leaves enough. Every job needs `minJobSeconds`, and its model's inference
   * timeout (`timeoutSeconds`) plus a margin for each transaction still to be mined (the submission;
   * an open job's acceptance too); an open job also needs its offer's maxLatency, the time the node
   * promised for it (the market will refuse an acceptance that leaves less), plus a margin for the
   * acceptance to be mined. Taking a job that cannot be done in time would lock its collateral only
   * for the client to collect the liveness slash.
   */
  async #refuseIfTooLate(entry: JournalEntry, now: number, log: Logger, offerMaxAgeMs?: number): Promise<boolean> {
    const { job } = entry;
    const left = job.deadline - now;
    const open = job.provider === zeroAddress;
    const { timeoutSeconds } = this.#limitsFor(job);
    let needed = Math.max(this.config.minJobSeconds, timeoutSeconds + INCLUSION_MARGIN_SECONDS * (this.#locksAtAccept(job) ? 2 : 1));
    let maxLatency: number | undefined;
    if (left >= needed && open) {
      maxLatency = await this.#offerLatency(job.model, offerMaxAgeMs);
      needed = Math.max(needed, maxLatency + INCLUSION_MARGIN_SECONDS);
    }
    if (left >= needed) return false;
    const error = left <= 0 ? "its deadline passed before the node could take it" : `only ${left} s left before its deadline: the node takes a job with at least ${needed} s left`;
    this.#refuse(entry, "deadline", error, log, "job skipped: too little time before its deadline", {
      secondsLeft: left,
      secondsNeeded: needed,
      minJobSeconds: this.config.minJobSeconds,
      timeoutSeconds,
      ...(maxLatency !== undefined && { maxLatency }),
    });
    return true;
  }

  /**
   * Records a job refused before anything was committed to it (`seen`, or a direct job taken but not
   * yet locked on-chain: `accepted` → `skipped`), logs it and counts it.
   */
  #refuse(entry: JournalEntry, reason: JobRefusal, error: string, log: Logger, msg: string, fields: Record<string, unknown>) {
    this.#waitingForStake.delete(entry.jobId);
    this.#inputChecked.delete(entry.jobId);
    const from: JournalState[] = this.#lockedOnChain(entry) ? [] : [entry.state];
    if (!this.journal.transition(entry.jobId, from, "skipped", { error })) return;
    this.#refused[reason]++;
    this.#metrics.refused(reason);
    log.warn(msg, { direct: entry.job.provider !== zeroAddress, price: entry.job.price, deadline: entry.job.deadline, ...fields });
  }

  /** Whether the job is accepted in its own transaction (open jobs, and direct ones with acceptFirst). */
  #locksAtAccept(job: Job) {
    return job.provider === zeroAddress || this.config.acceptFirst;
  }

  /** Whether the job's collateral may be locked on-chain already: an accept was sent, or it is past `accepted`. */
  #lockedOnChain(entry: JournalEntry) {
    return entry.acceptTx !== undefined || !(entry.state === "seen" || entry.state === "accepted");
  }

  /**
   * The input limits of a job's model (and token), with the defaults filled in. A job the journal
   * kept from a config that served its model with another token (or no more) gets the model's
   * limits under another token, else the defaults of an openai backend.
   */
  #limitsFor(job: Job) {
    const same = (m: ServedModel) => m.model.toLowerCase() === job.model.toLowerCase();
    const served = this.#served.find((m) => same(m) && m.token.toLowerCase() === job.token.toLowerCase()) ?? this.#served.find(same);
    return inputLimitsOf(served ?? { model: job.model, backend: { type: "openai", baseUrl: "", model: "" }, price: "0", token: job.token });
  }

  /**
   * Skips a job whose input the model cannot run (over its `maxInputBytes`, `maxInputTokens` or
   * context: see inputLimits.ts) and returns true, before anything is committed to it. Counting the
   * tokens may ask the backend (not the chain); a transient failure of that rejects, and the job is
   * tried again later like any step.
   */
  async #refuseIfUnrunnable(entry: JournalEntry, input: Uint8Array, log: Logger): Promise<boolean> {
    const backend = this.#backends.get(entry.job.model.toLowerCase());
    if (!backend) throw new Error(`no backend for model ${entry.job.model}`);
    const check = await checkInput(input, this.#limitsFor(entry.job), backend);
    if (check.ok) return false;
    const { reason, ok: _, ...fields } = check;
    this.#refuse(entry, "input", reason, log, "job skipped: its input is over the model's limits", { ...fields, backend: backend.name });
    return true;
  }

  #run(jobId: Hex) {
    const work = this.#advance(jobId)
      .catch((error) => this.logger.error("job step failed unexpectedly", { jobId, err: error }))
      .finally(() => {
        this.#running.delete(jobId);
        this.#aborts.delete(jobId);
        this.#schedule(0);
      });
    this.#running.set(jobId, work);
  }

  /** Moves one job forward, step by step, until it is submitted, ends, or must wait. */
  async #advance(jobId: Hex) {
    const log = this.logger.child({ jobId });
    while (this.#active) {
      const entry = this.journal.get(jobId);
      if (!entry) return;
      try {
        let next: boolean;
        switch (entry.state) {
          case "seen":
            next = await this.#accept(entry, log);
            break;
          case "accepting":
            next = await this.#recoverAccept(entry, log);
            break;
          case "accepted":
            next = await this.#compute(entry, log);
            break;
          case "computed":
            next = await this.#submit(entry, log);
            break;
          case "submitting":
            next = await this.#recoverSubmit(entry, log);
            break;
          default:
            return; // submitted and later: the finalizer's
        }
        if (!next) return;
      } catch (error) {
        if (!this.#active) return;
        if (isFeeCeilingError(error)) {
          // Not signed, nothing sent (the sender logged why): the job keeps its place and is tried
          // again once fees are back under the ceiling. Not an attempt towards giving up.
          this.#retryAt.set(jobId, Date.now() + Math.min(30_000, 5 * this.config.pollingIntervalMs));
          return;
        }
        const attempts = this.journal.recordAttempt(jobId, short(error));
        const transient = isTransientError(error) || isTransientInference(error);
        // The step may have moved the job on before it failed (an accept recorded, then its
        // broadcast failed): judge it by the journal's state now, not the one it started from.
        const state = this.journal.get(jobId)?.state ?? entry.state;
        // A job whose transaction may be in flight is never given up: the chain will tell.
        const inFlight = state === "accepting" || state === "submitting";
        if (!transient && !inFlight && attempts >= 5 && this.journal.transition(jobId, [state], "failed", { error: short(error) })) {
          log.error("job failed: giving up", { state, attempts, err: error, consequence: state === "seen" ? "none" : "the job will expire and the stake be slashed for liveness" });
          return;
        }
        const delay = Math.min(30_000, 250 * 2 ** Math.min(attempts, 7));
        log.warn("job step failed, will retry", { state, attempts, delayMs: delay, err: short(error) });
        this.#retryAt.set(jobId, Date.now() + delay);
        return;
      }
    }
  }

  /**
   * Records the job's on-chain status in the journal when it left our hands; returns whether it did.
   * `state` is a fresh read of the job's state, when the caller has one.
   */
  async #reconcile(entry: JournalEntry, log: Logger, why: string, state?: { status: number; provider: Address }): Promise<boolean> {
    log = log.child({ jobId: entry.jobId }); // whoever calls it: the line is about this job
    state ??= await this.#jobState(entry.jobId);
    const ours = state.provider.toLowerCase() === this.account.toLowerCase();
    let to: JournalState | undefined;
    switch (state.status) {
      case JobStatus.Accepted:
        if (!ours) to = "skipped";
        break;
      case JobStatus.Submitted:
        to = ours ? "submitted" : "skipped";
        break;
      case JobStatus.Disputed:
        to = "disputed";
        break;
      case JobStatus.Finalized:
        to = ours ? "finalized" : "skipped";
        break;
      case JobStatus.Expired:
        to = "expired";
        break;
      case JobStatus.Cancelled:
        to = "cancelled";
        break;
      case JobStatus.Slashed:
        to = "slashed";
        break;
    }
    if (to === undefined || to === entry.state) return false;
    const note = to === "skipped" ? `taken by ${state.provider}` : `${jobStatusName(state.status)} on-chain (${why})`;
    if (!this.journal.transition(entry.jobId, [entry.state], to, { error: note })) return true; // someone else recorded it
    const level = to === "slashed" ? log.error : to === "expired" || to === "disputed" ? log.warn : log.info;
    level(`job ${to}`, { why, status: jobStatusName(state.status), by: ours ? undefined : state.provider });
    return true;
  }

  async #accept(entry: JournalEntry, log: Logger): Promise<boolean> {
    // Never commit stake to a job whose input cannot be had.
    const input = await this.#inputReady(entry, log);
    if (!input) return false;
    // Nor to one it can no longer finish in time (it may have waited for its input, or be retried
    // after an accept that was never mined): checked with the offer as it is now.
    if (await this.#refuseIfTooLate(entry, await this.#now(), log, 0)) return false;
    // Nor to one whose input the model cannot run: accepted, it could only fail, expire and be slashed.
    if (!this.#inputChecked.has(entry.jobId)) {
      if (await this.#refuseIfUnrunnable(entry, input, log)) return false;
      this.#inputChecked.add(entry.jobId);
      // Jobs that end before #compute (taken by another provider, say) leave their id behind: keep the newest.
      if (this.#inputChecked.size > 10_000) this.#inputChecked.delete(this.#inputChecked.values().next().value!);
    }
    if (!this.#locksAtAccept(entry.job)) {
      // A direct job is locked and submitted in one call (acceptAndSubmit): take it locally.
      if (!this.journal.transition(entry.jobId, ["seen"], this.#afterAccept(entry))) return true;
      this.#afterStep?.("accepted", entry.jobId);
      log.debug("job taken (accepted with its result)");
      return true;
    }
    let hash: Hash;
    try {
      hash = await this.#sender.send({
        to: this.market,
        abi: jobMarketAbi,
        functionName: "acceptJob",
        args: [entry.job],
        logger: log,
        beforeBroadcast: async ({ hash }) => {
          const moved = await this.journal.atomicallyDurable(() => this.journal.transition(entry.jobId, ["seen", "accepting"], "accepting", { acceptTx: hash }));
          if (!moved) throw new Error("the job moved on");
        },
      });
    } catch (error) {
      return this.#onRefused(entry, error, log);
    }
    const receipt = await this.#sender.wait(hash);
    if (receipt.status !== "success") {
      this.journal.transition(entry.jobId, ["accepting"], "seen");
      return !(await this.#reconcile({ ...entry, state: "seen" }, log, "accept reverted"));
    }
    if (!this.journal.transition(entry.jobId, ["accepting"], this.#afterAccept(entry))) return true;
    this.#recordEffect(entry.jobId, receipt);
    this.#lockedNow(entry.job.collateral);
    this.#afterStep?.("accepted", entry.jobId);
    log.info("job accepted", { tx: hash, gas: receipt.gasUsed, block: receipt.blockNumber });
    return true;
  }

  /** A refused accept or submit: not ours any more, or not now. */
  async #onRefused(entry: JournalEntry, error: unknown, log: Logger): Promise<boolean> {
    const name = errorName(error);
    if (name && NOT_OURS.has(name)) {
      if (await this.#reconcile(entry, log, name)) return false;
      if (name === "JobDeadlinePassed" || name === "JobWrongStatus" || name === "JobUnknown" || entry.state === "seen") {
        const to: JournalState = entry.state === "seen" ? "skipped" : "failed";
        this.journal.transition(entry.jobId, [entry.state], to, { error: name });
        (to === "failed" ? log.error : log.info)(`job ${to}`, { reason: (error as DepinferContractError).hint });
        return false;
      }
    }
    if (name && CANNOT_TAKE_NOW.has(name)) {
      this.#takePausedUntil = Date.now() + 10 * this.config.pollingIntervalMs;
      this.#retryAt.set(entry.jobId, this.#takePausedUntil);
      log.warn("cannot take jobs now: waiting", { reason: (error as DepinferContractError).hint });
      return false;
    }
    throw error;
  }

  /** After a restart in `accepting`: the accept may or may not have been mined. */
  async #recoverAccept(entry: JournalEntry, log: Logger): Promise<boolean> {
    if (entry.acceptTx && (await this.#sender.isKnown(entry.acceptTx))) {
      const receipt = await this.#sender.wait(entry.acceptTx);
      if (receipt.status === "success") {
        if (!this.journal.transition(entry.jobId, ["accepting"], this.#afterAccept(entry))) return true;
        this.#recordEffect(entry.jobId, receipt);
        this.#lockedNow(entry.job.collateral);
        this.#afterStep?.("accepted", entry.jobId);
        log.info("job accepted (recovered)", { tx: entry.acceptTx });
        return true;
      }
    }
    const state = await this.#jobState(entry.jobId);
    if (await this.#reconcile(entry, log, "recovering an accept", state)) return false;
    if (state.status === JobStatus.Accepted) {
      this.journal.transition(entry.jobId, ["accepting"], this.#afterAccept(entry)); // ours: #reconcile skips others'
      return true;
    }
    // Never mined, and unknown to the node: accepting again is safe (a double accept would revert).
    this.journal.transition(entry.jobId, ["accepting"], "seen");
    return true;
  }

  async #input(entry: JournalEntry): Promise<Uint8Array | undefined> {
    const prefetched = this.#inputs.get(entry.jobId);
    if (prefetched !== undefined) {
      // null: no JobInput in its creation's block (checked with the others of its intake).
      return prefetched ?? (await this.store.get(entry.job.inputHash)) ?? (await this.#remote?.get(entry.job.inputHash));
    }
    const [event] = await this.#read(() =>
      getContractEvents(this.#client, { address: this.market, abi: jobMarketAbi, eventName: "JobInput", args: { jobId: entry.jobId }, fromBlock: entry.block, toBlock: entry.block, strict: true }),
    );
    if (event) {
      const bytes = Uint8Array.from(Buffer.from(event.args.input.slice(2), "hex"));
      if (contentHash(bytes) === entry.job.inputHash.toLowerCase()) return bytes;
    }
    return (await this.store.get(entry.job.inputHash)) ?? (await this.#remote?.get(entry.job.inputHash));
  }

  /** Jobs not yet computed whose input has this hash. */
  #waitingForInput(hash: Hex): JournalEntry[] {
    return this.journal.list(["seen", "accepting", "accepted"]).filter((e) => e.job.inputHash.toLowerCase() === hash.toLowerCase());
  }

  /**
   * Whether the job's input can be had (on-chain, uploaded to us, or in the content store). When it
   * cannot, the job waits (retried every 2 s, or at once on upload) until its deadline, then is
   * given up: `skipped` before it was accepted, `failed` after.
   */
  async #inputReady(entry: JournalEntry, log: Logger): Promise<Uint8Array | undefined> {
    const input = await this.#input(entry);
    if (input) return input;
    if (entry.job.deadline - 5 <= (await this.#now())) {
      const to: JournalState = entry.state === "seen" ? "skipped" : "failed";
      this.journal.transition(entry.jobId, [entry.state], to, { error: "its input never arrived (not on-chain, not uploaded, not in the content store)" });
      (to === "failed" ? log.error : log.warn)(`job ${to}: its input never arrived`, { inputHash: entry.job.inputHash });
      return undefined;
    }
    if (entry.attempts === 0) {
      log.warn("waiting for the job's input", { inputHash: entry.job.inputHash, upload: this.#server ? `POST ${this.#server.url}/content/${cidFromHash(entry.job.inputHash)}` : undefined });
    }
    this.journal.recordAttempt(entry.jobId, "waiting for the input");
    this.#retryAt.set(entry.jobId, Date.now() + 2_000);
    return undefined;
  }

  async #compute(entry: JournalEntry, log: Logger): Promise<boolean> {
    // Computed before a reorg undid the acceptance: that output is submitted, never a second one.
    if (entry.outputHash) return this.journal.transition(entry.jobId, ["accepted"], "computed") || true;
    // A direct job this process saw created moments ago, not accepted on its own, is not read again:
    // its result goes out in one call whose simulation refuses it (before its attestation is
    // on-chain) if it left our hands meanwhile; at worst an inference is wasted. Any other job (an
    // accepted one, one resumed after a restart) is checked first.
    const fresh = this.#fresh.delete(entry.jobId) && !this.#lockedOnChain(entry);
    if (!fresh && !(await this.#stillOurs(entry, log, "inference"))) return false;
    const input = await this.#inputReady(entry, log);
    if (!input) return false;
    // A direct job not yet locked on-chain costs nothing to drop: no inference for an input the
    // model cannot run (checked when it was taken; again after a restart, which forgets that).
    if (!this.#lockedOnChain(entry) && !this.#inputChecked.has(entry.jobId) && (await this.#refuseIfUnrunnable(entry, input, log))) return false;
    this.#inputChecked.delete(entry.jobId);
    const backend = this.#backends.get(entry.job.model.toLowerCase());
    if (!backend) throw new Error(`no backend for model ${entry.job.model}`);
    // Stop in time to submit before the deadline (chain time, with a few seconds to spare).
    const remaining = (entry.job.deadline - (await this.#now()) - 5) * 1000;
    if (remaining <= 0) {
      this.journal.transition(entry.jobId, ["accepted"], "failed", { error: "the deadline passed before inference" });
      log.error("job failed: the deadline passed before inference", { deadline: entry.job.deadline });
      return false;
    }
    const controller = new AbortController();
    this.#aborts.set(entry.jobId, controller);
    const timer = setTimeout(() => controller.abort(new Error("inference did not finish before the job's deadline")), Math.min(remaining, 2_147_483_647));
    const started = Date.now();
    let output: Uint8Array;
    try {
      output = await backend.infer(input, { signal: controller.signal });
    } catch (error) {
      if (!controller.signal.aborted || !this.#active) throw error;
      if (await this.#reconcile(entry, log, "inference aborted")) return false; // expired or cancelled under us
      this.journal.transition(entry.jobId, ["accepted"], "failed", { error: "inference did not finish before the deadline" });
      log.error("job failed: inference did not finish before the deadline", { backend: backend.name, consequence: "the job will expire and the stake be slashed for liveness" });
      return false;
    } finally {
      clearTimeout(timer);
      this.#aborts.delete(entry.jobId);
    }
    // Kept apart, unserved, until the job's result is on-chain (see #release).
    this.#inputs.delete(entry.jobId);
    const outputHash = await this.#withheld.put(output);
    this.#recent.keep(outputHash, output);
    if (!this.journal.transition(entry.jobId, ["accepted"], "computed", { outputHash })) return true;
    this.#afterStep?.("computed", entry.jobId);
    log.debug("inference done", { backend: backend.name, ms: Date.now() - started, bytes: output.length, outputHash });
    return true;
  }

  /**
   * Whether the chain still leaves the job to us for `step` (inference, or signing its attestation):
   * a direct job naming us still `Created` (it is accepted with its result), or a job `Accepted` by
   * us. Otherwise (e.g. already `Submitted` by this node before it lost its journal) the step is
   * skipped and the job recorded as the chain has it: a second attestation for a job, with a
   * non-deterministic backend, is evidence for an equivocation slash.
   */
  async #stillOurs(entry: JournalEntry, log: Logger, step: "inference" | "signing"): Promise<boolean> {
    const state = await this.#jobState(entry.jobId);
    const ours = state.provider.toLowerCase() === this.account.toLowerCase();
    const direct = entry.job.provider.toLowerCase() === this.account.toLowerCase();
    if (state.status === JobStatus.Accepted && ours) return true;
    if (state.status === JobStatus.Created && direct && entry.acceptTx === undefined) return true;
    log.warn(`job skipped before ${step}: the chain no longer leaves it to us`, {
      jobId: entry.jobId,
      status: jobStatusName(state.status),
      by: state.provider === zeroAddress ? undefined : state.provider,
    });
    if (await this.#reconcile(entry, log, `checked before ${step}`, state)) return false;
    if (state.status === JobStatus.None) {
      // Its creation is gone (a reorg): skipped, and taken up again if the watcher delivers it again.
      this.journal.transition(entry.jobId, [entry.state], "skipped", { error: "JobUnknown" });
      return false;
    }
    // Created but not for us to take this way, or unknown to the chain: nothing to do but give up.
    this.journal.transition(entry.jobId, [entry.state], "failed", { error: `${jobStatusName(state.status)} on-chain before ${step}` });
    return false;
  }

  async #submit(entry: JournalEntry, log: Logger): Promise<boolean> {
    const outputHash = entry.outputHash!;
    // A direct job not accepted on its own is accepted with its result (one call, or a batch). Its
    // simulation refuses a job the chain no longer leaves to us (#onRefused records it), before the
    // attestation is on-chain. A job accepted on its own is checked first: it must still be ours.
    const oneCall = entry.job.provider !== zeroAddress && entry.acceptTx === undefined;
    if (!oneCall && !(await this.#stillOurs(entry, log, "signing"))) return false;
    const signature = await this.#attest({ jobId: entry.jobId, job: entry.job, outputHash, provider: this.account });
    if (oneCall && this.#batch.maxJobs > 1) {
      const result = await this.#batcher.add({ entry, signature, log });
      if (result !== "single") {
        if ("error" in result) throw result.error;
        return result.next;
      }
    }
    let hash: Hash;
    const functionName = oneCall ? "acceptAndSubmit" : "submitResult";
    try {
      hash = await this.#sender.send({
        to: this.market,
        abi: jobMarketAbi,
        functionName,
        args: [entry.job, outputHash, signature],
        logger: log,
        gasKey: functionName,
        beforeBroadcast: async ({ hash, raw }) => {
          const fields = { submitTx: hash, submitRaw: raw, signature };
          const moved = await this.journal.atomicallyDurable(() => this.journal.transition(entry.jobId, ["computed", "submitting"], "submitting", fields));
          if (!moved) throw new Error("the job moved on");
          this.#afterStep?.("submit-recorded", entry.jobId);
        },
      });
    } catch (error) {
      return this.#onRefused(entry, error, log);
    }
    this.#afterStep?.("submit-sent", entry.jobId);
    return this.#settleSubmit({ ...entry, state: "submitting", submitTx: hash }, log, undefined, functionName);
  }

  /**
   * Sends a batch of direct jobs' results in one `acceptAndSubmitBatch`. One simulation (an
   * `eth_call`, which says how many it would submit) covers them all: when it says fewer than all,
   * each job's state is read and those the chain no longer leaves to us are recorded and dropped
   * before any attestation is on-chain. The signed batch is recorded, with every job's move to
   * `submitting`, in one journal transaction before it is broadcast; then its receipt says, job by
   * job, which were submitted and which skipped (and why). A batch refused as a whole (or a batch of
   * one) goes back to the jobs, one call each.
   */
  async #flushBatch(items: BatchItem[]): Promise<BatchResult[]> {
    if (items.length === 1 || !this.#active) return items.map(() => "single");
    const results: BatchResult[] = items.map(() => ({ next: false }));
    const argsOf = (live: BatchItem[]) =>
      [this.account, live.map((i) => i.entry.job), live.map((i) => i.entry.outputHash!), live.map((i) => i.signature)] as const;
    const log = this.logger.child({ jobIds: items.map((i) => i.entry.jobId) });
    let live = items;
    let count: bigint;
    try {
      ({ result: count } = await this.#read(() =>
        simulateContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "acceptAndSubmitBatch", args: argsOf(items), account: this.#client.account, chain: this.#client.chain }),
      ));
    } catch (error) {
      const decoded = decodeDepinferError(error) ?? error;
      if (isTransientError(decoded)) return items.map(() => ({ error: decoded }));
      log.warn("batch refused as a whole: its jobs go one by one", { jobs: items.length, err: short(decoded) });
      return items.map(() => "single");
    }
    if (count < BigInt(items.length)) {
      // Some would be skipped: those no longer Created for us are recorded and left out (their
      // attestation never goes on-chain); the others go (the receipt will say which were skipped).
      const keep = await Promise.all(items.map((i) => this.#stillOurs(i.entry, i.log, "signing")));
      live = items.filter((_, k) => keep[k]);
      if (live.length <= 1) return items.map((_, k) => (keep[k] ? "single" : { next: false }));
    }
    const gasKey = BATCH_GAS_KEY;
    let hash: Hash;
    try {
      hash = await this.#sender.send({
        to: this.market,
        abi: jobMarketAbi,
        functionName: "acceptAndSubmitBatch",
        args: argsOf(live),
        logger: log,
        simulated: live === items,
        gasKey,
        gasUnits: live.length,
        beforeBroadcast: async ({ hash, raw }) => {
          await this.journal.atomicallyDurable(() => {
            this.journal.recordBatch(hash, raw);
            for (const i of live) {
              const moved = this.journal.transition(i.entry.jobId, ["computed", "submitting"], "submitting", { submitTx: hash, submitRaw: undefined, signature: i.signature });
              if (!moved) throw new Error(`a job of the batch moved on: ${i.entry.jobId}`);
            }
          });
          this.#afterStep?.("submit-recorded", live[0]!.entry.jobId);
        },
      });
    } catch (error) {
      // Too much gas for one transaction under the ceilings (a large `batch.maxJobs`): one by one.
      const tooLarge = isFeeCeilingError(error) && (error.field === "gas" || error.field === "fee") && error.source === "config";
      if (!tooLarge && (isFeeCeilingError(error) || isTransientError(error) || !errorName(error))) return items.map((i) => (live.includes(i) ? { error } : { next: false }));
      log.warn("batch refused as a whole: its jobs go one by one", { jobs: live.length, err: short(error) });
      return items.map((i) => (live.includes(i) ? "single" : { next: false }));
    }
    this.#afterStep?.("submit-sent", live[0]!.entry.jobId);
    let receipt: TransactionReceipt;
    try {
      receipt = await this.#sender.wait(hash);
    } catch (error) {
      return items.map((i) => (live.includes(i) ? { error } : { next: false }));
    }
    this.#afterStep?.("submit-mined", live[0]!.entry.jobId);
    const outcome = receipt.status === "success" ? outcomeOf(receipt) : undefined;
    if (outcome) log.info("batch submitted", { tx: hash, jobs: live.length, submitted: outcome.count.submitted, skipped: outcome.count.skipped, gas: receipt.gasUsed, block: receipt.blockNumber });
    // What each job's settlement records before its first wait (its move to submitted, where its
    // effect was mined) goes in one SQLite transaction for the batch: one commit, not a few per job.
    // Bookkeeping after the effect: a kill before the commit leaves the jobs submitting with the
    // batch's hash, which a restart settles again from the receipt.
    const settling = this.journal.atomically(() =>
      items.map(async (i, k) => {
        if (!live.includes(i)) return;
        try {
          results[k] = { next: await this.#settleSubmit({ ...i.entry, state: "submitting", submitTx: hash, signature: i.signature }, i.log, receipt, gasKey) };
        } catch (error) {
          results[k] = { error };
        }
      }),
    );
    await Promise.all(settling);
    return results;
  }

  /**
   * Waits for a sent submission (one job's or a batch's; `receipt` when the caller has it) and
   * records what it did for this job: submitted, skipped by the batch (see {@link #onSkipped}), or
   * reverted. `gasKey`: the kind of call, whose gas estimate a revert drops.
   */
  async #settleSubmit(entry: JournalEntry, log: Logger, receipt?: TransactionReceipt, gasKey?: string): Promise<boolean> {
    receipt ??= await this.#sender.wait(entry.submitTx!);
    if (receipt.status === "success") {
      const { submitted, skipped } = outcomeOf(receipt);
      const id = entry.jobId.toLowerCase();
      const skip = skipped.get(id);
      if (skip) return this.#onSkipped(entry, skip, log);
      if (!submitted.has(id)) {
        // Mined, yet it says nothing of this job: the chain's state decides.
        if (await this.#reconcile(entry, log, "submission mined without this job")) return false;
        this.journal.transition(entry.jobId, ["submitting"], "computed");
        throw new Error(`the submission ${entry.submitTx} was mined without a result for this job`);
      }
      if (!this.journal.transition(entry.jobId, ["submitting"], "submitted")) return false;
      this.#dueAtPending.add(entry.jobId);
      this.#recordEffect(entry.jobId, receipt);
      // A job accepted with its result was reserved while in flight (see #stake): locked on-chain now.
      if (entry.acceptTx === undefined && !this.#locksAtAccept(entry.job)) this.#lockedNow(entry.job.collateral);
      // A batch's jobs: its one "batch submitted" line (with their jobIds) is the info line.
      (gasKey === BATCH_GAS_KEY ? log.debug : log.info)("result submitted", { tx: entry.submitTx, gas: receipt.gasUsed, outputHash: entry.outputHash, block: receipt.blockNumber });
      // The output first (its client is waiting for it), then the window's end (a read or two).
      try {
        await this.#release({ ...entry, state: "submitted", effectBlock: receipt.blockNumber, effectHash: receipt.blockHash }, log, receipt);
        await this.#recordDueAt(entry, receipt);
      } finally {
        this.#dueAtPending.delete(entry.jobId);
      }
      return false;
    }
    // Reverted (out of gas with a reused estimate, say): estimate again next time.
    if (gasKey) this.#sender.forgetGas(gasKey);
    // It submitted nothing, so signing again is safe, unless the job moved on.
    if (await this.#reconcile(entry, log, "submission reverted")) return false;
    this.journal.transition(entry.jobId, ["submitting"], "computed");
    throw new Error(`the submission ${entry.submitTx} reverted`);
  }

  /**
   * A job that `acceptAndSubmitBatch` skipped (untouched on-chain), by reason: no longer `Created`
   * is recorded as the chain has it (cancelled, expired, submitted by an earlier transaction of
   * ours, or unknown after a reorg: skipped, and taken up again if it comes back); too little free
   * stake goes back to `computed` and waits (the job can still be taken); a passed deadline, a bad
   * signature (the signer was changed on-chain) or a job not for us is skipped for good.
   */
  async #onSkipped(entry: JournalEntry, reason: SubmitSkipReason, log: Logger): Promise<boolean> {
    const why = `skipped by acceptAndSubmitBatch: ${reason}`;
    if (reason === "NotCreated") {
      const state = await this.#jobState(entry.jobId);
      if (await this.#reconcile(entry, log, why, state)) return false;
      if (state.status === JobStatus.None) {
        this.journal.transition(entry.jobId, ["submitting"], "skipped", { error: "JobUnknown" });
        log.warn("job skipped: the chain does not know it (its creation was reorged away?)", { reason });
        return false;
      }
      // Still Created: the batch was mined on a branch the chain left. Sent again.
      this.journal.transition(entry.jobId, ["submitting"], "computed", { error: why });
      return true;
    }
    if (reason === "StakeInsufficient") {
      this.journal.transition(entry.jobId, ["submitting"], "computed", { error: why });
      this.#takePausedUntil = Date.now() + 10 * this.config.pollingIntervalMs;
      this.#retryAt.set(entry.jobId, this.#takePausedUntil);
      log.warn("job skipped by the batch: not enough free stake for its collateral, will retry", { collateral: entry.job.collateral });
      return false;
    }
    this.journal.transition(entry.jobId, ["submitting"], "skipped", { error: why });
    log.warn("job skipped by the batch", { reason });
    return false;
  }

  /**
   * Records when a submitted job's challenge window ends, from its submission's block time and its
   * params snapshot's window (both read once and shared: a batch's jobs cost one read). On failure
   * the finalizer reads the job's state instead.
   */
  async #recordDueAt(entry: JournalEntry, receipt: TransactionReceipt) {
    try {
      const version = entry.job.paramsVersion;
      let window = this.#windows.get(version);
      if (!window) {
        window = this.#read(() => readContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "paramsAt", args: [version] })).then((p) => p.challengeWindow);
        this.#windows.set(version, window);
        window.catch(() => this.#windows.delete(version));
      }
      let time = this.#blockTimes.get(receipt.blockNumber);
      const pushed = this.#pushedTimes.get(receipt.blockNumber);
      // The block was pushed (the same hash): its time is known, no request.
      if (!time && pushed && pushed.hash.toLowerCase() === receipt.blockHash.toLowerCase()) time = Promise.resolve(Number(pushed.timestamp));
      if (!time) {
        time = this.#read(() => getBlock(this.#client, { blockNumber: receipt.blockNumber })).then((b) => Number(b.timestamp));
        this.#blockTimes.set(receipt.blockNumber, time);
        if (this.#blockTimes.size > 64) this.#blockTimes.delete(this.#blockTimes.keys().next().value!);
        time.catch(() => this.#blockTimes.delete(receipt.blockNumber));
      }
      const [seconds, at] = await Promise.all([window, time]);
      this.journal.setDueAt(entry.jobId, at + seconds, "submitted");
    } catch (error) {
      this.logger.debug("reading a job's challenge window failed: the finalizer reads its state", { jobId: entry.jobId, err: short(error) });
    }
  }

  /**
   * After a restart in `submitting`: the signed submission may be mined, pending, or lost. Mined or
   * pending, wait for it; lost, broadcast the same bytes again. Only when its nonce was taken by
   * another transaction (so it can never be mined) is the job sent back to be signed again.
   */
  async #recoverSubmit(entry: JournalEntry, log: Logger): Promise<boolean> {
    if (await this.#reconcile(entry, log, "recovering a submission")) return false;
    if (entry.submitTx && (await this.#sender.isKnown(entry.submitTx))) {
      log.info("submission found after restart, waiting for it", { tx: entry.submitTx });
      return this.#settleSubmit(entry, log);
    }
    if (entry.submitRaw) {
      try {
        await this.#sender.broadcast(entry.submitRaw);
        log.info("submission rebroadcast after restart", { tx: entry.submitTx });
        return this.#settleSubmit(entry, log);
      } catch (error) {
        if (!/nonce/i.test(short(error))) throw error;
      }
    }
    if (await this.#reconcile(entry, log, "recovering a submission")) return false;
    log.warn("the recorded submission can never be mined (its nonce was used): signing again", { tx: entry.submitTx });
    this.journal.transition(entry.jobId, ["submitting"], "computed");
    return true;
  }

  // ------------------------------------------------------------------------------- reorgs

  /**
   * Reads the head, and compares the newest block the node had seen (the journal's checkpoint) with
   * the chain: when that block's hash is no longer at its number, the chain reorganized under the
   * node, and {@link #onReorg} follows it. Then the checkpoint moves to the head. Also compares the
   * sender's nonce with the chain's now and then (a pool can lose transactions without a reorg).
   */
  async #followReorgs() {
    // The head the subscription pushed, if any since the last tick (and not below an effect already
    // recorded): the same fields as a read of the latest block, without the request.
    const pushed = this.#pushedHead;
    this.#pushedHead = undefined;
    // No new head since the last tick's, and the subscription is live (see #headsLive): that head
    // was checked already, and a reorg shows as a new pushed head. Nothing to read (with no push
    // for a while, the head is read again at each tick: the fallback).
    if (!pushed && this.#headsLive() && this.journal.checkpoint()) return this.#resyncNow();
    const checkpoint = pushed && this.journal.checkpoint();
    const head = pushed && (!checkpoint || pushed.number >= checkpoint.block) ? pushed : await this.#read(() => getBlock(this.#client, { blockTag: "latest" }));
    this.#headNumber = head.number;
    this.#chainNow = { at: Date.now(), value: Number(head.timestamp) };
    // Fees come from this block's base fee: no request of their own.
    this.#sender.noteHead(head);
    const seen = this.journal.checkpoint();
    let reorged = false;
    if (seen) {
      let hash: Hex | undefined;
      if (seen.block === head.number) hash = head.hash;
      else if (seen.block === head.number - 1n) hash = head.parentHash;
      else {
        const block = await this.#read(() =>
          getBlock(this.#client, { blockNumber: seen.block }).catch((error) => {
            if (isTransientError(error)) throw error;
            return undefined; // not found
          }),
        );
        hash = block?.hash ?? undefined;
      }
      // No block at the checkpoint's number: an RPC behind the node's last receipt (a load-balanced
      // one), or a chain shorter for now. Nothing to compare yet: the next tick looks again, and
      // the checkpoint stays where it is.
      if (hash === undefined) return this.#resyncNow();
      reorged = hash.toLowerCase() !== seen.hash.toLowerCase();
      if (reorged) await this.#onReorg(seen, head.number);
    }
    // Effects recorded meanwhile may have moved the checkpoint past this head: keep the newer one.
    const now = this.journal.checkpoint();
    if (!now || reorged || head.number >= now.block) this.journal.setCheckpoint(head.number, head.hash);
    await this.#resyncNow();
  }

  /** Compares the sender's nonce with the chain's every 10 polling intervals (a pool can lose transactions without a reorg). */
  async #resyncNow() {
    if (!this.#active || Date.now() - this.#lastResync < 10 * this.config.pollingIntervalMs) return;
    this.#lastResync = Date.now();
    await this.#sender.resync();
  }

  /**
   * After a reorg: first the nonce (the node's dropped transactions are sent again, the same bytes,
   * before anything new is signed), then every job whose latest effect was mined in the last
   * `REORG_DEPTH` blocks is compared with the chain and its journal entry moved back where the chain
   * is (see {@link #followChain}), then the job and event scans run again over those blocks (new
   * jobs may be in the new branch; a job whose creation is gone is skipped, and taken up if it
   * comes back).
   */
  async #onReorg(seen: { block: bigint; hash: Hex }, head: bigint) {
    const top = seen.block < head ? seen.block : head;
    const from = top > REORG_DEPTH ? top - REORG_DEPTH : 0n;
    const affected = this.journal.listEffectsSince(from);
    this.logger.warn("the chain reorganized: re-checking the node's recent effects", { block: seen.block, hash: seen.hash, head, from, jobs: affected.length });
    const { rebroadcast, resetTo } = await this.#sender.resync();
    this.#lastResync = Date.now();
    if (rebroadcast.length > 0 || resetTo !== undefined) this.logger.warn("transactions dropped by the reorg", { sentAgain: rebroadcast.length, nonceResetTo: resetTo });
    for (const entry of affected) await this.#followChain(entry, this.logger.child({ jobId: entry.jobId }));
    const last = this.journal.lastBlock();
    if (last !== undefined && last >= from) {
      this.journal.setLastBlock(from - 1n);
      if (this.#active) this.#watch(from);
    }
    const events = this.journal.blockMark("dispute_block");
    if (events !== undefined && events >= from) this.journal.setBlockMark("dispute_block", from - 1n);
    this.#schedule(0);
  }

  /**
   * Moves a job's journal entry back to what the chain has when a reorg undid its effects, keeping
   * the transactions it recorded: an accept dropped goes back to `accepting` (the recovery waits for
   * it, or accepts again), a submission dropped to `submitting` (the same signed bytes are sent
   * again; only if their nonce was used by another transaction is the same output signed again), a
   * finalization dropped to `submitted`. A job whose creation is gone is skipped (`JobUnknown`), and
   * taken up again if the watcher delivers it again. Its output, if computed, is kept: it is never
   * recomputed. Returns whether the entry moved.
   */
  async #followChain(entry: JournalEntry, log: Logger): Promise<boolean> {
    const state = await this.#jobState(entry.jobId);
    const ours = state.provider.toLowerCase() === this.account.toLowerCase();
    const isIn = (...states: JournalState[]) => states.includes(entry.state);
    let to: JournalState | undefined;
    switch (state.status) {
      case JobStatus.None:
        if (!isIn("skipped", "seen")) to = "skipped";
        break;
      case JobStatus.Created:
        if (isIn("accepted", "computed", "submitting", "submitted", "finalizing", "finalized", "disputed")) {
          if (entry.acceptTx) to = "accepting";
          else if (entry.submitRaw) to = "submitting";
        }
        break;
      case JobStatus.Accepted:
        if (ours && entry.submitRaw && isIn("submitted", "finalizing", "finalized", "disputed")) to = "submitting";
        break;
      case JobStatus.Submitted:
        if (ours && isIn("finalizing", "finalized", "disputed")) to = "submitted";
        break;
    }
    if (to === undefined || to === entry.state) return this.#reconcile(entry, log, "after a reorg", state);
    const fields = to === "skipped" ? { error: "JobUnknown" } : to === "submitted" ? { finalizeTx: undefined } : {};
    if (!this.journal.transition(entry.jobId, [entry.state], to, fields)) return true;
    if (to === "accepting" || to === "submitting") this.journal.setDueAt(entry.jobId, null);
    this.#retryAt.delete(entry.jobId);
    log.warn("a reorg undid the job's effect: following the chain", {
      from: entry.state,
      to,
      status: jobStatusName(state.status),
      ...(entry.outputReleased && { outputReleased: true }),
    });
    return true;
  }

  /** Records where a job's effect was mined (and moves the checkpoint up to it: a reorg of that block must show). */
  #recordEffect(jobId: Hex, receipt: Pick<TransactionReceipt, "blockNumber" | "blockHash">) {
    this.journal.setEffect(jobId, receipt.blockNumber, receipt.blockHash);
    const seen = this.journal.checkpoint();
    if (!seen || receipt.blockNumber > seen.block) this.journal.setCheckpoint(receipt.blockNumber, receipt.blockHash);
  }

  /**
   * The step after a job's acceptance is mined: inference, unless it was done before a reorg undid
   * the acceptance (then its output is submitted: never recomputed), or a submission was already
   * signed (then the recovery sends those bytes again, or signs the same output again).
   */
  #afterAccept(entry: JournalEntry): JournalState {
    return entry.submitRaw ? "submitting" : entry.outputHash ? "computed" : "accepted";
  }

  /**
   * Whether a job's submission has `confirmations` blocks (its own included) on the chain now. When
   * the chain no longer has it (a reorg), the job follows the chain (back to `submitting`).
   */
  async #submissionConfirmed(entry: JournalEntry, log: Logger, mined?: TransactionReceipt): Promise<boolean> {
    if (!entry.submitTx) return true; // recorded on-chain before submissions were journaled
    const receipt = mined && this.#confirmations <= 1n ? mined : await this.#sender.receiptOf(entry.submitTx);
    if (!receipt || receipt.status !== "success") {
      if (this.journal.get(entry.jobId)?.state === entry.state) await this.#followChain(entry, log);
      return false;
    }
    if (receipt.blockHash !== entry.effectHash) this.#recordEffect(entry.jobId, receipt);
    const head = this.#headNumber > receipt.blockNumber ? this.#headNumber : receipt.blockNumber;
    return head - receipt.blockNumber + 1n >= this.#confirmations;
  }

  // ------------------------------------------------------------------------------- outputs

  /**
   * Releases a job's output once its result is on-chain (the journal says so): into the served store,
   * then the content store, then records it. Before that, a client could read the output hash from
   * the pending submission, fetch the output, and cancel the job in front of the submission: the
   * output for free. Each write is content-addressed, so a crash in between only repeats it. A
   * failure is logged and tried again later; it never fails the job.
   */
  async #release(entry: JournalEntry, log: Logger, mined?: TransactionReceipt) {
    const { jobId, outputHash } = entry;
    if (!outputHash || this.#releasing.has(jobId)) return;
    this.#releasing.add(jobId);
    try {
      // Only once the submission has `confirmations` blocks: a reorg could still drop it, and the
      // client cancel in the new branch with the output in hand.
      if (!(await this.#submissionConfirmed(entry, log, mined))) return;
      // Servable from now on: from memory at once if the node still holds a copy, from the disk once moved.
      this.#recent.release(outputHash);
      // With no content store to put it in, the kept file is moved into the served directory (one
      // rename on the same disk, atomic) rather than read, hashed, written and deleted. It was
      // written by the node itself, by its hash (FileSystemContentStore.put). Not there (moved for
      // another job with the same output, or before a restart): the general path below.
      if (!this.#remote && (await this.#moveToServed(outputHash))) {
        this.journal.setOutputReleased(jobId);
        this.#releaseRetryAt.delete(jobId);
        log.debug("output released", { outputHash });
        return;
      }
      const bytes = (await this.#withheld.get(outputHash)) ?? (await this.store.get(outputHash));
      if (!bytes) {
        // Deleted from the data directory: nothing to serve. Recorded, so it is not looked for again.
        log.error("output lost: it is not in the data directory, so it cannot be served", { outputHash, dir: this.#withheld.dir });
        this.journal.setOutputReleased(jobId);
        return;
      }
      await this.store.put(bytes);
      await this.#remote?.put(bytes);
      this.journal.setOutputReleased(jobId);
      this.#releaseRetryAt.delete(jobId);
      // Served from the store now (another job with the same output may still need it: it finds it there).
      await rm(this.#withheld.pathOf(outputHash), { force: true });
      log.debug("output released", { outputHash });
    } catch (error) {
      this.#releaseRetryAt.set(jobId, Date.now() + 10_000);
      log.warn("releasing an output failed, will retry", { outputHash, err: short(error) });
    } finally {
      this.#releasing.delete(jobId);
    }
  }

  /**
   * Moves a kept output into the served directory; false when it is not kept (any more) and not
   * served either. Not kept but served: another job with the same output moved it there (both
   * content-addressed, written by this node): nothing to read, hash or write again.
   */
  async #moveToServed(outputHash: Hex): Promise<boolean> {
    try {
      this.#servedDirReady ??= mkdir(this.store.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
      await this.#servedDirReady;
      await rename(this.#withheld.pathOf(outputHash), this.store.pathOf(outputHash));
      return true;
    } catch (error) {
      this.#servedDirReady = undefined;
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      return stat(this.store.pathOf(outputHash)).then(
        (s) => s.isFile(),
        () => false,
      );
    }
  }

  /** Releases the outputs of jobs whose result reached the chain without #settleSubmit (a restart, a scan), or whose release failed. */
  async #releaseDue() {
    const now = Date.now();
    if (!this.#active) return;
    for (const entry of this.journal.listUnreleased()) {
      if (!this.#active) return;
      if ((this.#releaseRetryAt.get(entry.jobId) ?? 0) > now) continue;
      await this.#release(entry, this.logger.child({ jobId: entry.jobId }));
    }
  }

  // ------------------------------------------------------------------------------- settlement

  /** Finalizes, in batches, submitted jobs whose challenge window has closed. */
  async #finalizeDue() {
    if (this.#finalizing || !this.#active) return;
    this.#finalizing = true;
    try {
      const log = this.logger;
      for (const entry of this.journal.list(["finalizing"])) {
        // From a previous run (in this run, a batch is settled before the next tick).
        if (await this.#reconcile(entry, log, "recovering a finalization")) continue;
        if (entry.finalizeTx && (await this.#sender.isKnown(entry.finalizeTx))) await this.#sender.wait(entry.finalizeTx);
        if (!(await this.#reconcile(entry, log, "recovering a finalization"))) this.journal.transition(entry.jobId, ["finalizing"], "submitted");
      }
      // Record when each newly submitted job's window ends (one read per job, once).
      for (const entry of this.journal.listSubmitted(undefined, 100)) {
        if (this.#dueAtPending.has(entry.jobId)) continue; // #settleSubmit records it
        const state = await this.#jobState(entry.jobId);
        if (state.status === JobStatus.Submitted) this.journal.setDueAt(entry.jobId, state.timestamp + state.challengeWindow);
        else await this.#reconcile(entry, log, "before finalizing", state);
      }
      const now = await this.#now();
      for (let batches = 0; batches < 10 && this.#active; batches++) {
        const due = this.journal.listSubmitted(now, this.config.finalizeBatchSize);
        if (due.length === 0 || !(await this.#finalizeBatch(due, log))) break;
      }
    } finally {
      this.#finalizing = false;
    }
  }

  /** Sends one batch; returns whether it went through (false when refused, to stop this round). */
  async #finalizeBatch(batch: JournalEntry[], log: Logger): Promise<boolean> {
    let hash: Hash;
    try {
      hash = await this.#sender.send({
        to: this.market,
        abi: jobMarketAbi,
        functionName: "finalizeJobs",
        args: [batch.map((e) => e.job)],
        logger: log.child({ jobIds: batch.map((e) => e.jobId) }),
        beforeBroadcast: async ({ hash }) => {
          await this.journal.atomicallyDurable(() => {
            for (const e of batch) this.journal.transition(e.jobId, ["submitted"], "finalizing", { finalizeTx: hash });
          });
        },
      });
    } catch (error) {
      // The batch is refused as a whole only for a job still in its window, or one the chain does
      // not know (jobs settled or disputed meanwhile are skipped, not refused): record each job's
      // on-chain state; the rest go in the next batch.
      if (isFeeCeilingError(error)) return false; // not signed (the sender logged why): the next tick tries again
      const name = errorName(error);
      if (name !== "JobChallengeWindowOpen" && name !== "JobUnknown" && name !== "JobWrongStatus") throw error;
      for (const e of batch) await this.#reconcile(e, log, "finalize refused");
      return false;
    }
    const receipt = await this.#sender.wait(hash);
    if (receipt.status !== "success") {
      for (const e of batch) {
        if (!(await this.#reconcile({ ...e, state: "finalizing" }, log, "finalize reverted"))) this.journal.transition(e.jobId, ["finalizing"], "submitted");
      }
      return false;
    }
    // The batch skipped the jobs that were no longer Submitted (the client finalized one early, a
    // challenger disputed one): record what each of those is now.
    const { finalized, skipped } = finalizeJobsOutcome(receipt.logs);
    const done = new Set(finalized.map((id) => id.toLowerCase()));
    for (const e of batch) {
      if (done.has(e.jobId.toLowerCase())) {
        if (this.journal.transition(e.jobId, ["finalizing"], "finalized", { finalizeTx: hash })) this.#recordEffect(e.jobId, receipt);
      }
      else if (!(await this.#reconcile({ ...e, state: "finalizing" }, log, "skipped by finalizeJobs"))) this.journal.transition(e.jobId, ["finalizing"], "submitted");
    }
    log.info("jobs finalized", { jobs: finalized.length, skipped: skipped.length, jobIds: finalized, tx: hash, gas: receipt.gasUsed });
    return true;
  }

  /** Logs disputes opened against our jobs and their rulings, and jobs expired or cancelled under us; records them in the journal. */
  async #scanDisputes() {
    // It follows the job watcher: up to the last block whose jobs were taken in, so every job in the
    // journal has its later events scanned, and no request for the head is needed.
    const head = this.journal.lastBlock();
    const last = this.journal.blockMark("dispute_block");
    if (head === undefined || last === undefined || head <= last) return;
    const toBlock = head - last > 1000n ? last + 1000n : head;
    const logs = await this.#read(() => getLogs(this.#client, { address: this.market, events: DISPUTE_EVENTS, fromBlock: last + 1n, toBlock, strict: true }));
    for (const event of logs) {
      const jobId = event.args.jobId as Hex;
      const entry = this.journal.get(jobId);
      if (!entry) continue;
      const log = this.logger.child({ jobId });
      const current = { ...entry, state: this.journal.get(jobId)!.state };
      switch (event.eventName) {
        case "DisputeOpened":
          log.warn("dispute opened against a job", {
            challenger: event.args.challenger,
            verifier: event.args.verifier,
            deadline: event.args.deadline,
            evidence: event.args.evidence,
            tx: event.transactionHash,
          });
          this.journal.transition(jobId, ["submitted", "finalizing", "submitting"], "disputed");
          break;
        case "DisputeJoined":
          log.warn("another challenger joined a dispute against a job", { challenger: event.args.challenger, index: event.args.index, evidence: event.args.evidence, tx: event.transactionHash });
          break;
        case "DisputeResolved":
          await this.#reconcile(current, log, `dispute ${OUTCOMES[event.args.outcome]}`);
          break;
        case "DisputeCancelled":
          // Not ruled in time: the job is cancelled, the client refunded and the collateral unlocked
          // (no slash). Or closed by an equivocation proof: the job is slashed. The status tells.
          await this.#reconcile(current, log, "dispute cancelled (not ruled in time, or closed by an equivocation proof)");
          break;
        default:
          // Expired or cancelled under us (e.g. inference outlived the deadline): stop working on it.
          this.#aborts.get(jobId)?.abort(new Error(`the job was ${event.eventName === "JobExpired" ? "expired" : "cancelled"} on-chain`));
          await this.#reconcile(current, log, event.eventName);
      }
    }
    this.journal.setBlockMark("dispute_block", toBlock);
  }

  /** The provider's claimable earnings in each token it is paid in (those above zero). */
  async #readClaimable(): Promise<{ token: Address; amount: bigint }[]> {
    const claimable: { token: Address; amount: bigint }[] = [];
    for (const token of new Set(this.#served.map((m) => m.token))) {
      const amount = await this.#read(() => readContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "claimable", args: [this.account, token] }));
      if (amount > 0n) claimable.push({ token, amount });
    }
    return claimable;
  }

  /** Claims the provider's earnings in every token it is paid in. */
  async #claim() {
    const tokens = [...new Set(this.#served.map((m) => m.token))];
    const claimable: { token: Address; amount: bigint }[] = [];
    for (const token of tokens) {
      const amount = await this.#read(() => readContract(this.#client, { address: this.market, abi: jobMarketAbi, functionName: "claimable", args: [this.account, token] }));
      if (amount === 0n) continue;
      try {
        const hash = await this.#sender.send({ to: this.market, abi: jobMarketAbi, functionName: "claim", args: [token, this.account] });
        const receipt = await this.#sender.wait(hash);
        if (receipt.status === "success") {
          this.#claimed.set(token, (this.#claimed.get(token) ?? 0n) + amount);
          this.#metrics.claimed(token, amount);
          this.logger.info("earnings claimed", { token, amount, tx: hash });
          continue;
        }
      } catch (error) {
        // A fee refusal was logged by the sender; it is tried again at the next round like any failure.
        if (isFeeCeilingError(error)) this.#lastClaimAt = Math.min(this.#lastClaimAt, Date.now() - this.config.claimIntervalMs + Math.min(60_000, 10 * this.config.pollingIntervalMs));
        else this.logger.warn("claim failed, will retry at the next interval", { token, err: short(error) });
      }
      claimable.push({ token, amount });
    }
    this.#claimable = claimable;
  }

  /** Waits until no job is in flight and the journal holds no job in `states` (tests and tools). */
  async idle({ timeoutMs = 60_000, states = [...WORKING, "seen"] as JournalState[] } = {}): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#running.size > 0 || this.journal.list(states).length > 0) {
      if (Date.now() > until) throw new Error(`the node is not idle after ${timeoutMs} ms: ${JSON.stringify(this.journal.counts())}`);
      await sleep(20);
    }
  }

  /** Every journal entry not yet in a terminal state. */
  openJobs(): JournalEntry[] {
    return this.journal.list(OPEN_STATES);
  }
}
