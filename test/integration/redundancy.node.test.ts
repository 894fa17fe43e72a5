// The redundancy role of the provider node (docs/provider-node.md, "The redundancy role") as real
// processes (`depinfer-provider run`, one per provider) against an anvil node process, with the
// protocol deployed by the default Ignition module (which deploys and registers the RedundancyModule).
// A client names k providers through the SDK's client (the module's address from its deployment), and
// uploads the input to each node's output server; the nodes do the rest.
//
// - k = 3, one node's backend lies: the two honest nodes are paid their share (and claim it), the liar
//   is outvoted, its node appeals automatically, the arbiter rules, and the liar is slashed.
// - hostile requests (a model the node does not serve, a commit deadline under minJobSeconds, an
//   input over maxInputBytes): refused, nothing locked, no seat slashed, the client refunded.
// - SIGKILL right after each step of the seat (recorded, output and salt kept, commit sent, commit
//   mined, reveal sent), restart (after the commit: 20 s before the reveal deadline): one commit, one
//   reveal with the kept salt, both providers paid, nobody slashed.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, createWalletClient, custom, http, sha256, toHex, type Address, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import depinferModule from "../../scripts/deploy/Depinfer.js";
import { DPI, deployProtocol, modelIdOf, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { contentHash, createDepinferClient, HttpContentStore, RedundancyModuleNotFoundError, RedundancyUnknownRequestError, type DepinferClient } from "../../sdk/src/index.js";
import { createBuiltinBackend, RedundancyJournal, type RedundancyStep } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startCountingInferenceServer } from "../utils/inferenceServer.js";
import { outputUrlOf, startProviderNode, stopProviderNode, type ProviderNodeProcess } from "../utils/providerCli.js";

const PORT = 20000;
const LIAR_PORT = 20001;
const OUTPUT_PORTS = [20010, 20011, 20012];
const NET = "anvilRedundancy";
const PRICE = 2n * USDC;
const MAX_INPUT_BYTES = 2048;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-redundancy-${process.pid}-${Date.now()}`;

describe("redundancy role of the provider node (k of n), as node processes", () => {
  let anvil: AnvilHandle;
  let liar: Awaited<ReturnType<typeof startCountingInferenceServer>>;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: Hex;
  let module: Address;
  let client: DepinferClient;
  let testClient: ReturnType<typeof createTestClient>;
  let dir: string;
  const providers: { privateKey: Hex; address: Address }[] = [];
  const nodes: (ProviderNodeProcess | undefined)[] = [];
  const running = new Set<ChildProcess>();
  let n = 0;

  const publicClient = () => connection.viem.getPublicClient();
  const now = async () => Number((await (await publicClient()).getBlock()).timestamp);
  const rm = () => connection.viem.getContractAt("RedundancyModule", module);
  const tail = (i: number) => () => (nodes[i]?.lines ?? []).slice(-30).join("\n");

  /** Node `i`'s config: the built-in model (node 2: answered by the lying server instead), its own output server. */
  function writeConfig(i: number) {
    const backend = i === 2 ? { type: "openai", baseUrl: liar.url, model: "liar" } : { type: "builtin" };
    writeFileSync(
      path.join(dir, `node${i}.json`),
      JSON.stringify({
        rpcUrl: anvil.url,
        chainId: chain.id,
        market: p.market.address,
        dataDir: `data${i}`,
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend, price: PRICE.toString(), token: p.usdc.address, maxInputBytes: MAX_INPUT_BYTES }],
        pollingIntervalMs: 100,
        claimIntervalMs: 1000,
        startBlock: 0,
        outputServer: { host: "127.0.0.1", port: OUTPUT_PORTS[i] },
        // Node 2 enables the role with --redundancy and finds the module in --network's deployment record.
        ...(i !== 2 && { redundancy: { enabled: true, address: module } }),
      }),
    );
  }

  async function startNode(i: number, crashAt?: RedundancyStep) {
    const args = i === 2 ? ["--redundancy", "--network", "local", "--deployments", path.join(dir, "deployments")] : [];
    const node = startProviderNode(["--config", path.join(dir, `node${i}.json`), "--log-level", "debug", ...args], {
      DEPINFER_NODE_KEY: providers[i].privateKey,
      ...(crashAt && { DEPINFER_NODE_CRASH_AT: crashAt }),
    });
    running.add(node.child);
    void node.exited.then(() => running.delete(node.child));
    nodes[i] = node;
    await until(`node ${i} listens`, () => outputUrlOf(node) !== undefined || node.child.exitCode !== null, { timeoutMs: 60_000, intervalMs: 50, detail: tail(i) });
    await until(`node ${i}'s redundancy loop runs`, () => node.lines.some((l) => l.includes('"redundancy loop started"')) || node.child.exitCode !== null || node.child.signalCode !== null, { timeoutMs: 30_000, intervalMs: 50, detail: tail(i) });
    if (!crashAt && !node.lines.some((l) => l.includes('"redundancy loop started"'))) throw new Error(`node ${i} exited before its redundancy loop started\n${tail(i)()}`);
    return node;
  }

  /** Names `seats` (node indexes) for `input`; returns the request id. */
  async function request(seats: number[], input: string, { commitIn = 600, model: m = model }: { commitIn?: number; model?: Hex } = {}) {
    const { id } = await client.requestRedundancySync({
      model: m,
      token: p.usdc.address,
      price: PRICE,
      inputHash: contentHash(new TextEncoder().encode(input)),
      commitDeadline: BigInt((await now()) + commitIn),
      providers: seats.map((i) => providers[i].address),
    });
    return id;
  }

  /** Uploads `input` to node `i`'s output server once the node waits for it (it refuses content no request of its waits for). */
  async function upload(i: number, input: string) {
    const store = new HttpContentStore({ baseUrl: `http://127.0.0.1:${OUTPUT_PORTS[i]}` });
    await until(`node ${i} takes the input`, () => store.put(new TextEncoder().encode(input)).then(() => true, () => false), { timeoutMs: 30_000, intervalMs: 100, detail: tail(i) });
  }

  const seatStatus = async (id: bigint, seat: number) => (await (await rm()).read.seatOf([id, BigInt(seat)])).status;
  const events = async (eventName: "RedundancyCommitted" | "RedundancyRevealed" | "RedundancySeatSlashed" | "RedundancySeatPaid", id: bigint) =>
    (await (await publicClient()).getContractEvents({ address: module, abi: (await rm()).abi, eventName, args: { id }, fromBlock: 0n })).length;
  const usdcOf = (a: Address) => p.usdc.read.balanceOf([a]);
  const stakeOf = async (a: Address) => (await p.market.read.provider([a])).staked;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-redundancy-"));
    anvil = await startAnvil(PORT);
    liar = await startCountingInferenceServer(LIAR_PORT);
    testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    connection = (await network.connect({ network: NET })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    module = p.deployed.redundancyModule;
    chain = (await publicClient()).chain as Chain;
    const wallets = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    for (let i = 0; i < 3; i++) providers.push(await setUpNodeProvider(connection, p, wallets[0], { model, price: PRICE, stake: 1_000n * DPI }));
    const pc = await publicClient();
    await pc.waitForTransactionReceipt({ hash: await p.usdc.write.mint([wallets[9].account.address, 1_000n * USDC]) });
    // The module's address is the client's deployment's: the calls below pass none.
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: wallets[9].account, deployment: { market: p.market.address, redundancyModule: module } });
    for (let i = 0; i < 3; i++) writeConfig(i);
    mkdirSync(path.join(dir, "deployments", "local"), { recursive: true });
    writeFileSync(path.join(dir, "deployments", "local", "deployment.json"), JSON.stringify({ network: "local", chainId: chain.id, contracts: { market: p.market.address, redundancyModule: module, paymentTokens: [p.usdc.address] } }));
    await Promise.all([0, 1, 2].map((i) => startNode(i)));
  }, 240_000);

  afterAll(async () => {
    for (const child of running) process.kill(-child.pid!, "SIGKILL");
    await liar?.close();
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  it("deploys the module with the protocol, registered, with rule given to the ARBITRATOR", async () => {
    expect(await p.market.read.isModule([module])).toBe(true);
    expect((await (await rm()).read.market()).toLowerCase()).toBe(p.market.address.toLowerCase());
    // A client whose deployment names no redundancy module: the methods say what to pass, before any request.
    const bare = createDepinferClient({ chain, transport: custom(connection.provider), account: client.account, deployment: { market: p.market.address } });
    await expect(bare.getRedundancyRequest({ id: 1n })).rejects.toBeInstanceOf(RedundancyModuleNotFoundError);
    await expect(bare.getRedundancyRequest({ id: 1n })).rejects.toThrow(/redundancyModule/);
    // Given per call, it is used.
    await expect(bare.getRedundancyRequest({ id: 1n, module })).rejects.toBeInstanceOf(RedundancyUnknownRequestError);
  });

  it("k = 3, one lying backend: the honest nodes are paid and claim, the liar appeals, is ruled against and slashed", async () => {
    const input = "redundancy: what is two and two?";
    const id = await request([0, 1, 2], input);
    const expected = contentHash(await createBuiltinBackend().infer(new TextEncoder().encode(input)));
    const [usdc0, usdc1, stake2] = [await usdcOf(providers[0].address), await usdcOf(providers[1].address), await stakeOf(providers[2].address)];
    await Promise.all([0, 1, 2].map((i) => upload(i, input)));
    const r = await rm();
    // All three commit and reveal; the EXACT majority (two) contests the liar, whose node appeals at once.
    await until("the liar's node appeals", async () => (await r.read.requestOf([id])).status === 3, { timeoutMs: 60_000, intervalMs: 100, detail: tail(2) });
    const req = await r.read.requestOf([id]);
    expect(req.majority).toBe(expected);
    expect((await r.read.seatOf([id, 2n])).value).not.toBe(expected);
    // The arbiter (the deployer holds ARBITRATOR on a local chain) re-runs and rules for seats 0 and 1.
    const pc = await publicClient();
    await pc.waitForTransactionReceipt({ hash: await r.write.rule([id, 0b011n]) });
    expect([await seatStatus(id, 0), await seatStatus(id, 1), await seatStatus(id, 2)]).toEqual([4, 4, 5]); // Paid, Paid, Slashed
    const fee = (PRICE * BigInt(req.feeBps)) / 10_000n;
    // Each honest node claims its share from the module.
    await until("the honest nodes claim their pay", async () => (await usdcOf(providers[0].address)) - usdc0 === PRICE - fee && (await usdcOf(providers[1].address)) - usdc1 === PRICE - fee, {
      timeoutMs: 30_000,
      intervalMs: 100,
      detail: tail(0),
    });
    expect(stake2 - (await stakeOf(providers[2].address))).toBe(req.collateral);
    expect(await events("RedundancySeatSlashed", id)).toBe(1);
    expect(nodes[2]!.lines.some((l) => l.includes("appealed to the arbiter"))).toBe(true);
  }, 120_000);

  it("refuses hostile requests before committing: an unserved model, a commit deadline under minJobSeconds, an input over maxInputBytes; nothing is slashed", async () => {
    // A second model that the providers offer on-chain but their nodes do not serve.
    const pc = await publicClient();
    const weights = sha256(toHex("unserved:weights"));
    const runtime = sha256(toHex("unserved:runtime"));
    await pc.waitForTransactionReceipt({ hash: await p.market.write.registerModel([weights, runtime, 0, "ipfs://unserved"]) });
    const unserved = modelIdOf(weights, runtime, 0);
    for (const i of [0, 1]) {
      const wallet = createWalletClient({ chain, transport: custom(connection.provider), account: privateKeyToAccount(providers[i].privateKey) });
      await pc.waitForTransactionReceipt({ hash: await p.market.write.setOffer([unserved, p.usdc.address, PRICE, 60, true], { account: wallet.account }) });
    }
    const stakes = [await stakeOf(providers[0].address), await stakeOf(providers[1].address)];
    const big = "x".repeat(MAX_INPUT_BYTES + 1);
    const ids = [
      await request([0, 1], "an unserved model", { model: unserved }),
      await request([0, 1], "too soon", { commitIn: 20 }),
      await request([0, 1], big),
    ];
    // The oversized input cannot even be uploaded (over the model's maxInputBytes).
    const store = new HttpContentStore({ baseUrl: `http://127.0.0.1:${OUTPUT_PORTS[0]}` });
    await until("node 0 reads the oversized request", () => nodes[0]!.lines.some((l) => l.includes(`"inputHash":"${contentHash(new TextEncoder().encode(big))}"`)), { timeoutMs: 20_000, intervalMs: 100, detail: tail(0) });
    await expect(store.put(new TextEncoder().encode(big))).rejects.toThrow();
    await until("both nodes refuse the first two", async () => [0, 1].every((i) => nodes[i]!.lines.filter((l) => l.includes("request refused")).length >= 2), { timeoutMs: 20_000, intervalMs: 100, detail: tail(0) });
    const refusals = nodes[0]!.lines.filter((l) => l.includes("request refused")).join("\n");
    expect(refusals).toContain("does not serve");
    expect(refusals).toContain("under minJobSeconds");
    // Past every commit deadline: each request settles with both seats absent, the client refunded.
    await testClient.increaseTime({ seconds: 700 });
    await testClient.mine({ blocks: 1 });
    const r = await rm();
    const before = await r.read.claimable([client.account.address, p.usdc.address]);
    for (const id of ids) {
      await pc.waitForTransactionReceipt({ hash: await r.write.settle([id]) });
      expect([await seatStatus(id, 0), await seatStatus(id, 1)]).toEqual([7, 7]); // Absent
      expect(await events("RedundancyCommitted", id)).toBe(0);
      expect(await events("RedundancySeatSlashed", id)).toBe(0);
    }
    expect((await r.read.claimable([client.account.address, p.usdc.address])) - before).toBe(3n * 2n * PRICE);
    expect([await stakeOf(providers[0].address), await stakeOf(providers[1].address)]).toEqual(stakes);
  }, 120_000);

  for (const step of ["redundancy-seat-recorded", "redundancy-vote-kept", "redundancy-commit-sent", "redundancy-committed", "redundancy-reveal-sent"] as RedundancyStep[]) {
    it(`SIGKILL right after ${step}: the restarted node commits once, reveals once with the kept salt, and both are paid`, async () => {
      await stopProviderNode(nodes[0]!);
      const crashing = await startNode(0, step);
      let exited: { signal: NodeJS.Signals | null } | undefined;
      void crashing.exited.then((e) => (exited = e));
      const input = `crash at ${step} ${++n}`;
      const id = await request([0, 1], input);
      if (step !== "redundancy-seat-recorded") await upload(0, input);
      await upload(1, input);
      await until(`node 0 kills itself at ${step}`, () => exited !== undefined, { timeoutMs: 60_000, intervalMs: 50, detail: tail(0) });
      expect(exited!.signal, tail(0)()).toBe("SIGKILL");
      const journal = new RedundancyJournal(path.join(dir, "data0", "journal.sqlite"));
      const atKill = journal.get(id);
      journal.close();
      expect(atKill, "the seat survived the kill").toBeDefined();
      const r = await rm();
      if (step === "redundancy-committed") {
        // Restart 20 s before the reveal deadline: still in time.
        await until("node 1 commits too", async () => (await r.read.requestOf([id])).committed === 2, { timeoutMs: 30_000, intervalMs: 100, detail: tail(1) });
        const { revealDeadline } = await r.read.requestOf([id]);
        await testClient.increaseTime({ seconds: Number(revealDeadline) - (await now()) - 20 });
        await testClient.mine({ blocks: 1 });
      }
      await startNode(0);
      if (step === "redundancy-seat-recorded") await upload(0, input);
      await until("the request settles", async () => (await r.read.requestOf([id])).status === 4, { timeoutMs: 60_000, intervalMs: 100, detail: tail(0) });
      expect([await seatStatus(id, 0), await seatStatus(id, 1)]).toEqual([4, 4]); // both Paid
      expect(await events("RedundancyCommitted", id)).toBe(2);
      expect(await events("RedundancyRevealed", id)).toBe(2);
      expect(await events("RedundancySeatSlashed", id)).toBe(0);
      // The commitment opened with the salt the journal held when the node died (if it had one yet).
      const expected = contentHash(await createBuiltinBackend().infer(new TextEncoder().encode(input)));
      expect((await r.read.seatOf([id, 0n])).value).toBe(expected);
      // The reveal opened the commitment with the journal's salt, which is the one it held at the kill.
      const read = () => {
        const j = new RedundancyJournal(path.join(dir, "data0", "journal.sqlite"));
        const e = j.get(id)!;
        j.close();
        return e;
      };
      await until("node 0 records its pay", () => read().state === "paid", { timeoutMs: 20_000, intervalMs: 100, detail: tail(0) });
      if (atKill?.salt) expect(read().salt).toBe(atKill.salt);
    }, 150_000);
  }
});
