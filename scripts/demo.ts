/**
 * `npm run demo`: the whole marketplace in one command, on Hardhat's in-process chain.
 *
 * Deploys the protocol (token, Governor, Timelock, AccessManager, market, verifier) with the same
 * Ignition module real networks use, registers the built-in EXACT model, and runs three providers:
 * an honest one, one that returns wrong outputs (it is disputed, the arbitrator upholds, it is
 * slashed) and one that goes silent (its jobs expire, it is slashed for liveness, the client is
 * refunded). A client submits 20 jobs through the SDK and checks every result by re-running the
 * model. The demo prints what happened and exits 0 only if every expected outcome did.
 */
import { network } from "hardhat";
import { custom, formatUnits, hexToBytes, type Account, type Chain, type Hash, type Hex } from "viem";

import { deployProtocol, DPI, modelIdOf, setUpProvider, USDC, type Connection } from "./lib/harness.js";
import { createDepinferClient, jobMarketAbi, MemoryContentStore, type DepinferClient, type Job } from "../sdk/src/index.js";
import { BUILTIN_MODEL, runBuiltinModel } from "../sdk/src/node/models/charModel.js";

type Role = "honest" | "liar" | "silent";
interface DemoJob {
  n: number;
  role: Role;
  jobId: Hex;
  job: Job;
  createdAt: number;
  submittedAt?: number;
  outcome?: string;
  gas: Record<string, bigint>;
}

const PRICE = 2n * USDC;
const STAKE = 1_000n * DPI;
const PROMPTS = ["The river", "In the morning", "A quiet town", "The old ship", "Under the stars"];
const PLAN: Role[] = [...Array(14).fill("honest"), ...Array(3).fill("liar"), ...Array(3).fill("silent")];

export async function runDemo(log: (line: string) => void = console.log): Promise<boolean> {
  const started = Date.now();
  const connection = (await network.create()) as Connection;
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const [deployer, honestW, liarW, silentW, honestKey, liarKey, silentKey, clientW] = await viem.getWalletClients();
  log("Deploying Depinfer (token, Governor, Timelock, AccessManager, market behind UUPS, verifier)…");
  const p = await deployProtocol(connection);
  const chain = publicClient.chain as Chain;
  const transport = custom(connection.provider);
  const market = p.market.address;
  const make = (account: Account) => createDepinferClient({ chain, transport, account, deployment: { market } });

  await p.market.write.registerModel([BUILTIN_MODEL.weightsHash, BUILTIN_MODEL.runtimeDigest, 0, `builtin://${BUILTIN_MODEL.name}`]);
  const model = modelIdOf(BUILTIN_MODEL.weightsHash, BUILTIN_MODEL.runtimeDigest, 0);
  const providers: Record<Role, { wallet: typeof honestW; signer: Account; client: DepinferClient }> = {
    honest: { wallet: honestW, signer: honestKey.account, client: make(honestW.account) },
    liar: { wallet: liarW, signer: liarKey.account, client: make(liarW.account) },
    silent: { wallet: silentW, signer: silentKey.account, client: make(silentW.account) },
  };
  for (const role of Object.keys(providers) as Role[]) {
    const { wallet, signer } = providers[role];
    await setUpProvider(p, deployer, wallet, signer.address, model, PRICE, STAKE);
  }
  await p.usdc.write.mint([clientW.account.address, 100n * USDC]);
  const client = make(clientW.account);
  const arbitrator = deployer; // the deployment module appoints the deployer as arbitrator
  const store = new MemoryContentStore(); // stands in for an IPFS gateway both sides can reach

  const snapshot = async () => {
    const out: Record<string, bigint> = {};
    for (const role of Object.keys(providers) as Role[]) {
      const info = await p.market.read.provider([providers[role].wallet.account.address]);
      out[`${role} stake (DPI)`] = info.staked + info.thawing;
      out[`${role} earned (USDC)`] = await p.market.read.claimable([providers[role].wallet.account.address, p.usdc.address]);
    }
    out["client USDC (wallet)"] = (await p.usdc.read.balanceOf([clientW.account.address])) as bigint;
    out["client refunds+bonds (USDC)"] = await p.market.read.claimable([clientW.account.address, p.usdc.address]);
    out["client slash income (DPI)"] = await p.market.read.claimable([clientW.account.address, p.token.address]);
    return out;
  };
  const before = await snapshot();

  // --- providers: honest computes, the liar returns garbage, the silent one accepts and vanishes.
  const jobs = new Map<Hex, DemoJob>();
  const gasOf = async (hash: Hash) => (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;
  const handle = (role: Role) => async (delivered: { jobId: Hex; job: Job }[]) => {
    const { client: prov, signer } = providers[role];
    for (const { jobId, job } of delivered) {
      const entry = jobs.get(jobId);
      if (role === "silent") {
        const hash = await prov.acceptJob({ job });
        if (entry) entry.gas.accept = await gasOf(hash);
        continue;
      }
      const [event] = await prov.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "JobInput", args: { jobId }, fromBlock: 0n });
      const input = hexToBytes(event.args.input!);
      const honest = runBuiltinModel(input);
      const output = role === "honest" ? honest : new TextEncoder().encode("I did not run the model.");
      await store.put(output);
      const { hash } = await prov.submitResult({ jobId, job, output, signer });
      if (entry) {
        entry.gas.acceptAndSubmit = await gasOf(hash);
        entry.submittedAt = Number((await publicClient.getBlock()).timestamp);
      }
    }
  };
  const watchers = (Object.keys(providers) as Role[]).map((role) =>
    providers[role].client.watchJobs({
      provider: providers[role].wallet.account.address,
      fromBlock: 0n,
      pollingInterval: 50,
      onJobs: handle(role),
    }),
  );

  // --- the client: 20 jobs through the SDK.
  log(`Submitting ${PLAN.length} jobs for model ${BUILTIN_MODEL.name} (EXACT)…`);
  for (const [i, role] of PLAN.entries()) {
    const input = `${PROMPTS[i % PROMPTS.length]} (${i + 1})`;
    const r = await client.submitJobSync({ model, input, price: PRICE, token: p.usdc.address, provider: providers[role].wallet.account.address, timeout: 600, authorization: "approve" });
    jobs.set(r.jobId, { n: i + 1, role, jobId: r.jobId, job: r.job, createdAt: Number((await publicClient.getBlock()).timestamp), gas: { create: r.receipt.gasUsed } });
  }

  // --- wait until every honest and lying job has a result, and every silent job was accepted.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const states = await Promise.all([...jobs.values()].map((j) => p.market.read.jobState([j.jobId])));
    const ready = states.every((s, i) => ([...jobs.values()][i].role === "silent" ? s.status === 2 : s.status === 3));
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  watchers.forEach((unwatch) => unwatch());

  // --- the client checks each result by re-running the model (EXACT: bytes must match).
  const verifier = make(arbitrator.account);
  for (const j of jobs.values()) {
    if (j.role === "silent") continue;
    const { output } = await client.waitForResult({ jobId: j.jobId, store, timeoutMs: 10_000 });
    const input = (await client.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "JobInput", args: { jobId: j.jobId }, fromBlock: 0n }))[0].args.input!;
    const expected = runBuiltinModel(hexToBytes(input));
    if (Buffer.from(output).equals(Buffer.from(expected))) {
      j.gas.finalize = await gasOf(await client.finalizeJob({ job: j.job }));
      j.outcome = "finalized";
    } else {
      const { hash } = await client.disputeJob({ job: j.job });
      j.gas.dispute = await gasOf(hash);
      // The arbitrator re-runs the model too, and upholds.
      j.gas.rule = await gasOf(
        await verifier.writeContract({ address: p.verifier.address, abi: p.verifier.abi, functionName: "rule", args: [j.job, 0, "output does not match the EXACT model"] }),
      );
      j.outcome = "slashed (dispute upheld)";
    }
  }
  // --- silent jobs: past the deadline anyone may expire them.
  await networkHelpers.time.increase(601);
  for (const j of jobs.values()) {
    if (j.role !== "silent") continue;
    j.gas.expire = await gasOf(await client.expireJob({ job: j.job }));
    j.outcome = "expired (liveness slash)";
  }
  const after = await snapshot();

  // --- report.
  const STATUS = ["None", "Created", "Accepted", "Submitted", "Disputed", "Finalized", "Expired", "Cancelled", "Slashed"];
  log("");
  log(" #  provider  state      latency  gas per step   (latency: chain seconds from creation to result)");
  for (const j of [...jobs.values()].sort((a, b) => a.n - b.n)) {
    const status = STATUS[(await p.market.read.jobState([j.jobId])).status];
    const latency = j.submittedAt !== undefined ? `${j.submittedAt - j.createdAt}s` : "-";
    const gas = Object.entries(j.gas).map(([k, v]) => `${k} ${v}`).join(", ");
    log(`${String(j.n).padStart(2)}  ${j.role.padEnd(8)}  ${status.padEnd(9)}  ${latency.padStart(7)}  ${gas}`);
  }
  log("");
  log("Stakes and balances            before            after");
  for (const key of Object.keys(before)) {
    const fmt = (v: bigint) => (key.includes("DPI") ? formatUnits(v, 18) : formatUnits(v, 6));
    log(`${key.padEnd(28)} ${fmt(before[key]).padStart(12)} ${fmt(after[key]).padStart(16)}`);
  }
  const treasuryDpi = await p.market.read.treasuryAccrued([p.token.address]);
  const collateral = [...jobs.values()][0].job.collateral;
  log("");
  log(`Slashed: liar ${formatUnits(before["liar stake (DPI)"] - after["liar stake (DPI)"], 18)} DPI (3 x ${formatUnits(collateral, 18)} DPI collateral): half to the challenger (the client), half to the treasury (${formatUnits(treasuryDpi, 18)} DPI);`);
  log(`         silent ${formatUnits(before["silent stake (DPI)"] - after["silent stake (DPI)"], 18)} DPI (liveness: 1x price in DPI per missed job, paid to the client).`);
  log(`Paid:    honest provider ${formatUnits(after["honest earned (USDC)"], 6)} USDC (price - 1% fee per job); client refunded for 6 jobs and its 3 bonds.`);

  // --- exit 0 only if every expected outcome happened.
  const count = (role: Role) => PLAN.filter((r) => r === role).length;
  const statuses = await Promise.all([...jobs.values()].map(async (j) => ({ role: j.role, status: (await p.market.read.jobState([j.jobId])).status })));
  const fee = PRICE / 100n;
  const params = (await p.market.read.params())[0];
  const livenessSlash = (collateral * BigInt(params.livenessSlashBps)) / BigInt(params.collateralRatioBps);
  // The client challenged the lies itself: it gets each bond back and the challenger's share of each slash.
  const bond = (PRICE * BigInt(params.bondRatioBps)) / 10_000n;
  const challengerReward = (collateral * BigInt(params.challengerShareBps)) / 10_000n;
  const checks: [string, boolean][] = [
    ["every honest job finalized", statuses.filter((s) => s.role === "honest").every((s) => s.status === 5)],
    ["every lying job slashed", statuses.filter((s) => s.role === "liar").every((s) => s.status === 8)],
    ["every silent job expired", statuses.filter((s) => s.role === "silent").every((s) => s.status === 6)],
    ["honest provider paid price - fee per job", after["honest earned (USDC)"] - before["honest earned (USDC)"] === BigInt(count("honest")) * (PRICE - fee)],
    ["liar lost its collateral for each lie", before["liar stake (DPI)"] - after["liar stake (DPI)"] === BigInt(count("liar")) * collateral],
    ["silent provider slashed for liveness", before["silent stake (DPI)"] - after["silent stake (DPI)"] === BigInt(count("silent")) * livenessSlash],
    [
      "client refunded for every lying and silent job, and its bonds returned",
      after["client refunds+bonds (USDC)"] === BigInt(count("liar") + count("silent")) * PRICE + BigInt(count("liar")) * bond,
    ],
    [
      "client paid the liveness slashes and the challenger's share of each lie's slash",
      after["client slash income (DPI)"] === BigInt(count("silent")) * livenessSlash + BigInt(count("liar")) * challengerReward,
    ],
  ];
  log("");
  for (const [name, ok] of checks) log(`${ok ? "ok  " : "FAIL"} ${name}`);
  const allOk = checks.every(([, ok]) => ok);
  log(`\n${allOk ? "Demo passed" : "Demo FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return allOk;
}
