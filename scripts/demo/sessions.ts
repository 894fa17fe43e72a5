/**
 * The demo's payment session (called from scripts/demo.ts): a client opens a session with a
 * provider node, sends 100 chat requests through the official `openai` client (the SDK's session
 * client as its `fetch`: one voucher per request, every answer's attestation checked and kept), the
 * node settles them in one transaction, the client re-runs the built-in EXACT model on each answer,
 * disputes the one wrong answer with the provider's own attestation, the arbitrator upholds it (the
 * session's collateral is slashed and the pending settlement refunded), and the client closes the
 * session, reclaiming the unspent escrow.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import OpenAI from "openai";
import { createWalletClient, custom, formatUnits, parseEventLogs, type Chain, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createInProcessNode, DPI, setUpNodeProvider, until, USDC, type Connection, type Protocol, type Wallet } from "../lib/harness.js";
import { openTestSession } from "../lib/sessionsHarness.js";
import { createSessionClient, paymentSessionsAbi, SessionPricing, SessionStatus } from "../../sdk/src/index.js";
import { createBuiltinBackend, createLogger, runBuiltinModel } from "../../provider/src/index.js";

const REQUESTS = 100;
const PRICE = USDC / 100n; // 0.01 USDC per request
const WRONG = 41; // the request the node answers wrongly

/** Runs the session part of the demo; returns its checks (name, passed). */
export async function runSessionsDemo(connection: Connection, p: Protocol, deployer: Wallet, clientW: Wallet, model: Hex, log: (line: string) => void): Promise<[string, boolean][]> {
  const publicClient = await connection.viem.getPublicClient();
  const chain = publicClient.chain as Chain;
  const stake = 10_000n * DPI;
  const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake });
  const providerWallet = createWalletClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: privateKeyToAccount(provider.privateKey) });
  await publicClient.waitForTransactionReceipt({ hash: await providerWallet.writeContract({ address: p.market.address, abi: p.market.abi, functionName: "setModuleAllowance", args: [p.sessions.address, stake] }) });
  // The built-in model, except on one request, where it answers something else (and attests it).
  const builtin = createBuiltinBackend();
  const lying = { name: "builtin:lying", infer: async (input: Uint8Array) => (new TextDecoder().decode(input).endsWith(`#${WRONG}`) ? new TextEncoder().encode("a wrong answer") : builtin.infer(input)) };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "depinfer-demo-sessions-"));
  const node = await createInProcessNode(connection, p.market.address, {
    privateKey: provider.privateKey,
    model,
    token: p.usdc.address,
    price: PRICE,
    dataDir,
    backend: lying,
    // One settlement for the 100 requests: the threshold is their value.
    config: { startBlock: Number(await publicClient.getBlockNumber()), pollingIntervalMs: 200, sessions: { address: p.sessions.address, settleThreshold: (BigInt(REQUESTS) * PRICE).toString() } },
    logger: createLogger({ level: "silent" }),
  });
  await node.start();
  try {
    const escrow = 150n * PRICE;
    const key = privateKeyToAccount(generatePrivateKey());
    const { sessionId, terms } = await openTestSession(connection, p, clientW, { provider: provider.address, model, amount: escrow, maxPrice: PRICE, pricing: SessionPricing.PerRequest, signer: key.address });
    log(`\nSession ${sessionId.slice(0, 10)}…: ${formatUnits(escrow, 6)} USDC escrowed for the provider at ${formatUnits(PRICE, 6)} USDC a request; the client's session key signs the vouchers.`);
    const session = createSessionClient({ sessionId, account: key, chainId: chain.id, sessions: p.sessions.address, providerSigner: provider.address, model, pricing: "request", price: PRICE, cap: escrow });
    const openai = new OpenAI({ baseURL: `${node.outputUrl}/v1`, apiKey: "unused", fetch: session.fetch });
    const started = Date.now();
    for (let i = 0; i < REQUESTS; i++) await openai.chat.completions.create({ model, messages: [{ role: "user", content: `Tell me about the river #${i}` }] });
    log(`Sent ${REQUESTS} chat requests through the openai client in ${((Date.now() - started) / 1000).toFixed(1)} s: ${session.attestations.length} answers, each attested by the provider's signer and checked.`);
    await until("the node settles the session", async () => (await p.sessions.read.session([terms])).settled === BigInt(REQUESTS) * PRICE, { timeoutMs: 30_000 });
    const settledLogs = parseEventLogs({ abi: paymentSessionsAbi, eventName: "SessionSettled", logs: await publicClient.getLogs({ address: p.sessions.address, fromBlock: 0n }) }).filter((l) => l.args.sessionId === sessionId);
    const settleGas = (await publicClient.getTransactionReceipt({ hash: settledLogs[0]!.transactionHash })).gasUsed;
    log(`The node settled the latest voucher (${formatUnits(BigInt(REQUESTS) * PRICE, 6)} USDC for ${REQUESTS} requests) in ${settledLogs.length} transaction (${settleGas} gas).`);

    // The client re-runs the EXACT model on every answer, and disputes what differs.
    const wrong = session.attestations.filter((a) => a.output !== new TextDecoder().decode(runBuiltinModel(new TextEncoder().encode(a.prompt))));
    const stakeBefore = (await p.market.read.provider([provider.address])).staked;
    const claimableBefore = await p.sessions.read.claimable([clientW.account.address, p.usdc.address]);
    await p.usdc.write.mint([clientW.account.address, USDC]);
    await p.usdc.write.approve([p.sessions.address, USDC], { account: clientW.account });
    for (const a of wrong) {
      const hash = await p.sessions.write.disputeRequest([terms, a.requestIndex, a.inputHash, a.outputHash, a.signature, "output does not match the EXACT model"], { account: clientW.account });
      const [opened] = parseEventLogs({ abi: paymentSessionsAbi, eventName: "SessionRequestDisputed", logs: (await publicClient.waitForTransactionReceipt({ hash })).logs });
      await publicClient.waitForTransactionReceipt({ hash: await p.sessions.write.resolveDispute([terms, opened!.args.disputeId, 0, "re-ran the EXACT model: the output differs"], { account: deployer.account }) });
      log(`Request ${a.requestIndex} was answered wrongly: disputed with the provider's attestation, upheld by the arbitrator.`);
    }
    const slashed = stakeBefore - (await p.market.read.provider([provider.address])).staked;
    const refunded = (await p.sessions.read.claimable([clientW.account.address, p.usdc.address])) - claimableBefore;
    const statusAfterDispute = (await p.sessions.read.session([terms])).status;
    log(`Slashed: ${formatUnits(slashed, 18)} DPI of the session's collateral; the client is refunded ${formatUnits(refunded, 6)} USDC (the pending settlement) and its bond.`);
    const walletBefore = (await p.usdc.read.balanceOf([clientW.account.address])) as bigint;
    await publicClient.waitForTransactionReceipt({ hash: await p.sessions.write.reclaim([terms], { account: clientW.account }) });
    const reclaimed = ((await p.usdc.read.balanceOf([clientW.account.address])) as bigint) - walletBefore;
    log(`Closed: the client reclaimed the unspent ${formatUnits(reclaimed, 6)} USDC of the escrow.`);
    return [
      [`session: ${REQUESTS} requests through the openai client, each answer attested`, session.attestations.length === REQUESTS],
      ["session: one settlement for all of them", settledLogs.length === 1],
      ["session: the one wrong answer found and its dispute upheld, the session's collateral slashed", wrong.length === 1 && wrong[0]!.requestIndex === BigInt(WRONG) && slashed > 0n && statusAfterDispute === SessionStatus.Slashed],
      ["session: client refunded at least that request's price, and the unspent escrow reclaimed", refunded >= PRICE && reclaimed === escrow - BigInt(REQUESTS) * PRICE],
    ];
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
