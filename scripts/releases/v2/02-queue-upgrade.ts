/**
 * Release v2, step 02: propose the extension swap to the Governor.
 *
 * `npm run release -- v2 02 --network <name> [--yes] [--account <i>]`
 *
 * Plans a proposal with one call, `market.setExtension(<v2 extension>)` (`restricted`: only the
 * Timelock, i.e. a passed vote, may swap the market's periphery; the market itself never changes), saves it
 * in deployments/<network>/proposals/<id>.json, prints it, and proposes it after confirmation.
 * The vote and the Timelock queue are then advanced with `npm run proposal`, as printed; step 03
 * executes. The proposer (wallet `--account`, default 0) needs the Governor's proposal threshold
 * in delegated votes.
 */
import { network } from "hardhat";
import { getAddress, type Abi } from "viem";

import { confirmCalls, loadDeployment, parseCli, sendPlanned, type CliSpec } from "../../lib/cli.js";
import { assertCanPropose, planProposal, proposalStatus, saveProposal, stepCall } from "../../lib/governance.js";
import { exampleNotice, extensionOf, hasCode, loadRelease, releaseAbi, releaseOf, runIfMain, saveRelease, STEP_ACCOUNT_OPTION } from "../lib.js";

const RELEASE = releaseOf(import.meta.filename);

export const cli = {
  command: `npm run release -- ${RELEASE} 02`,
  summary:
    `release ${RELEASE} step 02: propose to the Governor the extension swap (setExtension) to what step 01 deployed (by default an example ` +
    "upgrade to a mock, JobMarketExtensionV2Mock). The proposer needs the proposal threshold in delegated votes (npm run delegate).",
  usage: ["--network <name> [--account <i>] [--yes]"],
  options: { account: STEP_ACCOUNT_OPTION },
  notes: [`Then: npm run proposal -- --network <name> <id> vote, then queue, then npm run release -- ${RELEASE} 03`],
  examples: [`npm run release -- ${RELEASE} 02 --network localhost --yes`],
} as const satisfies CliSpec;

export default async function queueUpgrade(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(cli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}"`);
  const deployment = loadDeployment(args.network);
  const release = loadRelease(args.network, RELEASE, "02");
  const notice = exampleNotice(RELEASE, release.extension.contract);
  if (notice) log(notice);
  const { market } = deployment.contracts;
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const wallets = await connection.viem.getWalletClients();
    const proposer = wallets[Number(args.account ?? 0)];
    if (!proposer) throw new Error(`No wallet ${args.account} on ${args.network}`);

    if (!(await hasCode(publicClient, release.extension.address))) {
      throw new Error(`${release.extension.contract} at ${release.extension.address} has no code on ${args.network}: re-run step 01.`);
    }
    if ((await extensionOf(publicClient, market)) === getAddress(release.extension.address)) {
      log(`The market already runs ${release.extension.contract} (${release.extension.address}). Next: npm run release -- ${RELEASE} 03 --network ${args.network}`);
      return { proposalId: release.proposalId, state: "Executed" as const };
    }

    const description =
      `Depinfer release ${RELEASE}${notice ? " (an example upgrade to a mock)" : ""}: swap the extension of the JobMarket ${market} from ${release.validatedAgainst.extension} ` +
      `(${release.validatedAgainst.address}) to ${release.extension.contract} (${release.extension.address}), ` +
      `disputes ${release.disputes.contract} (${release.disputes.address}). The market's own code (job cycle, staking) does not change. ` +
      `Storage layout validated by @openzeppelin/upgrades-core against the extension it replaces and the market.`;
    const proposal = await planProposal(publicClient, deployment, description, [
      {
        to: market,
        target: "JobMarket",
        abi: releaseAbi as Abi,
        functionName: "setExtension",
        args: [release.extension.address],
      },
    ]);
    const file = saveProposal(args.network, proposal);
    saveRelease({ ...release, proposalId: proposal.id });
    log(`Release ${RELEASE} proposal ${proposal.id} (saved in ${file})`);
    proposal.summary.forEach((s, i) => log(`  call ${i + 1}: ${s}`));

    const before = await proposalStatus(publicClient, deployment, proposal, args.network);
    if (before.state !== "Unknown") {
      log(`Already proposed: state ${before.state}. Nothing sent. Next: ${before.next}`);
      return { proposalId: proposal.id, state: before.state };
    }

    await assertCanPropose(publicClient as never, deployment, proposer.account.address, args.network);

    const call = stepCall(deployment, proposal, "propose", proposer.account.address);
    if (!(await confirmCalls([call], args.yes, log))) return { proposalId: proposal.id, state: before.state };
    const { hash } = await sendPlanned(proposer, publicClient, call, "propose");
    const after = await proposalStatus(publicClient, deployment, proposal, args.network);
    const cmd = (step: string) => `npm run proposal -- --network ${args.network} ${proposal.id} ${step}`;
    log(`Proposed (${hash}). State: ${after.state}. ${after.next}`);
    log("Next steps:");
    log(`  1. vote once voting opens (after the voting delay): ${cmd("vote")}`);
    log(`  2. queue in the Timelock once the vote has passed (after the voting period): ${cmd("queue")}`);
    log(`  3. execute after the Timelock delay: npm run release -- ${RELEASE} 03 --network ${args.network}`);
    log(`  Anytime: ${cmd("status")}`);
    return { proposalId: proposal.id, state: after.state };
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.filename, `release ${RELEASE} 02`, queueUpgrade);
