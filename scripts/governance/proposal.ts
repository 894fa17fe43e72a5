/**
 * `npm run proposal -- --network <name> <proposalId> [status|propose|vote|queue|execute|cancel] [--yes] [--account <i>]`
 *
 * Advances a saved proposal (deployments/<network>/proposals/<id>.json, written by the scripts
 * that plan changes) one step, after printing the exact call. Without a step it prints the state
 * and what comes next. The sender is wallet `--account` (default 0) of the network's accounts.
 *
 * `vote`, `queue` and `execute` are refused before anything is sent until the proposal is ready for
 * them (Active; Succeeded, the voting period over; Queued and past its Timelock eta), with the time
 * left by the chain's clock and, on a local chain, the `npm run advance` that gets there.
 *
 * `cancel` is the guardian's veto: once the proposal is queued, and until it is executed, the
 * guardian (the Timelock's CANCELLER_ROLE) cancels its Timelock operation; the proposal is then
 * Canceled and can never execute. The printed calldata is what a guardian multisig signs.
 */
import { network } from "hardhat";

import { loadDeployment, parseCli, runCli, isMain, sendPlanned, type CliSpec } from "../lib/cli.js";
import { assertStepReady, cancelCall, confirmCalls, loadProposal, proposalStatus, stepCall } from "../lib/governance.js";
import { ACCOUNT_OPTION } from "./change.js";

const STEPS = ["status", "propose", "vote", "queue", "execute", "cancel"] as const;
type Step = (typeof STEPS)[number];

export const cli = {
  command: "npm run proposal",
  summary:
    "advance a saved proposal (deployments/<network>/proposals/<id>.json) one step after printing the exact call, or print its state and what comes next. " +
    "vote, queue and execute are refused, with the time left, until the proposal is ready for them.",
  usage: [`--network <name> <proposalId> [${STEPS.join("|")}] [--account <i>] [--yes]`],
  options: { account: ACCOUNT_OPTION },
  notes: [
    "Steps:",
    "  status   (default) the state, and what to do next and when",
    "  propose  send the saved plan to the Governor (the plan scripts usually did it already)",
    "  vote     vote for it, once voting is open (after the voting delay)",
    "  queue    queue it in the Timelock, once the vote has passed (after the voting period)",
    "  execute  execute it, once the Timelock delay has passed (its eta)",
    "  cancel   the guardian's veto of a queued proposal (the Timelock's CANCELLER_ROLE)",
  ],
  examples: ["npm run proposal -- --network localhost 1234…5678", "npm run proposal -- --network localhost 1234…5678 vote --yes"],
} as const satisfies CliSpec;

export async function advanceProposal(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(cli, argv);
  const [id, step = "status", ...extra] = args.positionals;
  if (!id) throw new Error(`usage: npm run proposal -- --network <name> <proposalId> [${STEPS.join("|")}] [--yes]`);
  if (!STEPS.includes(step as Step)) throw new Error(`unknown step "${step}": expected one of ${STEPS.join(", ")}`);
  if (extra.length) throw new Error(`unexpected argument "${extra[0]}": expected <proposalId> [${STEPS.join("|")}]`);
  const deployment = loadDeployment(args.network);
  const proposal = loadProposal(args.network, id);
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const wallets = await connection.viem.getWalletClients();
    const wallet = wallets[Number(args.account ?? 0)];
    if (!wallet) throw new Error(`--account ${args.account}: expected an index from 0 to ${wallets.length - 1} (the network's accounts)`);
    log(`Proposal ${id}: ${proposal.description}`);
    proposal.summary.forEach((s, i) => log(`  call ${i + 1}: ${s}`));
    const before = await proposalStatus(publicClient, deployment, proposal, args.network);
    log(`State: ${before.state}`);
    if (step === "status") {
      log(`Next: ${before.next}`);
      return before;
    }
    if (step === "vote" || step === "queue" || step === "execute") await assertStepReady(publicClient, before, step, args.network);
    const call =
      step === "cancel"
        ? await cancelCall(publicClient, deployment, proposal, wallet.account.address, args.network)
        : stepCall(deployment, proposal, step as Exclude<Step, "status" | "cancel">, wallet.account.address);
    if (!(await confirmCalls([call], args.yes, log))) return before;
    const { hash } = await sendPlanned(wallet, publicClient, call, step);
    const after = await proposalStatus(publicClient, deployment, proposal, args.network);
    log(`Sent ${step} (${hash}). State: ${after.state}. Next: ${after.next}`);
    return after;
  } finally {
    await connection.close();
  }
}

if (isMain(import.meta.filename)) runCli("proposal", () => advanceProposal());
