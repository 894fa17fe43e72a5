/**
 * Handlers of the verifier modules: the arbitrated verifier (v1) and the sampled re-execution
 * verifier (every module the market registers; see ponder.config.ts).
 */
import { rulings, samplingChecks, samplingVotes, verifierEnrolments } from "ponder:schema";
import type { Address, Hex } from "viem";

import { eventId, lower, type Ctx, type LogEvent } from "./common.js";
import { claim, setting, type Handler } from "./market.js";

export const arbitratedVerifierHandlers: Record<string, Handler> = {
  async ArbitrationRequested({ event, context }) {
    const a = event.args;
    await context.db
      .insert(rulings)
      .values({
        id: eventId(event),
        jobId: lower(a.jobId as Hex),
        module: lower(event.log.address),
        kind: "arbitrated",
        requested: true,
        deadline: a.deadline,
        arbitrator: null,
        timestamp: event.block.timestamp,
      })
      .onConflictDoNothing();
  },
  async ArbitrationRuled({ event, context }) {
    const a = event.args;
    await context.db
      .insert(rulings)
      .values({
        id: eventId(event),
        jobId: lower(a.jobId as Hex),
        module: lower(event.log.address),
        kind: "arbitrated",
        requested: false,
        outcome: Number(a.outcome),
        winner: a.winner,
        arbitrator: lower(a.arbitrator),
        reason: a.reason,
        timestamp: event.block.timestamp,
      })
      .onConflictDoNothing();
  },
  async ArbitrationFeesClaimed({ event, context }) {
    await claim(context, event, "arbitration_fees_claimed", event.log.address, event.args.token, event.args.amount, event.args.to);
  },
  async AuthorityUpdated({ event, context }) {
    await setting(context, event, "authority", lower(event.args.authority), lower(event.log.address));
  },
};

/** The check of `jobId` by the module that emitted `event`, created if a seat or vote arrives first. */
async function check(context: Ctx, event: LogEvent, jobId: Hex, trigger: "sampled" | "dispute") {
  const id = lower(jobId);
  await context.db
    .insert(samplingChecks)
    .values({ id, module: lower(event.log.address), trigger, status: "Open", openedAt: event.block.timestamp })
    .onConflictDoNothing();
  return id;
}

async function vote(context: Ctx, event: LogEvent, jobId: Hex, verifier: Address, set: Partial<typeof samplingVotes.$inferInsert>) {
  const id = `${lower(jobId)}-${lower(verifier)}`;
  const existing = await context.db.find(samplingVotes, { id });
  if (existing) await context.db.update(samplingVotes, { id }).set(set);
  else {
    await context.db
      .insert(samplingVotes)
      .values({ id, jobId: lower(jobId), verifier: lower(verifier), round: 0, assignedAt: event.block.timestamp, ...set });
  }
}

export const sampledVerifierHandlers: Record<string, Handler> = {
  async SamplingParamsUpdated({ event, context }) {
    const p = Object.fromEntries(Object.entries(event.args.params as Record<string, unknown>).map(([k, v]) => [k, typeof v === "bigint" ? String(v) : v]));
    await setting(context, event, "samplingParams", p, lower(event.log.address));
  },
  async Funded({ event, context }) {
    await claim(context, event, "sampling_funded", event.args.from, event.args.token, event.args.amount);
  },
  async FundWithdrawn({ event, context }) {
    await claim(context, event, "sampling_fund_withdrawn", event.log.address, event.args.token, event.args.amount, event.args.to);
  },
  async RewardsClaimed({ event, context }) {
    await claim(context, event, "sampling_rewards_claimed", event.args.account, event.args.token, event.args.amount, event.args.to);
  },
  async VerifierEnrolled({ event, context }) {
    const key = { module: lower(event.log.address), model: lower(event.args.model as Hex), verifier: lower(event.args.verifier as Address) };
    await context.db.insert(verifierEnrolments).values({ ...key, active: true, updatedAt: event.block.timestamp }).onConflictDoUpdate({ active: true, updatedAt: event.block.timestamp });
  },
  async VerifierLeft({ event, context }) {
    const key = { module: lower(event.log.address), model: lower(event.args.model as Hex), verifier: lower(event.args.verifier as Address) };
    await context.db.insert(verifierEnrolments).values({ ...key, active: false, updatedAt: event.block.timestamp }).onConflictDoUpdate({ active: false, updatedAt: event.block.timestamp });
  },
  async JobSampled({ event, context }) {
    const a = event.args;
    const id = await check(context, event, a.jobId, "sampled");
    await context.db.update(samplingChecks, { id }).set({ provider: lower(a.provider), keeper: lower(a.keeper), draw: a.draw, rateBps: a.rateBps, bond: a.bond, tip: a.tip });
  },
  async DisputeCheckOpened({ event, context }) {
    await check(context, event, event.args.jobId, "dispute");
  },
  async AssignmentRequested({ event, context }) {
    const id = await check(context, event, event.args.jobId, "sampled");
    const round = Number(event.args.round);
    await context.db.update(samplingChecks, { id }).set((r) => ({ rounds: Math.max(r.rounds, round + 1) }));
  },
  async VerifierAssigned({ event, context }) {
    const a = event.args;
    await check(context, event, a.jobId, "sampled");
    await vote(context, event, a.jobId, a.verifier, { round: Number(a.round), commitDeadline: a.commitDeadline, assignedAt: event.block.timestamp });
  },
  async VoteCommitted({ event, context }) {
    await vote(context, event, event.args.jobId, event.args.verifier, { commitment: event.args.commitment });
  },
  async VoteRevealed({ event, context }) {
    await vote(context, event, event.args.jobId, event.args.verifier, { output: event.args.output, agrees: event.args.agrees });
  },
  async VerifierSlashed({ event, context }) {
    await vote(context, event, event.args.jobId, event.args.verifier, { slashed: event.args.amount, timedOut: event.args.timedOut });
  },
  async VerifierRewarded({ event, context }) {
    await vote(context, event, event.args.jobId, event.args.verifier, { reward: event.args.amount });
  },
  async CheckResolved({ event, context }) {
    const a = event.args;
    const id = await check(context, event, a.jobId, "sampled");
    await context.db.update(samplingChecks, { id }).set({
      status: "Resolved",
      outcome: Number(a.outcome),
      agree: a.agree,
      disagree: a.disagree,
      settledElsewhere: a.settledElsewhere,
      resolvedAt: event.block.timestamp,
    });
  },
  async ArbitrationRequested({ event, context }) {
    const a = event.args;
    const id = await check(context, event, a.jobId, "sampled");
    await context.db.update(samplingChecks, { id }).set({ status: "Arbitration" });
    await context.db
      .insert(rulings)
      .values({ id: eventId(event), jobId: id, module: lower(event.log.address), kind: "sampled_arbitration", requested: true, timestamp: event.block.timestamp })
      .onConflictDoNothing();
  },
  async ArbitrationRuled({ event, context }) {
    const a = event.args;
    await context.db
      .insert(rulings)
      .values({
        id: eventId(event),
        jobId: lower(a.jobId as Hex),
        module: lower(event.log.address),
        kind: "sampled_arbitration",
        requested: false,
        providerStands: a.providerStands,
        arbitrator: lower(a.arbiter),
        timestamp: event.block.timestamp,
      })
      .onConflictDoNothing();
  },
};
