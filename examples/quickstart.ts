// Submit a paid inference job and print its verified result: the whole client side of Depinfer.
import { createDepinferClient, type ContentStore } from "../sdk/src/index.js";
import type { Account, Address, Chain, Hex, Transport } from "viem";

export async function quickstart(o: { chain: Chain; transport: Transport; account: Account; market: Address; model: Hex; token: Address; store: ContentStore }) {
  const depinfer = createDepinferClient({ chain: o.chain, transport: o.transport, account: o.account, deployment: { market: o.market } });
  const [best] = await depinfer.getProviders({ model: o.model, token: o.token }); // cheapest eligible provider
  const { jobId, job } = await depinfer.submitJobSync({ model: o.model, input: "hello depinfer", price: best.price, token: o.token, provider: best.provider });
  const { output } = await depinfer.waitForResult({ jobId, store: o.store, timeoutMs: 60_000 }); // checked against the on-chain hash
  await depinfer.finalizeJob({ job }); // pay the provider now instead of waiting out the challenge window
  const text = new TextDecoder().decode(output);
  console.log(`job ${jobId.slice(0, 10)}… answered by ${best.provider}: ${text}`);
  return text;
}
