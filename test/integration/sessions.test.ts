import { network } from "hardhat";
import { hashTypedData, keccak256, toHex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, registerModel, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { openTestSession, setUpSessionProvider } from "../../scripts/lib/sessionsHarness.js";
import { sessionAttestationTypes, sessionsDomain, SessionStatus, voucherTypes } from "../../sdk/src/sessions/typedData.js";

describe("payment sessions: the deployed module", () => {
  let connection: Connection;
  let p: Protocol;
  let deployer: Wallet, provider: Wallet, signer: Wallet, client: Wallet;
  let model: `0x${string}`;
  let chainId: number;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer, provider, signer, client] = await connection.viem.getWalletClients();
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "sess-model");
    await setUpSessionProvider(p, deployer, provider, signer.account.address, model);
    chainId = await (await connection.viem.getPublicClient()).getChainId();
  });

  it("is deployed as a registered module whose EIP-712 digests match the SDK's typed data", async () => {
    expect(await p.market.read.isModule([p.sessions.address])).toBe(true);
    const sessionId = keccak256(toHex("s"));
    const domain = sessionsDomain(chainId, p.sessions.address);
    expect(await p.sessions.read.voucherDigest([sessionId, 123n, 4n])).toBe(
      hashTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message: { sessionId, cumulativeAmount: 123n, requestCount: 4n } }),
    );
    const att = { sessionId, requestIndex: 3n, model, inputHash: keccak256(toHex("in")), outputHash: keccak256(toHex("out")) };
    expect(await p.sessions.read.attestationDigest([att.sessionId, att.requestIndex, att.model, att.inputHash, att.outputHash])).toBe(
      hashTypedData({ domain, types: sessionAttestationTypes, primaryType: "Attestation", message: att }),
    );
  });

  it("opens, settles a client-signed voucher and locks collateral in the market", async () => {
    const { sessionId } = await openTestSession(connection, p, client, { provider: provider.account.address, model, amount: 1_000_000n });
    const signature = await client.signTypedData({
      account: client.account,
      domain: sessionsDomain(chainId, p.sessions.address),
      types: voucherTypes,
      primaryType: "Voucher",
      message: { sessionId, cumulativeAmount: 1_000_000n, requestCount: 100n },
    });
    await p.sessions.write.settle([sessionId, 1_000_000n, 100n, signature], { account: provider.account });
    const s = await p.sessions.read.session([sessionId]);
    expect(s.status).toBe(SessionStatus.Open);
    expect(s.settled).toBe(1_000_000n);
    expect(s.settledRequests).toBe(100);
    // 1 USDC collected at 10x and 1 USDC = 1 DPI: 10 DPI locked for the module.
    expect((await p.market.read.moduleStake([p.sessions.address, provider.account.address])).locked).toBe(10n * 10n ** 18n);
  });
});
