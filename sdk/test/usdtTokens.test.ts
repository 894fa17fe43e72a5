/**
 * USDT-style payment tokens through every action that approves, on the in-process chain.
 * The token is contracts/mocks/NoReturnToken.sol: `approve` (and the transfers) return nothing,
 * and `approve` reverts with `NoReturnTokenApproveFromNonZero` when both the current and the new
 * allowance are non-zero. It is allow-listed as a second payment token next to the test USDC.
 */
import { network } from "hardhat";
import { custom, encodeErrorResult, getAddress, maxUint256, parseAbi, parseEventLogs, RawContractError, type Address, type Chain, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { buildDepinferModule } from "../../scripts/deploy/Depinfer.js";
import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import {
  approve,
  createDepinferClient,
  decodeTokenError,
  ensureAllowance,
  TokenRevertedError,
  type DepinferClient,
} from "../src/index.js";

const NRT = 10n ** 18n;
const deployNoReturnToken = (connection: Connection) => connection.viem.deployContract("NoReturnToken");

describe("USDT-style tokens through every action that approves", () => {
  let connection: Connection;
  let p: Protocol;
  let nrt: Awaited<ReturnType<typeof deployNoReturnToken>>;
  let nrtAddress: Address;
  let market: Address;
  let model: Hex;
  let provider: Wallet, signer: Wallet;
  let alice: DepinferClient, carol: DepinferClient, dave: DepinferClient, prov: DepinferClient;

  /** Sets `owner`'s allowance for `spender` to exactly `amount`, as a dApp user might have left it. */
  async function setAllowance(owner: DepinferClient, spender: Address, amount: bigint) {
    const current = (await nrt.read.allowance([owner.account.address, spender])) as bigint;
    if (current !== 0n) await owner.waitForTransactionReceipt({ hash: await nrt.write.approve([spender, 0n], { account: owner.account }) });
    if (amount !== 0n) await owner.waitForTransactionReceipt({ hash: await nrt.write.approve([spender, amount], { account: owner.account }) });
    expect(await nrt.read.allowance([owner.account.address, spender])).toBe(amount);
  }

  /** The Approval amounts the token emitted in blocks from `fromBlock`, for `owner`. */
  async function approvals(owner: Address, fromBlock: bigint) {
    const logs = await alice.getLogs({ address: nrtAddress, fromBlock });
    return parseEventLogs({ abi: parseAbi(["event Approval(address indexed owner, address indexed spender, uint256 value)"]), logs })
      .filter((l) => l.args.owner.toLowerCase() === owner.toLowerCase())
      .map((l) => l.args.value);
  }

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    const deployer = wallets[0];
    [provider, signer] = wallets.slice(1, 3);
    nrt = await deployNoReturnToken(connection);
    nrtAddress = nrt.address;
    p = await deployProtocol(
      connection,
      buildDepinferModule({
        paymentTokens: [
          { token: "mockUSDC", bondFloor: 1_000_000n, stakeRate: 10n ** 30n },
          { token: nrtAddress, bondFloor: NRT, stakeRate: 10n ** 18n },
        ],
        sampledVerifier: false, // a fixture about tokens, not sampling
      }),
    );
    market = p.market.address;
    model = await registerModel(p, deployer, "usdt-style");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    const chain = (await connection.viem.getPublicClient()).chain as Chain;
    const make = (w: Wallet) => createDepinferClient({ chain, transport: custom(connection.provider), account: w.account, deployment: { market } });
    [alice, carol, dave] = wallets.slice(3, 6).map(make);
    prov = make(provider);
    for (const c of [alice, carol, dave]) await nrt.write.mint([c.account.address, 1_000n * NRT]);
  });

  it("test_submitJob_nonZeroAllowance_resetsToZeroThenApproves", async () => {
    await setAllowance(alice, market, 1n); // non-zero and short: USDT refuses 1 -> max
    const from = await alice.getBlockNumber({ cacheTime: 0 });
    const { job } = await alice.submitJobSync({ model, input: "usdt job", price: 2n * NRT, token: nrtAddress, provider: provider.account.address });
    expect(job.token).toBe(getAddress(nrtAddress));
    expect(await approvals(alice.account.address, from + 1n)).toEqual([0n, maxUint256]); // the reset, then the approval
    expect(await nrt.read.balanceOf([market])).toBe(2n * NRT);
  });

  it("test_depositBalance_nonZeroAllowance_resetsToZeroThenApproves", async () => {
    await setAllowance(carol, market, 5n);
    const from = await carol.getBlockNumber({ cacheTime: 0 });
    await carol.waitForTransactionReceipt({ hash: await carol.depositBalance({ token: nrtAddress, amount: 10n * NRT }) });
    expect(await approvals(carol.account.address, from + 1n)).toEqual([0n, maxUint256]);
    expect(await carol.getClaimable({ account: carol.account.address, token: nrtAddress })).toBe(10n * NRT);
  });

  it("test_disputeJob_and_joinDispute_nonZeroAllowance_resetThenPostTheBond", async () => {
    const { jobId, job } = await alice.submitJobSync({ model, input: "contested usdt job", price: 2n * NRT, token: nrtAddress, provider: provider.account.address });
    await prov.waitForTransactionReceipt({ hash: (await prov.submitResult({ jobId, job, output: "answer", signer: signer.account })).hash });

    await setAllowance(carol, market, 3n);
    let from = await carol.getBlockNumber({ cacheTime: 0 });
    const opened = await carol.disputeJob({ job, evidence: "ipfs://rerun" });
    await carol.waitForTransactionReceipt({ hash: opened.hash });
    expect(opened.bond).toBe(10n * NRT); // max(5 x 2 NRT, 1 NRT floor)
    expect(await approvals(carol.account.address, from + 1n)).toEqual([0n, maxUint256]);

    await setAllowance(dave, market, 7n);
    from = await dave.getBlockNumber({ cacheTime: 0 });
    const joined = await dave.joinDispute({ job, evidence: "ipfs://second" });
    await dave.waitForTransactionReceipt({ hash: joined.hash });
    expect(await approvals(dave.account.address, from + 1n)).toEqual([0n, maxUint256]);
    expect((await dave.getJob({ jobId })).status).toBe("Disputed");
  });

  it("test_ensureAllowance_exact_asStakeUsesIt_resetsOnlyWhenTheTokenRefuses", async () => {
    // The USDT-style token: a reset, then exactly the amount.
    const spender = provider.account.address;
    await setAllowance(alice, spender, 4n);
    const hashes = await ensureAllowance(alice, nrtAddress, spender, 9n * NRT, { exact: true });
    expect(hashes).toHaveLength(2);
    expect(await nrt.read.allowance([alice.account.address, spender])).toBe(9n * NRT);
    // Enough allowance: nothing is sent.
    expect(await ensureAllowance(alice, nrtAddress, spender, 9n * NRT, { exact: true })).toEqual([]);

    // A standard token (the stake token) with a short non-zero allowance: stake() sends one approval, no reset.
    await prov.waitForTransactionReceipt({ hash: await p.token.write.approve([market, 1n], { account: provider.account }) });
    await p.token.write.transfer([provider.account.address, 10n * DPI]);
    const staked = await prov.stake({ amount: 10n * DPI });
    expect(staked.approvalHashes).toHaveLength(1);
    await prov.waitForTransactionReceipt({ hash: staked.hash });
    expect((await prov.getStake({ provider: provider.account.address })).staked).toBe(1_010n * DPI);
  });

  it("test_tokenReverts_reachTheCallerDecoded_notAsARawSelector", async () => {
    // approve() as it is (no reset) on a USDT-style token with a non-zero allowance.
    await setAllowance(alice, market, 1n);
    const refused = await approve(alice, nrtAddress, market, 5n).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenRevertedError);
    const e = refused as TokenRevertedError;
    expect(e.errorName).toBe("NoReturnTokenApproveFromNonZero");
    expect(e.args).toEqual({ owner: getAddress(alice.account.address), spender: market, currentAllowance: 1n });
    expect(e.token).toBe(nrtAddress);
    expect(e.functionName).toBe("approve");
    expect(e.shortMessage).toMatch(/set it to 0 first/);
    expect(e.docsPath).toBe("/docs/errors/token");
    expect(e.message).not.toMatch(/signature: 0x/);

    // A payment token refusing the market's transfer: the test USDC's blocklist, through submitJob (permit path).
    await p.usdc.write.mint([dave.account.address, 10n * USDC]);
    await p.usdc.write.blocklist([dave.account.address]);
    const blocked = await dave
      .submitJob({ model, input: "blocked", price: 2n * USDC, token: p.usdc.address, provider: provider.account.address })
      .catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(TokenRevertedError);
    expect((blocked as TokenRevertedError).errorName).toBe("MockUSDCBlocked");
    expect((blocked as TokenRevertedError).args).toEqual({ account: getAddress(dave.account.address) });
    // ... and through an approval (depositBalance approves first).
    const blockedDeposit = await dave.depositBalance({ token: p.usdc.address, amount: 1n * USDC }).catch((error: unknown) => error);
    expect(blockedDeposit).toBeInstanceOf(TokenRevertedError);
    expect((blockedDeposit as TokenRevertedError).functionName).toBe("approve");
    expect((blockedDeposit as TokenRevertedError).errorName).toBe("MockUSDCBlocked");
  });

  it("test_decodeTokenError_revertString_isTheReason", () => {
    const data = encodeErrorResult({ abi: parseAbi(["error Error(string)"]), errorName: "Error", args: ["ERC20: transfer amount exceeds balance"] });
    const decoded = decodeTokenError(new RawContractError({ data }), { token: nrtAddress, functionName: "createJob" });
    expect(decoded).toBeInstanceOf(TokenRevertedError);
    expect(decoded!.reason).toBe("ERC20: transfer amount exceeds balance");
    expect(decoded!.shortMessage).toContain('reverted with "ERC20: transfer amount exceeds balance"');
  });
});
