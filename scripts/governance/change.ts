/**
 * What the governor scripts that change the protocol through a vote share (params, unpause,
 * roles): plan the proposal, save it under deployments/<network>/proposals/, print the exact
 * `propose` call, ask, send it, then read its state and say what comes next and when. The later
 * steps (vote, queue, execute) run with `npm run proposal`.
 */
import path from "node:path";

import { network } from "hardhat";
import type { Abi, Address } from "viem";

import { confirmCalls, isMain, runCli, sendPlanned, type CliOption, type DeploymentRecord } from "../lib/cli.js";
import { assertCanPropose, planProposal, proposalStatus, saveProposal, stepCall, type ProposalRecord, type ProposalStatus } from "../lib/governance.js";

export type Log = (line: string) => void;
export type Connection = Awaited<ReturnType<typeof network.connect>>;
export type PublicClient = Awaited<ReturnType<Connection["viem"]["getPublicClient"]>>;
export type WalletClient = Awaited<ReturnType<Connection["viem"]["getWalletClients"]>>[number];

/** One call of a proposal, as `planProposal` takes it. */
export interface ProposalCall {
  to: Address;
  target: string;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

export interface ProposeResult {
  proposal: ProposalRecord;
  /** Where the plan was saved. */
  file: string;
  /** The proposal's state after this run ("Unknown" if it was not sent). */
  status: ProposalStatus;
  /** Whether this run sent the `propose` transaction. */
  sent: boolean;
}

export { isMain, runCli };

/** The `--account <i>` option of the scripts that send. */
export const ACCOUNT_OPTION = {
  type: "string",
  value: "<i>",
  help: "the sender: index of the network's accounts (default 0)",
} as const satisfies CliOption;

/** The `--description <text>` option of the scripts that propose. */
export const DESCRIPTION_OPTION = {
  type: "string",
  value: "<text>",
  help: "the proposal's description (default: a title, the calls and the date)",
} as const satisfies CliOption;

/** The wallet `--account <i>` (default 0) of the network's accounts, or an error naming how many there are. */
export async function walletAt(connection: Connection, account: string | undefined): Promise<WalletClient> {
  const wallets = await connection.viem.getWalletClients();
  const index = Number(account ?? 0);
  if (!Number.isInteger(index) || index < 0 || index >= wallets.length) {
    throw new Error(`--account ${account}: expected an index from 0 to ${wallets.length - 1} (the network's accounts)`);
  }
  return wallets[index];
}

/** A proposal description: the title, the calls, and when it was prepared (so re-proposing the same change gets a new id). */
export function describeProposal(title: string, networkName: string, calls: ProposalCall[], override?: string) {
  if (override) return override;
  const lines = calls.map((c) => `- ${c.target}.${c.functionName}(${c.args.map((a) => JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).join(", ")})`);
  return `# ${title}\n\n${lines.join("\n")}\n\nPrepared for ${networkName} on ${new Date().toISOString()}.`;
}

/**
 * Plans `calls` as a Governor proposal, saves it, prints the exact `propose` call and asks (unless
 * `yes`), sends it from `wallet`, then prints the proposal id, its state and the next step.
 * Refuses before sending when the proposer lacks the votes the Governor's threshold asks for.
 */
export async function proposeChange(
  opts: {
    connection: Connection;
    deployment: DeploymentRecord;
    network: string;
    wallet: WalletClient;
    yes: boolean;
    title: string;
    description?: string;
  },
  calls: ProposalCall[],
  log: Log,
): Promise<ProposeResult> {
  const { connection, deployment, wallet } = opts;
  const publicClient = (await connection.viem.getPublicClient()) as PublicClient;
  const description = describeProposal(opts.title, opts.network, calls, opts.description);
  const proposal = await planProposal(publicClient as never, deployment, description, calls);
  log(`Proposal ${proposal.id}: ${opts.title}`);
  proposal.summary.forEach((s, i) => log(`  call ${i + 1}: ${s}`));

  const existing = await proposalStatus(publicClient as never, deployment, proposal, opts.network);
  if (existing.state !== "Unknown") {
    const file = saveProposal(opts.network, proposal);
    log(`Already proposed. State: ${existing.state}. Next: ${existing.next}`);
    return { proposal, file, status: existing, sent: false };
  }

  const proposer = wallet.account.address;
  await assertCanPropose(publicClient as never, deployment, proposer, opts.network);

  // Saved before asking, so a declined or interrupted run can still be proposed later from the record.
  const file = saveProposal(opts.network, proposal);
  log(`Saved the plan to ${path.relative(process.cwd(), file)}`);
  const call = stepCall(deployment, proposal, "propose", `proposer ${proposer}`);
  if (!(await confirmCalls([call], opts.yes, log))) {
    const status = await proposalStatus(publicClient as never, deployment, proposal, opts.network);
    log(`Not proposed. Later: ${status.next}`);
    return { proposal, file, status, sent: false };
  }
  const { hash } = await sendPlanned(wallet, publicClient, call, "propose");
  const status = await proposalStatus(publicClient as never, deployment, proposal, opts.network);
  log(`Proposed (${hash}).`);
  log(`Proposal id: ${proposal.id}`);
  log(`State: ${status.state}. Next: ${status.next}`);
  return { proposal, file, status, sent: true };
}
