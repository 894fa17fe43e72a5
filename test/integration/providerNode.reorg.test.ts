// The provider node as a real process (`depinfer-provider`) through a chain reorganization (issue 14,
// finding 6). Against an anvil node: the node submits a direct and an open job, then a direct job
// whose creation the reorg will take away; `anvil_reorg` then replaces every block from the first
// submission on with a new branch in which the client created another job instead. An honest
// operator should see: every job ends with exactly one submission on the final chain (the dropped
// ones sent again as the very same transactions), the vanished job skipped without a crash or a
// loop, the new branch's job and new work after the reorg taken, no output served before its
// submission has `confirmations` blocks, and no output computed twice (the inference server answers
// differently every time).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, createWalletClient, encodeFunctionData, erc20Abi, http, maxUint256, toHex, type Address, type Chain, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import { contentHash, createDepinferClient, jobMarketAbi, JobStatus, type DepinferClient } from "../../sdk/src/index.js";
import { Journal } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startCountingInferenceServer } from "../utils/inferenceServer.js";
import { outputUrlOf, startProviderNode, stopProviderNode, type ProviderNodeProcess } from "../utils/providerCli.js";
import { submissionsOnChain } from "../utils/submissions.js";

const ANVIL_PORT = 18700;
const PRICE = 2n * USDC;
/** More than the blocks the jobs before the reorg make, so no output may be served before it. */
const CONFIRMATIONS = 8;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-reorg-${process.pid}-${Date.now()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("provider node process: a reorg drops its submissions", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let publicClient: PublicClient;
  let model: Hex;
  let provider: Address;
  let privateKey: Hex;
  let client: DepinferClient;
  const clientAccount = privateKeyToAccount(generatePrivateKey());
  let inference: Awaited<ReturnType<typeof startCountingInferenceServer>>;
  let dir: string;
  const nodes: ProviderNodeProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-reorg-"));
    anvil = await startAnvil(ANVIL_PORT);
    connection = (await network.create({ network: "anvilNode", override: { url: anvil.url } })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    publicClient = (await connection.viem.getPublicClient()) as unknown as PublicClient;
    chain = publicClient.chain as Chain;
    const [deployer] = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    ({ privateKey, address: provider } = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: 1_000n * DPI }));
    // The client holds its own key: it signs the job the new branch carries.
    await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: clientAccount.address, value: 10n ** 19n }) });
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([clientAccount.address, 1_000n * USDC]) });
    const wallet = createWalletClient({ account: clientAccount, chain, transport: http(anvil.url) });
    await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: p.usdc.address, abi: erc20Abi, functionName: "approve", args: [p.market.address, maxUint256] }) });
    client = createDepinferClient({ chain, transport: http(anvil.url), account: clientAccount, deployment: { market: p.market.address } });
    inference = await startCountingInferenceServer();
  }, 180_000);

  // Each test's node processes end with it, whatever it asserted.
  afterEach(async () => {
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

  /** The node, on its own data directory `dataDir` (in the test's directory). */
  function startNode(dataDir = "data"): ProviderNodeProcess {
    const file = path.join(dir, `${dataDir}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: anvil.url,
        chainId: chain.id,
        market: p.market.address,
        dataDir,
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend: { type: "openai", baseUrl: inference.url, model: "counting-test-server" }, price: PRICE.toString(), token: p.usdc.address }],
        concurrency: 4,
        pollingIntervalMs: 100,
        claimIntervalMs: 3_600_000,
        outputServer: { host: "127.0.0.1", port: 0 },
        startBlock: 0,
        confirmations: CONFIRMATIONS,
      }),
    );
    const node = startProviderNode(["--config", file, "--log-level", "debug"], { DEPINFER_NODE_KEY: privateKey });
    nodes.push(node);
    return node;
  }

  const submit = async (prompt: string, direct: boolean) => {
    const r = await client.submitJobSync({ model, input: prompt, price: PRICE, token: p.usdc.address, provider: direct ? provider : undefined, timeout: 3600 });
    return { jobId: r.jobId, prompt };
  };
  const statusOf = async (jobId: Hex, blockNumber?: bigint) =>
    (await publicClient.readContract({ address: p.market.address, abi: jobMarketAbi, functionName: "jobState", args: [jobId], blockNumber })).status;
  /** The job's ResultSubmitted event on the chain as it is now. */
  const resultOf = async (jobId: Hex) =>
    (await publicClient.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId }, fromBlock: 0n, strict: true }))[0];
  const untilNode = (what: string, check: () => Promise<boolean> | boolean, node: ProviderNodeProcess) =>
    until(what, check, { timeoutMs: 30_000, intervalMs: 50, detail: () => node.lines.slice(-40).join("\n") });
  const allSubmitted = async (jobs: { jobId: Hex }[]) => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Submitted);

  /**
   * Watches the node's output server until stopped: the first time an output is served, its
   * submission on the chain (read after the answer) must have CONFIRMATIONS blocks.
   */
  function watchReleases(url: string, jobs: { jobId: Hex }[]) {
    const early: string[] = [];
    const served = new Set<Hex>();
    let active = true;
    const done = (async () => {
      while (active) {
        for (const { jobId } of [...jobs]) {
          if (served.has(jobId)) continue;
          const event = await resultOf(jobId);
          if (!event) continue;
          const res = await fetch(`${url}/content/${event.args.outputHash}`);
          await res.arrayBuffer();
          if (res.status !== 200) continue;
          served.add(jobId);
          const [head, now] = await Promise.all([publicClient.getBlockNumber(), resultOf(jobId)]);
          const confirmations = now ? head - now.blockNumber + 1n : 0n;
          if (confirmations < BigInt(CONFIRMATIONS)) early.push(`${jobId}: served with ${confirmations} confirmations`);
        }
        await sleep(50);
      }
    })();
    return {
      early,
      served,
      stop: async () => {
        active = false;
        await done;
      },
    };
  }

  it("test_reorg_dropsSubmissions: sends the same submissions again, skips the vanished job, takes new work, serves outputs only once confirmed", async () => {
    const direct = await submit("direct, before the reorg", true);
    const open = await submit("open, before the reorg", false);
    const node = startNode();
    await untilNode("the output server listens", () => outputUrlOf(node) !== undefined, node);
    const jobs = [direct, open];
    const releases = watchReleases(outputUrlOf(node)!, jobs);
    /** What the two jobs had attested, and how often their model ran, before the reorg. */
    let attested: { outputHash: Hex; calls: number | undefined }[] = [];
    try {
      await untilNode("both jobs are submitted", () => allSubmitted(jobs), node);
      // A third job, whose creation the reorg takes away with the node's submission.
      const vanishing = await submit("direct, created in the reorged blocks", true);
      await untilNode("the third job is submitted", () => allSubmitted([vanishing]), node);
      const before = await Promise.all(jobs.map((j) => resultOf(j.jobId)));
      attested = before.map((e, i) => ({ outputHash: e.args.outputHash, calls: inference.calls.get(jobs[i]!.prompt) }));
      const head = await publicClient.getBlockNumber();
      const fork = before.reduce((min, e) => (e.blockNumber < min ? e.blockNumber : min), head);
      // Nothing has CONFIRMATIONS blocks yet: no output may be out.
      expect(head - fork + 1n).toBeLessThan(BigInt(CONFIRMATIONS));
      expect(releases.served.size).toBe(0);

      // The reorg: every block from the first submission on is replaced by a branch in which the
      // client (same nonce) created another direct job instead of the third one.
      const bytes = new TextEncoder().encode("direct, created in the new branch");
      const chainNow = (await publicClient.getBlock({ blockNumber: fork - 1n })).timestamp;
      const request = { provider, token: p.usdc.address, price: PRICE, model, inputHash: contentHash(bytes), deadline: Number(chainNow + 3600n), nonce: 7n };
      const wallet = createWalletClient({ account: clientAccount, chain, transport: http(anvil.url) });
      const signed = await wallet.signTransaction(
        await wallet.prepareTransactionRequest({
          to: p.market.address,
          data: encodeFunctionData({ abi: jobMarketAbi, functionName: "createJob", args: [request, toHex(bytes)] }),
          nonce: await publicClient.getTransactionCount({ address: clientAccount.address, blockNumber: fork - 1n }),
          gas: 1_000_000n,
        }),
      );
      const testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
      const replaced = (await publicClient.getBlock({ blockNumber: head })).hash;
      await testClient.request({ method: "anvil_reorg" as never, params: [Number(head - fork + 1n), [[signed, 0]]] as never });
      expect((await publicClient.getBlock({ blockNumber: head })).hash).not.toBe(replaced);
      // The new branch (read at its last block: the node may already be sending again) lost what the
      // node did: the direct job is open again, the open one not submitted, the third job does not
      // exist, and the branch has a job of its own.
      expect(await statusOf(direct.jobId, head)).toBe(JobStatus.Created);
      expect([JobStatus.Created, JobStatus.Accepted]).toContain(await statusOf(open.jobId, head));
      expect(await statusOf(vanishing.jobId, head)).toBe(JobStatus.None);
      const created = await publicClient.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "JobCreated", fromBlock: fork, toBlock: head, strict: true });
      const branchJob = created.find((e) => e.args.job.inputHash === contentHash(bytes));
      expect(branchJob).toBeDefined();
      const branch = { jobId: branchJob!.args.jobId, prompt: "direct, created in the new branch" };
      jobs.push(branch);

      // The node follows: its dropped submissions mined again, the new branch's job taken.
      await untilNode("the jobs are submitted again, and the new branch's job too", () => allSubmitted(jobs), node);
      // And it keeps taking new work.
      const after = [await submit("direct, after the reorg", true), await submit("open, after the reorg", false)];
      jobs.push(...after);
      await untilNode("the new jobs are submitted", () => allSubmitted(after), node);
      await untilNode("the vanished job is skipped", () => {
        const journal = new Journal(path.join(dir, "data"));
        try {
          return journal.get(vanishing.jobId)?.state === "skipped";
        } finally {
          journal.close();
        }
      }, node);

      // Outputs: out only once their submissions have CONFIRMATIONS blocks.
      await testClient.mine({ blocks: CONFIRMATIONS });
      await untilNode("every output is served", () => releases.served.size === jobs.length, node);
    } finally {
      await releases.stop();
    }
    expect(releases.early).toEqual([]);

    // Exactly one submission per job on the final chain (reverted ones counted); those dropped by
    // the reorg are the very transactions signed before it.
    const submissions = await submissionsOnChain(publicClient, p.market.address, provider);
    const sent = node.lines.filter((l) => l.includes('"result submitted"')).map((l) => JSON.parse(l) as { jobId: Hex; tx: Hex });
    for (const j of jobs) {
      expect(submissions.get(j.jobId.toLowerCase() as Hex), j.prompt).toHaveLength(1);
      const [tx] = submissions.get(j.jobId.toLowerCase() as Hex)!;
      expect((await resultOf(j.jobId)).transactionHash, j.prompt).toBe(tx);
      // Every submission the node saw mined for the job, before and after the reorg, is that one.
      expect(new Set(sent.filter((l) => l.jobId.toLowerCase() === j.jobId.toLowerCase()).map((l) => l.tx)), j.prompt).toEqual(new Set([tx]));
    }
    // The outputs attested before the reorg are the ones attested after it, and never recomputed.
    for (const [i, { outputHash, calls }] of attested.entries()) {
      expect((await resultOf(jobs[i]!.jobId)).args.outputHash, jobs[i]!.prompt).toBe(outputHash);
      expect(inference.calls.get(jobs[i]!.prompt), jobs[i]!.prompt).toBe(calls);
    }
    expect(node.lines.some((l) => l.includes('"the chain reorganized'))).toBe(true);

    const { code } = await stopProviderNode(node);
    expect(code, node.lines.slice(-40).join("\n")).toBe(0);
    const journal = new Journal(path.join(dir, "data"));
    try {
      for (const j of jobs) expect(journal.get(j.jobId), j.prompt).toMatchObject({ state: "submitted", outputReleased: true });
    } finally {
      journal.close();
    }
  }, 120_000);

  it("test_reorg_whileDown: a node killed, then a reorg that drops its submissions, then restarted: follows the chain from its journal", async () => {
    const node = startNode("data-down");
    await untilNode("the output server listens", () => outputUrlOf(node) !== undefined, node);
    const jobs = [await submit("direct, before the reorg while down", true), await submit("open, before the reorg while down", false)];
    await untilNode("both jobs are submitted", () => allSubmitted(jobs), node);
    process.kill(-node.child.pid!, "SIGKILL");
    expect((await node.exited).signal).toBe("SIGKILL");
    const before = await Promise.all(jobs.map((j) => resultOf(j.jobId)));
    const calls = jobs.map((j) => inference.calls.get(j.prompt));
    const head = await publicClient.getBlockNumber();
    const fork = before.reduce((min, e) => (e.blockNumber < min ? e.blockNumber : min), head);
    const testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    await testClient.request({ method: "anvil_reorg" as never, params: [Number(head - fork + 1n), []] as never });
    expect((await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s < JobStatus.Submitted)).toBe(true);

    const restarted = startNode("data-down");
    await untilNode("the jobs are submitted again", () => allSubmitted(jobs), restarted);
    await testClient.mine({ blocks: CONFIRMATIONS });
    await untilNode("their outputs are served", async () => {
      for (const j of jobs) if ((await fetch(`${outputUrlOf(restarted)}/content/${(await resultOf(j.jobId)).args.outputHash}`)).status !== 200) return false;
      return true;
    }, restarted);
    expect(restarted.lines.some((l) => l.includes('"the chain reorganized'))).toBe(true);
    const submissions = await submissionsOnChain(publicClient, p.market.address, provider);
    for (const [i, j] of jobs.entries()) {
      expect(submissions.get(j.jobId.toLowerCase() as Hex), j.prompt).toHaveLength(1);
      // The output attested before the reorg, never recomputed (signed again at most, for the same output).
      expect((await resultOf(j.jobId)).args.outputHash, j.prompt).toBe(before[i]!.args.outputHash);
      expect(inference.calls.get(j.prompt), j.prompt).toBe(calls[i]);
    }
    // The first submission in the dropped blocks had the first nonce the chain lost: free again, so the very same bytes.
    const first = before.findIndex((e) => e.blockNumber === fork);
    expect((await resultOf(jobs[first]!.jobId)).transactionHash).toBe(before[first]!.transactionHash);
    expect((await stopProviderNode(restarted)).code, restarted.lines.slice(-40).join("\n")).toBe(0);
  }, 120_000);
});
