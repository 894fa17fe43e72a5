/**
 * Release v2, step 03: execute the queued extension swap and record it.
 *
 * `npm run release -- v2 03 --network <name> [--yes] [--account <i>]`
 *
 * Checks that the proposal of step 02 is Queued and past its Timelock eta, prints the execute call
 * and sends it after confirmation, then verifies that the market's `extension()` is the v2 extension
 * and that it forwards to the v2 disputes code, and updates deployments/<network>/deployment.json
 * (marketExtension, marketDisputes, versions.market).
 * Re-running after execution only verifies and records.
 */
import { network } from "hardhat";
import { getAddress } from "viem";

import { confirmCalls, loadDeployment, parseCli, saveDeployment, sendPlanned, type CliSpec } from "../../lib/cli.js";
import { assertStepReady, loadProposal, proposalStatus, stepCall } from "../../lib/governance.js";
import { exampleNotice, extensionOf, loadRelease, releaseAbi, releaseOf, releasePath, runIfMain, saveRelease, STEP_ACCOUNT_OPTION } from "../lib.js";

const RELEASE = releaseOf(import.meta.filename);

export const cli = {
  command: `npm run release -- ${RELEASE} 03`,
  summary:
    `release ${RELEASE} step 03: execute the queued extension swap once the Timelock delay has passed (refused, with the time left, before), ` +
    "verify the market's extension and record the new version.",
  usage: ["--network <name> [--account <i>] [--yes]"],
  options: { account: STEP_ACCOUNT_OPTION },
  examples: [`npm run release -- ${RELEASE} 03 --network localhost --yes`],
} as const satisfies CliSpec;

export default async function executeUpgrade(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(cli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}"`);
  const deployment = loadDeployment(args.network);
  const release = loadRelease(args.network, RELEASE, "03");
  const notice = exampleNotice(RELEASE, release.extension.contract);
  if (notice) log(notice);
  if (!release.proposalId) {
    throw new Error(`Release ${RELEASE} has no proposal yet. Run step 02 first: npm run release -- ${RELEASE} 02 --network ${args.network}`);
  }
  const proposal = loadProposal(args.network, release.proposalId);
  const { market } = deployment.contracts;
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const wallets = await connection.viem.getWalletClients();
    const executor = wallets[Number(args.account ?? 0)];
    if (!executor) throw new Error(`No wallet ${args.account} on ${args.network}`);

    const status = await proposalStatus(publicClient, deployment, proposal, args.network);
    log(`Release ${RELEASE} proposal ${proposal.id}: ${status.state}`);
    proposal.summary.forEach((s, i) => log(`  call ${i + 1}: ${s}`));
    let sent: `0x${string}` | undefined;
    if (status.state !== "Executed") {
      await assertStepReady(publicClient, status, "execute", args.network);
      const call = stepCall(deployment, proposal, "execute", executor.account.address);
      if (!(await confirmCalls([call], args.yes, log))) return undefined;
      sent = (await sendPlanned(executor, publicClient, call, "execute")).hash;
      log(`Executed (${sent}).`);
    }

    // Verify on chain before recording anything.
    const extension = await extensionOf(publicClient, market);
    if (extension !== getAddress(release.extension.address)) {
      throw new Error(`The market serves through extension ${extension}, not the release's ${release.extension.address}. Nothing recorded.`);
    }
    const disputes = await publicClient.readContract({ address: extension, abi: releaseAbi, functionName: "disputes" });
    if (getAddress(disputes) !== getAddress(release.disputes.address)) {
      throw new Error(`The extension forwards disputes to ${disputes}, not the release's ${release.disputes.address}. Nothing recorded.`);
    }
    log(
      `Verified: the market ${market} serves through ${release.extension.contract} at ${extension} ` +
        `and ${release.disputes.contract} at ${disputes}.`,
    );

    const updated = {
      ...deployment,
      versions: { ...deployment.versions, market: release.marketVersion },
      contracts: { ...deployment.contracts, marketExtension: extension, marketDisputes: getAddress(disputes) },
    };
    const file = saveDeployment(updated);
    saveRelease({ ...release, executedAt: release.executedAt ?? new Date().toISOString() });
    log(`Recorded ${file} (market version ${release.marketVersion}) and ${releasePath(args.network, RELEASE)}.`);
    return { proposalId: proposal.id, transaction: sent, extension, deployment: updated };
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.filename, `release ${RELEASE} 03`, executeUpgrade);
