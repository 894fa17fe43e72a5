// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {Roles} from "../../../contracts/governance/Roles.sol";
import {FeeOnTransferToken as FotToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of the dispute machine, following test/contracts/tree/Dispute.tree.
/// @dev Error checklist (error -> test):
///  EnforcedPause                -> none here: openDispute is deliberately not paused (test_openDispute_worksWhilePaused)
///  ProviderSignerRotationTooSoon -> test_reportEquivocation_evidenceSurvivesAttemptedSecondRotation
///  JobWrongStatus               -> test_openDispute_revertsWhenNotSubmitted, test_openDispute_revertsWhenAlreadyDisputed,
///                                  test_rule_revertsWithoutOpenDispute, test_cancelDispute_revertsWhenNotDisputed,
///                                  test_cancelDispute_afterDeadlineReturnsBondAndFinalizes (late ruling),
///                                  test_reportEquivocation_disputedReturnsBondFirst (ruling after slash),
///                                  test_reportEquivocation_revertsForWrongStatus, test_reportEquivocation_afterSettlementSlashesFreeStake
///  JobChallengeWindowClosed     -> test_openDispute_revertsAfterWindow
///  DisputeNoVerifier            -> test_openDispute_revertsWithoutVerifier, test_openDispute_revertsWhenVerifierRemoved
///  FeeOnTransferToken           -> test_openDispute_revertsForFeeOnTransferBond
///  ArbitratedVerifierNotMarket  -> test_onDisputeOpened_revertsForNonMarket
///  AccessManagedUnauthorized    -> test_rule_revertsForNonArbitrator
///  DisputeNotVerifier           -> test_resolveDispute_revertsForNonVerifier, test_resolveDispute_revertsForReplacedVerifier
///  DisputeResolutionClosed      -> test_rule_revertsAfterDeadline
///  DisputeResolutionPending     -> test_cancelDispute_revertsAtDeadline
///  EquivocationSameOutput       -> test_reportEquivocation_revertsForSameOutput
///  EquivocationReportTooLate    -> test_reportEquivocation_revertsTooLate
///  AttestationInvalidSignature  -> test_reportEquivocation_revertsForInvalidSignature
///  AttestationWrongSigner       -> test_reportEquivocation_revertsForForeignSigner,
///                                  test_reportEquivocation_rejectsPreviousSignerAfterThawingPeriod
contract DisputesTest is UnitFixture {
    uint256 internal constant POST_SETTLEMENT_WINDOW = 3 days;

    // Events of ArbitratedVerifier, redeclared to be emitted in expectations.
    event ArbitrationRequested(JobId indexed jobId, address indexed challenger, uint256 deadline);
    event ArbitrationRuled(JobId indexed jobId, Outcome outcome, address indexed arbitrator, string reason);

    function _sigs(ProviderKey memory p, JobId id, Job memory job)
        internal
        view
        returns (bytes memory sigA, bytes memory sigB)
    {
        sigA = _sign(p.signerKey, id, job, OUT, p.account);
        sigB = _sign(p.signerKey, id, job, OUT_B, p.account);
    }

    // ================================================================== openDispute

    function test_openDispute_takesBondAndNotifiesVerifier() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.warp(block.timestamp + 1 hours);
        uint256 deadline = block.timestamp + RESOLUTION;
        uint256 challengerBefore = usdc.balanceOf(challenger);

        vm.expectEmit(address(market));
        emit DisputeOpened(id, challenger, address(verifier), BOND, deadline);
        vm.expectEmit(address(verifier));
        emit ArbitrationRequested(id, challenger, deadline);
        vm.prank(challenger);
        uint256 bond = market.openDispute(job);

        assertEq(bond, BOND, "bond = 5x price");
        assertEq(usdc.balanceOf(challenger), challengerBefore - BOND, "bond pulled");
        assertEq(usdc.balanceOf(address(market)), PRICE + BOND, "escrow + bond held");
        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Disputed), "status");
        assertEq(st.timestamp, block.timestamp, "disputed at");
        Dispute memory d = market.dispute(id);
        assertEq(d.challenger, challenger, "challenger");
        assertEq(d.bond, BOND, "bond");
        assertEq(d.verifier, address(verifier), "verifier");
        assertEq(d.deadline, deadline, "deadline");
    }

    function test_openDispute_bondIsAtLeastFloor() public {
        (JobId id, Job memory job) = _create(alice.account, 1); // 5 x 1 unit < 1 USDC floor
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        vm.prank(challenger);
        uint256 bond = market.openDispute(job);
        assertEq(bond, BOND_FLOOR, "floor");
        assertEq(market.dispute(id).bond, BOND_FLOOR, "stored");
    }

    function test_openDispute_atWindowEnd() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.warp(block.timestamp + WINDOW);
        vm.prank(challenger);
        market.openDispute(job);
        _assertStatus(id, JobStatus.Disputed, "last second of the window");
    }

    function test_openDispute_revertsAfterWindow() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint256 endsAt = block.timestamp + WINDOW;
        vm.warp(endsAt + 1);
        vm.expectRevert(abi.encodeWithSelector(JobChallengeWindowClosed.selector, id, endsAt, endsAt + 1));
        vm.prank(challenger);
        market.openDispute(job);
    }

    function test_openDispute_revertsWhenNotSubmitted() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Accepted));
        vm.prank(challenger);
        market.openDispute(job);
    }

    function test_openDispute_revertsWhenAlreadyDisputed() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Disputed));
        vm.prank(client);
        market.openDispute(job);
    }

    function test_openDispute_revertsWhenFinalized() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Finalized));
        vm.prank(challenger);
        market.openDispute(job);
    }

    function test_openDispute_revertsWithoutVerifier() public {
        ModelId noneModel = _registerModel("non-deterministic", Determinism.NONE);
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, noneModel);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(DisputeNoVerifier.selector, Determinism.NONE));
        vm.prank(challenger);
        market.openDispute(job);
    }

    function test_openDispute_revertsWhenVerifierRemoved() public {
        (, Job memory job) = _submitted(alice, OUT);
        market.setVerifier(Determinism.EXACT, address(0));
        vm.expectRevert(abi.encodeWithSelector(DisputeNoVerifier.selector, Determinism.EXACT));
        vm.prank(challenger);
        market.openDispute(job);
    }

    /// @dev Challenge windows keep running while paused, so disputes stay open too (IJobMarketExtension.openDispute).
    function test_openDispute_worksWhilePaused() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _pause();
        vm.prank(challenger);
        market.openDispute(job);
        _assertStatus(id, JobStatus.Disputed, "disputed while paused");
    }

    /// @dev Escrow of 99 units moves fee-free (the 1 % fee rounds to 0 below 100), the 495-unit bond does not.
    function test_openDispute_revertsForFeeOnTransferBond() public {
        FotToken fot = new FotToken();
        market.configurePaymentToken(address(fot), true, 0, STAKE_RATE);
        fot.mint(client, 1_000);
        fot.mint(challenger, 1_000);
        vm.prank(client);
        fot.approve(address(market), type(uint256).max);
        vm.prank(challenger);
        fot.approve(address(market), type(uint256).max);
        JobRequest memory r = _requestWith(alice.account, address(fot), 99, modelId);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);

        vm.expectRevert(abi.encodeWithSelector(FeeOnTransferToken.selector, address(fot), 495, 491));
        vm.prank(challenger);
        market.openDispute(job);
    }

    function test_onDisputeOpened_revertsForNonMarket() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.expectRevert(abi.encodeWithSelector(ArbitratedVerifier.ArbitratedVerifierNotMarket.selector, stranger));
        vm.prank(stranger);
        verifier.onDisputeOpened(id, job, stranger, block.timestamp + RESOLUTION);
    }

    // ================================================================== resolveDispute (through rule)

    function test_rule_upheldSlashesRefundsAndRewards() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.warp(block.timestamp + 1 days);

        vm.expectEmit(address(market));
        emit ProviderJailed(alice.account, block.timestamp + 30 days);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, COLLATERAL);
        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Upheld, COLLATERAL, CHALLENGER_SHARE);
        vm.expectEmit(address(verifier));
        emit ArbitrationRuled(id, Outcome.Upheld, arbitrator, "reason");
        _rule(job, Outcome.Upheld);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Slashed), "status");
        assertEq(st.timestamp, block.timestamp, "settled at");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond returned");
        assertEq(market.claimable(challenger, address(token)), CHALLENGER_SHARE, "challenger share of slash");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - CHALLENGER_SHARE, "treasury: rest of slash");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "no fee on a slashed job");
        assertEq(market.claimable(alice.account, address(usdc)), 0, "provider unpaid");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);
        assertEq(market.provider(alice.account).jailedUntil, block.timestamp + 30 days, "jailed");
        assertEq(market.dispute(id).challenger, address(0), "dispute cleared");
        assertEq(usdc.balanceOf(address(market)), PRICE + BOND, "usdc held = owed");
        assertEq(token.balanceOf(address(market)), STAKE, "stake token held = staked + owed");
    }

    function test_rule_rejectedPaysBondToProviderAndTreasury() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account, PAYOUT, FEE);
        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Rejected, 0, 0);
        _rule(job, Outcome.Rejected);

        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT + BOND - DISPUTE_FEE, "payout + bond net");
        assertEq(market.treasuryAccrued(address(usdc)), DISPUTE_FEE, "verification cost to the treasury");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "protocol fee owed by the provider");
        assertEq(market.claimable(challenger, address(usdc)), 0, "bond lost");
        assertEq(market.claimable(client, address(usdc)), 0, "no refund");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(market.dispute(id).challenger, address(0), "dispute cleared");
    }

    function test_rule_drawReturnsBond() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account, PAYOUT, FEE);
        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Draw, 0, 0);
        _rule(job, Outcome.Draw);

        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond returned");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "payout");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "fee owed");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "nothing kept from the bond");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_rule_atDeadline() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.warp(market.dispute(id).deadline);
        _rule(job, Outcome.Draw);
        _assertStatus(id, JobStatus.Finalized, "resolved on the last second");
    }

    function test_rule_revertsAfterDeadline() public {
        (JobId id, Job memory job) = _disputed(alice);
        uint256 deadline = market.dispute(id).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(DisputeResolutionClosed.selector, id, deadline, deadline + 1));
        _rule(job, Outcome.Upheld);
    }

    function test_rule_revertsWithoutOpenDispute() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Submitted));
        _rule(job, Outcome.Upheld);
    }

    function test_rule_revertsForNonArbitrator() public {
        (, Job memory job) = _disputed(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        verifier.rule(job, Outcome.Upheld, "");
    }

    function test_rule_worksWhilePaused() public {
        (JobId id, Job memory job) = _disputed(alice);
        _pause();
        _rule(job, Outcome.Upheld);
        _assertStatus(id, JobStatus.Slashed, "resolution is not paused");
    }

    function test_resolveDispute_revertsForNonVerifier() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectRevert(abi.encodeWithSelector(DisputeNotVerifier.selector, id, stranger, address(verifier)));
        vm.prank(stranger);
        market.resolveDispute(job, Outcome.Upheld);
    }

    function test_resolveDispute_revertsForReplacedVerifier() public {
        ArbitratedVerifier v2 = new ArbitratedVerifier(address(manager), market);
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = ArbitratedVerifier.rule.selector;
        manager.setTargetFunctionRole(address(v2), sel, Roles.ARBITRATOR);
        (JobId id, Job memory job) = _disputed(alice);
        market.setVerifier(Determinism.EXACT, address(v2));

        vm.expectRevert(abi.encodeWithSelector(DisputeNotVerifier.selector, id, address(v2), address(verifier)));
        vm.prank(arbitrator);
        v2.rule(job, Outcome.Upheld, "");

        _rule(job, Outcome.Draw); // the dispute's own module still rules
        _assertStatus(id, JobStatus.Finalized, "resolved by its verifier");
    }

    // ================================================================== cancelDispute

    function test_cancelDispute_revertsAtDeadline() public {
        (JobId id, Job memory job) = _disputed(alice);
        uint256 deadline = market.dispute(id).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(DisputeResolutionPending.selector, id, deadline, deadline));
        market.cancelDispute(job);
    }

    function test_cancelDispute_afterDeadlineReturnsBondAndFinalizes() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.warp(uint256(market.dispute(id).deadline) + 1);

        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account, PAYOUT, FEE);
        vm.expectEmit(address(market));
        emit DisputeCancelled(id, challenger, BOND);
        vm.prank(stranger);
        market.cancelDispute(job);

        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond back");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "payout");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "fee owed");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "nothing kept from the bond");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(market.dispute(id).challenger, address(0), "dispute cleared");

        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Finalized));
        _rule(job, Outcome.Upheld);
    }

    function test_cancelDispute_revertsWhenNotDisputed() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Submitted));
        market.cancelDispute(job);
    }

    // ================================================================== reportEquivocation: before settlement

    function test_reportEquivocation_submittedSlashesAndRefunds() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);

        vm.expectEmit(address(market));
        emit ProviderJailed(alice.account, block.timestamp + 30 days);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, COLLATERAL);
        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, COLLATERAL);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(stranger, address(token)), CHALLENGER_SHARE, "reporter share");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - CHALLENGER_SHARE, "treasury rest");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);
        assertEq(market.provider(alice.account).jailedUntil, block.timestamp + 30 days, "jailed");
    }

    function test_reportEquivocation_acceptedBeforeSubmission() public {
        (JobId id, Job memory job) = _accepted(alice); // alice signed two outputs off-chain
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT_B, sigB, OUT, sigA);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);
    }

    /// @dev The challenger found the fault first; rewarding it (not the reporter) stops a provider from
    ///      front-running its own dispute with an equivocation report to a friendly address.
    function test_reportEquivocation_disputedReturnsBondFirst() public {
        (JobId id, Job memory job) = _disputed(alice);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);

        vm.expectEmit(address(market));
        emit DisputeCancelled(id, challenger, BOND);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, COLLATERAL);
        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, COLLATERAL);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond returned");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(challenger, address(token)), CHALLENGER_SHARE, "the challenger keeps the reward");
        assertEq(market.claimable(stranger, address(token)), 0, "the reporter of an open dispute gets none");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - CHALLENGER_SHARE, "treasury rest");
        assertEq(market.dispute(id).challenger, address(0), "dispute cleared");

        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Slashed));
        _rule(job, Outcome.Upheld);
    }

    function test_reportEquivocation_worksWhilePaused() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);
        _pause();
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "slashing is not paused");
    }

    // ================================================================== reportEquivocation: after settlement

    function test_reportEquivocation_afterSettlementSlashesFreeStake() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);
        vm.warp(block.timestamp + 1 days);

        vm.expectEmit(address(market));
        emit ProviderJailed(alice.account, block.timestamp + 30 days);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, COLLATERAL);
        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, COLLATERAL);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(client, address(usdc)), 0, "client was served: no refund");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "payout already credited stays");
        assertEq(market.claimable(stranger, address(token)), CHALLENGER_SHARE, "reporter share");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - CHALLENGER_SHARE, "treasury rest");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);

        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Slashed));
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB); // slashed at most once
    }

    function test_reportEquivocation_afterSettlementReachesThawingStakeNewestFirst() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.startPrank(alice.account);
        market.requestUnstake(500 * TOKEN);
        market.requestUnstake(495 * TOKEN); // 5 tokens stay free
        vm.stopPrank();
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);

        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, COLLATERAL);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertProvider(alice.account, 0, 0, 980 * TOKEN); // 5 from free, 15 from the newest request
        ThawRequest[] memory q = market.thawRequests(alice.account);
        assertEq(q.length, 2, "two requests");
        assertEq(q[0].amount, 500 * TOKEN, "oldest untouched");
        assertEq(q[1].amount, 480 * TOKEN, "newest slashed first");
    }

    function test_reportEquivocation_afterSettlementNeverTouchesOtherLocks() public {
        ProviderKey memory p = _provider("busy", 120 * TOKEN);
        (JobId id, Job memory job) = _submitted(p, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        (, Job memory other) = _create(p.account, uint96(12 * USDC)); // collateral 120 = all its stake
        vm.prank(p.account);
        market.acceptJob(other);
        (bytes memory sigA, bytes memory sigB) = _sigs(p, id, job);

        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, 0);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed (nothing left to take)");
        _assertProvider(p.account, 120 * TOKEN, 120 * TOKEN, 0);
        assertEq(market.claimable(stranger, address(token)), 0, "no reward from nothing");
    }

    function test_reportEquivocation_atLateBoundary() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);
        vm.warp(block.timestamp + POST_SETTLEMENT_WINDOW);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "last second");
    }

    /// @dev A settled job with equivocation evidence; then governance shortens the windows and the
    ///      thawing period to their minimum and the provider queues all its free stake for withdrawal.
    function _settledThenGovernanceShortensThawing()
        internal
        returns (JobId id, Job memory job, bytes memory sigA, bytes memory sigB, uint256 settledAt, uint256 unstaked)
    {
        (id, job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        settledAt = block.timestamp;
        (sigA, sigB) = _sigs(alice, id, job);
        (Params memory p,) = market.params();
        p.challengeWindow = 1 hours;
        p.disputeResolutionPeriod = 1 days;
        market.setParams(p);
        market.setThawingPeriod(uint32(3 days + 1 hours));
        unstaked = market.provider(alice.account).staked - market.provider(alice.account).locked;
        vm.prank(alice.account);
        market.requestUnstake(unstaked);
    }

    /// @dev Regression: governance shortening the windows and the thawing period after a job settled
    ///      must not let the provider withdraw before a post-settlement equivocation can reach its stake.
    function test_reportEquivocation_afterGovernanceShortensThawing_stillSlashesFullCollateral() public {
        (JobId id, Job memory job, bytes memory sigA, bytes memory sigB, uint256 settledAt, uint256 unstaked) =
            _settledThenGovernanceShortensThawing();
        vm.warp(settledAt + POST_SETTLEMENT_WINDOW);
        vm.prank(alice.account);
        vm.expectRevert(); // still thawing: nothing matured
        market.withdrawStake();
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.provider(alice.account).thawing, unstaked - job.collateral, "collateral taken from thawing stake");
    }

    /// @dev Regression (same scenario): once the stake could have left, a report is refused as late
    ///      instead of marking the job Slashed with nothing slashed.
    function test_reportEquivocation_afterStakeLeft_isTooLateNotAZeroSlash() public {
        (JobId id, Job memory job, bytes memory sigA, bytes memory sigB, uint256 settledAt,) =
            _settledThenGovernanceShortensThawing();
        vm.warp(settledAt + 3 days + 1 hours);
        vm.prank(alice.account);
        market.withdrawStake();
        vm.expectRevert(
            abi.encodeWithSelector(EquivocationReportTooLate.selector, id, settledAt + POST_SETTLEMENT_WINDOW, block.timestamp)
        );
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
    }

    function test_reportEquivocation_revertsTooLate() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        uint256 lateBy = block.timestamp + POST_SETTLEMENT_WINDOW;
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);
        vm.warp(lateBy + 1);
        vm.expectRevert(abi.encodeWithSelector(EquivocationReportTooLate.selector, id, lateBy, lateBy + 1));
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
    }

    // ================================================================== reportEquivocation: failures

    function test_reportEquivocation_revertsForSameOutput() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA,) = _sigs(alice, id, job);
        vm.expectRevert(abi.encodeWithSelector(EquivocationSameOutput.selector, id, OUT));
        market.reportEquivocation(job, OUT, sigA, OUT, sigA);
    }

    function test_reportEquivocation_revertsForWrongStatus() public {
        // Created (an open job: no provider yet)
        (JobId created, Job memory createdJob) = _create(address(0), PRICE);
        (bytes memory a1, bytes memory b1) = _sigs(alice, created, createdJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, created, JobStatus.Created));
        market.reportEquivocation(createdJob, OUT, a1, OUT_B, b1);

        // Cancelled
        vm.prank(client);
        market.cancelJob(createdJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, created, JobStatus.Cancelled));
        market.reportEquivocation(createdJob, OUT, a1, OUT_B, b1);

        // Expired
        (JobId expired, Job memory expiredJob) = _accepted(alice);
        (bytes memory a2, bytes memory b2) = _sigs(alice, expired, expiredJob);
        vm.warp(uint256(expiredJob.deadline) + 1);
        market.expireJob(expiredJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, expired, JobStatus.Expired));
        market.reportEquivocation(expiredJob, OUT, a2, OUT_B, b2);
    }

    function test_reportEquivocation_revertsForInvalidSignature() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);
        for (uint256 i; i < 32; ++i) {
            sigB[i] = 0; // r = 0
        }
        vm.expectRevert(abi.encodeWithSelector(AttestationInvalidSignature.selector, id));
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
    }

    function test_reportEquivocation_revertsForForeignSigner() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        (JobId id, Job memory job) = _submitted(alice, OUT);
        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory forged = _sign(bob.signerKey, id, job, OUT_B, alice.account);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, bob.signer, alice.signer));
        market.reportEquivocation(job, OUT, sigA, OUT_B, forged);
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
    }

    // ================================================================== reportEquivocation: previous signer

    function _rotate(ProviderKey memory p, string memory seed) internal returns (uint256 key, address signer) {
        key = uint256(keccak256(bytes(seed)));
        signer = vm.addr(key);
        vm.prank(p.account);
        market.updateProvider(signer, "");
    }

    function test_reportEquivocation_acceptsPreviousSignerWithinThawingPeriod() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job); // old key
        _rotate(alice, "alice key 2");
        vm.warp(block.timestamp + THAWING);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "old key is evidence");
    }

    function test_reportEquivocation_acceptsMixedPreviousAndCurrentSigner() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        (uint256 newKey,) = _rotate(alice, "alice key 2");
        bytes memory sigB = _sign(newKey, id, job, OUT_B, alice.account);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "old + new key");
    }

    function test_reportEquivocation_rejectsPreviousSignerAfterThawingPeriod() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job);
        (, address newSigner) = _rotate(alice, "alice key 2");
        vm.warp(block.timestamp + THAWING + 1);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, alice.signer, newSigner));
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
    }

    /// @dev Only one previous signer is kept, so a second rotation would push the first key's evidence
    ///      out; rotations are therefore rate limited to one per thawingPeriod.
    function test_reportEquivocation_evidenceSurvivesAttemptedSecondRotation() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job); // key K1
        uint256 rotatedAt = block.timestamp;
        _rotate(alice, "alice key 2");
        address k3 = vm.addr(uint256(keccak256("alice key 3")));
        vm.expectRevert(
            abi.encodeWithSelector(ProviderSignerRotationTooSoon.selector, alice.account, rotatedAt + THAWING)
        );
        vm.prank(alice.account);
        market.updateProvider(k3, "");
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "K1 evidence still slashes");
    }

    /// @dev Regression (found by this test: the rotation used to be allowed at `>=` the last second the
    ///      previous key counts as evidence, so a provider could rotate in the same block ahead of a
    ///      report and push still-valid K1 evidence out). The provider tries to rotate at that second.
    function test_reportEquivocation_rotationAtEvidenceBoundaryCannotEraseEvidence() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job); // key K1
        uint256 rotatedAt = block.timestamp;
        _rotate(alice, "alice key 2");
        vm.warp(rotatedAt + THAWING); // K1 evidence is still valid at this second
        vm.prank(alice.account);
        try market.updateProvider(vm.addr(uint256(keccak256("alice key 3"))), "") {} catch {}
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "K1 evidence valid at the boundary must still slash");
    }
}
