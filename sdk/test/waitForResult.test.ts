import { network } from "hardhat";
import { custom, getAddress, recoverAddress, type Chain, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { inProcessTransport } from "../../scripts/lib/inProcessTransport.js";
import { waitForResult } from "../src/actions/client/waitForResult.js";
import { ContentHashMismatchError, MemoryContentStore, type ContentStore } from "../src/content/index.js";
import { JobEndedWithoutResultError, WaitForResultTimeoutError } from "../src/errors/result.js";
import { contentHash, createDepinferClient } from "../src/index.js";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("waitForResult", () => {
  let connection: Connection;
  let p: Protocol;
  let market: Hex;
  let model: Hex;
  let clientDepinfer: ReturnType<typeof createDepinferClient>;
  let providerDepinfer: ReturnType<typeof createDepinferClient>;
  let providerAddress: Hex;
  let signer: Awaited<ReturnType<Connection["viem"]["getWalletClients"]>>[number];
  const store = new MemoryContentStore();

  /** A new direct job for the provider. */
  async function newJob(input: string) {
    return clientDepinfer.submitJobSync({ model, input, price: 2n * USDC, token: p.usdc.address, provider: providerAddress });
  }
  /** The provider publishes `output` to the store and posts its result. */
  async function answer(jobId: Hex, job: Awaited<ReturnType<typeof newJob>>["job"], output: string, publish = true) {
    if (publish) await store.put(encode(output));
    const { hash } = await providerDepinfer.submitResult({ jobId, job, output, signer: signer.account });
    await clientDepinfer.waitForTransactionReceipt({ hash });
    return hash;
  }

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const [deployer, provider, providerSigner, client] = await connection.viem.getWalletClients();
    signer = providerSigner;
    providerAddress = provider.account.address;
    p = await deployProtocol(connection);
    market = p.market.address;
    model = await registerModel(p, deployer, "wait-model");
    await setUpProvider(p, deployer, provider, providerSigner.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([client.account.address, 100n * USDC]);
    const chain = (await connection.viem.getPublicClient()).chain as Chain;
    const transport = custom(connection.provider);
    const deployment = { market };
    clientDepinfer = createDepinferClient({ chain, transport, account: client.account, deployment });
    providerDepinfer = createDepinferClient({ chain, transport, account: provider.account, deployment });
  });

  it("test_waitForResult_resultArrivesLater_resolvesWithVerifiedOutput", async () => {
    const { jobId, job } = await newJob("What is 2 + 2?");
    let settled = false;
    const waiting = waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 20, timeoutMs: 10_000 }).finally(() => {
      settled = true;
    });
    await delay(150);
    expect(settled).toBe(false);
    const hash = await answer(jobId, job, "4");
    const result = await waiting;
    expect(decode(result.output)).toBe("4");
    expect(result.outputHash).toBe(contentHash("4"));
    expect(result.provider.toLowerCase()).toBe(providerAddress.toLowerCase());
    expect(result.signature).toMatch(/^0x[0-9a-f]{130}$/);
    // Rebuilt from the event's compact (r, vs): the provider signer's attestation of this output.
    const digest = await p.market.read.attestationDigest([jobId, job.model, job.inputHash, result.outputHash, providerAddress]);
    expect(await recoverAddress({ hash: digest, signature: result.signature })).toBe(getAddress(signer.account.address));
    expect(result.transactionHash).toBe(hash);
    const receipt = await clientDepinfer.getTransactionReceipt({ hash });
    expect(result.blockNumber).toBe(receipt.blockNumber);
  });

  it("test_waitForResult_alreadySubmitted_resolvesAtOnce", async () => {
    const { jobId, job } = await newJob("already");
    await answer(jobId, job, "done");
    const started = Date.now();
    // A long polling interval: only a first-poll hit can resolve quickly.
    const result = await waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 60_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(decode(result.output)).toBe("done");
    // This deployment routes EXACT jobs to the arbitrated verifier: no paid-band check to fund.
    expect(result.check).toMatchObject({ status: "notRouted", checked: false, paid: 0n });
  });

  it("test_waitForResult_outputPublishedAfterSubmission_keepsPollingTheStore", async () => {
    const { jobId, job } = await newJob("late upload");
    await answer(jobId, job, "late", false);
    const waiting = waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 20, timeoutMs: 10_000 });
    await delay(100);
    await store.put(encode("late"));
    expect(decode((await waiting).output)).toBe("late");
  });

  it("test_waitForResult_tamperedStore_rejectsWithMismatch", async () => {
    const { jobId, job } = await newJob("tamper");
    await answer(jobId, job, "honest");
    // A store that does not check what it returns: waitForResult checks against the chain anyway.
    const lying: ContentStore = { put: store.put.bind(store), get: async () => encode("forged") };
    const error = await waitForResult(clientDepinfer, { market, jobId, store: lying, pollingInterval: 20 }).catch((e) => e);
    expect(error).toBeInstanceOf(ContentHashMismatchError);
    expect(error.expected).toBe(contentHash("honest"));
    expect(error.actual).toBe(contentHash("forged"));
  });

  it("test_waitForResult_abortSignal_rejectsWithReason", async () => {
    const { jobId } = await newJob("abort me");
    const controller = new AbortController();
    const waiting = waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 20, signal: controller.signal });
    await delay(100);
    controller.abort();
    const error = await waiting.catch((e) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe("AbortError");

    const custom = new AbortController();
    custom.abort(new Error("user left"));
    await expect(waitForResult(clientDepinfer, { market, jobId, store, signal: custom.signal })).rejects.toThrow("user left");
  });

  it("test_waitForResult_timeout_rejectsWithTypedError", async () => {
    const { jobId, job } = await newJob("too slow");
    const started = Date.now();
    const error = await waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 20, timeoutMs: 300 }).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(WaitForResultTimeoutError);
    expect(error.jobId).toBe(jobId);
    expect(error.timeoutMs).toBe(300);
    expect(error.status).toBe("Created");
    expect(error.shortMessage).toBe(`Waited 300 ms for the result of job ${jobId}: no result was submitted (the job is Created).`);

    // Submitted, but the output never reaches the store.
    await answer(jobId, job, "never uploaded", false);
    const missing = await waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 20, timeoutMs: 200 }).catch((e) => e);
    expect(missing).toBeInstanceOf(WaitForResultTimeoutError);
    expect(missing.submittedAt).toBeTypeOf("bigint");
    expect(missing.shortMessage).toMatch(/was submitted in block \d+ but the store does not have its output/);
  });

  it("test_waitForResult_cancelledJob_rejectsNamingTheStatus", async () => {
    const { jobId, job } = await newJob("cancel me");
    const waiting = waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 20, timeoutMs: 10_000 });
    await delay(50);
    await p.market.write.cancelJob([job], { account: clientDepinfer.account });
    const error = await waiting.catch((e) => e);
    expect(error).toBeInstanceOf(JobEndedWithoutResultError);
    expect(error.status).toBe("Cancelled");
    expect(error.shortMessage).toBe(`Job ${jobId} ended Cancelled without a result.`);
  });

  it("test_waitForResult_expiredJob_rejectsNamingTheStatus", async () => {
    const { jobId, job } = await newJob("expire me");
    await connection.networkHelpers.time.increase(2 * 3600);
    await p.market.write.expireJob([job], { account: clientDepinfer.account });
    const error = await waitForResult(clientDepinfer, { market, jobId, store, pollingInterval: 20 }).catch((e) => e);
    expect(error).toBeInstanceOf(JobEndedWithoutResultError);
    expect(error.status).toBe("Expired");
  });

  /** A client whose transport pushes new blocks (as viem's webSocket does), counting its requests by method. */
  function pushingClient() {
    const requests = new Map<string, number>();
    const chain = clientDepinfer.chain as Chain;
    const transport = inProcessTransport(connection, { onRequest: (method) => requests.set(method, (requests.get(method) ?? 0) + 1) });
    const client = createDepinferClient({ chain, transport, account: clientDepinfer.account, deployment: { market } });
    return { client, requests };
  }

  it("test_waitForResult_pushedBlocks_seesTheResultInItsBlock: no polling interval waited, no eth_blockNumber after the first", async () => {
    const { client, requests } = pushingClient();
    const { jobId, job } = await newJob("pushed");
    // A poll a minute apart: only the pushed block can wake the waiter within the timeout.
    const waiting = waitForResult(client, { market, jobId, store, pollingInterval: 60_000, timeoutMs: 20_000, fundChecks: false });
    await delay(150);
    const hash = await answer(jobId, job, "seen at once");
    const result = await waiting;
    expect(decode(result.output)).toBe("seen at once");
    expect(result.transactionHash).toBe(hash);
    expect(requests.get("eth_blockNumber")).toBe(1);
    expect(requests.get("eth_subscribe")).toBe(1);
    await delay(50);
    expect(requests.get("eth_unsubscribe")).toBe(1);

    // The end of a job is pushed too: cancelled while waited for, it rejects at once.
    const cancelled = await newJob("pushed, then cancelled");
    const ending = waitForResult(client, { market, jobId: cancelled.jobId, store, pollingInterval: 60_000, timeoutMs: 20_000, fundChecks: false }).catch((e) => e);
    await delay(150);
    await p.market.write.cancelJob([cancelled.job], { account: clientDepinfer.account });
    const error = await ending;
    expect(error).toBeInstanceOf(JobEndedWithoutResultError);
    expect(error.status).toBe("Cancelled");
    // Resolved at once (already submitted): no subscription made.
    const before = requests.get("eth_subscribe");
    await waitForResult(client, { market, jobId, store, pollingInterval: 60_000, timeoutMs: 20_000, fundChecks: false });
    expect(requests.get("eth_subscribe")).toBe(before);
  });

  it("test_waitForResult_subscriptionFails_pollsAsBefore: a transport whose subscribe rejects or throws", async () => {
    const chain = clientDepinfer.chain as Chain;
    const failing = [
      async () => {
        throw new Error("subscriptions are not supported");
      },
      () => {
        throw new Error("thrown at once");
      },
    ];
    for (const subscribe of failing) {
      const base = custom(connection.provider);
      const transport = ((options: Parameters<typeof base>[0]) => {
        const t = base(options);
        return { ...t, value: { ...t.value, subscribe } };
      }) as typeof base;
      const client = createDepinferClient({ chain, transport, account: clientDepinfer.account, deployment: { market } });
      const { jobId, job } = await newJob(`no pushes ${failing.indexOf(subscribe)}`);
      const waiting = waitForResult(client, { market, jobId, store, pollingInterval: 20, timeoutMs: 10_000, fundChecks: false });
      await delay(100);
      await answer(jobId, job, "polled");
      expect(decode((await waiting).output)).toBe("polled");
    }
  });
});
