import { network } from "hardhat";
import { custom, type Chain } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import {
  createDepinferClient,
  InsufficientBalanceError,
  InvalidAddressError,
  InvalidAmountError,
  NoContractError,
  PriceBelowOfferError,
  type DepinferClient,
} from "../src/index.js";

describe("submitJob refuses bad input before sending anything; parallel writes do not race", () => {
  let connection: Connection;
  let p: Protocol;
  let model: `0x${string}`;
  let client: DepinferClient;
  let providerAddress: `0x${string}`;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const [deployer, provider, signer, cli] = await connection.viem.getWalletClients();
    providerAddress = provider.account.address;
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "checks");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([cli.account.address, 20n * USDC]);
    const chain = (await connection.viem.getPublicClient()).chain as Chain;
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: cli.account, deployment: { market: p.market.address } });
  });

  const base = () => ({ model, input: "x", price: 2n * USDC, token: p.usdc.address, provider: providerAddress });

  async function expectNothingSent(action: Promise<unknown>, ErrorClass: new (...args: never[]) => Error) {
    const sent = await client.getTransactionCount({ address: client.account.address });
    const error = await action.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(await client.getTransactionCount({ address: client.account.address })).toBe(sent);
    return error as Error;
  }

  it("a number where a bigint is needed", async () => {
    const e = await expectNothingSent(client.submitJob({ ...base(), price: 2_000_000 as unknown as bigint }), InvalidAmountError);
    expect(e.message).toMatch(/price/);
  });

  it("a malformed token address", async () => {
    await expectNothingSent(client.submitJob({ ...base(), token: "0x1234" as `0x${string}` }), InvalidAddressError);
  });

  it("no contract at the market address", async () => {
    await expectNothingSent(client.submitJob({ ...base(), market: providerAddress }), NoContractError);
  });

  it("a price below the provider's offer", async () => {
    const e = await expectNothingSent(client.submitJob({ ...base(), price: 1n * USDC }), PriceBelowOfferError);
    expect(e.message).toMatch(/2000000|2 /);
  });

  it("a balance short of the price, saying how much is missing", async () => {
    const e = (await expectNothingSent(client.submitJob({ ...base(), price: 50n * USDC }), InsufficientBalanceError)) as InsufficientBalanceError;
    expect(e.missing).toBe(30n * USDC);
  });

  it("five parallel jobs from one account all land", async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => client.submitJob({ ...base(), input: `parallel ${i}`, price: 2n * USDC })),
    );
    const receipts = await Promise.all(results.map((r) => client.waitForTransactionReceipt({ hash: r.hash })));
    expect(receipts.every((r) => r.status === "success")).toBe(true);
    expect(new Set(results.map((r) => r.jobId)).size).toBe(5);
  });
});
