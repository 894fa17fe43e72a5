// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarketErrors} from "../../../contracts/interfaces/IJobMarket.sol";
import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {SampledVerifierExtension} from "../../../contracts/verifiers/SampledVerifierExtension.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice The standing sampling bond and the job's adaptive rate (docs/economics.md 6.6, remedy 1).
/// @dev Tree (when ..., given ..., it should ...):
///  postBond
///   ├── amount 0, or the total over 96 bits   -> SamplingBondAmountInvalid(provider, amount, total)
///   ├── a release pending                      -> SamplingBondReleasing(provider, releaseAt)
///   ├── over the allowance given the module    -> the market's ModuleAllowanceExceeded
///   └── else: moduleLock; new cycle if none stood; covers jobs submitted from this second on
///  requestBondRelease: no bond -> SamplingNoBond; twice -> SamplingBondReleasing; else jobs submitted from this
///   second on are not covered, withdrawable at now + bondReleaseDelay
///  withdrawBond: no bond -> SamplingNoBond; not asked -> SamplingBondNotReleasing; releaseAt − 1 ->
///   SamplingBondLocked; at releaseAt -> the stake is free again
///  the job's rate = max(rateOf(provider), ⌈δ × P_S / (C + B)⌉), B as at submission (a later top-up never lowers it)
///  Upheld check of a covered job -> all of B to the treasury (BondSlashed); of an uncovered job -> B untouched
///  a dispute opened by someone else -> covered if the bond stood at any second of the challenge window before it
contract SamplingBondTest is SamplingFixture, ISampledVerifierErrors, ISampledVerifierEvents {
    bytes32 internal constant WRONG = keccak256("wrong");
    uint256 internal constant DELAY = 72 hours + 14 days;
    /// @dev Alice's bond: 180 tokens = 90 × P_S (P_S = 2 tokens at the fixture's price), so its jobs' adaptive
    ///      rate is ⌈2 × 2 / (20 + 180)⌉ = 2 %.
    uint256 internal constant B = 180 * TOKEN;

    function setUp() public override {
        super.setUp();
        vm.prank(alice.account);
        market.setModuleAllowance(address(sv), uint96(400 * TOKEN));
    }

    function _post(uint256 amount) internal {
        vm.prank(alice.account);
        sv.postBond(amount);
    }

    function _graduate() internal {
        ISampledVerifierTypes.Params memory p = _defaultParams();
        p.newProviderChecks = 0;
        sv.setParams(p);
    }

    // ================================================================== postBond

    function test_postBond_locksAndCoversFromThisSecond() public {
        vm.expectEmit(address(sv));
        emit BondPosted(alice.account, B, B, 1);
        _post(B);
        ISampledVerifierTypes.Bond memory b = sv.bondOf(alice.account);
        assertEq(b.amount, B, "amount");
        assertEq(b.cycle, 1, "first cycle");
        assertEq(b.postedAt, block.timestamp, "posted now");
        assertEq(_moduleLocked(alice.account), B, "locked with the module");
        assertEq(market.provider(alice.account).locked, B, "counted in the provider's lock");
        assertEq(sv.bondAt(alice.account, block.timestamp), B, "covers this second");
        assertEq(sv.bondAt(alice.account, block.timestamp - 1), 0, "not the one before");
        // A top-up adds to the same cycle, from its own second on.
        vm.warp(block.timestamp + 10);
        vm.expectEmit(address(sv));
        emit BondPosted(alice.account, 20 * TOKEN, B + 20 * TOKEN, 1);
        _post(20 * TOKEN);
        assertEq(sv.bondAt(alice.account, block.timestamp - 1), B, "before the top-up");
        assertEq(sv.bondAt(alice.account, block.timestamp), B + 20 * TOKEN, "after it");
        assertEq(_moduleLocked(alice.account), B + 20 * TOKEN, "locked");
    }

    function test_postBond_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(SamplingBondAmountInvalid.selector, alice.account, 0, 0));
        _post(0);
        _post(B);
        uint256 huge = uint256(type(uint96).max);
        vm.expectRevert(abi.encodeWithSelector(SamplingBondAmountInvalid.selector, alice.account, huge, huge + B));
        _post(huge);
        // Beyond the allowance the provider gave the module: the market refuses the lock.
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarketErrors.ModuleAllowanceExceeded.selector, address(sv), alice.account, 400 * TOKEN + 1, 400 * TOKEN
            )
        );
        _post(400 * TOKEN + 1 - B);
        // A stranger with no stake cannot post.
        vm.expectRevert();
        vm.prank(stranger);
        sv.postBond(1);
        // No top-up while the release is pending.
        vm.prank(alice.account);
        sv.requestBondRelease();
        vm.expectRevert(abi.encodeWithSelector(SamplingBondReleasing.selector, alice.account, block.timestamp + DELAY));
        _post(1);
    }

    // ================================================================== release and withdrawal

    function test_requestBondRelease_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(SamplingNoBond.selector, alice.account));
        vm.prank(alice.account);
        sv.requestBondRelease();
        _post(B);
        vm.prank(alice.account);
        sv.requestBondRelease();
        vm.expectRevert(abi.encodeWithSelector(SamplingBondReleasing.selector, alice.account, block.timestamp + DELAY));
        vm.prank(alice.account);
        sv.requestBondRelease();
    }

    function test_withdrawBond_exactlyAtTheReleaseTime() public {
        vm.expectRevert(abi.encodeWithSelector(SamplingNoBond.selector, alice.account));
        vm.prank(alice.account);
        sv.withdrawBond();
        _post(B);
        vm.expectRevert(abi.encodeWithSelector(SamplingBondNotReleasing.selector, alice.account));
        vm.prank(alice.account);
        sv.withdrawBond();

        vm.warp(block.timestamp + 5);
        uint256 releaseAt = block.timestamp + DELAY;
        vm.expectEmit(address(sv));
        emit BondReleaseRequested(alice.account, B, releaseAt);
        vm.prank(alice.account);
        sv.requestBondRelease();
        assertEq(sv.bondAt(alice.account, block.timestamp), 0, "jobs from this second on are not covered");
        assertEq(sv.bondAt(alice.account, block.timestamp - 1), B, "older ones still are");

        vm.warp(releaseAt - 1);
        vm.expectRevert(abi.encodeWithSelector(SamplingBondLocked.selector, alice.account, releaseAt, releaseAt - 1));
        vm.prank(alice.account);
        sv.withdrawBond();

        vm.warp(releaseAt);
        vm.expectEmit(address(sv));
        emit BondWithdrawn(alice.account, B);
        vm.prank(alice.account);
        sv.withdrawBond();
        assertEq(_moduleLocked(alice.account), 0, "released");
        assertEq(market.provider(alice.account).locked, 0, "free stake again");
        assertEq(sv.bondOf(alice.account).amount, 0, "gone");
        vm.expectRevert(abi.encodeWithSelector(SamplingNoBond.selector, alice.account));
        vm.prank(alice.account);
        sv.withdrawBond();
        // A new bond starts a new cycle.
        _post(B);
        assertEq(sv.bondOf(alice.account).cycle, 2, "cycle 2");
    }

    function test_withdrawBond_delayIsFixedAtTheRequest() public {
        _post(B);
        vm.prank(alice.account);
        sv.requestBondRelease();
        uint256 releaseAt = block.timestamp + DELAY;
        ISampledVerifierTypes.Params memory p = _defaultParams();
        p.bondReleaseDelay = 60 days;
        sv.setParams(p);
        vm.warp(releaseAt);
        vm.prank(alice.account);
        sv.withdrawBond();
    }

    // ================================================================== the job's rate

    function test_rate_unbondedIsTwiceThePriceOverTheCollateral() public {
        (, Job memory job) = _submittedDrawnAt(10_000); // any draw: we read the rates
        ISampledVerifierTypes.Sampling memory s = sv.samplingOf(job);
        // δ × P_S / C = 2 × 2 / 20 = 20 %, above the new-provider 10 %.
        assertEq(s.rateBps, 2_000, "20 %");
        assertEq(s.baseRateBps, 200, "base");
        assertEq(s.bond, 0, "no bond");
        assertEq(s.bondCycle, 0, "no cycle");
    }

    function test_rate_bondedAt90PriceIsTheBaseRate() public {
        _graduate();
        _post(B);
        (, Job memory job) = _submittedDrawnAt(10_000);
        ISampledVerifierTypes.Sampling memory s = sv.samplingOf(job);
        assertEq(s.rateBps, 200, "2 %: the base rate");
        assertEq(s.bond, B, "bond at submission");
        assertEq(s.bondCycle, 1, "cycle");
    }

    function test_rate_roundsUpAndKeepsTheNewProviderFloor() public {
        _post(70 * TOKEN);
        (, Job memory job) = _submittedDrawnAt(10_000);
        // 20_000 × 20 × 10_000 / (100_000 × 90) = 444.4… → 445, above the new-provider 1_000? No: max(1_000, 445).
        assertEq(sv.samplingOf(job).rateBps, 1_000, "the new-provider rate binds");
        _graduate();
        assertEq(sv.samplingOf(job).rateBps, 445, "rounded up");
    }

    function test_rate_capsAt100Percent() public {
        // At 5× collateral and δ = 10×: 10 × P_S / (5 × P_S) = 200 %, capped at 100 %.
        (Params memory mp,) = market.params();
        mp.collateralRatioBps = 50_000;
        mp.livenessSlashBps = 10_000;
        market.setParams(mp);
        ISampledVerifierTypes.Params memory p = _defaultParams();
        p.deterrenceBps = 100_000;
        sv.setParams(p);
        (, Job memory job) = _submittedDrawnAt(10_000);
        assertEq(sv.samplingOf(job).rateBps, 10_000, "capped");
        p.deterrenceBps = 20_000;
        sv.setParams(p);
        assertEq(sv.samplingOf(job).rateBps, 4_000, "2 P_S over 5 P_S, from the job snapshot");
    }

    function test_rate_laterTopUpNeverLowersAnOlderJobsRate() public {
        _graduate();
        _post(70 * TOKEN);
        (, Job memory job) = _submittedDrawnAt(10_000);
        vm.warp(block.timestamp + 1);
        _post(B);
        assertEq(sv.samplingOf(job).bond, 70 * TOKEN, "the bond at submission");
        assertEq(sv.samplingOf(job).rateBps, 445, "unchanged");
    }

    function test_rate_jobInTheSameSecondAsThePostIsCovered() public {
        _graduate();
        _post(B);
        (, Job memory job) = _submittedDrawnAt(10_000); // same second
        assertEq(sv.samplingOf(job).bond, B, "covered");
    }

    function test_rate_jobInTheSameSecondAsTheReleaseRequestIsNot() public {
        _graduate();
        _post(B);
        vm.warp(block.timestamp + 1);
        (, Job memory before) = _submitted(alice, OUT);
        vm.warp(block.timestamp + 1);
        vm.prank(alice.account);
        sv.requestBondRelease();
        (, Job memory same) = _submitted(alice, OUT);
        _endEpochWithSeed();
        assertEq(sv.samplingOf(before).bond, B, "a second before: covered");
        assertEq(sv.samplingOf(before).rateBps, 200, "bonded rate");
        assertEq(sv.samplingOf(same).bond, 0, "the same second: not covered");
        assertEq(sv.samplingOf(same).rateBps, 2_000, "unbonded rate");
    }

    function test_rate_samplesInTheUnderBondedBandNeedAFunder() public {
        (JobId id, Job memory job) = _submittedDrawnAt(1_500); // in [200, 2_000)
        bytes memory sig = _sig(alice, id, job, OUT);
        uint256 draw = sv.samplingOf(job).draw;
        (bool sampled,,) = sv.isSampled(job);
        assertFalse(sampled, "not the fund's");
        vm.expectRevert(abi.encodeWithSelector(SamplingJobInPaidBand.selector, id, draw, 200, 2_000));
        sv.sample(job, OUT, sig);
    }

    // ================================================================== the slash

    function test_bond_upheldCheckOfACoveredJobSlashesAllOfItToTheTreasury() public {
        _post(B);
        (JobId id, Job memory job) = _caughtLying();
        uint256 treasuryBefore = market.treasuryAccrued(address(token));
        uint256 stakedBefore = market.provider(alice.account).staked;
        vm.expectEmit(address(sv));
        emit BondSlashed(alice.account, id, B);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(sv.bondOf(alice.account).amount, 0, "bond gone");
        assertEq(_moduleLocked(alice.account), 0, "nothing left locked");
        assertEq(stakedBefore - market.provider(alice.account).staked, COLLATERAL + B, "collateral and bond");
        assertEq(
            market.treasuryAccrued(address(token)) - treasuryBefore,
            B + COLLATERAL - CHALLENGER_SHARE - UPHELD_FEE,
            "all of the bond to the treasury"
        );
        assertEq(market.claimable(address(sv), address(token)), CHALLENGER_SHARE + UPHELD_FEE, "module: no bond share");
        assertEq(sv.bondAt(alice.account, block.timestamp), 0, "no longer covers");
    }

    function test_bond_upheldCheckOfAJobSubmittedBeforeThePostLeavesIt() public {
        (JobId id, Job memory job) = _submitted(alice, WRONG);
        vm.warp(block.timestamp + 1);
        _post(B);
        _drawAndEscalate(id, job);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(sv.bondOf(alice.account).amount, B, "bond untouched");
        assertEq(_moduleLocked(alice.account), B, "still locked");
    }

    function test_bond_releaseRequestAfterSubmissionDoesNotUncover() public {
        _post(B);
        (JobId id, Job memory job) = _submitted(alice, WRONG);
        vm.warp(block.timestamp + 1);
        vm.prank(alice.account);
        sv.requestBondRelease();
        _drawAndEscalate(id, job);
        vm.expectEmit(address(sv));
        emit BondSlashed(alice.account, id, B);
        sv.resolve(job);
        // Nothing left to withdraw.
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(abi.encodeWithSelector(SamplingNoBond.selector, alice.account));
        vm.prank(alice.account);
        sv.withdrawBond();
    }

    /// @dev Squatting: after lying, alice asks for its bond back and has a sybil open a human dispute, hoping the
    ///      module counts the job as uncovered and the sybil recovers half the collateral. The bond still goes.
    function test_bond_squattingAfterAReleaseRequestStillLosesIt() public {
        _post(B);
        (JobId id, Job memory job) = _submitted(alice, WRONG);
        vm.warp(block.timestamp + 1);
        vm.prank(alice.account);
        sv.requestBondRelease();
        address sybil = makeAddr("sybil");
        _disputeAs(sybil, job);
        assertEq(sv.checkOf(id).bondCycle, 1, "covered");
        sv.attest(job, WRONG, _sig(alice, id, job, WRONG));
        _outvoteWith(job, OUT);
        vm.expectEmit(address(sv));
        emit BondSlashed(alice.account, id, B);
        sv.resolve(job);
        assertEq(market.claimable(sybil, address(token)), CHALLENGER_SHARE, "the sybil's share: none of the bond");
    }

    function test_bond_humanDisputeAfterTheWindowOfARequestIsNotCovered() public {
        _post(B);
        vm.prank(alice.account);
        sv.requestBondRelease();
        // Submitted a full challenge window (4 h) after the request: the bond cannot have covered it.
        vm.warp(block.timestamp + 4 hours);
        (JobId id, Job memory job) = _submitted(alice, WRONG);
        _disputeAs(makeAddr("sybil"), job);
        assertEq(sv.checkOf(id).bondCycle, 0, "not covered");
    }

    function test_bond_humanDisputeOneSecondInsideTheWindowOfARequestIsCovered() public {
        _post(B);
        vm.warp(block.timestamp + 1);
        // Submitted a second before the request: covered; its dispute opens at the window's last second.
        (JobId id, Job memory job) = _submitted(alice, WRONG);
        vm.warp(block.timestamp + 1);
        vm.prank(alice.account);
        sv.requestBondRelease();
        vm.warp(block.timestamp + 4 hours - 1);
        _disputeAs(makeAddr("sybil"), job);
        assertEq(sv.checkOf(id).bondCycle, 1, "covered");
    }

    /// @dev The bond slash is the module's own hook into its extension: nobody else can call it, not even
    ///      through the module's address.
    function test_slashBond_onlyTheModuleItself() public {
        _post(B);
        vm.expectRevert(SampledVerifierExtension.SampledVerifierExtensionDirectCall.selector);
        vm.prank(stranger);
        SampledVerifierExtension(address(sv)).slashBond(JobId.wrap(bytes32(0)), alice.account, 1);
        SampledVerifierExtension ext = SampledVerifierExtension(svCore.extension());
        vm.expectRevert(SampledVerifierExtension.SampledVerifierExtensionDirectCall.selector);
        ext.slashBond(JobId.wrap(bytes32(0)), alice.account, 1);
        assertEq(sv.bondOf(alice.account).amount, B, "untouched");
    }

    // ================================================================== helpers

    /// @dev A job of alice submitted now whose draw (with a seed set for its epoch) is `< below` when `below` is
    ///      at most 10_000 and the draw can be anything; the epoch ended.
    function _submittedDrawnAt(uint256 drawBelow) internal returns (JobId id, Job memory job) {
        if (drawBelow < 10_000) return _drawnBetween(alice, OUT, 200, drawBelow);
        (id, job) = _submitted(alice, OUT);
        uint64 e = _epochOf(block.timestamp);
        _seedDrawing(e, id, 10_000, true);
        vm.warp(_epochEnd(e));
    }

    function _endEpochWithSeed() internal {
        uint64 e = _epochOf(block.timestamp);
        rng.setSeed(e, keccak256("end"));
        vm.warp(_epochEnd(e));
    }

    /// @dev Draws `job` in the fund's band, samples it; round 0 says OUT against its WRONG; round 1 assigned and
    ///      voting OUT, OUT (not yet resolved).
    function _drawAndEscalate(JobId id, Job memory job) internal {
        uint64 e = _epochOf(market.jobState(id).timestamp);
        _seedDrawing(e, id, 200, true);
        if (block.timestamp < _epochEnd(e)) vm.warp(_epochEnd(e));
        sv.sample(job, WRONG, _sig(alice, id, job, WRONG));
        _outvoteWith(job, OUT);
    }

    function _caughtLying() internal returns (JobId id, Job memory job) {
        (id, job) = _submitted(alice, WRONG);
        _drawAndEscalate(id, job);
    }
}
