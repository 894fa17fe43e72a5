/**
 * Gas of the payment-session path (contracts/sessions/PaymentSessions.sol) for `npm run bench`: open, one settle
 * of the latest voucher, the client's reclaim after expiry, and the per-request cost (open + settle + close) / N at
 * N = 100 and 1,000 requests. Steady state: a first session runs end to end before measuring, and another session
 * of the same provider stays settled (so the provider already has stake locked with the module, as a provider
 * serving many clients does).
 */
import type { Hex } from "viem";

import type { Connection, Protocol, Wallet } from "../lib/harness.js";
import { SessionPricing, sessionsDomain, voucherTypes } from "../../sdk/src/sessions/typedData.js";
import { sessionOpenedFromLogs } from "../../sdk/src/sessions/terms.js";

export interface SessionsGasParties {
  provider: Wallet;
  client: Wallet;
  model: Hex;
}

const SESSION_PRICE = 10_000n; // 0.01 of a 6-decimal token per request

export async function measureSessionsGas(connection: Connection, p: Protocol, { provider, client, model }: SessionsGasParties) {
  const publicClient = await connection.viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const receiptOf = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  const gasOf = async (hash: Hex) => Number((await receiptOf(hash)).gasUsed);
  await p.market.write.setModuleAllowance([p.sessions.address, 2n ** 95n], { account: provider.account });
  // A provider serving sessions keeps collateral locked with the module (its pool); settlements draw on it.
  await receiptOf(await p.sessions.write.lockCollateral([10n ** 21n], { account: provider.account }));
  await p.usdc.write.approve([p.sessions.address, 2n ** 256n - 1n], { account: client.account });
  let nonce = 0n;

  /** One session of `requests` requests: open, one settle, then the client's reclaim after expiry + grace. */
  async function session(requests: bigint, { reclaim = true } = {}) {
    const now = (await publicClient.getBlock()).timestamp;
    const escrow = (requests + 10n) * SESSION_PRICE;
    const openReceipt = await receiptOf(
      await p.sessions.write.open(
        [
          {
            provider: provider.account.address,
            token: p.usdc.address,
            model,
            pricing: SessionPricing.PerRequest,
            maxPrice: SESSION_PRICE,
            amount: escrow,
            expiry: Number(now + 3600n),
            signer: "0x0000000000000000000000000000000000000000",
            nonce: ++nonce,
          },
        ],
        { account: client.account },
      ),
    );
    const open = Number(openReceipt.gasUsed);
    const [{ sessionId, terms }] = sessionOpenedFromLogs(openReceipt.logs);
    const amount = requests * SESSION_PRICE;
    const signature = await client.signTypedData({
      account: client.account,
      domain: sessionsDomain(chainId, p.sessions.address),
      types: voucherTypes,
      primaryType: "Voucher",
      message: { sessionId, cumulativeAmount: amount, requestCount: requests },
    });
    const settle = await gasOf(await p.sessions.write.settle([terms, amount, requests, signature], { account: provider.account }));
    if (!reclaim) return { open, settle, close: 0, release: 0 };
    await connection.networkHelpers.time.increase(3600 + 86_400 + 1);
    const close = await gasOf(await p.sessions.write.reclaim([terms], { account: client.account }));
    const release = await gasOf(await p.sessions.write.release([terms], { account: provider.account }));
    return { open, settle, close, release };
  }

  await session(100n); // warm-up: every balance and counter the path touches exists
  await session(10n, { reclaim: false }); // another client's session stays settled: the provider has stake locked here
  const at100 = await session(100n);
  const at1000 = await session(1_000n);
  const perRequest = (s: typeof at100, n: number) => Math.round((s.open + s.settle + s.close) / n);
  return {
    sessionOpen: at100.open,
    sessionSettle: at100.settle,
    sessionClose: at100.close,
    sessionRelease: at100.release,
    sessionPerRequest: { "100": perRequest(at100, 100), "1000": perRequest(at1000, 1000) },
    sessionPerRequestWithRelease: { "100": Math.round((at100.open + at100.settle + at100.close + at100.release) / 100) },
    sessionNote:
      "PaymentSessions at 0.01 per request: open (escrow pulled; terms hashed into the id, one slot of state), one settle of the latest voucher " +
      "(10x collateral drawn from the provider's pool with the module, locked once in the market), " +
      "the client's reclaim of the unspent escrow after expiry + grace (sessionClose); sessionPerRequest = (open + settle + close) / N. " +
      "sessionRelease (after the challenge window: pay the provider, unlock its stake) is separate; sessionPerRequestWithRelease adds it.",
    sessionTarget: { sessionPerRequestAt100: 2_000 },
  };
}
