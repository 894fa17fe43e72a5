/**
 * The README's quickstart runs as written. This test takes the fenced `ts` block after the
 * `<!-- quickstart … -->` marker in README.md and runs it against a local chain: an anvil process
 * (port 18621) with the protocol deployed, a stand-in provider that answers in upper case, and an
 * IPFS-style gateway (port 18622) that serves the provider's outputs.
 *
 * Its inputs come from the environment, as the README says (RPC_URL, PRIVATE_KEY, MARKET, MODEL,
 * TOKEN, GATEWAY). Only two things in the text are substituted, because they cannot hold here:
 * - `from "depinfer"`: the package is not installed under its own name inside its repository, so
 *   the import points at the SDK's source entry (sdk/src/index.ts), which is what the package exports;
 * - the chain `baseSepolia`: the local node is chain 31337, so viem's `anvil` chain is used instead
 *   (the SDK refuses a client whose chain is not the node's).
 * The observable result is what the quickstart prints (the verified output) and the job's
 * on-chain state (Finalized, the provider paid).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";

import { network } from "hardhat";
import ts from "typescript";
import { createPublicClient, http, parseEther, type Chain, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import depinferModule from "../../scripts/deploy/Depinfer.js";
import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection } from "../../scripts/lib/harness.js";
import { startStandInProvider } from "../../examples/standInProvider.js";
import { startAnvil, type AnvilHandle } from "../../test/utils/anvil.js";
import { depinferActions, hashFromCid, jobMarketAbi, MemoryContentStore } from "../src/index.js";

const ANVIL_PORT = 18621;
const GATEWAY_PORT = 18622;
const RPC_URL = `http://127.0.0.1:${ANVIL_PORT}`;
const GATEWAY = `http://127.0.0.1:${GATEWAY_PORT}`;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-test-readme-${process.pid}-${Date.now()}`;
const snippetFile = path.join(import.meta.dirname, `.readme-quickstart-${process.pid}.ts`);

/** The quickstart block of README.md, as written. */
function readmeQuickstart(readme = readFileSync(path.join(root, "README.md"), "utf8")): string {
  const match = /<!-- quickstart[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error("README.md has no <!-- quickstart --> marker followed by a ```ts block");
  return match[1];
}

describe("README quickstart", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let gateway: Server;
  const store = new MemoryContentStore(); // what the provider publishes; the gateway serves it by CID

  beforeAll(async () => {
    anvil = await startAnvil(ANVIL_PORT);
    connection = (await network.create({ network: "localhost", override: { url: RPC_URL } })) as Connection;
    gateway = createServer(async (req, res) => {
      const cid = /^\/ipfs\/([a-z2-7]+)$/.exec(req.url ?? "")?.[1];
      const bytes = cid ? await store.get(hashFromCid(cid)) : undefined;
      if (!bytes) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(bytes));
    });
    await new Promise<void>((resolve) => gateway.listen(GATEWAY_PORT, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    rmSync(snippetFile, { force: true });
    await new Promise((resolve) => gateway?.close(resolve));
    await connection?.close?.();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  /** The block with the two substitutions (see the header), each of which must apply exactly once. */
  function runnableQuickstart() {
    const code = readmeQuickstart();
    expect(code.match(/from "depinfer"/g)).toHaveLength(1);
    expect(code.match(/baseSepolia/g)).toHaveLength(1);
    return code.replace('from "depinfer"', `from ${JSON.stringify(path.join(root, "sdk", "src", "index.js"))}`).replace("baseSepolia", "anvil");
  }

  it("test_readmeQuickstart_typeChecksAsWritten", () => {
    // Strict TypeScript, as the repository's tsconfig: e.g. `best.price` needs no `!`.
    writeFileSync(snippetFile, runnableQuickstart());
    const { config } = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
    const program = ts.createProgram([snippetFile], { ...options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  });

  it("test_readmeQuickstart_runsAsWritten_andPrintsTheVerifiedOutput", async () => {
    const runnable = runnableQuickstart();

    // The local chain: the protocol, a model, a provider offering it at 2 USDC, and a funded client key.
    const { viem } = connection;
    const [deployer, providerWallet, signer] = await viem.getWalletClients();
    const p = await deployProtocol(connection, depinferModule, { deploymentId });
    const model = await registerModel(p, deployer, "readme-uppercase");
    await setUpProvider(p, deployer, providerWallet, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    const privateKey = generatePrivateKey();
    const client = privateKeyToAccount(privateKey).address;
    const publicClient = await viem.getPublicClient();
    await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: client, value: parseEther("1") }) });
    await p.usdc.write.mint([client, 10n * USDC]);

    // The stand-in provider: upper-cases each job's inline input, publishes it, and submits the attested result.
    const chain = publicClient.chain as Chain;
    const unwatch = startStandInProvider({
      chain,
      transport: http(RPC_URL),
      account: providerWallet.account,
      signer: signer.account,
      market: p.market.address,
      model,
      store,
    });

    const env = { RPC_URL, PRIVATE_KEY: privateKey, MARKET: p.market.address, MODEL: model, TOKEN: p.usdc.address, GATEWAY };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      writeFileSync(snippetFile, runnable);
      await import(/* @vite-ignore */ snippetFile);
      expect(log.mock.calls).toEqual([["HELLO"]]);
    } finally {
      log.mockRestore();
      unwatch();
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }

    // On chain: the client's job is Finalized and the provider was paid (less the 1 % protocol fee).
    const reader = createPublicClient({ chain, transport: http(RPC_URL) }).extend(depinferActions({ market: p.market.address }));
    const [created] = await reader.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "JobCreated", args: { client }, fromBlock: 0n });
    expect((await reader.getJob({ jobId: created.args.jobId as Hex })).status).toBe("Finalized");
    expect(await reader.getClaimable({ account: providerWallet.account.address, token: p.usdc.address })).toBe(2n * USDC - (2n * USDC) / 100n);
  });
});
