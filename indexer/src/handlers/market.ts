/**
 * Handlers of the market's events (IJobMarket): models, providers, offers, stake, jobs, disputes,
 * slashes, balances, parameters and pauses.
 */
import {
  claims,
  disputeChallengers,
  disputes,
  jails,
  jobs,
  jobTransitions,
  models,
  offers,
  paramVersions,
  pauses,
  providers,
  settingChanges,
  slashes,
  stakeEvents,
  thaws,
} from "ponder:schema";
import { and, asc, eq, isNull, like } from "ponder";
import { compactSignatureToSignature, serializeSignature, type Address, type Hex } from "viem";

import { jobMarketAbi } from "../../../sdk/src/abis/jobMarket.js";

import { eventId, lower, type Ctx, type LogEvent } from "./common.js";

export type Handler = (args: { event: LogEvent; context: Ctx }) => Promise<void>;

/** IJobMarketTypes.JobStatus by its index. */
export const JOB_STATUS = ["None", "Created", "Accepted", "Submitted", "Disputed", "Finalized", "Expired", "Cancelled", "Slashed"] as const;
/** IJobMarketTypes.Outcome by its index. */
export const OUTCOME = ["Upheld", "Rejected", "Draw"] as const;

type JobStatusName = (typeof JOB_STATUS)[number];
type JobRow = typeof jobs.$inferSelect;
type JobUpdate = Partial<Omit<typeof jobs.$inferInsert, "id">>;

// ------------------------------------------------------------------ helpers

/**
 * The provider's standing (stake, lock, thawing, jail, debt) as the market reports it at the event's
 * block, and its thaw queue reconciled with the chain's: queued requests that left the queue without
 * a `StakeWithdrawn` (emptied by a slash) are marked withdrawn, and each one's remaining amount kept.
 */
async function refreshProvider(context: Ctx, event: LogEvent, provider: Address) {
  const id = lower(provider);
  const row = await context.db.find(providers, { id });
  if (!row) return; // a provider is created by ProviderRegistered; a module may lock an unknown account's stake only after it
  const market = event.log.address;
  const info = await context.client.readContract({ abi: jobMarketAbi, address: market, functionName: "provider", args: [provider] });
  await context.db.update(providers, { id }).set({
    staked: BigInt(info.staked),
    locked: BigInt(info.locked),
    thawing: BigInt(info.thawing),
    slashDebt: BigInt(info.slashDebt),
    jailedUntil: BigInt(info.jailedUntil),
    offersPaused: info.offersPaused,
    signer: lower(info.signer),
  });
}

/** Marks the oldest still-queued thaw requests of `provider` as withdrawn until `keep` remain queued. */
async function settleThaws(context: Ctx, event: LogEvent, provider: Hex, keep: number) {
  const queued = await context.db.sql
    .select()
    .from(thaws)
    .where(and(eq(thaws.provider, provider), isNull(thaws.withdrawnAt)))
    .orderBy(asc(thaws.requestedAt), asc(thaws.id));
  for (const t of queued.slice(0, Math.max(0, queued.length - keep))) {
    await context.db.update(thaws, { id: t.id }).set({ withdrawnAt: event.block.timestamp, withdrawnEventId: eventId(event) });
  }
}

async function refreshThaws(context: Ctx, event: LogEvent, provider: Address) {
  const queue = await context.client.readContract({ abi: jobMarketAbi, address: event.log.address, functionName: "thawRequests", args: [provider] });
  const id = lower(provider);
  await settleThaws(context, event, id, queue.length);
  const queued = await context.db.sql
    .select()
    .from(thaws)
    .where(and(eq(thaws.provider, id), isNull(thaws.withdrawnAt)))
    .orderBy(asc(thaws.requestedAt), asc(thaws.id));
  for (const [i, t] of queued.entries()) {
    const remaining = queue[i] ? BigInt(queue[i].amount) : 0n;
    if (t.remaining !== remaining) await context.db.update(thaws, { id: t.id }).set({ remaining });
  }
}

async function bumpProvider(context: Ctx, provider: Hex | null | undefined, field: "jobsAccepted" | "jobsSubmitted" | "jobsFinalized" | "jobsExpired" | "jobsSlashed") {
  if (!provider) return;
  const row = await context.db.find(providers, { id: provider });
  if (row) await context.db.update(providers, { id: provider }).set((r) => ({ [field]: r[field] + 1 }));
}

/** Moves a job to `status` (with the transition's row in `job_transitions`) and applies `set`. */
async function transition(context: Ctx, event: LogEvent, jobId: Hex, status: JobStatusName, set: JobUpdate = {}): Promise<JobRow | undefined> {
  const id = lower(jobId);
  const job = await context.db.find(jobs, { id });
  if (!job) return undefined; // created before the start block
  const at = event.block.timestamp;
  const stamp: JobUpdate =
    status === "Accepted"
      ? { acceptedAt: at }
      : status === "Submitted"
        ? { submittedAt: at, acceptedAt: job.acceptedAt ?? at }
        : status === "Disputed"
          ? { disputedAt: at }
          : status === "Finalized"
            ? { finalizedAt: at }
            : status === "Expired"
              ? { expiredAt: at }
              : status === "Cancelled"
                ? { cancelledAt: at }
                : status === "Slashed"
                  ? { slashedAt: at }
                  : {};
  const updated = await context.db.update(jobs, { id }).set({ status, updatedAt: at, ...stamp, ...set });
  await context.db
    .insert(jobTransitions)
    .values({ id: `${eventId(event)}-${id}`, jobId: id, status, by: lower(event.transaction.from), timestamp: at, blockNumber: event.block.number, txHash: event.transaction.hash })
    .onConflictDoNothing();
  return updated;
}

/**
 * The attestation of a `ResultSubmitted` as 65 bytes: the event's `signature`, or its EIP-2098
 * compact form `(r, vs)` (the leaner cycle's form of the event) expanded.
 */
function submittedSignature(a: Record<string, unknown>): Hex | null {
  if (typeof a.signature === "string") return a.signature as Hex;
  if (typeof a.r === "string" && typeof a.vs === "string") {
    return serializeSignature(compactSignatureToSignature({ r: a.r as Hex, yParityAndS: a.vs as Hex }));
  }
  return null;
}

/** `price × bps / 10_000`, rounded down (JobLib.bpsOf). */
const bpsOf = (amount: bigint, bps: number | bigint) => (amount * BigInt(bps)) / 10_000n;

async function finalize(context: Ctx, event: LogEvent, jobId: Hex, provider: Hex | undefined, payout?: bigint, fee?: bigint, verificationFee = 0n) {
  const id = lower(jobId);
  const job = await context.db.find(jobs, { id });
  if (!job) return;
  if (payout === undefined || fee === undefined) {
    // The finalization events name the jobs only: each was paid `price − fee − verification fee` at
    // its own params snapshot, the verification fee only by a job of a class routed to the fee module.
    const params = await context.db.find(paramVersions, { version: job.paramsVersion });
    let feeBps: number;
    let verificationFeeBps: number;
    if (params) ({ protocolFeeBps: feeBps, verificationFeeBps } = params);
    else {
      const address = event.log.address;
      const st = await context.client.readContract({ abi: jobMarketAbi, address, functionName: "jobState", args: [jobId] });
      feeBps = st.protocolFeeBps;
      verificationFeeBps = (await context.client.readContract({ abi: jobMarketAbi, address, functionName: "paramsAt", args: [job.paramsVersion] })).verificationFeeBps;
    }
    fee = bpsOf(job.price, feeBps);
    const pays =
      verificationFeeBps > 0 &&
      (await context.client.readContract({ abi: jobMarketAbi, address: event.log.address, functionName: "paysVerificationFee", args: [jobId] }));
    verificationFee = pays ? bpsOf(job.price, verificationFeeBps) : 0n;
    payout = job.price - fee - verificationFee;
  }
  await transition(context, event, jobId, "Finalized", { payout, fee, verificationFee, provider: provider ?? job.provider });
  await bumpProvider(context, provider ?? job.provider, "jobsFinalized");
}

/** The slash row written by `ProviderSlashed` earlier in the same transaction for `jobId`. */
async function slashInTx(context: Ctx, event: LogEvent, jobId: Hex) {
  const [row] = await context.db.sql
    .select()
    .from(slashes)
    .where(and(eq(slashes.jobId, lower(jobId)), like(slashes.id, `${event.transaction.hash}-%`)));
  return row;
}

const stakeEvent = (context: Ctx, event: LogEvent, provider: Address, kind: string, amount: bigint, extra: { jobId?: Hex; module?: Address } = {}) =>
  context.db
    .insert(stakeEvents)
    .values({
      id: eventId(event),
      provider: lower(provider),
      kind,
      amount,
      jobId: extra.jobId ? lower(extra.jobId) : null,
      module: extra.module ? lower(extra.module) : null,
      timestamp: event.block.timestamp,
      blockNumber: event.block.number,
    })
    .onConflictDoNothing();

const setting = (context: Ctx, event: LogEvent, name: string, value: unknown, key: string | null = null) =>
  context.db
    .insert(settingChanges)
    .values({ id: eventId(event), contract: lower(event.log.address), setting: name, key, value: value as object, timestamp: event.block.timestamp })
    .onConflictDoNothing();

const claim = (context: Ctx, event: LogEvent, kind: string, account: Address, token: Address, amount: bigint, to: Address | null = null) =>
  context.db
    .insert(claims)
    .values({ id: eventId(event), kind, account: lower(account), token: lower(token), to: to ? lower(to) : null, amount, contract: lower(event.log.address), timestamp: event.block.timestamp })
    .onConflictDoNothing();

// ------------------------------------------------------------------ handlers

export const marketHandlers: Record<string, Handler> = {
  // --- models, providers, offers
  async ModelRegistered({ event, context }) {
    const a = event.args;
    await context.db
      .insert(models)
      .values({
        id: lower(a.model),
        registrant: lower(a.registrant),
        weightsHash: a.weightsHash,
        runtimeDigest: a.runtimeDigest,
        determinism: Number(a.determinism),
        metadataUri: a.metadataURI,
        registeredAt: event.block.timestamp,
        registeredBlock: event.block.number,
      })
      .onConflictDoNothing();
  },
  async ProviderRegistered({ event, context }) {
    const a = event.args;
    const at = event.block.timestamp;
    await context.db
      .insert(providers)
      .values({ id: lower(a.provider), signer: lower(a.signer), metadataUri: a.metadataURI, registeredAt: at, updatedAt: at })
      .onConflictDoNothing();
  },
  async ProviderUpdated({ event, context }) {
    const a = event.args;
    const id = lower(a.provider as Address);
    if (await context.db.find(providers, { id })) {
      await context.db.update(providers, { id }).set({ signer: lower(a.signer), metadataUri: a.metadataURI, updatedAt: event.block.timestamp });
    }
  },
  async OfferSet({ event, context }) {
    const a = event.args;
    const at = event.block.timestamp;
    const values = { token: lower(a.token as Address), price: BigInt(a.price), maxLatency: Number(a.maxLatency), active: Boolean(a.active), updatedAt: at };
    await context.db
      .insert(offers)
      .values({ provider: lower(a.provider), model: lower(a.model), createdAt: at, ...values })
      .onConflictDoUpdate(values);
  },
  async OffersPaused({ event, context }) {
    const id = lower(event.args.provider as Address);
    if (await context.db.find(providers, { id })) await context.db.update(providers, { id }).set({ offersPaused: Boolean(event.args.paused) });
  },

  // --- stake, thaws, jails
  async Staked({ event, context }) {
    await stakeEvent(context, event, event.args.provider, "staked", event.args.amount);
    await refreshProvider(context, event, event.args.provider);
  },
  async UnstakeRequested({ event, context }) {
    const a = event.args;
    await stakeEvent(context, event, a.provider, "unstake_requested", a.amount);
    await context.db
      .insert(thaws)
      .values({ id: eventId(event), provider: lower(a.provider), amount: a.amount, remaining: a.amount, readyAt: a.readyAt, requestedAt: event.block.timestamp })
      .onConflictDoNothing();
    await refreshProvider(context, event, a.provider);
  },
  async StakeWithdrawn({ event, context }) {
    await stakeEvent(context, event, event.args.provider, "withdrawn", event.args.amount);
    // Every matured request leaves the queue; the chain's queue after the call decides which.
    await refreshThaws(context, event, event.args.provider);
    await refreshProvider(context, event, event.args.provider);
  },
  async ProviderSlashed({ event, context }) {
    const a = event.args;
    const jobId = lower(a.jobId as Hex);
    await context.db
      .insert(slashes)
      .values({ id: eventId(event), provider: lower(a.provider), jobId, amount: a.amount, kind: "fraud", timestamp: event.block.timestamp, blockNumber: event.block.number })
      .onConflictDoNothing();
    await stakeEvent(context, event, a.provider, "slashed", a.amount, { jobId });
    const id = lower(a.provider as Address);
    if (await context.db.find(providers, { id })) {
      await context.db.update(providers, { id }).set((r) => ({ slashCount: r.slashCount + 1, slashedTotal: r.slashedTotal + BigInt(a.amount) }));
    }
    // A jail in the same transaction (emitted just before) follows this slash.
    const [jail] = await context.db.sql.select().from(jails).where(and(eq(jails.provider, id), like(jails.id, `${event.transaction.hash}-%`), isNull(jails.jobId)));
    if (jail) await context.db.update(jails, { id: jail.id }).set({ jobId });
    await refreshProvider(context, event, a.provider);
    await refreshThaws(context, event, a.provider);
  },
  async ProviderJailed({ event, context }) {
    await context.db
      .insert(jails)
      .values({ id: eventId(event), provider: lower(event.args.provider), until: event.args.until, timestamp: event.block.timestamp })
      .onConflictDoNothing();
    await refreshProvider(context, event, event.args.provider);
  },
  async SlashDebtRecorded({ event, context }) {
    await stakeEvent(context, event, event.args.provider, "slash_debt", event.args.amount, { jobId: event.args.jobId });
    await refreshProvider(context, event, event.args.provider);
  },
  async SlashDebtPaid({ event, context }) {
    await stakeEvent(context, event, event.args.provider, "slash_debt_paid", event.args.amount);
    await refreshProvider(context, event, event.args.provider);
  },
  async ModuleStakeLocked({ event, context }) {
    await stakeEvent(context, event, event.args.provider, "module_locked", event.args.amount, { module: event.args.module });
    await refreshProvider(context, event, event.args.provider);
  },
  async ModuleStakeReleased({ event, context }) {
    await stakeEvent(context, event, event.args.provider, "module_released", event.args.amount, { module: event.args.module });
    await refreshProvider(context, event, event.args.provider);
  },
  async ModuleStakeSlashed({ event, context }) {
    const a = event.args;
    await stakeEvent(context, event, a.provider, "module_slashed", a.amount, { module: a.module });
    await context.db
      .insert(slashes)
      .values({
        id: eventId(event),
        provider: lower(a.provider),
        amount: a.amount,
        kind: "module",
        module: lower(a.module),
        beneficiary: lower(a.beneficiary),
        reward: a.reward,
        timestamp: event.block.timestamp,
        blockNumber: event.block.number,
      })
      .onConflictDoNothing();
    const id = lower(a.provider as Address);
    if (await context.db.find(providers, { id })) {
      await context.db.update(providers, { id }).set((r) => ({ slashCount: r.slashCount + 1, slashedTotal: r.slashedTotal + BigInt(a.amount) }));
    }
    await refreshProvider(context, event, a.provider);
    await refreshThaws(context, event, a.provider);
  },
  async ModuleAllowanceSet({ event, context }) {
    await setting(context, event, "moduleAllowance", { provider: lower(event.args.provider), module: lower(event.args.module), allowance: String(event.args.allowance) }, lower(event.args.provider));
  },

  // --- jobs
  async JobCreated({ event, context }) {
    const a = event.args;
    const job = a.job;
    const at = event.block.timestamp;
    const id = lower(a.jobId as Hex);
    await context.db
      .insert(jobs)
      .values({
        id,
        client: lower(job.client),
        requestedProvider: lower(job.provider),
        token: lower(job.token),
        price: BigInt(job.price),
        collateral: BigInt(job.collateral),
        model: lower(job.model),
        inputHash: job.inputHash,
        deadline: BigInt(job.deadline),
        paramsVersion: Number(job.paramsVersion),
        nonce: BigInt(job.nonce),
        status: "Created",
        createdAt: at,
        updatedAt: at,
        createdTx: event.transaction.hash,
      })
      .onConflictDoNothing();
    await context.db
      .insert(jobTransitions)
      .values({ id: `${eventId(event)}-${id}`, jobId: id, status: "Created", by: lower(event.transaction.from), timestamp: at, blockNumber: event.block.number, txHash: event.transaction.hash })
      .onConflictDoNothing();
  },
  async JobInput({ event, context }) {
    const id = lower(event.args.jobId as Hex);
    if (await context.db.find(jobs, { id })) await context.db.update(jobs, { id }).set({ input: event.args.input });
  },
  async JobAccepted({ event, context }) {
    const provider = lower(event.args.provider as Address);
    await transition(context, event, event.args.jobId, "Accepted", { provider });
    await bumpProvider(context, provider, "jobsAccepted");
    await refreshProvider(context, event, event.args.provider);
  },
  async ResultSubmitted({ event, context }) {
    const a = event.args;
    const provider = lower(a.provider as Address);
    const before = await context.db.find(jobs, { id: lower(a.jobId as Hex) });
    await transition(context, event, a.jobId, "Submitted", { provider, outputHash: a.outputHash, signature: submittedSignature(a) });
    if (before && before.acceptedAt === null) await bumpProvider(context, provider, "jobsAccepted"); // acceptAndSubmit
    await bumpProvider(context, provider, "jobsSubmitted");
    await refreshProvider(context, event, a.provider);
  },
  async JobFinalized({ event, context }) {
    const a = event.args;
    // Without amounts in the event (the leaner cycle's form), they follow from the job's fee snapshot.
    const amounts = a.payout !== undefined && a.fee !== undefined ? [BigInt(a.payout), BigInt(a.fee)] : [undefined, undefined];
    await finalize(context, event, a.jobId, lower(a.provider as Address), amounts[0], amounts[1]);
    await refreshProvider(context, event, a.provider);
  },
  async JobsFinalized({ event, context }) {
    const refreshed = new Set<Hex>();
    for (const jobId of event.args.jobIds as Hex[]) {
      await finalize(context, event, jobId, undefined);
      const job = await context.db.find(jobs, { id: lower(jobId) });
      if (job?.provider && !refreshed.has(job.provider)) {
        refreshed.add(job.provider);
        await refreshProvider(context, event, job.provider);
      }
    }
  },
  async JobExpired({ event, context }) {
    const a = event.args;
    const job = await transition(context, event, a.jobId, "Expired", { refund: BigInt(a.refund), slashed: BigInt(a.slashed) });
    await bumpProvider(context, job?.provider, "jobsExpired");
    const slash = await slashInTx(context, event, a.jobId);
    if (slash) await context.db.update(slashes, { id: slash.id }).set({ kind: "liveness", beneficiary: lower(a.client) });
  },
  async JobCancelled({ event, context }) {
    await transition(context, event, event.args.jobId, "Cancelled", { refund: BigInt(event.args.refund) });
  },

  // --- disputes
  async DisputeOpened({ event, context }) {
    const a = event.args;
    const id = lower(a.jobId as Hex);
    await context.db
      .insert(disputes)
      .values({
        id,
        challenger: lower(a.challenger),
        verifier: lower(a.verifier),
        bond: a.bond,
        deadline: a.deadline,
        evidence: a.evidence,
        challengers: 1,
        status: "Open",
        openedAt: event.block.timestamp,
      })
      .onConflictDoNothing();
    await context.db
      .insert(disputeChallengers)
      .values({ id: `${id}-0`, jobId: id, index: 0, challenger: lower(a.challenger), bond: a.bond, evidence: a.evidence, timestamp: event.block.timestamp })
      .onConflictDoNothing();
    await transition(context, event, a.jobId, "Disputed");
  },
  async DisputeJoined({ event, context }) {
    const a = event.args;
    const id = lower(a.jobId as Hex);
    const index = Number(a.index);
    await context.db
      .insert(disputeChallengers)
      .values({ id: `${id}-${index}`, jobId: id, index, challenger: lower(a.challenger), bond: a.bond, evidence: a.evidence, timestamp: event.block.timestamp })
      .onConflictDoNothing();
    if (await context.db.find(disputes, { id })) await context.db.update(disputes, { id }).set({ challengers: index + 1 });
  },
  async DisputeResolved({ event, context }) {
    const a = event.args;
    const id = lower(a.jobId as Hex);
    const outcome = OUTCOME[Number(a.outcome)] ?? `Outcome${a.outcome}`;
    if (await context.db.find(disputes, { id })) {
      await context.db.update(disputes, { id }).set({
        status: outcome,
        winner: outcome === "Upheld" ? lower(a.winner) : null,
        slashed: a.slashed,
        reward: a.challengerReward,
        arbitrationFee: a.arbitrationFee,
        settledAt: event.block.timestamp,
      });
    }
    if (outcome === "Upheld") {
      const before = await context.db.find(jobs, { id });
      const job = await transition(context, event, a.jobId, "Slashed", { slashed: BigInt(a.slashed), refund: before?.price ?? null });
      await bumpProvider(context, job?.provider, "jobsSlashed");
      const slash = await slashInTx(context, event, a.jobId);
      if (slash) await context.db.update(slashes, { id: slash.id }).set({ kind: "fraud", beneficiary: lower(a.winner), reward: a.challengerReward });
    }
    // Rejected or Draw: the result stands, and `JobFinalized` (just before) paid the job.
  },
  async DisputeCancelled({ event, context }) {
    const id = lower(event.args.jobId as Hex);
    const row = await context.db.find(disputes, { id });
    if (row && row.status === "Open") {
      // Cancelled for want of a ruling (a `JobCancelled` follows), or superseded by a proven equivocation.
      await context.db.update(disputes, { id }).set({ status: "Cancelled", bondsReturned: event.args.bondsReturned, settledAt: event.block.timestamp });
    }
  },
  async EquivocationProven({ event, context }) {
    const a = event.args;
    const id = lower(a.jobId as Hex);
    const before = await context.db.find(jobs, { id });
    const wasPaid = before?.status === "Finalized";
    const job = await transition(context, event, a.jobId, "Slashed", { slashed: BigInt(a.slashed), ...(wasPaid ? {} : { refund: before?.price ?? null }) });
    await bumpProvider(context, job?.provider, "jobsSlashed");
    const dispute = await context.db.find(disputes, { id });
    if (dispute && dispute.settledAt === event.block.timestamp && dispute.status === "Cancelled") {
      await context.db.update(disputes, { id }).set({ status: "Superseded" });
    }
    const slash = await slashInTx(context, event, a.jobId);
    if (slash) await context.db.update(slashes, { id: slash.id }).set({ kind: "equivocation", beneficiary: lower(a.reporter) });
  },

  // --- balances
  async Claimed({ event, context }) {
    await claim(context, event, "claimed", event.args.account, event.args.token, event.args.amount, event.args.to);
  },
  async Deposited({ event, context }) {
    await claim(context, event, "deposited", event.args.account, event.args.token, event.args.amount);
  },
  async SessionFundedFromBalance({ event, context }) {
    // The client's balance left for a session module (openSessionFromBalance); `to` is the module.
    await claim(context, event, "session_funded", event.args.client, event.args.token, event.args.amount, event.args.module);
  },
  async FeesCollected({ event, context }) {
    await claim(context, event, "fees_collected", event.args.provider, event.args.token, event.args.amount);
  },
  async TreasurySwept({ event, context }) {
    await claim(context, event, "treasury_swept", event.args.treasury, event.args.token, event.args.amount, event.args.treasury);
  },

  // --- parameters, settings, pauses
  async ParamsUpdated({ event, context }) {
    const p = event.args.params;
    await context.db
      .insert(paramVersions)
      .values({
        version: Number(event.args.version),
        challengeWindow: Number(p.challengeWindow),
        disputeResolutionPeriod: Number(p.disputeResolutionPeriod),
        collateralRatioBps: Number(p.collateralRatioBps),
        protocolFeeBps: Number(p.protocolFeeBps),
        challengerShareBps: Number(p.challengerShareBps),
        livenessSlashBps: Number(p.livenessSlashBps),
        bondRatioBps: Number(p.bondRatioBps),
        disputeFeeBps: Number(p.disputeFeeBps),
        verificationFeeBps: Number(p.verificationFeeBps),
        timestamp: event.block.timestamp,
        blockNumber: event.block.number,
        txHash: event.transaction.hash,
      })
      .onConflictDoNothing();
  },
  async ThawingPeriodUpdated({ event, context }) {
    await setting(context, event, "thawingPeriod", Number(event.args.thawingPeriod));
  },
  async MinStakeUpdated({ event, context }) {
    await setting(context, event, "minStake", String(event.args.minStake));
  },
  async TreasuryUpdated({ event, context }) {
    await setting(context, event, "treasury", lower(event.args.treasury));
  },
  async PaymentTokenConfigured({ event, context }) {
    const a = event.args;
    await setting(context, event, "paymentToken", { allowed: a.allowed, bondFloor: String(a.bondFloor), stakeRate: String(a.stakeRate) }, lower(a.token));
  },
  async VerifierUpdated({ event, context }) {
    await setting(context, event, "verifier", lower(event.args.verifier), String(event.args.determinism));
  },
  async ModuleSet({ event, context }) {
    await setting(context, event, "module", Boolean(event.args.active), lower(event.args.module));
  },
  async ExtensionUpdated({ event, context }) {
    await setting(context, event, "extension", lower(event.args.extension));
  },
  async Initialized({ event, context }) {
    await setting(context, event, "initialized", Number(event.args.version));
  },
  async AuthorityUpdated({ event, context }) {
    await setting(context, event, "authority", lower(event.args.authority), lower(event.log.address));
  },
  async Paused({ event, context }) {
    await context.db
      .insert(pauses)
      .values({ id: eventId(event), paused: true, account: lower(event.args.account), timestamp: event.block.timestamp, blockNumber: event.block.number })
      .onConflictDoNothing();
  },
  async Unpaused({ event, context }) {
    await context.db
      .insert(pauses)
      .values({ id: eventId(event), paused: false, account: lower(event.args.account), timestamp: event.block.timestamp, blockNumber: event.block.number })
      .onConflictDoNothing();
  },
};

export { claim, setting };
