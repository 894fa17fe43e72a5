// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {Roles} from "../../../contracts/governance/Roles.sol";
import {IJobMarket, IJobMarketCore, IJobMarketDisputes, IJobMarketErrors, IJobMarketExtension} from
    "../../../contracts/interfaces/IJobMarket.sol";
import {FeeOnTransferToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {HookToken, ITokenHook} from "../../../contracts/mocks/HookToken.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {NoReturnToken} from "../../../contracts/mocks/NoReturnToken.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {Fixture} from "../utils/Fixture.sol";
import {AttackerHandler} from "./AttackerHandler.sol";
import {Handler} from "./Handler.sol";

/// @notice The handler as deployed. Declaring it in this (root) test file makes the compiler emit
///         its artifact whenever this file is tested on its own; the runner identifies target
///         contracts by their artifact, so it could not target a contract only imported from
///         Handler.sol unless that file were compiled as a root too (as `hardhat test` does).
contract JobMarketHandler is AttackerHandler {
    constructor(Config memory c) AttackerHandler(c) {}
}

/// @notice Invariants 1–9 and 11 of DESIGN.md, fuzzed through `Handler` with four payment tokens: MockUSDC
///         (6 decimals, blocklist), an 18-decimal permit token, a no-return (USDT-style) token and
///         the stake token itself, three arbitrated model classes and one unregistered model, the
///         arbitrated verifier module (a claimable holder of arbitration fees) and a stake-locking
///         module. Each `invariant_*` is its own campaign (runs × depth from hardhat.config.ts);
///         `afterInvariant` drains the market at the end of every run.
contract JobMarketInvariantTest is Fixture {
    /// @dev The shape forge-std's StdInvariant exposes; the runner reads it through `targetSelectors()`.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    JobMarketHandler internal handler;
    MockERC20 internal dai;
    NoReturnToken internal nrt;

    function setUp() public override {
        super.setUp();
        dai = new MockERC20("Dai Stablecoin", "DAI", 18);
        nrt = new NoReturnToken();
        market.configurePaymentToken(address(dai), true, uint96(1e18), 1e18);
        market.configurePaymentToken(address(nrt), true, uint96(1e18), 1e18);
        market.configurePaymentToken(address(token), true, uint96(1e18), 1e18);
        ModelId[] memory models = new ModelId[](4);
        models[0] = modelId; // EXACT, arbitrated
        models[1] = market.registerModel(keccak256("w-tolerant"), keccak256("runtime"), Determinism.TOLERANT, "ipfs://t");
        models[2] = market.registerModel(keccak256("w-none"), keccak256("runtime"), Determinism.NONE, "ipfs://n");
        // Never registered: direct jobs may name it, but nobody can dispute them (ModelNotRegistered).
        models[3] = ModelId.wrap(keccak256("unregistered model"));
        // The Fixture wires ArbitratedVerifier.claimFees to the ARBITRATOR role (as deployments do).
        address[] memory tokens = new address[](4);
        tokens[0] = address(usdc);
        tokens[1] = address(dai);
        tokens[2] = address(nrt);
        tokens[3] = address(token);

        handler = new JobMarketHandler(
            Handler.Config({
                market: market,
                verifier: verifier,
                usdc: usdc,
                stakeToken: address(token),
                tokens: tokens,
                models: models,
                treasury: treasury,
                arbitrator: arbitrator,
                guardian: guardian
            })
        );
        // Governance (the AccessManager admin, i.e. the Timelock in production) for setParams & co.
        manager.grantRole(Roles.ADMIN, address(handler), 0);
        token.transfer(address(handler), 500_000_000 * TOKEN);
        handler.init(50_000 * TOKEN);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](55);
        uint256 i;
        // The job cycle carries more weight than the environment.
        s[i++] = Handler.createJob.selector;
        s[i++] = Handler.createJob.selector;
        s[i++] = Handler.createJob.selector;
        s[i++] = Handler.acceptJob.selector;
        s[i++] = Handler.acceptJob.selector;
        s[i++] = Handler.submitResult.selector;
        s[i++] = Handler.submitResult.selector;
        s[i++] = Handler.acceptAndSubmit.selector;
        s[i++] = Handler.acceptAndSubmitBatch.selector;
        s[i++] = Handler.finalizeJob.selector;
        s[i++] = Handler.finalizeJobs.selector;
        s[i++] = Handler.expireJob.selector;
        s[i++] = Handler.cancelJob.selector;
        s[i++] = Handler.openDispute.selector;
        s[i++] = Handler.openDispute.selector;
        s[i++] = Handler.joinDispute.selector;
        s[i++] = Handler.resolveDispute.selector;
        s[i++] = Handler.resolveDispute.selector;
        s[i++] = Handler.cancelDispute.selector;
        s[i++] = Handler.reportEquivocation.selector;
        s[i++] = Handler.replaySignature.selector;
        s[i++] = Handler.unauthorized.selector;
        s[i++] = Handler.stake.selector;
        s[i++] = Handler.requestUnstake.selector;
        s[i++] = Handler.withdrawStake.selector;
        s[i++] = Handler.collectSlashDebt.selector;
        s[i++] = Handler.moduleAction.selector;
        s[i++] = Handler.moduleAction.selector;
        s[i++] = Handler.deposit.selector;
        s[i++] = Handler.claim.selector;
        s[i++] = Handler.withdraw.selector;
        s[i++] = Handler.openSessionFromBalance.selector;
        s[i++] = Handler.sweepToTreasury.selector;
        s[i++] = Handler.collectFees.selector;
        s[i++] = Handler.donate.selector;
        s[i++] = Handler.warp.selector;
        s[i++] = Handler.warp.selector;
        s[i++] = Handler.blocklist.selector;
        s[i++] = Handler.setOffer.selector;
        s[i++] = Handler.setOffersPaused.selector;
        s[i++] = Handler.rotateSigner.selector;
        s[i++] = Handler.setParams.selector;
        s[i++] = Handler.setThawingPeriod.selector;
        s[i++] = Handler.setMinStake.selector;
        s[i++] = Handler.togglePause.selector;
        // The attacker's moves (invariant 11).
        s[i++] = AttackerHandler.attackSelfJob.selector;
        s[i++] = AttackerHandler.attackSelfJob.selector;
        s[i++] = AttackerHandler.attackSelfJail.selector;
        s[i++] = AttackerHandler.attackSelfDispute.selector;
        s[i++] = AttackerHandler.attackSelfDispute.selector;
        s[i++] = AttackerHandler.attackLie.selector;
        s[i++] = AttackerHandler.attackRotateKey.selector;
        s[i++] = AttackerHandler.attackInfeasible.selector;
        s[i++] = AttackerHandler.attackInfeasible.selector;
        s[i++] = AttackerHandler.attackDebtDodge.selector;
        require(i == s.length, "selector count");
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    // ================================================================== 1. solvency

    /// @notice For every token: balance == stakes + open escrow + claimable + bonds + fees (owed by
    ///         providers' earnings and accrued to the treasury) (+ donations),
    ///         with the liabilities read from the market, and the same as the ghost model and the flows.
    function invariant_solvency() public view {
        uint256 nt = handler.tokenCount();
        (uint256[] memory escrow, uint256[] memory bonds) = _openEscrowAndBonds(nt);
        for (uint256 k; k < nt; ++k) {
            address t = handler.tokens(k);
            uint256 balance = IERC20(t).balanceOf(address(market));
            uint256 owed = market.treasuryAccrued(t) + escrow[k] + bonds[k];
            uint256 ghostOwed = handler.gAccrued(t) + handler.gEscrow(t) + handler.gBonds(t);
            for (uint256 i; i < handler.accountCount(); ++i) {
                address a = handler.accounts(i);
                // Verification fees owed to the fee module are liabilities too: backed by tokens held.
                owed += market.claimable(a, t) + market.feesOwed(a, t) + market.verificationFeesOwed(a, t);
                ghostOwed += handler.gClaimable(a, t) + handler.gFeesOwed(a, t) + handler.gVFeesOwed(a, t);
            }
            if (t == address(token)) {
                for (uint256 i; i < handler.providerCount(); ++i) {
                    ProviderInfo memory info = market.provider(handler.providers(i));
                    owed += uint256(info.staked) + info.thawing;
                    Handler.ProviderGhost memory pg = handler.providerGhost(handler.providers(i));
                    ghostOwed += pg.staked + pg.thawing;
                }
            }
            assertGe(balance, owed, "solvency: balance below stakes + escrow + claimable + bonds + fees");
            assertEq(balance, owed + handler.gDonated(t), "solvency: balance is not liabilities + donations");
            assertEq(owed, ghostOwed, "solvency: liabilities differ from the ghost model");
            assertEq(balance, handler.gIn(t) + handler.gDonated(t) - handler.gOut(t), "solvency: balance differs from flows in - out");
            assertEq(handler.gEscrow(t), escrow[k], "solvency: open escrow differs from the ghost model");
            assertEq(handler.gBonds(t), bonds[k], "solvency: open bonds differ from the ghost model");
        }
        _assertNoFlag(handler.SOLVENCY());
    }

    // ================================================================== 2. settlement

    /// @notice Every job's state equals the model's (whose transitions only move forward); a
    ///         terminal job settled its escrow exactly once and payout + refund + fee == price; an
    ///         open dispute lists the model's challengers and bond; the signer epoch is the one at acceptance.
    function invariant_jobsSettleOnce() public view {
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            Job memory job = handler.jobAt(j);
            Handler.JobGhost memory g = handler.ghostOf(j);
            JobId id = JobId.wrap(keccak256(abi.encode(job)));
            JobState memory st = market.jobState(id);
            assertEq(uint256(st.status), uint256(g.status), "settle: a job's state differs from the model");
            if (st.status != JobStatus.Created) {
                assertEq(st.provider, g.provider, "settle: provider differs");
                assertEq(st.signerEpoch, g.signerEpoch, "settle: signer epoch at acceptance differs");
            }
            bool terminal = uint8(g.status) >= uint8(JobStatus.Finalized);
            assertEq(g.settleCount, terminal ? 1 : 0, "settle: escrow settled other than once");
            assertEq(g.payout + g.refund + g.fee + g.vfee, terminal ? job.price : 0, "settle: payout + refund + fees != escrowed");
            assertLe(g.vfee * 10_000, uint256(job.price) * 1_000, "settle: verification fee above 10%");
            if (g.status == JobStatus.Finalized || (g.status == JobStatus.Slashed && g.postSettlementSlash)) {
                assertEq(g.refund, 0, "settle: a paid job was also refunded");
                assertLe(g.fee * 10_000, uint256(job.price) * 1_000, "settle: fee above 10%");
            } else if (terminal) {
                assertEq(g.refund, job.price, "settle: a refunded job was not refunded in full");
            }
            assertLe(g.disputeFees * 2, g.bond * g.nChallengers, "settle: failed challengers paid above 50% of their bonds");
            Dispute memory d = market.dispute(id);
            if (g.status == JobStatus.Disputed) {
                address[] memory chs = market.disputeChallengers(id);
                assertEq(d.challengers, g.nChallengers, "settle: number of challengers differs");
                assertEq(chs.length, g.nChallengers, "settle: challenger list length differs");
                for (uint256 i; i < chs.length; ++i) {
                    assertEq(chs[i], g.challengers[i], "settle: a challenger differs");
                }
                assertLe(g.nChallengers, 4, "settle: more than four challengers");
                assertEq(d.challenger, g.challengers[0], "settle: dispute opener differs");
                assertEq(d.bond, g.bond, "settle: dispute bond differs");
            } else {
                assertEq(d.bond, 0, "settle: a dispute record outlived its dispute");
            }
        }
        _assertNoFlag(handler.SETTLE());
    }

    // ================================================================== 3. slash bounds

    /// @notice A job is slashed at most once, and what is taken at once plus what is recorded as
    ///         slash debt is at most its collateral (all of it for fraud); the ghost totals add up.
    function invariant_slashBoundedByCollateral() public view {
        uint256 n = handler.jobCount();
        uint256 total;
        uint256 debt;
        for (uint256 j; j < n; ++j) {
            Job memory job = handler.jobAt(j);
            Handler.JobGhost memory g = handler.ghostOf(j);
            assertLe(g.slashCount, 1, "slash: a job was slashed twice");
            assertLe(g.slashed + g.debt, job.collateral, "slash: more than the job's collateral");
            if (g.slashCount == 0) assertEq(g.slashed + g.debt, 0, "slash: an amount without a slash");
            if (g.status == JobStatus.Slashed) {
                assertEq(g.slashed + g.debt, job.collateral, "slash: fraud took (or owes) less than the collateral");
                if (!g.postSettlementSlash) assertEq(g.debt, 0, "slash: debt recorded for a job that still had its lock");
            }
            if (g.slashCount != 0) {
                assertTrue(g.status == JobStatus.Slashed || g.status == JobStatus.Expired, "slash: slashed job not terminal");
            }
            total += g.slashed;
            debt += g.debt;
        }
        assertEq(total, handler.gSlashedFraud() + handler.gSlashedLiveness(), "slash: totals differ");
        assertEq(debt, handler.gDebtRecorded(), "slash: recorded debt differs");
        _assertNoFlag(handler.SLASH());
    }

    // ================================================================== 4. slash split

    /// @notice Fraud: challenger reward + verifier fee + treasury share == slashed, the reward at most
    ///         50 %; the verifier module's fee is paid only for an upheld ruling, and is what the failed
    ///         challenge would have paid it (disputeFeeBps of each bond) in stake at the job's rate,
    ///         or all the reward leaves of the slash when that is less. Liveness: client share +
    ///         treasury share == slashed, the client's share at most 50 % (a miss never pays its
    ///         client, or a provider that is its own client, in full). Module slashes: reward +
    ///         treasury == slashed. Totals add up.
    function invariant_slashSplit() public view {
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            Handler.JobGhost memory g = handler.ghostOf(j);
            if (g.slashCount == 0) continue;
            if (g.status == JobStatus.Slashed) {
                assertEq(g.reward + g.verifierFee + g.treasuryShare, g.slashed, "split: reward + fee + treasury share != slashed");
                assertLe(g.reward * 2, g.slashed, "split: challenger share above 50%");
                _assertArbitrationFee(j, g);
                assertEq(g.clientShare, 0, "split: a fraud slash paid the client");
            } else {
                assertEq(g.clientShare + g.treasuryShare, g.slashed, "split: liveness client share + treasury share != slashed");
                assertLe(g.clientShare * 2, g.slashed, "split: liveness slash paid above 50% to the client");
                assertEq(g.reward + g.verifierFee, 0, "split: liveness slash paid to a challenger or the verifier");
            }
        }
        assertEq(handler.gRewards() + handler.gSlashFees() + handler.gFraudToTreasury(), handler.gSlashedFraud(), "split: fraud totals differ");
        assertEq(handler.gLivenessToClients() + handler.gLivenessToTreasury(), handler.gSlashedLiveness(), "split: liveness totals differ");
        assertEq(handler.gModuleRewards() + handler.gModuleToTreasury(), handler.gModuleSlashed(), "split: module totals differ");
        assertLe(handler.gModuleRewards() * 2, handler.gModuleSlashed(), "split: module slash reward above 50%");
        _assertNoFlag(handler.SPLIT());
    }

    /// @dev The upheld fee, from docs/protocol.md 4.1: A = min(bps(B, disputeFee) × n × C × 10_000 /
    ///      (P × collateralRatio), C − share): the module earns the same value whichever way it rules.
    function _assertArbitrationFee(uint256 j, Handler.JobGhost memory g) internal view {
        if (!g.upheld) {
            assertEq(g.verifierFee, 0, "split: the verifier module was paid from a slash nobody ruled on");
            return;
        }
        Job memory job = handler.jobAt(j);
        Params memory snap = handler.ghostParams(job.paramsVersion);
        uint256 inStake = uint256(g.bond) * snap.disputeFeeBps / 10_000 * g.nChallengers * job.collateral * 10_000
            / (uint256(job.price) * snap.collateralRatioBps);
        assertLe(g.verifierFee, inStake, "split: arbitration fee above the failed-challenge fee at the job's rate");
        assertTrue(
            g.verifierFee == inStake || g.verifierFee == g.slashed - g.reward,
            "split: arbitration fee neither the failed-challenge fee at the job's rate nor capped by the slash"
        );
    }

    // ================================================================== 5. stake accounting

    /// @notice locked <= staked (free stake never negative), locked == collateral of the provider's
    ///         open jobs + what modules locked, a module never takes more than the provider allowed
    ///         it in all, thawing == sum of its thaw requests, every matured request <= stake −
    ///         locked, slash debt and jail equal the model, and stake in − out − slashed − debt paid
    ///         == stake held.
    function invariant_stakeAccounting() public view {
        uint256 np = handler.providerCount();
        uint256 n = handler.jobCount();
        uint256 held;
        for (uint256 i; i < np; ++i) {
            address p = handler.providers(i);
            ProviderInfo memory info = market.provider(p);
            Handler.ProviderGhost memory pg = handler.providerGhost(p);
            assertLe(info.locked, info.staked, "stake: locked above staked (negative free stake)");
            assertEq(info.staked, pg.staked, "stake: staked differs from the model");
            assertEq(info.locked, pg.locked, "stake: locked differs from the model");
            assertEq(info.thawing, pg.thawing, "stake: thawing differs from the model");
            assertEq(info.slashDebt, pg.debt, "stake: slash debt differs from the model");
            assertEq(info.jailedUntil, pg.jailedUntil, "stake: jail differs from the model");
            uint256 lockedForJobs;
            for (uint256 j; j < n; ++j) {
                Job memory job = handler.jobAt(j);
                JobState memory st = market.jobState(JobId.wrap(keccak256(abi.encode(job))));
                bool open = st.status == JobStatus.Accepted || st.status == JobStatus.Submitted
                    || st.status == JobStatus.Disputed;
                if (open && st.provider == p) lockedForJobs += job.collateral;
            }
            uint256 moduleLocks = market.moduleStake(handler.module(), p).locked
                + market.moduleStake(address(verifier), p).locked;
            assertEq(moduleLocks, handler.gModuleLocked(p), "stake: module locks differ from the model");
            assertEq(info.locked, lockedForJobs + moduleLocks, "stake: locked != collateral of open jobs + module locks");
            _assertModuleWithinGrant(p);
            ThawRequest[] memory q = market.thawRequests(p);
            assertLe(q.length, 8, "stake: thaw queue above its bound");
            uint256 queued;
            uint256 matured;
            for (uint256 k; k < q.length; ++k) {
                queued += q[k].amount;
                if (q[k].readyAt <= handler.gTime()) matured += q[k].amount;
            }
            assertEq(queued, info.thawing, "stake: thawing != sum of thaw requests");
            // Whatever the queue order (FIFO, docs/protocol.md §4), every request matures within
            // the 28-day cap of the period it was made under.
            for (uint256 k; k < q.length; ++k) {
                assertLe(q[k].readyAt, handler.gTime() + 28 days, "stake: a thaw request matures beyond the 28-day cap");
            }
            assertLe(matured, uint256(info.staked) + info.thawing - info.locked, "stake: withdrawable above stake - locked");
            held += uint256(info.staked) + info.thawing;
        }
        uint256 slashed = handler.gSlashedFraud() + handler.gSlashedLiveness() + handler.gModuleSlashed();
        assertEq(
            held,
            handler.gStakeIn() - handler.gStakeOut() - slashed - handler.gDebtPaid(),
            "stake: held != staked in - withdrawn - slashed - debt paid"
        );
        _assertNoFlag(handler.STAKE());
    }

    /// @dev What a provider allows a module is the most it can lose to it until it grants more
    ///      (e309090): what the module has slashed, plus what it may still lock (its allowance) or
    ///      already holds, never exceeds all the provider ever granted it. So a module cannot lock,
    ///      slash and lock again past the grant.
    function _assertModuleWithinGrant(address p) internal view {
        ModuleStake memory ms = market.moduleStake(handler.module(), p);
        uint256 granted = handler.gModuleGranted(p);
        uint256 took = handler.gModuleSlashedOf(p);
        assertLe(took, granted, "stake: a module slashed more than the provider ever allowed it");
        assertLe(
            took + (ms.allowance > ms.locked ? ms.allowance : ms.locked),
            granted,
            "stake: what a module slashed plus what it may still hold exceeds what the provider allowed it"
        );
    }

    // ================================================================== 6. exit liveness

    /// @notice From every state the campaign reaches, everyone can get out: all jobs settle, every
    ///         stake is withdrawn after thawing, every balance is claimed (blocklisted accounts to
    ///         another address), and the market is left holding only donations. The drain runs
    ///         inside this call, whose state the runner discards.
    function invariant_exitLiveness() public {
        handler.exitAll();
        _assertNoFlag(handler.EXIT());
    }

    /// @notice At the end of every run: the same drain for real, then no violation of any kind.
    function afterInvariant() public {
        string memory reached = handler.stats();
        FuzzSelector[] memory t = targetSelectors();
        reached = string.concat(reached, " | tried:");
        for (uint256 k; k < t[0].selectors.length; ++k) {
            reached = string.concat(reached, " ", Strings.toHexString(uint32(t[0].selectors[k]), 4), "=", Strings.toString(handler.tried(t[0].selectors[k])));
        }
        handler.exitAll();
        for (uint256 c; c < handler.CATEGORIES(); ++c) {
            _assertNoFlag(c);
        }
        assertTrue(handler.totalOk() != 0, "the fuzzer made no successful call: is the handler targeted?");
        // DEPINFER_INVARIANT_STATS=<depth> fails the first run that reaches that depth, on purpose, to
        // print what its calls reached (a shorter sequence does not fail, so shrinking keeps it whole).
        uint256 statsDepth = vm.envOr("DEPINFER_INVARIANT_STATS", uint256(0));
        if (statsDepth != 0 && handler.totalCalls() >= statsDepth) revert AssertionFailed(reached);
    }

    // ================================================================== 7. parameters

    /// @notice Parameters, every snapshot jobs still refer to, the thawing period and the minimum
    ///         stake stay within DESIGN.md's bounds, with thawing >= window + resolution + 48 h.
    function invariant_paramsInBounds() public view {
        (Params memory p, uint32 version) = market.params();
        (,, uint32 thawing, uint96 minStake,) = market.settings();
        _assertParamsInBounds(p);
        assertGe(thawing, uint256(p.challengeWindow) + p.disputeResolutionPeriod + 48 hours, "params: thawing below window + resolution + 48h");
        assertLe(thawing, 28 days, "params: thawing above 28 days");
        assertLe(minStake, 1e27, "params: minStake above its cap");
        assertEq(version, handler.gVersion(), "params: version differs from the model");
        assertEq(keccak256(abi.encode(p)), keccak256(abi.encode(handler.ghostParams(version))), "params: differ from the last accepted call");
        assertEq(thawing, handler.gThawing(), "params: thawing differs from the last accepted call");
        for (uint32 v = 1; v <= version; ++v) {
            _assertParamsInBounds(market.paramsAt(v));
        }
        _assertNoFlag(handler.PARAMS());
    }

    // ================================================================== 8. signatures

    /// @notice Each attestation is accepted at most once and only from the provider's signer; each
    ///         equivocation proof slashes at most once (replays are attempted by the handler).
    function invariant_signaturesSingleUse() public view {
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            Handler.JobGhost memory g = handler.ghostOf(j);
            assertLe(g.submitCount, 1, "sig: a result was submitted twice");
            assertLe(g.equivocationCount, 1, "sig: an equivocation was proven twice");
            if (g.status == JobStatus.Submitted || g.status == JobStatus.Disputed || g.status == JobStatus.Finalized) {
                assertEq(g.submitCount, 1, "sig: a job past submission has no single result");
            }
        }
        _assertNoFlag(handler.SIG());
    }

    // ================================================================== 9. ownership of balances

    /// @notice Every claimable balance and stake equals the model, in which only the account's own
    ///         calls (claim, withdraw, pay from balance, withdraw stake) or a settled slash lower them.
    function invariant_onlyOwnerLowersBalance() public view {
        uint256 nt = handler.tokenCount();
        for (uint256 i; i < handler.accountCount(); ++i) {
            address a = handler.accounts(i);
            for (uint256 k; k < nt; ++k) {
                address t = handler.tokens(k);
                assertEq(market.claimable(a, t), handler.gClaimable(a, t), "owner: a claimable balance differs from the model");
                assertEq(market.feesOwed(a, t), handler.gFeesOwed(a, t), "owner: fees owed differ from the model");
            }
        }
        for (uint256 k; k < nt; ++k) {
            address t = handler.tokens(k);
            assertEq(market.treasuryAccrued(t), handler.gAccrued(t), "owner: treasury accrual differs from the model");
        }
        for (uint256 i; i < handler.providerCount(); ++i) {
            address p = handler.providers(i);
            ProviderInfo memory info = market.provider(p);
            Handler.ProviderGhost memory pg = handler.providerGhost(p);
            assertEq(uint256(info.staked) + info.thawing, pg.staked + pg.thawing, "owner: a stake differs from the model");
        }
        _assertNoFlag(handler.OWNER());
        _assertNoFlag(handler.EXPECT());
    }

    // ================================================================== 11. no fault pays

    /// @notice The attacker (one provider and the sybil client and challenger only it funds, plus
    ///         any retired key of its own it disputes with: one economic party) never ends up with
    ///         more than it started with plus what honest work paid it, less the least DESIGN.md says
    ///         each of its faults costs: per token, wallets + claimable + stake + thawing − slash debt
    ///         ≤ start + honest income − penalty floor (stake token). And each of its moves that must
    ///         fail did (self-dispute by the provider or its current key, accepting an infeasible open
    ///         job, a retired key as evidence or signer, early expiry under a jail, unstaking past a debt).
    function invariant_noFaultPays() public view {
        uint256 nt = handler.tokenCount();
        for (uint256 k; k < nt; ++k) {
            (uint256 lhs, uint256 rhs) = handler.attackerBound(handler.tokens(k));
            if (lhs > rhs) {
                revert AssertionFailed(
                    string.concat(
                        "no fault pays: the attacker gained ", Strings.toString(lhs - rhs), " of token ", Strings.toString(k),
                        " beyond its start + honest income - penalty floor"
                    )
                );
            }
        }
        _assertNoFlag(handler.ATTACK());
    }

    // ================================================================== helpers

    function _openEscrowAndBonds(uint256 nt) internal view returns (uint256[] memory escrow, uint256[] memory bonds) {
        escrow = new uint256[](nt);
        bonds = new uint256[](nt);
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            Job memory job = handler.jobAt(j);
            JobId id = JobId.wrap(keccak256(abi.encode(job)));
            JobStatus st = market.jobState(id).status;
            uint256 k;
            while (handler.tokens(k) != job.token) ++k;
            if (st == JobStatus.Created || st == JobStatus.Accepted || st == JobStatus.Submitted || st == JobStatus.Disputed) {
                escrow[k] += job.price;
            }
            Dispute memory d = market.dispute(id);
            bonds[k] += uint256(d.bond) * d.challengers; // every challenger posted the same bond
        }
    }

    function _assertParamsInBounds(Params memory p) internal pure {
        assertTrue(p.challengeWindow >= 1 hours && p.challengeWindow <= 72 hours, "params: challengeWindow out of bounds");
        assertTrue(p.disputeResolutionPeriod >= 1 days && p.disputeResolutionPeriod <= 14 days, "params: resolution out of bounds");
        assertTrue(p.collateralRatioBps >= 10_000 && p.collateralRatioBps <= 1_000_000, "params: collateral ratio out of bounds");
        assertLe(p.protocolFeeBps, 1_000, "params: fee above 10%");
        assertLe(p.challengerShareBps, 5_000, "params: challenger share above 50%");
        assertLe(p.livenessSlashBps, p.collateralRatioBps, "params: liveness slash above collateral");
        assertTrue(p.bondRatioBps >= 10_000 && p.bondRatioBps <= 1_000_000, "params: bond ratio out of bounds");
        assertLe(p.disputeFeeBps, 5_000, "params: dispute fee above 50%");
    }

    function _assertNoFlag(uint256 category) internal view {
        uint256 count = handler.flags(category);
        if (count != 0) revert AssertionFailed(string.concat("handler flagged: ", handler.firstFlag(category)));
    }
}

// ====================================================================== odd tokens

/// @notice A client contract that re-enters the market from HookToken's transfer hooks.
contract ReentrantClient is ITokenHook {
    IJobMarket internal immutable market;
    HookToken internal immutable hookToken;

    bytes internal reentry;
    bool public armed;
    bool public reentrySucceeded;
    bytes public reentryError;
    uint256 public hookCalls;

    constructor(IJobMarket market_, HookToken hookToken_) {
        market = market_;
        hookToken = hookToken_;
        hookToken_.approve(address(market_), type(uint256).max);
    }

    /// @notice The next hook call makes `data` to the market once.
    function arm(bytes calldata data) external {
        reentry = data;
        armed = true;
    }

    function onTokenTransfer(address, uint256) external {
        require(msg.sender == address(hookToken), "only the token");
        ++hookCalls;
        if (!armed) return;
        armed = false;
        (reentrySucceeded, reentryError) = address(market).call(reentry);
    }

    /// @notice Calls the market as this contract (bubbling reverts).
    function act(bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = address(market).call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

/// @notice Payment tokens that break naive vaults: fee-on-transfer is rejected, no-return works
///         through SafeERC20, and hook-token re-entry is stopped without breaking accounting.
contract JobMarketOddTokensTest is Fixture {
    ProviderKey internal alice;

    function setUp() public override {
        super.setUp();
        alice = _provider("alice", 1_000_000 * TOKEN);
    }

    // ------------------------------------------------------------------ fee on transfer

    function _fot() internal returns (FeeOnTransferToken fot) {
        fot = new FeeOnTransferToken();
        market.configurePaymentToken(address(fot), true, uint96(1e18), 1e18);
        fot.mint(client, 1_000e18);
        vm.prank(client);
        fot.approve(address(market), type(uint256).max);
    }

    function _requestIn(address t, uint96 price) internal returns (JobRequest memory r) {
        r = _request(alice.account, price);
        r.token = t;
    }

    function test_createJob_rejectsFeeOnTransferToken() public {
        FeeOnTransferToken fot = _fot();
        uint96 price = 10e18;
        JobRequest memory r = _requestIn(address(fot), price);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarketErrors.FeeOnTransferToken.selector, address(fot), price, price - fot.feeOf(price))
        );
        vm.prank(client);
        market.createJob(r, "");
        assertEq(fot.balanceOf(address(market)), 0, "nothing escrowed");
    }

    function test_deposit_rejectsFeeOnTransferToken() public {
        FeeOnTransferToken fot = _fot();
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarketErrors.FeeOnTransferToken.selector, address(fot), 500e18, 500e18 - fot.feeOf(500e18))
        );
        vm.prank(client);
        market.deposit(address(fot), 500e18);
        assertEq(market.claimable(client, address(fot)), 0, "nothing credited");
    }

    function test_openDispute_rejectsFeeOnTransferBond() public {
        FeeOnTransferToken fot = _fot();
        // A price under 100 wei moves without fee (the fee rounds to zero), so the job is escrowed exactly...
        JobRequest memory r = _requestIn(address(fot), 99);
        vm.prank(client);
        (JobId id, Job memory job) = market.createJob(r, "");
        assertEq(fot.balanceOf(address(market)), 99, "a fee-free transfer is escrowed exactly");
        vm.prank(alice.account);
        market.acceptJob(job);
        market.submitResult(job, keccak256("out"), _sign(alice.signerKey, id, job, keccak256("out"), alice.account));
        // ...but the bond (the 1e18 floor) loses 1% on the way in and is refused.
        fot.mint(challenger, 10e18);
        vm.prank(challenger);
        fot.approve(address(market), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarketErrors.FeeOnTransferToken.selector, address(fot), 1e18, 1e18 - fot.feeOf(1e18))
        );
        vm.prank(challenger);
        market.openDispute(job, "");
        assertEq(uint256(_status(id)), uint256(JobStatus.Submitted), "still submitted");
    }

    function testFuzz_createJob_rejectsAnyFeeOnTransfer(uint96 price) public {
        FeeOnTransferToken fot = _fot();
        price = uint96(bound(price, 100, 1_000e18));
        JobRequest memory r = _requestIn(address(fot), price);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarketErrors.FeeOnTransferToken.selector, address(fot), price, price - fot.feeOf(price))
        );
        vm.prank(client);
        market.createJob(r, "");
    }

    // ------------------------------------------------------------------ no return value (USDT-style)

    function test_fullCycle_worksWithNoReturnToken() public {
        NoReturnToken nrt = new NoReturnToken();
        market.configurePaymentToken(address(nrt), true, uint96(1e18), 1e18);
        nrt.mint(client, 100e18);
        nrt.mint(challenger, 100e18);
        vm.prank(client);
        nrt.approve(address(market), type(uint256).max);
        vm.prank(challenger);
        nrt.approve(address(market), type(uint256).max);
        vm.prank(alice.account);
        market.setOffer(modelId, address(nrt), 1e18, 60, true);

        // escrow in, dispute bond in, ruling, claims out: every transfer goes through SafeERC20.
        uint96 price = 2e18;
        JobRequest memory r = _requestIn(address(nrt), price);
        vm.prank(client);
        (JobId id, Job memory job) = market.createJob(r, "");
        vm.prank(alice.account);
        market.acceptJob(job);
        market.submitResult(job, keccak256("out"), _sign(alice.signerKey, id, job, keccak256("out"), alice.account));
        vm.prank(challenger);
        uint256 bond = market.openDispute(job, "ipfs://evidence");
        assertEq(bond, 10e18, "bond: 5x price");
        assertEq(nrt.balanceOf(address(market)), price + bond, "escrow + bond held");
        vm.prank(arbitrator);
        verifier.rule(job, Outcome.Rejected, 0, "");

        uint256 fee = uint256(price) / 100;
        uint256 kept = bond * 3 / 10; // disputeFeeBps (3,000) of the bond, to the verifier module
        assertEq(market.claimable(alice.account, address(nrt)), price - fee + bond - kept, "provider: payout + bond share");
        assertEq(market.feesOwed(alice.account, address(nrt)), fee, "provider owes the fee");
        assertEq(market.claimable(address(verifier), address(nrt)), kept, "verifier module: arbitration fee");
        assertEq(market.treasuryAccrued(address(nrt)), 0, "treasury: nothing until the fee is forwarded");
        vm.prank(alice.account);
        market.claim(address(nrt), alice.account);
        assertEq(nrt.balanceOf(alice.account), price - fee + bond - kept, "provider paid");
        assertEq(market.treasuryAccrued(address(nrt)), fee, "treasury: fee forwarded on claim");
        // The arbitrator withdraws the module's fees (the Fixture wires claimFees to its role, as deployments do).
        vm.prank(arbitrator);
        assertEq(verifier.claimFees(address(nrt), arbitrator), kept, "module fees withdrawn");
        assertEq(nrt.balanceOf(arbitrator), kept, "arbitrator got the module's fees");

        // deposit, spend from balance, partial withdraw
        vm.prank(client);
        market.deposit(address(nrt), 5e18);
        JobRequest memory r2 = _requestIn(address(nrt), 1e18);
        vm.prank(client);
        market.createJobFromBalance(r2, "");
        vm.prank(client);
        market.withdraw(address(nrt), 3e18, client);
        assertEq(market.claimable(client, address(nrt)), 1e18, "client balance");
        market.sweepToTreasury(address(nrt));
        vm.prank(treasury);
        market.claim(address(nrt), treasury);
        assertEq(nrt.balanceOf(address(market)), 1e18 + 1e18, "left: open job + client balance");
    }

    // ------------------------------------------------------------------ hooks (ERC-777-style re-entry)

    function _hookSetup() internal returns (HookToken hook, ReentrantClient attacker) {
        hook = new HookToken();
        market.configurePaymentToken(address(hook), true, uint96(1e18), 1e18);
        attacker = new ReentrantClient(market, hook);
        hook.setHook(address(attacker), true);
        hook.mint(address(attacker), 1_000e18);
    }

    function _assertHookSolvent(HookToken hook, address attacker, uint256 escrow) internal view {
        assertEq(
            hook.balanceOf(address(market)),
            market.claimable(attacker, address(hook)) + market.claimable(alice.account, address(hook))
                + market.treasuryAccrued(address(hook)) + escrow,
            "hook token: balance != claimable + fees + escrow"
        );
    }

    function test_claim_reentryFromReceiveHookIsStopped() public {
        (HookToken hook, ReentrantClient attacker) = _hookSetup();
        attacker.act(abi.encodeCall(IJobMarketExtension.deposit, (address(hook), 100e18)));
        attacker.arm(abi.encodeCall(IJobMarketExtension.claim, (address(hook), address(attacker))));
        attacker.act(abi.encodeCall(IJobMarketExtension.claim, (address(hook), address(attacker))));

        assertFalse(attacker.reentrySucceeded(), "re-entered claim succeeded");
        assertEq(bytes32(attacker.reentryError()), bytes32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector), "guard error");
        assertEq(hook.balanceOf(address(attacker)), 1_000e18, "paid exactly once");
        assertEq(market.claimable(address(attacker), address(hook)), 0, "balance spent");
        _assertHookSolvent(hook, address(attacker), 0);
    }

    function test_withdraw_reentryFromReceiveHookIsStopped() public {
        (HookToken hook, ReentrantClient attacker) = _hookSetup();
        attacker.act(abi.encodeCall(IJobMarketExtension.deposit, (address(hook), 100e18)));
        attacker.arm(abi.encodeCall(IJobMarketExtension.withdraw, (address(hook), 40e18, address(attacker))));
        attacker.act(abi.encodeCall(IJobMarketExtension.withdraw, (address(hook), 40e18, address(attacker))));

        assertFalse(attacker.reentrySucceeded(), "re-entered withdraw succeeded");
        assertEq(bytes32(attacker.reentryError()), bytes32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector), "guard error");
        assertEq(market.claimable(address(attacker), address(hook)), 60e18, "debited once");
        _assertHookSolvent(hook, address(attacker), 0);
    }

    function test_deposit_reentryFromSendHookIsStopped() public {
        (HookToken hook, ReentrantClient attacker) = _hookSetup();
        // The send hook runs before the tokens move: a nested deposit would be counted by the outer
        // balance check too, crediting twice for one transfer.
        attacker.arm(abi.encodeCall(IJobMarketExtension.deposit, (address(hook), 100e18)));
        attacker.act(abi.encodeCall(IJobMarketExtension.deposit, (address(hook), 100e18)));

        assertFalse(attacker.reentrySucceeded(), "re-entered deposit succeeded");
        assertEq(bytes32(attacker.reentryError()), bytes32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector), "guard error");
        assertEq(market.claimable(address(attacker), address(hook)), 100e18, "credited once");
        assertEq(hook.balanceOf(address(market)), 100e18, "received once");
    }

    function test_createJob_reentryFromSendHookIsStopped() public {
        (HookToken hook, ReentrantClient attacker) = _hookSetup();
        vm.prank(alice.account);
        market.setOffer(modelId, address(hook), 1e18, 60, true);
        JobRequest memory r = _requestIn(address(hook), 5e18);
        JobRequest memory nested = _requestIn(address(hook), 5e18);
        attacker.arm(abi.encodeCall(IJobMarketCore.createJob, (nested, "")));
        attacker.act(abi.encodeCall(IJobMarketCore.createJob, (r, "")));

        assertFalse(attacker.reentrySucceeded(), "re-entered createJob succeeded");
        assertEq(bytes32(attacker.reentryError()), bytes32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector), "guard error");
        assertEq(hook.balanceOf(address(market)), 5e18, "one escrow");
    }

    function test_openDispute_reentryFromSendHookIsStopped() public {
        (HookToken hook, ReentrantClient attacker) = _hookSetup();
        hook.mint(client, 100e18);
        vm.prank(client);
        hook.approve(address(market), type(uint256).max);
        JobRequest memory r = _requestIn(address(hook), 2e18);
        vm.prank(client);
        (JobId id, Job memory job) = market.createJob(r, "");
        vm.prank(alice.account);
        market.acceptJob(job);
        market.submitResult(job, keccak256("out"), _sign(alice.signerKey, id, job, keccak256("out"), alice.account));

        attacker.arm(abi.encodeCall(IJobMarketDisputes.openDispute, (job, "")));
        attacker.act(abi.encodeCall(IJobMarketDisputes.openDispute, (job, "")));
        assertFalse(attacker.reentrySucceeded(), "re-entered openDispute succeeded");
        assertEq(bytes32(attacker.reentryError()), bytes32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector), "guard error");
        assertEq(market.dispute(id).bond, 10e18, "one bond");
        assertEq(hook.balanceOf(address(market)), 2e18 + 10e18, "escrow + one bond");
    }

    /// @notice `cancelJob` has no guard: re-entering it while `createJob` pulls the escrow cancels the
    ///         job being created. That is harmless: the refund is credited once and the escrow arrives.
    function test_createJob_cancelFromSendHookKeepsAccounting() public {
        (HookToken hook, ReentrantClient attacker) = _hookSetup();
        JobRequest memory r = _requestIn(address(hook), 5e18);
        (, uint32 version) = market.params();
        Job memory job = Job({
            client: address(attacker),
            provider: r.provider,
            token: r.token,
            price: r.price,
            collateral: uint96(uint256(r.price) * 100_000 * 1e18 / 1e22),
            model: r.model,
            inputHash: r.inputHash,
            deadline: r.deadline,
            paramsVersion: version,
            nonce: r.nonce
        });
        attacker.arm(abi.encodeCall(IJobMarketExtension.cancelJob, (job)));
        attacker.act(abi.encodeCall(IJobMarketCore.createJob, (r, "")));

        assertTrue(attacker.reentrySucceeded(), "cancel inside create");
        JobId id = JobId.wrap(keccak256(abi.encode(job)));
        assertEq(uint256(_status(id)), uint256(JobStatus.Cancelled), "cancelled");
        assertEq(market.claimable(address(attacker), address(hook)), 5e18, "refund credited once");
        _assertHookSolvent(hook, address(attacker), 0);
        // Accepting or finalizing the cancelled job is impossible; the refund is the only claim.
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(IJobMarketErrors.JobWrongStatus.selector, id, JobStatus.Cancelled));
        market.acceptJob(job);
    }
}
