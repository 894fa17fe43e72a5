/**
 * `npm run dispute -- --network <name> <jobId> [upheld|rejected|draw] [--winner <index|address>] [--reason text]
 *   [--account i] [--from-block n] [--yes]`
 *
 * Shows the evidence of a dispute: the job's terms (JobCreated, and its inline input if any), the
 * provider's attested result (ResultSubmitted: output hash and EIP-712 signature, checked against
 * the provider's signer keys), the dispute (DisputeOpened, every challenger who joined with
 * DisputeJoined and the evidence each published, and the open dispute record with its
 * `disputeChallengers`) and what each ruling would do. With an outcome, the arbitrator (wallet
 * `--account`, default 0, which must hold the ARBITRATOR role) then calls
 * ArbitratedVerifier.rule(job, outcome, winner, reason) after confirmation. `--winner` names the
 * challenger whose evidence proved the fault (an index into the challengers list, or an address); it
 * is needed to uphold a dispute with several challengers, and ignored otherwise. Events are read from
 * the deployment's first block (or `--from-block`).
 *
 * A dispute held by the SampledVerifier (a sampled job, or a human dispute of a class routed to it) is
 * a check: the script shows it and its votes (each output fetched by hash from the `--content` stores,
 * e.g. the verifier nodes' output servers), and for a TOLERANT check awaiting the arbiter sends
 * `rejectVote` for each `--reject` index (a junk vote: slashed, unpaid), then `rule(job, providerStands)`
 * (upheld: the provider's output is out of tolerance; rejected or draw: it stands).
 */
import { network } from "hardhat";
import { encodeFunctionData, getAbiItem, isAddress, isAddressEqual, recoverAddress, toFunctionSelector, zeroAddress, type Abi, type Address, type Hex } from "viem";

import { arbitratedVerifierAbi } from "../../sdk/src/abis/arbitratedVerifier.js";
import { sampledVerifierAbi } from "../../sdk/src/abis/sampledVerifier.js";
import { getVerification } from "../../sdk/src/actions/verifier/getVerification.js";
import { HttpContentStore } from "../../sdk/src/content/store.js";
import type { Job } from "../../sdk/src/types.js";
import { jobMarketAbi } from "../../sdk/src/abis/jobMarket.js";
import { jobStatusName, type JobStatusName } from "../../sdk/src/types.js";
import { resultSignature } from "../../sdk/src/utils/resultSignature.js";
import { confirmCalls, loadDeployment, parseCli, sendPlanned, type CliSpec, type ParsedCli, type PlannedCall } from "../lib/cli.js";
import { ACCOUNT_OPTION, isMain, runCli, walletAt, type Log } from "./change.js";
import { accessManagerAbi, ROLE_IDS } from "./roles.js";

export const OUTCOMES = { upheld: 0, rejected: 1, draw: 2 } as const;
export type OutcomeName = keyof typeof OUTCOMES;

export const cli = {
  command: "npm run dispute",
  summary:
    "show a dispute's evidence (the job, the provider's attestation checked against its keys, every challenger and what each ruling " +
    "would pay); with an outcome, the arbitrator rules on it after confirmation.",
  usage: [
    "--network <name> <jobId> [upheld|rejected|draw] [--winner <index|address>] [--reason <text>] [--account <i>] [--from-block <n>] [--yes]",
    "--network <name> <jobId> [upheld|rejected] [--reject <index,…>] [--content <url,…>] [--account <i>] [--yes]   (a check held by the SampledVerifier)",
  ],
  options: {
    winner: { type: "string", value: "<index|address>", help: "the challenger whose evidence proved the fault (needed to uphold with several challengers)" },
    reason: { type: "string", value: "<text>", help: "the ruling's published rationale" },
    account: { ...ACCOUNT_OPTION, help: "the arbitrator: index of the network's accounts (default 0)" },
    "from-block": { type: "string", value: "<n>", help: "scan events from this block (default: the deployment's first block)" },
    reject: {
      type: "string",
      value: "<index,…>",
      help: "a check held by the SampledVerifier (TOLERANT): reject these votes as junk (rejectVote: each verifier is slashed its verifierStake and unpaid), before the ruling if one is given",
    },
    content: { type: "string", value: "<url,…>", help: "content stores (output servers, gateways) to fetch the check's outputs from by hash, to show them" },
  },
  examples: [
    "npm run dispute -- --network localhost 0x<jobId>",
    'npm run dispute -- --network localhost 0x<jobId> upheld --winner 0 --reason "output does not match the re-run"',
    "npm run dispute -- --network localhost 0x<jobId> --content http://verifier-node:8080   (a sampled TOLERANT check: show the outputs)",
    "npm run dispute -- --network localhost 0x<jobId> rejected --reject 0 --yes   (the provider stands; vote 0 was junk)",
  ],
} as const satisfies CliSpec;

const RULE_SELECTOR = toFunctionSelector(getAbiItem({ abi: arbitratedVerifierAbi, name: "rule" }));

export interface DisputeResult {
  jobId: Hex;
  status: JobStatusName;
  /**
   * Whether the attestation was signed by one of the provider's keys that count for the job: the
   * registered signer, or a key it rotated to after accepting the job (rotated away from since).
   */
  signerMatches?: boolean;
  /** The open dispute's challengers (`disputeChallengers`), the opener first; empty when none is open. */
  challengers: Address[];
  ruled: boolean;
  hash?: Hex;
  /** The challenger named the winner (upheld only). */
  winner?: Address;
  slashed?: bigint;
  challengerReward?: bigint;
  /** What the verifier module earned for the ruling. */
  arbitrationFee?: bigint;
}

const at = (t: bigint | number) => `${new Date(Number(t) * 1000).toISOString()} (unix ${t})`;

export async function dispute(argv = process.argv.slice(2), log: Log = console.log): Promise<DisputeResult> {
  const args = parseCli(cli, argv);
  const [rawJobId, rawOutcome, ...extra] = args.positionals;
  const usage = "usage: npm run dispute -- --network <name> <jobId> [upheld|rejected|draw] [--winner <index|address>] [--reason text] [--yes]";
  if (args.winner !== undefined && !/^\d+$/.test(args.winner) && !isAddress(args.winner, { strict: false })) {
    throw new Error(`--winner expects a challenger's index (0, 1, …) or address, got "${args.winner}"\n${usage}`);
  }
  if (!rawJobId || !/^0x[0-9a-fA-F]{64}$/.test(rawJobId)) throw new Error(`expected a job id (0x + 64 hex digits), got "${rawJobId ?? ""}"\n${usage}`);
  if (rawOutcome !== undefined && !(rawOutcome in OUTCOMES)) throw new Error(`unknown outcome "${rawOutcome}": expected upheld, rejected or draw\n${usage}`);
  if (extra.length) throw new Error(`unexpected argument "${extra[0]}"\n${usage}`);
  if (args.reject !== undefined && !/^\d+(,\d+)*$/.test(args.reject)) throw new Error(`--reject expects vote indexes (0 or 0,2), got "${args.reject}"\n${usage}`);
  const jobId = rawJobId.toLowerCase() as Hex;
  const outcome = rawOutcome as OutcomeName | undefined;

  const deployment = loadDeployment(args.network);
  const { market, verifier, manager, sampledVerifier } = deployment.contracts;
  const fromBlock = BigInt(args["from-block"] ?? deployment.block);
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const events = <N extends "JobCreated" | "JobInput" | "ResultSubmitted" | "DisputeOpened" | "DisputeJoined">(eventName: N) =>
      publicClient.getContractEvents({ address: market, abi: jobMarketAbi, eventName, args: { jobId } as never, fromBlock, strict: true });

    // ---------------------------------------------------------------- the job
    const [created] = await events("JobCreated");
    if (!created) throw new Error(`No JobCreated event for ${jobId} on ${args.network} since block ${fromBlock}: unknown job (or try --from-block).`);
    const job = created.args.job;
    const state = await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
    const status = jobStatusName(state.status);
    log(`Job ${jobId} (created in block ${created.blockNumber}, tx ${created.transactionHash})`);
    log(`  status       ${status}${state.provider !== zeroAddress ? `, provider ${state.provider}` : ""}, last change ${at(state.timestamp)}`);
    log(`  client       ${job.client}`);
    log(`  provider     ${job.provider === zeroAddress ? "(open job: any eligible provider)" : job.provider}`);
    log(`  token        ${job.token}, price ${job.price}`);
    log(`  collateral   ${job.collateral} (stake-token units)`);
    log(`  model        ${job.model}`);
    log(`  input hash   ${job.inputHash} (sha2-256 of the input bytes)`);
    log(`  deadline     ${at(job.deadline)}`);
    log(`  params       version ${job.paramsVersion}, nonce ${job.nonce}`);
    const [input] = await events("JobInput");
    if (input) {
      const bytes = input.args.input;
      log(`  input        ${(bytes.length - 2) / 2} bytes inline: ${bytes.length > 130 ? `${bytes.slice(0, 130)}…` : bytes}`);
    }

    // ---------------------------------------------------------------- the attestation
    const submissions = await events("ResultSubmitted");
    let signerMatches: boolean | undefined;
    if (submissions.length === 0) {
      log("Attestation: none (no ResultSubmitted event).");
    }
    for (const s of submissions) {
      const { provider, outputHash } = s.args;
      const signature = resultSignature(s.args);
      const block = await publicClient.getBlock({ blockNumber: s.blockNumber });
      log(`Attestation (block ${s.blockNumber}, ${at(block.timestamp)}, tx ${s.transactionHash})`);
      log(`  provider     ${provider}`);
      log(`  output hash  ${outputHash}`);
      log(`  signature    ${signature}`);
      const [digest, info] = await Promise.all([
        publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "attestationDigest", args: [jobId, job.model, job.inputHash, outputHash, provider] }),
        publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "provider", args: [provider] }),
      ]);
      let recovered: Hex | undefined;
      try {
        recovered = await recoverAddress({ hash: digest, signature });
      } catch {
        recovered = undefined;
      }
      if (!recovered) {
        signerMatches = false;
        log("  signer       INVALID signature: no signer recovers from it");
      } else if (isAddressEqual(recovered, info.signer)) {
        signerMatches = true;
        log(`  signer       ${recovered}: matches the provider's registered signer`);
      } else {
        // A key's epoch (signerKeyEpoch - 1) says which jobs it is evidence for: those accepted at or before it.
        const keyEpoch = await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "signerKeyEpoch", args: [provider, recovered] });
        if (keyEpoch > 0n && keyEpoch - 1n >= BigInt(state.signerEpoch)) {
          signerMatches = true;
          log(`  signer       ${recovered}: a key of the provider since the job was accepted (epoch ${keyEpoch - 1n}, rotated since; now ${info.signer})`);
        } else {
          signerMatches = false;
          const why = keyEpoch > 0n ? `a key the provider retired before accepting the job (epoch ${keyEpoch - 1n} < ${state.signerEpoch})` : "not a key of the provider";
          log(`  signer       ${recovered}: does NOT match: ${why}; the registered signer is ${info.signer}`);
        }
      }
    }

    // ---------------------------------------------------------------- the dispute
    // A job is disputed at most once, so every DisputeOpened/DisputeJoined of it belongs to one dispute.
    const [opened, joined] = await Promise.all([events("DisputeOpened"), events("DisputeJoined")]);
    for (const d of opened) {
      log(`Dispute opened (block ${d.blockNumber}, tx ${d.transactionHash})`);
      log(`  challenger   ${d.args.challenger}`);
      log(`  evidence     ${d.args.evidence || "(none given)"}`);
      log(`  bond         ${d.args.bond} (job token units, each challenger)`);
      log(`  verifier     ${d.args.verifier}${isAddressEqual(d.args.verifier, verifier) ? " (the ArbitratedVerifier)" : " (NOT this deployment's ArbitratedVerifier)"}`);
      log(`  deadline     ${at(d.args.deadline)}`);
    }
    for (const d of joined) {
      log(`Joined as challenger ${d.args.index} (block ${d.blockNumber}, tx ${d.transactionHash})`);
      log(`  challenger   ${d.args.challenger}`);
      log(`  evidence     ${d.args.evidence || "(none given)"}`);
    }
    if (opened.length === 0) log("Dispute: none opened (no DisputeOpened event).");
    if (sampledVerifier && opened.some((d) => isAddressEqual(d.args.verifier, sampledVerifier))) {
      return await sampledCheck({ args, log, connection, publicClient, market, manager, sampledVerifier, jobId, job, status, outcome });
    }
    const [record, challengers] = await Promise.all([
      publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "dispute", args: [jobId] }),
      publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "disputeChallengers", args: [jobId] }),
    ]);
    const latest = await publicClient.getBlock();
    const open = status === "Disputed";
    if (open) {
      const snap = await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "paramsAt", args: [job.paramsVersion] });
      const left = BigInt(record.deadline) - latest.timestamp;
      log(
        `Open dispute: ${
          left >= 0n
            ? `the arbitrator may rule until ${at(record.deadline)} (${left} s from the latest block)`
            : `its deadline ${at(record.deadline)} has passed: anyone may cancel it (the client is refunded, the collateral unlocked, every bond returned; the job ends Cancelled)`
        }`,
      );
      log(`Challengers (${challengers.length}; pass the winner's index or address with --winner):`);
      challengers.forEach((c, i) => log(`  ${i}  ${c}`));
      const n = BigInt(challengers.length);
      const reward = (job.collateral * BigInt(snap.challengerShareBps)) / 10_000n;
      const slashFee = (job.collateral * BigInt(snap.disputeFeeBps)) / 10_000n;
      const bondFee = (record.bond * BigInt(snap.disputeFeeBps)) / 10_000n;
      log("Rulings:");
      log(
        `  upheld    the provider lied: its collateral ${job.collateral} is slashed (the winning challenger ${reward}, the verifier module ${slashFee}, ` +
          `treasury ${job.collateral - reward - slashFee}), the client is refunded ${job.price}, every bond (${record.bond} each) goes back; the provider is jailed`,
      );
      log(
        `  rejected  the result stands: the provider is paid; each bond ${record.bond} pays the verifier module ${bondFee} and the provider ` +
          `${record.bond - bondFee} (in all ${bondFee * n} and ${(record.bond - bondFee) * n})`,
      );
      log(`  draw      undecidable: the result stands and is paid; each bond ${record.bond} pays the verifier module ${bondFee}, the rest (${record.bond - bondFee}) goes back`);
    } else {
      log(`No open dispute: the job is ${status}.`);
    }

    if (!outcome) {
      if (open) {
        const winner = challengers.length > 1 ? " [--winner <index>]" : "";
        log(`To rule: npm run dispute -- --network ${args.network} ${jobId} upheld|rejected|draw${winner} --reason "<rationale>"`);
      }
      return { jobId, status, signerMatches, challengers: [...challengers], ruled: false };
    }

    // ---------------------------------------------------------------- the ruling
    if (!open) throw new Error(`Cannot rule: job ${jobId} is ${status}, not Disputed. Nothing sent.`);
    if (!isAddressEqual(record.verifier, verifier)) {
      throw new Error(`Cannot rule: the dispute is held by verifier ${record.verifier}, not this deployment's ArbitratedVerifier ${verifier}. Nothing sent.`);
    }
    if (latest.timestamp > BigInt(record.deadline)) {
      throw new Error(
        `Cannot rule: the dispute's deadline ${at(record.deadline)} has passed (anyone may cancel it in the market, which refunds the client and returns every bond). Nothing sent.`,
      );
    }
    const winner = winnerIndex(args.winner, challengers, outcome);
    const wallet = await walletAt(connection, args.account);
    const arbitrator = wallet.account.address;
    const [allowed] = await publicClient.readContract({ address: manager, abi: accessManagerAbi, functionName: "canCall", args: [arbitrator, verifier, RULE_SELECTOR] });
    if (!allowed) {
      throw new Error(
        `${arbitrator} may not rule: it does not hold the ARBITRATOR role (${ROLE_IDS.arbitrator}). ` +
          `Pick the arbitrator's wallet with --account, or appoint one: npm run roles -- --network ${args.network} grant arbitrator <address>. Nothing sent.`,
      );
    }
    const reason = args.reason ?? "";
    if (!reason) log("Note: no --reason given; the ruling will publish an empty rationale.");
    const call: PlannedCall = {
      from: `arbitrator ${arbitrator}`,
      to: verifier,
      target: "ArbitratedVerifier",
      abi: arbitratedVerifierAbi as Abi,
      data: encodeFunctionData({ abi: arbitratedVerifierAbi, functionName: "rule", args: [job, OUTCOMES[outcome], BigInt(winner), reason] }),
    };
    log(`Ruling: ${outcome}${outcome === "upheld" ? `, winner ${winner} (${challengers[winner]})` : ""}`);
    if (!(await confirmCalls([call], args.yes, log))) return { jobId, status, signerMatches, challengers: [...challengers], ruled: false };
    const { hash, receipt } = await sendPlanned(wallet, publicClient, call, "rule");
    const [resolved] = await publicClient.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "DisputeResolved", args: { jobId }, blockHash: receipt.blockHash, strict: true });
    const after = await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
    const newStatus = jobStatusName(after.status);
    log(
      `Ruled ${outcome} (${hash}). Job status: ${newStatus}` +
        (resolved
          ? `; slashed ${resolved.args.slashed}, challenger reward ${resolved.args.challengerReward}` +
            `${resolved.args.winner !== zeroAddress ? ` to ${resolved.args.winner}` : ""}, arbitration fee ${resolved.args.arbitrationFee} to the verifier module`
          : ""),
    );
    return {
      jobId,
      status: newStatus,
      signerMatches,
      challengers: [...challengers],
      ruled: true,
      hash,
      winner: resolved && resolved.args.winner !== zeroAddress ? resolved.args.winner : undefined,
      slashed: resolved?.args.slashed,
      challengerReward: resolved?.args.challengerReward,
      arbitrationFee: resolved?.args.arbitrationFee,
    };
  } finally {
    await connection.close();
  }
}

/**
 * The winner's index for `rule`: `--winner` as an index or a challenger's address. Upholding a
 * dispute with several challengers needs it (the reward goes to one of them); with one challenger
 * it is 0; for other outcomes the market ignores it (0).
 */
function winnerIndex(given: string | undefined, challengers: readonly Address[], outcome: OutcomeName): number {
  if (outcome !== "upheld") return 0;
  if (given === undefined) {
    if (challengers.length === 1) return 0;
    throw new Error(
      `Upholding a dispute with ${challengers.length} challengers needs --winner: the index (0 to ${challengers.length - 1}) or address of the one whose evidence proved the fault. Nothing sent.`,
    );
  }
  const index = /^\d+$/.test(given) ? Number(given) : challengers.findIndex((c) => isAddressEqual(c, given as Address));
  if (index < 0 || index >= challengers.length) {
    throw new Error(`--winner ${given} is not one of the dispute's ${challengers.length} challenger(s): ${challengers.map((c, i) => `${i} ${c}`).join(", ")}. Nothing sent.`);
  }
  return index;
}

/**
 * A dispute held by the SampledVerifier: the check and its votes (the SDK's `getVerification`, with the
 * outputs fetched by hash from `--content` stores), and for a TOLERANT check awaiting the arbiter, the
 * arbiter's calls: `rejectVote` for each `--reject` index, then `rule(job, providerStands)` (upheld:
 * false; rejected or draw: true, the module names the outcome itself).
 */
async function sampledCheck(p: {
  args: ParsedCli<(typeof cli)["options"]>;
  log: Log;
  connection: Awaited<ReturnType<typeof network.connect>>;
  publicClient: Awaited<ReturnType<Awaited<ReturnType<typeof network.connect>>["viem"]["getPublicClient"]>>;
  market: Address;
  manager: Address;
  sampledVerifier: Address;
  jobId: Hex;
  job: Job;
  status: JobStatusName;
  outcome: OutcomeName | undefined;
}): Promise<DisputeResult> {
  const { args, log, publicClient, market, sampledVerifier: sv, jobId, job, outcome } = p;
  const c = await getVerification(publicClient, { sampledVerifier: sv, market, jobId });
  const stores = (args.content ?? "").split(",").filter(Boolean).map((baseUrl) => new HttpContentStore({ baseUrl }));
  const show = async (hash: Hex) => {
    for (const store of stores) {
      const bytes = await store.get(hash).catch(() => undefined);
      if (bytes) {
        const text = new TextDecoder().decode(bytes);
        return `${bytes.length} bytes: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)}`;
      }
    }
    return stores.length ? "not found in the --content stores" : "pass --content <url> to fetch it";
  };
  log(`Sampled check by the SampledVerifier ${sv} (${c.tolerant ? "TOLERANT" : "EXACT"}${c.human ? ", opened by a human dispute" : ""}${c.exposed ? ", exposed as planted" : ""})`);
  log(`  status       ${c.status}, round ${c.round}`);
  log(`  provider     ${c.provider}, output ${c.providerOutput} (${await show(c.providerOutput)})`);
  for (const v of c.votes) {
    const said = v.status === "Revealed" ? `output ${v.output} (${v.agrees ? "equal to the provider's" : `differs: ${await show(v.output)}`})` : "";
    log(`  vote ${v.index}       ${v.verifier} round ${v.round}: ${v.status} ${said}`);
  }
  const result: DisputeResult = { jobId, status: p.status, challengers: [], ruled: false };
  if (c.status !== "AwaitingArbitration") {
    if (outcome || args.reject) throw new Error(`Cannot rule: the check is ${c.status}; the arbiter rules only a TOLERANT check AwaitingArbitration (the module decides EXACT checks by the votes). Nothing sent.`);
    log("The module decides this check by its votes (npm run status, or the SDK's getVerification, follows it).");
    return result;
  }
  log("Rulings (the arbiter compares the outputs above):");
  log("  upheld             the provider's output is out of tolerance: it is slashed its collateral, the client refunded; every vote equal to its output is slashed too (a copy), the others are paid");
  log("  rejected | draw    the provider's output is within tolerance: it is paid; every vote not rejected is paid");
  log("  --reject <i,…>     before either: a vote whose output is junk (not a re-run of the job) is slashed its verifier stake and unpaid");
  if (!outcome && !args.reject) {
    log(`To rule: npm run dispute -- --network ${args.network} ${jobId} upheld|rejected [--reject <i,…>]`);
    return result;
  }
  const rejects = (args.reject ?? "").split(",").filter(Boolean).map(Number);
  for (const i of rejects) {
    const v = c.votes[i];
    if (!v || v.status !== "Revealed" || v.agrees) {
      throw new Error(`--reject ${i}: only a revealed vote whose output differs from the provider's can be rejected (votes: ${c.votes.map((x) => `${x.index} ${x.status}${x.agrees ? " equal" : ""}`).join(", ")}). Nothing sent.`);
    }
  }
  const wallet = await walletAt(p.connection, args.account);
  const arbitrator = wallet.account.address;
  const [allowed] = await publicClient.readContract({ address: p.manager, abi: accessManagerAbi, functionName: "canCall", args: [arbitrator, sv, toFunctionSelector(getAbiItem({ abi: sampledVerifierAbi, name: "rule" }))] });
  if (!allowed) throw new Error(`${arbitrator} may not rule: it does not hold the ARBITRATOR role (${ROLE_IDS.arbitrator}). Pick the arbitrator's wallet with --account. Nothing sent.`);
  const planned = (data: Hex): PlannedCall => ({ from: `arbitrator ${arbitrator}`, to: sv, target: "SampledVerifier", abi: sampledVerifierAbi as Abi, data });
  const calls = rejects.map((i) => ({ what: `rejectVote ${i}`, call: planned(encodeFunctionData({ abi: sampledVerifierAbi, functionName: "rejectVote", args: [job, BigInt(i)] })) }));
  if (outcome) calls.push({ what: "rule", call: planned(encodeFunctionData({ abi: sampledVerifierAbi, functionName: "rule", args: [job, outcome !== "upheld"] })) });
  if (!(await confirmCalls(calls.map((x) => x.call), args.yes, log))) return result;
  let hash: Hex | undefined;
  for (const { what, call } of calls) hash = (await sendPlanned(wallet, publicClient, call, what)).hash;
  const after = jobStatusName((await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] })).status);
  log(`Sent ${calls.length} call(s) (last ${hash}). Job status: ${after}`);
  return { ...result, status: after, ruled: outcome !== undefined, hash };
}

if (isMain(import.meta.filename)) runCli("dispute", () => dispute());
