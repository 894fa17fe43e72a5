// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice Planted checks: the answer to the lazy verifier (docs/protocol.md 7.7, economics.md 3.12).
///         Alice plays the PLANTER's canary provider: it returns WRONG on purpose. A lazy verifier copies
///         the provider's public output instead of re-running the job.
/// @dev Tree (when ..., given ..., it should ...):
///  control: a canary drawn, its lone round-0 verifier copies WRONG, nobody exposes -> Draw: the lie stands
///   and the lazy verifier is paid (the finding that planted checks fix)
///  expose (PLANTER) once every round-0 seat committed
///   ├── the round-0 verifier copied WRONG -> round 1 anyway; two honest verifiers say OUT -> Upheld: the
///   │     canary slashed, the lazy verifier slashed its stake and unpaid, the honest two paid
///   ├── the job was honest after all (an exposed real job) -> round 1 agrees -> Draw: the provider paid,
///   │     every verifier paid; exposing only cost the fund an escalation
///   └── after round 0 revealed (before resolve) -> still escalates: the vote was already bound
///  expose reverts: not the PLANTER (AccessManagedUnauthorized); no check running (SamplingCheckWrongStatus);
///   a round-0 seat not committed yet (SamplingExposeNotOpen); twice (SamplingAlreadyExposed); in round 1
///   (SamplingExposeNotOpen); a TOLERANT check (SamplingClassNotSupported, in SamplingTolerant.t.sol)
contract SamplingPlantedTest is SamplingFixture, ISampledVerifierErrors, ISampledVerifierEvents {
    bytes32 internal constant WRONG = keccak256("wrong");
    address internal planter = makeAddr("planter");

    function setUp() public override {
        super.setUp();
        _grantPlanter(planter);
    }

    /// @dev A canary of alice answering `provided`, drawn, sampled, its round-0 seat filled and committed to `first`.
    function _committedRound0(bytes32 provided, bytes32 first) internal returns (JobId id, Job memory job) {
        (id, job) = _sampled(alice, provided);
        _assignFull(job, 0);
        _commit(job, 0, first);
    }

    function _expose(Job memory job) internal {
        vm.prank(planter);
        sv.expose(job);
    }

    function test_control_unexposedCanaryLetsTheLazyVerifierEarn() public {
        (JobId id, Job memory job) = _committedRound0(WRONG, WRONG);
        address lazy = _assignedAt(id, 0);
        _reveal(job, 0, WRONG);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "the lie stands");
        assertEq(sv.owed(lazy, address(usdc)), REWARD, "the lazy verifier is paid");
        assertEq(market.provider(lazy).staked, STAKE, "and keeps its stake");
    }

    function test_expose_lazyRound0VerifierIsOutvotedAndSlashed() public {
        (JobId id, Job memory job) = _committedRound0(WRONG, WRONG);
        address lazy = _assignedAt(id, 0);
        uint256 aliceStake = market.provider(alice.account).staked;

        vm.expectEmit(address(sv));
        emit CheckExposed(id, planter);
        _expose(job);
        assertTrue(sv.checkOf(id).exposed, "exposed");

        _reveal(job, 0, WRONG);
        vm.expectEmit(address(sv));
        emit AssignmentRequested(id, 1, 2, _epochOf(block.timestamp));
        sv.resolve(job);
        assertEq(sv.checkOf(id).round, 1, "round 0 agreed, and escalated anyway");

        _assignFull(job, 100);
        _vote(job, 1, _two(OUT, OUT));
        vm.expectEmit(address(sv));
        emit VerifierSlashed(id, lazy, VSTAKE, false);
        vm.expectEmit(address(sv));
        emit CheckResolved(id, Outcome.Upheld, 1, 2, false);
        sv.resolve(job);

        _assertStatus(id, JobStatus.Slashed, "the canary is slashed");
        assertEq(market.provider(alice.account).staked, aliceStake - COLLATERAL, "its collateral");
        assertEq(market.provider(lazy).staked, STAKE - VSTAKE, "the lazy verifier lost its stake");
        assertEq(sv.owed(lazy, address(usdc)), 0, "and is unpaid");
        assertEq(sv.owed(_assignedAt(id, 1), address(usdc)), REWARD, "honest v1 paid");
        assertEq(sv.owed(_assignedAt(id, 2), address(usdc)), REWARD, "honest v2 paid");
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
    }

    function test_expose_anHonestJobOnlyCostsAnEscalation() public {
        (JobId id, Job memory job) = _committedRound0(OUT, OUT);
        _expose(job);
        _reveal(job, 0, OUT);
        sv.resolve(job);
        _assignFull(job, 100);
        _vote(job, 1, _two(OUT, OUT));
        vm.expectEmit(address(sv));
        emit CheckResolved(id, Outcome.Draw, 3, 0, false);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "the result stands");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "the provider is paid");
        for (uint256 i; i < 3; ++i) {
            assertEq(sv.owed(_assignedAt(id, i), address(usdc)), REWARD, "every verifier paid");
            assertEq(market.provider(_assignedAt(id, i)).staked, STAKE, "nobody slashed");
        }
        assertEq(sv.passedChecks(alice.account), 1, "a pass");
    }

    function test_expose_afterTheRound0RevealStillEscalates() public {
        (JobId id, Job memory job) = _committedRound0(WRONG, WRONG);
        _reveal(job, 0, WRONG);
        _expose(job);
        sv.resolve(job);
        assertEq(sv.checkOf(id).round, 1, "escalated");
    }

    function test_expose_reverts() public {
        (JobId id, Job memory job) = _sampled(alice, WRONG);

        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, keeper));
        vm.prank(keeper);
        sv.expose(job);

        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.AwaitingSeed)
        );
        _expose(job);

        _assignFull(job, 0);
        // Before the seat committed, a verifier told that the job is planted would simply re-run it.
        vm.expectRevert(abi.encodeWithSelector(SamplingExposeNotOpen.selector, id, 0, 0, 1));
        _expose(job);

        _commit(job, 0, WRONG);
        _expose(job);
        vm.expectRevert(abi.encodeWithSelector(SamplingAlreadyExposed.selector, id));
        _expose(job);
    }

    function test_expose_inRound1Reverts() public {
        (JobId id, Job memory job) = _committedRound0(WRONG, OUT);
        _reveal(job, 0, OUT);
        sv.resolve(job); // a disagreement escalates by itself
        _assignFull(job, 100);
        _commit(job, 1, OUT);
        _commit(job, 2, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingExposeNotOpen.selector, id, 1, 2, 2));
        _expose(job);
    }
}
