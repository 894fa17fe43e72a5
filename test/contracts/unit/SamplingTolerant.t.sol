// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice TOLERANT jobs through the sampled re-execution verifier: a hash match passes the check, a
///         mismatch goes to the arbiter (no escalation: equal hashes are not the test of a tolerant output).
/// @dev Tree (when ..., given ..., it should ...):
///  the verifier's hash equals the provider's -> Draw, passed + 1 (as EXACT)
///  it differs -> AwaitingArbitration, ArbitrationRequested(id, provider's, verifier's); resolve refuses
///   (SamplingCheckWrongStatus) until the dispute's deadline
///  rule: by anyone but the role -> AccessManagedUnauthorized; not awaiting -> SamplingCheckWrongStatus;
///   providerStands -> Draw (sampled) / Rejected (someone else's dispute); else Upheld; a differing verifier is
///   paid and released either way, a vote equal to an upheld provider's output is slashed with it; after the
///   deadline -> the check closes unruled and the market cancels
///  planted TOLERANT checks: unexposed, a copier of a canary is paid (control); exposed (PLANTER), round 0 goes to
///   the arbiter whatever it answered; upheld -> the copier slashed and unpaid, an honest re-run paid
///  rejectVote (ARBITRATOR): a junk vote (differs, not a re-run) -> slashed, unpaid, its reward back in the fund;
///   reverts: not awaiting (SamplingCheckWrongStatus), not the role (AccessManagedUnauthorized), a vote equal to
///   the provider's, twice, or an index never assigned (SamplingVoteNotRejectable)
contract SamplingTolerantTest is SamplingFixture, ISampledVerifierErrors, ISampledVerifierEvents {
    bytes32 internal constant CLOSE = keccak256("close but not equal");
    bytes32 internal constant WRONG = keccak256("out of tolerance");
    bytes32 internal constant JUNK = keccak256("not a re-run");
    address internal planter = makeAddr("planter");
    ModelId internal tolerant;

    function setUp() public override {
        super.setUp();
        tolerant = _routeTolerant();
        _grantPlanter(planter);
        vm.warp(block.timestamp + 1);
    }

    function _tolerantSubmitted(bytes32 output) internal returns (JobId id, Job memory job) {
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, tolerant);
        (id, job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, output);
    }

    function _tolerantSampled(bytes32 output) internal returns (JobId id, Job memory job) {
        (id, job) = _tolerantSubmitted(output);
        uint64 e = _epochOf(block.timestamp);
        _seedDrawing(e, id, sv.params().samplingRateBps, true);
        vm.warp(_epochEnd(e));
        bytes memory sig = _sig(alice, id, job, output);
        sv.sample(job, output, sig);
        _assignSeated(job);
    }

    function _assignSeated(Job memory job) internal {
        for (uint256 salt;; ++salt) {
            uint256 snap = vm.snapshotState();
            _assign(job, salt);
            if (sv.checkOf(_id(job)).assigned == 1) return;
            vm.revertToState(snap);
        }
    }

    function test_tolerant_matchPasses() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        assertTrue(sv.checkOf(id).tolerant, "tolerant");
        _vote(job, 0, _one(OUT));
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "passed");
        assertEq(sv.passedChecks(alice.account), 1, "counted");
    }

    function test_tolerant_mismatchGoesToTheArbiter() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        _vote(job, 0, _one(CLOSE));
        vm.expectEmit(address(sv));
        emit ArbitrationRequested(id, OUT, CLOSE);
        sv.resolve(job);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(uint256(c.status), uint256(ISampledVerifierTypes.CheckStatus.AwaitingArbitration), "awaits");
        assertEq(c.round, 0, "no escalation");
        vm.expectRevert(
            abi.encodeWithSelector(
                SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.AwaitingArbitration
            )
        );
        sv.resolve(job);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        sv.rule(job, true);
    }

    function test_rule_providerStandsIsDraw() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        address v = _assignedAt(id, 0);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        vm.expectEmit(address(sv));
        emit ArbitrationRuled(id, true, address(this));
        sv.rule(job, true);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(sv.owed(v, address(usdc)), REWARD, "verifier paid");
        assertEq(market.provider(v).staked, STAKE, "not slashed: a different hash is no lie under TOLERANT");
        assertEq(_moduleLocked(v), 0, "released");
        assertEq(sv.passedChecks(alice.account), 1, "a pass");
    }

    function test_rule_providerOutOfToleranceIsUpheld() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        sv.rule(job, false);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(address(sv), address(token)), CHALLENGER_SHARE + UPHELD_FEE, "module won");
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
    }

    function _expose(Job memory job) internal {
        vm.prank(planter);
        sv.expose(job);
    }

    function test_control_unexposedTolerantCanaryPaysTheCopier() public {
        // The finding planted TOLERANT checks fix: a verifier that copies the provider's public output agrees,
        // so nothing reaches the arbiter, the wrong output stands and the copier is paid.
        (JobId id, Job memory job) = _tolerantSampled(WRONG);
        address lazy = _assignedAt(id, 0);
        _vote(job, 0, _one(WRONG));
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "the lie stands");
        assertEq(sv.owed(lazy, address(usdc)), REWARD, "the copier is paid");
        assertEq(market.provider(lazy).staked, STAKE, "and keeps its stake");
    }

    function test_expose_tolerantCopierGoesToTheArbiterAndIsSlashed() public {
        (JobId id, Job memory job) = _tolerantSampled(WRONG);
        address lazy = _assignedAt(id, 0);
        _commit(job, 0, WRONG);
        vm.expectEmit(address(sv));
        emit CheckExposed(id, planter);
        _expose(job);
        _reveal(job, 0, WRONG);
        vm.expectEmit(address(sv));
        emit ArbitrationRequested(id, WRONG, WRONG);
        sv.resolve(job);
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.AwaitingArbitration), "agreed, and awaits anyway");
        // The copy is the same bytes as the canary: it cannot be rejected as junk, it falls with the provider.
        vm.expectRevert(
            abi.encodeWithSelector(SamplingVoteNotRejectable.selector, id, 0, ISampledVerifierTypes.VoteStatus.Revealed, WRONG)
        );
        sv.rejectVote(job, 0);
        vm.expectEmit(address(sv));
        emit VerifierSlashed(id, lazy, VSTAKE, false);
        sv.rule(job, false);
        _assertStatus(id, JobStatus.Slashed, "the canary is slashed");
        assertEq(market.provider(lazy).staked, STAKE - VSTAKE, "the copier lost its verifier stake");
        assertEq(sv.owed(lazy, address(usdc)), 0, "and is not paid");
        assertEq(_moduleLocked(lazy), 0, "nothing left locked");
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
    }

    function test_expose_tolerantHonestVerifierIsPaid() public {
        // Exposing a canary costs an honest verifier nothing: its re-run differs, and is paid when upheld.
        (JobId id, Job memory job) = _tolerantSampled(WRONG);
        address v = _assignedAt(id, 0);
        _commit(job, 0, CLOSE);
        _expose(job);
        _reveal(job, 0, CLOSE);
        sv.resolve(job);
        sv.rule(job, false);
        _assertStatus(id, JobStatus.Slashed, "the canary is slashed");
        assertEq(sv.owed(v, address(usdc)), REWARD, "the honest verifier is paid");
        assertEq(market.provider(v).staked, STAKE, "and keeps its stake");
    }

    function test_rejectVote_junkIsSlashedAndUnpaid() public {
        // A verifier that disagrees without re-running (junk) to be paid for a check it did not do.
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        address junk = _assignedAt(id, 0);
        _vote(job, 0, _one(JUNK));
        sv.resolve(job);
        (uint256 availableBefore,) = sv.fundOf(address(usdc));
        vm.expectEmit(address(sv));
        emit VoteRejected(id, 0, junk, address(this));
        vm.expectEmit(address(sv));
        emit VerifierSlashed(id, junk, VSTAKE, false);
        sv.rejectVote(job, 0);
        assertEq(market.provider(junk).staked, STAKE - VSTAKE, "slashed its verifier stake");
        assertEq(_moduleLocked(junk), 0, "its lock is spent");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.AwaitingArbitration), "still awaits the ruling");
        vm.expectRevert(
            abi.encodeWithSelector(SamplingVoteNotRejectable.selector, id, 0, ISampledVerifierTypes.VoteStatus.Slashed, JUNK)
        );
        sv.rejectVote(job, 0);
        sv.rule(job, true);
        _assertStatus(id, JobStatus.Finalized, "the honest result stands");
        assertEq(sv.owed(junk, address(usdc)), 0, "not paid");
        assertEq(market.provider(junk).staked, STAKE - VSTAKE, "slashed once");
        (uint256 availableAfter, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
        // Back to the fund: the check's whole reserve (the rejected vote's reward too) and the bond it advanced.
        assertEq(availableAfter, availableBefore + RESERVE + BOND, "the unpaid reward stays in the fund");
    }

    function test_rejectVote_reverts() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        // Not awaiting the arbiter (still running).
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.Running)
        );
        sv.rejectVote(job, 0);
        _vote(job, 0, _one(JUNK));
        sv.resolve(job);
        // Not the ARBITRATOR.
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        sv.rejectVote(job, 0);
        // An index never assigned reads as an empty vote.
        vm.expectRevert(
            abi.encodeWithSelector(SamplingVoteNotRejectable.selector, id, 1, ISampledVerifierTypes.VoteStatus.None, bytes32(0))
        );
        sv.rejectVote(job, 1);
        // After the ruling the check is closed.
        sv.rule(job, true);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.Closed)
        );
        sv.rejectVote(job, 0);
    }

    function test_rule_wrongStatusReverts() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.Running)
        );
        sv.rule(job, true);
    }

    function test_rule_afterDeadlineClosesUnruled() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        uint256 deadline = market.dispute(id).deadline;
        vm.warp(deadline + 1);
        sv.resolve(job); // anyone may close it once the arbiter let the deadline pass
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Closed), "closed");
        market.cancelDispute(job);
        _assertStatus(id, JobStatus.Cancelled, "client refunded");
    }

    function test_humanTolerantDispute_providerStandsIsRejected() public {
        (JobId id, Job memory job) = _tolerantSubmitted(OUT);
        vm.prank(challenger);
        market.openDispute(job, "");
        sv.attest(job, OUT, _sig(alice, id, job, OUT));
        _assignSeated(job);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        sv.rule(job, true);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT + BOND - DISPUTE_FEE, "the challenger paid");
        assertEq(sv.passedChecks(alice.account), 0, "human disputes do not count toward graduation");
    }
}
