/**
 * Gas of the payment-session path (contracts/sessions/PaymentSessions.sol) for `npm run bench`: open, one settle
 * of the latest voucher, the client's reclaim after expiry, and the per-request cost (open + settle + close) / N at
 * N = 100 and 1,000 requests. Steady state: a first session runs end to end before measuring, and another session
 * of the same provider stays settled (so the provider already has stake locked with the module, as a provider
 * serving many clients does).
 */
import { encodeAbiParameters, type Hex } from "viem";

import type { Connection, Protocol, Wallet } from "../lib/harness.js";
import { SessionPricing, sessionsDomain, voucherTypes } from "../../sdk/src/sessions/typedData.js";
import { sessionOpenedFromLogs } from "../../sdk/src/sessions/terms.js";

export interface SessionsGasParties {
  provider: Wallet;
  client: Wallet;
  model: Hex;
}

const SESSION_PRICE = 10_000n; // 0.01 of a 6-decimal token per request

export async function measureSessionsGas(
  connection: Connection,
  p: Protocol,
  { provider, client, model }: SessionsGasParties,
  /** Sees each measured transaction (scripts/bench/sessionsGas-only.ts traces them). */
  onMeasured?: (step: string, hash: Hex) => Promise<void>,
) {
  const publicClient = await connection.viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const receiptOf = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  const gasOf = async (hash: Hex) => Number((await receiptOf(hash)).gasUsed);
  let measuring = "";
  await p.market.write.setModuleAllowance([p.sessions.address, 2n ** 95n], { account: provider.account });
  // A provider serving sessions keeps collateral locked with the module (its pool); settlements draw on it.
  await receiptOf(await p.sessions.write.lockCollateral([10n ** 21n], { account: provider.account }));
  await p.usdc.write.approve([p.sessions.address, 2n ** 256n - 1n], { account: client.account });
  // The client's prepaid balance in the market, for the sessions opened from it (no ERC-20 pull).
  await p.usdc.write.approve([p.market.address, 2n ** 256n - 1n], { account: client.account });
  await receiptOf(await p.market.write.deposit([p.usdc.address, 10n ** 11n], { account: client.account }));
  let nonce = 0n;

  /**
   * One session of `requests` requests: open (from the client's market balance, or with an ERC-20 pull), one settle,
   * then the client's reclaim after expiry + grace.
   */
  async function session(requests: bigint, { reclaim = true, fromBalance = true, cooperative = false } = {}) {
    const now = (await publicClient.getBlock()).timestamp;
    const escrow = (requests + 10n) * SESSION_PRICE;
    const expiry = Number(now + 3600n);
    const zero = "0x0000000000000000000000000000000000000000";
    const openReceipt = await receiptOf(
      fromBalance
        ? await p.market.write.openSessionFromBalance(
            [
              p.sessions.address,
              provider.account.address,
              model,
              p.usdc.address,
              escrow,
              encodeAbiParameters(
                [{ type: "uint8" }, { type: "uint96" }, { type: "uint40" }, { type: "address" }, { type: "uint64" }],
                [SessionPricing.PerRequest, SESSION_PRICE, expiry, zero, ++nonce],
              ),
            ],
            { account: client.account },
          )
        : await p.sessions.write.open(
            [
              {
                provider: provider.account.address,
                token: p.usdc.address,
                model,
                pricing: SessionPricing.PerRequest,
                maxPrice: SESSION_PRICE,
                amount: escrow,
                expiry,
                signer: zero,
                nonce: ++nonce,
              },
            ],
            { account: client.account },
          ),
    );
    const open = Number(openReceipt.gasUsed);
    if (measuring && onMeasured) await onMeasured(`${measuring} open`, openReceipt.transactionHash);
    const [{ sessionId, terms }] = sessionOpenedFromLogs(openReceipt.logs);
    const amount = requests * SESSION_PRICE;
    const signature = await client.signTypedData({
      account: client.account,
      domain: sessionsDomain(chainId, p.sessions.address),
      types: voucherTypes,
      primaryType: "Voucher",
      message: { sessionId, cumulativeAmount: amount, requestCount: requests },
    });
    if (cooperative) {
      // The provider's last settle closes the session and sends the client its unspent escrow (settleAndClose).
      const hash = await p.sessions.write.settleAndClose([terms, amount, requests, signature], { account: provider.account });
      const settleAndClose = await gasOf(hash);
      if (measuring && onMeasured) await onMeasured(`${measuring} settleAndClose`, hash);
      return { open, settle: settleAndClose, close: 0, release: 0 };
    }
    const settleHash = await p.sessions.write.settle([terms, amount, requests, signature], { account: provider.account });
    const settle = await gasOf(settleHash);
    if (measuring && onMeasured) await onMeasured(`${measuring} settle`, settleHash);
    if (!reclaim) return { open, settle, close: 0, release: 0 };
    await connection.networkHelpers.time.increase(3600 + 86_400 + 1);
    const closeHash = await p.sessions.write.reclaim([terms], { account: client.account });
    const close = await gasOf(closeHash);
    if (measuring && onMeasured) await onMeasured(`${measuring} close`, closeHash);
    const release = await gasOf(await p.sessions.write.release([terms], { account: provider.account }));
    return { open, settle, close, release };
  }

  await session(100n); // warm-up: every balance and counter the path touches exists
  await session(100n, { fromBalance: false });
  await session(10n, { reclaim: false }); // another client's session stays settled: the provider has stake locked here
  measuring = "from balance";
  const at100 = await session(100n);
  measuring = "";
  const at1000 = await session(1_000n);
  measuring = "token pull";
  const pulled100 = await session(100n, { fromBalance: false });
  measuring = "";
  const pulled1000 = await session(1_000n, { fromBalance: false });
  measuring = "cooperative";
  const coop100 = await session(100n, { fromBalance: false, cooperative: true });
  measuring = "";
  const coop1000 = await session(1_000n, { fromBalance: false, cooperative: true });
  const perRequest = (s: typeof at100, n: number) => Math.round((s.open + s.settle + s.close) / n);
  return {
    sessionOpen: pulled100.open,
    sessionOpenFromBalance: at100.open,
    sessionSettle: pulled100.settle,
    sessionSettleAndClose: coop100.settle,
    sessionClose: pulled100.close,
    sessionRelease: pulled100.release,
    sessionPerRequest: { "100": perRequest(coop100, 100), "1000": perRequest(coop1000, 1000) },
    sessionPerRequestReclaim: { "100": perRequest(pulled100, 100), "1000": perRequest(pulled1000, 1000) },
    sessionPerRequestFromBalance: { "100": perRequest(at100, 100), "1000": perRequest(at1000, 1000) },
    sessionPerRequestWithRelease: { "100": Math.round((coop100.open + coop100.settle + pulled100.release) / 100) },
    sessionNote:
      "PaymentSessions at 0.01 per request, the steady state of a provider serving many clients. sessionOpen: open() " +
      "(escrow pulled with transferFrom; what it reads of the market in one call, sessionQuote; terms hashed into the id, one slot of state). " +
      "sessionSettleAndClose: the provider's last settle of the latest voucher, which closes the session and sends the client its unspent " +
      "escrow (10x collateral drawn from the provider's pool with the module, locked once in the market). " +
      "sessionPerRequest = (open + settleAndClose) / N, the cooperative end. sessionPerRequestReclaim = (open + settle + sessionClose) / N, " +
      "where sessionClose is the client's reclaim after expiry + grace (the end a client can always force). " +
      "sessionPerRequestFromBalance: the same with the session opened from the client's market balance (IJobMarket.openSessionFromBalance, " +
      "sessionOpenFromBalance: no allowance, but the ERC-20 transfer stays and the market's debit is added). " +
      "sessionRelease (after the challenge window: pay the provider, unlock its stake) is separate; sessionPerRequestWithRelease adds it.",
    sessionTarget: { sessionPerRequestAt100: 2_000 },
  };
}
