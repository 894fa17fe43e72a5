import { network } from "hardhat";
import { custom, getAddress, zeroAddress, type Chain, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { getProviders } from "../src/actions/public/getProviders.js";
import { createDepinferClient } from "../src/index.js";

describe("getProviders", () => {
  let connection: Connection;
  let p: Protocol;
  let market: Hex;
  let model: Hex;
  let otherModel: Hex;
  let client: ReturnType<typeof createDepinferClient>;
  // cheap: 1 USDC, 200 DPI; mid: 2 USDC, 500 DPI, offers paused; pricey: 3 USDC, 1000 DPI;
  // inactive: offer for `model` switched off, 300 DPI; small: 1 USDC but 50 DPI, below the protocol's 100 DPI minimum.
  let cheap: Wallet, mid: Wallet, pricey: Wallet, inactive: Wallet, small: Wallet;

  const addressesOf = (listings: { provider: Hex }[]) => listings.map((l) => l.provider.toLowerCase());
  const address = (w: Wallet) => w.account.address.toLowerCase();

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    const deployer = wallets[0];
    [cheap, mid, pricey, inactive, small] = wallets.slice(1, 6);
    p = await deployProtocol(connection);
    market = p.market.address;
    model = await registerModel(p, deployer, "providers-model");
    otherModel = await registerModel(p, deployer, "providers-other-model");
    const setUp = (w: Wallet, price: bigint, stake: bigint) => setUpProvider(p, deployer, w, w.account.address, model, price, stake);
    await setUp(cheap, 1n * USDC, 200n * DPI);
    await setUp(mid, 2n * USDC, 500n * DPI);
    await setUp(pricey, 3n * USDC, 1_000n * DPI);
    await setUp(inactive, 1n * USDC, 300n * DPI);
    await setUp(small, 1n * USDC, 50n * DPI);
    await p.market.write.setOffersPaused([true], { account: mid.account });
    await p.market.write.setOffer([model, p.usdc.address, 1n * USDC, 60, false], { account: inactive.account });
    await p.market.write.setOffer([otherModel, p.usdc.address, 5n * USDC, 30, true], { account: inactive.account });

    const chain = (await connection.viem.getPublicClient()).chain as Chain;
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: wallets[6].account, deployment: { market } });
  });

  it("test_getProviders_forModel_filtersAndSortsByPrice", async () => {
    const listings = await getProviders(client, { market, model });
    expect(addressesOf(listings)).toEqual([address(cheap), address(pricey)]);
    expect(listings[0]).toEqual({
      provider: getAddress(cheap.account.address),
      signer: getAddress(cheap.account.address),
      price: 1n * USDC,
      token: p.usdc.address,
      maxLatency: 60,
      staked: 200n * DPI,
      free: 200n * DPI,
    });
    const other = await getProviders(client, { market, model: otherModel });
    expect(addressesOf(other)).toEqual([address(inactive)]);
    expect(other[0].maxLatency).toBe(30);
  });

  it("test_getProviders_maxPriceMinStakeAndToken", async () => {
    expect(addressesOf(await getProviders(client, { market, model, maxPrice: 2n * USDC }))).toEqual([address(cheap)]);
    expect(addressesOf(await getProviders(client, { market, model, maxPrice: 3n * USDC }))).toEqual([address(cheap), address(pricey)]);
    expect(addressesOf(await getProviders(client, { market, model, minStake: 500n * DPI }))).toEqual([address(pricey)]);
    expect(await getProviders(client, { market, model, maxPrice: USDC - 1n })).toEqual([]);
    expect(addressesOf(await getProviders(client, { market, model, token: p.usdc.address }))).toHaveLength(2);
    expect(await getProviders(client, { market, model, token: zeroAddress })).toEqual([]);
    await expect(getProviders(client, { market, maxPrice: 1n })).rejects.toThrow(/pass model as well/);
  });

  it("test_getProviders_withoutModel_listsEligibleByFreeStake", async () => {
    const listings = await getProviders(client, { market });
    expect(addressesOf(listings)).toEqual([address(pricey), address(inactive), address(cheap)]);
    expect(listings.every((l) => l.price === undefined && l.token === undefined && l.maxLatency === undefined)).toBe(true);
  });

  it("test_getProviders_unpausedAndLockedCollateral_updateTheListing", async () => {
    await p.market.write.setOffersPaused([false], { account: mid.account });
    expect(addressesOf(await getProviders(client, { market, model }))).toEqual([address(cheap), address(mid), address(pricey)]);

    // A job accepted by `cheap` locks collateral: `free` drops, `staked` does not.
    await p.usdc.write.mint([client.account.address, 10n * USDC]);
    const { job } = await client.submitJobSync({ model, input: "lock", price: 1n * USDC, token: p.usdc.address, provider: cheap.account.address });
    await p.market.write.acceptJob([job], { account: cheap.account });
    const [first] = await getProviders(client, { market, model });
    expect(first.provider.toLowerCase()).toBe(address(cheap));
    expect(job.collateral).toBeGreaterThan(0n);
    expect(first.staked).toBe(200n * DPI);
    expect(first.free).toBe(200n * DPI - job.collateral);
  });
});
