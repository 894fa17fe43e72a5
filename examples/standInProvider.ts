/**
 * A minimal provider built from SDK actions, for the quickstart's runner and its README test: its
 * "model" upper-cases each job's inline input. It publishes the output to `store` and submits the
 * attested result. A stand-in for the provider node (`depinfer-provider`), not a replacement.
 */
import { hexToBytes, type Account, type Address, type Chain, type Hex, type Transport } from "viem";

import { createDepinferClient, jobMarketAbi, type ContentStore } from "../sdk/src/index.js";

export interface StandInProviderParameters {
  chain: Chain;
  transport: Transport;
  /** The registered provider's account, which sends the results. */
  account: Account;
  /** The provider's attestation signer. */
  signer: Account;
  market: Address;
  model: Hex;
  store: ContentStore;
}

/** Starts answering the provider's jobs; returns the function that stops it. */
export function startStandInProvider({ chain, transport, account, signer, market, model, store }: StandInProviderParameters): () => void {
  const provider = createDepinferClient({ chain, transport, account, deployment: { market } });
  return provider.watchJobs({
    provider: account.address,
    models: [model],
    fromBlock: 0n,
    pollingInterval: 100,
    onJobs: async (jobs) => {
      for (const { jobId, job } of jobs) {
        // Small inputs travel inline in the JobInput event; the contract checked them against job.inputHash.
        const [event] = await provider.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "JobInput", args: { jobId }, fromBlock: 0n });
        const output = new TextEncoder().encode(new TextDecoder().decode(hexToBytes(event.args.input as Hex)).toUpperCase());
        await store.put(output);
        await provider.submitResult({ jobId, job, output, signer });
      }
    },
  });
}
