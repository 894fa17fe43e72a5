import { network } from "hardhat";
import { custom, type Chain } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { contentHash, createDepinferClient, DeploymentNotFoundError, getJob, JobStatus, JobUnknownError } from "../src/index.js";

describe("SDK: a paid job end to end through the public entry point", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: `0x${string}`;
  let clientDepinfer: ReturnType<typeof createDepinferClient>;
  let providerDepinfer: ReturnType<typeof createDepinferClient>;
  let providerAddress: `0x${string}`;
  let signer: Awaited<ReturnType<Connection["viem"]["getWalletClients"]>>[number];

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    const [deployer, provider, providerSigner, client] = wallets;
    signer = providerSigner;
    providerAddress = provider.account.address;
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "sdk-model");
    await setUpProvider(p, deployer, provider, providerSigner.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([client.account.address, 100n * USDC]);
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    const transport = custom(connection.provider);
    const deployment = { market: p.market.address };
    clientDepinfer = createDepinferClient({ chain, transport, account: client.account, deployment });
    providerDepinfer = createDepinferClient({ chain, transport, account: provider.account, deployment });
  });

  it("submits, attests, reads back and finalizes a job", async () => {
    const { jobId, job, receipt } = await clientDepinfer.submitJobSync({
      model,
      input: "What is 2 + 2?",
      price: 2n * USDC,
      token: p.usdc.address,
      provider: providerAddress,
    });
    expect(receipt.status).toBe("success");
    expect(job.inputHash).toBe(contentHash("What is 2 + 2?"));
    // Test USDC supports EIP-2612: one transaction, no approval left behind.
    expect(await p.usdc.read.allowance([clientDepinfer.account.address, p.market.address])).toBe(0n);
    expect(await clientDepinfer.getTransactionCount({ address: clientDepinfer.account.address })).toBe(1);

    const { outputHash, hash } = await providerDepinfer.submitResult({ jobId, job, output: "4", signer: signer.account });
    await clientDepinfer.waitForTransactionReceipt({ hash });
    expect(outputHash).toBe(contentHash("4"));

    const submitted = await getJob(clientDepinfer, { market: p.market.address, jobId });
    expect(submitted.status).toBe("Submitted");
    expect(submitted.job).toEqual(job);
    expect(submitted.provider.toLowerCase()).toBe(providerAddress.toLowerCase());

    await clientDepinfer.waitForTransactionReceipt({ hash: await clientDepinfer.finalizeJob({ job }) });
    const finalized = await clientDepinfer.getJob({ jobId });
    expect(finalized.status).toBe("Finalized");
    expect(JobStatus[finalized.status]).toBe(5);
    expect(await p.market.read.claimable([providerAddress, p.usdc.address])).toBe(2n * USDC - (2n * USDC) / 100n);
  });

  it("approves instead when asked to (or when the token has no permit)", async () => {
    const { job } = await clientDepinfer.submitJobSync({
      model,
      input: "approve path",
      price: 2n * USDC,
      token: p.usdc.address,
      provider: providerAddress,
      authorization: "approve",
    });
    expect(job.price).toBe(2n * USDC);
    const allowance = await p.usdc.read.allowance([clientDepinfer.account.address, p.market.address]);
    expect(allowance).toBe(2n ** 256n - 1n); // an unlimited approval (OpenZeppelin does not spend it down)
  });

  it("refuses to build a client for a chain with no known deployment", () => {
    const build = () => createDepinferClient({ chain, transport: custom(connection.provider), account: signer.account });
    expect(build).toThrow(DeploymentNotFoundError);
    expect(build).toThrow(/No Depinfer deployment for chain 31337/);
  });
});

describe("SDK: reverts surface as typed errors before anything is sent", () => {
  it("finalizing with altered terms throws JobUnknownError with the id and a hint", async () => {
    const connection = (await network.create()) as Connection;
    const [deployer, provider, signerWallet, client] = await connection.viem.getWalletClients();
    const p = await deployProtocol(connection);
    const model = await registerModel(p, deployer, "typed-errors");
    await setUpProvider(p, deployer, provider, signerWallet.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([client.account.address, 10n * USDC]);
    const chain = (await connection.viem.getPublicClient()).chain as Chain;
    const depinfer = createDepinferClient({
      chain,
      transport: custom(connection.provider),
      account: client.account,
      deployment: { market: p.market.address },
    });
    const { job } = await depinfer.submitJobSync({ model, input: "x", price: 2n * USDC, token: p.usdc.address });
    const sent = await depinfer.getTransactionCount({ address: client.account.address });
    const altered = { ...job, nonce: job.nonce + 1n };
    const error = await depinfer.finalizeJob({ job: altered }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobUnknownError);
    expect((error as JobUnknownError).hint).toMatch(/exact Job terms/);
    expect(await depinfer.getTransactionCount({ address: client.account.address })).toBe(sent); // nothing sent
  });
});
