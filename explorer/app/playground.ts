/**
 * The playground: pick a model and a provider, type an input, submit the job from this browser, and
 * watch it go Created → Submitted → output verified → Finalized. It signs with an injected EIP-1193
 * wallet when the page has one; on a local chain without one, with the development account the page
 * is configured with (and says so).
 */
import { custom, http, type Account, type Address, type EIP1193Provider, type Hex, type JsonRpcAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createDepinferClient, isUserRejection, jobMarketAbi, JobStatus, jobStatusName, type Job } from "depinfer";

import type { MarketView } from "./chain.js";
import type { App } from "./main.js";
import { amount, esc, jobLink, short } from "./ui.js";
import { fetchVerified, renderOutput } from "./views.js";

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

function offersFor(m: MarketView, model: Hex) {
  return m.providers
    .filter((p) => p.jailedUntil <= m.now && !p.offersPaused)
    .flatMap((p) => p.offers.filter((o) => o.active && o.model === model).map((o) => ({ provider: p, offer: o })))
    .sort((a, b) => (a.offer.price < b.offer.price ? -1 : a.offer.price > b.offer.price ? 1 : 0));
}

function walletLine(app: App) {
  if (window.ethereum) return `Signing with the wallet this browser injects (EIP-1193).`;
  if (app.config.devAccount)
    return `<strong>No wallet found: signing with a development account</strong> <span class="mono">${esc(app.config.devAccount.address)}</span>, ${esc(app.config.devAccount.note)}.`;
  return `<strong>No wallet found.</strong> Install an EIP-1193 wallet (MetaMask, Rabby, …) to submit jobs.`;
}

export function playgroundView(app: App, m: MarketView) {
  const models = m.models.filter((x) => offersFor(m, x.model).length > 0);
  return `<section><h2>Playground</h2>
    <p id="wallet" class="note">${walletLine(app)}</p>
    <form id="play">
      <label>Model <select id="model">${models.map((x) => `<option value="${esc(x.model)}">${esc(x.metadataURI)} (${esc(short(x.model))})</option>`).join("")}</select></label>
      <label>Provider <select id="provider"></select></label>
      <label>Input <textarea id="input" rows="3" maxlength="2000">The lighthouse</textarea></label>
      <button id="submit" type="submit"${models.length ? "" : " disabled"}>Submit job</button>
    </form>
    <ol id="progress" class="timeline"></ol>
    <div id="result"></div></section>`;
}

export function startPlayground(app: App, m: MarketView) {
  const form = document.getElementById("play") as HTMLFormElement;
  const modelSelect = document.getElementById("model") as HTMLSelectElement;
  const providerSelect = document.getElementById("provider") as HTMLSelectElement;
  const fillProviders = () => {
    providerSelect.innerHTML = offersFor(m, modelSelect.value as Hex)
      .map(({ provider, offer }) => `<option value="${esc(provider.address)}" data-price="${offer.price}" data-token="${esc(offer.token)}">${esc(short(provider.address))} · ${amount(offer.price, app.token(offer.token))} · ≤ ${offer.maxLatency} s · ${Math.round((provider.successRate ?? 1) * 100)}% ok</option>`)
      .join("");
  };
  modelSelect.addEventListener("change", fillProviders);
  fillProviders();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const option = providerSelect.selectedOptions[0];
    if (!option) return;
    void run(app, m, {
      model: modelSelect.value as Hex,
      provider: option.value as Address,
      price: BigInt(option.dataset.price!),
      token: option.dataset.token as Address,
      input: (document.getElementById("input") as HTMLTextAreaElement).value,
    });
  });
}

interface Request {
  model: Hex;
  provider: Address;
  price: bigint;
  token: Address;
  input: string;
}

async function run(app: App, m: MarketView, request: Request) {
  const progress = document.getElementById("progress")!;
  const result = document.getElementById("result")!;
  const button = document.getElementById("submit") as HTMLButtonElement;
  progress.innerHTML = "";
  result.innerHTML = "";
  button.disabled = true;
  const step = (name: string, text: string, state: "done" | "wait" | "bad" = "done") => {
    let li = progress.querySelector<HTMLLIElement>(`li[data-step="${name}"]`);
    if (!li) {
      li = document.createElement("li");
      li.dataset.step = name;
      progress.appendChild(li);
    }
    li.className = state;
    li.innerHTML = `<strong>${esc(name)}</strong> ${text}`;
  };
  const { config, client: publicClient } = app;
  const market = config.contracts.market;
  try {
    const account = await accountFor(app);
    const transport = window.ethereum ? custom(window.ethereum) : http(config.rpcUrl);
    const wallet = createDepinferClient({ chain: publicClient.chain!, transport, account, deployment: { market } });
    step("Created", "waiting for your signature…", "wait");
    const { jobId, job } = await wallet.submitJobSync({ model: request.model, input: request.input, price: request.price, token: request.token, provider: request.provider, timeout: 600 });
    step("Created", `job ${jobLink(jobId)}: ${amount(request.price, app.token(request.token))} in escrow`);
    result.dataset.jobId = jobId;
    step("Submitted", "waiting for the provider's attested result…", "wait");
    const submitted = await waitForStatus(app, jobId, [JobStatus.Submitted, JobStatus.Finalized], 300_000);
    if (!submitted.ok) {
      step("Submitted", `the job is ${esc(submitted.status)}: no result`, "bad");
      return;
    }
    const provider = m.providers.find((p) => p.address.toLowerCase() === request.provider.toLowerCase())!;
    const events = await publicClient.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId }, fromBlock: BigInt(config.fromBlock), strict: true });
    const outputHash = events[0]!.args.outputHash;
    step("Submitted", `output hash <span class="mono">${esc(short(outputHash))}</span>, attested by the provider's signer`);
    const fetched = await fetchVerified(provider.metadataURI, outputHash);
    result.innerHTML = renderOutput(fetched);
    step("Verified", fetched.ok ? "the output's sha2-256 matches the on-chain hash" : "the output could not be verified", fetched.ok ? "done" : "bad");
    if (!fetched.ok) return;
    step("Finalized", "finalizing early (as the client may), waiting for your signature…", "wait");
    await publicClient.waitForTransactionReceipt({ hash: await wallet.finalizeJob({ job: job as Job }) });
    const finalized = await waitForStatus(app, jobId, [JobStatus.Finalized], 30_000);
    step("Finalized", finalized.ok ? "the provider is paid (price − fee)" : `the job is ${esc(finalized.status)}`, finalized.ok ? "done" : "bad");
    if (finalized.ok) result.insertAdjacentHTML("beforeend", `<p id="done">Done: ${jobLink(jobId)} is Finalized. <a href="#/job/${jobId}">Open the job's page</a>.</p>`);
  } catch (error) {
    const pending = progress.querySelector<HTMLLIElement>("li.wait");
    if (isUserRejection(error)) {
      if (pending) {
        pending.className = "bad";
        pending.querySelector("strong")!.insertAdjacentText("afterend", " cancelled");
      }
      result.innerHTML = `<p class="bad" id="cancelled">Cancelled: the signature request was rejected in the wallet. Nothing more was sent.</p>`;
    } else {
      if (pending) pending.className = "bad";
      result.innerHTML = `<p class="bad" id="failed">Failed: ${esc((error as { shortMessage?: string }).shortMessage ?? (error as Error).message)}</p>`;
    }
  } finally {
    button.disabled = false;
  }
}

async function accountFor(app: App): Promise<Account> {
  if (window.ethereum) {
    const [address] = (await window.ethereum.request({ method: "eth_requestAccounts" })) as Address[];
    if (!address) throw new Error("the wallet gave no account");
    const chainId = Number(await window.ethereum.request({ method: "eth_chainId" }));
    if (chainId !== app.config.chainId) throw new Error(`the wallet is on chain ${chainId}; switch it to chain ${app.config.chainId} (${app.config.network})`);
    return { address, type: "json-rpc" } as JsonRpcAccount;
  }
  if (app.config.devAccount) return privateKeyToAccount(app.config.devAccount.privateKey);
  throw new Error("no wallet: install an EIP-1193 wallet to submit jobs");
}

async function waitForStatus(app: App, jobId: Hex, wanted: number[], timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  const ended: number[] = [JobStatus.Expired, JobStatus.Cancelled, JobStatus.Slashed];
  for (;;) {
    const state = await app.client.readContract({ address: app.config.contracts.market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
    if (wanted.includes(state.status)) return { ok: true, status: jobStatusName(state.status) };
    if (ended.includes(state.status) || Date.now() > end) return { ok: false, status: jobStatusName(state.status) };
    await new Promise((r) => setTimeout(r, 500));
  }
}
