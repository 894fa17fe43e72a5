/**
 * Test and bench helpers for payment sessions (contracts/sessions/PaymentSessions.sol), on top of
 * `deployProtocol` (scripts/lib/harness.ts), whose production Ignition module deploys and registers the module.
 *
 * @example
 * const p = await deployProtocol(connection);                       // p.sessions is the PaymentSessions module
 * const model = await registerModel(p, deployer, "m");
 * await setUpSessionProvider(p, deployer, provider, signer.account.address, model, { price: 10_000n });
 * const { sessionId } = await openTestSession(connection, p, client, { provider: provider.account.address, model, amount: 1_000_000n });
 */
import { zeroAddress, type Address, type Hex } from "viem";

import { DPI, setUpProvider, type Connection, type Protocol, type Wallet } from "./harness.js";
import { SessionPricing, type SessionPricing as Pricing } from "../../sdk/src/sessions/typedData.js";
import { sessionOpenedFromLogs } from "../../sdk/src/sessions/terms.js";

export interface SessionProviderOptions {
  /** Offer price per request (or per 1,000 tokens), in payment-token units. Default 10,000 (0.01 USDC). */
  price?: bigint;
  /** Stake, in DPI wei. Default 10,000 DPI. */
  stake?: bigint;
  /** What the provider lets the session module lock (`setModuleAllowance`). Default: the whole stake. */
  allowance?: bigint;
}

/** Registers, stakes and offers `model` as `setUpProvider` does, then gives the session module an allowance. */
export async function setUpSessionProvider(
  p: Protocol,
  funder: Wallet,
  provider: Wallet,
  signer: Address,
  model: Hex,
  options: SessionProviderOptions = {},
) {
  const stake = options.stake ?? 10_000n * DPI;
  await setUpProvider(p, funder, provider, signer, model, options.price ?? 10_000n, stake);
  await p.market.write.setModuleAllowance([p.sessions.address, options.allowance ?? stake], { account: provider.account });
}

export interface TestSessionOptions {
  provider: Address;
  model: Hex;
  amount: bigint;
  maxPrice?: bigint;
  pricing?: Pricing;
  /** Seconds from the latest block. Default 1 day. */
  duration?: bigint;
  signer?: Address;
  nonce?: bigint;
}

/**
 * Mints `amount` test USDC to `client`, approves the module and opens a session expiring `duration` seconds after the
 * latest block; returns its id, terms, expiry and nonce.
 */
export async function openTestSession(connection: Connection, p: Protocol, client: Wallet, o: TestSessionOptions) {
  const opts = { account: client.account };
  const publicClient = await connection.viem.getPublicClient();
  await p.usdc.write.mint([client.account.address, o.amount], opts);
  await p.usdc.write.approve([p.sessions.address, o.amount], opts);
  const nonce = o.nonce ?? BigInt(Math.floor(Math.random() * 2 ** 48));
  const { timestamp } = await publicClient.getBlock();
  const expiry = Number(timestamp + (o.duration ?? 86_400n));
  const hash = await p.sessions.write.open(
    [
      {
        provider: o.provider,
        token: p.usdc.address,
        model: o.model,
        pricing: o.pricing ?? SessionPricing.PerRequest,
        maxPrice: o.maxPrice ?? 10_000n,
        amount: o.amount,
        expiry,
        signer: o.signer ?? zeroAddress,
        nonce,
      },
    ],
    opts,
  );
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  // The contract stores a hash of the terms (the id): later calls pass the terms back.
  const [{ sessionId, terms }] = sessionOpenedFromLogs(receipt.logs);
  return { sessionId, terms, expiry, nonce };
}
