/**
 * The explorer's demo activity: the same three provider nodes as `npm run demo` (honest, liar,
 * silent; scripts/demo.ts), but against a node process over HTTP and left running afterwards, so
 * that the playground has live providers to send jobs to.
 *
 * Three rounds, a day of chain time apart, so that the stats have several days:
 *   1. honest jobs, finalized by the honest node once the challenge window has passed;
 *   2. honest, lying and silent jobs: the client re-runs the model on each output, disputes the
 *      lies (the arbitrator upholds: the liar is slashed and jailed), and expires the silent jobs
 *      after their deadline (the silent provider is slashed for liveness);
 *   3. a few honest jobs left Submitted, inside their challenge window.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { custom, type Account, type Address, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { liarBackend, silentBackend } from "../../scripts/demo.js";
import {
  createInProcessNode,
  DPI,
  registerBuiltinModel,
  setUpNodeProvider,
  until,
  USDC,
  type Connection,
  type Protocol,
} from "../../scripts/lib/harness.js";
import { createDepinferClient, HttpContentStore, JobStatus, type Job } from "../../sdk/src/index.js";
import { BUILTIN_MODEL, runBuiltinModel } from "../../provider/src/models/charModel.js";
import { createLogger, type InferenceBackend, type ProviderNode } from "../../provider/src/index.js";

export type Role = "honest" | "liar" | "silent";
export const ROLES: Role[] = ["honest", "liar", "silent"];

export const PRICE = 2n * USDC;
const STAKE = 1_000n * DPI;
const TIMEOUT = 600; // seconds a provider has to deliver
const DAY = 86_400;
const PROMPTS = ["The river", "In the morning", "A quiet town", "The old ship", "Under the stars"];

/** Rounds of jobs, a day of chain time apart. */
const ROUNDS: Role[][] = [
  ["honest", "honest", "honest"],
  ["honest", "honest", "liar", "liar", "silent", "silent"],
  ["honest", "honest"],
];

const NODES: Record<Role, { config?: Record<string, unknown>; backend?: InferenceBackend }> = {
  honest: {},
  liar: { backend: liarBackend },
  silent: { config: { acceptFirst: true }, backend: silentBackend },
};

export interface Activity {
  model: Hex;
  providers: Record<Role, { address: Address; outputUrl: string }>;
  jobs: { jobId: Hex; role: Role }[];
  /** Stops the provider nodes and removes their data directories. */
  stop(): Promise<void>;
}

export interface ActivityParameters {
  connection: Connection;
  protocol: Protocol;
  /** The RPC URL of the chain (for the nodes' logs only; they reach it through the connection). */
  chain: Chain;
  /** The client's account (funded with test USDC here). */
  client: Account;
  /** Output-server ports of the honest, liar and silent nodes. */
  outputPorts: [number, number, number];
  /** The host the output servers listen on and the page reaches them at. */
  host: string;
  log: (line: string) => void;
}

/** Sets up the three providers and their nodes, runs the rounds, and leaves the nodes running. */
export async function runActivity({ connection, protocol: p, chain, client: clientAccount, outputPorts, host, log }: ActivityParameters): Promise<Activity> {
  const { networkHelpers } = connection;
  const publicClient = await connection.viem.getPublicClient();
  const [deployer] = await connection.viem.getWalletClients();
  const transport = custom(connection.provider, { retryCount: 0 });
  const market = p.market.address;
  const make = (account: Account) => createDepinferClient({ chain, transport, account, deployment: { market } });
  const mined = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  };

  const model = await registerBuiltinModel(connection, p);
  log(`Registered model ${BUILTIN_MODEL.name} (EXACT): ${model}`);
  const providers = {} as Activity["providers"];
  const keys = {} as Record<Role, Hex>;
  for (const [i, role] of ROLES.entries()) {
    const outputUrl = `http://${host}:${outputPorts[i]}`;
    const { privateKey, address } = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE, metadataURI: outputUrl });
    keys[role] = privateKey;
    providers[role] = { address, outputUrl };
  }
  await mined(await p.usdc.write.mint([clientAccount.address, 1_000n * USDC]));
  const client = make(clientAccount);
  const arbitrator = make(deployer.account);

  const nodes = {} as Record<Role, ProviderNode>;
  const dataDirs: string[] = [];
  const stop = async () => {
    await Promise.allSettled(ROLES.filter((role) => nodes[role]).map((role) => nodes[role].stop()));
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, role] of ROLES.entries()) {
      const dataDir = mkdtempSync(path.join(tmpdir(), `depinfer-explorer-${role}-`));
      dataDirs.push(dataDir);
      const backend = NODES[role].backend;
      nodes[role] = await createInProcessNode(connection, market, {
        privateKey: keys[role],
        model,
        token: p.usdc.address,
        price: PRICE,
        dataDir,
        config: {
          claimIntervalMs: 5_000,
          pollingIntervalMs: 250,
          outputServer: { host, port: outputPorts[i], corsOrigins: ["*"] },
          ...NODES[role].config,
        },
        ...(backend && { backend }),
        logger: createLogger({ level: "silent", stream: { write: () => {} } }),
      });
      await nodes[role].start();
    }
    log(`Started 3 provider nodes: ${ROLES.map((role) => `${role} ${providers[role].outputUrl}`).join(", ")}.`);

    const jobs: Activity["jobs"] = [];
    const params = await p.market.read.params();
    const challengeWindow = params[0].challengeWindow;
    let n = 0;
    for (const [r, round] of ROUNDS.entries()) {
      const submitted: { jobId: Hex; job: Job; role: Role; input: string }[] = [];
      for (const role of round) {
        const input = `${PROMPTS[n % PROMPTS.length]} (${++n})`;
        const { jobId, job } = await client.submitJobSync({ model, input, price: PRICE, token: p.usdc.address, provider: providers[role].address, timeout: TIMEOUT, authorization: "approve" });
        submitted.push({ jobId, job, role, input });
        jobs.push({ jobId, role });
      }
      // The client reads each output and re-runs the model (EXACT: the bytes must match); it disputes a mismatch.
      for (const j of submitted) {
        if (j.role === "silent") continue;
        const store = new HttpContentStore({ baseUrl: providers[j.role].outputUrl });
        const { output } = await client.waitForResult({ jobId: j.jobId, store, timeoutMs: 60_000 });
        if (Buffer.from(output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(j.input))))) continue;
        await mined((await client.disputeJob({ job: j.job, evidence: `re-ran ${BUILTIN_MODEL.name} on the input: the output differs` })).hash);
        await mined(await arbitrator.writeContract({ address: p.verifier.address, abi: p.verifier.abi, functionName: "rule", args: [j.job, 0, 0n, "output does not match the EXACT model"] }));
      }
      const silent = submitted.filter((j) => j.role === "silent");
      if (silent.length)
        await until("the silent node accepted its jobs", async () => {
          for (const j of silent) if ((await p.market.read.jobState([j.jobId])).status !== JobStatus.Accepted) return false;
          return true;
        }, { timeoutMs: 60_000, intervalMs: 200 });
      log(`Round ${r + 1}: ${round.length} jobs (${[...new Set(round)].map((role) => `${round.filter((x) => x === role).length} ${role}`).join(", ")}).`);
      if (r === ROUNDS.length - 1) break;
      // A day passes: past the challenge window and the silent jobs' deadlines.
      await networkHelpers.time.increase(Math.max(DAY, challengeWindow + 1, TIMEOUT + 1));
      await networkHelpers.mine();
      for (const j of silent) await mined(await client.expireJob({ job: j.job }));
      const honest = submitted.filter((j) => j.role === "honest");
      await until("the honest node finalized its jobs", async () => {
        for (const j of honest) if ((await p.market.read.jobState([j.jobId])).status !== JobStatus.Finalized) return false;
        return true;
      }, { timeoutMs: 60_000, intervalMs: 200 });
    }
    return { model, providers, jobs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** anvil's well-known development keys (mnemonic "test test … junk"), by index. */
export const ANVIL_KEYS: Hex[] = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];

export const devAccount = (index: number) => privateKeyToAccount(ANVIL_KEYS[index]);
