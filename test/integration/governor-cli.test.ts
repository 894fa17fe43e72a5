/**
 * The command line of every governor script, without a chain: `--help` prints the options and an
 * example and exits 0 (before connecting to anything), an unknown flag exits non-zero with one line
 * naming every valid flag, and the revert decoder names Governor, Timelock and AccessManager errors.
 * Each script runs as its own process, started as package.json's line starts it.
 */
import { encodeErrorResult, type Hex } from "viem";
import { describe, expect, it } from "vitest";

import { advance, cli as advanceCli } from "../../scripts/advance.js";
import { cli as deployCli, deploy } from "../../scripts/deploy.js";
import { cli as delegateCli, delegate } from "../../scripts/governance/delegate.js";
import { cli as disputeCli, dispute } from "../../scripts/governance/dispute.js";
import { cli as paramsCli, params } from "../../scripts/governance/params.js";
import { pause, pauseCli, unpause, unpauseCli } from "../../scripts/governance/pause.js";
import { advanceProposal, cli as proposalCli } from "../../scripts/governance/proposal.js";
import { cli as rolesCli, roles } from "../../scripts/governance/roles.js";
import { UsageError, type CliSpec } from "../../scripts/lib/cli.js";
import { accessManagerErrorsAbi, decodeRevert, explainError } from "../../scripts/lib/errors.js";
import { runRelease, runnerSpec } from "../../scripts/releases/run.js";
import { cli as step01 } from "../../scripts/releases/v2/01-deploy-extension.js";
import { cli as step02 } from "../../scripts/releases/v2/02-queue-upgrade.js";
import { cli as step03 } from "../../scripts/releases/v2/03-execute-upgrade.js";
import { status, cli as statusCli } from "../../scripts/status.js";
import { depinferGovernorAbi } from "../../sdk/src/abis/depinferGovernor.js";
import { depinferTimelockAbi } from "../../sdk/src/abis/depinferTimelock.js";
import { pooled, runScript } from "../utils/governorCli.js";

type Main = (argv: string[], log: (line: string) => void) => Promise<unknown>;

/**
 * Every governor-facing command: the package.json script, the words before the options, the name it
 * reports errors under, its spec, and its function (what the command runs, for in-process checks).
 */
const commands = async (): Promise<{ script: string; args: string[]; name: string; spec: CliSpec; main: Main }[]> => [
  { script: "deploy", args: [], name: "deploy", spec: deployCli, main: deploy },
  { script: "delegate", args: [], name: "delegate", spec: delegateCli, main: delegate },
  { script: "advance", args: [], name: "advance", spec: advanceCli, main: advance },
  { script: "params", args: [], name: "params", spec: paramsCli, main: params },
  { script: "proposal", args: [], name: "proposal", spec: proposalCli, main: advanceProposal },
  { script: "pause", args: [], name: "pause", spec: pauseCli, main: pause },
  { script: "unpause", args: [], name: "unpause", spec: unpauseCli, main: unpause },
  { script: "roles", args: [], name: "roles", spec: rolesCli, main: roles },
  { script: "dispute", args: [], name: "dispute", spec: disputeCli, main: dispute },
  { script: "status", args: [], name: "status", spec: statusCli, main: status },
  { script: "release", args: [], name: "release", spec: await runnerSpec(), main: runRelease },
  { script: "release", args: ["v2", "01"], name: "release", spec: step01, main: (a, l) => runRelease(["v2", "01", ...a], l) },
  { script: "release", args: ["v2", "02"], name: "release", spec: step02, main: (a, l) => runRelease(["v2", "02", ...a], l) },
  { script: "release", args: ["v2", "03"], name: "release", spec: step03, main: (a, l) => runRelease(["v2", "03", ...a], l) },
];

/** The flags a command accepts: its own, --network and --help, and --yes when it sends. */
const flagsOf = (spec: CliSpec) => ["network", ...Object.keys(spec.options), ...(spec.sends === false ? [] : ["yes"]), "help"].map((o) => `--${o}`);

// Nothing here may reach a node: a port nobody listens on would make a connecting script fail differently.
const env = { DEPINFER_DEPLOYMENTS_DIR: "/nonexistent-depinfer-deployments" };

describe("governor scripts: --help and unknown flags", () => {
  it("test_help_everyScript_listsOptionsAndExample_exit0", async () => {
    const all = await commands();
    // Each as its own process (Hardhat loads in each: two at a time on a small machine).
    const runs = await pooled(
      all.map((c) => () => runScript(c.script, [...c.args, "--help"], env)),
      3,
    );
    all.forEach((c, i) => {
      const { code, stdout, stderr } = runs[i];
      const what = `${c.script} ${c.args.join(" ")} --help`;
      expect(code, `${what}: ${stderr}`).toBe(0);
      expect(stdout, what).toContain(`${c.spec.command}: `);
      expect(stdout, what).toMatch(/\nUsage:\n {2}npm run /);
      expect(stdout, what).toMatch(/\nOptions:\n/);
      for (const flag of flagsOf(c.spec)) expect(stdout, `${what} lists ${flag}`).toMatch(new RegExp(`\\n {2}${flag}\\b`));
      for (const o of Object.values(c.spec.options)) expect(stdout, what).toContain(o.help);
      expect(stdout, what).toMatch(/\nExamples?:\n {2}npm run \S+/);
      expect(stderr, what).toBe("");
    });
    // The release runner and its steps say what v2 is.
    expect(runs[all.findIndex((c) => c.script === "release" && c.args.length === 0)].stdout).toMatch(/v2 {2}an example upgrade to a mock: .*JobMarketExtensionV2Mock/);
    expect(runs[all.findIndex((c) => c.args[1] === "01")].stdout).toMatch(/an example upgrade to a mock, JobMarketExtensionV2Mock/);
    // delegate and advance are where the walkthrough starts and how a rehearsal moves time.
    expect(runs[1].stdout).toContain("npm run delegate -- --network localhost --yes");
    expect(runs[2].stdout).toContain("npm run advance -- --network localhost 1d");
  });

  it("test_unknownFlag_everyScript_refusedNamingValidFlags", async () => {
    const sent: string[] = [];
    for (const c of await commands()) {
      const what = `${c.script} ${c.args.join(" ")} --bogus-flag`;
      const error = await c.main(["--network", "localhost", "--bogus-flag"], (l) => sent.push(l)).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error, what).toBeInstanceOf(UsageError);
      expect(error!.message, what).toMatch(/^unknown option --bogus-flag\. Valid options: /);
      const valid = error!.message.split("Valid options: ")[1].split(", ").map((f) => f.split(" ")[0]);
      expect(valid.sort(), what).toEqual(flagsOf(c.spec).sort());
    }
    expect(sent).toEqual([]); // refused before printing (or connecting to) anything
  });

  it("test_unknownFlag_asCommand_oneLineOnStderr_exit2", async () => {
    const all = await commands();
    const picked = [all.find((c) => c.script === "delegate")!, all.find((c) => c.args[1] === "03")!];
    const runs = await pooled(picked.map((c) => () => runScript(c.script, [...c.args, "--network", "localhost", "--bogus-flag"], env)));
    picked.forEach((c, i) => {
      const { code, stdout, stderr } = runs[i];
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(new RegExp(`^${c.name}: unknown option --bogus-flag\\. Valid options: --network <name>, `));
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr.split("Valid options: ")[1].trimEnd().split(", ").map((f) => f.split(" ")[0]).sort()).toEqual(flagsOf(c.spec).sort());
    });
  });

  it("test_optionWithoutValue_oneLine_nonZero", async () => {
    const { code, stderr } = await runScript("params", ["--challenge-window"], env);
    expect(code).toBe(2);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^params: Option '--challenge-window <value>' argument missing\. Valid options: --network <name>, --challenge-window <duration>/);
  });
});

describe("revert decoding (scripts/lib/errors.ts)", () => {
  it("test_decodeRevert_governorTimelockAccessManager_byName", () => {
    const governor = encodeErrorResult({ abi: depinferGovernorAbi, errorName: "GovernorUnexpectedProposalState", args: [7n, 1, `0x${(1n << 4n).toString(16).padStart(64, "0")}`] });
    expect(decodeRevert(governor)?.message).toBe(
      `Governor error GovernorUnexpectedProposalState(proposalId: 7, current: 1, expectedStates: 0x${"0".repeat(62)}10): proposal 7 is Active, and this step needs it Succeeded`,
    );
    const op = `0x${"ab".repeat(32)}` as Hex;
    const timelock = encodeErrorResult({ abi: depinferTimelockAbi, errorName: "TimelockUnexpectedOperationState", args: [op, `0x${"0".repeat(63)}4`] });
    expect(timelock.startsWith("0x5ead8eb5")).toBe(true);
    expect(decodeRevert(timelock)).toMatchObject({ source: "Timelock", errorName: "TimelockUnexpectedOperationState" });
    expect(decodeRevert(timelock)?.message).toMatch(/: the operation is not Ready: not queued, or its Timelock delay has not passed yet$/);
    const manager = encodeErrorResult({ abi: accessManagerErrorsAbi, errorName: "AccessManagerUnauthorizedAccount", args: [`0x${"11".repeat(20)}`, 2n] });
    expect(decodeRevert(manager)?.message).toBe(`AccessManager error AccessManagerUnauthorizedAccount(msgsender: 0x${"11".repeat(20)}, roleId: 2): 0x${"11".repeat(20)} does not hold AccessManager role 2`);
    expect(decodeRevert("0xdeadbeef")).toBeUndefined();
    // In a node's error (as the JSON-RPC error reaches viem): found in the cause chain, one line.
    const nodeError = Object.assign(new Error("execution reverted"), { code: 3, data: timelock });
    const line = explainError(Object.assign(new Error("TransactionExecutionError\nmany\nlines"), { cause: nodeError, code: -32603 }));
    expect(line).toMatch(/^Timelock error TimelockUnexpectedOperationState\(operationId: 0x(ab){32}, /);
    expect(line).not.toContain("\n");
  });
});
