// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MaliciousModule} from "../../../contracts/mocks/MaliciousModule.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice The module boundary that commit 365ec64 introduced, attacked by a registered module that
///         calls the market's module API with whatever arguments suit it (MaliciousModule). Each test
///         asserts what an honest party observes through the ABI: stake, locks, claimable balances,
///         statuses and events.
/// @dev OLD (ba0d4ae): there was no module boundary. No setModule/isModule, no module stake API
///      (moduleLock, moduleRelease, moduleSlash, releaseRetiredModuleLock), no ModuleStake and none of
///      ModuleNotActive, ModuleStillActive, ModuleAllowanceExceeded, ModuleLockExceeded: most of these
///      tests would not compile there. The two rules that existed in spirit were weaker: setVerifier
///      accepted any address, and a verifier replaced with setVerifier kept ruling on the disputes it
///      held, since resolveDispute checked only msg.sender == dispute.verifier and there was no way to
///      retire it (test_resolveDispute_retiredModuleCannotResolve would fail there).
///      Tree (when ..., given ..., it should ...):
///  moduleLock
///   ├── given the caller is not an active module       -> ModuleNotActive(caller)
///   ├── given locked + amount > the provider's allowance -> ModuleAllowanceExceeded(module, provider,
///   │                                                        locked + amount, allowance)
///   ├── given the market is paused                     -> EnforcedPause
///   ├── given the provider is jailed / below min stake  -> ProviderInJail / ProviderBelowMinStake
///   └── it should count in ProviderInfo.locked: jobs and unstaking see less free stake
///  moduleRelease / moduleSlash
///   ├── given amount > what THIS module locked (another module's lock, a job's collateral) -> ModuleLockExceeded
///   ├── moduleSlash given rewardBps > 5000             -> ParamOutOfBounds("rewardBps", …)
///   └── moduleSlash given a retired module             -> ModuleNotActive (release still works)
///  releaseRetiredModuleLock: active -> ModuleStillActive; retired -> anyone frees the lock
///  resolveDispute: a dispute routed to another verifier -> DisputeNotVerifier; after retirement -> ModuleNotActive
///  claimable balances: a module can spend or claim only its own -> ClaimExceedsBalance / NothingToClaim
contract ModulesTest is UnitFixture {
    uint256 internal constant BPS = 10_000;
    uint96 internal constant ALLOWANCE = uint96(50 * TOKEN);

    MaliciousModule internal mal;
    MaliciousModule internal other;
    address internal attacker = makeAddr("attacker");

    function setUp() public override {
        super.setUp();
        mal = new MaliciousModule(market);
        other = new MaliciousModule(market);
        market.setModule(address(mal), true);
        market.setModule(address(other), true);
        vm.prank(alice.account);
        market.setModuleAllowance(address(mal), ALLOWANCE);
    }

    function _locked(MaliciousModule m, address provider_) internal view returns (uint256) {
        return market.moduleStake(address(m), provider_).locked;
    }

    /// @dev A job of alice on a TOLERANT model, whose verifier is `mal`, disputed by the challenger.
    function _disputedAtMal() internal returns (JobId id, Job memory job) {
        ModelId tolerant = _registerModel("tolerant weights", Determinism.TOLERANT);
        market.setVerifier(Determinism.TOLERANT, address(mal));
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, tolerant);
        (id, job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        vm.prank(challenger);
        market.openDispute(job, "");
        assertEq(market.dispute(id).verifier, address(mal), "routed to mal");
    }

    // ================================================================== lock

    function test_moduleLock_aboveAllowanceReverts() public {
        bytes memory exceeded = abi.encodeWithSelector(
            ModuleAllowanceExceeded.selector, address(mal), alice.account, ALLOWANCE + 1, ALLOWANCE
        );
        vm.expectRevert(exceeded);
        mal.lock(alice.account, ALLOWANCE + 1);

        vm.expectEmit(address(market));
        emit ModuleStakeLocked(address(mal), alice.account, ALLOWANCE);
        mal.lock(alice.account, ALLOWANCE); // exactly the allowance
        vm.expectRevert(exceeded);
        mal.lock(alice.account, 1); // one more, in a second call

        assertEq(_locked(mal, alice.account), ALLOWANCE, "module lock");
        _assertProvider(alice.account, STAKE, ALLOWANCE, 0);
    }

    function test_moduleLock_withoutAllowanceReverts() public {
        vm.expectRevert(abi.encodeWithSelector(ModuleAllowanceExceeded.selector, address(other), alice.account, 1, 0));
        other.lock(alice.account, 1);
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_moduleLock_nonModuleReverts() public {
        MaliciousModule unregistered = new MaliciousModule(market);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(unregistered)));
        unregistered.lock(alice.account, 1);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, stranger));
        vm.prank(stranger);
        market.moduleLock(alice.account, 1);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(unregistered)));
        unregistered.slash(alice.account, 0, attacker, 0);
        vm.expectRevert(AmountZero.selector);
        mal.lock(alice.account, 0);
    }

    function test_moduleLock_providerStandingStillApplies() public {
        ProviderKey memory poor = _provider("poor", MIN_STAKE - 1);
        vm.prank(poor.account);
        market.setModuleAllowance(address(mal), ALLOWANCE);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderBelowMinStake.selector, poor.account, MIN_STAKE - 1, MIN_STAKE)
        );
        mal.lock(poor.account, 1);

        uint256 until = _jailByFraud(alice);
        vm.expectRevert(abi.encodeWithSelector(ProviderInJail.selector, alice.account, until));
        mal.lock(alice.account, 1);
    }

    function test_moduleLock_countsAgainstFreeStake() public {
        vm.prank(alice.account);
        market.setModuleAllowance(address(mal), uint96(990 * TOKEN));
        mal.lock(alice.account, 990 * TOKEN);
        (JobId id, Job memory job) = _create(alice.account, PRICE);

        vm.expectRevert(
            abi.encodeWithSelector(StakeInsufficientFree.selector, alice.account, COLLATERAL, 10 * TOKEN)
        );
        vm.prank(alice.account);
        market.acceptJob(job);
        vm.expectRevert(abi.encodeWithSelector(StakeInsufficientFree.selector, alice.account, 11 * TOKEN, 10 * TOKEN));
        vm.prank(alice.account);
        market.requestUnstake(11 * TOKEN);

        vm.prank(alice.account);
        market.requestUnstake(10 * TOKEN);
        _assertProvider(alice.account, 990 * TOKEN, 990 * TOKEN, 10 * TOKEN);
        _assertStatus(id, JobStatus.Created, "not accepted");
    }

    function test_moduleLock_pausedRevertsButReleaseAndSlashStayOpen() public {
        mal.lock(alice.account, 30 * TOKEN);
        _pause();

        vm.expectRevert(EnforcedPause.selector);
        mal.lock(alice.account, 1);
        mal.release(alice.account, 10 * TOKEN);
        mal.slash(alice.account, 10 * TOKEN, attacker, 0);

        assertEq(_locked(mal, alice.account), 10 * TOKEN, "30 - 10 released - 10 slashed");
        _assertProvider(alice.account, STAKE - 10 * TOKEN, 10 * TOKEN, 0);
    }

    // ================================================================== release and slash

    function test_moduleRelease_moreThanLockedReverts() public {
        mal.lock(alice.account, 30 * TOKEN);

        vm.expectRevert(
            abi.encodeWithSelector(ModuleLockExceeded.selector, address(mal), alice.account, 30 * TOKEN + 1, 30 * TOKEN)
        );
        mal.release(alice.account, 30 * TOKEN + 1);

        vm.expectEmit(address(market));
        emit ModuleStakeReleased(address(mal), alice.account, 30 * TOKEN);
        mal.release(alice.account, 30 * TOKEN);
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_moduleSlash_moreThanLockedReverts() public {
        mal.lock(alice.account, 30 * TOKEN);

        vm.expectRevert(
            abi.encodeWithSelector(ModuleLockExceeded.selector, address(mal), alice.account, 30 * TOKEN + 1, 30 * TOKEN)
        );
        mal.slash(alice.account, 30 * TOKEN + 1, attacker, 5_000);
        _assertProvider(alice.account, STAKE, 30 * TOKEN, 0);
    }

    function test_moduleSlash_anotherModulesLockOrAJobsCollateralReverts() public {
        vm.prank(alice.account);
        market.setModuleAllowance(address(other), ALLOWANCE);
        other.lock(alice.account, 30 * TOKEN);
        _accepted(alice); // 20 tokens of job collateral
        _assertProvider(alice.account, STAKE, 30 * TOKEN + COLLATERAL, 0);

        bytes memory err = abi.encodeWithSelector(ModuleLockExceeded.selector, address(mal), alice.account, 1, 0);
        vm.expectRevert(err);
        mal.slash(alice.account, 1, attacker, 5_000);
        vm.expectRevert(err);
        mal.release(alice.account, 1);

        assertEq(_locked(other, alice.account), 30 * TOKEN, "the other module's lock is intact");
        _assertProvider(alice.account, STAKE, 30 * TOKEN + COLLATERAL, 0);
    }

    function test_moduleSlash_boundedByItsLockAndRewardCap() public {
        mal.lock(alice.account, ALLOWANCE);

        vm.expectRevert(abi.encodeWithSelector(ParamOutOfBounds.selector, "rewardBps", 5_001, 0, 5_000));
        mal.slash(alice.account, ALLOWANCE, attacker, 5_001);
        vm.expectRevert(ZeroAddress.selector);
        mal.slash(alice.account, ALLOWANCE, address(0), 5_000);

        uint256 reward = uint256(ALLOWANCE) * 5_000 / BPS;
        vm.expectEmit(address(market));
        emit ModuleStakeSlashed(address(mal), alice.account, ALLOWANCE, attacker, reward);
        assertEq(mal.slash(alice.account, ALLOWANCE, attacker, 5_000), reward, "reward");

        assertEq(market.claimable(attacker, address(token)), reward, "beneficiary: at most half");
        assertEq(market.treasuryAccrued(address(token)), ALLOWANCE - reward, "treasury: the rest");
        assertEq(_locked(mal, alice.account), 0, "lock used up");
        _assertProvider(alice.account, STAKE - ALLOWANCE, 0, 0);
    }

    /// @dev Residual risk, pinned: the allowance caps what a module holds AT ONCE, not what it may slash
    ///      in total. A malicious module that locks its allowance and slashes it, over and over in one
    ///      transaction, takes the provider's stake down to below the minimum stake, half of it to a
    ///      beneficiary of its choice. Only governance (which registers modules) stands in the way.
    /// @dev Found by this suite: the allowance used to cap each lock, not the total, so a module could
    ///      lock, slash and lock again until the provider fell below the minimum stake (19 rounds took
    ///      950 of 1000 tokens). A slash now uses the allowance up.
    function test_moduleSlash_slashUsesUpTheAllowance() public {
        mal.lock(alice.account, ALLOWANCE);
        mal.slash(alice.account, ALLOWANCE, attacker, 5_000);
        assertEq(market.moduleStake(address(mal), alice.account).allowance, 0, "allowance used up");
        vm.expectRevert(
            abi.encodeWithSelector(ModuleAllowanceExceeded.selector, address(mal), alice.account, 1, 0)
        );
        mal.lock(alice.account, 1);
        _assertProvider(alice.account, STAKE - uint256(ALLOWANCE), 0, 0);
        assertEq(market.claimable(attacker, address(token)), uint256(ALLOWANCE) / 2, "half to the beneficiary");

        // A partial slash leaves the rest of the allowance, and what stays locked can still be released.
        vm.prank(alice.account);
        market.setModuleAllowance(address(mal), ALLOWANCE);
        mal.lock(alice.account, ALLOWANCE);
        mal.slash(alice.account, 10 * TOKEN, attacker, 0);
        assertEq(market.moduleStake(address(mal), alice.account).allowance, ALLOWANCE - 10 * TOKEN, "allowance left");
        assertEq(_locked(mal, alice.account), ALLOWANCE - 10 * TOKEN, "lock left");
    }

    /// @dev Found by the spec review: lowering the allowance below what a module has locked made the
    ///      slash underflow (Panic 0x11), so a provider could make a module's lock unslashable at will.
    function test_moduleSlash_lockStaysSlashableAfterProviderCutsAllowance() public {
        mal.lock(alice.account, ALLOWANCE);
        vm.prank(alice.account);
        market.setModuleAllowance(address(mal), 0); // stops new locks, not the existing one

        vm.expectRevert(
            abi.encodeWithSelector(
                ModuleAllowanceExceeded.selector, address(mal), alice.account, uint256(ALLOWANCE) + 1, 0
            )
        );
        mal.lock(alice.account, 1);
        mal.slash(alice.account, ALLOWANCE, attacker, 0);

        assertEq(market.moduleStake(address(mal), alice.account).allowance, 0, "allowance stays at zero");
        assertEq(_locked(mal, alice.account), 0, "lock slashed");
        _assertProvider(alice.account, STAKE - uint256(ALLOWANCE), 0, 0);
    }

    function test_releaseRetiredModuleLock_freesLockOnlyAfterRetirement() public {
        mal.lock(alice.account, ALLOWANCE);

        vm.expectRevert(abi.encodeWithSelector(ModuleStillActive.selector, address(mal)));
        vm.prank(stranger);
        market.releaseRetiredModuleLock(address(mal), alice.account);
        vm.expectRevert(abi.encodeWithSelector(ModuleStillActive.selector, address(mal)));
        mal.releaseOwnLock(alice.account);

        market.setModule(address(mal), false);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(mal)));
        mal.slash(alice.account, 1, attacker, 0); // retired: cannot slash what it still holds
        vm.expectEmit(address(market));
        emit ModuleStakeReleased(address(mal), alice.account, ALLOWANCE);
        vm.prank(stranger);
        market.releaseRetiredModuleLock(address(mal), alice.account);

        assertEq(_locked(mal, alice.account), 0, "lock gone");
        _assertProvider(alice.account, STAKE, 0, 0);
        vm.prank(alice.account);
        market.requestUnstake(STAKE); // all of it is free again
    }

    // ================================================================== disputes

    function test_resolveDispute_disputeRoutedToAnotherVerifierReverts() public {
        (JobId id, Job memory job) = _disputed(alice); // EXACT class: the ArbitratedVerifier

        vm.expectRevert(abi.encodeWithSelector(DisputeNotVerifier.selector, id, address(mal), address(verifier)));
        mal.resolve(job, Outcome.Upheld, 0);

        _assertStatus(id, JobStatus.Disputed, "untouched");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
    }

    function test_resolveDispute_retiredModuleCannotResolve() public {
        (JobId id, Job memory job) = _disputedAtMal();
        uint256 deadline = market.dispute(id).deadline;
        market.setModule(address(mal), false);
        market.setVerifier(Determinism.TOLERANT, address(verifier)); // governance moves the class on

        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(mal)));
        mal.resolve(job, Outcome.Upheld, 0);
        vm.expectRevert(abi.encodeWithSelector(DisputeNotVerifier.selector, id, address(verifier), address(mal)));
        _rule(job, Outcome.Upheld); // the new verifier does not inherit open disputes

        vm.warp(deadline + 1);
        market.cancelDispute(job);
        _assertStatus(id, JobStatus.Cancelled, "timed out");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond back");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_resolveDispute_maliciousVerifierTakesAtMostTheCollateral() public {
        _accepted(alice); // stake locked for another job
        (JobId id, Job memory job) = _disputedAtMal();

        mal.resolve(job, Outcome.Upheld, 0); // on an honest result

        uint256 reward = COLLATERAL * 5_000 / BPS;
        uint256 fee = UPHELD_FEE; // disputeFeeBps of the one bond, in stake at the job's rate
        _assertStatus(id, JobStatus.Slashed, "slashed");
        _assertProvider(alice.account, STAKE - COLLATERAL, COLLATERAL, 0);
        assertEq(market.claimable(address(mal), address(token)), fee, "module: its arbitration fee, no more");
        assertEq(market.claimable(challenger, address(token)), reward, "challenger: its share");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - reward - fee, "treasury: the rest");
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Slashed));
        mal.resolve(job, Outcome.Upheld, 0);
    }

    // ================================================================== claimable balances

    function test_withdraw_moduleCannotTouchOthersClaimableBalances() public {
        vm.prank(client);
        market.deposit(address(usdc), 100 * USDC);
        (, Job memory job) = _disputed(alice);
        _rule(job, Outcome.Upheld); // the challenger now has a stake-token reward to claim
        uint256 marketUsdc = usdc.balanceOf(address(market));
        uint256 reward = market.claimable(challenger, address(token));

        vm.expectRevert(
            abi.encodeWithSelector(ClaimExceedsBalance.selector, address(mal), address(usdc), 100 * USDC, 0)
        );
        mal.withdrawFrom(address(usdc), 100 * USDC, address(mal));
        vm.expectRevert(abi.encodeWithSelector(ClaimExceedsBalance.selector, address(mal), address(token), reward, 0));
        mal.withdrawFrom(address(token), reward, address(mal));
        vm.expectRevert(abi.encodeWithSelector(NothingToClaim.selector, address(mal), address(usdc)));
        mal.claimTo(address(usdc), address(mal));
        JobRequest memory r = _request(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ClaimExceedsBalance.selector, address(mal), address(usdc), PRICE, 0));
        mal.createJobFromBalance(r);

        assertEq(market.claimable(client, address(usdc)), 100 * USDC + PRICE, "client's deposit and refund intact");
        assertEq(market.claimable(challenger, address(token)), reward, "challenger's reward intact");
        assertEq(usdc.balanceOf(address(market)), marketUsdc, "nothing left the market");
    }

    function test_setModuleAllowance_unregisteredProviderReverts() public {
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        vm.prank(stranger);
        market.setModuleAllowance(address(mal), ALLOWANCE);

        vm.expectEmit(address(market));
        emit ModuleAllowanceSet(alice.account, address(mal), 0);
        vm.prank(alice.account);
        market.setModuleAllowance(address(mal), 0);
        assertEq(market.moduleStake(address(mal), alice.account).allowance, 0, "revoked");
    }
}
