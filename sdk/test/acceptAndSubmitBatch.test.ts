import { network } from "hardhat";
import { createWalletClient, custom, publicActions, type Account, type Address, type Chain, type Hash, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { submitJobSync } from "../src/actions/client/submitJob.js";
import { depinferActions } from "../src/decorators/depinfer.js";
import {
  acceptAndSubmitBatch,
  AcceptAndSubmitBatchError,
  registerProvider,
  signAttestation,
  stake,
} from "../src/actions/provider/index.js";
import { ProviderNotRegisteredError } from "../src/errors/index.js";
import { contentHash } from "../src/utils/content.js";
import { jobIdOf } from "../src/utils/jobId.js";
import { JobStatus, type Job } from "../src/types.js";

describe("acceptAndSubmitBatch against an in-process chain", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let market: Address;
  let model: Hex;
  let deployer: Wallet;
  let signerWallet: Wallet;
  let provider: ReturnType<typeof walletClient>;
  let client: ReturnType<typeof walletClient>;
  let relayer: ReturnType<typeof walletClient>;

  const walletClient = (account: Account) =>
    createWalletClient({ chain, transport: custom(connection.provider), account }).extend(publicActions);

  const directJob = (input: string) =>
    submitJobSync(client, { market, model, input, price: 2n * USDC, token: p.usdc.address, provider: provider.account.address });

  const mined = async (hash: Hash) => {
    const receipt = await provider.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  };

  const status = async (jobId: Hex) => (await p.market.read.jobState([jobId])).status;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    deployer = wallets[0];
    signerWallet = wallets[11];
    p = await deployProtocol(connection);
    market = p.market.address;
    model = await registerModel(p, deployer, "batch-sdk-model");
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    provider = walletClient(wallets[10].account);
    client = walletClient(wallets[12].account);
    relayer = walletClient(wallets[13].account);
    await p.usdc.write.mint([client.account.address, 1_000n * USDC]);
    const me = provider.account.address;
    await mined(await registerProvider(provider, { market, signer: signerWallet.account.address, metadataURI: "https://gpu.example" }));
    await p.token.write.transfer([me, 1_000n * DPI], { account: deployer.account });
    await mined((await stake(provider, { market, amount: 1_000n * DPI })).hash);
  });

  it("test_acceptAndSubmitBatch_submitsTheRest_whenTheClientCancelsOneFirst", async () => {
    const me = provider.account.address;
    const jobs: { jobId: Hex; job: Job }[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await directJob(`batch input ${i}`));
    // The client front-runs the batch by cancelling the second job.
    await mined(await client.writeContract({ address: market, abi: p.market.abi, functionName: "cancelJob", args: [jobs[1].job] }));

    // A relayer sends it (each attestation is the provider's consent); the fourth result comes pre-signed.
    const preHash = contentHash("out 3");
    const preSig = await signAttestation(provider, {
      market,
      jobId: jobs[3].jobId,
      job: jobs[3].job,
      outputHash: preHash,
      provider: me,
      signer: signerWallet.account,
    });
    const results = [
      { ...jobs[0], output: "out 0" },
      { ...jobs[1], output: "out 1" },
      { ...jobs[2], output: "out 2" },
      { ...jobs[3], outputHash: preHash, signature: preSig },
    ];
    const done = await acceptAndSubmitBatch(relayer, { market, results, provider: me, signer: signerWallet.account, batchSize: 2 });
    expect(done.hashes).toHaveLength(2);
    expect(done.submitted.map((s) => s.jobId)).toEqual([jobs[0].jobId, jobs[2].jobId, jobs[3].jobId]);
    expect(done.submitted[0].outputHash).toBe(contentHash("out 0"));
    expect(done.submitted[2]).toEqual({ jobId: jobs[3].jobId, outputHash: preHash, signature: preSig });
    expect(done.skipped).toEqual([{ jobId: jobs[1].jobId, reason: "NotCreated" }]);
    expect(await status(jobs[1].jobId)).toBe(JobStatus.Cancelled);
    for (const i of [0, 2, 3]) expect(await status(jobs[i].jobId)).toBe(JobStatus.Submitted);
    const collateral = jobs[0].job.collateral;
    expect((await p.market.read.provider([me])).locked).toBe(3n * collateral);

    // The same batch again: every job is skipped, nothing changes, nothing throws.
    const again = await acceptAndSubmitBatch(relayer, { market, results, provider: me, signer: signerWallet.account });
    expect(again.submitted).toEqual([]);
    expect(again.skipped.map((s) => s.reason)).toEqual(["NotCreated", "NotCreated", "NotCreated", "NotCreated"]);
    expect((await p.market.read.provider([me])).locked).toBe(3n * collateral);
    expect(await acceptAndSubmitBatch(relayer, { market, results: [], provider: me })).toEqual({ hashes: [], submitted: [], skipped: [] });
  });

  it("test_acceptAndSubmitBatch_reportsBadSignaturesAndDeadlines_throughTheDecorator", async () => {
    const me = provider.account.address;
    const actions = provider.extend(depinferActions({ market }));
    const good = await directJob("decorated good");
    const forged = await directJob("decorated forged");
    // Signed by the provider's account, which is not its registered signer key.
    const forgedSig = await signAttestation(provider, { market, ...forged, outputHash: contentHash("x"), provider: me, signer: provider.account });
    const done = await actions.acceptAndSubmitBatch({
      results: [
        { ...good, output: "fine" },
        { ...forged, outputHash: contentHash("x"), signature: forgedSig },
      ],
      signer: signerWallet.account,
    });
    expect(done.submitted.map((s) => s.jobId)).toEqual([good.jobId]);
    expect(done.skipped).toEqual([{ jobId: forged.jobId, reason: "BadSignature" }]);
    expect(await status(forged.jobId)).toBe(JobStatus.Created);

    // Past its deadline: skipped, and left for expireJob.
    const late = await directJob("too late");
    await connection.networkHelpers.time.increaseTo(late.job.deadline + 1);
    const lateRun = await actions.acceptAndSubmitBatch({ results: [{ ...late, output: "late" }], signer: signerWallet.account });
    expect(lateRun.skipped).toEqual([{ jobId: late.jobId, reason: "DeadlinePassed" }]);
    expect(await status(late.jobId)).toBe(JobStatus.Created);
  });

  it("test_acceptAndSubmitBatch_throwsTypedRevert_forAnUnregisteredProvider_andReportsPartialSends", async () => {
    const job = await directJob("unregistered");
    const stranger = relayer.account.address;
    const err = await acceptAndSubmitBatch(relayer, { market, results: [{ ...job, output: "o" }], provider: stranger, signer: signerWallet.account }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderNotRegisteredError);

    // A second batch that fails after the first was sent reports what was sent: here the RPC
    // refuses the second transaction.
    const a = await directJob("partial a");
    const b = await directJob("partial b");
    let sends = 0;
    const flaky = createWalletClient({
      chain,
      account: provider.account,
      transport: custom({
        async request(args: { method: string; params?: unknown }) {
          if (args.method === "eth_sendTransaction" && ++sends === 2) throw new Error("the node went away");
          return connection.provider.request(args as never);
        },
      }),
    }).extend(publicActions);
    const partial = await acceptAndSubmitBatch(flaky, {
      market,
      results: [
        { ...a, output: "a" },
        { ...b, output: "b" },
      ],
      signer: signerWallet.account,
      batchSize: 1,
    }).catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(AcceptAndSubmitBatchError);
    expect((partial as AcceptAndSubmitBatchError).sentJobs).toBe(1);
    await mined((partial as AcceptAndSubmitBatchError).hashes[0]);
    expect(await status(a.jobId)).toBe(JobStatus.Submitted);
    expect(await status(b.jobId)).toBe(JobStatus.Created);
  });

  it("test_acceptAndSubmitBatch_skipsUnknownTerms_asNotCreated", async () => {
    // Terms that match no job (as a job whose creation a reorg removed looks to the chain) are skipped,
    // not fatal: the rest of the batch is submitted.
    const a = await directJob("known");
    const gone = await directJob("gone");
    const unknown = { ...gone, job: { ...gone.job, nonce: gone.job.nonce + 1_000_000n } };
    const unknownId = jobIdOf(unknown.job);
    const run = await acceptAndSubmitBatch(provider, {
      market,
      results: [
        { ...a, output: "a" },
        { jobId: unknownId, job: unknown.job, output: "b" },
      ],
      signer: signerWallet.account,
    });
    expect(run.submitted.map((x) => x.jobId)).toEqual([a.jobId]);
    expect(run.skipped).toEqual([{ jobId: unknownId, reason: "NotCreated" }]);
    expect(await status(unknownId)).toBe(JobStatus.None);
    expect(await status(a.jobId)).toBe(JobStatus.Submitted);
  });
});
