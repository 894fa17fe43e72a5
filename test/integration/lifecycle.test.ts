import { network } from "hardhat";
import { hashTypedData, keccak256, sha256, toHex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import {
  attestationTypes,
  deployProtocol,
  DPI,
  HOUR,
  jobCreatedIn,
  registerModel,
  setUpProvider,
  signAttestation,
  USDC,
  type Connection,
  type Protocol,
  type Wallet,
} from "../../scripts/lib/harness.js";

describe("job lifecycle through the deployed protocol (in-process chain)", () => {
  let connection: Connection;
  let p: Protocol;
  let deployer: Wallet, provider: Wallet, signer: Wallet, client: Wallet;
  let model: `0x${string}`;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer, provider, signer, client] = await connection.viem.getWalletClients();
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "tiny-mlp");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([client.account.address, 1_000n * USDC]);
    await p.usdc.write.approve([p.market.address, 2n ** 256n - 1n], { account: client.account });
  });

  async function createJob(input: string) {
    const now = BigInt((await (await connection.viem.getPublicClient()).getBlock()).timestamp);
    const hash = await p.market.write.createJob(
      [
        {
          provider: provider.account.address,
          token: p.usdc.address,
          price: 2n * USDC,
          model,
          inputHash: sha256(toHex(input)),
          deadline: Number(now + HOUR),
          nonce: BigInt(Math.floor(Math.random() * 1e9)),
        },
        toHex(input),
      ],
      { account: client.account },
    );
    return jobCreatedIn(connection, p, hash);
  }

  it("hands governance to the Timelock: the deployer is no longer admin", async () => {
    const [isAdmin] = await p.manager.read.hasRole([0n, deployer.account.address]);
    const [timelockIsAdmin] = await p.manager.read.hasRole([0n, p.timelock.address]);
    expect(isAdmin).toBe(false);
    expect(timelockIsAdmin).toBe(true);
  });

  it("viem's EIP-712 hash equals the contract's attestation digest", async () => {
    const { jobId, job } = await createJob("digest check");
    const outputHash = keccak256(toHex("output"));
    const chainId = await (await connection.viem.getPublicClient()).getChainId();
    const viemDigest = hashTypedData({
      domain: { name: "Depinfer", version: "1", chainId, verifyingContract: p.market.address },
      types: attestationTypes,
      primaryType: "Attestation",
      message: { jobId, model: job.model, inputHash: job.inputHash, outputHash, provider: provider.account.address },
    });
    const onChain = await p.market.read.attestationDigest([jobId, job.model, job.inputHash, outputHash, provider.account.address]);
    expect(onChain).toBe(viemDigest);
  });

  it("creates, accepts and submits in one relayed call, then the client finalizes and both parties claim", async () => {
    const { jobId, job } = await createJob("hello");
    const outputHash = sha256(toHex("HELLO"));
    const signature = await signAttestation(p, signer, jobId, job, outputHash, provider.account.address);
    // Relayed by the client: the attestation is the provider's consent.
    await p.market.write.acceptAndSubmit([job, outputHash, signature], { account: client.account });
    expect((await p.market.read.jobState([jobId])).status).toBe(3); // Submitted
    await p.market.write.finalizeJob([job], { account: client.account });
    expect((await p.market.read.jobState([jobId])).status).toBe(5); // Finalized

    const fee = (2n * USDC) / 100n;
    expect(await p.market.read.claimable([provider.account.address, p.usdc.address])).toBe(2n * USDC - fee);
    const before = await p.usdc.read.balanceOf([provider.account.address]);
    await p.market.write.claim([p.usdc.address, provider.account.address], { account: provider.account });
    expect(await p.usdc.read.balanceOf([provider.account.address])).toBe(before + 2n * USDC - fee);
    expect((await p.market.read.provider([provider.account.address])).locked).toBe(0n);
  });

  it("rejects an attestation signed by anyone but the registered signer", async () => {
    const { jobId, job } = await createJob("forged");
    const outputHash = sha256(toHex("forged"));
    const forged = await signAttestation(p, client, jobId, job, outputHash, provider.account.address);
    await expect(p.market.write.acceptAndSubmit([job, outputHash, forged], { account: client.account })).rejects.toThrow(
      /AttestationWrongSigner/,
    );
  });
});
