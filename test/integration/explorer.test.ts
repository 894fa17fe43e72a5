/**
 * The explorer in a real browser: `npm run explorer` as a user runs it (anvil, deploy, demo
 * activity, indexer, page), driven by playwright-core through Debian's Chromium, headless. Every
 * figure the page shows is checked against the chain, read here independently with viem.
 *
 * Screenshots of the main views go to a temporary directory, or to docs/images/ with
 * EXPLORER_SCREENSHOTS=docs/images (how the README's are made).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { chromium, type Browser, type Page } from "playwright-core";
import { createPublicClient, formatUnits, http, type Address, type Hex, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { jobMarketAbi, JobStatus } from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";

const root = path.resolve(import.meta.dirname, "../..");
const PORT = 18990; // page; chain 18991, indexer 18992, nodes 18993-18995
const CLOSED_PORT = 18997; // nothing listens here: a chain or indexer that is down
const CHROMIUM = "/usr/bin/chromium";
const shots = process.env.EXPLORER_SCREENSHOTS ? path.resolve(root, process.env.EXPLORER_SCREENSHOTS) : mkdtempSync(path.join(tmpdir(), "depinfer-explorer-shots-"));

let explorer: ChildProcess;
let output = "";
let url: string;
let browser: Browser;
let chain: PublicClient;
let market: Address;
let roles: Record<"honest" | "liar" | "silent", Address>;

async function open(route: string, ready = route.split("/")[0]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on("pageerror", (error) => {
    throw error;
  });
  await page.goto(`${url}#/${route}`);
  await page.waitForSelector(`main[data-ready="${ready}"]`, { timeout: 30_000 });
  return page;
}

/** Stops the explorer as Ctrl-C would, and waits for it to exit. */
function interrupt(child: ChildProcess) {
  return new Promise<string>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(`exited ${child.exitCode ?? child.signalCode}`);
    child.once("exit", (code, signal) => resolve(`exited ${code ?? signal}`));
    try {
      process.kill(-child.pid!, "SIGINT");
    } catch {
      // already gone
    }
  });
}

const answers = async (u: string) => {
  try {
    await fetch(u, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
};

describe("npm run explorer, in Chromium", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this).`);
    mkdirSync(shots, { recursive: true });
    explorer = spawn("npm", ["run", "explorer", "--", "--port", String(PORT)], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    explorer.stdout!.on("data", (d) => (output += d));
    explorer.stderr!.on("data", (d) => (output += d));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm run explorer printed no URL within 240 s:\n${output}`)), 240_000);
      const check = () => {
        const match = /^Explorer: (http\S+)$/m.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      explorer.stdout!.on("data", check);
      explorer.once("exit", (code) => reject(new Error(`npm run explorer exited (${code}) before printing its URL:\n${output}`)));
    });
    const match = /^Providers: honest (0x\w+), liar (0x\w+) \(slashed\), silent (0x\w+)\.$/m.exec(output)!;
    roles = { honest: match[1] as Address, liar: match[2] as Address, silent: match[3] as Address };
    const config = (await (await fetch(`${url}config.json`)).json()) as { rpcUrl: string; contracts: { market: Address } };
    market = config.contracts.market;
    chain = createPublicClient({ transport: http(config.rpcUrl) }) as PublicClient;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking"], headless: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (explorer) await interrupt(explorer);
  }, 60_000);

  it("lists the providers with the stake, slashes and offers the chain has", async () => {
    const page = await open("providers");
    const registered = await chain.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "ProviderRegistered", fromBlock: 0n, strict: true });
    const rows = page.locator("#providers tbody tr[data-provider]");
    expect(await rows.count()).toBe(registered.length);
    expect(registered.length).toBe(3);
    const slashed = await chain.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "ProviderSlashed", fromBlock: 0n, strict: true });
    for (const { args } of registered) {
      const info = await chain.readContract({ address: market, abi: jobMarketAbi, functionName: "provider", args: [args.provider] });
      const row = page.locator(`tr[data-provider="${args.provider}"]`);
      expect(await row.locator('[data-field="staked"]').innerText()).toBe(`${formatUnits(info.staked, 18)} DPI`);
      expect(Number(await row.locator('[data-field="slashes"]').innerText())).toBe(slashed.filter((l) => l.args.provider === args.provider).length);
      const offerSet = (await chain.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "OfferSet", args: { provider: args.provider }, fromBlock: 0n, strict: true })).at(-1)!;
      expect(await row.innerText()).toContain(`${formatUnits(offerSet.args.price, 6)} USDC · ≤ ${offerSet.args.maxLatency} s`);
    }
    // The derived figures come from the indexer (npm run explorer starts it); the honest node
    // finished all its ended jobs, the liar none.
    expect(await page.locator("main").innerText()).toMatch(/Source: the indexer at http:\/\/127\.0\.0\.1:18992/);
    expect(await page.locator(`tr[data-provider="${roles.honest}"] [data-field="success"]`).innerText()).toMatch(/^100%/);
    expect(await page.locator(`tr[data-provider="${roles.liar}"] [data-field="success"]`).innerText()).toMatch(/^0%/);
    await page.screenshot({ path: path.join(shots, "explorer-providers.png") });
    await page.close();
  });

  let jobId: Hex;
  const input = "A lighthouse at dusk";

  it("submits a job from the playground and shows its verified output, then Finalized", { timeout: 300_000 }, async () => {
    const page = await open("playground");
    await expect(page.locator("#wallet").innerText()).resolves.toMatch(/No wallet found: signing with a development account/);
    await page.selectOption("#provider", roles.honest);
    await page.fill("#input", input);
    await page.click("#submit");
    await page.waitForSelector("#done, #failed, #cancelled", { timeout: 240_000 }).catch(() => undefined);
    expect(await page.locator("#done").count(), `${await page.locator("#progress").innerText()}\n${await page.locator("#result").innerText()}`).toBe(1);
    jobId = (await page.locator("#result").getAttribute("data-job-id")) as Hex;
    expect(await page.locator("#output-check").innerText()).toMatch(/^✓ verified in this browser/);
    // The output is the model's real output for this input, as re-run here.
    expect(await page.locator("#output-text").innerText()).toBe(new TextDecoder().decode(runBuiltinModel(new TextEncoder().encode(input))));
    const state = await chain.readContract({ address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
    expect(state.status).toBe(JobStatus.Finalized);
    expect(await page.locator("#progress li[data-step]").evaluateAll((lis) => lis.map((li) => `${li.getAttribute("data-step")}:${li.className}`))).toEqual([
      "Created:done",
      "Submitted:done",
      "Verified:done",
      "Finalized:done",
    ]);
    await page.screenshot({ path: path.join(shots, "explorer-playground.png") });
    await page.close();
  });

  it("shows the job's lifecycle timeline, its checked attestation and output", async () => {
    const page = await open(`job/${jobId}`, "job");
    const steps = await page.locator("#timeline li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-step")));
    // The timeline is the job's events on chain, in order.
    const names: Record<string, string> = { JobCreated: "Created", JobAccepted: "Accepted", ResultSubmitted: "Submitted", JobFinalized: "Finalized", JobsFinalized: "Finalized" };
    const logs = (await chain.getContractEvents({ address: market, abi: jobMarketAbi, fromBlock: 0n, strict: true })).filter(
      (l) => ("jobId" in l.args && l.args.jobId === jobId) || ("jobIds" in l.args && (l.args.jobIds as Hex[]).includes(jobId)),
    );
    expect(steps).toEqual(logs.map((l) => names[l.eventName]).filter(Boolean));
    expect(steps[0]).toBe("Created");
    expect(steps.at(-1)).toBe("Finalized");
    expect(steps).toContain("Submitted");
    await page.waitForSelector("#output-check", { timeout: 20_000 });
    expect(await page.locator("#attestation-check").innerText()).toMatch(/^✓ signed by the provider's registered signer/);
    expect(await page.locator("#output-check").innerText()).toMatch(/^✓ verified/);
    expect(await page.locator("h2 .status").innerText()).toBe("Finalized");
    await page.screenshot({ path: path.join(shots, "explorer-job.png"), fullPage: true });
    await page.close();
  });

  it("shows a slashed provider's slashes and jail", async () => {
    const page = await open(`provider/${roles.liar}`, "provider");
    const slashes = await chain.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "ProviderSlashed", args: { provider: roles.liar }, fromBlock: 0n, strict: true });
    expect(slashes.length).toBe(2);
    expect(await page.locator("#slashes tbody tr.slash").count()).toBe(slashes.length);
    for (const s of slashes) expect(await page.locator("#slashes").innerText()).toContain(`${formatUnits(s.args.amount, 18)} DPI`);
    const info = await chain.readContract({ address: market, abi: jobMarketAbi, functionName: "provider", args: [roles.liar] });
    expect(info.jailedUntil).toBeGreaterThan(0);
    expect(await page.locator("#jailed").innerText()).toMatch(/^until /);
    await page.screenshot({ path: path.join(shots, "explorer-provider-slashed.png"), fullPage: true });
    await page.close();
    const stats = await open("stats");
    await stats.waitForSelector("#chart-jobs svg");
    // Totals as the chain has them: jobs created, prices of the jobs finalized, stake slashed.
    const all = await chain.getContractEvents({ address: market, abi: jobMarketAbi, fromBlock: 0n, strict: true });
    const created = all.filter((l) => l.eventName === "JobCreated");
    const finalized = new Set(all.flatMap((l) => (l.eventName === "JobFinalized" ? [l.args.jobId] : l.eventName === "JobsFinalized" ? [...l.args.jobIds] : [])));
    const paid = created.filter((l) => finalized.has(l.args.jobId)).reduce((sum, l) => sum + (l.args.job as { price: bigint }).price, 0n);
    const slashedTotal = all.reduce((sum, l) => sum + (l.eventName === "ProviderSlashed" ? l.args.amount : 0n), 0n);
    expect(Number(await stats.locator("#total-jobs").innerText())).toBe(created.length);
    expect(await stats.locator("#total-volume").innerText()).toBe(`${formatUnits(paid, 6)} USDC`);
    expect(await stats.locator("#total-slashed").innerText()).toBe(`${formatUnits(slashedTotal, 18)} DPI`);
    expect(await stats.locator("main").innerText()).toMatch(/Source: the indexer/);
    await stats.screenshot({ path: path.join(shots, "explorer-stats.png") });
    await stats.close();
  });

  it("says plainly what is wrong with a bad job id or address in the URL", async () => {
    const page = await open("job/0x1234", "job");
    expect(await page.locator(".problem").innerText()).toMatch(/Not a job id[\s\S]*expected 0x followed by 64 hexadecimal characters/);
    await page.goto(`${url}#/job/0x${"ab".repeat(32)}`);
    await page.waitForFunction(() => document.querySelector(".problem h2")?.textContent === "Unknown job");
    await page.goto(`${url}#/provider/0xnotanaddress`);
    await page.waitForFunction(() => document.querySelector(".problem h2")?.textContent === "Not an address");
    await page.close();
  });

  it("shows a banner, not a blank page, when the chain or the indexer is down", async () => {
    const config = await (await fetch(`${url}config.json`)).json();
    const page = await browser.newPage();
    await page.route("**/config.json", (route) => route.fulfill({ json: { ...config, rpcUrl: `http://127.0.0.1:${CLOSED_PORT}` } }));
    await page.goto(`${url}#/providers`);
    await page.waitForSelector("#banner:not([hidden])", { timeout: 30_000 });
    expect(await page.locator("#banner").innerText()).toContain(`The chain at http://127.0.0.1:${CLOSED_PORT} does not answer`);
    expect(await page.locator(".problem").innerText()).toMatch(/The chain does not answer/);
    await page.unroute("**/config.json");
    await page.route("**/config.json", (route) => route.fulfill({ json: { ...config, indexerUrl: `http://127.0.0.1:${CLOSED_PORT}` } }));
    await page.goto(`${url}?indexer-down#/providers`);
    await page.waitForSelector('main[data-ready="providers"]', { timeout: 30_000 });
    expect(await page.locator("#banner").innerText()).toContain(`The indexer at http://127.0.0.1:${CLOSED_PORT} does not answer`);
    expect(await page.locator("#providers tbody tr[data-provider]").count()).toBe(3); // still shown, from the chain
    await page.close();
  });

  it("shows a rejected signature as cancelled, and sends nothing", async () => {
    const config = await (await fetch(`${url}config.json`)).json();
    const page = await browser.newPage();
    // An injected EIP-1193 wallet whose user rejects every signature; reads go to the chain.
    await page.addInitScript(
      ({ rpcUrl, address }) => {
        const rpc = async (method: string, params: unknown) => {
          const r = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
          const body = await r.json();
          if (body.error) throw Object.assign(new Error(body.error.message), body.error);
          return body.result;
        };
        (window as unknown as { ethereum: unknown }).ethereum = {
          request: async ({ method, params }: { method: string; params?: unknown }) => {
            if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
            if (method === "eth_sendTransaction" || method.startsWith("eth_signTypedData") || method === "personal_sign")
              throw Object.assign(new Error("User rejected the request."), { code: 4001 });
            return rpc(method, params ?? []);
          },
          on: () => {},
          removeListener: () => {},
        };
      },
      { rpcUrl: config.rpcUrl, address: config.devAccount.address },
    );
    const before = await chain.getBlockNumber();
    await page.goto(`${url}#/playground`);
    await page.waitForSelector('main[data-ready="playground"]');
    expect(await page.locator("#wallet").innerText()).toMatch(/wallet this browser injects/);
    await page.selectOption("#provider", roles.honest);
    await page.click("#submit");
    await page.waitForSelector("#cancelled", { timeout: 30_000 });
    expect(await page.locator("#cancelled").innerText()).toMatch(/^Cancelled: the signature request was rejected/);
    expect(await page.locator("#progress li.bad").innerText()).toMatch(/Created cancelled/);
    expect(await chain.getBlockNumber()).toBe(before);
    await page.close();
  });

  it("Ctrl-C stops everything it started", async () => {
    await browser.close();
    // npm itself ends on the signal; what matters is that the orchestrator stopped what it started.
    expect(await interrupt(explorer)).toMatch(/^exited (0|SIGINT)$/);
    expect(output).toMatch(/SIGINT: stopping the page, the indexer, the provider nodes and the chain/);
    for (const port of [PORT, PORT + 1, PORT + 2, PORT + 3, PORT + 4, PORT + 5]) expect(await answers(`http://127.0.0.1:${port}/`), `port ${port}`).toBe(false);
  }, 60_000);
});
