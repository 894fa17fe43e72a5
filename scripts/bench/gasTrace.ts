/**
 * `npx hardhat run scripts/bench/gasTrace.ts`: where the gas of the job cycle goes, by an opcode trace
 * (`debug_traceTransaction`) of each transaction of the bench's cycles, in the same steady state as
 * scripts/bench/gas.ts. Prints one table per transaction and one per cycle, in these buckets:
 *
 * - base: the 21,000 of every transaction; calldata: 4 per zero and 16 per non-zero byte;
 * - token: the payment token's calls, callee included (the escrow pull);
 * - ecrecover: the precompile call;
 * - sload cold / sload warm / sstore / logs / keccak: those opcodes in the market's frames;
 * - execution: every other opcode of the market's frames (decoding, checks, encoding, memory);
 * - refund: storage refunds (negative).
 *
 * Used for the table "where the remaining gas goes" in docs/protocol.md section 12. Not part of
 * `npm run bench`: it only explains the figures that gas.ts measures. With GAS_TRACE_OPS=1 it also
 * prints, per transaction, the opcodes that make up its "execution" bucket, costliest first.
 */
import { network } from "hardhat";
import { sha256, toHex, type Hex } from "viem";

import {
  deployProtocol,
  plainTokenModule,
  DPI,
  HOUR,
  jobCreatedIn,
  registerModel,
  setUpProvider,
  signAttestation,
  USDC,
  type Connection,
  type Job,
} from "../lib/harness.js";

interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

const BUCKETS = ["base", "calldata", "token", "ecrecover", "sload cold", "sload warm", "sstore", "logs", "keccak", "execution", "refund"] as const;
type Bucket = (typeof BUCKETS)[number];
type Breakdown = Record<Bucket, number>;

const PRICE = 2n * USDC;
const connection = (await network.create()) as Connection;
const { viem, networkHelpers } = connection;
const publicClient = await viem.getPublicClient();
await networkHelpers.time.increaseTo(2_000_000_000);
const [deployer, provider, signer, client] = await viem.getWalletClients();
const p = await deployProtocol(connection, plainTokenModule);
const model = await registerModel(p, deployer, "bench-model");
await setUpProvider(p, deployer, provider, signer.account.address, model, PRICE, 1_000_000n * DPI);
await p.usdc.write.mint([client.account.address, 1_000_000n * USDC]);
await p.usdc.write.approve([p.market.address, 2n ** 256n - 1n], { account: client.account });

const token = p.usdc.address.toLowerCase();

function addressOf(word: string | undefined): string {
  return word ? `0x${BigInt(word).toString(16).padStart(40, "0").slice(-40)}` : "";
}

/** Splits a transaction's gas into the buckets above. */
async function breakdown(hash: Hex): Promise<Breakdown> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  const tx = await publicClient.getTransaction({ hash });
  const bytes = Buffer.from(tx.input.slice(2), "hex");
  const calldata = bytes.reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
  const trace = (await connection.provider.request({ method: "debug_traceTransaction", params: [hash] })) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const opCosts = new Map<string, number>();
  const out = Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Breakdown;
  out.base = 21_000;
  out.calldata = calldata;
  // Which bucket each frame's own opcodes go to, by depth (1 = the market, the immutable core with no proxy in front; 2 = its extension or a token, …).
  const frameBucket: (Bucket | "market")[] = [];
  frameBucket[1] = "market";
  let executed = 0;
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const next = logs[i + 1];
    let cost: number;
    let child: Bucket | "market" | undefined;
    if (next && next.depth > l.depth) {
      // A call that entered a frame: its own cost is what the caller lost, less what the callee spent.
      let j = i + 1;
      while (j < logs.length && logs[j].depth > l.depth) j++;
      const back = logs[j];
      const childStart = next.gas;
      const last = logs[j - 1];
      const childSpent = childStart - (last.gas - last.gasCost);
      cost = l.gas - (back ? back.gas : last.gas - last.gasCost) - childSpent;
      const target = addressOf(l.stack?.[l.stack.length - 2]);
      child = target === token ? "token" : frameBucket[l.depth] === "token" ? "token" : "market";
    } else if (next && next.depth === l.depth) {
      cost = l.gas - next.gas;
    } else {
      cost = l.gasCost;
    }
    executed += cost;
    const own = frameBucket[l.depth];
    let bucket: Bucket;
    if (own === "token") bucket = own;
    else if (l.op === "SLOAD") bucket = cost >= 2_100 ? "sload cold" : "sload warm";
    else if (l.op === "SSTORE") bucket = "sstore";
    else if (l.op.startsWith("LOG")) bucket = "logs";
    else if (l.op === "KECCAK256") bucket = "keccak";
    else if (l.op === "STATICCALL" && addressOf(l.stack?.[l.stack.length - 2]) === "0x0000000000000000000000000000000000000001") bucket = "ecrecover";
    else if ((l.op === "CALL" || l.op === "STATICCALL") && addressOf(l.stack?.[l.stack.length - 2]) === token) bucket = "token";
    else bucket = "execution";
    out[bucket] += cost;
    if (process.env.GAS_TRACE_OPS && bucket === "execution") opCosts.set(l.op, (opCosts.get(l.op) ?? 0) + cost);
    if (child !== undefined) frameBucket[l.depth + 1] = child;
  }
  // What the receipt shows beyond the opcodes and the intrinsic cost is the refund (negative).
  out.refund = Number(receipt.gasUsed) - (out.base + out.calldata + executed);
  if (process.env.GAS_TRACE_OPS) console.log(hash, [...opCosts].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([o, c]) => `${o} ${c}`).join(", "));
  return out;
}

let nonce = 0n;
async function request() {
  const now = (await publicClient.getBlock()).timestamp;
  return { provider: provider.account.address, token: p.usdc.address, price: PRICE, model, inputHash: sha256(toHex(`input-${++nonce}`)), deadline: Number(now + HOUR), nonce };
}
async function create(): Promise<{ jobId: Hex; job: Job; hash: Hex }> {
  const hash = await p.market.write.createJob([await request(), "0x"], { account: client.account });
  const { jobId, job } = await jobCreatedIn(connection, p, hash);
  return { jobId, job, hash };
}
async function attest(jobId: Hex, job: Job) {
  const outputHash = sha256(toHex(`out-${jobId}`));
  return { outputHash, signature: await signAttestation(p, signer, jobId, job, outputHash, provider.account.address) };
}

// Warm-up, as in gas.ts.
{
  const w = await create();
  const { outputHash, signature } = await attest(w.jobId, w.job);
  await p.market.write.acceptAndSubmit([w.job, outputHash, signature], { account: client.account });
  await p.market.write.finalizeJob([w.job], { account: client.account });
}

const rows: Record<string, Breakdown> = {};
{
  const a = await create();
  rows.createJob = await breakdown(a.hash);
  rows.acceptJob = await breakdown(await p.market.write.acceptJob([a.job], { account: provider.account }));
  const { outputHash, signature } = await attest(a.jobId, a.job);
  rows.submitResult = await breakdown(await p.market.write.submitResult([a.job, outputHash, signature], { account: provider.account }));
  rows.finalizeJob = await breakdown(await p.market.write.finalizeJob([a.job], { account: client.account }));
}
{
  const b = await create();
  const { outputHash, signature } = await attest(b.jobId, b.job);
  rows.acceptAndSubmit = await breakdown(await p.market.write.acceptAndSubmit([b.job, outputHash, signature], { account: client.account }));
}

const total = (names: string[]) =>
  Object.fromEntries(BUCKETS.map((b) => [b, names.reduce((s, n) => s + rows[n][b], 0)])) as Breakdown;
const table = {
  ...rows,
  cycle: total(["createJob", "acceptAndSubmit", "finalizeJob"]),
  cycleSeparate: total(["createJob", "acceptJob", "submitResult", "finalizeJob"]),
};
const withTotals = Object.fromEntries(
  Object.entries(table).map(([name, b]) => [name, { ...b, total: BUCKETS.reduce((s, k) => s + b[k], 0) }]),
);
console.table(withTotals);
