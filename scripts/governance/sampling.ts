/**
 * `npm run sampling -- --network <name> register [--description text] [--account i] [--yes]`
 *   Proposes, through the Governor, the Timelock's three calls that register the deployed
 *   SampledVerifier (deployments/<network>/deployment.json `contracts.sampledVerifier`, written by
 *   `npm run deploy -- --sampled-verifier deploy`): `rule` and `rejectVote` to the ARBITRATOR role, `expose` to the PLANTER role, `setModule(sv, true)`,
 *   `setVerifier(EXACT, sv)`, `setVerifier(TOLERANT, sv)`, `setVerificationFeeModule(sv)`. `npm run proposal -- --network <name> <id>
 *   vote|queue|execute` does the rest. (`npm run deploy` registers it by default; this is for a
 *   deployment made with `--sampled-verifier deploy`.)
 *
 * The guard this script had (refusing off local chains until docs/protocol.md 7.7's self-dealing finding
 * was fixed) is gone: the verification fee fixed it (economics.md 6.2: self-dealing −0.011 P a job).
 * `--accept-7.7` is still accepted and does nothing, so that scripts which pass it keep working.
 */
import { network } from "hardhat";

import { loadDeployment, parseCli, type CliSpec } from "../lib/cli.js";
import { samplingRegistrationCalls } from "../deploy/SampledVerifier.js";
import { ACCOUNT_OPTION, DESCRIPTION_OPTION, isMain, proposeChange, runCli, walletAt, type Log, type ProposeResult } from "./change.js";

export const samplingCli = {
  command: "npm run sampling",
  summary:
    "propose registering the deployed SampledVerifier for EXACT and TOLERANT jobs (rule and rejectVote to ARBITRATOR, expose to PLANTER, setModule, setVerifier for both classes, setVerificationFeeModule) through the Governor; " +
    "then npm run proposal -- --network <name> <id> vote|queue|execute.",
  usage: ["--network <name> register [--description <text>] [--account <i>] [--accept-7.7] [--yes]"],
  options: {
    account: ACCOUNT_OPTION,
    description: DESCRIPTION_OPTION,
    "accept-7.7": { type: "boolean", default: false, help: "no effect: docs/protocol.md 7.7's self-dealing finding, which it overrode, is fixed by the verification fee" },
  },
  examples: ["npm run sampling -- --network localhost register --yes"],
} as const satisfies CliSpec;

export async function sampling(argv = process.argv.slice(2), log: Log = console.log): Promise<ProposeResult> {
  const args = parseCli(samplingCli, argv);
  const [action, ...rest] = args.positionals;
  if (action !== "register" || rest.length) throw new Error(`expected "register", got "${args.positionals.join(" ")}" (npm run sampling -- --help)`);
  const deployment = loadDeployment(args.network);
  const { sampledVerifier, manager, market } = deployment.contracts;
  if (!sampledVerifier) throw new Error(`No SampledVerifier is recorded for ${args.network}: deploy it first (npm run deploy -- --sampled-verifier deploy). Nothing sent.`);
  const connection = await network.connect({ network: args.network });
  try {
    const wallet = await walletAt(connection, args.account);
    return await proposeChange(
      { connection, deployment, network: args.network, wallet, yes: args.yes, title: "Register the SampledVerifier for EXACT and TOLERANT jobs", description: args.description },
      samplingRegistrationCalls({ manager, market, sampledVerifier }),
      log,
    );
  } finally {
    await connection.close();
  }
}

if (isMain(import.meta.filename)) runCli("sampling", () => sampling());
