/**
 * `npm run params -- --network <name> [--challenge-window 2h] [--dispute-resolution-period 7d]
 *   [--collateral-ratio-bps n] [--protocol-fee-bps n] [--challenger-share-bps n]
 *   [--liveness-slash-bps n] [--bond-ratio-bps n] [--dispute-fee-bps n]
 *   [--thawing-period 14d] [--min-stake <wei>] [--description text] [--account i] [--yes]`
 *
 * Proposes a parameter change through the Governor. It reads the market's current parameters,
 * merges the changes, and checks every bound the market checks (JobMarketBase's constants,
 * including thawingPeriod ≥ challengeWindow + disputeResolutionPeriod + 48 h at every step of
 * the proposal) before anything is sent: an out-of-bounds value is refused with the field and
 * its allowed range. A valid change is saved as a proposal, printed, and proposed after
 * confirmation; then `npm run proposal -- --network <name> <id> vote|queue|execute` advances it.
 *
 * Durations take seconds or a unit: 90s, 30m, 2h, 7d.
 */
import { network } from "hardhat";
import type { Abi } from "viem";

import { jobMarketAbi } from "../../sdk/src/abis/jobMarket.js";
import { loadDeployment, parseCli, type CliOption, type CliSpec } from "../lib/cli.js";
import { ACCOUNT_OPTION, DESCRIPTION_OPTION, isMain, proposeChange, runCli, walletAt, type Log, type ProposalCall, type ProposeResult } from "./change.js";

const HOUR = 3600n;
const DAY = 24n * HOUR;

/** The job-bound parameters (IJobMarketTypes.Params), in struct order. */
export const PARAM_FIELDS = [
  "challengeWindow",
  "disputeResolutionPeriod",
  "collateralRatioBps",
  "protocolFeeBps",
  "challengerShareBps",
  "livenessSlashBps",
  "bondRatioBps",
  "disputeFeeBps",
  "verificationFeeBps",
] as const;
export type ParamField = (typeof PARAM_FIELDS)[number];
export type Params = Record<ParamField, bigint>;

/** The bounds of contracts/core/JobMarketBase.sol. `livenessSlashBps` is bounded by the new `collateralRatioBps`. */
export const BOUNDS = {
  challengeWindow: { min: 1n * HOUR, max: 72n * HOUR, unit: "s" },
  disputeResolutionPeriod: { min: 1n * DAY, max: 14n * DAY, unit: "s" },
  collateralRatioBps: { min: 10_000n, max: 1_000_000n, unit: "bps" },
  protocolFeeBps: { min: 0n, max: 1_000n, unit: "bps" },
  challengerShareBps: { min: 0n, max: 5_000n, unit: "bps" },
  livenessSlashBps: { min: 0n, max: undefined, unit: "bps" },
  bondRatioBps: { min: 10_000n, max: 1_000_000n, unit: "bps" },
  disputeFeeBps: { min: 0n, max: 5_000n, unit: "bps" },
  verificationFeeBps: { min: 0n, max: 1_000n, unit: "bps" },
  thawingPeriod: { min: 0n, max: 28n * DAY, unit: "s" },
  minStake: { min: 0n, max: 10n ** 27n, unit: "wei" },
} as const;
export const THAWING_MARGIN = 48n * HOUR;

const DURATION_FIELDS = new Set<string>(["challengeWindow", "disputeResolutionPeriod", "thawingPeriod"]);

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** "7200" | "2h" → seconds. */
function parseValue(field: string, raw: string): bigint {
  const text = raw.trim().replace(/_/g, "");
  const units: Record<string, bigint> = { s: 1n, m: 60n, h: HOUR, d: DAY };
  const m = DURATION_FIELDS.has(field) ? /^(-?\d+)([smhd]?)$/.exec(text) : /^(-?\d+)()$/.exec(text);
  if (!m) {
    const hint = DURATION_FIELDS.has(field) ? "seconds, or a number with s, m, h or d" : "a whole number";
    throw new Error(`--${kebab(field)} ${raw}: expected ${hint}`);
  }
  return BigInt(m[1]) * (units[m[2] || "s"] ?? 1n);
}

/** Renders a value with its unit, durations also in hours or days. */
function show(field: string, value: bigint): string {
  if (!DURATION_FIELDS.has(field)) return `${value}`;
  const human = value % DAY === 0n && value !== 0n ? `${value / DAY} d` : value % HOUR === 0n && value !== 0n ? `${value / HOUR} h` : undefined;
  return human ? `${value} s (${human})` : `${value} s`;
}

export interface Current {
  params: Params;
  thawingPeriod: bigint;
  minStake: bigint;
}

export interface Changes {
  params: Partial<Params>;
  thawingPeriod?: bigint;
  minStake?: bigint;
}

export type Step =
  | { functionName: "setParams"; args: [Record<ParamField, number>] }
  | { functionName: "setThawingPeriod"; args: [number] }
  | { functionName: "setMinStake"; args: [bigint] };

/**
 * Checks `changes` against the market's bounds, and orders the calls so that each one passes the
 * check the market makes when it runs (setThawingPeriod checks the thawing rule against the
 * parameters in force, setParams against the thawing period in force). Returns the calls, or
 * the list of problems.
 */
export function planParamChange(current: Current, changes: Changes): { steps: Step[]; problems: string[]; next: Current } {
  const problems: string[] = [];
  const params = { ...current.params, ...changes.params } as Params;
  const thawing = changes.thawingPeriod ?? current.thawingPeriod;
  const minStake = changes.minStake ?? current.minStake;

  const within = (field: string, value: bigint, min: bigint, max: bigint, why = "") => {
    if (value < min || value > max) {
      problems.push(`${field} (--${kebab(field)}) = ${show(field, value)} is out of bounds: allowed ${show(field, min)} to ${show(field, max)}${why}.`);
    }
  };
  for (const field of PARAM_FIELDS) {
    const b = BOUNDS[field];
    const max = field === "livenessSlashBps" ? params.collateralRatioBps : (b.max as bigint);
    within(field, params[field], b.min, max, field === "livenessSlashBps" ? " (at most collateralRatioBps)" : "");
  }
  within("thawingPeriod", thawing, BOUNDS.thawingPeriod.min, BOUNDS.thawingPeriod.max);
  within("minStake", minStake, BOUNDS.minStake.min, BOUNDS.minStake.max);

  const paramsChanged = PARAM_FIELDS.some((f) => params[f] !== current.params[f]);
  const thawingChanged = thawing !== current.thawingPeriod;
  const minStakeChanged = minStake !== current.minStake;
  if (!paramsChanged && !thawingChanged && !minStakeChanged && problems.length === 0) {
    problems.push("Nothing to change: every value given equals the current one.");
  }

  const required = (p: Params) => p.challengeWindow + p.disputeResolutionPeriod + THAWING_MARGIN;
  const thawingRule = (thawingPeriod: bigint, p: Params, when: string) => {
    if (thawingPeriod < required(p)) {
      problems.push(
        `thawingPeriod = ${show("thawingPeriod", thawingPeriod)} is too short ${when}: it must be at least challengeWindow + ` +
          `disputeResolutionPeriod + 48 h = ${show("thawingPeriod", required(p))}. Add --thawing-period ${required(p)} (or more).`,
      );
    }
  };

  const steps: Step[] = [];
  const setParams: Step = {
    functionName: "setParams",
    args: [Object.fromEntries(PARAM_FIELDS.map((f) => [f, Number(params[f])])) as Record<ParamField, number>],
  };
  const setThawing: Step = { functionName: "setThawingPeriod", args: [Number(thawing)] };
  if (problems.length === 0) {
    // A rising thawing period goes first (so the new parameters find it in force); a falling one
    // goes last (so it is checked against the new parameters, not the old).
    if (thawingChanged && thawing > current.thawingPeriod) {
      thawingRule(thawing, current.params, "for the current parameters");
      steps.push(setThawing);
      if (paramsChanged) {
        thawingRule(thawing, params, "for the new parameters");
        steps.push(setParams);
      }
    } else {
      if (paramsChanged) {
        thawingRule(current.thawingPeriod, params, "(the one in force) for the new parameters");
        steps.push(setParams);
      }
      if (thawingChanged) {
        thawingRule(thawing, params, "for the parameters then in force");
        steps.push(setThawing);
      }
    }
    if (minStakeChanged) steps.push({ functionName: "setMinStake", args: [minStake] });
  }
  return { steps: problems.length ? [] : steps, problems: [...new Set(problems)], next: { params, thawingPeriod: thawing, minStake } };
}

/** What each option sets, for --help. */
const HELP: Record<ParamField | "thawingPeriod" | "minStake", string> = {
  challengeWindow: "how long a submitted result may be disputed (1h to 72h)",
  disputeResolutionPeriod: "how long the arbitrator has to rule (1d to 14d)",
  collateralRatioBps: "provider collateral per job, in bps of the price (10000 to 1000000)",
  protocolFeeBps: "protocol fee, in bps of the price (0 to 1000)",
  challengerShareBps: "the winning challenger's share of a slash, in bps (0 to 5000)",
  livenessSlashBps: "slash for a missed deadline, in bps of the price (0 to collateralRatioBps)",
  bondRatioBps: "a challenger's bond, in bps of the price (10000 to 1000000)",
  disputeFeeBps: "the verifier module's fee, in bps of the bond (0 to 5000)",
  verificationFeeBps: "the verification fee on jobs of classes routed to the fee module, in bps of the price (0 to 1000)",
  thawingPeriod: "how long unstaked tokens thaw (up to 28d; at least challengeWindow + disputeResolutionPeriod + 48h)",
  minStake: "the minimum provider stake, in stake-token wei (up to 1e27)",
};

const options = {
  ...(Object.fromEntries(
    PARAM_FIELDS.map((f) => [kebab(f), { type: "string" as const, value: DURATION_FIELDS.has(f) ? "<duration>" : "<n>", help: HELP[f] }]),
  ) as Record<string, CliOption>),
  "thawing-period": { type: "string", value: "<duration>", help: HELP.thawingPeriod },
  "min-stake": { type: "string", value: "<wei>", help: HELP.minStake },
  description: DESCRIPTION_OPTION,
  account: ACCOUNT_OPTION,
} satisfies Record<string, CliOption>;

export const cli = {
  command: "npm run params",
  summary:
    "propose a change of the market's parameters through the Governor. Every bound the market checks is checked first, and an " +
    "out-of-bounds value is refused with its allowed range, before anything is sent.",
  usage: ["--network <name> [--challenge-window <duration>] [--protocol-fee-bps <n>] … [--description <text>] [--account <i>] [--yes]"],
  options,
  notes: [
    "Durations take seconds or a unit: 90s, 30m, 2h, 7d. The proposer needs the proposal threshold in delegated votes: npm run delegate.",
    "Then: npm run proposal -- --network <name> <id> vote|queue|execute",
  ],
  examples: ["npm run params -- --network localhost --challenge-window 2h --yes"],
} satisfies CliSpec;

/** Reads the market's parameters, thawing period and minimum stake. */
export async function readCurrent(publicClient: { readContract: (...a: never[]) => Promise<unknown> }, market: `0x${string}`): Promise<Current> {
  const read = publicClient.readContract as unknown as (req: object) => Promise<unknown>;
  const [[params], settings] = (await Promise.all([
    read({ address: market, abi: jobMarketAbi, functionName: "params" }),
    read({ address: market, abi: jobMarketAbi, functionName: "settings" }),
  ])) as [[Record<ParamField, number>, number], [string, string, number, bigint, boolean]];
  return {
    params: Object.fromEntries(PARAM_FIELDS.map((f) => [f, BigInt(params[f])])) as Params,
    thawingPeriod: BigInt(settings[2]),
    minStake: BigInt(settings[3]),
  };
}

export async function params(argv = process.argv.slice(2), log: Log = console.log): Promise<ProposeResult> {
  const args = parseCli(cli, argv) as ReturnType<typeof parseCli<typeof options>> & Record<string, string | undefined>;
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}": every change is an option, e.g. --challenge-window 2h`);
  const changes: Changes = { params: {} };
  for (const f of PARAM_FIELDS) {
    const raw = args[kebab(f)];
    if (raw !== undefined) changes.params[f] = parseValue(f, raw);
  }
  if (args["thawing-period"] !== undefined) changes.thawingPeriod = parseValue("thawingPeriod", args["thawing-period"]);
  if (args["min-stake"] !== undefined) changes.minStake = parseValue("minStake", args["min-stake"]);
  if (Object.keys(changes.params).length === 0 && changes.thawingPeriod === undefined && changes.minStake === undefined) {
    throw new Error(
      `nothing to change: give at least one of ${[...PARAM_FIELDS.map(kebab), "thawing-period", "min-stake"].map((o) => `--${o}`).join(", ")}`,
    );
  }

  const deployment = loadDeployment(args.network);
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const current = await readCurrent(publicClient as never, deployment.contracts.market);
    const plan = planParamChange(current, changes);
    log(`Market ${deployment.contracts.market} on ${args.network}:`);
    for (const f of PARAM_FIELDS) {
      const mark = plan.next.params[f] !== current.params[f] ? `  ->  ${show(f, plan.next.params[f])}` : "";
      log(`  ${f.padEnd(24)} ${show(f, current.params[f])}${mark}`);
    }
    log(`  ${"thawingPeriod".padEnd(24)} ${show("thawingPeriod", current.thawingPeriod)}${plan.next.thawingPeriod !== current.thawingPeriod ? `  ->  ${show("thawingPeriod", plan.next.thawingPeriod)}` : ""}`);
    log(`  ${"minStake".padEnd(24)} ${current.minStake}${plan.next.minStake !== current.minStake ? `  ->  ${plan.next.minStake}` : ""}`);
    if (plan.problems.length) {
      throw new Error(`refused, nothing sent:\n  ${plan.problems.join("\n  ")}`);
    }
    const calls: ProposalCall[] = plan.steps.map((s) => ({
      to: deployment.contracts.market,
      target: "JobMarket",
      abi: jobMarketAbi as Abi,
      functionName: s.functionName,
      args: s.args,
    }));
    const changed = [
      ...PARAM_FIELDS.filter((f) => plan.next.params[f] !== current.params[f]).map((f) => `${f} ${show(f, plan.next.params[f])}`),
      ...(plan.next.thawingPeriod !== current.thawingPeriod ? [`thawingPeriod ${show("thawingPeriod", plan.next.thawingPeriod)}`] : []),
      ...(plan.next.minStake !== current.minStake ? [`minStake ${plan.next.minStake}`] : []),
    ];
    const wallet = await walletAt(connection, args.account);
    return await proposeChange(
      { connection, deployment, network: args.network, wallet, yes: args.yes, title: `Set ${changed.join(", ")}`, description: args.description },
      calls,
      log,
    );
  } finally {
    await connection.close();
  }
}

if (isMain(import.meta.filename)) runCli("params", () => params());
