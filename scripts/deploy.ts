/**
 * `npm run deploy -- --network <name> [--yes] [--reset] [--parameters file.json] [--params file.json]
 *   [--payment-token 0x…:<bondFloor>:<stakeRate>]`
 *
 * `--parameters`: the deploy configuration (scripts/deploy/config.ts, docs/deployment.md): guardian,
 * arbitrator, treasury, token supply and its distribution, Timelock delay, voting settings, minimum
 * stake. Without the flag, deployments/<network>/parameters.json is read if it exists.
 * `--params`: the market's initial parameters (`{ "challengeWindow": 7200, …, "thawingPeriod":
 * 1209600 }`); unspecified ones keep the defaults.
 *
 * On a local chain (chain id 31337) whatever is not configured is the deployer, as before. On any
 * other chain it refuses, before sending anything, to make the deployer the guardian, the arbitrator
 * or the treasury, or to leave it any of the token supply: the message names the keys to set.
 *
 * Deploys the whole protocol with the Ignition module (scripts/deploy/Depinfer.ts) and records
 * addresses, chain id, block and versions in deployments/<network>/deployment.json, which every
 * other script and the SDK's `npm run gen` read.
 *
 * Never deploys a second protocol silently: if a deployment is recorded for the network and its
 * market has code, it refuses; an interrupted deployment resumes from Ignition's journal; a
 * recorded deployment whose contracts are gone (a restarted local node) needs `--reset`.
 * On local chains a test USDC is deployed and allow-listed.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

import { network } from "hardhat";
import solcPackage from "solc/package.json" with { type: "json" };
import { parseAbi, type Address, type Hex, type PublicClient } from "viem";

import { depinferTimelockAbi } from "../sdk/src/abis/depinferTimelock.js";

import { checkPowers, DeployConfigError, describePowers, isLocalChain, LOCAL_CHAIN_ID, parseDeployConfig } from "./deploy/config.js";
import { SAMPLED_VERIFIER_DEPLOY_PARAMS } from "./deploy/samplingParams.js";
import { buildDepinferModule, ROLES, TIMELOCK_ROLES, type InitialParams, type PaymentTokenConfig } from "./deploy/Depinfer.js";
import {
  confirm,
  deploymentPath,
  deploymentsDir,
  isMain,
  loadDeployment,
  parseCli,
  repoRoot,
  runCli,
  saveDeployment,
  type CliSpec,
  type DeploymentRecord,
} from "./lib/cli.js";

const accessManagerAbi = parseAbi(["function hasRole(uint64 roleId, address account) view returns (bool isMember, uint32 executionDelay)"]);

const NO_CONFIG = "(no configuration)";

/** Chains whose `prevrandao` is the beacon chain's (Ethereum mainnet, Sepolia, Holesky, Hoodi): the default sampled verifier's randomness is sound there. */
export const L1_CHAIN_IDS = [1, 11155111, 17000, 560048];

/**
 * What `npm run deploy` does with the sampled verifier on chain `chainId` (`flag`: `--sampled-verifier`).
 * Registered by default: the verification fee fixed 7.7's self-dealing finding (docs/protocol.md 7.7).
 * Only where prevrandao is the beacon chain's (L1s, local chains): on a rollup the sequencer chooses it
 * (Arbitrum returns a constant), so the draw would be predictable; there the default is `none` and
 * `deploy` or `register` is refused (a rollup needs a module over a VrfRandomnessAdapter).
 */
export function sampledVerifierMode(chainId: number, flag: string | undefined): "none" | "deploy" | "register" {
  const prevrandaoSound = isLocalChain(chainId) || L1_CHAIN_IDS.includes(chainId);
  const mode = flag ?? (prevrandaoSound ? "register" : "none");
  if (mode !== "none" && mode !== "deploy" && mode !== "register") throw new Error(`--sampled-verifier expects none, deploy or register, got "${mode}"`);
  if (mode !== "none" && !prevrandaoSound) {
    throw new Error(
      `--sampled-verifier ${mode} is refused on chain ${chainId}: it is not an L1 (${L1_CHAIN_IDS.join(", ")}) or a local chain, so its prevrandao is the sequencer's and the sampling draw would be predictable. ` +
        `Deploy with --sampled-verifier none, then a module over a VrfRandomnessAdapter, registered by a vote (docs/protocol.md 7.7). Nothing sent.`,
    );
  }
  return mode;
}

export const cli = {
  command: "npm run deploy",
  summary:
    "deploy the whole protocol with its Ignition module and record the addresses in deployments/<network>/deployment.json. " +
    "Off a local chain (31337) it refuses, before sending, to leave the deployer any role or tokens.",
  usage: ["--network <name> [--parameters <file>] [--params <file>] [--payment-token <address>:<bondFloor>:<stakeRate>]… [--reset] [--yes]"],
  options: {
    parameters: {
      type: "string",
      value: "<file>",
      help: "the deploy configuration: guardian, arbitrator, treasury, token distribution, Timelock delay, voting settings (default: deployments/<network>/parameters.json if present)",
    },
    params: { type: "string", value: "<file>", help: 'the market\'s initial parameters, e.g. { "challengeWindow": 7200, "thawingPeriod": 1209600 }' },
    "payment-token": { type: "string", multiple: true, value: "<address>:<bondFloor>:<stakeRate>", help: "allow-list a payment token (repeatable; local chains also get a test USDC)" },
    "sampled-verifier": {
      type: "string",
      value: "none|deploy|register",
      help: "the sampled re-execution module (docs/protocol.md 7.7): deploy and register it for EXACT and TOLERANT jobs (default on L1s and local chains), only deploy it (governance registers it later: npm run sampling -- register), or leave it out (default, and the only choice, on rollups: they need a VRF-backed module)",
    },
    redundancy: {
      type: "string",
      value: "none|deploy|register",
      help: "the redundancy (k of n) module (docs/protocol.md 7.8): deploy it, or deploy and register it (default: register on local chains, deploy elsewhere; register is refused off local chains: governance registers it through the Timelock)",
    },
    reset: { type: "boolean", default: false, help: "deploy afresh over a recorded deployment whose contracts are gone (a restarted local node)" },
  },
  notes: ["Keys of the deploy configuration: docs/deployment.md. Next, on a local chain: npm run delegate -- --network <name> --yes"],
  examples: ["npm run deploy -- --network localhost --yes", "npm run deploy -- --network sepolia --parameters deployments/sepolia/parameters.json"],
} as const satisfies CliSpec;

/** The deploy configuration file: `--parameters`, else deployments/<network>/parameters.json if present. */
function readConfigFile(networkName: string, flag: string | undefined) {
  const file = flag ? path.resolve(flag) : path.join(deploymentsDir(), networkName, "parameters.json");
  if (!flag && !existsSync(file)) return { source: NO_CONFIG, raw: undefined };
  const relative = path.relative(process.cwd(), file);
  const source = relative && !relative.startsWith("..") ? relative : file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`Deploy configuration ${source}: cannot read it (${(error as Error).message}). Nothing sent.`);
  }
  try {
    return { source, raw: JSON.parse(text) as unknown };
  } catch (error) {
    throw new Error(`Deploy configuration ${source} is not valid JSON (${(error as Error).message}). Nothing sent.`);
  }
}

export async function deploy(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(cli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}": every setting is an option (npm run deploy -- --help)`);
  // A malformed configuration is refused before connecting.
  const { source, raw } = readConfigFile(args.network, args.parameters);
  const config = parseDeployConfig(raw, source);
  const connection = await network.connect({ network: args.network });
  const publicClient = await connection.viem.getPublicClient();
  const [deployer] = await connection.viem.getWalletClients();
  const chainId = await publicClient.getChainId();
  const deploymentId = `depinfer-${args.network}`;
  const local = isLocalChain(chainId);

  // Who gets which power, checked before anything else: nothing is sent on a refusal.
  const refusals = checkPowers(config, deployer.account.address, local);
  if (refusals.length) {
    const file = source === NO_CONFIG ? `none given: pass --parameters <file> or write deployments/${args.network}/parameters.json` : source;
    const why = local ? `chain ${chainId}` : `chain ${chainId} is not local (only chain ${LOCAL_CHAIN_ID} is), so the deployer may keep no role and no tokens`;
    await connection.close();
    throw new DeployConfigError(`Refusing to deploy to ${args.network}: ${why}. Nothing sent. Set these keys in the deploy configuration (${file}; keys in docs/deployment.md):`, refusals);
  }

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
  if (local) paymentTokens.unshift({ token: "mockUSDC", bondFloor: 1_000_000n, stakeRate: 10n ** 30n });
  const { thawingPeriod, ...initialParams } = args.params
    ? (JSON.parse(readFileSync(path.resolve(args.params), "utf8")) as Partial<InitialParams> & { thawingPeriod?: number })
    : {};

  const sampledMode = sampledVerifierMode(chainId, args["sampled-verifier"]);
  const redundancyMode = args.redundancy ?? (local ? "register" : "deploy");
  if (!["none", "deploy", "register"].includes(redundancyMode)) throw new Error(`--redundancy expects none, deploy or register, got "${redundancyMode}"`);
  if (redundancyMode === "register" && !local) {
    throw new Error(
      `--redundancy register is refused on chain ${chainId}: off local chains the module is registered by governance, through the Timelock (docs/protocol.md 7.8). Deploy it (the default), then propose its registration. Nothing sent.`,
    );
  }
  log(`Deploying Depinfer to ${args.network} (chain ${chainId}) from ${deployer.account.address}`);
  log(`  configuration: ${source}`);
  describePowers(config, deployer.account.address).forEach((line) => log(line));
  log(`  sampled verifier: ${sampledMode === "none" ? "not deployed" : sampledMode === "deploy" ? "deployed, not registered" : "deployed and registered for EXACT and TOLERANT jobs (and as the verification-fee module)"}`);
  log(`  redundancy module: ${redundancyMode === "none" ? "not deployed" : redundancyMode === "deploy" ? "deployed, not registered (governance registers it)" : "deployed and registered"}`);
  log(`  payment tokens: ${paymentTokens.map((t) => (typeof t.token === "string" ? t.token : "?")).join(", ") || "none"}`);
  if (!(await confirm(`Deploy the whole protocol (about 25 transactions) to ${args.network}?`, args.yes, log))) return undefined;
  const startBlock = await publicClient.getBlockNumber();
  const module = buildDepinferModule({
    paymentTokens,
    params: args.params && Object.keys(initialParams).length ? initialParams : undefined,
    thawingPeriod,
    treasury: config.treasury === "timelock" ? "timelock" : undefined,
    tokenDistribution: config.tokenDistribution,
    // The module's parameters are the simulation's (scripts/sim/chain.ts), so what it models is what is deployed.
    sampledVerifier: sampledMode === "none" ? false : { params: SAMPLED_VERIFIER_DEPLOY_PARAMS, randomness: "prevrandao" as const, register: sampledMode === "register" },
    redundancy: redundancyMode === "none" ? false : { register: redundancyMode === "register" },
  });
  const deployed = (await connection.ignition.deploy(module, {
    deploymentId,
    parameters: Object.keys(config.ignitionParameters).length ? { Depinfer: config.ignitionParameters } : undefined,
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
      market: deployed.jobMarket.address,
      marketExtension: deployed.extension.address,
      marketDisputes: deployed.disputes.address,
      token: deployed.token.address,
      timelock: deployed.timelock.address,
      governor: deployed.governor.address,
      manager: deployed.manager.address,
      verifier: deployed.verifier.address,
      sessions: deployed.sessions.address,
      ...(deployed.redundancyModule && { redundancyModule: deployed.redundancyModule.address }),
      ...(deployed.sampledVerifier && { sampledVerifier: deployed.sampledVerifier.address, randomness: deployed.randomness?.address }),
      paymentTokens: Object.entries(deployed)
        .filter(([k]) => k.startsWith("mock"))
        .map(([, c]) => c.address)
        .concat(paymentTokens.filter((t) => t.token.startsWith("0x")).map((t) => t.token as `0x${string}`)),
    },
  };
  const file = saveDeployment(record);
  log(`Recorded ${path.relative(process.cwd(), file)}: market ${record.contracts.market}`);
  await checkHandover(publicClient, record, deployer.account.address, config.guardian ?? deployer.account.address, log);
  await connection.close();
  return record;
}

/**
 * Reads back what the Ignition module's ordering should guarantee: the deployer holds no admin role
 * (Timelock, AccessManager), the Timelock is the AccessManager's admin, the Governor proposes and the
 * guardian may cancel in the Timelock. Throws if not: the deployment must then not be used.
 */
async function checkHandover(publicClient: PublicClient, record: DeploymentRecord, deployer: Address, guardian: Address, log: (line: string) => void) {
  const { timelock, manager, governor } = record.contracts;
  const timelockHas = (role: Hex, account: Address) =>
    publicClient.readContract({ address: timelock, abi: depinferTimelockAbi, functionName: "hasRole", args: [role, account] });
  const managerHas = async (role: bigint, account: Address) =>
    (await publicClient.readContract({ address: manager, abi: accessManagerAbi, functionName: "hasRole", args: [role, account] }))[0];
  // [what is wrong if the read differs, the read, the intended value]
  const expectations: [string, Promise<boolean>, boolean][] = [
    ["the deployer is still a Timelock admin", timelockHas(TIMELOCK_ROLES.DEFAULT_ADMIN, deployer), false],
    ["the deployer is still the AccessManager's admin", managerHas(ROLES.ADMIN, deployer), false],
    ["the Timelock is not the AccessManager's admin", managerHas(ROLES.ADMIN, timelock), true],
    ["the Governor may not propose in the Timelock", timelockHas(TIMELOCK_ROLES.PROPOSER, governor), true],
    [`the guardian ${guardian} may not cancel in the Timelock`, timelockHas(TIMELOCK_ROLES.CANCELLER, guardian), true],
  ];
  const wrong: string[] = [];
  for (const [what, actual, expected] of expectations) if ((await actual) !== expected) wrong.push(what);
  if (wrong.length) {
    throw new Error(`Deployed on ${record.network}, but the hand-over is not as intended (${wrong.join("; ")}). Do not use this deployment.`);
  }
  log("Checked on chain: the deployer holds no admin role; the Timelock is the only admin; the guardian may cancel queued operations.");
}

if (isMain(import.meta.filename)) runCli("deploy", () => deploy());
