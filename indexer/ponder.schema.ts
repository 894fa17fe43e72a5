/**
 * The Depinfer indexer's tables (docs/indexer.md describes each, with example queries).
 *
 * Conventions:
 * - amounts are `bigint` (numeric(78) in SQL) in the token's smallest unit, as on chain; the stake
 *   token is the protocol token (18 decimals), `token` columns name the payment token of a job;
 * - times are unix seconds of the block (`…At`), blocks are numbers (`…Block`);
 * - every row derived from one log has the log's id `<txHash>-<logIndex>` as its primary key or
 *   in `eventId`, so that a row cannot be written twice for one log;
 * - `events` holds every log of every indexed contract, decoded: the audit trail and the test's
 *   yardstick (one row per log, no more, no fewer).
 */
import { index, onchainTable, primaryKey, relations } from "ponder";

// ------------------------------------------------------------------ every log

/** Every decoded log of every indexed contract. */
export const events = onchainTable(
  "events",
  (t) => ({
    id: t.text().primaryKey(), // `${txHash}-${logIndex}`
    contract: t.text().notNull(), // JobMarket | ArbitratedVerifier | SampledVerifier | Timelock | Governor
    address: t.hex().notNull(),
    name: t.text().notNull(),
    args: t.json().notNull(), // decoded arguments, bigints as decimal strings
    jobId: t.hex(), // when the event names a job
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ nameIdx: index().on(table.name), jobIdx: index().on(table.jobId), blockIdx: index().on(table.blockNumber) }),
);

// ------------------------------------------------------------------ models, providers, offers

export const models = onchainTable("models", (t) => ({
  id: t.hex().primaryKey(), // ModelId = keccak256(abi.encode(weightsHash, runtimeDigest, determinism))
  registrant: t.hex().notNull(),
  weightsHash: t.hex().notNull(),
  runtimeDigest: t.hex().notNull(),
  determinism: t.integer().notNull(), // 0 EXACT, 1 TOLERANT, 2 NONE
  metadataUri: t.text().notNull(),
  registeredAt: t.bigint().notNull(),
  registeredBlock: t.bigint().notNull(),
}));

export const providers = onchainTable("providers", (t) => ({
  id: t.hex().primaryKey(), // the provider's address
  signer: t.hex().notNull(),
  metadataUri: t.text().notNull(),
  registeredAt: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  offersPaused: t.boolean().notNull().default(false),
  // Standing, read from the market (`provider(address)`) at the block of each event that changes it.
  staked: t.bigint().notNull().default(0n), // bonded: free + locked, excluding thawing
  locked: t.bigint().notNull().default(0n),
  thawing: t.bigint().notNull().default(0n),
  slashDebt: t.bigint().notNull().default(0n),
  jailedUntil: t.bigint().notNull().default(0n),
  // Running counters (the derived views recompute the rates from `jobs`).
  jobsAccepted: t.integer().notNull().default(0),
  jobsSubmitted: t.integer().notNull().default(0),
  jobsFinalized: t.integer().notNull().default(0),
  jobsExpired: t.integer().notNull().default(0),
  jobsSlashed: t.integer().notNull().default(0),
  slashCount: t.integer().notNull().default(0),
  slashedTotal: t.bigint().notNull().default(0n), // stake token
}));

export const offers = onchainTable(
  "offers",
  (t) => ({
    provider: t.hex().notNull(),
    model: t.hex().notNull(),
    token: t.hex().notNull(),
    price: t.bigint().notNull(),
    maxLatency: t.integer().notNull(), // seconds
    active: t.boolean().notNull(),
    createdAt: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.provider, table.model] }), modelIdx: index().on(table.model) }),
);

// ------------------------------------------------------------------ stake, thaws, jails

/** Every change of a provider's stake: staked, unstake requested, withdrawn, slashed, module locks. */
export const stakeEvents = onchainTable(
  "stake_events",
  (t) => ({
    id: t.text().primaryKey(), // event id
    provider: t.hex().notNull(),
    kind: t.text().notNull(), // staked | unstake_requested | withdrawn | slashed | module_locked | module_released | module_slashed | slash_debt | slash_debt_paid
    amount: t.bigint().notNull(),
    jobId: t.hex(),
    module: t.hex(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
  }),
  (table) => ({ providerIdx: index().on(table.provider) }),
);

/** One queued unstake (`UnstakeRequested`), until a `withdrawStake` takes it out of the queue. */
export const thaws = onchainTable(
  "thaws",
  (t) => ({
    id: t.text().primaryKey(), // event id of the request
    provider: t.hex().notNull(),
    amount: t.bigint().notNull(), // as requested
    remaining: t.bigint().notNull(), // what is left of it on chain (a slash after settlement may take some)
    readyAt: t.bigint().notNull(),
    requestedAt: t.bigint().notNull(),
    withdrawnAt: t.bigint(), // null while queued
    withdrawnEventId: t.text(),
  }),
  (table) => ({ providerIdx: index().on(table.provider) }),
);

export const jails = onchainTable(
  "jails",
  (t) => ({
    id: t.text().primaryKey(), // event id
    provider: t.hex().notNull(),
    until: t.bigint().notNull(),
    jobId: t.hex(), // the slashed job, when the jail followed a slash in the same transaction
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ providerIdx: index().on(table.provider) }),
);

// ------------------------------------------------------------------ jobs

/** A job through every state, with the time of each transition. */
export const jobs = onchainTable(
  "jobs",
  (t) => ({
    id: t.hex().primaryKey(), // JobId = keccak256(abi.encode(job))
    client: t.hex().notNull(),
    requestedProvider: t.hex().notNull(), // zero for a job open to any provider
    provider: t.hex(), // who accepted it
    token: t.hex().notNull(),
    price: t.bigint().notNull(),
    collateral: t.bigint().notNull(),
    model: t.hex().notNull(),
    inputHash: t.hex().notNull(),
    input: t.hex(), // inline input (`JobInput`), if any
    deadline: t.bigint().notNull(),
    paramsVersion: t.integer().notNull(),
    nonce: t.bigint().notNull(),
    status: t.text().notNull(), // Created | Accepted | Submitted | Disputed | Finalized | Expired | Cancelled | Slashed
    outputHash: t.hex(),
    signature: t.hex(),
    createdAt: t.bigint().notNull(),
    acceptedAt: t.bigint(), // = submittedAt for acceptAndSubmit(Batch)
    submittedAt: t.bigint(),
    disputedAt: t.bigint(),
    finalizedAt: t.bigint(),
    expiredAt: t.bigint(),
    cancelledAt: t.bigint(),
    slashedAt: t.bigint(),
    payout: t.bigint(), // to the provider, job token (Finalized)
    fee: t.bigint(), // to the treasury, job token (Finalized)
    verificationFee: t.bigint(), // to the verification fee module, job token (Finalized; 0 for a class that pays none)
    refund: t.bigint(), // to the client, job token (Expired, Cancelled, Slashed)
    slashed: t.bigint(), // stake token (Expired, Slashed)
    createdTx: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    clientIdx: index().on(table.client),
    providerIdx: index().on(table.provider),
    modelIdx: index().on(table.model),
    statusIdx: index().on(table.status),
  }),
);

/** One row per state transition of a job: the timeline of a job's page. */
export const jobTransitions = onchainTable(
  "job_transitions",
  (t) => ({
    id: t.text().primaryKey(), // event id
    jobId: t.hex().notNull(),
    status: t.text().notNull(),
    by: t.hex(), // the transaction's sender
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ jobIdx: index().on(table.jobId) }),
);

// ------------------------------------------------------------------ disputes, rulings, slashes

/** A job's dispute (a job can be disputed once: after it the job is settled). */
export const disputes = onchainTable(
  "disputes",
  (t) => ({
    id: t.hex().primaryKey(), // the job id
    challenger: t.hex().notNull(),
    verifier: t.hex().notNull(), // the module that decides
    bond: t.bigint().notNull(), // each challenger's, job token
    deadline: t.bigint().notNull(),
    evidence: t.text().notNull(),
    challengers: t.integer().notNull(), // 1 + joined
    status: t.text().notNull(), // Open | Upheld | Rejected | Draw | Cancelled | Superseded (equivocation proven)
    winner: t.hex(),
    slashed: t.bigint(),
    reward: t.bigint(),
    arbitrationFee: t.bigint(),
    bondsReturned: t.bigint(),
    openedAt: t.bigint().notNull(),
    settledAt: t.bigint(),
  }),
  (table) => ({ statusIdx: index().on(table.status) }),
);

export const disputeChallengers = onchainTable(
  "dispute_challengers",
  (t) => ({
    id: t.text().primaryKey(), // `${jobId}-${index}`
    jobId: t.hex().notNull(),
    index: t.integer().notNull(),
    challenger: t.hex().notNull(),
    bond: t.bigint().notNull(),
    evidence: t.text().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ jobIdx: index().on(table.jobId) }),
);

/** Verifier modules' requests and rulings (arbitrated and sampled). */
export const rulings = onchainTable(
  "rulings",
  (t) => ({
    id: t.text().primaryKey(), // event id
    jobId: t.hex().notNull(),
    module: t.hex().notNull(),
    kind: t.text().notNull(), // arbitrated | sampled_arbitration
    requested: t.boolean().notNull(), // a request (ArbitrationRequested) or a ruling (ArbitrationRuled)
    outcome: t.integer(), // IJobMarketTypes.Outcome for the arbitrated verifier
    providerStands: t.boolean(), // the sampled verifier's TOLERANT arbitration
    winner: t.bigint(),
    arbitrator: t.hex(),
    reason: t.text(),
    deadline: t.bigint(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ jobIdx: index().on(table.jobId) }),
);

export const slashes = onchainTable(
  "slashes",
  (t) => ({
    id: t.text().primaryKey(), // event id
    provider: t.hex().notNull(),
    jobId: t.hex(),
    amount: t.bigint().notNull(), // stake token
    kind: t.text().notNull(), // liveness | fraud | equivocation | module
    module: t.hex(),
    beneficiary: t.hex(),
    reward: t.bigint(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
  }),
  (table) => ({ providerIdx: index().on(table.provider), jobIdx: index().on(table.jobId) }),
);

// ------------------------------------------------------------------ balances

/** Money that left or entered the market outside job escrow: claims, deposits, fees, sweeps. */
export const claims = onchainTable(
  "claims",
  (t) => ({
    id: t.text().primaryKey(), // event id
    kind: t.text().notNull(), // claimed | deposited | session_funded | fees_collected | treasury_swept | arbitration_fees_claimed | sampling_rewards_claimed
    account: t.hex().notNull(),
    token: t.hex().notNull(),
    to: t.hex(),
    amount: t.bigint().notNull(),
    contract: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account) }),
);

// ------------------------------------------------------------------ parameters, governance, pauses

/** Each `ParamsUpdated`: the job-bound parameter snapshot `version` (jobs keep theirs). */
export const paramVersions = onchainTable("param_versions", (t) => ({
  version: t.integer().primaryKey(),
  challengeWindow: t.integer().notNull(),
  disputeResolutionPeriod: t.integer().notNull(),
  collateralRatioBps: t.integer().notNull(),
  protocolFeeBps: t.integer().notNull(),
  challengerShareBps: t.integer().notNull(),
  livenessSlashBps: t.integer().notNull(),
  bondRatioBps: t.integer().notNull(),
  disputeFeeBps: t.integer().notNull(),
  verificationFeeBps: t.integer().notNull(),
  timestamp: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

/** Every other setting change: thawing period, minimum stake, treasury, payment tokens, verifiers,
 *  modules, sampling parameters, Timelock delay, Governor settings. `value` is JSON. */
export const settingChanges = onchainTable(
  "setting_changes",
  (t) => ({
    id: t.text().primaryKey(), // event id
    contract: t.hex().notNull(),
    setting: t.text().notNull(), // thawingPeriod | minStake | treasury | paymentToken | verifier | module | samplingParams | timelockDelay | governor:<name>
    key: t.text(), // the token, determinism or module, when the setting is keyed
    value: t.json().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ settingIdx: index().on(table.setting) }),
);

export const pauses = onchainTable("pauses", (t) => ({
  id: t.text().primaryKey(), // event id
  paused: t.boolean().notNull(),
  account: t.hex().notNull(), // who paused (the guardian) or unpaused (the Timelock)
  timestamp: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
}));

/** Timelock operations: scheduled, executed, cancelled. */
export const timelockOperations = onchainTable("timelock_operations", (t) => ({
  id: t.hex().primaryKey(), // operation id
  status: t.text().notNull(), // Scheduled | Executed | Cancelled
  calls: t.json().notNull(), // [{ index, target, value, data, predecessor, delay }]
  scheduledAt: t.bigint(),
  readyAt: t.bigint(),
  executedAt: t.bigint(),
  cancelledAt: t.bigint(),
}));

export const proposals = onchainTable("proposals", (t) => ({
  id: t.bigint().primaryKey(), // proposal id
  proposer: t.hex().notNull(),
  description: t.text().notNull(),
  targets: t.json().notNull(),
  voteStart: t.bigint().notNull(),
  voteEnd: t.bigint().notNull(),
  status: t.text().notNull(), // Created | Queued | Executed | Canceled
  forVotes: t.bigint().notNull().default(0n),
  againstVotes: t.bigint().notNull().default(0n),
  abstainVotes: t.bigint().notNull().default(0n),
  createdAt: t.bigint().notNull(),
  queuedAt: t.bigint(),
  executedAt: t.bigint(),
  canceledAt: t.bigint(),
}));

// ------------------------------------------------------------------ sampled re-execution

/** One sampled (or challenger-triggered) re-execution check of a job by the sampling module. */
export const samplingChecks = onchainTable("sampling_checks", (t) => ({
  id: t.hex().primaryKey(), // job id
  module: t.hex().notNull(),
  provider: t.hex(),
  keeper: t.hex(),
  trigger: t.text().notNull(), // sampled | dispute
  draw: t.bigint(),
  rateBps: t.bigint(),
  bond: t.bigint(),
  tip: t.bigint(),
  rounds: t.integer().notNull().default(0),
  status: t.text().notNull(), // Open | Arbitration | Resolved
  outcome: t.integer(),
  agree: t.bigint(),
  disagree: t.bigint(),
  settledElsewhere: t.boolean(),
  openedAt: t.bigint().notNull(),
  resolvedAt: t.bigint(),
}));

/** A verifier's seat in a check: assigned, committed, revealed, rewarded or slashed. */
export const samplingVotes = onchainTable(
  "sampling_votes",
  (t) => ({
    id: t.text().primaryKey(), // `${jobId}-${verifier}`
    jobId: t.hex().notNull(),
    verifier: t.hex().notNull(),
    round: t.integer().notNull(),
    commitDeadline: t.bigint(),
    commitment: t.hex(),
    output: t.hex(),
    agrees: t.boolean(),
    reward: t.bigint(),
    slashed: t.bigint(),
    timedOut: t.boolean(),
    assignedAt: t.bigint().notNull(),
  }),
  (table) => ({ jobIdx: index().on(table.jobId), verifierIdx: index().on(table.verifier) }),
);

export const verifierEnrolments = onchainTable(
  "verifier_enrolments",
  (t) => ({
    module: t.hex().notNull(),
    model: t.hex().notNull(),
    verifier: t.hex().notNull(),
    active: t.boolean().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.module, table.model, table.verifier] }) }),
);

// ------------------------------------------------------------------ relations (GraphQL joins)

export const jobsRelations = relations(jobs, ({ one, many }) => ({
  modelRef: one(models, { fields: [jobs.model], references: [models.id] }),
  providerRef: one(providers, { fields: [jobs.provider], references: [providers.id] }),
  dispute: one(disputes, { fields: [jobs.id], references: [disputes.id] }),
  transitions: many(jobTransitions),
}));
export const jobTransitionsRelations = relations(jobTransitions, ({ one }) => ({
  job: one(jobs, { fields: [jobTransitions.jobId], references: [jobs.id] }),
}));
export const providersRelations = relations(providers, ({ many }) => ({
  offers: many(offers),
  jobs: many(jobs),
  slashes: many(slashes),
  thaws: many(thaws),
  jails: many(jails),
}));
export const offersRelations = relations(offers, ({ one }) => ({
  providerRef: one(providers, { fields: [offers.provider], references: [providers.id] }),
  modelRef: one(models, { fields: [offers.model], references: [models.id] }),
}));
export const modelsRelations = relations(models, ({ many }) => ({ offers: many(offers), jobs: many(jobs) }));
export const slashesRelations = relations(slashes, ({ one }) => ({
  providerRef: one(providers, { fields: [slashes.provider], references: [providers.id] }),
}));
export const thawsRelations = relations(thaws, ({ one }) => ({
  providerRef: one(providers, { fields: [thaws.provider], references: [providers.id] }),
}));
export const jailsRelations = relations(jails, ({ one }) => ({
  providerRef: one(providers, { fields: [jails.provider], references: [providers.id] }),
}));
export const disputesRelations = relations(disputes, ({ one, many }) => ({
  job: one(jobs, { fields: [disputes.id], references: [jobs.id] }),
  joined: many(disputeChallengers),
}));
export const disputeChallengersRelations = relations(disputeChallengers, ({ one }) => ({
  dispute: one(disputes, { fields: [disputeChallengers.jobId], references: [disputes.id] }),
}));
