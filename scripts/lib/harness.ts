/**
 * Test and benchmark harness: deploys the protocol with the production Ignition module on a
 * Hardhat network connection and drives it with viem. The SDK (sdk/) will wrap the same calls.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { createWalletClient, custom, parseEventLogs, sha256, toHex, type Address, type Chain, type Hex, type Transport } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { attestationTypes, modelIdOf as sdkModelIdOf, signAttestation as sdkSignAttestation, type Job } from "../../sdk/src/index.js";
import {
  createProviderNode,
  setUpProvider as sdkSetUpProvider,
  validateConfig,
  type CreateProviderNodeParameters,
  type InferenceBackend,
  type Logger,
  type ProviderNode,
} from "../../provider/src/index.js";
import { BUILTIN_MODEL } from "../../provider/src/models/charModel.js";
import depinferModule, { buildDepinferModule } from "../deploy/Depinfer.js";

export { attestationTypes, type Job };

export type Connection = NetworkConnection<"generic">;
type Viem = Connection["viem"];
export type Wallet = Awaited<ReturnType<Viem["getWalletClients"]>>[number];

export const USDC = 1_000_000n;
export const DPI = 10n ** 18n;
export const HOUR = 3600n;

/**
 * The bench pays with a plain ERC-20: real USDC keeps its blocklist flag in the balance slot, while
 * the blocklist mock costs three extra storage reads per transfer that are not the protocol's.
 */
export const plainTokenModule = buildDepinferModule({
  paymentTokens: [{ token: "mockERC20", bondFloor: 1_000_000n, stakeRate: 10n ** 30n }],
  sampledVerifier: false, // a fixture: the simulation deploys and registers its own (scripts/sim/chain.ts)
});

/**
 * Deploys everything (as on a real network) and returns typed contract handles. `usdc` is the
 * module's first payment token (a blocklisting test USDC by default). `deployed` has the address
 * of every contract the module deployed, by its key in the module's result (`disputes`,
 * `extension`, `jobMarket`, `market`, …).
 */
export async function deployProtocol(
  connection: Connection,
  module: typeof depinferModule = depinferModule,
  options: { deploymentId?: string } = {},
) {
  const { ignition, viem } = connection;
  const deployed = (await ignition.deploy(module, options)) as Record<string, { address: Address }>;
  const market = await viem.getContractAt("IJobMarket", deployed.jobMarket.address);
  const paymentToken = deployed.mockUSDC0 ?? deployed.mockERC200;
  const usdc = await viem.getContractAt("MockUSDC", paymentToken.address);
  const token = await viem.getContractAt("DepinferToken", deployed.token.address);
  const verifier = await viem.getContractAt("ArbitratedVerifier", deployed.verifier.address);
  const sessions = await viem.getContractAt("IPaymentSessions", deployed.sessions.address);
  const manager = await viem.getContractAt("AccessManager", deployed.manager.address);
  const timelock = await viem.getContractAt("DepinferTimelock", deployed.timelock.address);
  const addresses = Object.fromEntries(Object.entries(deployed).map(([key, c]) => [key, c.address])) as Record<string, Address>;
  return { market, usdc, token, verifier, sessions, manager, timelock, deployed: addresses };
}

export type Protocol = Awaited<ReturnType<typeof deployProtocol>>;

/** Registers `provider` with `signer`, stakes `stake` DPI (sent from `funder`) and offers `model` at `price`. */
export async function setUpProvider(
  p: Protocol,
  funder: Wallet,
  provider: Wallet,
  signer: Address,
  model: Hex,
  price: bigint,
  stake: bigint,
) {
  const opts = { account: provider.account };
  await p.token.write.transfer([provider.account.address, stake], { account: funder.account });
  await p.token.write.approve([p.market.address, stake], opts);
  await p.market.write.registerProvider([signer, "https://provider.example"], opts);
  await p.market.write.stake([stake], opts);
  await p.market.write.setOffer([model, p.usdc.address, price, 60, true], opts);
}

/** Registers an EXACT model named `name` and returns its id. */
export async function registerModel(p: Protocol, from: Wallet, name: string): Promise<Hex> {
  const weights = sha256(toHex(`${name}:weights`));
  const runtime = sha256(toHex(`${name}:runtime`));
  await p.market.write.registerModel([weights, runtime, 0, `ipfs://${name}`], { account: from.account });
  return modelIdOf(weights, runtime, 0);
}

/** keccak256(abi.encode(weightsHash, runtimeDigest, determinism)), as the contract derives it (the SDK's `modelIdOf`). */
export function modelIdOf(weights: Hex, runtime: Hex, determinism: number): Hex {
  return sdkModelIdOf({ weightsHash: weights, runtimeDigest: runtime, determinism: determinism as 0 | 1 | 2 });
}

/** Registers the provider node's built-in EXACT model (waiting for the transaction) and returns its id. */
export async function registerBuiltinModel(connection: Connection, p: Protocol): Promise<Hex> {
  const publicClient = await connection.viem.getPublicClient();
  await publicClient.waitForTransactionReceipt({
    hash: await p.market.write.registerModel([BUILTIN_MODEL.weightsHash, BUILTIN_MODEL.runtimeDigest, 0, `builtin://${BUILTIN_MODEL.name}`]),
  });
  return modelIdOf(BUILTIN_MODEL.weightsHash, BUILTIN_MODEL.runtimeDigest, 0);
}

/** Reads the `JobCreated` event of a transaction. */
export async function jobCreatedIn(connection: Connection, p: Protocol, hash: Hex) {
  const publicClient = await connection.viem.getPublicClient();
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [log] = parseEventLogs({ abi: p.market.abi, eventName: "JobCreated", logs: receipt.logs });
  return { jobId: log.args.jobId as Hex, job: log.args.job as Job, receipt };
}

/** Signs the EIP-712 attestation of `outputHash` for `job` with `signer` (the SDK's `signAttestation`). */
export async function signAttestation(p: Protocol, signer: Wallet, jobId: Hex, job: Job, outputHash: Hex, provider: Address) {
  return sdkSignAttestation(signer, { market: p.market.address, jobId, job, outputHash, provider });
}

/**
 * A provider run by the provider node: a fresh private key (the node signs locally), funded with
 * gas money and `stake` DPI from `funder`, registered as its own signer, staked, and offering
 * `model` at `price`. Returns the key for the node's config (via an env var) and its address.
 */
export async function setUpNodeProvider(
  connection: Connection,
  p: Protocol,
  funder: Wallet,
  {
    model,
    price,
    stake,
    privateKey = generatePrivateKey(),
    metadataURI = "https://provider.example",
  }: { model: Hex; price: bigint; stake: bigint; privateKey?: Hex; /** Registration metadata, e.g. the node's output URL. */ metadataURI?: string },
) {
  const account = privateKeyToAccount(privateKey);
  const publicClient = await connection.viem.getPublicClient();
  const wallet = createWalletClient({ chain: publicClient.chain, transport: custom(connection.provider, { retryCount: 0 }), account });
  const mined = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`set-up transaction ${hash} reverted`);
  };
  await mined(await funder.sendTransaction({ to: account.address, value: 10n ** 19n, account: funder.account, chain: publicClient.chain }));
  await mined(await p.token.write.transfer([account.address, stake], { account: funder.account }));
  // What `depinfer-provider setup` does: register with its own key as signer, stake, offer.
  await sdkSetUpProvider(wallet, {
    market: p.market.address,
    signer: account.address,
    models: [{ model, backend: { type: "builtin" }, price: price.toString(), token: p.usdc.address }],
    stake,
    metadataURI,
  });
  return { privateKey, address: account.address };
}

export interface InProcessNodeParameters {
  /** The node's key (see setUpNodeProvider); it reaches the config through an env var, as in production. */
  privateKey: Hex;
  model: Hex;
  /** The payment token and the least price the node takes. */
  token: Address;
  price: bigint;
  /** A fresh temporary directory when absent. */
  dataDir?: string;
  /** Config fields over the defaults (polling 50 ms, output server on a free port, scan from block 0). */
  config?: Record<string, unknown>;
  /** Replaces the built-in model's backend. */
  backend?: InferenceBackend;
  logger?: Logger;
  afterStep?: CreateProviderNodeParameters["afterStep"];
  /** Replaces the in-process transport (e.g. one that counts requests). */
  transport?: Transport;
}

/**
 * A provider node (not started) on this connection's chain, configured the way an operator would
 * (validateConfig, key from an env var), talking to the chain in-process instead of over HTTP.
 */
export async function createInProcessNode(connection: Connection, market: Address, parameters: InProcessNodeParameters) {
  const { privateKey, model, token, price, backend } = parameters;
  const chain = (await connection.viem.getPublicClient()).chain as Chain;
  const env = { NODE_KEY: privateKey };
  const config = validateConfig(
    {
      rpcUrl: "http://in-process.invalid", // unused: the transport below reaches the chain
      chainId: chain.id,
      market,
      dataDir: parameters.dataDir ?? mkdtempSync(path.join(tmpdir(), "depinfer-node-")),
      signer: { env: "NODE_KEY" },
      models: [{ model, backend: { type: "builtin" }, price: price.toString(), token }],
      pollingIntervalMs: 50,
      outputServer: { host: "127.0.0.1", port: 0 },
      startBlock: 0,
      ...parameters.config,
    },
    { env, baseDir: process.cwd() },
  );
  return createProviderNode({
    config,
    env,
    chain,
    // Hardhat's in-process reverts look retryable to viem (3 retries, ~1 s per revert): the node
    // retries what is transient itself.
    transport: parameters.transport ?? custom(connection.provider, { retryCount: 0 }),
    ...(backend && { backends: { [model]: backend } }),
    ...(parameters.logger && { logger: parameters.logger }),
    afterStep: parameters.afterStep,
  });
}

/**
 * Provider nodes on a deployment: each a fresh provider staked 1,000 DPI and offering `model` at
 * `price`, in its own data directory (named after `dirPrefix` and the node's name), in-process;
 * `verifier: true` makes one a verifier of the SampledVerifier at `verifierAddress`. `stop` stops
 * them all and removes their directories.
 */
export function providerNodes(connection: Connection, p: Protocol, { price, verifierAddress, dirPrefix }: { price: bigint; verifierAddress?: Address; dirPrefix: string }) {
  const nodes: ProviderNode[] = [];
  const dirs: string[] = [];
  return {
    async start(name: string, { model, verifier = false, backend, config = {} }: { model: Hex; verifier?: boolean; backend?: InferenceBackend; config?: Record<string, unknown> }) {
      if (verifier && !verifierAddress) throw new Error(`providerNodes: node ${name} is a verifier, but no verifierAddress was given`);
      const [deployer] = await connection.viem.getWalletClients();
      const key = await setUpNodeProvider(connection, p, deployer, { model, price, stake: 1_000n * DPI });
      const dataDir = mkdtempSync(path.join(tmpdir(), `${dirPrefix}-${name}-`));
      dirs.push(dataDir);
      const node = await createInProcessNode(connection, p.market.address, {
        privateKey: key.privateKey,
        model,
        token: p.usdc.address,
        price,
        dataDir,
        config: { claimIntervalMs: 1000, ...(verifier && { verifier: { enabled: true, address: verifierAddress } }), ...config },
        ...(backend && { backend }),
      });
      nodes.push(node);
      await node.start();
      return { node, address: key.address, dataDir };
    },
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.stop()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

export interface UntilOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Between checks (default 25 ms). */
  intervalMs?: number;
  /** Added to the timeout error, e.g. the last lines of a node's log. */
  detail?: () => string;
}

/** Waits until `check` holds, checking every `intervalMs`; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, { timeoutMs = 30_000, intervalMs = 25, detail }: UntilOptions = {}) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${detail ? `\n${detail()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
