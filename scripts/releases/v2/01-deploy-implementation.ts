/**
 * Release v2, step 01: deploy the new market code (nothing changes for users yet).
 *
 * `npm run release -- v2 01 --network <name> [--yes] [--implementation <Contract>] [--extension <Contract>]
 *   [--disputes <Contract>]`
 *
 * 1. Validates the storage layout of the new implementation (and extension, and disputes code)
 *    against the contracts the deployment record points at, with @openzeppelin/upgrades-core. An
 *    incompatible layout is refused with the tool's reasons, before anything is sent.
 * 2. Prints what it will deploy and asks (unless --yes).
 * 3. Deploys a JobMarketDisputes, a JobMarketExtension pointing at it, then a JobMarket
 *    implementation pointing at the extension, and records them in
 *    deployments/<network>/releases/v2.json for steps 02 and 03.
 *
 * Example release: an upgrade to a mock. The defaults are `--implementation JobMarketV2Mock` (JobMarket plus `version()`,
 * from contracts/mocks/upgrades), `--extension JobMarketExtension` and `--disputes JobMarketDisputes`.
 * A real release names its own contracts here. The implementation's constructor must take the
 * extension's address, and the extension's the disputes code's.
 */
import { network } from "hardhat";
import { getAddress, type Address } from "viem";

import { confirm, loadDeployment, parseCli, type CliSpec } from "../../lib/cli.js";
import {
  deployedContracts,
  exampleNotice,
  hasCode,
  implementationOf,
  IMPLEMENTATION_SLOT,
  loadRelease,
  marketVersionOf,
  releaseOf,
  runIfMain,
  saveRelease,
  upgradeAbi,
  validateUpgrade,
  type ReleaseRecord,
} from "../lib.js";

const RELEASE = releaseOf(import.meta.filename);
const DEFAULTS = { implementation: "JobMarketV2Mock", extension: "JobMarketExtension", disputes: "JobMarketDisputes" };

export const cli = {
  command: `npm run release -- ${RELEASE} 01`,
  summary:
    `release ${RELEASE} step 01 (an example upgrade to a mock, JobMarketV2Mock, unless you name other contracts): check the new code's ` +
    "storage layout against the deployed one, then deploy it. Nothing changes for users until step 03 executes the vote.",
  usage: ["--network <name> [--implementation <Contract>] [--extension <Contract>] [--disputes <Contract>] [--yes]"],
  options: {
    implementation: { type: "string", value: "<Contract>", help: `the new JobMarket implementation (default ${DEFAULTS.implementation}, a test mock)` },
    extension: { type: "string", value: "<Contract>", help: `the new extension (default ${DEFAULTS.extension})` },
    disputes: { type: "string", value: "<Contract>", help: `the new disputes code (default ${DEFAULTS.disputes})` },
  },
  notes: [`Then: npm run release -- ${RELEASE} 02 --network <name>`],
  examples: [`npm run release -- ${RELEASE} 01 --network localhost --yes`],
} as const satisfies CliSpec;

export default async function deployImplementation(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(cli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}"`);
  const implementation = args.implementation ?? DEFAULTS.implementation;
  const extension = args.extension ?? DEFAULTS.extension;
  const disputes = args.disputes ?? DEFAULTS.disputes;
  const deployment = loadDeployment(args.network);
  const current = deployedContracts(deployment);

  const notice = exampleNotice(RELEASE, implementation);
  if (notice) log(notice);
  // First the layout: nothing is sent, or even connected to, for an incompatible upgrade.
  log(`Release ${RELEASE} on ${args.network}: checking storage layouts against the deployed version`);
  const checks = [
    await validateUpgrade(current.implementation, implementation),
    // The extension runs by delegatecall in the proxy's storage: its layout must match too. It has no
    // initializer of its own (the proxy was initialized through JobMarket), hence the allowance. Its
    // constructor only sets an immutable (the disputes code's address, part of its code, not of the
    // proxy's storage), which the tool reports as a constructor without that annotation on it.
    await validateUpgrade(current.extension, extension, { unsafeAllow: ["missing-initializer", "constructor"] }),
    // So does the disputes code, one delegatecall further.
    await validateUpgrade(current.disputes, disputes, { unsafeAllow: ["missing-initializer"] }),
  ];
  for (const c of checks) log(`  ok: ${c.to} upgrades from ${c.from}`);

  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const [deployer] = await connection.viem.getWalletClients();
    const market = deployment.contracts.market;
    const running = await implementationOf(publicClient, market);
    if (running !== getAddress(deployment.contracts.marketImplementation)) {
      throw new Error(
        `The market ${market} runs implementation ${running}, but the deployment record says ${deployment.contracts.marketImplementation}. ` +
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
    if (existing && (await hasCode(publicClient, existing.implementation.address))) {
      log(`Release ${RELEASE} is already deployed on ${args.network}: ${existing.implementation.contract} at ${existing.implementation.address}`);
      log(`  (extension ${existing.extension.contract} at ${existing.extension.address}, disputes ${existing.disputes.contract} at ${existing.disputes.address}). Nothing sent.`);
      log(`Next: npm run release -- ${RELEASE} 02 --network ${args.network}`);
      return existing;
    }

    log(`About to deploy from ${deployer.account.address}:`);
    log(`  1. ${disputes}()`);
    log(`  2. ${extension}(<the ${disputes} above>)`);
    log(`  3. ${implementation}(<the ${extension} above>)`);
    log(`  They replace ${current.implementation} at ${deployment.contracts.marketImplementation} only once step 03 executes the vote.`);
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
    const impl = await deployContract(implementation, [ext.address]);
    log(`  deployed ${implementation} at ${getAddress(impl.address)}`);

    // The proxy will call these when upgrading: check them now rather than in a failed vote.
    const [uuid, pointsAt, forwardsTo] = await Promise.all([
      publicClient.readContract({ address: impl.address, abi: upgradeAbi, functionName: "proxiableUUID" }),
      publicClient.readContract({ address: impl.address, abi: upgradeAbi, functionName: "extension" }),
      publicClient.readContract({ address: ext.address, abi: upgradeAbi, functionName: "disputes" }),
    ]);
    if (uuid !== IMPLEMENTATION_SLOT) throw new Error(`${implementation} at ${impl.address} is not a UUPS implementation (proxiableUUID ${uuid})`);
    if (getAddress(pointsAt) !== getAddress(ext.address)) throw new Error(`${implementation} at ${impl.address} points at extension ${pointsAt}, not ${ext.address}`);
    if (getAddress(forwardsTo) !== getAddress(disp.address)) throw new Error(`${extension} at ${ext.address} forwards to ${forwardsTo}, not ${disp.address}`);

    const record: ReleaseRecord = {
      version: RELEASE,
      network: args.network,
      marketVersion: marketVersionOf(RELEASE),
      implementation: { contract: implementation, address: getAddress(impl.address) },
      extension: { contract: extension, address: getAddress(ext.address) },
      disputes: { contract: disputes, address: getAddress(disp.address) },
      validatedAgainst: { ...current, address: deployment.contracts.marketImplementation },
      deployedAt: new Date().toISOString(),
      block,
    };
    const file = saveRelease(record);
    log(`Recorded ${file}`);
    log(`Next: npm run release -- ${RELEASE} 02 --network ${args.network}   (proposes the upgrade to the Governor)`);
    return record;
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.filename, `release ${RELEASE} 01`, deployImplementation);
