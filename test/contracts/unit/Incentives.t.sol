// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId} from "../../../contracts/types/Ids.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Regression tests for the incentive findings of the security review that commit 365ec64
///         closed: infeasible deadlines, self-jail, retired keys, slash debt (L-1) and batch
///         finalization (L-3). Each test asserts what an honest party observes through the ABI:
///         balances, stake, claimable amounts, statuses and events. Every time rule is checked at the
///         exact second on both sides. The comment above each group says what the old contracts
///         (commit ba0d4ae) did, and so which assertion would have failed there.
/// @dev Tree (when ..., given ..., it should ...):
///  acceptJob (open job)
///   ├── given deadline = now + maxLatency − 1 -> revert JobDeadlineBelowLatency(id, deadline,
///   │                                            now + maxLatency)
///   ├── given deadline = now + maxLatency     -> accept
///   ├── given the provider waits until the deadline leaves less than maxLatency -> revert
///   └── given a direct job                    -> no latency check (the provider's own judgement)
///  expireJob (Accepted)
///   ├── at the deadline                        -> revert JobDeadlineNotReached, jailed or not
///   ├── at deadline + 1                        -> refund the client, slash livenessSlash:
///   │                                             client challengerShareBps, treasury the rest (job's snapshot)
///   ├── given the client is the provider       -> the provider loses at least half the slash
///   └── given a self-inflicted jail (misses or equivocation) -> same as not jailed
///  submitResult by a jailed provider before the deadline -> accepted, paid on finalize
///  reportEquivocation with keys
///   ├── given a key retired before the job was accepted    -> revert AttestationWrongSigner (alone or mixed)
///   └── given keys of the accept epoch or later            -> slash, whatever rotations or thawingPeriod since
///  updateProvider: reused key -> ProviderSignerReused; the 255th rotation -> ProviderSignerRotationsExhausted
///  reportEquivocation after settlement with stake locked elsewhere
///   ├── it should slash free, then thawing stake, record the rest as slash debt, and reward the
///   │   reporter on what was taken
///   ├── requestUnstake    -> pays the debt first, refuses to release owed stake
///   └── collectSlashDebt  -> anyone, as far as free stake goes; AmountZero when nothing is payable
///  finalizeJobs: a job no longer Submitted is skipped (JobFinalizeSkipped), the rest finalized, count returned;
///   unknown terms revert JobUnknown; a job still in its window reverts JobChallengeWindowOpen.
contract IncentivesTest is UnitFixture {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant SHARE_BPS = 5_000; // default challengerShareBps
    uint256 internal constant MAX_LATENCY = 60; // Fixture._provider's offer
    uint256 internal constant LIVENESS_JAIL = 24 hours;
    uint256 internal constant FRAUD_JAIL = 30 days;
    /// @dev The smallest thawing period the bounds allow: challengeWindow + resolution + 48 h.
    uint32 internal constant MIN_THAWING = uint32(WINDOW + RESOLUTION + 48 hours);

    uint256 internal constant K2 = uint256(keccak256("alice signer key 2"));
    uint256 internal constant K3 = uint256(keccak256("alice signer key 3"));
    uint256 internal constant K4 = uint256(keccak256("alice signer key 4"));

    // ================================================================== helpers

    /// @dev An open job (any eligible provider) of the client, at `price`, due at `deadline`.
    function _openJob(uint96 price, uint256 deadline) internal returns (JobId id, Job memory job) {
        JobRequest memory r = _request(address(0), price);
        r.deadline = uint40(deadline);
        (id, job) = _createFrom(client, r);
    }

    /// @dev A direct job that `p` creates for itself (the provider is its own client).
    function _selfJob(ProviderKey memory p, uint96 price, uint256 deadline)
        internal
        returns (JobId id, Job memory job)
    {
        JobRequest memory r = _request(p.account, price);
        r.deadline = uint40(deadline);
        (id, job) = _createFrom(p.account, r);
    }

    function _accept(ProviderKey memory p, Job memory job) internal {
        vm.prank(p.account);
        market.acceptJob(job);
    }

    function _rotate(ProviderKey memory p, address signer) internal {
        vm.prank(p.account);
        market.updateProvider(signer, "https://provider.example");
    }

    /// @dev What `who` holds of the stake token, in and out of the market (stake, thawing, claimable, wallet).
    function _stakeWealth(address who) internal view returns (uint256) {
        ProviderInfo memory info = market.provider(who);
        return uint256(info.staked) + info.thawing + market.claimable(who, address(token)) + token.balanceOf(who);
    }

    /// @dev What `who` holds of the payment token, in and out of the market.
    function _usdcWealth(address who) internal view returns (uint256) {
        return usdc.balanceOf(who) + market.claimable(who, address(usdc));
    }

    /// @dev Three of alice's own jobs, due in 60 s, accepted and missed: the third miss jails her.
    function _selfJailByMisses() internal returns (uint256 until) {
        _fundClient(alice.account, 1_000 * USDC);
        Job[3] memory jobs;
        for (uint256 i; i < 3; ++i) {
            (, jobs[i]) = _selfJob(alice, PRICE, block.timestamp + 60);
            _accept(alice, jobs[i]);
        }
        vm.warp(block.timestamp + 61);
        for (uint256 i; i < 3; ++i) {
            market.expireJob(jobs[i]);
        }
        until = market.provider(alice.account).jailedUntil;
        assertEq(until, block.timestamp + LIVENESS_JAIL, "three misses in 24 h jail for 24 h");
    }

    /// @dev One of alice's own jobs, on which she signs two outputs and reports herself: jailed for fraud.
    function _selfJailByEquivocation() internal returns (uint256 until) {
        _fundClient(alice.account, 1_000 * USDC);
        (JobId id, Job memory job) = _selfJob(alice, PRICE, block.timestamp + 1 hours);
        _accept(alice, job);
        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory sigB = _sign(alice.signerKey, id, job, OUT_B, alice.account);
        vm.prank(alice.account);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        until = market.provider(alice.account).jailedUntil;
        assertEq(until, block.timestamp + FRAUD_JAIL, "equivocation jails for 30 d");
    }

    /// @dev The client's accepted job of a self-jailed provider: not expirable at its deadline, expired and
    ///      slashed one second later, with the client's share paid.
    function _assertExpiresOnlyAfterDeadline(JobId id, Job memory job, uint256 until) internal {
        assertTrue(until > job.deadline, "jail outlasts the job");
        uint256 stakedBefore = market.provider(alice.account).staked;
        uint256 clientStakeBefore = market.claimable(client, address(token));
        uint256 treasuryBefore = market.treasuryAccrued(address(token));

        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, job.deadline, block.timestamp));
        market.expireJob(job);
        vm.warp(job.deadline);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, job.deadline, job.deadline));
        market.expireJob(job);

        vm.warp(uint256(job.deadline) + 1);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, LIVENESS);
        vm.expectEmit(address(market));
        emit JobExpired(id, client, PRICE, LIVENESS);
        vm.prank(stranger);
        market.expireJob(job);

        _assertStatus(id, JobStatus.Expired, "expired");
        assertEq(market.provider(alice.account).staked, stakedBefore - LIVENESS, "slashed for liveness");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(client, address(token)) - clientStakeBefore, LIVENESS / 2, "client's share");
        assertEq(market.treasuryAccrued(address(token)) - treasuryBefore, LIVENESS / 2, "treasury's share");
    }

    // ================================================================== 1. infeasible deadlines
    // OLD (ba0d4ae): acceptJob never compared an open job's deadline with the offer's maxLatency, so a
    // provider's node could take a job it could not finish; expireJob then paid the whole liveness slash
    // (1x price) to the client. A client that inflated the price of an infeasible open job farmed the
    // slash of whoever accepted it. The JobDeadlineBelowLatency expectations below would not have
    // reverted, and the client would have received LIVENESS, not LIVENESS / 2.

    function test_acceptJob_openJobDeadlineOneSecondShortOfLatencyReverts() public {
        (JobId id, Job memory job) = _openJob(PRICE, block.timestamp + MAX_LATENCY - 1);

        vm.expectRevert(
            abi.encodeWithSelector(JobDeadlineBelowLatency.selector, id, job.deadline, block.timestamp + MAX_LATENCY)
        );
        _accept(alice, job);

        _assertStatus(id, JobStatus.Created, "still open");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_acceptJob_openJobDeadlineExactlyAtLatencyAccepts() public {
        (JobId id, Job memory job) = _openJob(PRICE, block.timestamp + MAX_LATENCY);

        vm.expectEmit(address(market));
        emit JobAccepted(id, alice.account);
        _accept(alice, job);

        _assertStatus(id, JobStatus.Accepted, "accepted");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
    }

    function test_acceptJob_openJobLatencyMeasuredWhenAccepted() public {
        uint256 deadline = block.timestamp + 1 hours;
        (, Job memory early) = _openJob(PRICE, deadline);
        (JobId lateId, Job memory late) = _openJob(PRICE, deadline);

        vm.warp(deadline - MAX_LATENCY);
        _accept(alice, early);
        vm.warp(deadline - MAX_LATENCY + 1);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineBelowLatency.selector, lateId, deadline, deadline + 1));
        _accept(alice, late);
    }

    function test_acceptJob_directJobIsTheProvidersOwnJudgement() public {
        JobRequest memory r = _request(alice.account, PRICE);
        r.deadline = uint40(block.timestamp + 1);
        (JobId id, Job memory job) = _createFrom(client, r);

        _accept(alice, job);

        _assertStatus(id, JobStatus.Accepted, "a direct job names its provider, who judged the deadline");
    }

    function test_expireJob_inflatedInfeasibleOpenJobSlashesNobody() public {
        uint96 inflated = 25 * PRICE; // collateral 500 tokens, a 50-token liveness slash if anyone took it
        uint256 deadline = block.timestamp + MAX_LATENCY - 1;
        uint256 clientUsdcBefore = _usdcWealth(client);
        (JobId id, Job memory job) = _openJob(inflated, deadline);

        uint256 earliest = block.timestamp + MAX_LATENCY;
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineBelowLatency.selector, id, deadline, earliest));
        _accept(alice, job); // the honest provider's node tries, and is refused

        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, deadline, deadline));
        market.expireJob(job);
        vm.warp(deadline + 1);
        vm.expectEmit(address(market));
        emit JobExpired(id, client, inflated, 0);
        vm.prank(client);
        market.expireJob(job);

        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(market.claimable(client, address(token)), 0, "client gets no slash");
        assertEq(market.treasuryAccrued(address(token)), 0, "nothing was slashed");
        assertEq(_usdcWealth(client), clientUsdcBefore, "client gets its escrow back, no more");
    }

    function test_expireJob_livenessSlashSplitsClientShareAndTreasury() public {
        (JobId id, Job memory job) = _accepted(alice);

        vm.warp(job.deadline);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, job.deadline, job.deadline));
        market.expireJob(job);

        vm.warp(uint256(job.deadline) + 1);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, LIVENESS);
        vm.expectEmit(address(market));
        emit JobExpired(id, client, PRICE, LIVENESS);
        vm.prank(stranger);
        market.expireJob(job);

        _assertStatus(id, JobStatus.Expired, "expired");
        _assertProvider(alice.account, STAKE - LIVENESS, 0, 0);
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded in full");
        assertEq(market.claimable(client, address(token)), LIVENESS * SHARE_BPS / BPS, "client: challengerShareBps");
        assertEq(market.treasuryAccrued(address(token)), LIVENESS - LIVENESS * SHARE_BPS / BPS, "treasury: the rest");
        assertEq(market.claimable(stranger, address(token)), 0, "the caller gets nothing");
    }

    function test_expireJob_selfJobMissCostsProviderAtLeastHalfTheSlash() public {
        _fundClient(alice.account, 1_000 * USDC);
        uint256 stakeBefore = _stakeWealth(alice.account);
        uint256 usdcBefore = _usdcWealth(alice.account);
        (JobId id, Job memory job) = _selfJob(alice, PRICE, block.timestamp + 1 hours);
        _accept(alice, job);

        vm.warp(uint256(job.deadline) + 1);
        market.expireJob(job);

        _assertStatus(id, JobStatus.Expired, "expired");
        uint256 lost = stakeBefore - _stakeWealth(alice.account);
        assertEq(lost, LIVENESS - LIVENESS * SHARE_BPS / BPS, "loses the slash, gets back only the client's share");
        assertGe(lost, LIVENESS / 2, "self-dealing does not pay");
        assertEq(_usdcWealth(alice.account), usdcBefore, "escrow refunded, nothing more");
    }

    function test_expireJob_paramChangeMidJobKeepsJobSnapshot() public {
        (JobId oldId, Job memory oldJob) = _accepted(alice);
        (Params memory p,) = market.params();
        p.challengerShareBps = 2_000;
        p.livenessSlashBps = 50_000; // 5x price
        market.setParams(p);
        (JobId newId, Job memory newJob) = _accepted(alice);
        assertEq(oldJob.paramsVersion, 1, "old job on v1");
        assertEq(newJob.paramsVersion, 2, "new job on v2");

        vm.warp(uint256(oldJob.deadline) + 1);
        vm.expectEmit(address(market));
        emit JobExpired(oldId, client, PRICE, LIVENESS);
        market.expireJob(oldJob);
        assertEq(market.claimable(client, address(token)), LIVENESS / 2, "old job: v1 share of the v1 slash");
        assertEq(market.treasuryAccrued(address(token)), LIVENESS / 2, "old job: v1 treasury");

        uint256 newSlash = 5 * LIVENESS;
        vm.expectEmit(address(market));
        emit JobExpired(newId, client, PRICE, newSlash);
        market.expireJob(newJob);
        assertEq(market.claimable(client, address(token)), LIVENESS / 2 + newSlash * 2_000 / BPS, "new job: v2 share");
        assertEq(market.treasuryAccrued(address(token)), LIVENESS / 2 + newSlash * 8_000 / BPS, "new job: v2 treasury");
        _assertProvider(alice.account, STAKE - LIVENESS - newSlash, 0, 0);
    }

    // ================================================================== 2. self-jail
    // OLD (ba0d4ae): expireJob released a JAILED provider's Accepted job at once, before its deadline,
    // with no slash. A provider that failed a client's job jailed itself (three missed self-jobs, or
    // equivocating on a self-job) and then expired the client's job slash-free. The
    // JobDeadlineNotReached expectations below would not have reverted, and the client would have
    // received no share of any slash.

    function test_expireJob_afterSelfJailByMissesWaitsForDeadlineAndSlashes() public {
        (JobId id, Job memory job) = _accepted(alice);
        uint256 until = _selfJailByMisses();

        _assertExpiresOnlyAfterDeadline(id, job, until);
        _assertProvider(alice.account, STAKE - 4 * LIVENESS, 0, 0);
    }

    function test_expireJob_afterSelfEquivocationJailWaitsForDeadlineAndSlashes() public {
        (JobId id, Job memory job) = _accepted(alice);
        uint256 until = _selfJailByEquivocation();

        _assertExpiresOnlyAfterDeadline(id, job, until);
        _assertProvider(alice.account, STAKE - COLLATERAL - LIVENESS, 0, 0);
    }

    function test_submitResult_jailedProviderDeliversUntilDeadlineAndIsPaid() public {
        (JobId onTimeId, Job memory onTime) = _accepted(alice);
        (JobId lateId, Job memory late) = _accepted(alice);
        _selfJailByMisses();
        assertTrue(market.provider(alice.account).jailedUntil > onTime.deadline, "jailed past the deadline");

        vm.warp(onTime.deadline);
        _submit(alice, onTimeId, onTime, OUT);
        vm.warp(uint256(late.deadline) + 1);
        bytes memory sig = _sign(alice.signerKey, lateId, late, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlinePassed.selector, lateId, late.deadline, block.timestamp));
        market.submitResult(late, OUT, sig);

        uint256 before = market.claimable(alice.account, address(usdc)); // her self-jobs' refunds
        vm.warp(uint256(onTime.deadline) + WINDOW + 1);
        vm.prank(stranger);
        market.finalizeJob(onTime);
        _assertStatus(onTimeId, JobStatus.Finalized, "paid");
        uint256 earned = market.claimable(alice.account, address(usdc)) - before;
        assertEq(earned, PAYOUT, "the jailed provider is paid for its work");
    }

    // ================================================================== 3. retired keys
    // OLD (ba0d4ae): equivocation evidence was valid from the current signer, or from the ONE previous
    // signer for `thawingPeriod` after a rotation, for any job. So a stolen key, retired at once, could
    // still slash jobs accepted after the rotation (the thief earning the reporter's half), while the
    // evidence against a job accepted under the old key vanished after a second rotation or once
    // `thawingPeriod` (which governance can lower) had passed; rotations were rate-limited
    // (ProviderSignerRotationTooSoon) and a key could be reused.

    function test_reportEquivocation_retiredKeyCannotSlashJobAcceptedAfterRotation() public {
        address k2 = vm.addr(K2);
        _rotate(alice, k2);
        (JobId id, Job memory job) = _accepted(alice);
        assertEq(market.jobState(id).signerEpoch, 1, "accepted at epoch 1");
        bytes memory genuine = _sign(K2, id, job, OUT, alice.account);
        market.submitResult(job, OUT, genuine);

        // A thief holding the retired key K1 forges two outputs, or one next to the genuine K2 attestation.
        bytes memory forgedA = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory forgedB = _sign(alice.signerKey, id, job, OUT_B, alice.account);
        bytes memory wrongSigner = abi.encodeWithSelector(AttestationWrongSigner.selector, id, alice.signer, k2);
        vm.expectRevert(wrongSigner);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, forgedA, OUT_B, forgedB);
        vm.expectRevert(wrongSigner);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, genuine, OUT_B, forgedB);
        vm.expectRevert(wrongSigner);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT_B, forgedB, OUT, genuine);

        _assertStatus(id, JobStatus.Submitted, "untouched");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
        assertEq(market.claimable(stranger, address(token)), 0, "the thief earns nothing");
    }

    function test_reportEquivocation_acceptEpochKeySlashesAfterRotationsAndThawingChange() public {
        JobRequest memory r = _request(alice.account, PRICE);
        r.deadline = uint40(block.timestamp + 30 days);
        (JobId id, Job memory job) = _createFrom(client, r);
        _accept(alice, job);
        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory sigB = _sign(alice.signerKey, id, job, OUT_B, alice.account);

        _rotate(alice, vm.addr(K2));
        _rotate(alice, vm.addr(K3));
        market.setThawingPeriod(MIN_THAWING);
        vm.warp(block.timestamp + THAWING + 1); // past the old evidence window of the first rotation

        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, COLLATERAL);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);
        assertEq(market.claimable(stranger, address(token)), COLLATERAL * SHARE_BPS / BPS, "reporter's share");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - COLLATERAL * SHARE_BPS / BPS, "treasury");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
    }

    function test_reportEquivocation_laterKeyIsEvidenceForEarlierJob() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory beforeRotation = _sign(alice.signerKey, id, job, OUT, alice.account);
        _rotate(alice, vm.addr(K2));
        bytes memory afterRotation = _sign(K2, id, job, OUT_B, alice.account);

        vm.prank(stranger);
        market.reportEquivocation(job, OUT, beforeRotation, OUT_B, afterRotation);

        _assertStatus(id, JobStatus.Slashed, "both keys serve the job's epoch or later");
    }

    function test_updateProvider_retiredKeyCannotBeReused() public {
        address k2 = vm.addr(K2);
        _rotate(alice, k2);

        vm.expectRevert(abi.encodeWithSelector(ProviderSignerReused.selector, alice.account, alice.signer));
        _rotate(alice, alice.signer);

        _rotate(alice, k2); // the current key: a metadata update, not a rotation
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.signer, k2, "signer");
        assertEq(info.signerEpoch, 1, "no rotation");
        assertEq(market.signerKeyEpoch(alice.account, alice.signer), 1, "K1: epoch 0");
        assertEq(market.signerKeyEpoch(alice.account, k2), 2, "K2: epoch 1");
    }

    function test_updateProvider_rotationsExhaustedAt254() public {
        uint256 firstGas;
        uint256 lastGas;
        for (uint256 i = 1; i <= 254; ++i) {
            address key = vm.addr(10_000 + i);
            vm.prank(alice.account);
            uint256 g = gasleft();
            market.updateProvider(key, "https://provider.example");
            g -= gasleft();
            if (i == 1) firstGas = g;
            if (i == 254) lastGas = g;
        }
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.signerEpoch, 254, "254 rotations");
        assertEq(market.signerKeyEpoch(alice.account, vm.addr(10_254)), 255, "the last key: epoch 254");
        assertLe(lastGas, firstGas, "a rotation costs the same at epoch 254 as at epoch 1");
        assertLe(lastGas, 100_000, "a rotation stays cheap");

        vm.expectRevert(abi.encodeWithSelector(ProviderSignerRotationsExhausted.selector, alice.account, 254));
        _rotate(alice, vm.addr(20_000));

        // At the last epoch the provider still works, and its key is still evidence.
        (JobId id, Job memory job) = _accepted(alice);
        assertEq(market.jobState(id).signerEpoch, 254, "accepted at epoch 254");
        bytes memory sigA = _sign(10_254, id, job, OUT, alice.account);
        bytes memory sigB = _sign(10_254, id, job, OUT_B, alice.account);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);
        _assertStatus(id, JobStatus.Slashed, "evidence at the last epoch");
    }

    // ================================================================== 6. L-1: slash debt
    // OLD (ba0d4ae): an equivocation proven after settlement took only free and thawing stake and
    // forgot the rest. A provider that locked its free stake in its own jobs right after finalizing a
    // job it equivocated on lost 5 tokens instead of 20, then finalized the self-jobs and unstaked
    // everything: there was no slashDebt, no SlashDebtRecorded, and requestUnstake(995) succeeded.

    /// @dev Alice equivocates on the client's job, which the client finalizes; she then locks all but 5
    ///      tokens of her stake in two self-jobs (990 and 5 tokens) and queues 3 of the 5 for unstaking.
    ///      A stranger proves the equivocation: 2 free + 3 thawing are slashed, 15 become slash debt.
    function _equivocateThenHideStake() internal returns (Job memory big, Job memory small) {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory sigB = _sign(alice.signerKey, id, job, OUT_B, alice.account);
        market.submitResult(job, OUT, sigA);
        vm.prank(client);
        market.finalizeJob(job);

        _fundClient(alice.account, 1_000 * USDC);
        (, big) = _selfJob(alice, uint96(99 * USDC), block.timestamp + 1 days); // 990 tokens of collateral
        (, small) = _selfJob(alice, uint96(USDC / 2), block.timestamp + 1 days); // 5 tokens
        _accept(alice, big);
        _accept(alice, small);
        vm.prank(alice.account);
        market.requestUnstake(3 * TOKEN);
        _assertProvider(alice.account, STAKE - 3 * TOKEN, 995 * TOKEN, 3 * TOKEN);

        uint256 taken = 5 * TOKEN;
        uint256 debt = COLLATERAL - taken;
        vm.expectEmit(address(market));
        emit SlashDebtRecorded(alice.account, id, debt);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, taken);
        vm.expectEmit(address(market));
        emit EquivocationProven(id, stranger, OUT, OUT_B, taken);
        vm.prank(stranger);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed after settlement");
        _assertProvider(alice.account, 995 * TOKEN, 995 * TOKEN, 0);
        assertEq(market.provider(alice.account).slashDebt, debt, "the rest is owed");
        uint256 reward = taken * SHARE_BPS / BPS;
        assertEq(market.claimable(stranger, address(token)), reward, "reporter: share of what was taken");
        assertEq(market.treasuryAccrued(address(token)), taken - taken * SHARE_BPS / BPS, "treasury: the rest of it");
        assertEq(market.claimable(client, address(usdc)), 0, "the client was served and paid: no refund");

        vm.expectRevert(AmountZero.selector);
        market.collectSlashDebt(alice.account); // nothing free to pay with yet
    }

    function _settleSelfJob(Job memory job) internal {
        JobId id = _id(job);
        _submit(alice, id, job, OUT);
        vm.prank(alice.account);
        market.finalizeJob(job);
    }

    function test_requestUnstake_paysSlashDebtFirstAndRefusesOwedStake() public {
        (Job memory big, Job memory small) = _equivocateThenHideStake();
        _settleSelfJob(big);
        _settleSelfJob(small);
        uint256 treasuryBefore = market.treasuryAccrued(address(token));
        uint256 reporterBefore = market.claimable(stranger, address(token));
        // 995 free, of which 15 are owed.
        vm.expectRevert(
            abi.encodeWithSelector(StakeInsufficientFree.selector, alice.account, 981 * TOKEN, 980 * TOKEN)
        );
        vm.prank(alice.account);
        market.requestUnstake(981 * TOKEN);

        vm.expectEmit(address(market));
        emit SlashDebtPaid(alice.account, 15 * TOKEN);
        vm.expectEmit(address(market));
        emit UnstakeRequested(alice.account, 980 * TOKEN, block.timestamp + THAWING);
        vm.prank(alice.account);
        market.requestUnstake(980 * TOKEN);

        _assertProvider(alice.account, 0, 0, 980 * TOKEN);
        assertEq(market.provider(alice.account).slashDebt, 0, "debt paid");
        assertEq(market.treasuryAccrued(address(token)) - treasuryBefore, 15 * TOKEN, "debt goes to the treasury");
        assertEq(market.claimable(stranger, address(token)), reporterBefore, "reporter's reward fixed at the report");
        // In all, the provider lost the whole collateral of the job it equivocated on.
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(STAKE - info.staked - info.thawing, COLLATERAL, "lost: the job's whole collateral");
    }

    function test_collectSlashDebt_anyonePaysAsFarAsFreeStakeGoes() public {
        (Job memory big, Job memory small) = _equivocateThenHideStake();
        uint256 treasuryBefore = market.treasuryAccrued(address(token));

        _settleSelfJob(small); // 5 tokens free
        vm.expectEmit(address(market));
        emit SlashDebtPaid(alice.account, 5 * TOKEN);
        vm.prank(stranger);
        assertEq(market.collectSlashDebt(alice.account), 5 * TOKEN, "partial");
        assertEq(market.provider(alice.account).slashDebt, 10 * TOKEN, "10 still owed");

        _settleSelfJob(big);
        vm.prank(client);
        assertEq(market.collectSlashDebt(alice.account), 10 * TOKEN, "the rest");
        vm.expectRevert(AmountZero.selector);
        market.collectSlashDebt(alice.account);

        _assertProvider(alice.account, STAKE - 3 * TOKEN - 2 * TOKEN - 15 * TOKEN, 0, 0);
        assertEq(market.treasuryAccrued(address(token)) - treasuryBefore, 15 * TOKEN, "debt to the treasury");
    }

    // ================================================================== 7. L-3: finalizeJobs
    // OLD (ba0d4ae): finalizeJobs reverted the whole batch with JobWrongStatus(id, Finalized) if any
    // one job had been finalized early by its client (or disputed), so a client could grief a
    // provider's settlement with one cheap call; it returned nothing and emitted no skip event.

    function test_finalizeJobs_skipsJobFinalizedEarlyByClient() public {
        Job[] memory jobs = new Job[](3);
        JobId[3] memory ids;
        for (uint256 i; i < 3; ++i) {
            (ids[i], jobs[i]) = _submitted(alice, OUT);
        }
        vm.prank(client);
        market.finalizeJob(jobs[1]);
        vm.warp(block.timestamp + WINDOW + 1);

        JobId[] memory done = new JobId[](2);
        (done[0], done[1]) = (ids[0], ids[2]);
        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(ids[1], JobStatus.Finalized);
        vm.expectEmit(address(market));
        emit JobsFinalized(done);
        vm.prank(alice.account);
        uint256 finalized = market.finalizeJobs(jobs);

        assertEq(finalized, 2, "two finalized, one skipped");
        assertEq(market.claimable(alice.account, address(usdc)), 3 * PAYOUT, "each job paid once");
        assertEq(market.feesOwed(alice.account, address(usdc)), 3 * FEE, "each fee once");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_finalizeJobs_skipsDisputedAndSlashedJobs() public {
        Job[] memory jobs = new Job[](3);
        JobId[3] memory ids;
        (ids[0], jobs[0]) = _submitted(alice, OUT);
        (ids[1], jobs[1]) = _disputed(alice);
        (ids[2], jobs[2]) = _disputed(alice);
        _rule(jobs[2], Outcome.Upheld);
        vm.warp(block.timestamp + WINDOW + 1);

        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(ids[1], JobStatus.Disputed);
        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(ids[2], JobStatus.Slashed);
        uint256 finalized = market.finalizeJobs(jobs);

        assertEq(finalized, 1, "only the submitted job");
        _assertStatus(ids[0], JobStatus.Finalized, "finalized");
        _assertStatus(ids[1], JobStatus.Disputed, "still disputed");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "paid for one job");
    }

    function test_finalizeJobs_windowBoundaryAndUnknownTerms() public {
        Job[] memory jobs = new Job[](2);
        (, jobs[0]) = _submitted(alice, OUT);
        (JobId id1, Job memory j1) = _submitted(alice, OUT);
        jobs[1] = j1;
        uint256 endsAt = block.timestamp + WINDOW;

        vm.warp(endsAt);
        vm.expectRevert(abi.encodeWithSelector(JobChallengeWindowOpen.selector, _id(jobs[0]), endsAt, endsAt));
        market.finalizeJobs(jobs);

        vm.warp(endsAt + 1);
        uint64 realNonce = jobs[1].nonce;
        jobs[1].nonce = realNonce + 1_000; // terms that match no job
        vm.expectRevert(abi.encodeWithSelector(JobUnknown.selector, _id(jobs[1])));
        market.finalizeJobs(jobs);

        jobs[1].nonce = realNonce;
        assertEq(market.finalizeJobs(jobs), 2, "both after the window");
        _assertStatus(id1, JobStatus.Finalized, "finalized");
    }
}
