/**
 * The deploy configuration (`npm run deploy -- --parameters <file>`, or
 * deployments/<network>/parameters.json): who holds which power and where the token supply goes,
 * read, validated and checked against the deployer before anything is sent. docs/deployment.md
 * documents every key.
 *
 * Local chains (chain id 31337: the in-process `hardhat` network, `localhost`, the test anvil
 * networks) keep the one-account convenience: whatever is not configured is the deployer. On every
 * other chain the deployer may not be the guardian, the arbitrator or the treasury, and may not
 * keep any of the token supply.
 */
import { getAddress } from "viem";
import type { Address } from "viem";

import type { TokenAllocation } from "./Depinfer.js";

/** The chain id of every local chain: Hardhat's in-process network, `hardhat node` and anvil. */
export const LOCAL_CHAIN_ID = 31337;

/** Local means chain id 31337, whatever the network is called: see docs/deployment.md. */
export function isLocalChain(chainId: number) {
  return chainId === LOCAL_CHAIN_ID;
}

/** The Ignition module's defaults (scripts/deploy/Depinfer.ts), needed here for the supply checks. */
const DEFAULTS = { tokenSupply: 1_000_000_000n * 10n ** 18n, proposalThreshold: 1_000_000n * 10n ** 18n, quorumPercent: 4n };
/** ERC20Votes caps the supply at type(uint208).max. */
const MAX_SUPPLY = 2n ** 208n - 1n;

const ADDRESS_KEYS = ["guardian", "arbitrator", "treasury"] as const;
const NUMBER_KEYS = ["tokenSupply", "timelockDelay", "votingDelay", "votingPeriod", "proposalThreshold", "quorumPercent", "minStake"] as const;
const KNOWN_KEYS = [...ADDRESS_KEYS, ...NUMBER_KEYS, "tokenDistribution"] as const;

export interface DeployConfig {
  /** Where the configuration came from ("no configuration" when there is none). */
  source: string;
  guardian?: Address;
  arbitrator?: Address;
  /** An address, or "timelock": the Timelock holds the fees (governance spends them). */
  treasury?: Address | "timelock";
  tokenSupply: bigint;
  proposalThreshold: bigint;
  quorumPercent: bigint;
  tokenDistribution?: TokenAllocation[];
  /** What the Ignition module reads with `m.getParameter` (numbers as bigint; no "timelock", no distribution). */
  ignitionParameters: Record<string, string | bigint>;
}

/** A deploy configuration that cannot be used; `problems` has one line per mistake. */
export class DeployConfigError extends Error {
  constructor(
    readonly header: string,
    readonly problems: string[],
  ) {
    super(`${header}\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "DeployConfigError";
  }
}

/**
 * A checksummed (EIP-55), non-zero address, or a sentence saying what is wrong with `value`.
 * All-lowercase is refused too: only the checksum catches a mistyped address.
 */
export function checkAddress(key: string, value: unknown): { address: Address } | { problem: string } {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    return { problem: `"${key}" = ${JSON.stringify(value)} is not an address: expected 0x and 40 hex digits, checksummed (EIP-55).` };
  }
  const checksummed = getAddress(value);
  if (BigInt(value) === 0n) return { problem: `"${key}" is the zero address.` };
  if (value !== checksummed) {
    const mixed = value.slice(2) !== value.slice(2).toLowerCase() && value.slice(2) !== value.slice(2).toUpperCase();
    return {
      problem: mixed
        ? `"${key}" = ${value} fails its EIP-55 checksum: a mistyped address? Copy it again from its source.`
        : `"${key}" = ${value} is not checksummed: write it as ${checksummed} (EIP-55) once you have checked that it is the intended address.`,
    };
  }
  return { address: checksummed };
}

/** A whole number: a JSON integer (safe range) or a decimal string, optionally with Ignition's "n" suffix. */
function checkWholeNumber(key: string, value: unknown): { value: bigint } | { problem: string } {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return { value: BigInt(value) };
  if (typeof value === "string" && /^\d+n?$/.test(value)) return { value: BigInt(value.replace(/n$/, "")) };
  const why = typeof value === "number" && Number.isInteger(value) && value > 0 ? "is too large for an exact JSON number" : "is not a whole number";
  return { problem: `"${key}" = ${JSON.stringify(value)} ${why}: write it as a decimal string, such as "1000000000000000000000000000".` };
}

/**
 * Validates a parsed configuration file (`raw`, from `source`): known keys only, checksummed
 * non-zero addresses, whole numbers, and a distribution that adds up to the supply. It does not know
 * the deployer or the chain: `checkPowers` does that. Throws a `DeployConfigError` listing every problem.
 */
export function parseDeployConfig(raw: unknown, source: string): DeployConfig {
  const problems: string[] = [];
  if (raw === undefined) raw = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new DeployConfigError(`Deploy configuration ${source} is unusable:`, ["it must be a JSON object of keys (docs/deployment.md)."]);
  }
  const input = raw as Record<string, unknown>;
  const config: DeployConfig = { source, ...DEFAULTS, ignitionParameters: {} };

  for (const key of Object.keys(input)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) problems.push(`unknown key "${key}": the keys are ${KNOWN_KEYS.join(", ")} (docs/deployment.md).`);
  }
  for (const key of ADDRESS_KEYS) {
    if (input[key] === undefined) continue;
    if (key === "treasury" && input[key] === "timelock") {
      config.treasury = "timelock";
      continue;
    }
    const checked = checkAddress(key, input[key]);
    if ("problem" in checked) problems.push(checked.problem + (key === "treasury" ? ` (or "timelock")` : ""));
    else {
      config[key] = checked.address;
      config.ignitionParameters[key] = checked.address;
    }
  }
  for (const key of NUMBER_KEYS) {
    if (input[key] === undefined) continue;
    const checked = checkWholeNumber(key, input[key]);
    if ("problem" in checked) problems.push(checked.problem);
    else {
      config.ignitionParameters[key] = checked.value;
      if (key === "tokenSupply" || key === "proposalThreshold" || key === "quorumPercent") config[key] = checked.value;
    }
  }
  if (config.tokenSupply === 0n || config.tokenSupply > MAX_SUPPLY) problems.push(`"tokenSupply" = ${config.tokenSupply} is out of bounds: allowed 1 to ${MAX_SUPPLY} (ERC20Votes).`);
  if (config.quorumPercent > 100n) problems.push(`"quorumPercent" = ${config.quorumPercent} is out of bounds: allowed 0 to 100.`);

  if (input.tokenDistribution !== undefined) {
    const list = input.tokenDistribution;
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`"tokenDistribution" must be a non-empty list of { "to": <address or "timelock">, "amount": "<token wei>" }.`);
    } else {
      const allocations: TokenAllocation[] = [];
      const seen = new Set<string>();
      list.forEach((entry, i) => {
        const where = `tokenDistribution[${i}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
          problems.push(`"${where}" must be { "to": <address or "timelock">, "amount": "<token wei>" }.`);
          return;
        }
        const { to, amount, ...extra } = entry as Record<string, unknown>;
        for (const k of Object.keys(extra)) problems.push(`unknown key "${where}.${k}": an entry has "to" and "amount".`);
        let recipient: Address | "timelock" | undefined;
        if (to === "timelock") recipient = "timelock";
        else {
          const checked = checkAddress(`${where}.to`, to);
          if ("problem" in checked) problems.push(`${checked.problem} (or "timelock")`);
          else recipient = checked.address;
        }
        const checkedAmount = checkWholeNumber(`${where}.amount`, amount);
        if ("problem" in checkedAmount) problems.push(checkedAmount.problem);
        else if (checkedAmount.value === 0n) problems.push(`"${where}.amount" is 0: leave the entry out.`);
        if (recipient !== undefined && seen.has(recipient)) problems.push(`"${where}.to" = ${recipient} appears twice: one entry per recipient.`);
        if (recipient !== undefined) seen.add(recipient);
        if (recipient !== undefined && "value" in checkedAmount) allocations.push({ to: recipient, amount: checkedAmount.value });
      });
      if (allocations.length === list.length) {
        const sum = allocations.reduce((s, a) => s + a.amount, 0n);
        if (sum !== config.tokenSupply) {
          problems.push(`"tokenDistribution" adds up to ${sum}, but "tokenSupply" is ${config.tokenSupply}: the amounts must add up to the whole supply (token wei).`);
        }
        config.tokenDistribution = allocations;
      }
    }
  }
  if (problems.length) throw new DeployConfigError(`Deploy configuration ${source} is unusable; nothing sent:`, problems);
  return config;
}

/**
 * What the deployer would keep that it must not, on a non-local chain; and, on every chain, a
 * distribution under which governance could never pass a proposal. One line per problem, each
 * naming the key that fixes it; empty when the deployment may go ahead.
 */
export function checkPowers(config: DeployConfig, deployer: Address, local: boolean): string[] {
  const problems: string[] = [];
  const d = getAddress(deployer);
  if (!local) {
    const roles = [
      ["guardian", config.guardian, `set "guardian" to the guardian multisig (it may pause the market and cancel queued Timelock operations)`],
      ["arbitrator", config.arbitrator, `set "arbitrator" to the arbitrator's or the arbitration council's address`],
      ["treasury", config.treasury, `set "treasury" to "timelock" (governance holds the fees) or to the treasury multisig`],
    ] as const;
    for (const [key, value, fix] of roles) {
      if (value === undefined) problems.push(`"${key}" is not set, so the deployer ${d} would be the ${key}: ${fix}.`);
      else if (value === d) problems.push(`"${key}" is the deployer ${d}: ${fix}, not the deployer.`);
    }
    const fix = `list the supply's recipients in "tokenDistribution" ({ "to": <address or "timelock">, "amount": "<token wei>" }, adding up to "tokenSupply")`;
    if (config.tokenDistribution === undefined) {
      problems.push(`"tokenDistribution" is not set, so the deployer ${d} would keep the whole supply of ${config.tokenSupply} token wei: ${fix}.`);
    } else {
      const kept = config.tokenDistribution.find((a) => a.to === d);
      if (kept) problems.push(`"tokenDistribution" gives ${kept.amount} token wei to the deployer ${d}, which keeps no tokens on a non-local chain: ${fix}, without the deployer.`);
    }
  }
  if (config.tokenDistribution !== undefined) {
    // Tokens held by the Timelock cannot vote (it cannot delegate without a proposal), so the
    // quorum and the proposal threshold must be reachable with the rest.
    const voting = config.tokenDistribution.filter((a) => a.to !== "timelock").reduce((s, a) => s + a.amount, 0n);
    const quorum = (config.tokenSupply * config.quorumPercent) / 100n;
    const needed = quorum > config.proposalThreshold ? quorum : config.proposalThreshold;
    if (voting < needed) {
      problems.push(
        `"tokenDistribution" leaves ${voting} token wei outside the Timelock, below the ${needed} that the quorum (${config.quorumPercent} % of the supply) ` +
          `and the proposal threshold need: the Timelock's tokens cannot vote, so no proposal could ever pass. Give holders other than "timelock" at least ${needed}.`,
      );
    }
  }
  return problems;
}

/** The roles and the supply as they will be deployed, for the log before confirmation. */
export function describePowers(config: DeployConfig, deployer: Address): string[] {
  const d = getAddress(deployer);
  const who = (a: Address | "timelock" | undefined) => (a === undefined ? `${d} (the deployer: local default)` : a === "timelock" ? "the Timelock" : a === d ? `${a} (the deployer)` : a);
  const lines = [`  guardian:   ${who(config.guardian)}`, `  arbitrator: ${who(config.arbitrator)}`, `  treasury:   ${who(config.treasury)}`];
  if (config.tokenDistribution === undefined) lines.push(`  token supply ${config.tokenSupply}: all to ${who(undefined)}`);
  else {
    lines.push(`  token supply ${config.tokenSupply}:`);
    for (const a of config.tokenDistribution) lines.push(`    ${a.amount} to ${who(a.to)}`);
  }
  return lines;
}
