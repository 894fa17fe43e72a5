/**
 * Deploys Depinfer on Hardhat's in-process chain, starts a minimal provider built from SDK actions
 * (its "model" upper-cases the input: a stand-in until the provider node), and runs
 * examples/quickstart.ts against it. `npm run example` calls it; a test does too.
 */
import { network } from "hardhat";
import { custom, type Chain } from "viem";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection } from "../scripts/lib/harness.js";
import { MemoryContentStore } from "../sdk/src/index.js";
import { quickstart } from "./quickstart.js";
import { startStandInProvider } from "./standInProvider.js";

export async function runQuickstart(): Promise<string> {
  const connection = (await network.create()) as Connection;
  const [deployer, providerWallet, signer, clientWallet] = await connection.viem.getWalletClients();
  const p = await deployProtocol(connection);
  const model = await registerModel(p, deployer, "uppercase");
  await setUpProvider(p, deployer, providerWallet, signer.account.address, model, 2n * USDC, 1_000n * DPI);
  await p.usdc.write.mint([clientWallet.account.address, 100n * USDC]);

  const chain = (await connection.viem.getPublicClient()).chain as Chain;
  const transport = custom(connection.provider);
  const store = new MemoryContentStore(); // shared by provider and client, as an IPFS gateway would be
  const unwatch = startStandInProvider({ chain, transport, account: providerWallet.account, signer: signer.account, market: p.market.address, model, store });
  try {
    return await quickstart({ chain, transport, account: clientWallet.account, market: p.market.address, model, token: p.usdc.address, store });
  } finally {
    unwatch();
  }
}
