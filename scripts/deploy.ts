/**
 * `npm run deploy -- --network <name> [--yes] [--reset] [--parameters file.json] [--params file.json]
 *   [--payment-token 0x…:<bondFloor>:<stakeRate>]`
 *
 * `--parameters`: Ignition module parameters (token supply, Timelock delay, voting settings, minimum
 * stake, treasury, guardian, arbitrator). `--params`: the market's initial parameters
 * (`{ "challengeWindow": 7200, …, "thawingPeriod": 1209600 }`); unspecified ones keep the defaults.
 *
 * Deploys the whole protocol with the Ignition module (scripts/deploy/Depinfer.ts) and records
 * addresses, chain id, block and versions in deployments/<network>/deployment.json, which every
 * other script and the SDK's `npm run gen` read.
 *
 * Never deploys a second protocol silently: if a deployment is recorded for the network and its
 * market has code, it refuses; an interrupted deployment resumes from Ignition's journal; a
 * recorded deployment whose contracts are gone (a restarted local node) needs `--reset`.
 * On local chains (chain id 31337) a test USDC is deployed and allow-listed.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

import { network } from "hardhat";
import solcPackage from "solc/package.json" with { type: "json" };

import { buildDepinferModule, type InitialParams, type PaymentTokenConfig } from "./deploy/Depinfer.js";
import { confirm, deploymentPath, loadDeployment, parseCli, repoRoot, saveDeployment, type DeploymentRecord } from "./lib/cli.js";

const LOCAL_CHAIN_ID = 31337;

export async function deploy(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(
    {
      reset: { type: "boolean", default: false },
      parameters: { type: "string" },
      params: { type: "string" },
      "payment-token": { type: "string", multiple: true },
    },
    argv,
  );
  const connection = await network.connect({ network: args.network });
  const publicClient = await connection.viem.getPublicClient();
  const [deployer] = await connection.viem.getWalletClients();
  const chainId = await publicClient.getChainId();
  const deploymentId = `depinfer-${args.network}`;

  if (existsSync(deploymentPath(args.network))) {
    const existing = loadDeployment(args.network);
    const code = existing.chainId === chainId ? await publicClient.getCode({ address: existing.contracts.market }) : undefined;
    if (code && code !== "0x") {
      throw new Error(
        `Depinfer is already deployed on ${args.network} (market ${existing.contracts.market}, block ${existing.block}). ` +
          `Refusing to deploy a second protocol. Use the upgrade release scripts to change it.`,
      );
    }
    if (!args.reset) {
      throw new Error(
        `A deployment is recorded for ${args.network} but its market has no code on chain ${chainId} (a restarted node?). ` +
          `Re-run with --reset to deploy a fresh protocol and overwrite the record.`,
      );
    }
  }
  if (args.reset) rmSync(path.join(repoRoot, "ignition", "deployments", deploymentId), { recursive: true, force: true });

  const paymentTokens: PaymentTokenConfig[] = (args["payment-token"] ?? []).map((spec) => {
    const [token, bondFloor, stakeRate] = spec.split(":");
    if (!/^0x[0-9a-fA-F]{40}$/.test(token ?? "") || !bondFloor || !stakeRate) {
      throw new Error(`--payment-token expects <address>:<bondFloor>:<stakeRate>, got "${spec}"`);
    }
    return { token: token as `0x${string}`, bondFloor: BigInt(bondFloor), stakeRate: BigInt(stakeRate) };
  });
  if (chainId === LOCAL_CHAIN_ID) paymentTokens.unshift({ token: "mockUSDC", bondFloor: 1_000_000n, stakeRate: 10n ** 30n });
  const parameters = args.parameters ? JSON.parse(readFileSync(path.resolve(args.parameters), "utf8")) : undefined;
  const { thawingPeriod, ...initialParams } = args.params
    ? (JSON.parse(readFileSync(path.resolve(args.params), "utf8")) as Partial<InitialParams> & { thawingPeriod?: number })
    : {};

  log(`Deploying Depinfer to ${args.network} (chain ${chainId}) from ${deployer.account.address}`);
  log(`  payment tokens: ${paymentTokens.map((t) => (typeof t.token === "string" ? t.token : "?")).join(", ") || "none"}`);
  if (!(await confirm(`Deploy the whole protocol (about 25 transactions) to ${args.network}?`, args.yes, log))) return undefined;
  const startBlock = await publicClient.getBlockNumber();
  const module = buildDepinferModule({
    paymentTokens,
    params: args.params && Object.keys(initialParams).length ? initialParams : undefined,
    thawingPeriod,
  });
  const deployed = (await connection.ignition.deploy(module, {
    deploymentId,
    parameters: parameters ? { Depinfer: parameters } : undefined,
  })) as Record<string, { address: `0x${string}` }>;

  const record: DeploymentRecord = {
    network: args.network,
    chainId,
    block: Number(startBlock) + 1,
    deployedAt: new Date().toISOString(),
    ignitionDeploymentId: deploymentId,
    versions: {
      protocol: JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version,
      solc: solcPackage.version,
      market: "1",
    },
    contracts: {
      market: deployed.proxy.address,
      marketImplementation: deployed.implementation.address,
      marketExtension: deployed.extension.address,
      marketDisputes: deployed.disputes.address,
      token: deployed.token.address,
      timelock: deployed.timelock.address,
      governor: deployed.governor.address,
      manager: deployed.manager.address,
      verifier: deployed.verifier.address,
      paymentTokens: Object.entries(deployed)
        .filter(([k]) => k.startsWith("mock"))
        .map(([, c]) => c.address)
        .concat(paymentTokens.filter((t) => t.token.startsWith("0x")).map((t) => t.token as `0x${string}`)),
    },
  };
  const file = saveDeployment(record);
  log(`Recorded ${path.relative(process.cwd(), file)}: market ${record.contracts.market}`);
  await connection.close();
  return record;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  deploy().catch((error: Error) => {
    console.error(`deploy: ${error.message}`);
    process.exit(1);
  });
}
