/**
 * Gas of the redundancy (k of n) module (issue 11): one request run end to end (request, every
 * commit, every reveal, settle) at k = 2 and k = 3, all agreeing, and the marginal gas of each extra
 * provider, `cost(k = 3) − cost(k = 2)`. Steady state: a warm-up request at k = 3 first, so that every
 * balance the run touches exists (each provider's earnings, the fee counter, the client's allowance).
 */
import { keccak256, parseEther, sha256, toHex, type Address, type Hex } from "viem";

import { DPI, setUpProvider, type Connection, type Protocol, type Wallet } from "../lib/harness.js";

export interface RedundancyGas {
  /** Total gas of one request of k providers, by k, and the gas of each step. */
  byK: Record<string, { total: number; request: number; commit: number; reveal: number; settle: number }>;
  /** cost(k = 3) − cost(k = 2). */
  perExtraProvider: number;
  /** Runtime code bytes of the deployed RedundancyModule. */
  codeSize: number;
}

/**
 * Deploys a RedundancyModule beside `p` (registered as the Timelock would), sets up three providers
 * from `wallets` (account, then its signer key: six wallets), and measures.
 *
 * @example
 * const gas = await redundancyPerExtraProvider(connection, p, model, price, deployer, wallets.slice(6, 12), client);
 */
export async function redundancyPerExtraProvider(
  connection: Connection,
  p: Protocol,
  model: Hex,
  price: bigint,
  funder: Wallet,
  wallets: Wallet[],
  client: Wallet,
): Promise<RedundancyGas> {
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const rm = await viem.deployContract("RedundancyModule", [p.manager.address, p.market.address, 3600, 3600, 86_400, 5_000]);
  await networkHelpers.impersonateAccount(p.timelock.address);
  await networkHelpers.setBalance(p.timelock.address, parseEther("1"));
  await p.market.write.setModule([rm.address, true], { account: p.timelock.address });
  await networkHelpers.stopImpersonatingAccount(p.timelock.address);

  const providers: Wallet[] = [];
  for (let i = 0; i < 3; i++) {
    const w = wallets[2 * i];
    await setUpProvider(p, funder, w, wallets[2 * i + 1].account.address, model, price, 10_000n * DPI);
    await p.market.write.setModuleAllowance([rm.address, 10_000n * DPI], { account: w.account });
    providers.push(w);
  }
  await p.usdc.write.mint([client.account.address, 1_000_000n * 1_000_000n]);
  await p.usdc.write.approve([rm.address, 2n ** 256n - 1n], { account: client.account });

  const gasOf = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return Number(receipt.gasUsed);
  };

  let nonce = 0;
  async function run(k: number) {
    const now = (await publicClient.getBlock()).timestamp;
    const seats: Address[] = providers.slice(0, k).map((w) => w.account.address);
    const id = (await rm.read.requestCount()) + 1n;
    const request = await gasOf(
      await rm.write.request(
        [{ model, token: p.usdc.address, price, inputHash: sha256(toHex(`redundancy-${++nonce}`)), commitDeadline: Number(now + 3600n) }, seats],
        { account: client.account },
      ),
    );
    const output = keccak256(toHex("same output"));
    const salt = (seat: number) => keccak256(toHex(`salt-${nonce}-${seat}`));
    let commit = 0;
    for (let seat = 0; seat < k; seat++) {
      const c = await rm.read.commitmentOf([id, BigInt(seat), seats[seat], output, salt(seat)]);
      commit += await gasOf(await rm.write.commit([id, BigInt(seat), c], { account: providers[seat].account }));
    }
    let reveal = 0;
    for (let seat = 0; seat < k; seat++)
      reveal += await gasOf(await rm.write.reveal([id, BigInt(seat), output, salt(seat)], { account: providers[seat].account }));
    const settle = await gasOf(await rm.write.settle([id], { account: client.account }));
    return { total: request + commit + reveal + settle, request, commit, reveal, settle };
  }

  await run(3); // warm-up
  const byK = { "2": await run(2), "3": await run(3) };
  const code = await publicClient.getCode({ address: rm.address });
  return { byK, perExtraProvider: byK["3"].total - byK["2"].total, codeSize: code ? (code.length - 2) / 2 : 0 };
}
