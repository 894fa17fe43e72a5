// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice The verification fee (`Params.verificationFeeBps`, issue 11, economics.md 6.6): taken at
///         settlement with the protocol fee in the provider's balance slot, credited to the fee module.
///
/// verification fee
/// ├── when no fee module is named (the default deployment: arbitrated classes)
/// │   └── it should charge no job                                    test_finalize_noFeeModule_chargesNothing
/// ├── when a fee module is named
/// │   ├── it should mark the classes routed to it, and only those    test_setVerificationFeeModule_marksRoutedClasses
/// │   ├── given a job of a paying class
/// │   │   ├── finalized: payout = price − fee − vfee; vfee owed      test_finalize_feeClass_chargesFeeWithProtocolFee
/// │   │   ├── batch-finalized: the same, summed per run              test_finalizeJobs_feeClass_chargesEachJob
/// │   │   ├── dispute rejected or drawn: the result stands, charged  test_resolve_rejected_chargesFee
/// │   │   ├── expired, cancelled or upheld: refunded, not charged    test_refundPaths_chargeNothing
/// │   │   └── params changed mid-job: the job's snapshot applies     test_finalize_usesTheJobsSnapshot
/// │   ├── given a job of another class: not charged                  test_create_otherClass_notCharged
/// │   ├── given an unregistered model: not charged                   test_create_unregisteredModel_notCharged
/// │   ├── collect: credits the module's claimable (its fund)         test_collectVerificationFees_creditsTheModule
/// │   ├── claim by the provider forwards them too                    test_claim_forwardsVerificationFees
/// │   ├── module un-named before collect: to the treasury            test_collectVerificationFees_withoutModuleGoesToTreasury
/// │   ├── module retired: cleared                                    test_setModule_retiringTheFeeModuleClearsIt
/// │   ├── class re-routed: the mask follows                          test_setVerifier_reroutingUpdatesTheClasses
/// │   └── fee above the 64-bit owed field: credited at once          test_finalize_overflowingOwedFieldCreditsDirectly
/// └── reverts
///     ├── setVerificationFeeModule: inactive module                  test_setVerificationFeeModule_revertsForInactiveModule
///     ├── setVerificationFeeModule: not governance                   test_setVerificationFeeModule_revertsForNonAdmin
///     ├── collectVerificationFees: nothing owed                      test_collectVerificationFees_revertsWhenNothingOwed
///     └── setParams above MAX_VERIFICATION_FEE_BPS                   (Governance.Params.t.sol) test_setParams_revertsForVerificationFeeOutOfBounds
contract VerificationFeeTest is UnitFixture {
    uint256 internal constant VFEE_BPS = 260;
    uint256 internal constant VFEE = PRICE * VFEE_BPS / 10_000; // 52,000 = 0.052 USDC

    /// @dev The module that takes the fee in these tests: a second arbitrated verifier, routed to EXACT
    ///      (the fixture's model) so that TOLERANT and NONE stay with the fixture's module.
    ArbitratedVerifier internal feeModule;

    function setUp() public override {
        super.setUp();
        feeModule = new ArbitratedVerifier(address(manager), market);
        bytes4[] memory ruleSel = new bytes4[](1);
        ruleSel[0] = ArbitratedVerifier.rule.selector;
        manager.setTargetFunctionRole(address(feeModule), ruleSel, 2); // Roles.ARBITRATOR
        market.setModule(address(feeModule), true);
        market.setVerifier(Determinism.EXACT, address(feeModule));
    }

    function _nameFeeModule() internal {
        market.setVerificationFeeModule(address(feeModule));
    }

    function _finalized() internal returns (JobId id, Job memory job) {
        (id, job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
    }

    // ================================================================== defaults

    function test_finalize_noFeeModule_chargesNothing() public {
        (address m, uint8 mask) = market.verificationFeeModule();
        assertEq(m, address(0), "no module by default");
        assertEq(mask, 0, "no class pays");
        (JobId id,) = _finalized();
        assertFalse(market.paysVerificationFee(id), "not marked");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "price - protocol fee only");
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), 0, "nothing owed");
        assertEq(market.jobState(id).protocolFeeBps, 100, "view: the protocol fee");
    }

    // ================================================================== naming the module

    function test_setVerificationFeeModule_marksRoutedClasses() public {
        vm.expectEmit(address(market));
        emit VerificationFeeModuleSet(address(feeModule), 1); // EXACT only
        _nameFeeModule();
        (address m, uint8 mask) = market.verificationFeeModule();
        assertEq(m, address(feeModule), "module");
        assertEq(mask, 1, "EXACT");
        // The fixture's module serves all three classes once named instead.
        market.setVerificationFeeModule(address(verifier));
        (, mask) = market.verificationFeeModule();
        assertEq(mask, 6, "TOLERANT and NONE");
        market.setVerificationFeeModule(address(0));
        (m, mask) = market.verificationFeeModule();
        assertEq(m, address(0), "cleared");
        assertEq(mask, 0, "no class");
    }

    function test_setVerificationFeeModule_revertsForInactiveModule() public {
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, stranger));
        market.setVerificationFeeModule(stranger);
    }

    function test_setVerificationFeeModule_revertsForNonAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        market.setVerificationFeeModule(address(feeModule));
    }

    function test_setModule_retiringTheFeeModuleClearsIt() public {
        _nameFeeModule();
        vm.expectEmit(address(market));
        emit VerificationFeeModuleSet(address(0), 0);
        market.setModule(address(feeModule), false);
        (address m, uint8 mask) = market.verificationFeeModule();
        assertEq(m, address(0), "cleared");
        assertEq(mask, 0, "no class");
        (JobId id,) = _submitted(alice, OUT);
        assertFalse(market.paysVerificationFee(id), "a job created after the retirement pays none");
    }

    function test_setVerifier_reroutingUpdatesTheClasses() public {
        _nameFeeModule();
        market.setVerifier(Determinism.TOLERANT, address(feeModule));
        (, uint8 mask) = market.verificationFeeModule();
        assertEq(mask, 3, "EXACT and TOLERANT");
        market.setVerifier(Determinism.EXACT, address(verifier));
        (, mask) = market.verificationFeeModule();
        assertEq(mask, 2, "TOLERANT only");
        (JobId id,) = _submitted(alice, OUT);
        assertFalse(market.paysVerificationFee(id), "EXACT no longer pays");
    }

    // ================================================================== charging

    function test_finalize_feeClass_chargesFeeWithProtocolFee() public {
        _nameFeeModule();
        (JobId id,) = _finalized();
        assertTrue(market.paysVerificationFee(id), "marked at creation");
        assertEq(market.jobState(id).protocolFeeBps, 100, "view: the protocol fee without the mark");
        assertEq(market.claimable(alice.account, address(usdc)), PRICE - FEE - VFEE, "price - both fees");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "protocol fee owed");
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), VFEE, "verification fee owed");
        assertEq(market.claimable(address(feeModule), address(usdc)), 0, "not yet collected");
    }

    function test_finalizeJobs_feeClass_chargesEachJob() public {
        _nameFeeModule();
        Job[] memory jobs = new Job[](3);
        (, jobs[0]) = _submitted(alice, OUT);
        (, jobs[1]) = _submitted(alice, OUT);
        market.setVerificationFeeModule(address(0)); // the third is created unmarked
        (, jobs[2]) = _submitted(alice, OUT);
        vm.warp(block.timestamp + WINDOW + 1);
        market.finalizeJobs(jobs);
        assertEq(market.claimable(alice.account, address(usdc)), 3 * (PRICE - FEE) - 2 * VFEE, "two of three charged");
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), 2 * VFEE, "owed");
    }

    function test_resolve_rejected_chargesFee() public {
        _nameFeeModule();
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(challenger);
        market.openDispute(job, "");
        vm.prank(arbitrator);
        feeModule.rule(job, Outcome.Rejected, 0, "stands");
        assertEq(uint8(_status(id)), uint8(JobStatus.Finalized), "stands");
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), VFEE, "charged as on finalize");
        assertEq(
            market.claimable(alice.account, address(usdc)),
            PRICE - FEE - VFEE + BOND - DISPUTE_FEE,
            "payout less both fees, plus the bond less the arbitration fee"
        );
    }

    function test_refundPaths_chargeNothing() public {
        _nameFeeModule();
        // Expired: no result by the deadline.
        (JobId expired, Job memory e) = _accepted(alice);
        vm.warp(e.deadline + 1);
        market.expireJob(e);
        // Cancelled before acceptance.
        (JobId cancelled, Job memory c) = _create(alice.account, PRICE);
        vm.prank(client);
        market.cancelJob(c);
        // Upheld dispute: slashed, client refunded.
        (JobId slashed, Job memory s) = _submitted(alice, OUT);
        vm.prank(challenger);
        market.openDispute(s, "");
        vm.prank(arbitrator);
        feeModule.rule(s, Outcome.Upheld, 0, "lie");
        assertTrue(market.paysVerificationFee(expired) && market.paysVerificationFee(cancelled) && market.paysVerificationFee(slashed), "all marked");
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), 0, "no fee on any refund path");
        assertEq(market.claimable(alice.account, address(usdc)), 0, "provider paid nothing");
        assertEq(market.claimable(client, address(usdc)), 3 * PRICE, "client refunded in full three times");
    }

    function test_finalize_usesTheJobsSnapshot() public {
        _nameFeeModule();
        (, Job memory before) = _submitted(alice, OUT);
        (Params memory p,) = market.params();
        p.verificationFeeBps = 1_000;
        market.setParams(p);
        (, Job memory afterJob) = _submitted(alice, OUT);
        vm.startPrank(client);
        market.finalizeJob(before);
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), VFEE, "old job: 260 bps of its snapshot");
        market.finalizeJob(afterJob);
        vm.stopPrank();
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), VFEE + PRICE / 10, "new job: 1,000 bps");
        // A fee lowered to zero mid-job: the job created under 260 still pays 260.
        (, Job memory third) = _submitted(alice, OUT);
        p.verificationFeeBps = 0;
        market.setParams(p);
        (JobId unmarked,) = _submitted(alice, OUT);
        assertFalse(market.paysVerificationFee(unmarked), "a zero fee marks no job");
        vm.prank(client);
        market.finalizeJob(third);
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), VFEE + 2 * (PRICE / 10), "third: 1,000 bps");
    }

    function test_create_otherClass_notCharged() public {
        _nameFeeModule();
        ModelId tolerant = _registerModel("tolerant", Determinism.TOLERANT);
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, tolerant);
        (JobId id,) = _createFrom(client, r);
        assertFalse(market.paysVerificationFee(id), "TOLERANT is arbitrated here: no fee");
    }

    function test_create_unregisteredModel_notCharged() public {
        _nameFeeModule();
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, ModelId.wrap(keccak256("unregistered")));
        (JobId id,) = _createFrom(client, r);
        assertFalse(market.paysVerificationFee(id), "no class, no fee");
    }

    // ================================================================== collecting

    function test_collectVerificationFees_creditsTheModule() public {
        _nameFeeModule();
        _finalized();
        vm.expectEmit(address(market));
        emit VerificationFeesCollected(alice.account, address(usdc), address(feeModule), VFEE);
        vm.prank(stranger); // anyone
        uint256 amount = market.collectVerificationFees(alice.account, address(usdc));
        assertEq(amount, VFEE, "returned");
        assertEq(market.claimable(address(feeModule), address(usdc)), VFEE, "module credited");
        assertEq(market.verificationFeesOwed(alice.account, address(usdc)), 0, "nothing owed");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "protocol fee untouched");
    }

    function test_collectVerificationFees_revertsWhenNothingOwed() public {
        vm.expectRevert(abi.encodeWithSelector(NothingToClaim.selector, alice.account, address(usdc)));
        market.collectVerificationFees(alice.account, address(usdc));
    }

    function test_claim_forwardsVerificationFees() public {
        _nameFeeModule();
        _finalized();
        vm.prank(alice.account);
        market.claim(address(usdc), alice.account);
        assertEq(usdc.balanceOf(alice.account), PRICE - FEE - VFEE, "provider got its payout");
        assertEq(market.claimable(address(feeModule), address(usdc)), VFEE, "module credited on claim");
        assertEq(market.treasuryAccrued(address(usdc)), FEE, "treasury: protocol fee");
    }

    function test_collectVerificationFees_withoutModuleGoesToTreasury() public {
        _nameFeeModule();
        _finalized();
        market.setVerificationFeeModule(address(0));
        vm.expectEmit(address(market));
        emit VerificationFeesCollected(alice.account, address(usdc), address(0), VFEE);
        market.collectVerificationFees(alice.account, address(usdc));
        assertEq(market.treasuryAccrued(address(usdc)), VFEE, "treasury accrual");
    }

    function test_finalize_overflowingOwedFieldCreditsDirectly() public {
        _nameFeeModule();
        // 18 decimals, a price of 1,000 tokens: the fee (26 tokens = 2.6e19) is above 2^64 - 1 (1.8e19).
        MockERC20 big = _allowedToken("BIG", 1e16, 1);
        uint96 price = uint96(1_000 * TOKEN);
        big.mint(client, price);
        vm.prank(client);
        big.approve(address(market), type(uint256).max);
        JobRequest memory r = _requestWith(alice.account, address(big), price, modelId);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        market.submitResult(job, OUT, _sign(alice.signerKey, id, job, OUT, alice.account));
        vm.prank(client);
        market.finalizeJob(job);
        uint256 vfee = uint256(price) * VFEE_BPS / 10_000;
        uint256 fee = uint256(price) / 100; // 1e19 < 2^64: owed as usual
        assertEq(market.verificationFeesOwed(alice.account, address(big)), 0, "not owed: it would not fit");
        assertEq(market.claimable(address(feeModule), address(big)), vfee, "credited to the module at once");
        assertEq(market.feesOwed(alice.account, address(big)), fee, "protocol fee owed");
        assertEq(market.claimable(alice.account, address(big)), price - fee - vfee, "payout");
    }
}
