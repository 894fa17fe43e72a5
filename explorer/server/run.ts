/**
 * `npm run explorer [-- --port <n>] [--host <h>]`: the explorer and playground on a local chain, in
 * one command.
 *
 * 1. starts anvil (the @foundry-rs/anvil package) on port+1;
 * 2. deploys the protocol with the Ignition module `npm run deploy` uses, and records the deployment
 *    (deployments/explorer-<port>/deployment.json under a temporary directory, the layout the indexer reads);
 * 3. starts the indexer on its embedded PGlite, on port+2 (when indexer/ is present), which indexes
 *    what follows as it happens;
 * 4. runs a short stream of demo activity: honest, lying and silent provider nodes (explorer/server/activity.ts),
 *    left running so the playground has providers; then waits for the indexer to catch up;
 * 5. builds the page with esbuild and serves it on port; prints its URL.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops everything it started, in reverse order.
 * Ports: port (page), port+1 (chain), port+2 (indexer), port+3..port+5 (the three nodes' output servers).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { network } from "hardhat";
import type { Chain } from "viem";

import depinferModule from "../../scripts/deploy/Depinfer.js";
import { saveDeployment, type DeploymentRecord } from "../../scripts/lib/cli.js";
import { deployProtocol, type Connection } from "../../scripts/lib/harness.js";
import { startAnvil, type AnvilHandle } from "../../test/utils/anvil.js";
import type { ExplorerConfig } from "../app/config.js";
import { ANVIL_KEYS, devAccount, runActivity, type Activity } from "./activity.js";
import { startIndexer, type IndexerHandle } from "./indexer.js";
import { buildPage, servePage, type PageServer } from "./page.js";

const repoRoot = path.join(import.meta.dirname, "..", "..");
export const DEFAULT_PORT = 18980;

const HELP = `npm run explorer [-- --port <n>] [--host <address>] [--no-indexer]

Starts a local chain (anvil), deploys Depinfer, runs demo activity with an honest, a lying and a
silent provider node (left running for the playground), starts the indexer (PGlite) and serves the
explorer page. Prints the page's URL. Ctrl-C stops everything it started.

  --port <n>      the page's port (default ${DEFAULT_PORT}); the chain listens on n+1, the indexer on n+2,
                  the provider nodes' output servers on n+3..n+5
  --host <addr>   where everything listens (default 127.0.0.1)
  --no-indexer    serve the page without the indexer (its views then read the chain only)`;

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: String(DEFAULT_PORT) },
      host: { type: "string", default: "127.0.0.1" },
      "no-indexer": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_530) throw new Error(`--port must be a port number from 1 to 65530, got "${values.port}"`);
  const host = values.host;
  const started = Date.now();
  const log = (line: string) => console.log(line);

  // Everything started, stopped in reverse order on exit.
  const stops: (() => Promise<unknown>)[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch((error: Error) => console.error(`while stopping: ${error.message}`));
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping the page, the indexer, the provider nodes and the chain…`);
    void stopAll().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    log(`Starting a local chain (anvil) on ${host}:${port + 1}…`);
    const anvil: AnvilHandle = await startAnvil(port + 1);
    stops.push(() => anvil.stop());
    const connection = (await network.create({ network: "localhost", override: { url: anvil.url } })) as Connection;
    stops.push(() => connection.close());
    const publicClient = await connection.viem.getPublicClient();
    const chain = publicClient.chain as Chain;

    log("Deploying Depinfer (token, Governor, Timelock, AccessManager, market, verifier) with the deploy module…");
    const deploymentId = `depinfer-explorer-${port}`;
    rmSync(path.join(repoRoot, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    stops.push(async () => rmSync(path.join(repoRoot, "ignition", "deployments", deploymentId), { recursive: true, force: true }));
    const startBlock = await publicClient.getBlockNumber();
    const p = await deployProtocol(connection, depinferModule, { deploymentId });
    const networkName = `explorer-${port}`;
    const deploymentsDir = mkdtempSync(path.join(tmpdir(), "depinfer-explorer-deployments-"));
    stops.push(async () => rmSync(deploymentsDir, { recursive: true, force: true }));
    const record = recordOf(networkName, Number(startBlock) + 1, deploymentId, p.deployed, await publicClient.getChainId());
    process.env.DEPINFER_DEPLOYMENTS_DIR = deploymentsDir;
    mkdirSync(path.join(deploymentsDir, networkName), { recursive: true });
    saveDeployment(record);
    log(`Deployed: market ${record.contracts.market} (block ${record.block}).`);

    // The indexer starts now and indexes the activity as it happens.
    let indexer: IndexerHandle | undefined;
    if (!values["no-indexer"]) {
      indexer = await startIndexer({ rpcUrl: anvil.url, deploymentsDir, network: networkName, host, port: port + 2, log });
      if (indexer) stops.push(() => indexer!.stop());
    }

    const activity: Activity = await runActivity({
      connection,
      protocol: p,
      chain,
      client: devAccount(1),
      outputPorts: [port + 3, port + 4, port + 5],
      host,
      log,
    });
    stops.push(() => activity.stop());
    // The playground's development account: funded with test USDC, and said to be one.
    const dev = devAccount(2);
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([dev.address, 1_000_000_000n]) });

    if (indexer) {
      await indexer.ready;
      // The page's derived figures come from the indexer: let it index the activity's last block first.
      await indexer.caughtUp(await publicClient.getBlockNumber());
    }

    const config: ExplorerConfig = {
      network: `local anvil (chain ${record.chainId})`,
      chainId: record.chainId,
      rpcUrl: anvil.url,
      fromBlock: record.block,
      contracts: { market: record.contracts.market, verifier: record.contracts.verifier, token: record.contracts.token, paymentTokens: record.contracts.paymentTokens },
      indexerUrl: indexer?.url ?? null,
      devAccount: {
        privateKey: ANVIL_KEYS[2],
        address: dev.address,
        note: "anvil's development account #2: its key is public (anvil prints it), so use it on this local chain only",
      },
    };
    const page: PageServer = await servePage(await buildPage(), config, host, port);
    stops.push(() => page.close());
    log("");
    log(`Providers: honest ${activity.providers.honest.address}, liar ${activity.providers.liar.address} (slashed), silent ${activity.providers.silent.address}.`);
    log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything.`);
    log(`Explorer: ${page.url}`);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The deployment record `npm run deploy` writes (scripts/deploy.ts), for the same Ignition module. */
function recordOf(networkName: string, block: number, deploymentId: string, deployed: Record<string, `0x${string}`>, chainId: number): DeploymentRecord {
  return {
    network: networkName,
    chainId,
    block,
    deployedAt: new Date().toISOString(),
    ignitionDeploymentId: deploymentId,
    versions: {
      protocol: JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version,
      solc: JSON.parse(readFileSync(path.join(repoRoot, "node_modules", "solc", "package.json"), "utf8")).version,
      market: "1",
    },
    contracts: {
      market: deployed.jobMarket,
      marketExtension: deployed.extension,
      marketDisputes: deployed.disputes,
      token: deployed.token,
      timelock: deployed.timelock,
      governor: deployed.governor,
      manager: deployed.manager,
      verifier: deployed.verifier,
      paymentTokens: Object.entries(deployed)
        .filter(([key]) => key.startsWith("mock"))
        .map(([, address]) => address),
    },
  };
}

main().catch((error: Error) => {
  console.error(`explorer: ${error.message}`);
  process.exit(1);
});
