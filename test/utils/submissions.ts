/**
 * What a provider submitted, read from the chain itself: every `submitResult` / `acceptAndSubmit` /
 * `acceptAndSubmitBatch` transaction it sent to the market, in every block (reverted ones included),
 * counted per job (a batch counts once for each job in it, skipped or not: its attestation is out).
 */
import { decodeFunctionData, encodeAbiParameters, keccak256, type Address, type Hash, type Hex, type PublicClient } from "viem";

import { jobMarketAbi } from "../../sdk/src/index.js";

const jobAbi = jobMarketAbi.find((x) => x.type === "function" && x.name === "acceptJob")!.inputs;

/** The provider's submission transactions per jobId (lower case), oldest first. */
export async function submissionsOnChain(publicClient: PublicClient, market: Address, provider: Address): Promise<Map<Hex, Hash[]>> {
  const head = await publicClient.getBlockNumber();
  const submissions = new Map<Hex, Hash[]>();
  for (let b = 0n; b <= head; b++) {
    const block = await publicClient.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== provider.toLowerCase() || tx.to?.toLowerCase() !== market.toLowerCase()) continue;
      const { functionName, args } = decodeFunctionData({ abi: jobMarketAbi, data: tx.input });
      const jobs =
        functionName === "submitResult" || functionName === "acceptAndSubmit" ? [args[0]] : functionName === "acceptAndSubmitBatch" ? (args[1] as readonly unknown[]) : [];
      for (const job of jobs) {
        const id = keccak256(encodeAbiParameters(jobAbi, [job] as never));
        submissions.set(id, [...(submissions.get(id) ?? []), tx.hash]);
      }
    }
  }
  return submissions;
}
