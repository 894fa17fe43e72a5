import { network } from "hardhat";
import { createWalletClient, custom, keccak256, publicActions, sha256, toHex, type Account, type Address, type Chain, type Hash, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { asAccount } from "../../scripts/sim/chain.js";
import {
  appealRedundancy,
  claimRedundancy,
  commitRedundancy,
  getRedundancyRequest,
  redundancyCommitment,
  requestRedundancySync,
  revealRedundancy,
  settleRedundancy,
} from "../src/actions/redundancy/index.js";
import { ModuleAllowanceExceededError } from "../src/errors/contract.js";
import {
  decodeRedundancyError,
  RedundancyContractError,
  RedundancyNotDistinctError,
  RedundancyNotSettleableError,
  RedundancyRevealNotOpenError,
  RedundancyUnknownRequestError,
} from "../src/errors/redundancy.js";

const PRICE = 2n * USDC;
const OUT = keccak256(toHex("out"));
const BAD = keccak256(toHex("bad"));

describe("redundancy (k of n) SDK actions against an in-process chain", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let module: Address;
  let model: Hex;
  let deployer: Wallet;
  let providers: ReturnType<typeof walletClient>[];
  let client: ReturnType<typeof walletClient>;
  let now: () => Promise<bigint>;

  const walletClient = (account: Account) => createWalletClient({ chain, transport: custom(connection.provider), account }).extend(publicActions);

  const mined = async (hash: Hash) => {
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
  };

  const request = async (k: number) =>
    requestRedundancySync(client, {
      module,
      model,
      token: p.usdc.address,
      price: PRICE,
      inputHash: sha256(toHex(`input-${Math.random()}`)),
      commitDeadline: (await now()) + 3600n,
      providers: providers.slice(0, k).map((w) => w.account.address),
    });

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    deployer = wallets[0];
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    now = async () => (await connection.viem.getPublicClient()).getBlock().then((b) => b.timestamp);
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "redundancy-sdk-model");
    const rm = await connection.viem.deployContract("RedundancyModule", [p.manager.address, p.market.address, 3600, 3600, 86_400, 5_000]);
    module = rm.address;
    // Governance registers the module (the Timelock holds ADMIN).
    await asAccount(connection, p.timelock.address, async (account) => {
      await p.market.write.setModule([module, true], { account });
    });
    client = walletClient(wallets[13].account);
    providers = wallets.slice(14, 18).map((w) => walletClient(w.account));
    for (const [i, w] of providers.entries()) {
      // Each provider signs with a key of its own (wallets 1 to 4).
      await setUpProvider(p, deployer, wallets[14 + i], wallets[1 + i].account.address, model, PRICE, 1_000n * DPI);
      if (i < 3) await mined(await p.market.write.setModuleAllowance([module, 100n * DPI], { account: w.account }));
    }
    await p.usdc.write.mint([client.account.address, 1_000n * USDC]);
  });

  it("runs a request of three that agree: escrow, commit, reveal, settle, state, claims", async () => {
    const before = await p.usdc.read.balanceOf([client.account.address]);
    const { id, collateral } = await request(3);
    expect(collateral).toBe(20n * DPI);
    expect(await p.usdc.read.balanceOf([client.account.address])).toBe(before - 3n * PRICE);

    const salts: Hex[] = [];
    for (const [seat, w] of providers.slice(0, 3).entries()) {
      const { hash, salt, commitment } = await commitRedundancy(w, { module, id, seat: BigInt(seat), output: OUT });
      await mined(hash);
      expect(commitment).toBe(redundancyCommitment({ id, seat: BigInt(seat), provider: w.account.address, output: OUT, salt }));
      salts.push(salt);
    }
    let state = await getRedundancyRequest(client, { module, id });
    expect(state.status).toBe("Open");
    expect(state.committed).toBe(3);
    expect(state.seats.map((s) => s.status)).toEqual(["Committed", "Committed", "Committed"]);

    // Anyone relays the reveals.
    for (let seat = 0; seat < 3; seat++) await mined(await revealRedundancy(client, { module, id, seat: BigInt(seat), output: OUT, salt: salts[seat] }));
    await mined(await settleRedundancy(client, { module, id }));
    state = await getRedundancyRequest(client, { module, id });
    expect(state.status).toBe("Settled");
    expect(state.seats.map((s) => s.status)).toEqual(["Paid", "Paid", "Paid"]);
    expect(state.seats[0].value).toBe(OUT);

    const { amount } = await claimRedundancy(providers[0], { module, token: p.usdc.address });
    expect(amount).toBe(PRICE - PRICE / 100n);
  });

  it("reads a contest and an appeal: EXACT 2-1 contests, the outvoted seat appeals", async () => {
    const { id } = await request(3);
    const outs = [OUT, OUT, BAD];
    const salts: Hex[] = [];
    for (const [seat, w] of providers.slice(0, 3).entries())
      salts.push((await commitRedundancy(w, { module, id, seat: BigInt(seat), output: outs[seat] })).salt);
    for (let seat = 0; seat < 3; seat++) await mined(await revealRedundancy(client, { module, id, seat: BigInt(seat), output: outs[seat], salt: salts[seat] }));
    await mined(await settleRedundancy(client, { module, id }));
    let state = await getRedundancyRequest(client, { module, id });
    expect(state.status).toBe("Contested");
    expect(state.majority).toBe(OUT);
    await mined(await appealRedundancy(providers[2], { module, id, seat: 2n }));
    state = await getRedundancyRequest(client, { module, id });
    expect(state.status).toBe("Arbitration");
  });

  it("throws typed errors: reveal too early, settle too early, unknown request, no allowance, shared key", async () => {
    const { id } = await request(2);
    const { salt } = await commitRedundancy(providers[0], { module, id, seat: 0n, output: OUT });
    const early = await revealRedundancy(client, { module, id, seat: 0n, output: OUT, salt }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(RedundancyRevealNotOpenError);
    expect(early).toBeInstanceOf(RedundancyContractError);
    expect((early as RedundancyRevealNotOpenError).args.id).toBe(id);
    expect((early as RedundancyRevealNotOpenError).hint).toMatch(/reveal then/);

    const notYet = await settleRedundancy(client, { module, id }).catch((e: unknown) => e);
    expect(notYet).toBeInstanceOf(RedundancyNotSettleableError);
    const state = await getRedundancyRequest(client, { module, id });
    expect((notYet as RedundancyNotSettleableError).args.readyAt).toBe(state.revealDeadline + 1n);

    await expect(getRedundancyRequest(client, { module, id: 999n })).rejects.toBeInstanceOf(RedundancyUnknownRequestError);

    // The fourth provider gave the module no allowance: the market's error comes through typed.
    const k4 = await requestRedundancySync(client, {
      module,
      model,
      token: p.usdc.address,
      price: PRICE,
      inputHash: sha256(toHex("k4")),
      commitDeadline: (await now()) + 3600n,
      providers: [providers[0].account.address, providers[3].account.address],
    });
    const noAllowance = await commitRedundancy(providers[3], { module, id: k4.id, seat: 1n, output: OUT }).catch((e: unknown) => e);
    expect(noAllowance).toBeInstanceOf(ModuleAllowanceExceededError);

    // Provider 3 takes provider 0's signer key: the two count as one operator.
    const key0 = (await p.market.read.provider([providers[0].account.address])).signer;
    await mined(await p.market.write.updateProvider([key0, "x"], { account: providers[3].account }));
    const shared = await request(4).catch((e: unknown) => e);
    expect(shared).toBeInstanceOf(RedundancyNotDistinctError);
    expect(decodeRedundancyError(shared)).toBe(shared);
    expect((shared as RedundancyNotDistinctError).args.key).toBe(key0);
  });
});
