/**
 * Release v2, step 01: deploy the new periphery code (nothing changes for users yet).
 *
 * `npm run release -- v2 01 --network <name> [--yes] [--extension <Contract>] [--disputes <Contract>]`
 *
 * 1. Validates the storage layout of the new extension and disputes code, with
 *    @openzeppelin/upgrades-core, against the contracts the deployment record points at: the
 *    extension and disputes code they replace, and the market itself (`JobMarket`, immutable), whose
 *    storage they run in. An incompatible layout is refused with the tool's reasons, before anything
 *    is sent.
 * 2. Prints what it will deploy and asks (unless --yes).
 * 3. Deploys a JobMarketDisputes, then a JobMarketExtension pointing at it, and records them in
 *    deployments/<network>/releases/v2.json for steps 02 (propose `setExtension`) and 03 (execute).
 *
 * The market is not redeployed and has no proxy: its job cycle and staking code never change
 * (docs/protocol.md 1.4, 12.6). Example release: an upgrade to a mock. The defaults are
 * `--extension JobMarketExtensionV2Mock` (JobMarketExtension plus `version()`, from
 * contracts/mocks/upgrades) and `--disputes JobMarketDisputes`. A real release names its own
 * contracts here. The extension's constructor must take the disputes code's address.
 */
import { network } from "hardhat";
import { getAddress, type Address } from "viem";

import { confirm, loadDeployment, parseCli, type CliSpec } from "../../lib/cli.js";
import {
  deployedContracts,
  exampleNotice,
  extensionOf,
  hasCode,
  loadRelease,
  marketVersionOf,
  releaseAbi,
  releaseOf,
  runIfMain,
  saveRelease,
  validateUpgrade,
  type ReleaseRecord,
} from "../lib.js";

const RELEASE = releaseOf(import.meta.filename);
const DEFAULTS = { extension: "JobMarketExtensionV2Mock", disputes: "JobMarketDisputes" };

/** The extension has no initializer of its own (the market was initialized by its constructor), and its constructor only sets immutables (part of its code, not of the market's storage). */
const EXTENSION_ALLOW = ["missing-initializer", "constructor"];

export const cli = {
  command: `npm run release -- ${RELEASE} 01`,
  summary:
    `release ${RELEASE} step 01 (an example upgrade to a mock, JobMarketExtensionV2Mock, unless you name other contracts): check the new ` +
    "periphery's storage layout against the deployed one and the market's, then deploy it. Nothing changes for users until step 03 executes the vote.",
  usage: ["--network <name> [--extension <Contract>] [--disputes <Contract>] [--yes]"],
  options: {
    extension: { type: "string", value: "<Contract>", help: `the new extension (default ${DEFAULTS.extension}, a test mock)` },
    disputes: { type: "string", value: "<Contract>", help: `the new disputes code (default ${DEFAULTS.disputes})` },
  },
  notes: [`Then: npm run release -- ${RELEASE} 02 --network <name>`],
  examples: [`npm run release -- ${RELEASE} 01 --network localhost --yes`],
} as const satisfies CliSpec;

export default async function deployExtension(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(cli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}"`);
  const extension = args.extension ?? DEFAULTS.extension;
  const disputes = args.disputes ?? DEFAULTS.disputes;
  const deployment = loadDeployment(args.network);
  const current = deployedContracts(deployment);

  const notice = exampleNotice(RELEASE, extension);
  if (notice) log(notice);
  // First the layout: nothing is sent, or even connected to, for an incompatible release.
  log(`Release ${RELEASE} on ${args.network}: checking storage layouts against the deployed version`);
  const checks = [
    // The extension runs by delegatecall in the market's storage: its layout must match the extension
    // it replaces and the market's own, which reads and writes the same namespace and never changes.
    await validateUpgrade(current.extension, extension, { unsafeAllow: EXTENSION_ALLOW }),
    await validateUpgrade(current.market, extension, { unsafeAllow: EXTENSION_ALLOW }),
    // So does the disputes code, one delegatecall further.
    await validateUpgrade(current.disputes, disputes, { unsafeAllow: ["missing-initializer"] }),
    await validateUpgrade(current.market, disputes, { unsafeAllow: ["missing-initializer"] }),
  ];
  for (const c of checks) log(`  ok: ${c.to} runs in the storage of ${c.from}`);

  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const [deployer] = await connection.viem.getWalletClients();
    const market = deployment.contracts.market;
    const running = await extensionOf(publicClient, market);
    if (running !== getAddress(deployment.contracts.marketExtension)) {
      throw new Error(
        `The market ${market} runs extension ${running}, but the deployment record says ${deployment.contracts.marketExtension}. ` +
          `Bring deployments/${args.network}/deployment.json up to date before releasing.`,
      );
    }

    const existing = (() => {
      try {
        return loadRelease(args.network, RELEASE);
      } catch {
        return undefined;
      }
    })();
    if (existing && (await hasCode(publicClient, existing.extension.address))) {
      log(`Release ${RELEASE} is already deployed on ${args.network}: ${existing.extension.contract} at ${existing.extension.address}`);
      log(`  (disputes ${existing.disputes.contract} at ${existing.disputes.address}). Nothing sent.`);
      log(`Next: npm run release -- ${RELEASE} 02 --network ${args.network}`);
      return existing;
    }

    log(`About to deploy from ${deployer.account.address}:`);
    log(`  1. ${disputes}()`);
    log(`  2. ${extension}(<the ${disputes} above>)`);
    log(`  They replace ${current.extension} at ${deployment.contracts.marketExtension} only once step 03 executes the vote (setExtension).`);
    if (!(await confirm(`Deploy release ${RELEASE} contracts to ${args.network}?`, args.yes, log))) return undefined;

    const block = Number(await publicClient.getBlockNumber()) + 1;
    const deployContract = connection.viem.deployContract as unknown as (
      name: string,
      args?: unknown[],
    ) => Promise<{ address: Address }>;
    const disp = await deployContract(disputes, []);
    log(`  deployed ${disputes} at ${getAddress(disp.address)}`);
    const ext = await deployContract(extension, [disp.address]);
    log(`  deployed ${extension} at ${getAddress(ext.address)}`);

    // The market will delegate to these once the vote executes: check them now rather than after it.
    const forwardsTo = await publicClient.readContract({ address: ext.address, abi: releaseAbi, functionName: "disputes" });
    if (getAddress(forwardsTo) !== getAddress(disp.address)) throw new Error(`${extension} at ${ext.address} forwards to ${forwardsTo}, not ${disp.address}`);

    const record: ReleaseRecord = {
      version: RELEASE,
      network: args.network,
      marketVersion: marketVersionOf(RELEASE),
      extension: { contract: extension, address: getAddress(ext.address) },
      disputes: { contract: disputes, address: getAddress(disp.address) },
      validatedAgainst: { ...current, address: deployment.contracts.marketExtension },
      deployedAt: new Date().toISOString(),
      block,
    };
    const file = saveRelease(record);
    log(`Recorded ${file}`);
    log(`Next: npm run release -- ${RELEASE} 02 --network ${args.network}   (proposes setExtension to the Governor)`);
    return record;
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.filename, `release ${RELEASE} 01`, deployExtension);
