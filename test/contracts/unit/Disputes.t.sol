// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {Roles} from "../../../contracts/governance/Roles.sol";
import {FeeOnTransferToken as FotToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of the dispute machine, following test/contracts/tree/Dispute.tree.
/// @dev Error checklist (error -> test). joinDispute, the provider's exclusion from its own disputes
///      (DisputeByProvider), slash debt and the module API are new surfaces with suites of their own
///      (Incentives, Modules); this file covers the dispute machine that existed before them, under the new rules.
///  EnforcedPause                -> none here: openDispute is deliberately not paused (test_openDispute_worksWhilePaused)
///  JobWrongStatus               -> test_openDispute_revertsWhenNotSubmitted, test_openDispute_revertsWhenAlreadyDisputed,
///                                  test_rule_revertsWithoutOpenDispute, test_cancelDispute_revertsWhenNotDisputed,
///                                  test_cancelDispute_afterTimeoutRefundsClientUnlocksCollateralReturnsEveryBond (late ruling),
///                                  test_reportEquivocation_disputedReturnsBondFirst (ruling after slash),
///                                  test_reportEquivocation_revertsForWrongStatus, test_reportEquivocation_afterSettlementSlashesFreeStake
///  JobChallengeWindowClosed     -> test_openDispute_revertsAfterWindow
///  ModelNotRegistered           -> test_openDispute_revertsForUnregisteredModel
///  DisputeNoVerifier            -> test_openDispute_revertsWithoutVerifier, test_openDispute_revertsWhenVerifierRemoved
///  ModuleNotActive              -> test_resolveDispute_revertsForReplacedVerifier (a replacement must be a module first;
///                                  retiring a module: the Modules suite)
///  FeeOnTransferToken           -> test_openDispute_revertsForFeeOnTransferBond
///  ArbitratedVerifierNotMarket  -> test_onDisputeOpened_revertsForNonMarket
///  AccessManagedUnauthorized    -> test_rule_revertsForNonArbitrator, test_claimFees_revertsForNonArbitrator
///  DisputeNotVerifier           -> test_resolveDispute_revertsForNonVerifier, test_resolveDispute_revertsForReplacedVerifier
///  DisputeResolutionClosed      -> test_rule_revertsAfterDeadline
///  DisputeUnknownChallenger     -> test_rule_revertsForUnknownWinnerWhenUpheld
///  DisputeResolutionPending     -> test_cancelDispute_revertsAtDeadline
///  EquivocationSameOutput       -> test_reportEquivocation_revertsForSameOutput
///  EquivocationReportTooLate    -> test_reportEquivocation_revertsTooLate
///  AttestationInvalidSignature  -> test_reportEquivocation_revertsForInvalidSignature
///  AttestationWrongSigner       -> test_reportEquivocation_revertsForForeignSigner,
///                                  test_reportEquivocation_rejectsKeyRetiredBeforeAccept
///  ProviderSignerReused, ProviderSignerRotationsExhausted -> Registry.t.sol
contract DisputesTest is UnitFixture {
    uint256 internal constant POST_SETTLEMENT_WINDOW = 3 days;

    // Events of ArbitratedVerifier, redeclared to be emitted in expectations.
    event ArbitrationRequested(JobId indexed jobId, address indexed challenger, uint256 deadline);
    event ArbitrationRuled(
        JobId indexed jobId, Outcome outcome, uint256 winner, address indexed arbitrator, string reason
    );
    event ArbitrationFeesClaimed(address indexed token, address indexed to, uint256 amount);

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
        emit DisputeOpened(id, challenger, address(verifier), BOND, deadline, "ipfs://evidence");
        vm.expectEmit(address(verifier));
        emit ArbitrationRequested(id, challenger, deadline);
        vm.prank(challenger);
        uint256 bond = market.openDispute(job, "ipfs://evidence");

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
        assertEq(d.challengers, 1, "one challenger");
        address[] memory all = market.disputeChallengers(id);
        assertEq(all.length, 1, "listed once");
        assertEq(all[0], challenger, "the opener is challenger 0");
    }

    function test_openDispute_bondIsAtLeastFloor() public {
        (JobId id, Job memory job) = _create(alice.account, 1); // 5 x 1 unit < 1 USDC floor
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        vm.prank(challenger);
        uint256 bond = market.openDispute(job, "");
        assertEq(bond, BOND_FLOOR, "floor");
        assertEq(market.dispute(id).bond, BOND_FLOOR, "stored");
    }

    function test_openDispute_atWindowEnd() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.warp(block.timestamp + WINDOW);
        vm.prank(challenger);
        market.openDispute(job, "");
        _assertStatus(id, JobStatus.Disputed, "last second of the window");
    }

    function test_openDispute_revertsAfterWindow() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint256 endsAt = block.timestamp + WINDOW;
        vm.warp(endsAt + 1);
        vm.expectRevert(abi.encodeWithSelector(JobChallengeWindowClosed.selector, id, endsAt, endsAt + 1));
        vm.prank(challenger);
        market.openDispute(job, "");
    }

    function test_openDispute_revertsWhenNotSubmitted() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Accepted));
        vm.prank(challenger);
        market.openDispute(job, "");
    }

    function test_openDispute_revertsWhenAlreadyDisputed() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Disputed));
        vm.prank(client);
        market.openDispute(job, "");
    }

    function test_openDispute_revertsWhenFinalized() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Finalized));
        vm.prank(challenger);
        market.openDispute(job, "");
    }

    /// @dev The fixture routes every class (NONE included) to the arbitrated verifier, as deployments
    ///      do; a class governance left without a verifier cannot be disputed.
    function test_openDispute_revertsWithoutVerifier() public {
        market.setVerifier(Determinism.NONE, address(0));
        ModelId noneModel = _registerModel("non-deterministic", Determinism.NONE);
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, noneModel);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(DisputeNoVerifier.selector, Determinism.NONE));
        vm.prank(challenger);
        market.openDispute(job, "");
    }

    /// @dev A direct job may name an unregistered model (createJob does not read the registry); such a
    ///      model has no class, so no verifier could know what it should have computed. It used to be
    ///      routed to the EXACT verifier; now it is refused by name, and nothing moves.
    function test_openDispute_revertsForUnregisteredModel() public {
        ModelId unknown = ModelId.wrap(keccak256("no such model"));
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, unknown);
        (JobId id, Job memory job) = _createFrom(client, r);
        market.acceptAndSubmit(job, OUT, _sign(alice.signerKey, id, job, OUT, alice.account));
        uint256 before = usdc.balanceOf(challenger);

        vm.expectRevert(abi.encodeWithSelector(ModelNotRegistered.selector, unknown));
        vm.prank(challenger);
        market.openDispute(job, "");

        _assertStatus(id, JobStatus.Submitted, "still submitted");
        assertEq(usdc.balanceOf(challenger), before, "no bond taken");
    }

    function test_openDispute_revertsWhenVerifierRemoved() public {
        (, Job memory job) = _submitted(alice, OUT);
        market.setVerifier(Determinism.EXACT, address(0));
        vm.expectRevert(abi.encodeWithSelector(DisputeNoVerifier.selector, Determinism.EXACT));
        vm.prank(challenger);
        market.openDispute(job, "");
    }

    /// @dev Challenge windows keep running while paused, so disputes stay open too (IJobMarketExtension.openDispute).
    function test_openDispute_worksWhilePaused() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _pause();
        vm.prank(challenger);
        market.openDispute(job, "");
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
        market.openDispute(job, "");
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
        emit DisputeResolved(id, Outcome.Upheld, challenger, COLLATERAL, CHALLENGER_SHARE, UPHELD_FEE);
        vm.expectEmit(address(verifier));
        emit ArbitrationRuled(id, Outcome.Upheld, 0, arbitrator, "reason");
        _rule(job, Outcome.Upheld);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Slashed), "status");
        assertEq(st.timestamp, block.timestamp, "settled at");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond returned");
        assertEq(market.claimable(challenger, address(token)), CHALLENGER_SHARE, "challenger share of slash");
        assertEq(market.claimable(address(verifier), address(token)), UPHELD_FEE, "the loser pays the module");
        assertEq(
            market.treasuryAccrued(address(token)), COLLATERAL - CHALLENGER_SHARE - UPHELD_FEE, "treasury: rest of slash"
        );
        assertEq(market.treasuryAccrued(address(usdc)), 0, "no fee on a slashed job");
        assertEq(market.claimable(address(verifier), address(usdc)), 0, "no fee from the winning bond");
        assertEq(market.claimable(alice.account, address(usdc)), 0, "provider unpaid");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);
        assertEq(market.provider(alice.account).jailedUntil, block.timestamp + 30 days, "jailed");
        assertEq(market.dispute(id).challenger, address(0), "dispute cleared");
        assertEq(usdc.balanceOf(address(market)), PRICE + BOND, "usdc held = owed");
        assertEq(token.balanceOf(address(market)), STAKE, "stake token held = staked + owed");
    }

    /// @dev The arbitration fee of a failed challenge used to go to the treasury; it now pays the
    ///      module that did the verifying.
    function test_rule_rejectedPaysBondToProviderAndVerifierModule() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account);
        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Rejected, address(0), 0, 0, DISPUTE_FEE);
        _rule(job, Outcome.Rejected);

        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT + BOND - DISPUTE_FEE, "payout + bond net");
        assertEq(market.claimable(address(verifier), address(usdc)), DISPUTE_FEE, "verification paid to the module");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "nothing of the bond to the treasury");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "protocol fee owed by the provider");
        assertEq(market.claimable(challenger, address(usdc)), 0, "bond lost");
        assertEq(market.claimable(client, address(usdc)), 0, "no refund");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(market.dispute(id).challenger, address(0), "dispute cleared");
    }

    /// @dev A Draw used to return the whole bond, which made challenging free; it now costs the
    ///      arbitration fee, and only the rest of the bond comes back.
    function test_rule_drawReturnsBondLessArbitrationFee() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account);
        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Draw, address(0), 0, 0, DISPUTE_FEE);
        _rule(job, Outcome.Draw);

        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(challenger, address(usdc)), BOND - DISPUTE_FEE, "bond returned less the fee");
        assertEq(market.claimable(address(verifier), address(usdc)), DISPUTE_FEE, "the module is paid");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "payout, nothing of the bond");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "fee owed");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "nothing of the bond to the treasury");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(usdc.balanceOf(address(market)), PRICE + BOND, "usdc held = owed");
    }

    /// @dev The winner index names the challenger whose evidence won; it must exist when upheld, and
    ///      is ignored when the challenge failed.
    function test_rule_revertsForUnknownWinnerWhenUpheld() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectRevert(abi.encodeWithSelector(DisputeUnknownChallenger.selector, id, uint256(1), uint256(1)));
        vm.prank(arbitrator);
        verifier.rule(job, Outcome.Upheld, 1, "");
        _assertStatus(id, JobStatus.Disputed, "nothing settled");

        vm.prank(arbitrator);
        verifier.rule(job, Outcome.Rejected, 1, ""); // ignored unless upheld
        _assertStatus(id, JobStatus.Finalized, "rejected whatever the index");
    }

    /// @dev The module withdraws what losers paid it, in each token, through the ARBITRATOR role.
    function test_claimFees_arbitratorWithdrawsModuleFees() public {
        (, Job memory rejected) = _disputed(alice);
        _rule(rejected, Outcome.Rejected);
        (, Job memory upheld) = _disputed(alice);
        _rule(upheld, Outcome.Upheld);
        address to = makeAddr("arbitration fees");

        vm.expectEmit(address(verifier));
        emit ArbitrationFeesClaimed(address(usdc), to, DISPUTE_FEE);
        vm.startPrank(arbitrator);
        assertEq(verifier.claimFees(address(usdc), to), DISPUTE_FEE, "bond fee");
        assertEq(verifier.claimFees(address(token), to), UPHELD_FEE, "slash fee");
        vm.stopPrank();
        assertEq(usdc.balanceOf(to), DISPUTE_FEE, "usdc paid");
        assertEq(token.balanceOf(to), UPHELD_FEE, "stake token paid");
        assertEq(market.claimable(address(verifier), address(usdc)), 0, "usdc balance spent");
        assertEq(market.claimable(address(verifier), address(token)), 0, "stake balance spent");
    }

    function test_claimFees_revertsForNonArbitrator() public {
        (, Job memory job) = _disputed(alice);
        _rule(job, Outcome.Rejected);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        verifier.claimFees(address(usdc), stranger);
        assertEq(market.claimable(address(verifier), address(usdc)), DISPUTE_FEE, "fee still there");
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
        verifier.rule(job, Outcome.Upheld, 0, "");
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
        market.resolveDispute(job, Outcome.Upheld, 0);
    }

    function test_resolveDispute_revertsForReplacedVerifier() public {
        ArbitratedVerifier v2 = new ArbitratedVerifier(address(manager), market);
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = ArbitratedVerifier.rule.selector;
        manager.setTargetFunctionRole(address(v2), sel, Roles.ARBITRATOR);
        (JobId id, Job memory job) = _disputed(alice);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(v2)));
        market.setVerifier(Determinism.EXACT, address(v2)); // a verifier must be a module first
        market.setModule(address(v2), true);
        market.setVerifier(Determinism.EXACT, address(v2));

        vm.expectRevert(abi.encodeWithSelector(DisputeNotVerifier.selector, id, address(v2), address(verifier)));
        vm.prank(arbitrator);
        v2.rule(job, Outcome.Upheld, 0, "");

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

    /// @dev A dispute nobody ruled on used to leave the result standing and paid. Now nothing proven
    ///      either way means nothing paid either way: the client is refunded, the collateral unlocked
    ///      with no slash, every challenger's bond returned in full, and the module (which did not
    ///      rule) paid nothing. One second earlier it is still pending (test_cancelDispute_revertsAtDeadline).
    function test_cancelDispute_afterTimeoutRefundsClientUnlocksCollateralReturnsEveryBond() public {
        (JobId id, Job memory job) = _disputed(alice);
        address second = makeAddr("second challenger");
        _fundClient(second, 100 * USDC);
        vm.prank(second);
        market.joinDispute(job, "");
        uint256 deadline = market.dispute(id).deadline;
        vm.warp(deadline + 1);

        vm.expectEmit(address(market));
        emit DisputeCancelled(id, 2 * BOND);
        vm.expectEmit(address(market));
        emit JobCancelled(id, client, PRICE);
        vm.prank(stranger);
        market.cancelDispute(job);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Cancelled), "cancelled");
        assertEq(st.timestamp, block.timestamp, "settled at");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "first bond back in full");
        assertEq(market.claimable(second, address(usdc)), BOND, "second bond back in full");
        assertEq(market.claimable(alice.account, address(usdc)), 0, "provider unpaid");
        assertEq(market.feesOwed(alice.account, address(usdc)), 0, "no fee");
        assertEq(market.claimable(address(verifier), address(usdc)), 0, "no ruling, no arbitration fee");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "nothing kept from the bonds");
        assertEq(market.treasuryAccrued(address(token)), 0, "nothing slashed");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(market.provider(alice.account).jailedUntil, 0, "not jailed");
        assertEq(market.dispute(id).challenger, address(0), "dispute cleared");
        assertEq(market.disputeChallengers(id).length, 0, "challengers cleared");
        assertEq(usdc.balanceOf(address(market)), PRICE + 2 * BOND, "usdc held = owed");

        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Cancelled));
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
        emit DisputeCancelled(id, BOND);
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

    /// @dev Collateral locked for other jobs is never taken from under them. What free and thawing
    ///      stake cannot cover used to be forgiven (a zero slash); it is now owed as slash debt.
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
        emit SlashDebtRecorded(p.account, id, COLLATERAL);
        vm.expectEmit(address(market));
        emit ProviderSlashed(p.account, id, 0);
        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, 0);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed (nothing free to take now)");
        _assertProvider(p.account, 120 * TOKEN, 120 * TOKEN, 0);
        assertEq(market.provider(p.account).slashDebt, COLLATERAL, "the whole collateral is owed");
        assertEq(market.claimable(stranger, address(token)), 0, "no reward from what was not taken");
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

    // ================================================================== reportEquivocation: signer keys and epochs

    function _rotate(ProviderKey memory p, string memory seed) internal returns (uint256 key, address signer) {
        key = uint256(keccak256(bytes(seed)));
        signer = vm.addr(key);
        vm.prank(p.account);
        market.updateProvider(signer, "");
    }

    /// @dev The key a job was accepted under stays evidence after it is rotated out, with no time limit:
    ///      the old rule dropped it one second after `thawingPeriod`; both sides of that old boundary
    ///      now slash.
    function test_reportEquivocation_acceptsRetiredKeyOfAcceptEpochPastThawingPeriod() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job); // key K1, epoch 0 = the job's epoch
        uint256 rotatedAt = block.timestamp;
        _rotate(alice, "alice key 2");
        assertEq(market.jobState(id).signerEpoch, 0, "job accepted at epoch 0");

        uint256 snap = vm.snapshotState();
        vm.warp(rotatedAt + THAWING);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "at rotation + thawingPeriod");
        vm.revertToState(snap);
        vm.warp(rotatedAt + THAWING + 1);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "one second later, still evidence");
    }

    /// @dev Keys of later epochs are evidence too, alone or mixed with the key of the accept epoch.
    function test_reportEquivocation_acceptsMixedPreviousAndCurrentSigner() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        (uint256 newKey,) = _rotate(alice, "alice key 2");
        bytes memory sigB = _sign(newKey, id, job, OUT_B, alice.account);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "old + new key");
    }

    /// @dev A key retired before a job was accepted (say, a stolen one) can never slash that job, even
    ///      together with a valid signature of the current key.
    function test_reportEquivocation_rejectsKeyRetiredBeforeAccept() public {
        (, address k2) = _rotate(alice, "alice key 2"); // K1 (alice.signerKey) retired at epoch 1
        (uint256 k3Key, address k3) = _rotate(alice, "alice key 3"); // epoch 2
        (JobId id, Job memory job) = _accepted(alice);
        assertEq(market.jobState(id).signerEpoch, 2, "accepted at epoch 2");
        bytes memory byK1 = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory byK2 = _sign(uint256(keccak256("alice key 2")), id, job, OUT, alice.account);
        bytes memory byK3 = _sign(k3Key, id, job, OUT_B, alice.account);

        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, alice.signer, k3));
        market.reportEquivocation(job, OUT, byK1, OUT_B, byK3);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, k2, k3));
        market.reportEquivocation(job, OUT, byK2, OUT_B, byK3);
        _assertStatus(id, JobStatus.Accepted, "untouched");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
    }

    /// @dev The rotation rate limit is gone: a provider may rotate twice in the same block, and the
    ///      evidence of the key its job was accepted under still slashes.
    function test_reportEquivocation_evidenceSurvivesTwoQuickRotations() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job); // key K1
        _rotate(alice, "alice key 2");
        (, address k3) = _rotate(alice, "alice key 3"); // same block
        assertEq(market.provider(alice.account).signer, k3, "rotated twice");
        assertEq(market.provider(alice.account).signerEpoch, 2, "epoch 2");
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "K1 evidence still slashes");
    }

    /// @dev Regression (the old rule: a rotation at the last second the previous key counted pushed its
    ///      evidence out). Neither rotations at that second nor governance shortening thawingPeriod to its
    ///      minimum can now erase evidence, however long after the report comes.
    function test_reportEquivocation_rotationsAndThawingChangeCannotEraseEvidence() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        (bytes memory sigA, bytes memory sigB) = _sigs(alice, id, job); // key K1
        uint256 rotatedAt = block.timestamp;
        _rotate(alice, "alice key 2");
        vm.warp(rotatedAt + THAWING);
        _rotate(alice, "alice key 3");
        market.setThawingPeriod(uint32(WINDOW + RESOLUTION + 48 hours));
        _rotate(alice, "alice key 4");
        vm.warp(rotatedAt + 365 days);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "K1 evidence outlives every rotation and parameter change");
    }
}
