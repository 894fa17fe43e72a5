/**
 * `npm run status -- --network <name>`
 *
 * Read-only report of a deployment (addresses from deployments/<network>/deployment.json):
 * parameters and settings, the verifier module of each determinism class, AccessManager roles,
 * value held by the market per token, providers and their stake (and slash debt), open jobs, open
 * disputes with all their challengers, and proposals still in flight. Events are scanned from the
 * deployment's block. `status(argv, log)` also returns the report as an object.
 */
import { network } from "hardhat";
import { formatUnits, parseAbi, type Abi, type Address, type Hex, type PublicClient } from "viem";

import { depinferGovernorAbi } from "../sdk/src/abis/depinferGovernor.js";
import { jobMarketAbi } from "../sdk/src/abis/jobMarket.js";
import { jobStatusName, type JobStatusName } from "../sdk/src/types.js";
import { isMain, loadDeployment, parseCli, runCli, type CliSpec } from "./lib/cli.js";
import { ProposalState } from "./lib/governance.js";
import { extensionOf, releaseAbi } from "./releases/lib.js";

/** AccessManager role ids (contracts/governance/Roles.sol). */
export const ROLE_IDS = { ADMIN: 0n, GUARDIAN: 1n, ARBITRATOR: 2n } as const;
const OPEN_JOB = new Set<JobStatusName>(["Created", "Accepted", "Submitted", "Disputed"]);
const OPEN_PROPOSAL = new Set(["Pending", "Active", "Succeeded", "Queued"]);
const DETERMINISM = ["EXACT", "TOLERANT", "NONE"] as const;

const managerAbi = parseAbi([
  "event RoleGranted(uint64 indexed roleId, address indexed account, uint32 delay, uint48 since, bool newMember)",
  "event RoleRevoked(uint64 indexed roleId, address indexed account)",
  "function hasRole(uint64 roleId, address account) view returns (bool isMember, uint32 executionDelay)",
]);
const erc20Abi = parseAbi([
  "function balanceOf(address) view returns (uint256)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
]);

export const cli = {
  command: "npm run status",
  summary:
    "a read-only report of a deployment: parameters and settings, verifier modules, roles, value held per token, providers, " +
    "open jobs and disputes, and proposals in flight. Sends nothing.",
  usage: ["--network <name>"],
  options: {},
  sends: false,
  examples: ["npm run status -- --network localhost"],
} as const satisfies CliSpec;

export interface StatusReport {
  network: string;
  chainId: number;
  blockNumber: bigint;
  timestamp: bigint;
  market: Address;
  /** The periphery the market delegates to (`extension()`; swapped by a release). */
  extension: Address;
  versions: { recorded: string; onChain?: string };
  params: Record<string, number> & { version: number };
  settings: { stakeToken: Address; treasury: Address; thawingPeriod: number; minStake: bigint; paused: boolean };
  /** The verifier of each determinism class, and whether it is an active module (else disputes of that class are refused). */
  verifiers: { determinism: (typeof DETERMINISM)[number]; verifier: Address; activeModule: boolean }[];
  roles: Record<keyof typeof ROLE_IDS, { address: Address; label?: string; executionDelay: number }[]>;
  holdings: { token: Address; symbol: string; decimals: number; balance: bigint; treasuryAccrued: bigint }[];
  providers: { address: Address; staked: bigint; locked: bigint; thawing: bigint; slashDebt: bigint; jailedUntil: number; signer: Address }[];
  openJobs: { jobId: Hex; status: string; client: Address; provider: Address; token: Address; price: bigint; deadline: number }[];
  /** `challenger` opened the dispute; `challengers` are all of them (`disputeChallengers`), the opener first. */
  openDisputes: { jobId: Hex; challenger: Address; challengers: Address[]; token: Address; bond: bigint; verifier: Address; deadline: number }[];
  proposals: { id: bigint; state: string; description: string; voteStart: bigint; voteEnd: bigint; eta: bigint }[];
}

/** Contract events from `fromBlock` to the head, in chunks (public RPCs cap the range of eth_getLogs). */
async function eventsOf(client: PublicClient, address: Address, abi: Abi, eventName: string, fromBlock: bigint, toBlock: bigint) {
  const step = 10_000n;
  const out = [];
  for (let from = fromBlock; from <= toBlock; from += step) {
    const to = from + step - 1n < toBlock ? from + step - 1n : toBlock;
    out.push(...(await client.getContractEvents({ address, abi, eventName, fromBlock: from, toBlock: to } as never)));
  }
  return out as unknown as { args: Record<string, unknown>; blockNumber: bigint }[];
}

export async function status(argv = process.argv.slice(2), log: (line: string) => void = console.log): Promise<StatusReport> {
  const args = parseCli(cli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}": the network is an option, --network <name>`);
  const deployment = loadDeployment(args.network);
  const c = deployment.contracts;
  const connection = await network.connect({ network: args.network });
  try {
    const client = (await connection.viem.getPublicClient()) as PublicClient;
    const head = await client.getBlock();
    const from = BigInt(deployment.block);
    const read = <T>(address: Address, abi: Abi, functionName: string, args: unknown[] = []) =>
      client.readContract({ address, abi, functionName, args } as never) as Promise<T>;
    const labels = new Map<string, string>([
      [c.timelock.toLowerCase(), "Timelock"],
      [c.governor.toLowerCase(), "Governor"],
      [c.market.toLowerCase(), "JobMarket"],
      [c.verifier.toLowerCase(), "ArbitratedVerifier"],
    ]);

    // ---- parameters and settings
    const [current, paramsVersion] = await read<[Record<string, number>, number]>(c.market, jobMarketAbi, "params");
    const [stakeToken, treasury, thawingPeriod, minStake, paused] = await read<[Address, Address, number, bigint, boolean]>(c.market, jobMarketAbi, "settings");
    const onChainVersion = await read<string>(c.market, releaseAbi, "version").catch(() => undefined);
    const extension = await extensionOf(client, c.market);
    const verifiers = await Promise.all(
      DETERMINISM.map(async (determinism, i) => {
        const verifier = await read<Address>(c.market, jobMarketAbi, "verifierOf", [i]);
        return { determinism, verifier, activeModule: await read<boolean>(c.market, jobMarketAbi, "isModule", [verifier]) };
      }),
    );

    // ---- roles: candidates from the manager's events, membership from hasRole
    const candidates = new Set<string>();
    for (const eventName of ["RoleGranted", "RoleRevoked"]) {
      for (const e of await eventsOf(client, c.manager, managerAbi, eventName, from, head.number)) {
        candidates.add(`${e.args.roleId}:${e.args.account}`);
      }
    }
    const roles = { ADMIN: [], GUARDIAN: [], ARBITRATOR: [] } as StatusReport["roles"];
    for (const key of candidates) {
      const [roleId, account] = key.split(":") as [string, Address];
      const name = (Object.keys(ROLE_IDS) as (keyof typeof ROLE_IDS)[]).find((k) => ROLE_IDS[k] === BigInt(roleId));
      if (!name) continue;
      const [isMember, executionDelay] = await read<[boolean, number]>(c.manager, managerAbi, "hasRole", [BigInt(roleId), account]);
      if (isMember) roles[name].push({ address: account, label: labels.get(account.toLowerCase()), executionDelay });
    }

    // ---- value held per token
    const tokens = [stakeToken, ...c.paymentTokens.filter((t) => t.toLowerCase() !== stakeToken.toLowerCase())];
    const holdings = await Promise.all(
      tokens.map(async (token) => ({
        token,
        symbol: await read<string>(token, erc20Abi, "symbol").catch(() => "?"),
        decimals: Number(await read<number>(token, erc20Abi, "decimals").catch(() => 18)),
        balance: await read<bigint>(token, erc20Abi, "balanceOf", [c.market]),
        treasuryAccrued: await read<bigint>(c.market, jobMarketAbi, "treasuryAccrued", [token]),
      })),
    );

    // ---- providers
    const providerAddresses = [...new Set((await eventsOf(client, c.market, jobMarketAbi, "ProviderRegistered", from, head.number)).map((e) => e.args.provider as Address))];
    const providers = await Promise.all(
      providerAddresses.map(async (address) => {
        const p = await read<Record<string, unknown>>(c.market, jobMarketAbi, "provider", [address]);
        return {
          address,
          staked: p.staked as bigint,
          locked: p.locked as bigint,
          thawing: p.thawing as bigint,
          slashDebt: p.slashDebt as bigint,
          jailedUntil: Number(p.jailedUntil),
          signer: p.signer as Address,
        };
      }),
    );

    // ---- open jobs and disputes
    const created = await eventsOf(client, c.market, jobMarketAbi, "JobCreated", from, head.number);
    const openJobs: StatusReport["openJobs"] = [];
    const tokenOf = new Map<string, Address>();
    for (const e of created) {
      tokenOf.set(e.args.jobId as string, (e.args.job as { token: Address }).token);
      const jobId = e.args.jobId as Hex;
      const job = e.args.job as { client: Address; provider: Address; token: Address; price: bigint; deadline: number };
      const st = await read<{ status: number; provider: Address }>(c.market, jobMarketAbi, "jobState", [jobId]);
      const s = jobStatusName(st.status);
      if (!OPEN_JOB.has(s)) continue;
      const provider = st.provider === "0x0000000000000000000000000000000000000000" ? job.provider : st.provider;
      openJobs.push({ jobId, status: s, client: job.client, provider, token: job.token, price: job.price, deadline: Number(job.deadline) });
    }
    const disputedIds = [...new Set((await eventsOf(client, c.market, jobMarketAbi, "DisputeOpened", from, head.number)).map((e) => e.args.jobId as Hex))];
    const openDisputes: StatusReport["openDisputes"] = [];
    for (const jobId of disputedIds) {
      const st = await read<{ status: number }>(c.market, jobMarketAbi, "jobState", [jobId]);
      if (jobStatusName(st.status) !== "Disputed") continue;
      const d = await read<{ challenger: Address; bond: bigint; verifier: Address; deadline: number }>(c.market, jobMarketAbi, "dispute", [jobId]);
      const challengers = await read<Address[]>(c.market, jobMarketAbi, "disputeChallengers", [jobId]);
      openDisputes.push({ jobId, challenger: d.challenger, challengers: [...challengers], token: tokenOf.get(jobId) ?? stakeToken, bond: d.bond, verifier: d.verifier, deadline: Number(d.deadline) });
    }

    // ---- proposals in flight
    const proposals: StatusReport["proposals"] = [];
    for (const e of await eventsOf(client, c.governor, depinferGovernorAbi as Abi, "ProposalCreated", from, head.number)) {
      const id = e.args.proposalId as bigint;
      const state = ProposalState[await read<number>(c.governor, depinferGovernorAbi as Abi, "state", [id])];
      if (!OPEN_PROPOSAL.has(state)) continue;
      const eta = await read<bigint>(c.governor, depinferGovernorAbi as Abi, "proposalEta", [id]);
      proposals.push({ id, state, description: e.args.description as string, voteStart: e.args.voteStart as bigint, voteEnd: e.args.voteEnd as bigint, eta });
    }

    const report: StatusReport = {
      network: args.network,
      chainId: deployment.chainId,
      blockNumber: head.number,
      timestamp: head.timestamp,
      market: c.market,
      extension,
      versions: { recorded: deployment.versions.market, onChain: onChainVersion },
      params: { ...current, version: Number(paramsVersion) },
      settings: { stakeToken, treasury, thawingPeriod: Number(thawingPeriod), minStake, paused },
      verifiers,
      roles,
      holdings,
      providers,
      openJobs,
      openDisputes,
      proposals,
    };
    print(report, log);
    return report;
  } finally {
    await connection.close();
  }
}

function print(r: StatusReport, log: (line: string) => void) {
  const symbolOf = new Map(r.holdings.map((h) => [h.token.toLowerCase(), h]));
  const amount = (token: Address, v: bigint) => {
    const h = symbolOf.get(token.toLowerCase());
    return h ? `${formatUnits(v, h.decimals)} ${h.symbol}` : v.toString();
  };
  const time = (t: number | bigint) => `${new Date(Number(t) * 1000).toISOString()} (unix ${t})`;
  const dur = (s: number) => (s % 86400 === 0 ? `${s / 86400} d` : s % 3600 === 0 ? `${s / 3600} h` : `${s} s`);

  log(`Depinfer on ${r.network} (chain ${r.chainId}) at block ${r.blockNumber}, ${time(r.timestamp)}`);
  log(`Market ${r.market}, extension ${r.extension}, market version ${r.versions.recorded}${r.versions.onChain ? ` (version() = ${r.versions.onChain})` : ""}`);
  log("");
  log(`Parameters (version ${r.params.version}):`);
  for (const [k, v] of Object.entries(r.params)) {
    if (k === "version") continue;
    log(`  ${k}: ${/Window|Period/.test(k) ? dur(v) : k.endsWith("Bps") ? `${v} bps` : v}`);
  }
  log(`  thawingPeriod: ${dur(r.settings.thawingPeriod)}`);
  log(`  minStake: ${amount(r.settings.stakeToken, r.settings.minStake)}`);
  log(`  treasury: ${r.settings.treasury}`);
  log(`  paused: ${r.settings.paused}`);
  log("");
  log("Verifiers (determinism class: module):");
  for (const v of r.verifiers) {
    const state = /^0x0{40}$/.test(v.verifier) ? "none: disputes refused" : v.activeModule ? "active module" : "NOT an active module: disputes refused";
    log(`  ${v.determinism}: ${v.verifier} (${state})`);
  }
  log("");
  log("Roles (AccessManager):");
  for (const [name, members] of Object.entries(r.roles)) {
    log(`  ${name}: ${members.map((m) => `${m.address}${m.label ? ` (${m.label})` : ""}${m.executionDelay ? ` delay ${m.executionDelay}s` : ""}`).join(", ") || "nobody"}`);
  }
  log("");
  log("Value held by the market:");
  for (const h of r.holdings) {
    log(`  ${h.symbol} (${h.token}): ${formatUnits(h.balance, h.decimals)} held, treasury accrued ${formatUnits(h.treasuryAccrued, h.decimals)}`);
  }
  log("");
  log(`Providers (${r.providers.length}):`);
  for (const p of r.providers) {
    const jailed = BigInt(p.jailedUntil) > r.timestamp ? `, jailed until ${time(p.jailedUntil)}` : "";
    const debt = p.slashDebt > 0n ? `, slash debt ${amount(r.settings.stakeToken, p.slashDebt)}` : "";
    log(`  ${p.address}: staked ${amount(r.settings.stakeToken, p.staked)}, locked ${amount(r.settings.stakeToken, p.locked)}, thawing ${amount(r.settings.stakeToken, p.thawing)}${debt}${jailed}`);
  }
  log("");
  log(`Open jobs (${r.openJobs.length}):`);
  for (const j of r.openJobs) {
    log(`  ${j.jobId} ${j.status}: client ${j.client}, provider ${j.provider}, price ${amount(j.token, j.price)}, deadline ${time(j.deadline)}`);
  }
  log("");
  log(`Open disputes (${r.openDisputes.length}):`);
  for (const d of r.openDisputes) {
    const joined = d.challengers.length > 1 ? `, joined by ${d.challengers.slice(1).join(", ")}` : "";
    log(`  ${d.jobId}: challenger ${d.challenger}, bond ${amount(d.token, d.bond)} each${joined}, verifier ${d.verifier}, resolve by ${time(d.deadline)}`);
  }
  log("");
  log(`Proposals in flight (${r.proposals.length}):`);
  for (const p of r.proposals) {
    const when = p.state === "Queued" ? `executable after ${time(p.eta)}` : p.state === "Pending" ? `voting opens ${time(p.voteStart)}` : `voting ends ${time(p.voteEnd)}`;
    log(`  ${p.id} ${p.state} (${when}): ${p.description}`);
  }
}

if (isMain(import.meta.filename)) runCli("status", () => status());
