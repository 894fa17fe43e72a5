/**
 * `npm run proposal -- --network <name> <proposalId> [status|propose|vote|queue|execute|cancel] [--yes] [--account <i>]`
 *
 * Advances a saved proposal (deployments/<network>/proposals/<id>.json, written by the scripts
 * that plan changes) one step, after printing the exact call. Without a step it prints the state
 * and what comes next. The sender is wallet `--account` (default 0) of the network's accounts.
 *
 * `cancel` is the guardian's veto: once the proposal is queued, and until it is executed, the
 * guardian (the Timelock's CANCELLER_ROLE) cancels its Timelock operation; the proposal is then
 * Canceled and can never execute. The printed calldata is what a guardian multisig signs.
 */
import path from "node:path";

import { network } from "hardhat";

import { loadDeployment, parseCli } from "../lib/cli.js";
import { cancelCall, confirmCalls, loadProposal, proposalStatus, stepCall } from "../lib/governance.js";

const STEPS = ["status", "propose", "vote", "queue", "execute", "cancel"] as const;
type Step = (typeof STEPS)[number];

export async function advanceProposal(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli({ account: { type: "string" } }, argv);
  const [id, step = "status"] = args.positionals;
  if (!id) throw new Error(`usage: npm run proposal -- --network <name> <proposalId> [${STEPS.join("|")}] [--yes]`);
  if (!STEPS.includes(step as Step)) throw new Error(`unknown step "${step}": expected one of ${STEPS.join(", ")}`);
  const deployment = loadDeployment(args.network);
  const proposal = loadProposal(args.network, id);
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const wallets = await connection.viem.getWalletClients();
    const wallet = wallets[Number(args.account ?? 0)];
    log(`Proposal ${id}: ${proposal.description}`);
    proposal.summary.forEach((s, i) => log(`  call ${i + 1}: ${s}`));
    const before = await proposalStatus(publicClient, deployment, proposal, args.network);
    log(`State: ${before.state}`);
    if (step === "status") {
      log(`Next: ${before.next}`);
      return before;
    }
    const call =
      step === "cancel"
        ? await cancelCall(publicClient, deployment, proposal, wallet.account.address, args.network)
        : stepCall(deployment, proposal, step as Exclude<Step, "status" | "cancel">, wallet.account.address);
    if (!(await confirmCalls([call], args.yes, log))) return before;
    const hash = await wallet.sendTransaction({ to: call.to, data: call.data, account: wallet.account, chain: wallet.chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${step} transaction ${hash} reverted`);
    const after = await proposalStatus(publicClient, deployment, proposal, args.network);
    log(`Sent ${step} (${hash}). State: ${after.state}. Next: ${after.next}`);
    return after;
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  advanceProposal().catch((error: Error) => {
    console.error(`proposal: ${error.message}`);
    process.exit(1);
  });
}
