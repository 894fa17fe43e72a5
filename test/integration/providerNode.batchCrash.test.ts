// The provider node's batched submission (`acceptAndSubmitBatch`) as a real process against an anvil
// node process: SIGKILL at each step of a batch (recorded but not broadcast, broadcast but not mined,
// mined but its outcome not recorded), restart, and every job must end with exactly one submission
// transaction (a job never appears in two: its attestation is never signed into a second one), none
// lost, and the output recorded before the kill is the one attested. A job the client cancels under a
// batch is skipped by the market and recorded as cancelled, live and across a restart, and never sent
// again. Jobs are created while the node is down (or in one block), so that it finds them together.
// Inference runs on a server that answers differently every time: a second inference would show.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, createWalletClient, erc20Abi, http, maxUint256, parseGwei, type Address, type Chain, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import { createDepinferClient, jobMarketAbi, JobStatus, type DepinferClient, type Job } from "../../sdk/src/index.js";
import { Journal, type ProviderNodeStep } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startCountingInferenceServer } from "../utils/inferenceServer.js";
import { startProviderNode, type ProviderNodeProcess } from "../utils/providerCli.js";
import { submissionsOnChain } from "../utils/submissions.js";

const ANVIL_PORT = 18840;
const INFERENCE_PORT = 18841;
const PRICE = 2n * USDC;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-batch-crash-${process.pid}-${Date.now()}`;

describe("provider node process: SIGKILL at each step of a batched submission", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let publicClient: PublicClient;
  let testClient: ReturnType<typeof createTestClient>;
  let model: Hex;
  let provider: Address;
  let privateKey: Hex;
  let client: DepinferClient;
  const clientAccount = privateKeyToAccount(generatePrivateKey());
  let inference: Awaited<ReturnType<typeof startCountingInferenceServer>>;
  let dir: string;
  const nodes: ProviderNodeProcess[] = [];
  const jobs: { jobId: Hex; job: Job; prompt: string }[] = [];
  /** Outputs the journal had recorded when a node was killed: they must be the ones attested. */
  const computedAtKill = new Map<Hex, Hex>();
  const cancelled = new Set<Hex>();

  const configFile = () => {
    const file = path.join(dir, "provider.json");
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: anvil.url,
        chainId: chain.id,
        market: p.market.address,
        dataDir: "data",
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend: { type: "openai", baseUrl: inference.url, model: "counting-test-server" }, price: PRICE.toString(), token: p.usdc.address }],
        concurrency: 8,
        pollingIntervalMs: 100,
        claimIntervalMs: 3_600_000,
        // Long enough that the three jobs found together always go in one batch.
        batch: { maxJobs: 8, maxWaitMs: 5_000 },
        startBlock: 0,
      }),
    );
    return file;
  };

  function startNode(crashAt?: ProviderNodeStep): ProviderNodeProcess {
    const node = startProviderNode(["--config", configFile(), "--log-level", "debug"], { DEPINFER_NODE_KEY: privateKey, ...(crashAt && { DEPINFER_NODE_CRASH_AT: crashAt }) });
    nodes.push(node);
    return node;
  }

  const untilNode = (what: string, check: () => Promise<boolean> | boolean, node: ProviderNodeProcess) =>
    until(what, check, { timeoutMs: 60_000, intervalMs: 50, detail: () => node.lines.slice(-40).join("\n") });

  const journal = <T,>(fn: (j: Journal) => T): T => {
    const j = new Journal(path.join(dir, "data"));
    try {
      return fn(j);
    } finally {
      j.close();
    }
  };

  /** Three direct jobs, created while no node runs. */
  async function createJobs(tag: string) {
    const made = [];
    for (let i = 0; i < 3; i++) {
      const prompt = `${tag} #${i}`;
      const r = await client.submitJobSync({ model, input: prompt, price: PRICE, token: p.usdc.address, provider, timeout: 3600, authorization: "approve" });
      made.push({ jobId: r.jobId, job: r.job, prompt });
    }
    jobs.push(...made);
    return made;
  }

  /** Waits for a node started with `crashAt` to kill itself there; records what its journal had computed. */
  async function killedAt(node: ProviderNodeProcess, step: ProviderNodeStep) {
    const { signal } = await Promise.race([
      node.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the node did not reach ${step}:\n${node.lines.slice(-40).join("\n")}`)), 90_000)),
    ]);
    expect(signal, node.lines.slice(-30).join("\n")).toBe("SIGKILL");
    expect(node.lines.some((l) => l.includes('"crash test: killing the node"') && l.includes(`"step":"${step}"`))).toBe(true);
    journal((j) => {
      for (const x of jobs) {
        const e = j.get(x.jobId);
        if (e?.outputHash && (e.state === "computed" || e.state === "submitting")) computedAtKill.set(x.jobId, e.outputHash);
      }
    });
  }

  const statusOf = async (jobId: Hex) => (await p.market.read.jobState([jobId])).status;

  async function settled(node: ProviderNodeProcess, batch: { jobId: Hex }[]) {
    await untilNode(
      "every job of the batch is submitted (or cancelled) on-chain and in the journal",
      async () => {
        const states = await Promise.all(batch.map((x) => statusOf(x.jobId)));
        if (!states.every((s) => s === JobStatus.Submitted || s === JobStatus.Cancelled)) return false;
        return journal((j) => batch.every((x) => ["submitted", "cancelled"].includes(j.get(x.jobId)?.state ?? "")));
      },
      node,
    );
  }

  /** The client cancels a job, with a tip that puts its cancel ahead of the provider's batch in the same block. */
  async function cancel(job: Job) {
    // Its gas given: an estimate would run on the pending block, where the batch has the job already.
    const hash = await p.market.write.cancelJob([job], { account: clientAccount, gas: 300_000n, maxPriorityFeePerGas: parseGwei("50"), maxFeePerGas: parseGwei("100") });
    return hash;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-batch-crash-"));
    anvil = await startAnvil(ANVIL_PORT);
    testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    connection = (await network.create({ network: "anvilNode", override: { url: anvil.url } })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    publicClient = (await connection.viem.getPublicClient()) as unknown as PublicClient;
    chain = publicClient.chain as Chain;
    const [deployer] = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    ({ privateKey, address: provider } = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: 1_000n * DPI }));
    await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: clientAccount.address, value: 10n ** 19n }) });
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([clientAccount.address, 1_000n * USDC]) });
    const wallet = createWalletClient({ account: clientAccount, chain, transport: http(anvil.url) });
    await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: p.usdc.address, abi: erc20Abi, functionName: "approve", args: [p.market.address, maxUint256] }) });
    client = createDepinferClient({ chain, transport: http(anvil.url), account: clientAccount, deployment: { market: p.market.address } });
    inference = await startCountingInferenceServer(INFERENCE_PORT);
  }, 180_000);

  afterEach(async () => {
    await testClient.setAutomine(true);
    for (const node of nodes.splice(0)) {
      try {
        process.kill(-node.child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await node.exited;
    }
  });

  afterAll(async () => {
    await inference?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("killed with the batch recorded but not broadcast; a job cancelled meanwhile: sends the same bytes, records the skip", async () => {
    const batch = await createJobs("recorded");
    const first = startNode("submit-recorded");
    await killedAt(first, "submit-recorded");
    const recorded = journal((j) => batch.map((x) => j.get(x.jobId)!));
    expect(recorded.map((e) => e.state)).toEqual(["submitting", "submitting", "submitting"]);
    // One transaction for the three, recorded once, and never broadcast.
    expect(new Set(recorded.map((e) => e.submitTx)).size).toBe(1);
    expect(recorded[0]!.submitRaw).toMatch(/^0x/);
    await expect(publicClient.getTransaction({ hash: recorded[0]!.submitTx! })).rejects.toThrow();
    // While the node is down, the client cancels the second job.
    await publicClient.waitForTransactionReceipt({ hash: await cancel(batch[1]!.job) });
    cancelled.add(batch[1]!.jobId);
    const node = startNode();
    await settled(node, batch);
    const [event] = await publicClient.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId: batch[0]!.jobId }, fromBlock: 0n });
    // The very bytes recorded before the kill (the cancelled job's state was read first; the others sent them).
    expect(event!.transactionHash).toBe(recorded[0]!.submitTx);
    expect(journal((j) => j.get(batch[1]!.jobId)!.state)).toBe("cancelled");
  });

  it("killed with the batch broadcast but not mined: waits for it after the restart, signs nothing new", async () => {
    const batch = await createJobs("sent");
    await testClient.setAutomine(false);
    const first = startNode("submit-sent");
    await killedAt(first, "submit-sent");
    const hash = journal((j) => j.get(batch[0]!.jobId)!.submitTx!);
    expect((await publicClient.getTransaction({ hash })).blockNumber).toBeNull(); // in the pool
    const node = startNode();
    await untilNode("the restarted node has resumed", () => node.lines.some((l) => l.includes('"provider node started"')), node);
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(true);
    await settled(node, batch);
    expect((await publicClient.getTransactionReceipt({ hash })).status).toBe("success");
  });

  it("killed with the batch mined but its outcome not recorded: records it from the chain", async () => {
    const batch = await createJobs("mined");
    const first = startNode("submit-mined");
    await killedAt(first, "submit-mined");
    expect(await Promise.all(batch.map((x) => statusOf(x.jobId)))).toEqual([JobStatus.Submitted, JobStatus.Submitted, JobStatus.Submitted]);
    expect(journal((j) => batch.map((x) => j.get(x.jobId)!.state))).toEqual(["submitting", "submitting", "submitting"]);
    const node = startNode();
    await settled(node, batch);
  });

  it("a job the client cancels ahead of a pending batch is skipped by the market and recorded as cancelled, never sent again", async () => {
    const batch = await createJobs("live skip");
    await testClient.setAutomine(false);
    const node = startNode();
    await untilNode("the batch is sent", () => node.lines.some((l) => l.includes('"transaction sent"') && l.includes('"functionName":"acceptAndSubmitBatch"')), node);
    await cancel(batch[2]!.job);
    cancelled.add(batch[2]!.jobId);
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(true);
    await settled(node, batch);
    expect(await statusOf(batch[2]!.jobId)).toBe(JobStatus.Cancelled);
    const skipped = node.lines.find((l) => l.includes('"batch submitted"'));
    expect(skipped, node.lines.slice(-30).join("\n")).toContain('"skipped":1');
    expect(journal((j) => j.get(batch[2]!.jobId)!)).toMatchObject({ state: "cancelled" });
  });

  it("every job is in exactly one submission transaction, computed once, and attests the output recorded before any kill", async () => {
    const submissions = await submissionsOnChain(publicClient, p.market.address, provider);
    for (const x of jobs) {
      expect(submissions.get(x.jobId)?.length, x.prompt).toBe(1);
      expect(inference.calls.get(x.prompt), x.prompt).toBe(1);
      if (cancelled.has(x.jobId)) {
        expect(await statusOf(x.jobId), x.prompt).toBe(JobStatus.Cancelled);
        continue;
      }
      const [event] = await publicClient.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId: x.jobId }, fromBlock: 0n });
      if (computedAtKill.has(x.jobId)) expect(event!.args.outputHash, x.prompt).toBe(computedAtKill.get(x.jobId));
    }
    // Batches carried them: fewer transactions than jobs.
    expect(new Set([...submissions.values()].flat()).size).toBeLessThan(jobs.length);
    expect(computedAtKill.size).toBe(9);
  });
});
