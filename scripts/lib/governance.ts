/**
 * The Governor → Timelock proposal lifecycle for governor scripts: plan, propose, vote, queue,
 * execute. A proposal's calls are saved in deployments/<network>/proposals/<id>.json so each step
 * can run later (often days later) from the same record, and every step reads the proposal's
 * state on chain and says what comes next and when.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { encodeFunctionData, keccak256, toHex, zeroHash, type Abi, type Address, type Hex, type PublicClient } from "viem";

import { depinferGovernorAbi } from "../../sdk/src/abis/depinferGovernor.js";
import { depinferTimelockAbi } from "../../sdk/src/abis/depinferTimelock.js";
import { depinferTokenAbi } from "../../sdk/src/abis/depinferToken.js";
import { isLocalChain } from "../deploy/config.js";
import { confirmCalls, deploymentsDir, type DeploymentRecord, type PlannedCall } from "./cli.js";
import { ProposalState } from "./errors.js";

/** The Timelock's CANCELLER_ROLE (OpenZeppelin TimelockController), held by the Governor and the guardian. */
export const CANCELLER_ROLE = keccak256(toHex("CANCELLER_ROLE"));

export { ProposalState };
export type ProposalStateName = (typeof ProposalState)[number];

/** A proposal as saved on disk. */
export interface ProposalRecord {
  id: string;
  description: string;
  targets: Address[];
  values: string[];
  calldatas: Hex[];
  /** Human rendering of each call, for review. */
  summary: string[];
}

export function proposalFile(network: string, id: string) {
  return path.join(deploymentsDir(), network, "proposals", `${id}.json`);
}

export function saveProposal(network: string, p: ProposalRecord) {
  const file = proposalFile(network, p.id);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(p, null, 2) + "\n");
  return file;
}

export function loadProposal(network: string, id: string): ProposalRecord {
  return JSON.parse(readFileSync(proposalFile(network, id), "utf8")) as ProposalRecord;
}

/** Encodes `calls` (target, abi, function, args) into a proposal and computes its id off-chain. */
export async function planProposal(
  publicClient: PublicClient,
  deployment: DeploymentRecord,
  description: string,
  calls: { to: Address; target: string; abi: Abi; functionName: string; args: readonly unknown[] }[],
): Promise<ProposalRecord> {
  const targets = calls.map((c) => c.to);
  const values = calls.map(() => 0n);
  const calldatas = calls.map((c) => encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never));
  const id = await publicClient.readContract({
    address: deployment.contracts.governor,
    abi: depinferGovernorAbi,
    functionName: "hashProposal",
    args: [targets, values, calldatas, keccak256(toHex(description))],
  });
  return {
    id: id.toString(),
    description,
    targets,
    values: values.map(String),
    calldatas,
    summary: calls.map((c) => `${c.target}.${c.functionName}(${c.args.map((a) => JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).join(", ")})`),
  };
}

export interface ProposalStatus {
  state: ProposalStateName | "Unknown";
  snapshot?: bigint;
  deadline?: bigint;
  eta?: bigint;
  /** What to do next, and when. */
  next: string;
}

/** Reads a proposal's state and explains the next step. Times are the token's clock (unix seconds). */
export async function proposalStatus(
  publicClient: PublicClient,
  deployment: DeploymentRecord,
  p: ProposalRecord,
  network: string,
): Promise<ProposalStatus> {
  const governor = deployment.contracts.governor;
  const id = BigInt(p.id);
  let stateIndex: number;
  try {
    stateIndex = await publicClient.readContract({ address: governor, abi: depinferGovernorAbi, functionName: "state", args: [id] });
  } catch {
    return { state: "Unknown", next: `Not proposed yet: npm run proposal -- --network ${network} ${p.id} propose` };
  }
  const state = ProposalState[stateIndex];
  const [snapshot, deadline, eta] = await Promise.all([
    publicClient.readContract({ address: governor, abi: depinferGovernorAbi, functionName: "proposalSnapshot", args: [id] }),
    publicClient.readContract({ address: governor, abi: depinferGovernorAbi, functionName: "proposalDeadline", args: [id] }),
    publicClient.readContract({ address: governor, abi: depinferGovernorAbi, functionName: "proposalEta", args: [id] }),
  ]);
  const at = (t: bigint) => `${new Date(Number(t) * 1000).toISOString()} (unix ${t})`;
  const cmd = (step: string) => `npm run proposal -- --network ${network} ${p.id} ${step}`;
  const next: Record<ProposalStateName, string> = {
    Pending: `Voting opens after ${at(snapshot)}; then: ${cmd("vote")}`,
    Active: `Voting is open until ${at(deadline)}: ${cmd("vote")}`,
    Canceled: "Canceled: nothing more can happen. Propose again if needed.",
    Defeated: "Defeated (no quorum or majority): nothing more can happen.",
    Succeeded: `Passed: queue it in the Timelock: ${cmd("queue")}`,
    Queued: `Queued: executable after ${at(eta)}: ${cmd("execute")}`,
    Expired: "Expired in the Timelock without execution: propose again.",
    Executed: "Executed: done.",
  };
  return { state, snapshot, deadline, eta, next: next[state] };
}

/** The governor call for a lifecycle step, for review and confirmation. */
export function stepCall(deployment: DeploymentRecord, p: ProposalRecord, step: "propose" | "vote" | "queue" | "execute", from: string): PlannedCall {
  const values = p.values.map(BigInt);
  const descriptionHash = keccak256(toHex(p.description));
  const data =
    step === "propose"
      ? encodeFunctionData({ abi: depinferGovernorAbi, functionName: "propose", args: [p.targets, values, p.calldatas, p.description] })
      : step === "vote"
        ? encodeFunctionData({ abi: depinferGovernorAbi, functionName: "castVote", args: [BigInt(p.id), 1] })
        : encodeFunctionData({ abi: depinferGovernorAbi, functionName: step, args: [p.targets, values, p.calldatas, descriptionHash] });
  return { from, to: deployment.contracts.governor, target: "DepinferGovernor", abi: depinferGovernorAbi as Abi, data };
}

/**
 * The Timelock operation under which the Governor queues `p`: GovernorTimelockControl schedules the
 * batch with predecessor 0 and salt `bytes20(governor) ^ descriptionHash`.
 */
export async function timelockOperationId(publicClient: PublicClient, deployment: DeploymentRecord, p: ProposalRecord): Promise<Hex> {
  const salt = toHex((BigInt(deployment.contracts.governor) << 96n) ^ BigInt(keccak256(toHex(p.description))), { size: 32 });
  return publicClient.readContract({
    address: deployment.contracts.timelock,
    abi: depinferTimelockAbi,
    functionName: "hashOperationBatch",
    args: [p.targets, p.values.map(BigInt), p.calldatas, zeroHash, salt],
  });
}

/**
 * The guardian's veto: `DepinferTimelock.cancel` of the operation a passed proposal queued, for
 * review and confirmation. Throws, before anything is sent, unless `canceller` holds the Timelock's
 * CANCELLER_ROLE and the operation is queued and not yet executed.
 */
export async function cancelCall(publicClient: PublicClient, deployment: DeploymentRecord, p: ProposalRecord, canceller: Address, network: string): Promise<PlannedCall> {
  const timelock = deployment.contracts.timelock;
  const mayCancel = await publicClient.readContract({ address: timelock, abi: depinferTimelockAbi, functionName: "hasRole", args: [CANCELLER_ROLE, canceller] });
  if (!mayCancel) {
    throw new Error(
      `${canceller} may not cancel: it does not hold the Timelock's CANCELLER_ROLE (the guardian and the Governor do). ` +
        `Pick the guardian's wallet with --account, or appoint one: npm run roles -- --network ${network} grant guardian <address>. Nothing sent.`,
    );
  }
  const id = await timelockOperationId(publicClient, deployment, p);
  const pending = await publicClient.readContract({ address: timelock, abi: depinferTimelockAbi, functionName: "isOperationPending", args: [id] });
  if (!pending) {
    throw new Error(`Proposal ${p.id} has no operation waiting in the Timelock (operation ${id}): only a queued, not yet executed proposal can be cancelled. Nothing sent.`);
  }
  const data = encodeFunctionData({ abi: depinferTimelockAbi, functionName: "cancel", args: [id] });
  return { from: `canceller ${canceller}`, to: timelock, target: "DepinferTimelock", abi: depinferTimelockAbi as Abi, data };
}

/**
 * Throws, before anything is sent, unless `proposer` has at least the Governor's proposal threshold
 * of votes. The Governor counts votes one clock tick back, so fresh delegations need a block.
 */
export async function assertCanPropose(publicClient: PublicClient, deployment: DeploymentRecord, proposer: Address, network = deployment.network) {
  const [threshold, clock] = await Promise.all([
    publicClient.readContract({ address: deployment.contracts.governor, abi: depinferGovernorAbi, functionName: "proposalThreshold" }),
    publicClient.readContract({ address: deployment.contracts.governor, abi: depinferGovernorAbi, functionName: "clock" }),
  ]);
  const votes = await publicClient.readContract({
    address: deployment.contracts.token,
    abi: depinferTokenAbi,
    functionName: "getPastVotes",
    args: [proposer, BigInt(clock) - 1n],
  });
  if (votes < threshold) {
    throw new Error(
      `${proposer} has ${votes} votes, below the proposal threshold of ${threshold}. Delegate enough DPI votes to it first: ` +
        `npm run delegate -- --network ${network} (from the holder's --account; add --to ${proposer} to delegate to it from another account), ` +
        `or propose from another --account: nothing sent.`,
    );
  }
}

export { confirmCalls };

// ------------------------------------------------------------------ time

const UNITS: Record<string, bigint> = { s: 1n, m: 60n, h: 3600n, d: 86400n };

/** "90" | "90s" | "30m" | "2h" | "7d" | "1d12h" → seconds; undefined if malformed. */
export function parseDuration(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, "");
  if (/^\d+$/.test(t)) return BigInt(t);
  if (!/^(\d+[smhd])+$/.test(t)) return undefined;
  let total = 0n;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhd])/g)) total += BigInt(n) * UNITS[unit];
  return total;
}

/** 93784n → "1d 2h 3m 4s" (zero units left out; "0s" for nothing). */
export function formatDuration(seconds: bigint): string {
  if (seconds <= 0n) return "0s";
  const parts: string[] = [];
  let rest = seconds;
  for (const unit of ["d", "h", "m", "s"]) {
    const n = rest / UNITS[unit];
    rest %= UNITS[unit];
    if (n > 0n) parts.push(`${n}${unit}`);
  }
  return parts.join(" ");
}

const at = (t: bigint) => `${new Date(Number(t) * 1000).toISOString()} (unix ${t})`;

/**
 * Refuses, before anything is sent, a lifecycle step the proposal is not ready for, saying how long
 * is left by the chain's clock (its latest block): `vote` needs Active, `queue` needs Succeeded (the
 * voting period over), `execute` needs Queued and the Timelock's eta reached. On a local chain the
 * message names the `npm run advance` that gets there.
 */
export async function assertStepReady(
  publicClient: PublicClient,
  status: ProposalStatus,
  step: "vote" | "queue" | "execute",
  network: string,
): Promise<void> {
  const { state } = status;
  const ready = step === "vote" ? state === "Active" : step === "queue" ? state === "Succeeded" : state === "Queued";
  const block = await publicClient.getBlock();
  const now = block.timestamp;
  const local = isLocalChain(await publicClient.getChainId());
  const wait = (until: bigint, what: string) => {
    const left = until - now;
    const advance = local ? ` For a local rehearsal: npm run advance -- --network ${network} ${left}s` : "";
    return `${what} ${at(until)}: ${formatDuration(left)} left by chain time (latest block ${block.number} at ${at(now)}). Nothing sent.${advance}`;
  };
  if (ready && step === "execute" && status.eta !== undefined && now < status.eta) {
    throw new Error(wait(status.eta, "Not executable yet: the Timelock delay ends at"));
  }
  if (ready) return;
  if (state === "Pending" && status.snapshot !== undefined) {
    const what = step === "vote" ? "Not open for voting yet: voting opens after" : `Not ${step === "queue" ? "queueable" : "executable"} yet: voting has not even opened; it opens after`;
    throw new Error(wait(status.snapshot + 1n, what));
  }
  if (state === "Active" && status.deadline !== undefined && step !== "vote") {
    throw new Error(wait(status.deadline + 1n, `Not ${step === "queue" ? "queueable" : "executable"} yet: voting is open until`));
  }
  if (state === "Succeeded" && step === "execute") {
    throw new Error(`Not executable yet: the proposal passed but is not queued in the Timelock. Next: ${status.next} Nothing sent.`);
  }
  throw new Error(`Cannot ${step}: the proposal is ${state}. Next: ${status.next} Nothing sent.`);
}
