// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice The sampled re-execution verifier after a disagreement (EXACT), disputes opened by others, and
///         checks whose dispute ended elsewhere.
/// @dev Tree (when ..., given ..., it should ...):
///  round 0 disagrees -> round 1 draws `escalationVerifiers` (2) more; their reveals wait for both commits
///   (SamplingRevealNotOpen); the majority of the three revealed outputs decides:
///   ├── two or more against the provider, a majority -> Upheld: provider slashed, client refunded, the module
///   │     (first challenger) rewarded; verifiers that agreed with the provider slashed; the others paid
///   ├── a majority with the provider                  -> Draw: result paid, the dissenters slashed, the others paid
///   ├── a tie (a round-1 verifier never revealed)     -> Draw: nobody slashed for its vote, every revealer paid
///   └── no round-1 verifier at all                    -> Draw: one verifier alone never slashes a provider
///  a dispute opened by someone else -> AwaitingAttestation; attest (SamplingCheckWrongStatus, SamplingBadAttestation)
///   ├── the verifiers agree with the provider -> Rejected: the challenger pays, as with the arbitrator
///   ├── they outvote it                       -> Upheld with the human challenger as the winner
///   └── the challenger is never drawn as a verifier of its own dispute
///  the dispute ended elsewhere (equivocation proof, deadline passed) -> resolve / assign close the check:
///   every lock released, who revealed is paid, nothing ruled
///  others join the module's dispute -> Draw: each pays the fee to the module; Upheld: the module wins
contract SamplingEscalationTest is SamplingFixture, ISampledVerifierErrors, ISampledVerifierEvents {
    bytes32 internal constant WRONG = keccak256("wrong");

    /// @dev A sampled job of alice with output `provided`; round 0 reveals `first`; round 1 assigned.
    function _escalated(bytes32 provided, bytes32 first) internal returns (JobId id, Job memory job) {
        (id, job) = _sampled(alice, provided);
        _assignFull(job, 0);
        _vote(job, 0, _one(first));
        sv.resolve(job);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(c.round, 1, "escalated");
        assertEq(c.toAssign, 2, "two more");
        assertEq(c.roundFirst, 1, "round 1 starts at vote 1");
        _assignFull(job, 100);
    }

    // ================================================================== EXACT escalation

    function test_escalation_providerOutvotedIsUpheld() public {
        // Alice lied (WRONG); verifier 0 and one of round 1 say OUT; the other of round 1 colludes with alice.
        (JobId id, Job memory job) = _escalated(WRONG, OUT);
        address v0 = _assignedAt(id, 0);
        address v1 = _assignedAt(id, 1);
        address colluder = _assignedAt(id, 2);
        uint256 aliceStake = market.provider(alice.account).staked;
        _vote(job, 1, _two(OUT, WRONG));

        vm.expectEmit(address(sv));
        emit VerifierSlashed(id, colluder, VSTAKE, false);
        vm.expectEmit(address(sv));
        emit CheckResolved(id, Outcome.Upheld, 1, 2, false);
        sv.resolve(job);

        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.provider(alice.account).staked, aliceStake - COLLATERAL, "provider lost its collateral");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(address(sv), address(token)), CHALLENGER_SHARE + UPHELD_FEE, "module won");
        assertEq(market.claimable(address(sv), address(usdc)), BOND, "its bond back");
        assertEq(market.provider(colluder).staked, STAKE - VSTAKE, "colluder slashed");
        assertEq(sv.owed(v0, address(usdc)), REWARD, "v0 paid");
        assertEq(sv.owed(v1, address(usdc)), REWARD, "v1 paid");
        assertEq(sv.owed(colluder, address(usdc)), 0, "colluder unpaid");
        assertEq(_moduleLocked(v0) + _moduleLocked(v1) + _moduleLocked(colluder), 0, "all released");
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
        assertEq(sv.passedChecks(alice.account), 0, "no pass");
    }

    function test_escalation_majorityWithProviderIsDraw() public {
        // Verifier 0 is wrong (or lies); the two of round 1 agree with alice.
        (JobId id, Job memory job) = _escalated(OUT, WRONG);
        address v0 = _assignedAt(id, 0);
        _vote(job, 1, _two(OUT, OUT));
        vm.expectEmit(address(sv));
        emit CheckResolved(id, Outcome.Draw, 2, 1, false);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "provider paid");
        assertEq(market.provider(v0).staked, STAKE - VSTAKE, "the dissenter slashed");
        assertEq(sv.owed(v0, address(usdc)), 0, "and unpaid");
        assertEq(sv.owed(_assignedAt(id, 1), address(usdc)), REWARD, "v1 paid");
        assertEq(sv.owed(_assignedAt(id, 2), address(usdc)), REWARD, "v2 paid");
        assertEq(sv.passedChecks(alice.account), 1, "a pass");
        assertEq(market.claimable(address(sv), address(usdc)), BOND, "bond back in full");
    }

    function test_escalation_revealsWaitForEveryCommit() public {
        (JobId id, Job memory job) = _escalated(WRONG, OUT);
        _commit(job, 1, OUT);
        address v1 = _assignedAt(id, 1);
        bytes32 salt = keccak256(abi.encode("salt", v1));
        vm.expectRevert(abi.encodeWithSelector(SamplingRevealNotOpen.selector, id, 1, 2));
        vm.prank(v1);
        sv.reveal(job, OUT, salt);
        _commit(job, 2, OUT);
        vm.prank(v1);
        sv.reveal(job, OUT, salt);
    }

    function test_escalation_tieIsDrawAndPaysEveryRevealer() public {
        (JobId id, Job memory job) = _escalated(WRONG, OUT);
        _commit(job, 1, WRONG);
        _commit(job, 2, OUT);
        _reveal(job, 1, WRONG);
        address silent = _assignedAt(id, 2);
        vm.warp(sv.checkOf(id).revealDeadline + 1);
        sv.resolve(job); // round 1: the silent one is slashed, not replaced (it could copy the reveals)
        _assertStatus(id, JobStatus.Finalized, "a tie: the result stands");
        assertEq(market.provider(silent).staked, STAKE - VSTAKE, "silent slashed");
        assertEq(sv.owed(_assignedAt(id, 0), address(usdc)), REWARD, "v0 paid");
        assertEq(sv.owed(_assignedAt(id, 1), address(usdc)), REWARD, "v1 paid");
        assertEq(market.provider(_assignedAt(id, 0)).staked, STAKE, "v0 not slashed for its vote");
    }

    /// @dev Attack: a lone verifier that lies against an honest provider. With nobody left to escalate to, it
    ///      cannot slash the provider on its own word.
    function test_escalation_loneDissenterNeverSlashes() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assignFull(job, 0);
        address v0 = _assignedAt(id, 0);
        for (uint256 i; i < 4; ++i) {
            if (vs[i].account == v0) continue;
            vm.prank(vs[i].account);
            sv.unenrol(modelId);
        }
        _vote(job, 0, _one(WRONG));
        sv.resolve(job);
        _assign(job, 0);
        _assertStatus(id, JobStatus.Finalized, "the result stands");
        assertEq(market.provider(alice.account).staked, STAKE, "provider untouched");
        assertEq(sv.owed(v0, address(usdc)), REWARD, "nothing shown either way: paid, not slashed");
    }

    // ================================================================== disputes opened by others

    function _humanDisputed(address who) internal returns (JobId id, Job memory job) {
        return _humanDisputedWith(who, OUT);
    }

    function _humanDisputedWith(address who, bytes32 output) internal returns (JobId id, Job memory job) {
        (id, job) = _submitted(alice, output);
        _disputeAs(who, job);
    }

    function test_attest_checks() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.None)
        );
        sv.attest(job, OUT, sig);
        vm.expectEmit(address(sv));
        emit DisputeCheckOpened(id, challenger);
        vm.prank(challenger);
        market.openDispute(job, "");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.AwaitingAttestation), "waits");
        address recovered = _recovered(id, job, OUT_B, alice.account, sig);
        vm.expectRevert(abi.encodeWithSelector(SamplingBadAttestation.selector, id, recovered));
        sv.attest(job, OUT_B, sig);
        vm.expectEmit(address(sv));
        emit OutputAttested(id, OUT);
        vm.prank(alice.account); // the provider has the most reason to
        sv.attest(job, OUT, sig);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(uint256(c.status), uint256(ISampledVerifierTypes.CheckStatus.AwaitingSeed), "seed next");
        assertTrue(c.human, "human");
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.AwaitingSeed)
        );
        sv.attest(job, OUT, sig);
    }

    function test_attest_fundTooLowReverts() public {
        (JobId id, Job memory job) = _humanDisputed(challenger);
        sv.withdrawFund(address(usdc), FUND - (RESERVE - 1), treasury);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingFundTooLow.selector, address(usdc), RESERVE, RESERVE - 1));
        sv.attest(job, OUT, sig);
        usdc.mint(address(this), 1);
        sv.fund(address(usdc), 1);
        sv.attest(job, OUT, sig);
    }

    function test_humanDispute_verifierAgreesIsRejected() public {
        (JobId id, Job memory job) = _humanDisputed(challenger);
        sv.attest(job, OUT, _sig(alice, id, job, OUT));
        _assignFull(job, 0);
        _vote(job, 0, _one(OUT));
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT + BOND - DISPUTE_FEE, "provider compensated");
        assertEq(market.claimable(challenger, address(usdc)), 0, "challenger lost its bond");
        assertEq(market.claimable(address(sv), address(usdc)), DISPUTE_FEE, "module fee");
        assertEq(sv.passedChecks(alice.account), 0, "only sampled checks count toward graduation");
    }

    function test_humanDispute_outvotedIsUpheldForTheHuman() public {
        (JobId id, Job memory job) = _humanDisputedWith(challenger, WRONG);
        sv.attest(job, WRONG, _sig(alice, id, job, WRONG));
        _outvoteWith(job, OUT);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(challenger, address(token)), CHALLENGER_SHARE, "the human wins the share");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "and its bond back");
        assertEq(market.claimable(address(sv), address(token)), UPHELD_FEE, "module: the arbitration fee");
        assertEq(sv.owed(_assignedAt(id, 0), address(usdc)), REWARD, "verifiers paid from the fund");
    }

    function test_humanDispute_challengerNeverDrawn() public {
        // verifier0 disputes alice's job; it is enrolled, but never judges its own dispute.
        (JobId id, Job memory job) = _humanDisputed(vs[0].account);
        sv.attest(job, OUT, _sig(alice, id, job, OUT));
        for (uint256 salt; salt < 8; ++salt) {
            uint256 snap = vm.snapshotState();
            _assign(job, salt);
            if (sv.checkOf(id).assigned == 1) assertTrue(_assignedAt(id, 0) != vs[0].account, "not the challenger");
            vm.revertToState(snap);
        }
    }

    // ================================================================== the dispute ends elsewhere

    function test_resolve_equivocationDuringCheckReleasesAndPays() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assignFull(job, 0);
        address v0 = _assignedAt(id, 0);
        _vote(job, 0, _one(OUT_B));
        // Someone proves alice signed two outputs: the market closes the dispute, the module (first
        // challenger) gets the reward.
        bytes memory a = _sig(alice, id, job, OUT);
        bytes memory b = _sig(alice, id, job, OUT_B);
        market.reportEquivocation(job, OUT, a, OUT_B, b);
        _assertStatus(id, JobStatus.Slashed, "slashed by the proof");
        vm.expectEmit(address(sv));
        emit CheckResolved(id, Outcome.Draw, 0, 1, true);
        sv.resolve(job);
        assertEq(_moduleLocked(v0), 0, "released");
        assertEq(sv.owed(v0, address(usdc)), REWARD, "the revealer is paid");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Closed), "closed");
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
        assertEq(market.claimable(address(sv), address(usdc)), BOND, "bond returned by the market");
    }

    function test_assign_afterDeadlineAbandonsThenCancel() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        uint256 deadline = market.dispute(id).deadline;
        vm.warp(deadline + 1);
        rng.setSeed(uint64(sv.checkOf(id).seedEpoch), keccak256("late"));
        sv.assign(job);
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Closed), "closed");
        market.cancelDispute(job);
        _assertStatus(id, JobStatus.Cancelled, "client refunded by the market");
        assertEq(market.claimable(address(sv), address(usdc)), BOND, "bond back");
    }

    function test_resolve_atDeadlineStillRules() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assignFull(job, 0);
        _vote(job, 0, _one(OUT));
        uint256 deadline = market.dispute(id).deadline;
        uint256 snap = vm.snapshotState();
        vm.warp(deadline);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "ruled at the last second");
        vm.revertToState(snap);
        vm.warp(deadline + 1);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Disputed, "one second later: abandoned, the market cancels");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Closed), "closed");
    }

    // ================================================================== others join the module's dispute

    function test_join_drawChargesJoinerTheFee() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        vm.prank(challenger);
        market.joinDispute(job, "me too");
        _assignFull(job, 0);
        _vote(job, 0, _one(OUT));
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(challenger, address(usdc)), BOND - DISPUTE_FEE, "joiner pays the fee");
        assertEq(market.claimable(address(sv), address(usdc)), BOND + DISPUTE_FEE, "module: its bond + the fee");
    }

    function test_join_upheldTheModuleWins() public {
        (JobId id, Job memory job) = _sampled(alice, WRONG);
        vm.prank(challenger);
        market.joinDispute(job, "me too");
        _outvoteWith(job, OUT);
        sv.resolve(job);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "joiner: its bond back");
        assertEq(market.claimable(challenger, address(token)), 0, "but not the reward");
        assertEq(market.claimable(address(sv), address(token)), CHALLENGER_SHARE + 2 * UPHELD_FEE, "module won");
    }
}
