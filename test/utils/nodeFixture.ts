// The set-up every in-process provider-node test shares: the protocol on a chain, the built-in model
// registered, a funded client, and nodes of fresh staked providers that the suite stops after each test
// (or at its end). A suite keeps what is its own (its backends, its servers, its assertions).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { custom, type Address, type Chain, type Hex, type Transport } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createInProcessNode, deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { createDepinferClient, type DepinferClient } from "../../sdk/src/index.js";
import { createLogger, type CreateProviderNodeParameters, type InferenceBackend, type ProviderNode } from "../../provider/src/index.js";

/** The node's price per job in the fixture (its collateral at the defaults: 20 DPI). */
export const NODE_PRICE = 2n * USDC;
/** Each fresh provider's stake. */
export const NODE_STAKE = 1_000n * DPI;

export interface NodeChain {
  connection: Connection;
  p: Protocol;
  chain: Chain;
  model: Hex;
  deployer: Wallet;
  clientWallet: Wallet;
  /** wallets[9], holding 10,000 USDC, as a Depinfer client on the chain. */
  client: DepinferClient;
}

/** Deploys the protocol on `connection`, registers the built-in model and funds wallets[9] as the client. */
export async function setUpNodeChain(connection: Connection): Promise<NodeChain> {
  const p = await deployProtocol(connection);
  const chain = (await connection.viem.getPublicClient()).chain as Chain;
  const wallets = await connection.viem.getWalletClients();
  const model = await registerBuiltinModel(connection, p);
  const clientWallet = wallets[9];
  await p.usdc.write.mint([clientWallet.account.address, 10_000n * USDC]);
  const client = createDepinferClient({ chain, transport: custom(connection.provider), account: clientWallet.account, deployment: { market: p.market.address } });
  return { connection, p, chain, model, deployer: wallets[0], clientWallet, client };
}

export interface MakeNodeOptions {
  /** Merged into the node's config (after `startBlock`, when it is set). */
  config?: Record<string, unknown> | undefined;
  backend?: InferenceBackend | undefined;
  transport?: Transport | undefined;
  /** An existing provider's key (nothing is set up for it); default: a fresh provider, staked `stake`. */
  privateKey?: Hex | undefined;
  stake?: bigint | undefined;
  /** Default: a fresh temporary directory. */
  dataDir?: string | undefined;
  /** The node's log lines are pushed here (default: a new array, returned). */
  lines?: string[] | undefined;
  logLevel?: "debug" | "info" | undefined;
  /** Start the node from the current block, so that earlier tests' jobs are not its business (default true). */
  fromNow?: boolean | undefined;
  afterStep?: CreateProviderNodeParameters["afterStep"];
}

/**
 * The nodes of a suite: `make` creates a node for a fresh staked provider (not started), `start` also
 * starts it, `stop` stops every node made so far (call it in `afterEach` or `afterAll`).
 */
export function nodeFactory(get: () => NodeChain) {
  const nodes: ProviderNode[] = [];
  async function make(options: MakeNodeOptions = {}) {
    const { connection, p, model, deployer } = get();
    const provider = options.privateKey
      ? { privateKey: options.privateKey, address: privateKeyToAccount(options.privateKey).address }
      : await setUpNodeProvider(connection, p, deployer, { model, price: NODE_PRICE, stake: options.stake ?? NODE_STAKE });
    const fromBlock = await (await connection.viem.getPublicClient()).getBlockNumber();
    const lines = options.lines ?? [];
    const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "depinfer-node-"));
    const node = await createInProcessNode(connection, p.market.address, {
      privateKey: provider.privateKey,
      model,
      token: p.usdc.address,
      price: NODE_PRICE,
      dataDir,
      config: { ...(options.fromNow !== false && { startBlock: Number(fromBlock) }), ...options.config },
      ...(options.backend && { backend: options.backend }),
      ...(options.transport && { transport: options.transport }),
      logger: createLogger({ level: options.logLevel ?? "debug", stream: { write: (line: string) => void lines.push(line) } }),
      afterStep: options.afterStep,
    });
    nodes.push(node);
    return { node, provider: provider.address as Address, privateKey: provider.privateKey, lines, dataDir, fromBlock };
  }
  return {
    nodes,
    make,
    async start(options: MakeNodeOptions = {}) {
      const made = await make(options);
      await made.node.start();
      return made;
    },
    stop: () => Promise.all(nodes.splice(0).map((n) => n.stop())),
  };
}
