/**
 * The session path's gas alone (the `session*` fields of gas.json, scripts/bench/sessionsGas.ts), in about 30 s:
 * `npx hardhat run --no-compile scripts/bench/sessionsGas-only.ts` with
 * NODE_OPTIONS="--conditions=depinfer-source --disable-warning=ExperimentalWarning". Prints the figures; writes
 * nothing. The same set-up as scripts/bench/gas.ts, without the job steps before it (so the figures can differ from
 * gas.json's by the warm-up of a few shared slots).
 */
import { network } from "hardhat";

import { measureSessionsGas } from "./sessionsGas.js";
import { deployProtocol, DPI, plainTokenModule, registerModel, setUpProvider, USDC, type Connection } from "../lib/harness.js";

const connection = (await network.create()) as Connection;
await connection.networkHelpers.time.increaseTo(2_000_000_000);
const [deployer, provider, signer, client] = await connection.viem.getWalletClients();
const p = await deployProtocol(connection, plainTokenModule);
const model = await registerModel(p, deployer!, "bench-model");
await setUpProvider(p, deployer!, provider!, signer!.account.address, model, 10_000n, 1_000_000n * DPI);
await p.usdc.write.mint([client!.account.address, 1_000_000n * USDC]);
/** With SESSIONS_GAS_TRACE=1: each measured transaction's gas by opcode (debug_traceTransaction), costliest first. */
async function trace(step: string, hash: `0x${string}`) {
  const tx = await publicClient.getTransaction({ hash });
  const calldata = Buffer.from(tx.input.slice(2), "hex").reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
  const { structLogs } = (await connection.provider.request({ method: "debug_traceTransaction", params: [hash] })) as {
    structLogs: { op: string; gas: number; gasCost: number; depth: number }[];
  };
  const byOp = new Map<string, number>();
  for (let i = 0; i < structLogs.length; i++) {
    const l = structLogs[i]!;
    const next = structLogs[i + 1];
    // A call's own cost: what the caller lost across it, less what the callee frame spent.
    let cost = l.gasCost;
    if (next && next.depth === l.depth) cost = l.gas - next.gas;
    else if (next && next.depth > l.depth) {
      let j = i + 1;
      while (j < structLogs.length && structLogs[j]!.depth > l.depth) j++;
      const last = structLogs[j - 1]!;
      const back = structLogs[j];
      cost = l.gas - (back ? back.gas : last.gas - last.gasCost) - (next.gas - (last.gas - last.gasCost));
    }
    const key = `${l.depth}:${l.op === "SLOAD" ? (cost >= 2_100 ? "SLOAD cold" : "SLOAD warm") : l.op}`;
    byOp.set(key, (byOp.get(key) ?? 0) + cost);
  }
  const top = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 24);
  console.log(`${step}: calldata ${calldata}; ${top.map(([k, v]) => `${k} ${v}`).join(", ")}`);
}
const publicClient = await connection.viem.getPublicClient();
const traced = process.env.SESSIONS_GAS_TRACE ? trace : undefined;
console.log(JSON.stringify(await measureSessionsGas(connection, p, { provider: provider!, client: client!, model }, traced), null, 2));
