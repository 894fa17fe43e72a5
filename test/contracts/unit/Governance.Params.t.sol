// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {JobMarket} from "../../../contracts/core/JobMarket.sol";
import {JobMarketDisputes} from "../../../contracts/core/JobMarketDisputes.sol";
import {IJobMarket} from "../../../contracts/interfaces/IJobMarket.sol";
import {JobMarketExtensionHijackMock} from "../../../contracts/mocks/upgrades/JobMarketExtensionHijackMock.sol";
import {JobMarketExtensionV2Mock} from "../../../contracts/mocks/upgrades/JobMarketExtensionV2Mock.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of the governance surface: bounded parameter setters (with job snapshots),
///         treasury, payment tokens, verifiers, pause/unpause, the extension swap and construction.
///         This test contract stands in for the Timelock (AccessManager admin).
/// @dev Error checklist (error -> test):
///  ParamOutOfBounds           -> test_setParams_revertsFor<Field>OutOfBounds (8 fields, low and high),
///                                test_setThawingPeriod_revertsAboveCap, test_setMinStake_revertsAboveCap
///  ThawingPeriodTooShort      -> test_setParams_revertsWhenThawingTooShort, test_setThawingPeriod_revertsBelowRequired
///  ZeroAddress                -> test_setTreasury_revertsForZero, test_configurePaymentToken_revertsForZeroToken,
///                                test_constructor_revertsForZeroAddresses
///  TokenStakeRateZero         -> test_configurePaymentToken_revertsForZeroRate
///  ModuleNotActive            -> test_setVerifier_revertsForInactiveModule (setModule itself: the Modules suite)
///  AccessManagedUnauthorized  -> test_setParams_revertsForNonAdmin, test_setThawingPeriod_revertsForNonAdmin,
///                                test_setMinStake_revertsForNonAdmin, test_setTreasury_revertsForNonAdmin,
///                                test_configurePaymentToken_revertsForNonAdmin, test_setVerifier_revertsForNonAdmin,
///                                test_pause_revertsForNonGuardian, test_unpause_revertsForGuardian,
///                                test_setExtension_revertsForNonAdmin, test_setExtension_revertsForGuardian,
///                                test_setExtension_hostileExtensionCannotTakeOverTheSwap
///                                (ArbitratedVerifier.rule, claimFees: Disputes.t.sol test_rule_revertsForNonArbitrator,
///                                test_claimFees_revertsForNonArbitrator)
///  PaymentTokenNotAllowed     -> test_configurePaymentToken_delistBlocksNewJobsOnly
///  JobMarketExtensionInvalid  -> test_setExtension_revertsForZero, test_setExtension_revertsForNoCode,
///                                test_setExtension_revertsForTheMarketItself, test_constructor_revertsForInvalidExtension
///  (no upgrade, no initializer) -> test_market_hasNoUpgradeOrInitializeEntry
///  EnforcedPause              -> per entry point: createJob, createJobWithPermit, createJobFromBalance, acceptJob,
///                                acceptAndSubmit (JobLifecycle.t.sol), stake (Staking.t.sol), deposit (Balances.t.sol);
///                                everything else stays open while paused: test_pause_leavesExitsOpen
contract GovernanceParamsTest is UnitFixture {
    function _defaults() internal pure returns (Params memory) {
        return Params({
            challengeWindow: 4 hours,
            disputeResolutionPeriod: 7 days,
            collateralRatioBps: 100_000,
            protocolFeeBps: 100,
            challengerShareBps: 5_000,
            livenessSlashBps: 10_000,
            bondRatioBps: 50_000,
            disputeFeeBps: 3_000,
            verificationFeeBps: 260
        });
    }

    function _expectOutOfBounds(Params memory p, string memory name, uint256 value, uint256 min, uint256 max)
        internal
    {
        vm.expectRevert(abi.encodeWithSelector(ParamOutOfBounds.selector, name, value, min, max));
        market.setParams(p);
    }

    function _unauthorized(address caller) internal {
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, caller));
        vm.prank(caller);
    }

    // ================================================================== setParams

    function test_setParams_updatesSnapshotAndEmits() public {
        Params memory p = _defaults();
        p.challengeWindow = 2 hours;
        p.protocolFeeBps = 500;
        vm.expectEmit(address(market));
        emit ParamsUpdated(2, p);
        market.setParams(p);

        (Params memory current, uint32 version) = market.params();
        assertEq(version, 2, "version bumped");
        assertEq(current.challengeWindow, 2 hours, "window");
        assertEq(current.protocolFeeBps, 500, "fee");
        assertEq(market.paramsAt(1).protocolFeeBps, 100, "old snapshot kept");
    }

    function test_setParams_oldJobsKeepTheirSnapshot() public {
        (JobId oldId, Job memory oldJob) = _submitted(alice, OUT);
        Params memory p = _defaults();
        p.challengeWindow = 2 hours;
        p.protocolFeeBps = 500; // 5 %
        p.collateralRatioBps = 200_000; // 20x
        market.setParams(p);
        (JobId newId, Job memory newJob) = _submitted(alice, OUT);
        assertEq(oldJob.paramsVersion, 1, "old snapshot");
        assertEq(newJob.paramsVersion, 2, "new snapshot");
        assertEq(newJob.collateral, 2 * COLLATERAL, "20x collateral");

        vm.warp(block.timestamp + 2 hours + 1);
        market.finalizeJob(newJob); // new window (2 h) is over
        uint256 endsAt = uint256(market.jobState(oldId).timestamp) + WINDOW;
        vm.expectRevert(abi.encodeWithSelector(JobChallengeWindowOpen.selector, oldId, endsAt, block.timestamp));
        market.finalizeJob(oldJob); // old window (4 h) is not

        vm.warp(endsAt + 1);
        vm.expectEmit(address(market));
        emit JobFinalized(oldId, alice.account);
        market.finalizeJob(oldJob);
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE + PRICE / 20, "1 % old + 5 % new");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT + PRICE - PRICE / 20, "payouts");
        _assertStatus(newId, JobStatus.Finalized, "new finalized");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_setParams_preservesPauseFlag() public {
        _pause();
        market.setParams(_defaults());
        (,,,, bool paused) = market.settings();
        assertEq(paused, true, "still paused");
    }

    function test_setParams_acceptsBounds() public {
        market.setThawingPeriod(28 days);
        Params memory hi = Params({
            challengeWindow: 72 hours,
            disputeResolutionPeriod: 14 days,
            collateralRatioBps: 1_000_000,
            protocolFeeBps: 1_000,
            challengerShareBps: 5_000,
            livenessSlashBps: 1_000_000,
            bondRatioBps: 1_000_000,
            disputeFeeBps: 5_000,
            verificationFeeBps: 1_000
        });
        market.setParams(hi);
        Params memory lo = Params({
            challengeWindow: 1 hours,
            disputeResolutionPeriod: 1 days,
            collateralRatioBps: 10_000,
            protocolFeeBps: 0,
            challengerShareBps: 0,
            livenessSlashBps: 0,
            bondRatioBps: 10_000,
            disputeFeeBps: 0,
            verificationFeeBps: 0
        });
        market.setParams(lo);
        (, uint32 version) = market.params();
        assertEq(version, 3, "both accepted");
    }

    function test_setParams_revertsForChallengeWindowOutOfBounds() public {
        Params memory p = _defaults();
        p.challengeWindow = 1 hours - 1;
        _expectOutOfBounds(p, "challengeWindow", 1 hours - 1, 1 hours, 72 hours);
        p.challengeWindow = 72 hours + 1;
        _expectOutOfBounds(p, "challengeWindow", 72 hours + 1, 1 hours, 72 hours);
    }

    function test_setParams_revertsForResolutionPeriodOutOfBounds() public {
        Params memory p = _defaults();
        p.disputeResolutionPeriod = 1 days - 1;
        _expectOutOfBounds(p, "disputeResolutionPeriod", 1 days - 1, 1 days, 14 days);
        p.disputeResolutionPeriod = 14 days + 1;
        _expectOutOfBounds(p, "disputeResolutionPeriod", 14 days + 1, 1 days, 14 days);
    }

    function test_setParams_revertsForCollateralRatioOutOfBounds() public {
        Params memory p = _defaults();
        p.collateralRatioBps = 9_999;
        p.livenessSlashBps = 0;
        _expectOutOfBounds(p, "collateralRatioBps", 9_999, 10_000, 1_000_000);
        p.collateralRatioBps = 1_000_001;
        _expectOutOfBounds(p, "collateralRatioBps", 1_000_001, 10_000, 1_000_000);
    }

    function test_setParams_revertsForProtocolFeeOutOfBounds() public {
        Params memory p = _defaults();
        p.protocolFeeBps = 1_001;
        _expectOutOfBounds(p, "protocolFeeBps", 1_001, 0, 1_000);
    }

    function test_setParams_revertsForChallengerShareOutOfBounds() public {
        Params memory p = _defaults();
        p.challengerShareBps = 5_001;
        _expectOutOfBounds(p, "challengerShareBps", 5_001, 0, 5_000);
    }

    function test_setParams_revertsForLivenessSlashAboveCollateral() public {
        Params memory p = _defaults();
        p.livenessSlashBps = 100_001;
        _expectOutOfBounds(p, "livenessSlashBps", 100_001, 0, 100_000);
    }

    function test_setParams_revertsForBondRatioOutOfBounds() public {
        Params memory p = _defaults();
        p.bondRatioBps = 9_999;
        _expectOutOfBounds(p, "bondRatioBps", 9_999, 10_000, 1_000_000);
        p.bondRatioBps = 1_000_001;
        _expectOutOfBounds(p, "bondRatioBps", 1_000_001, 10_000, 1_000_000);
    }

    function test_setParams_revertsForDisputeFeeOutOfBounds() public {
        Params memory p = _defaults();
        p.disputeFeeBps = 5_001;
        _expectOutOfBounds(p, "disputeFeeBps", 5_001, 0, 5_000);
    }

    function test_setParams_revertsForVerificationFeeOutOfBounds() public {
        Params memory p = _defaults();
        p.verificationFeeBps = 1_001;
        _expectOutOfBounds(p, "verificationFeeBps", 1_001, 0, 1_000);
    }

    function test_setParams_revertsWhenThawingTooShort() public {
        Params memory p = _defaults();
        p.challengeWindow = 72 hours;
        p.disputeResolutionPeriod = 14 days;
        vm.expectRevert(
            abi.encodeWithSelector(ThawingPeriodTooShort.selector, THAWING, 72 hours + 14 days + 48 hours)
        );
        market.setParams(p);
    }

    function test_setParams_revertsForNonAdmin() public {
        Params memory p = _defaults();
        _unauthorized(stranger);
        market.setParams(p);
        _unauthorized(guardian);
        market.setParams(p);
    }

    // ================================================================== setThawingPeriod

    function test_setThawingPeriod_updatesAndEmits() public {
        vm.expectEmit(address(market));
        emit ThawingPeriodUpdated(21 days);
        market.setThawingPeriod(21 days);
        (,, uint32 thawing,,) = market.settings();
        assertEq(thawing, 21 days, "set");
    }

    function test_setThawingPeriod_acceptsRequiredMinimum() public {
        uint32 required = uint32(WINDOW + RESOLUTION + 48 hours);
        market.setThawingPeriod(required);
        (,, uint32 thawing,,) = market.settings();
        assertEq(thawing, required, "minimum accepted");
    }

    function test_setThawingPeriod_revertsAboveCap() public {
        vm.expectRevert(
            abi.encodeWithSelector(ParamOutOfBounds.selector, "thawingPeriod", 28 days + 1, 0, 28 days)
        );
        market.setThawingPeriod(28 days + 1);
    }

    function test_setThawingPeriod_revertsBelowRequired() public {
        uint256 required = WINDOW + RESOLUTION + 48 hours;
        vm.expectRevert(abi.encodeWithSelector(ThawingPeriodTooShort.selector, required - 1, required));
        market.setThawingPeriod(uint32(required - 1));
    }

    function test_setThawingPeriod_revertsForNonAdmin() public {
        _unauthorized(stranger);
        market.setThawingPeriod(20 days);
    }

    // ================================================================== setMinStake

    function test_setMinStake_updatesAndGatesAcceptance() public {
        vm.expectEmit(address(market));
        emit MinStakeUpdated(uint96(2_000 * TOKEN));
        market.setMinStake(uint96(2_000 * TOKEN));
        (,,, uint96 minStake,) = market.settings();
        assertEq(minStake, 2_000 * TOKEN, "set");
        (, Job memory job) = _create(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ProviderBelowMinStake.selector, alice.account, STAKE, 2_000 * TOKEN));
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    function test_setMinStake_revertsAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(ParamOutOfBounds.selector, "minStake", 1e27 + 1, 0, 1e27));
        market.setMinStake(uint96(1e27 + 1));
    }

    function test_setMinStake_revertsForNonAdmin() public {
        _unauthorized(stranger);
        market.setMinStake(0);
    }

    // ================================================================== setTreasury

    function test_setTreasury_redirectsSweeps() public {
        address newTreasury = makeAddr("new treasury");
        vm.expectEmit(address(market));
        emit TreasuryUpdated(newTreasury);
        market.setTreasury(newTreasury);

        (, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        market.collectFees(alice.account, address(usdc));
        market.sweepToTreasury(address(usdc));
        assertEq(market.claimable(newTreasury, address(usdc)), FEE, "new treasury");
        assertEq(market.claimable(treasury, address(usdc)), 0, "old treasury");
    }

    function test_setTreasury_revertsForZero() public {
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        market.setTreasury(address(0));
    }

    function test_setTreasury_revertsForNonAdmin() public {
        _unauthorized(stranger);
        market.setTreasury(stranger);
    }

    // ================================================================== configurePaymentToken

    function test_configurePaymentToken_storesAndEmits() public {
        MockERC20 dai = new MockERC20("DAI", "DAI", 18);
        vm.expectEmit(address(market));
        emit PaymentTokenConfigured(address(dai), true, 5e18, 1e18);
        market.configurePaymentToken(address(dai), true, 5e18, 1e18);
        TokenConfig memory t = market.paymentToken(address(dai));
        assertEq(t.allowed, true, "allowed");
        assertEq(t.bondFloor, 5e18, "floor");
        assertEq(t.stakeRate, 1e18, "rate");
    }

    function test_configurePaymentToken_revertsForZeroToken() public {
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        market.configurePaymentToken(address(0), true, 0, 1);
    }

    function test_configurePaymentToken_revertsForRateAboveCap() public {
        uint128 rate = 1e36 + 1;
        vm.expectRevert(abi.encodeWithSelector(ParamOutOfBounds.selector, "stakeRate", rate, 0, 1e36));
        market.configurePaymentToken(address(usdc), true, BOND_FLOOR, rate);
        market.configurePaymentToken(address(usdc), true, BOND_FLOOR, 1e36); // the cap itself is allowed
    }

    function test_configurePaymentToken_revertsForZeroRate() public {
        MockERC20 dai = new MockERC20("DAI", "DAI", 18);
        vm.expectRevert(abi.encodeWithSelector(TokenStakeRateZero.selector, address(dai)));
        market.configurePaymentToken(address(dai), true, 0, 0);
    }

    function test_configurePaymentToken_delistBlocksNewJobsOnly() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        market.configurePaymentToken(address(usdc), false, 0, 0); // de-listing may zero the rate
        JobRequest memory r = _request(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenNotAllowed.selector, address(usdc)));
        vm.prank(client);
        market.createJob(r, "");

        vm.prank(client);
        market.finalizeJob(job);
        _assertStatus(id, JobStatus.Finalized, "open job still settles");
        vm.prank(alice.account);
        assertEq(market.claim(address(usdc), alice.account), PAYOUT, "and pays out");
    }

    function test_configurePaymentToken_rateChangeKeepsJobCollateral() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        market.configurePaymentToken(address(usdc), true, BOND_FLOOR, STAKE_RATE * 2);
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertStatus(id, JobStatus.Accepted, "accepted");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0); // the job's snapshot, not the new rate
    }

    function test_configurePaymentToken_revertsForNonAdmin() public {
        _unauthorized(stranger);
        market.configurePaymentToken(address(usdc), false, 0, 0);
    }

    // ================================================================== setVerifier

    function test_setVerifier_updatesAndEmits() public {
        address v = makeAddr("module");
        market.setModule(v, true);
        vm.expectEmit(address(market));
        emit VerifierUpdated(Determinism.NONE, v);
        market.setVerifier(Determinism.NONE, v);
        assertEq(market.verifierOf(Determinism.NONE), v, "set");
    }

    /// @dev A verifier gets bounded authority over the disputes routed to it, so governance must
    ///      register it as a module first; zero (no disputes for the class) needs no module.
    function test_setVerifier_revertsForInactiveModule() public {
        address v = makeAddr("not a module");
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, v));
        market.setVerifier(Determinism.NONE, v);
        market.setModule(v, true);
        market.setModule(v, false); // retired
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, v));
        market.setVerifier(Determinism.NONE, v);
        assertEq(market.verifierOf(Determinism.NONE), address(verifier), "unchanged");

        market.setVerifier(Determinism.NONE, address(0));
        assertEq(market.verifierOf(Determinism.NONE), address(0), "disabled");
    }

    function test_setVerifier_revertsForNonAdmin() public {
        _unauthorized(stranger);
        market.setVerifier(Determinism.EXACT, stranger);
    }

    // ================================================================== pause / unpause

    function test_pause_byGuardianAndUnpause_byAdmin() public {
        vm.expectEmit(address(market));
        emit Paused(guardian);
        vm.prank(guardian);
        market.pause();
        (,,,, bool paused) = market.settings();
        assertEq(paused, true, "paused");

        vm.expectEmit(address(market));
        emit Unpaused(address(this));
        market.unpause();
        (,,,, paused) = market.settings();
        assertEq(paused, false, "unpaused");
        _create(alice.account, PRICE); // business resumes
    }

    function test_pause_revertsForNonGuardian() public {
        _unauthorized(stranger);
        market.pause();
    }

    function test_unpause_revertsForGuardian() public {
        _pause();
        _unauthorized(guardian);
        market.unpause();
    }

    /// @dev Every exit works while paused: results, settlement, refunds, disputes, slashing, unstaking, claims.
    ///      (A dispute nobody ruled on now ends Cancelled with the client refunded.)
    function test_pause_leavesExitsOpen() public {
        // 0 finalize, 1 submit, 2 cancel, 3 expire, 4 rule, 5 cancelDispute, 6 reportEquivocation
        JobId[] memory ids = new JobId[](7);
        Job[] memory jobs = new Job[](7);
        (ids[0], jobs[0]) = _submitted(alice, OUT);
        (ids[1], jobs[1]) = _accepted(alice);
        (ids[2], jobs[2]) = _create(alice.account, PRICE);
        (ids[3], jobs[3]) = _create(address(0), PRICE);
        (ids[4], jobs[4]) = _disputed(alice);
        (ids[5], jobs[5]) = _disputed(alice);
        (ids[6], jobs[6]) = _submitted(alice, OUT);
        bytes memory sigA = _sign(alice.signerKey, ids[6], jobs[6], OUT, alice.account);
        bytes memory sigB = _sign(alice.signerKey, ids[6], jobs[6], OUT_B, alice.account);
        (JobId dsp, Job memory dspJob) = _submitted(alice, OUT);
        vm.prank(client);
        market.deposit(address(usdc), 5 * USDC);
        _pause();

        vm.prank(challenger);
        market.openDispute(dspJob, ""); // challenge windows keep running, so disputes stay open

        _submit(alice, ids[1], jobs[1], OUT);
        vm.startPrank(client);
        market.finalizeJob(jobs[0]);
        market.cancelJob(jobs[2]);
        vm.stopPrank();
        _rule(jobs[4], Outcome.Draw);
        market.reportEquivocation(jobs[6], OUT, sigA, OUT_B, sigB);
        vm.prank(alice.account);
        market.requestUnstake(100 * TOKEN);
        vm.warp(block.timestamp + JOB_DURATION + 1);
        market.expireJob(jobs[3]);
        vm.warp(block.timestamp + RESOLUTION);
        market.cancelDispute(jobs[5]);
        vm.warp(block.timestamp + THAWING);
        vm.prank(alice.account);
        assertEq(market.withdrawStake(), 100 * TOKEN, "unstaked");
        vm.prank(client);
        market.withdraw(address(usdc), 1 * USDC, client);
        vm.prank(alice.account);
        market.claim(address(usdc), alice.account); // forwards the fees it owes
        market.sweepToTreasury(address(usdc));
        vm.prank(treasury);
        market.claim(address(usdc), treasury);

        _assertStatus(ids[0], JobStatus.Finalized, "finalize");
        _assertStatus(ids[1], JobStatus.Submitted, "submit");
        _assertStatus(ids[2], JobStatus.Cancelled, "cancel");
        _assertStatus(ids[3], JobStatus.Expired, "expire");
        _assertStatus(ids[4], JobStatus.Finalized, "rule");
        _assertStatus(ids[5], JobStatus.Cancelled, "cancelDispute");
        _assertStatus(ids[6], JobStatus.Slashed, "reportEquivocation");
        _assertStatus(dsp, JobStatus.Disputed, "openDispute");
        (,,,, bool paused) = market.settings();
        assertEq(paused, true, "still paused throughout");
    }

    // ================================================================== the extension swap and construction

    /// @dev A fresh copy of the periphery: the V2 mock (the extension plus `version()`).
    function _extensionV2() internal returns (address) {
        return address(new JobMarketExtensionV2Mock(address(new JobMarketDisputes())));
    }

    function test_setExtension_revertsForNonAdmin() public {
        address v2 = _extensionV2();
        address before = JobMarket(address(market)).extension();
        _unauthorized(stranger);
        JobMarket(address(market)).setExtension(v2);
        assertEq(JobMarket(address(market)).extension(), before, "unchanged");
    }

    function test_setExtension_revertsForGuardian() public {
        address v2 = _extensionV2();
        _unauthorized(guardian);
        JobMarket(address(market)).setExtension(v2);
    }

    function test_setExtension_revertsForZero() public {
        vm.expectRevert(abi.encodeWithSelector(JobMarketExtensionInvalid.selector, address(0)));
        JobMarket(address(market)).setExtension(address(0));
    }

    function test_setExtension_revertsForNoCode() public {
        address eoa = makeAddr("no code");
        vm.expectRevert(abi.encodeWithSelector(JobMarketExtensionInvalid.selector, eoa));
        JobMarket(address(market)).setExtension(eoa);
    }

    function test_setExtension_revertsForTheMarketItself() public {
        vm.expectRevert(abi.encodeWithSelector(JobMarketExtensionInvalid.selector, address(market)));
        JobMarket(address(market)).setExtension(address(market));
    }

    function test_setExtension_byAdminSwapsThePeripheryAndKeepsState() public {
        (JobId id,) = _accepted(alice);
        address old = JobMarket(address(market)).extension();
        address v2 = _extensionV2();
        vm.expectEmit(address(market));
        emit ExtensionUpdated(old, v2);
        JobMarket(address(market)).setExtension(v2);
        assertEq(JobMarket(address(market)).extension(), v2, "extension");
        // Appended after every field of the deployed layout: slot 18 of the namespace (1.5).
        bytes32 slot = bytes32(uint256(0xc0a66faba11951644160216ef094e4a70fe2ee212c7574dee4d538d86fbd9f00) + 18);
        assertEq(address(uint160(uint256(vm.load(address(market), slot)))), v2, "the namespace's last slot");
        assertEq(keccak256(bytes(JobMarketExtensionV2Mock(address(market)).version())), keccak256("2"), "served by the new code");
        // The state the old periphery and the core wrote reads back the same through the new code.
        _assertStatus(id, JobStatus.Accepted, "job kept");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
        (Params memory p,) = market.params();
        assertEq(p.challengeWindow, 4 hours, "params kept");
        // The periphery still governs and the core still runs on the same storage.
        market.setMinStake(MIN_STAKE + 1);
        (,,, uint96 minStake,) = market.settings();
        assertEq(minStake, MIN_STAKE + 1, "setter through the new extension");
    }

    function test_setExtension_swapBackRestoresTheOldCode() public {
        address old = JobMarket(address(market)).extension();
        JobMarket(address(market)).setExtension(_extensionV2());
        JobMarket(address(market)).setExtension(old);
        vm.expectRevert(bytes(""));
        JobMarketExtensionV2Mock(address(market)).version();
    }

    function test_setExtension_hostileExtensionCannotTakeOverTheSwap() public {
        // Governance installs an extension that declares `setExtension` and `extension` itself: the
        // core serves both selectors, so the hostile code is only reached for its other functions.
        address real = JobMarket(address(market)).extension();
        JobMarketExtensionHijackMock hijack = new JobMarketExtensionHijackMock();
        JobMarket(address(market)).setExtension(address(hijack));
        assertTrue(JobMarketExtensionHijackMock(address(market)).hijacked(), "its own selectors run");
        assertEq(JobMarket(address(market)).extension(), address(hijack), "served by the core, not the hostile code");
        _unauthorized(stranger);
        JobMarket(address(market)).setExtension(stranger);
        assertEq(JobMarket(address(market)).extension(), address(hijack), "still the one governance set");
        // And governance can always swap it back.
        JobMarket(address(market)).setExtension(real);
        assertEq(JobMarket(address(market)).extension(), real, "restored");
    }

    function test_market_hasNoUpgradeOrInitializeEntry() public {
        // Neither the core nor the periphery serves them: the disputes code's missing fallback
        // reverts with empty data.
        (bool ok, bytes memory ret) =
            address(market).call(abi.encodeWithSignature("upgradeToAndCall(address,bytes)", stranger, ""));
        assertFalse(ok, "upgradeToAndCall is not served");
        assertEq(ret.length, 0, "empty revert");
        bool ok2;
        (ok2, ret) = address(market).call(
            abi.encodeWithSignature("initialize(address,address,address,uint96)", stranger, stranger, stranger, 0)
        );
        assertFalse(ok2, "initialize is not served");
        assertEq(ret.length, 0, "empty revert");
        (bool ok3,) = address(market).call(abi.encodeWithSignature("proxiableUUID()"));
        assertFalse(ok3, "proxiableUUID is not served");
    }

    function test_constructor_revertsForZeroAddresses() public {
        address ext = JobMarket(address(market)).extension();
        bytes memory err = abi.encodeWithSelector(ZeroAddress.selector);
        vm.expectRevert(err);
        new JobMarket(address(0), address(token), treasury, 0, ext);
        vm.expectRevert(err);
        new JobMarket(address(manager), address(0), treasury, 0, ext);
        vm.expectRevert(err);
        new JobMarket(address(manager), address(token), address(0), 0, ext);
    }

    function test_constructor_revertsForInvalidExtension() public {
        vm.expectRevert(abi.encodeWithSelector(JobMarketExtensionInvalid.selector, address(0)));
        new JobMarket(address(manager), address(token), treasury, 0, address(0));
        address eoa = makeAddr("no code");
        vm.expectRevert(abi.encodeWithSelector(JobMarketExtensionInvalid.selector, eoa));
        new JobMarket(address(manager), address(token), treasury, 0, eoa);
    }

    function test_constructor_initializesOnce() public {
        address ext = JobMarket(address(market)).extension();
        JobMarket m2 = new JobMarket(address(manager), address(token), treasury, MIN_STAKE, ext);
        assertEq(m2.extension(), ext, "extension");
        assertEq(m2.authority(), address(manager), "authority");
        (address stakeToken, address treasury_, uint32 thawing, uint96 minStake, bool paused) = IJobMarket(address(m2)).settings();
        assertEq(stakeToken, address(token), "stake token");
        assertEq(treasury_, treasury, "treasury");
        assertEq(thawing, 14 days, "thawing");
        assertEq(minStake, MIN_STAKE, "min stake");
        assertFalse(paused, "not paused");
    }
}
