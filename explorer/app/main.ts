/**
 * The Depinfer explorer and playground: a static page built on the SDK's browser entry. It reads
 * `config.json`, then the chain (and the indexer, when one answers). Routes (hash):
 * #/providers, #/provider/<address>, #/jobs, #/job/<id>, #/disputes, #/stats, #/playground.
 */
import { createPublicClient, defineChain, erc20Abi, http, type Address, type PublicClient } from "viem";

import { readMarket, type MarketView } from "./chain.js";
import { loadConfig, type ExplorerConfig } from "./config.js";
import { readIndexer, indexerAnswers } from "./indexer.js";
import { playgroundView, startPlayground } from "./playground.js";
import { esc, problem, type TokenInfo } from "./ui.js";
import { disputesView, drawCharts, jobsView, jobView, providersView, providerView, statsView, verifyJob } from "./views.js";

export interface App {
  config: ExplorerConfig;
  client: PublicClient;
  /** Where the last market view came from ("the indexer", or "the chain"). */
  source: string;
  stakeToken: TokenInfo | undefined;
  token(address: Address): TokenInfo | undefined;
  /** Re-reads the market (after the playground's transactions). */
  refresh(): Promise<MarketView>;
}

const main = document.getElementById("view")!;
const banner = document.getElementById("banner")!;
const banners = new Map<string, string>();

function setBanner(key: string, message: string | undefined) {
  if (message) banners.set(key, message);
  else banners.delete(key);
  banner.innerHTML = [...banners.values()].map((m) => `<p>${esc(m)}</p>`).join("");
  banner.hidden = banners.size === 0;
}

async function boot() {
  let config: ExplorerConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    setBanner("config", `This page has no configuration (config.json): ${(error as Error).message}. Serve it with npm run explorer.`);
    return;
  }
  const chain = defineChain({ id: config.chainId, name: config.network, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [config.rpcUrl] } } });
  const client = createPublicClient({ chain, transport: http(config.rpcUrl, { retryCount: 1, timeout: 5_000 }), pollingInterval: 500 }) as PublicClient;
  document.getElementById("network")!.textContent = config.network;

  const tokens = new Map<string, TokenInfo>();
  const loadToken = async (address: Address) => {
    const [symbol, decimals] = await Promise.all([
      client.readContract({ address, abi: erc20Abi, functionName: "symbol" }),
      client.readContract({ address, abi: erc20Abi, functionName: "decimals" }),
    ]);
    tokens.set(address.toLowerCase(), { symbol, decimals });
  };

  let market: MarketView | undefined;
  const app: App = {
    config,
    client,
    source: "the chain",
    get stakeToken() {
      return tokens.get(config.contracts.token.toLowerCase());
    },
    token: (address) => tokens.get(address.toLowerCase()),
    refresh: async () => {
      const fromChain = readMarket(client, config);
      let view: MarketView;
      if (config.indexerUrl && (await indexerAnswers(config.indexerUrl))) {
        setBanner("indexer", undefined);
        try {
          view = await readIndexer(config.indexerUrl, await fromChain, config.contracts.paymentTokens[0]);
          app.source = `the indexer at ${config.indexerUrl}, checked against the chain`;
        } catch (error) {
          setBanner("indexer", `The indexer at ${config.indexerUrl} answered with an error (${(error as Error).message}): these views read the chain directly.`);
          view = await fromChain;
          app.source = "the chain (the indexer failed)";
        }
      } else {
        if (config.indexerUrl) setBanner("indexer", `The indexer at ${config.indexerUrl} does not answer: these views read the chain directly, which is slower on a long chain.`);
        view = await fromChain;
        app.source = "the chain";
      }
      market = view;
      return view;
    },
  };

  const chainUp = async () => {
    try {
      await client.getBlockNumber({ cacheTime: 0 });
      setBanner("chain", undefined);
      return true;
    } catch (error) {
      setBanner("chain", `The chain at ${config.rpcUrl} does not answer (${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}). Nothing shown here is live until it does; retrying every 5 s.`);
      return false;
    }
  };

  const render = async () => {
    const [route = "providers", arg = ""] = location.hash.replace(/^#\/?/, "").split("/");
    document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === `#/${route}`));
    if (!(await chainUp())) {
      main.innerHTML = problem("The chain does not answer", `No data can be read from ${config.rpcUrl}. Start the chain (npm run explorer) and reload.`);
      return;
    }
    try {
      if (tokens.size === 0) await Promise.all([config.contracts.token, ...config.contracts.paymentTokens].map(loadToken));
      const m = await app.refresh();
      switch (route) {
        case "providers":
          main.innerHTML = providersView(app, m);
          break;
        case "provider":
          main.innerHTML = providerView(app, m, arg);
          break;
        case "jobs":
          main.innerHTML = jobsView(app, m);
          break;
        case "job":
          main.innerHTML = jobView(app, m, arg);
          await verifyJob(app, m, arg);
          break;
        case "disputes":
          main.innerHTML = disputesView(app, m);
          break;
        case "stats":
          main.innerHTML = statsView(app, m);
          drawCharts(app, m);
          break;
        case "playground":
          main.innerHTML = playgroundView(app, m);
          startPlayground(app, m);
          break;
        default:
          main.innerHTML = problem("No such page", `"#/${route}" is not a page of this explorer.`);
      }
      main.dataset.ready = route;
    } catch (error) {
      main.innerHTML = problem("Could not read the market", (error as { shortMessage?: string }).shortMessage ?? (error as Error).message);
    }
  };
  window.addEventListener("hashchange", () => void render());
  setInterval(() => void chainUp(), 5_000);
  await render();
  void market;
}

void boot();
