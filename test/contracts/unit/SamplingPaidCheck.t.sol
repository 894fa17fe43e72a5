// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice The caller-funded check (docs/economics.md 6.6 remedy 2, first bullet; protocol.md 7.7).
/// @dev Tree (when ..., given ..., it should ...):
///  fundCheck
///   ├── draw < samplingRateBps (the fund's band)   -> SamplingJobNotInPaidBand (sample checks it)
///   ├── draw ≥ rate(job)                            -> SamplingJobNotInPaidBand (unsampled)
///   ├── after the challenge window                  -> SamplingWindowClosed
///   ├── the caller did not approve (1 + k) R        -> the token's error
///   └── else: pulls (1 + k) R, the fund advances the bond, the check runs as a sampled one
///  the check passes   -> the funder is owed what nobody earned; no pass counted toward graduation
///  provider outvoted  -> the funder is owed the module's winnings (stake) and the unused rewards
///  dispute gone       -> the funder is owed every reward nobody earned
///  sample of a draw in the band -> SamplingJobInPaidBand; nobody funds -> the job finalizes unsampled
contract SamplingPaidCheckTest is SamplingFixture, ISampledVerifierErrors, ISampledVerifierEvents {
    bytes32 internal constant WRONG = keccak256("wrong");
    address internal funder = makeAddr("funder");

    function setUp() public override {
        super.setUp();
        usdc.mint(funder, 1_000 * USDC);
        vm.prank(funder);
        usdc.approve(address(sv), type(uint256).max);
    }

    /// @dev A job of alice with `output`, drawn in the caller-paid band [200, 2_000), its epoch ended.
    function _inBand(bytes32 output) internal returns (JobId id, Job memory job) {
        return _drawnBetween(alice, output, 200, 2_000);
    }

    function _fund(JobId id, Job memory job, bytes32 output) internal {
        bytes memory sig = _sig(alice, id, job, output);
        vm.prank(funder);
        sv.fundCheck(job, output, sig);
    }

    function test_fundCheck_funderPaysTheRewardsAndGetsBackWhatIsUnused() public {
        (JobId id, Job memory job) = _inBand(OUT);
        ISampledVerifierTypes.Sampling memory s = sv.samplingOf(job);
        assertEq(uint256(s.band), uint256(ISampledVerifierTypes.Band.Caller), "caller band");
        uint256 funderBefore = usdc.balanceOf(funder);
        vm.expectEmit(address(sv));
        emit CheckFunded(id, funder, s.draw, 2_000, RESERVE);
        vm.expectEmit(address(sv));
        emit JobSampled(id, alice.account, funder, s.draw, 2_000, BOND, 0);
        _fund(id, job, OUT);
        assertEq(funderBefore - usdc.balanceOf(funder), RESERVE, "(1 + k) R pulled");
        assertEq(sv.funderOf(id), funder, "recorded");
        _assertStatus(id, JobStatus.Disputed, "the module disputes");
        (uint256 available, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, RESERVE, "reserved");
        assertEq(available, FUND - BOND, "the fund only advances the bond");

        _assignFull(job, 0);
        address v0 = _assignedAt(id, 0);
        _vote(job, 0, _one(OUT));
        vm.expectEmit(address(sv));
        emit FundedCheckSettled(id, funder, RESERVE - REWARD, 0);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "passed");
        assertEq(sv.owed(v0, address(usdc)), REWARD, "the verifier paid");
        assertEq(sv.owed(funder, address(usdc)), RESERVE - REWARD, "unused back to the funder");
        (available, reserved) = sv.fundOf(address(usdc));
        assertEq(available, FUND, "the fund paid nothing");
        assertEq(reserved, 0, "reserve freed");
        assertEq(sv.passedChecks(alice.account), 0, "a funded check does not graduate the provider");
        vm.prank(funder);
        sv.claimRewards(address(usdc), funder);
        assertEq(funderBefore - usdc.balanceOf(funder), REWARD, "net cost: the one reward used");
    }

    /// @dev Self-dealing in the caller-paid band: alice's sybil funds the check of alice's job hoping its sybil
    ///      verifier is drawn. Whoever is drawn, the fund pays nothing: the funder pays exactly the rewards.
    function test_fundCheck_selfDealerPaysItsOwnSybil() public {
        (JobId id, Job memory job) = _inBand(OUT);
        (uint256 availableBefore,) = sv.fundOf(address(usdc));
        _fund(id, job, OUT);
        _assignFull(job, 0);
        _vote(job, 0, _one(OUT));
        sv.resolve(job);
        uint256 earned = sv.owed(_assignedAt(id, 0), address(usdc));
        uint256 back = sv.owed(funder, address(usdc));
        assertEq(earned + back, RESERVE, "funder + verifier: net zero");
        (uint256 availableAfter,) = sv.fundOf(address(usdc));
        assertEq(availableAfter, availableBefore, "no subsidy from the fund");
    }

    function test_fundCheck_caughtProviderPaysTheWinningsToTheFunder() public {
        (JobId id, Job memory job) = _inBand(WRONG);
        _fund(id, job, WRONG);
        _outvoteWith(job, OUT);
        vm.expectEmit(address(sv));
        emit FundedCheckSettled(id, funder, 0, CHALLENGER_SHARE + UPHELD_FEE);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Slashed, "caught");
        assertEq(sv.owed(funder, address(token)), CHALLENGER_SHARE + UPHELD_FEE, "the module's winnings");
        assertEq(sv.owed(funder, address(usdc)), 0, "every reward earned");
        (uint256 available,) = sv.fundOf(address(usdc));
        assertEq(available, FUND, "the bond is back in the fund");
        (uint256 stakeAvailable,) = sv.fundOf(address(token));
        assertEq(stakeAvailable, 0, "the stake won is the funder's, not the fund's");
        vm.prank(funder);
        sv.claimRewards(address(token), funder);
        assertEq(token.balanceOf(funder), CHALLENGER_SHARE + UPHELD_FEE, "claimed");
    }

    function test_fundCheck_abandonedRefundsEveryUnusedReward() public {
        (JobId id, Job memory job) = _inBand(OUT);
        _fund(id, job, OUT);
        vm.warp(market.dispute(id).deadline + 1);
        market.cancelDispute(job);
        vm.expectEmit(address(sv));
        emit FundedCheckSettled(id, funder, RESERVE, 0);
        sv.assign(job);
        assertEq(sv.owed(funder, address(usdc)), RESERVE, "all back");
        (uint256 available,) = sv.fundOf(address(usdc));
        assertEq(available, FUND, "bond back in the fund");
    }

    function test_fundCheck_bandEdges() public {
        // Find a draw d in [1_000, 9_000) and move both band edges onto it.
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint64 e = _epochOf(block.timestamp);
        bytes32 seed = _seedBetween(e, id, 1_000, 9_000);
        vm.warp(_epochEnd(e));
        uint256 d = _draw(seed, id);
        bytes memory sig = _sig(alice, id, job, OUT);
        ISampledVerifierTypes.Params memory p = _defaultParams();
        p.newProviderRateBps = 1_000;
        p.deterrenceBps = uint32(d * 10); // unbonded at 10×: rate = δ / 10 = d
        // draw == rate: outside the band (unsampled).
        sv.setParams(p);
        vm.expectRevert(abi.encodeWithSelector(SamplingJobNotInPaidBand.selector, id, d, 200, d));
        vm.prank(funder);
        sv.fundCheck(job, OUT, sig);
        // draw == samplingRateBps − 1: the fund's band.
        p.deterrenceBps = uint32((d + 1) * 10);
        p.samplingRateBps = uint16(d + 1);
        p.newProviderRateBps = uint16(d + 1);
        sv.setParams(p);
        vm.expectRevert(abi.encodeWithSelector(SamplingJobNotInPaidBand.selector, id, d, d + 1, d + 1));
        vm.prank(funder);
        sv.fundCheck(job, OUT, sig);
        // draw == samplingRateBps and rate − 1: the caller's band (and `sample` refuses it).
        p.samplingRateBps = uint16(d);
        p.newProviderRateBps = uint16(d);
        sv.setParams(p);
        vm.expectRevert(abi.encodeWithSelector(SamplingJobInPaidBand.selector, id, d, d, d + 1));
        sv.sample(job, OUT, sig);
        vm.prank(funder);
        sv.fundCheck(job, OUT, sig);
        assertEq(sv.funderOf(id), funder, "funded");
    }

    function test_fundCheck_windowEdges() public {
        (JobId id, Job memory job) = _inBand(OUT);
        uint256 endsAt = uint256(market.jobState(id).timestamp) + 4 hours;
        bytes memory sig = _sig(alice, id, job, OUT);
        uint256 snap = vm.snapshotState();
        vm.warp(endsAt + 1);
        vm.expectRevert(abi.encodeWithSelector(SamplingWindowClosed.selector, id, endsAt, endsAt + 1));
        vm.prank(funder);
        sv.fundCheck(job, OUT, sig);
        vm.revertToState(snap);
        vm.warp(endsAt);
        vm.prank(funder);
        sv.fundCheck(job, OUT, sig);
    }

    function test_fundCheck_withoutApprovalReverts() public {
        (JobId id, Job memory job) = _inBand(OUT);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.prank(funder);
        usdc.approve(address(sv), RESERVE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(sv), RESERVE - 1, RESERVE)
        );
        vm.prank(funder);
        sv.fundCheck(job, OUT, sig);
    }

    function test_fundCheck_checksLikeSample() public {
        (JobId id, Job memory job) = _inBand(OUT);
        address recovered = _recovered(id, job, OUT_B, alice.account, _sig(alice, id, job, OUT));
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingBadAttestation.selector, id, recovered));
        vm.prank(funder);
        sv.fundCheck(job, OUT_B, sig);
        _fund(id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingJobWrongStatus.selector, id, JobStatus.Disputed));
        vm.prank(funder);
        sv.fundCheck(job, OUT, sig);
    }

    function test_fundCheck_nobodyFundsTheJobFinalizesUnsampled() public {
        (JobId id, Job memory job) = _inBand(OUT);
        vm.warp(uint256(market.jobState(id).timestamp) + 4 hours + 1);
        market.finalizeJob(job);
        _assertStatus(id, JobStatus.Finalized, "settled as unsampled");
        (uint256 available,) = sv.fundOf(address(usdc));
        assertEq(available, FUND, "nothing spent");
    }
}
