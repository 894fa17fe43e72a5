// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId} from "../../../contracts/types/Ids.sol";
import {Vm} from "../utils/Test.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of `acceptAndSubmitBatch` (issue 15, batched submission).
/// @dev Tree (test/contracts/tree/JobLifecycle.tree, "when acceptAndSubmitBatch is called"):
///  when the market is paused                          -> it reverts EnforcedPause
///  when the arrays are empty / too long / unequal     -> it reverts BatchEmpty / BatchTooLarge / BatchLengthMismatch
///  given the provider is unregistered / jailed / below minStake -> it reverts (standing is the batch's)
///  when a job is not Created (cancelled, expired, accepted, submitted, repeated, unknown) -> it skips NotCreated
///  when a job is open or for another provider         -> it skips NotForProvider
///  when now > deadline (now == deadline submits)      -> it skips DeadlinePassed
///  when a signature is malformed or by another key    -> it skips BadSignature
///  when the collateral no longer fits the free stake  -> it skips StakeInsufficient, later jobs that fit submit
///  otherwise                                          -> Submitted as by acceptAndSubmit, one lock write
///  and every skipped job's state, and the provider's stake, are untouched by the skip.
contract BatchSubmitTest is UnitFixture {
    // ------------------------------------------------------------------ helpers

    function _direct(uint256 n) internal returns (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) {
        jobs = new Job[](n);
        outs = new bytes32[](n);
        sigs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            (JobId id, Job memory job) = _create(alice.account, PRICE);
            jobs[i] = job;
            outs[i] = keccak256(abi.encode("out", i));
            sigs[i] = _sign(alice.signerKey, id, job, outs[i], alice.account);
        }
    }

    function _batch(Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) internal returns (uint256) {
        vm.prank(stranger);
        return market.acceptAndSubmitBatch(alice.account, jobs, outs, sigs);
    }

    function _raw(JobId id) internal view returns (bytes32) {
        JobState memory st = market.jobState(id);
        return keccak256(abi.encode(st));
    }

    /// @dev Runs a batch of three whose middle job is skipped, and checks the skip is reported with
    ///      `reason`, leaves that job's state as it was, and submits the other two.
    function _assertMiddleSkipped(Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs, SubmitSkip reason)
        internal
    {
        JobId skipped = _id(jobs[1]);
        bytes32 before = _raw(skipped);
        uint256 lockedBefore = market.provider(alice.account).locked;
        vm.expectEmit(address(market));
        emit ResultSubmitted(_id(jobs[0]), alice.account, outs[0], _r(sigs[0]), _vs(sigs[0]));
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(skipped, reason);
        vm.expectEmit(address(market));
        emit ResultSubmitted(_id(jobs[2]), alice.account, outs[2], _r(sigs[2]), _vs(sigs[2]));
        assertEq(_batch(jobs, outs, sigs), 2, "two submitted");
        assertEq(_raw(skipped), before, "skipped job untouched");
        assertEq(market.provider(alice.account).locked, lockedBefore + 2 * COLLATERAL, "two locks only");
        _assertStatus(_id(jobs[0]), JobStatus.Submitted, "first");
        _assertStatus(_id(jobs[2]), JobStatus.Submitted, "last");
    }

    // ================================================================== happy path

    function test_acceptAndSubmitBatch_submitsEveryJobAsAcceptAndSubmit() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(4);
        vm.recordLogs();
        assertEq(_batch(jobs, outs, sigs), 4, "all submitted");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 4, "one ResultSubmitted a job, nothing else");
        for (uint256 i; i < 4; ++i) {
            JobId id = _id(jobs[i]);
            assertEq(logs[i].topics[0], ResultSubmitted.selector, "event");
            assertEq(logs[i].topics[1], JobId.unwrap(id), "in order");
            assertEq(keccak256(logs[i].data), keccak256(abi.encode(outs[i], _r(sigs[i]), _vs(sigs[i]))), "output and compact signature");
            JobState memory st = market.jobState(id);
            assertEq(uint256(st.status), uint256(JobStatus.Submitted), "status");
            assertEq(st.provider, alice.account, "provider");
            assertEq(st.timestamp, block.timestamp, "window starts now");
            assertEq(st.challengeWindow, WINDOW, "window snapshot kept");
            assertEq(st.protocolFeeBps, 100, "fee snapshot kept");
            assertEq(st.signerEpoch, 0, "epoch");
        }
        _assertProvider(alice.account, STAKE, 4 * COLLATERAL, 0);
    }

    function test_acceptAndSubmitBatch_matchesAcceptAndSubmitState() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(2);
        market.acceptAndSubmit(jobs[0], outs[0], sigs[0]);
        JobState memory single = market.jobState(_id(jobs[0]));
        Job[] memory one = new Job[](1);
        bytes32[] memory oneOut = new bytes32[](1);
        bytes[] memory oneSig = new bytes[](1);
        (one[0], oneOut[0], oneSig[0]) = (jobs[1], outs[1], sigs[1]);
        _batch(one, oneOut, oneSig);
        assertEq(keccak256(abi.encode(market.jobState(_id(jobs[1])))), keccak256(abi.encode(single)), "same word");
    }

    function test_acceptAndSubmitBatch_recordsSignerEpochAfterRotation() public {
        uint256 newKey = uint256(keccak256("alice rotated"));
        vm.prank(alice.account);
        market.updateProvider(vm.addr(newKey), "https://provider.example");
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        Job[] memory jobs = new Job[](2);
        bytes32[] memory outs = new bytes32[](2);
        bytes[] memory sigs = new bytes[](2);
        (JobId id2, Job memory job2) = _create(alice.account, PRICE);
        (jobs[0], outs[0], sigs[0]) = (job, OUT, _sign(newKey, id, job, OUT, alice.account));
        (jobs[1], outs[1], sigs[1]) = (job2, OUT, _sign(alice.signerKey, id2, job2, OUT, alice.account)); // retired key
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(id2, SubmitSkip.BadSignature);
        assertEq(_batch(jobs, outs, sigs), 1, "only the current key counts");
        assertEq(market.jobState(id).signerEpoch, 1, "epoch after one rotation");
    }

    function test_acceptAndSubmitBatch_jobsFinalizeAfterward() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        _batch(jobs, outs, sigs);
        vm.prank(client);
        assertEq(market.finalizeJobs(jobs), 3, "all finalize");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(market.claimable(alice.account, address(usdc)), 3 * PAYOUT, "paid once each");
    }

    // ================================================================== whole-batch reverts

    function test_acceptAndSubmitBatch_revertsWhenPaused() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(2);
        _pause();
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        _batch(jobs, outs, sigs);
    }

    function test_acceptAndSubmitBatch_revertsForEmptyBatch() public {
        vm.expectRevert(abi.encodeWithSelector(BatchEmpty.selector));
        _batch(new Job[](0), new bytes32[](0), new bytes[](0));
    }

    function test_acceptAndSubmitBatch_revertsForBatchTooLarge() public {
        uint256 n = 257; // MAX_BATCH + 1
        vm.expectRevert(abi.encodeWithSelector(BatchTooLarge.selector, n, n - 1));
        _batch(new Job[](n), new bytes32[](n), new bytes[](n));
    }

    function test_acceptAndSubmitBatch_revertsForLengthMismatch() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(2);
        vm.expectRevert(abi.encodeWithSelector(BatchLengthMismatch.selector, 2, 1, 2));
        _batch(jobs, new bytes32[](1), sigs);
        vm.expectRevert(abi.encodeWithSelector(BatchLengthMismatch.selector, 2, 2, 3));
        _batch(jobs, outs, new bytes[](3));
    }

    /// @dev Terms that match no job (here altered terms, as a job whose creation a reorg removed looks to
    ///      the chain) are skipped as `NotCreated`, not fatal: the provider node re-sends its batches after
    ///      a reorg, and one vanished job must not block the rest. The skip writes nothing.
    function test_acceptAndSubmitBatch_skipsUnknownJob() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        jobs[1].nonce += 1000; // altered terms name no job
        JobId unknown = _id(jobs[1]);
        sigs[1] = _sign(alice.signerKey, unknown, jobs[1], outs[1], alice.account); // a valid attestation of them
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.NotCreated);
        _assertStatus(unknown, JobStatus.None, "still no such job");
        assertEq(_raw(unknown), keccak256(abi.encode(JobState(JobStatus.None, address(0), 0, 0, 0, 0))), "slot still empty");
    }

    /// @dev A batch of nothing but unknown jobs submits nothing, locks nothing and does not revert.
    function test_acceptAndSubmitBatch_allUnknownSubmitsNothing() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(2);
        jobs[0].nonce += 1000;
        jobs[1].deadline += 1;
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(_id(jobs[0]), SubmitSkip.NotCreated);
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(_id(jobs[1]), SubmitSkip.NotCreated);
        assertEq(_batch(jobs, outs, sigs), 0, "none submitted");
        _assertProvider(alice.account, STAKE, 0, 0);
        _assertStatus(_id(jobs[0]), JobStatus.None, "unknown");
        _assertStatus(_id(jobs[1]), JobStatus.None, "unknown");
    }

    /// @dev The one-word write sets the bits it owns by masking, so it yields `acceptAndSubmit`'s state
    ///      word exactly, whatever the cached window and fee are (here after a parameter change).
    function test_acceptAndSubmitBatch_writesOnlyItsBits() public {
        (Params memory q,) = market.params();
        q.challengeWindow = 72 hours; // the largest window (0x03F480 in its 24-bit field)
        q.protocolFeeBps = 1_000;
        market.setParams(q);
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(2);
        market.acceptAndSubmit(jobs[0], outs[0], sigs[0]);
        Job[] memory one = new Job[](1);
        bytes32[] memory oneOut = new bytes32[](1);
        bytes[] memory oneSig = new bytes[](1);
        (one[0], oneOut[0], oneSig[0]) = (jobs[1], outs[1], sigs[1]);
        _batch(one, oneOut, oneSig);
        JobState memory st = market.jobState(_id(jobs[1]));
        assertEq(st.challengeWindow, 72 hours, "window kept");
        assertEq(st.protocolFeeBps, 1_000, "fee kept");
        assertEq(keccak256(abi.encode(st)), keccak256(abi.encode(market.jobState(_id(jobs[0])))), "same word");
    }

    function test_acceptAndSubmitBatch_revertsForUnregisteredProvider() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(1);
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        market.acceptAndSubmitBatch(stranger, jobs, outs, sigs);
    }

    function test_acceptAndSubmitBatch_revertsWhenProviderJailed() public {
        uint256 until = _jailByFraud(alice);
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(1);
        vm.expectRevert(abi.encodeWithSelector(ProviderInJail.selector, alice.account, until));
        _batch(jobs, outs, sigs);
        vm.warp(until); // the jail's last second is free again (`jailedUntil <= now`), as in acceptAndSubmit
        jobs = new Job[](0);
        (jobs, outs, sigs) = _direct(1);
        assertEq(_batch(jobs, outs, sigs), 1, "free at jailedUntil");
    }

    function test_acceptAndSubmitBatch_revertsBelowMinStake() public {
        ProviderKey memory low = _provider("low", 50 * TOKEN);
        (JobId id, Job memory job) = _create(low.account, PRICE);
        Job[] memory jobs = new Job[](1);
        bytes32[] memory outs = new bytes32[](1);
        bytes[] memory sigs = new bytes[](1);
        (jobs[0], outs[0], sigs[0]) = (job, OUT, _sign(low.signerKey, id, job, OUT, low.account));
        vm.expectRevert(
            abi.encodeWithSelector(ProviderBelowMinStake.selector, low.account, 50 * TOKEN, uint256(MIN_STAKE))
        );
        market.acceptAndSubmitBatch(low.account, jobs, outs, sigs);
    }

    // ================================================================== skips

    function test_acceptAndSubmitBatch_skipsJobCancelledBeforeBatch() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        vm.prank(client);
        market.cancelJob(jobs[1]); // the client front-runs the batch
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.NotCreated);
        _assertStatus(_id(jobs[1]), JobStatus.Cancelled, "still cancelled");
    }

    function test_acceptAndSubmitBatch_skipsExpiredJob() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(2);
        vm.warp(uint256(jobs[0].deadline) + 1);
        market.expireJob(jobs[0]);
        // jobs[0] expired; jobs[1] (same deadline) is past its deadline but not expired yet.
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(_id(jobs[0]), SubmitSkip.NotCreated);
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(_id(jobs[1]), SubmitSkip.DeadlinePassed);
        assertEq(_batch(jobs, outs, sigs), 0, "none");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_acceptAndSubmitBatch_skipsJobAlreadySubmitted() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        market.acceptAndSubmit(jobs[1], outs[1], sigs[1]);
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.NotCreated);
    }

    function test_acceptAndSubmitBatch_skipsJobAlreadyAccepted() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        vm.prank(alice.account);
        market.acceptJob(jobs[1]);
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.NotCreated);
    }

    function test_acceptAndSubmitBatch_skipsDuplicateJob() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        (jobs[2], outs[2], sigs[2]) = (jobs[0], outs[0], sigs[0]);
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(_id(jobs[0]), SubmitSkip.NotCreated);
        assertEq(_batch(jobs, outs, sigs), 2, "the repeat is skipped");
        _assertProvider(alice.account, STAKE, 2 * COLLATERAL, 0); // locked once
    }

    function test_acceptAndSubmitBatch_skipsOtherProvidersJob() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        (JobId id, Job memory job) = _create(bob.account, PRICE);
        // Even with bob's own valid attestation, alice's batch may not take bob's job.
        (jobs[1], outs[1], sigs[1]) = (job, OUT, _sign(bob.signerKey, id, job, OUT, bob.account));
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.NotForProvider);
        _assertProvider(bob.account, STAKE, 0, 0);
    }

    function test_acceptAndSubmitBatch_skipsOpenJob() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        (JobId id, Job memory job) = _create(address(0), PRICE);
        (jobs[1], outs[1], sigs[1]) = (job, OUT, _sign(alice.signerKey, id, job, OUT, alice.account));
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.NotForProvider);
    }

    function test_acceptAndSubmitBatch_submitsAtExactDeadline() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(1);
        vm.warp(jobs[0].deadline);
        assertEq(_batch(jobs, outs, sigs), 1, "now == deadline is in time");
    }

    function test_acceptAndSubmitBatch_skipsOneSecondAfterDeadline() public {
        Job[] memory jobs = new Job[](3);
        bytes32[] memory outs = new bytes32[](3);
        bytes[] memory sigs = new bytes[](3);
        (JobId early, Job memory a) = _create(alice.account, PRICE);
        vm.warp(block.timestamp + 1);
        (JobId idB, Job memory b) = _create(alice.account, PRICE); // deadline one second after a's
        (JobId idC, Job memory c) = _create(alice.account, PRICE);
        (jobs[0], outs[0], sigs[0]) = (b, OUT, _sign(alice.signerKey, idB, b, OUT, alice.account));
        (jobs[1], outs[1], sigs[1]) = (a, OUT, _sign(alice.signerKey, early, a, OUT, alice.account));
        (jobs[2], outs[2], sigs[2]) = (c, OUT_B, _sign(alice.signerKey, idC, c, OUT_B, alice.account));
        vm.warp(b.deadline); // b's and c's last second, one second after a's
        assertEq(uint256(a.deadline) + 1, block.timestamp, "a is one second late");
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.DeadlinePassed);
    }

    function test_acceptAndSubmitBatch_skipsMalformedSignature() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        sigs[1][64] = bytes1(uint8(0)); // v = 0
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.BadSignature);
    }

    function test_acceptAndSubmitBatch_skipsShortSignature() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        sigs[1] = hex"1234";
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.BadSignature);
    }

    function test_acceptAndSubmitBatch_skipsHighSSignature() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        (bytes32 r, bytes32 s, uint8 v) = _split(sigs[1]);
        sigs[1] = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.BadSignature);
    }

    function test_acceptAndSubmitBatch_skipsWrongSigner() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        sigs[1] = _sign(bob.signerKey, _id(jobs[1]), jobs[1], outs[1], alice.account);
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.BadSignature);
    }

    function test_acceptAndSubmitBatch_skipsSignatureOfOtherOutput() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        outs[1] = OUT_B; // the signature attests another output
        _assertMiddleSkipped(jobs, outs, sigs, SubmitSkip.BadSignature);
    }

    function test_acceptAndSubmitBatch_skipsWhatNoLongerFitsAndTakesLaterJobsThatDo() public {
        // 110 tokens staked: room for five 20-token collaterals, then a 120-token one does not fit,
        // then a 2-token one still does (skip, not revert, and not stop).
        ProviderKey memory mid = _provider("mid", 110 * TOKEN);
        Job[] memory jobs = new Job[](7);
        bytes32[] memory outs = new bytes32[](7);
        bytes[] memory sigs = new bytes[](7);
        uint96[7] memory prices = [PRICE, PRICE, PRICE, PRICE, PRICE, uint96(12 * USDC), uint96(USDC / 5)];
        for (uint256 i; i < 7; ++i) {
            (JobId id, Job memory job) = _create(mid.account, prices[i]);
            (jobs[i], outs[i], sigs[i]) = (job, OUT, _sign(mid.signerKey, id, job, OUT, mid.account));
        }
        JobId big = _id(jobs[5]);
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(big, SubmitSkip.StakeInsufficient);
        assertEq(market.acceptAndSubmitBatch(mid.account, jobs, outs, sigs), 6, "six fit");
        _assertStatus(big, JobStatus.Created, "untouched");
        _assertStatus(_id(jobs[6]), JobStatus.Submitted, "the small one after it fit");
        _assertProvider(mid.account, 110 * TOKEN, 5 * COLLATERAL + 2 * TOKEN, 0);
    }

    function test_acceptAndSubmitBatch_locksExactlyTheFreeStake() public {
        ProviderKey memory mid = _provider("mid", 100 * TOKEN); // exactly 5 collaterals, and minStake
        Job[] memory jobs = new Job[](6);
        bytes32[] memory outs = new bytes32[](6);
        bytes[] memory sigs = new bytes[](6);
        for (uint256 i; i < 6; ++i) {
            (JobId id, Job memory job) = _create(mid.account, PRICE);
            (jobs[i], outs[i], sigs[i]) = (job, OUT, _sign(mid.signerKey, id, job, OUT, mid.account));
        }
        vm.expectEmit(address(market));
        emit JobSubmitSkipped(_id(jobs[5]), SubmitSkip.StakeInsufficient);
        assertEq(market.acceptAndSubmitBatch(mid.account, jobs, outs, sigs), 5, "free == collateral fits");
        _assertProvider(mid.account, 100 * TOKEN, 100 * TOKEN, 0);
    }

    function test_acceptAndSubmitBatch_allSkippedChangesNothing() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(2);
        outs[0] = OUT_B;
        outs[1] = OUT_B;
        bytes32 a = _raw(_id(jobs[0]));
        assertEq(_batch(jobs, outs, sigs), 0, "none");
        assertEq(_raw(_id(jobs[0])), a, "untouched");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_acceptAndSubmitBatch_stakeBatchAfterSingleLocksAddUp() public {
        (Job[] memory jobs, bytes32[] memory outs, bytes[] memory sigs) = _direct(3);
        market.acceptAndSubmit(jobs[0], outs[0], sigs[0]); // the lock before the batch is kept
        assertEq(_batch(jobs, outs, sigs), 2, "two");
        _assertProvider(alice.account, STAKE, 3 * COLLATERAL, 0);
    }
}
