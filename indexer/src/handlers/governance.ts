/**
 * Handlers of governance: the Timelock's operations and roles, and the Governor's proposals, votes
 * and settings.
 */
import { proposals, timelockOperations } from "ponder:schema";
import type { Hex } from "viem";

import { setting, type Handler } from "./market.js";

type Call = { index: string; target: string; value: string; data: Hex; predecessor: Hex; delay: string };

export const timelockHandlers: Record<string, Handler> = {
  async CallScheduled({ event, context }) {
    const a = event.args;
    const call: Call = { index: String(a.index), target: a.target.toLowerCase(), value: String(a.value), data: a.data, predecessor: a.predecessor, delay: String(a.delay) };
    const id = a.id as Hex;
    const existing = await context.db.find(timelockOperations, { id });
    if (existing) {
      const calls = (existing.calls as Call[]).filter((c) => c.index !== call.index).concat(call);
      await context.db.update(timelockOperations, { id }).set({ calls, status: "Scheduled", scheduledAt: event.block.timestamp, readyAt: event.block.timestamp + BigInt(a.delay) });
    } else {
      await context.db
        .insert(timelockOperations)
        .values({ id, status: "Scheduled", calls: [call], scheduledAt: event.block.timestamp, readyAt: event.block.timestamp + BigInt(a.delay) });
    }
  },
  async CallExecuted({ event, context }) {
    const id = event.args.id as Hex;
    if (await context.db.find(timelockOperations, { id })) {
      await context.db.update(timelockOperations, { id }).set({ status: "Executed", executedAt: event.block.timestamp });
    } else {
      // Executed without a recorded schedule (scheduled before the start block).
      await context.db.insert(timelockOperations).values({ id, status: "Executed", calls: [], executedAt: event.block.timestamp });
    }
  },
  async Cancelled({ event, context }) {
    const id = event.args.id as Hex;
    if (await context.db.find(timelockOperations, { id })) {
      await context.db.update(timelockOperations, { id }).set({ status: "Cancelled", cancelledAt: event.block.timestamp });
    }
  },
  async MinDelayChange({ event, context }) {
    await setting(context, event, "timelockDelay", { old: String(event.args.oldDuration), new: String(event.args.newDuration) });
  },
  async RoleGranted({ event, context }) {
    await setting(context, event, "timelockRole", { role: event.args.role, account: event.args.account.toLowerCase(), granted: true }, `${event.args.role}/${event.args.account.toLowerCase()}`);
  },
  async RoleRevoked({ event, context }) {
    await setting(context, event, "timelockRole", { role: event.args.role, account: event.args.account.toLowerCase(), granted: false }, `${event.args.role}/${event.args.account.toLowerCase()}`);
  },
};

const governorSetting =
  (name: string): Handler =>
  async ({ event, context }) => {
    const value = Object.fromEntries(Object.entries(event.args).map(([k, v]) => [k, typeof v === "bigint" ? String(v) : v]));
    await setting(context, event, `governor:${name}`, value);
  };

export const governorHandlers: Record<string, Handler> = {
  async ProposalCreated({ event, context }) {
    const a = event.args;
    await context.db
      .insert(proposals)
      .values({
        id: a.proposalId,
        proposer: a.proposer.toLowerCase(),
        description: a.description,
        targets: (a.targets as string[]).map((t, i) => ({ target: t.toLowerCase(), value: String(a.values[i]), calldata: a.calldatas[i] })),
        voteStart: a.voteStart,
        voteEnd: a.voteEnd,
        status: "Created",
        createdAt: event.block.timestamp,
      })
      .onConflictDoNothing();
  },
  async ProposalQueued({ event, context }) {
    const id = event.args.proposalId as bigint;
    if (await context.db.find(proposals, { id })) await context.db.update(proposals, { id }).set({ status: "Queued", queuedAt: event.block.timestamp });
  },
  async ProposalExecuted({ event, context }) {
    const id = event.args.proposalId as bigint;
    if (await context.db.find(proposals, { id })) await context.db.update(proposals, { id }).set({ status: "Executed", executedAt: event.block.timestamp });
  },
  async ProposalCanceled({ event, context }) {
    const id = event.args.proposalId as bigint;
    if (await context.db.find(proposals, { id })) await context.db.update(proposals, { id }).set({ status: "Canceled", canceledAt: event.block.timestamp });
  },
  async VoteCast(args) {
    await tally(args);
  },
  async VoteCastWithParams(args) {
    await tally(args);
  },
  ProposalThresholdSet: governorSetting("proposalThreshold"),
  QuorumNumeratorUpdated: governorSetting("quorumNumerator"),
  TimelockChange: governorSetting("timelock"),
  VotingDelaySet: governorSetting("votingDelay"),
  VotingPeriodSet: governorSetting("votingPeriod"),
};

/** GovernorCountingSimple: support 0 against, 1 for, 2 abstain. */
const tally: Handler = async ({ event, context }) => {
  const a = event.args;
  const id = a.proposalId as bigint;
  const weight = BigInt(a.weight);
  if (!(await context.db.find(proposals, { id }))) return;
  await context.db.update(proposals, { id }).set((r) =>
    Number(a.support) === 1
      ? { forVotes: r.forVotes + weight }
      : Number(a.support) === 0
        ? { againstVotes: r.againstVotes + weight }
        : { abstainVotes: r.abstainVotes + weight },
  );
};
