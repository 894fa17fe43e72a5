import { isAddressEqual, type Address, type Client, type Hex } from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { DisputeByProviderError } from "../../errors/contract.js";

/**
 * Throws `DisputeByProviderError` when `caller` is the job's provider or the provider's current
 * signer key, which the market refuses as challengers (`DisputeByProvider`): checked before any
 * bond approval is sent, so none is spent on a dispute that cannot open. Retired keys may dispute
 * like anyone, as the market allows.
 */
export async function assertNotProvider(client: Client, market: Address, jobId: Hex, provider: Address, caller: Address): Promise<void> {
  if (isAddressEqual(caller, provider)) throw new DisputeByProviderError({ args: { jobId, caller } });
  const { signer } = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "provider", args: [provider] });
  if (isAddressEqual(caller, signer)) throw new DisputeByProviderError({ args: { jobId, caller } });
}
