/** The explorer's read-only views: providers and offers, a provider, jobs, a job, disputes, stats. */
import { hexToString, isAddress, isHex, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { attestationTypes, contentHash, HttpContentStore } from "depinfer";
import * as echarts from "echarts";

import type { App } from "./main.js";
import type { JobView, MarketView, ProviderView } from "./chain.js";
import { amount, esc, jobLink, pct, problem, providerLink, seconds, short, statusBadge, when } from "./ui.js";

const modelName = (m: MarketView, model: Hex) => {
  const found = m.models.find((x) => x.model === model);
  return found ? `${esc(found.metadataURI)} <span class="mono dim">${esc(short(model))}</span>` : `<span class="mono">${esc(short(model))}</span>`;
};

export function providersView(app: App, m: MarketView) {
  const rows = m.providers
    .map((p) => {
      const offers = p.offers.filter((o) => o.active);
      const offerCells = offers.length
        ? offers.map((o) => `${amount(o.price, app.token(o.token))} · ≤ ${o.maxLatency} s · ${modelName(m, o.model)}`).join("<br>")
        : `<span class="dim">no active offer</span>`;
      const jailed = p.jailedUntil > m.now ? ` <span class="status status-slashed">jailed</span>` : "";
      return `<tr data-provider="${esc(p.address)}">
        <td>${providerLink(p.address)}${jailed}</td>
        <td>${offerCells}</td>
        <td data-field="staked">${amount(p.staked, app.stakeToken)}</td>
        <td data-field="success">${pct(p.successRate)} <span class="dim">(${p.finalized}/${p.finalized + p.failed})</span></td>
        <td>${seconds(p.medianLatency)}</td>
        <td data-field="slashes">${p.slashes.length}</td>
      </tr>`;
    })
    .join("");
  return `<section><h2>Providers and offers</h2>
    <p class="dim">${m.providers.length} providers registered on market <span class="mono">${esc(app.config.contracts.market)}</span>, block ${m.head}. Source: ${esc(app.source)}.</p>
    <table id="providers"><thead><tr><th>provider</th><th>offers (price · max latency · model)</th><th>stake</th><th>success rate</th><th>median latency</th><th>slashes</th></tr></thead>
    <tbody>${rows || `<tr><td colspan="6">No provider has registered yet.</td></tr>`}</tbody></table></section>`;
}

export function providerView(app: App, m: MarketView, address: string) {
  if (!isAddress(address, { strict: false }))
    return problem("Not an address", `"${address}" is not an Ethereum address: expected 0x followed by 40 hexadecimal characters.`);
  const p = m.providers.find((x) => x.address.toLowerCase() === address.toLowerCase());
  if (!p) return problem("Unknown provider", `${address} has never registered as a provider on market ${app.config.contracts.market}.`);
  const jobs = m.jobs.filter((j) => j.provider.toLowerCase() === p.address.toLowerCase());
  const slashes = p.slashes
    .map((s) => `<tr class="slash"><td>${when(s.timestamp)}</td><td>${jobLink(s.jobId)}</td><td>${amount(s.amount, app.stakeToken)}</td><td class="mono">${esc(short(s.tx))}</td></tr>`)
    .join("");
  return `<section><h2>Provider <span class="mono">${esc(p.address)}</span></h2>
    <dl class="facts">
      <dt>signer</dt><dd class="mono">${esc(p.signer)}</dd>
      <dt>metadata</dt><dd>${esc(p.metadataURI)}</dd>
      <dt>stake</dt><dd>${amount(p.staked, app.stakeToken)} bonded, ${amount(p.locked, app.stakeToken)} locked, ${amount(p.thawing, app.stakeToken)} thawing</dd>
      <dt>jailed</dt><dd id="jailed">${p.jailedUntil > m.now ? `until ${when(p.jailedUntil)}` : "no"}</dd>
      <dt>jobs</dt><dd>${p.jobs} (${p.finalized} finalized, ${p.failed} slashed or expired; success rate ${pct(p.successRate)})</dd>
      <dt>median latency</dt><dd>${seconds(p.medianLatency)} from the job's creation to its result</dd>
      <dt>earned</dt><dd>${[...p.earned].map(([t, v]) => amount(v, app.token(t))).join(", ") || "nothing yet"} (${esc(p.earnedNote)})</dd>
    </dl>
    <h3>Slashes (${p.slashes.length})</h3>
    ${p.slashes.length ? `<table id="slashes"><thead><tr><th>when</th><th>job</th><th>amount</th><th>tx</th></tr></thead><tbody>${slashes}</tbody></table>` : `<p id="slashes">Never slashed.</p>`}
    <h3>Offers</h3>${offersTable(app, m, p)}
    <h3>Jobs (${jobs.length})</h3>${jobsTable(app, jobs)}</section>`;
}

function offersTable(app: App, m: MarketView, p: ProviderView) {
  if (!p.offers.length) return `<p>No offers.</p>`;
  return `<table><thead><tr><th>model</th><th>price</th><th>max latency</th><th>active</th></tr></thead><tbody>${p.offers
    .map((o) => `<tr><td>${modelName(m, o.model)}</td><td>${amount(o.price, app.token(o.token))}</td><td>${o.maxLatency} s</td><td>${o.active ? "yes" : "no"}</td></tr>`)
    .join("")}</tbody></table>`;
}

export function jobsTable(app: App, jobs: JobView[]) {
  if (!jobs.length) return `<p>No jobs.</p>`;
  return `<table class="jobs"><thead><tr><th>job</th><th>status</th><th>provider</th><th>price</th><th>created</th></tr></thead><tbody>${jobs
    .map((j) => `<tr><td>${jobLink(j.jobId)}</td><td>${statusBadge(j.status)}</td><td>${providerLink(j.provider)}</td><td>${amount(j.job.price, app.token(j.job.token))}</td><td>${when(j.createdAt)}</td></tr>`)
    .join("")}</tbody></table>`;
}

export function jobsView(app: App, m: MarketView) {
  return `<section><h2>Jobs (${m.jobs.length})</h2>${jobsTable(app, m.jobs)}</section>`;
}

/** A job's page; its output and attestation are checked afterwards by {@link verifyJob}. */
export function jobView(app: App, m: MarketView, id: string) {
  if (!isHex(id) || id.length !== 66) return problem("Not a job id", `"${id}" is not a job id: expected 0x followed by 64 hexadecimal characters.`);
  const j = m.jobs.find((x) => x.jobId.toLowerCase() === id.toLowerCase());
  if (!j) return problem("Unknown job", `No job ${id} exists on market ${app.config.contracts.market} (as of block ${m.head}).`);
  const dispute = m.disputes.find((d) => d.jobId.toLowerCase() === id.toLowerCase());
  const input = j.input ? safeText(j.input) : undefined;
  const timeline = j.timeline
    .map((e) => `<li data-step="${esc(e.name)}"><strong>${esc(e.name)}</strong> <span class="dim">${when(e.timestamp)} · block ${e.block}</span><br><span class="detail">${esc(e.detail)}</span></li>`)
    .join("");
  return `<section><h2>Job <span class="mono">${esc(j.jobId)}</span> ${statusBadge(j.status)}</h2>
    <dl class="facts">
      <dt>client</dt><dd class="mono">${esc(j.job.client)}</dd>
      <dt>provider</dt><dd>${providerLink(j.provider)}</dd>
      <dt>model</dt><dd>${modelName(m, j.job.model)}</dd>
      <dt>price</dt><dd>${amount(j.job.price, app.token(j.job.token))}, collateral ${amount(j.job.collateral, app.stakeToken)}</dd>
      <dt>deadline</dt><dd>${when(j.job.deadline)}</dd>
      <dt>input</dt><dd>${input === undefined ? `<span class="mono">${esc(j.job.inputHash)}</span> (off-chain)` : `<q>${esc(input)}</q>`}</dd>
    </dl>
    <h3>Timeline</h3><ol id="timeline" class="timeline">${timeline}</ol>
    <h3>Attestation</h3><div id="attestation">${j.signature ? "checking…" : "No result submitted."}</div>
    <h3>Output</h3><div id="output">${j.outputHash ? "fetching from the provider…" : "No result submitted."}</div>
    <h3>Dispute</h3><div id="dispute">${dispute ? disputeFacts(app, dispute) : "None."}</div></section>`;
}

function disputeFacts(app: App, d: MarketView["disputes"][number]) {
  return `<dl class="facts">
    <dt>challenger</dt><dd class="mono">${esc(d.challenger)}</dd>
    <dt>bond</dt><dd>${esc(d.bond)}</dd>
    <dt>evidence</dt><dd>${esc(d.evidence)}</dd>
    <dt>outcome</dt><dd data-field="outcome">${esc(d.outcome ?? `open until ${when(d.deadline)}`)}${d.reason ? ` · “${esc(d.reason)}”` : ""}</dd>
    ${d.slashed !== undefined ? `<dt>slashed</dt><dd>${amount(d.slashed, app.stakeToken)} (challenger's reward ${amount(d.challengerReward ?? 0n, app.stakeToken)})</dd>` : ""}
  </dl>`;
}

function safeText(hex: Hex) {
  try {
    return hexToString(hex);
  } catch {
    return hex;
  }
}

/** Checks a job's attestation (recovers the EIP-712 signer) and fetches its output, checking it against the on-chain hash. */
export async function verifyJob(app: App, m: MarketView, id: string) {
  const j = m.jobs.find((x) => x.jobId.toLowerCase() === id.toLowerCase());
  if (!j?.outputHash || !j.signature) return;
  const provider = m.providers.find((p) => p.address.toLowerCase() === j.provider.toLowerCase());
  const attestation = document.getElementById("attestation");
  try {
    const signer = await recoverTypedDataAddress({
      domain: { name: "Depinfer", version: "1", chainId: app.config.chainId, verifyingContract: app.config.contracts.market },
      types: attestationTypes,
      primaryType: "Attestation",
      message: { jobId: j.jobId, model: j.job.model, inputHash: j.job.inputHash, outputHash: j.outputHash, provider: j.provider },
      signature: j.signature,
    });
    const ok = provider && signer.toLowerCase() === provider.signer.toLowerCase();
    if (attestation)
      attestation.innerHTML = `<p class="${ok ? "ok" : "bad"}" id="attestation-check">${ok ? "✓ signed by the provider's registered signer" : "✗ not signed by the provider's registered signer"} <span class="mono">${esc(signer)}</span></p>
        <p class="mono small">${esc(j.signature)}</p>`;
  } catch (error) {
    if (attestation) attestation.textContent = `The signature could not be checked: ${(error as Error).message}`;
  }
  const output = document.getElementById("output");
  if (!output) return;
  if (!provider || !/^https?:\/\//.test(provider.metadataURI)) {
    output.innerHTML = `<p>Output hash <span class="mono">${esc(j.outputHash)}</span>. The provider publishes no output URL (${esc(provider?.metadataURI ?? "")}).</p>`;
    return;
  }
  output.innerHTML = renderOutput(await fetchVerified(provider.metadataURI, j.outputHash));
}

export type Fetched = { ok: true; text: string; hash: Hex; url: string } | { ok: false; message: string; hash: Hex; url: string };

/** Reads content by hash from a provider's output server; the SDK checks the bytes against the hash, and so does this. */
export async function fetchVerified(baseUrl: string, hash: Hex): Promise<Fetched> {
  try {
    const bytes = await new HttpContentStore({ baseUrl, timeoutMs: 10_000 }).get(hash);
    if (!bytes) return { ok: false, message: "the provider does not serve this output (yet, or any more)", hash, url: baseUrl };
    const actual = contentHash(bytes);
    if (actual !== hash) return { ok: false, message: `the bytes hash to ${actual}`, hash, url: baseUrl };
    return { ok: true, text: new TextDecoder().decode(bytes), hash, url: baseUrl };
  } catch (error) {
    return { ok: false, message: (error as { shortMessage?: string }).shortMessage ?? (error as Error).message, hash, url: baseUrl };
  }
}

export function renderOutput(f: Fetched) {
  return f.ok
    ? `<p class="ok" id="output-check">✓ verified in this browser: sha2-256 of the bytes = on-chain output hash <span class="mono">${esc(short(f.hash))}</span></p><pre id="output-text">${esc(f.text)}</pre><p class="dim">from ${esc(f.url)}</p>`
    : `<p class="bad" id="output-check">✗ output not verified: ${esc(f.message)}</p><p class="dim">on-chain hash <span class="mono">${esc(f.hash)}</span>, from ${esc(f.url)}</p>`;
}

export function disputesView(app: App, m: MarketView) {
  const rows = m.disputes
    .map((d) => {
      const j = m.jobs.find((x) => x.jobId === d.jobId);
      return `<tr><td>${jobLink(d.jobId)}</td><td>${j ? providerLink(j.provider) : "-"}</td><td class="mono">${esc(short(d.challenger))}</td><td>${esc(d.evidence)}</td><td data-field="outcome">${esc(d.outcome ?? "open")}</td><td>${d.slashed !== undefined ? amount(d.slashed, app.stakeToken) : "-"}</td><td>${when(d.openedAt)}</td></tr>`;
    })
    .join("");
  return `<section><h2>Disputes (${m.disputes.length})</h2>
    <table id="disputes"><thead><tr><th>job</th><th>provider</th><th>challenger</th><th>evidence</th><th>outcome</th><th>slashed</th><th>opened</th></tr></thead>
    <tbody>${rows || `<tr><td colspan="7">No disputes.</td></tr>`}</tbody></table></section>`;
}

export function statsView(app: App, m: MarketView) {
  const t = m.totals;
  const pay = app.token(app.config.contracts.paymentTokens[0]);
  return `<section><h2>Protocol stats</h2>
    <div class="cards">
      <div class="card"><b id="total-jobs">${t.jobs}</b><span>jobs</span></div>
      <div class="card"><b>${t.finalized}</b><span>finalized</span></div>
      <div class="card"><b id="total-volume">${amount(t.volume, pay)}</b><span>paid volume</span></div>
      <div class="card"><b id="total-slashed">${amount(t.slashed, app.stakeToken)}</b><span>slashed</span></div>
      <div class="card"><b>${t.disputes}</b><span>disputes</span></div>
      <div class="card"><b>${t.providers}</b><span>providers</span></div>
    </div>
    <p class="dim">Source: ${esc(app.source)}. Days in UTC, by chain time.</p>
    <div class="charts"><div id="chart-jobs" class="chart"></div><div id="chart-volume" class="chart"></div><div id="chart-slashes" class="chart"></div></div></section>`;
}

/** Draws the stats charts (jobs per day, volume, slashes) with ECharts, after statsView is in the page. */
export function drawCharts(app: App, m: MarketView) {
  const days = m.days.map((d) => d.day);
  const pay = app.token(app.config.contracts.paymentTokens[0]);
  const scale = (v: bigint, decimals = 0) => Number(v) / 10 ** decimals;
  const draw = (id: string, title: string, data: number[], type: "bar" | "line", color: string) => {
    const el = document.getElementById(id);
    if (!el) return;
    echarts.init(el, undefined, { renderer: "svg" }).setOption({
      animation: false,
      title: { text: title, textStyle: { fontSize: 13 } },
      grid: { left: 50, right: 10, top: 40, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value" },
      series: [{ type, data, itemStyle: { color }, areaStyle: type === "line" ? { opacity: 0.15 } : undefined }],
    });
  };
  draw("chart-jobs", "Jobs per day", m.days.map((d) => d.jobs), "bar", "#3b6fd8");
  draw("chart-volume", `Paid volume per day (${pay?.symbol ?? "token"})`, m.days.map((d) => scale(d.volume, pay?.decimals)), "line", "#2a9d6b");
  draw("chart-slashes", `Slashed per day (${app.stakeToken?.symbol ?? "stake"})`, m.days.map((d) => scale(d.slashed, app.stakeToken?.decimals)), "bar", "#c8462f");
}

export type { Address };
