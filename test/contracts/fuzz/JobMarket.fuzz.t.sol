// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    IJobMarketCore,
    IJobMarketDisputes,
    IJobMarketErrors,
    IJobMarketExtension
} from "../../../contracts/interfaces/IJobMarket.sol";
import {JobLib} from "../../../contracts/libraries/JobLib.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {Fixture} from "../utils/Fixture.sol";

/// @notice Property fuzz tests of the job market's math and state machine (DESIGN.md invariants
///         2, 3, 4, 7, 8 on single jobs; the invariant suite covers their interleavings), under the
///         rules of 365ec64: shared liveness slashes, arbitration fees paid to the verifier module,
///         timed-out disputes refunding the client, and signer-key epochs.
contract JobMarketFuzzTest is Fixture {
    ProviderKey internal alice;
    address internal keeper = makeAddr("keeper");
    address internal reporter = makeAddr("reporter");

    uint256 internal constant INITIAL_STAKE = 500_000_000 * TOKEN;

    function setUp() public override {
        super.setUp();
        alice = _provider("alice", INITIAL_STAKE);
        // Room for any in-bounds parameters (window + resolution + 48 h <= 19 d).
        market.setThawingPeriod(28 days);
    }

    // ================================================================== helpers

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

    /// @dev In-bounds parameters from three seeds.
    function _validParams(uint256 a, uint256 b, uint256 c) internal pure returns (Params memory n) {
        n.challengeWindow = uint32(bound(a, 1 hours, 72 hours));
        n.disputeResolutionPeriod = uint32(bound(a >> 32, 1 days, 14 days));
        n.collateralRatioBps = uint32(bound(b, 10_000, 1_000_000));
        n.protocolFeeBps = uint16(bound(b >> 32, 0, 1_000));
        n.challengerShareBps = uint16(bound(b >> 64, 0, 5_000));
        n.livenessSlashBps = uint32(bound(b >> 96, 0, n.collateralRatioBps));
        n.bondRatioBps = uint32(bound(c, 10_000, 1_000_000));
        n.disputeFeeBps = uint16(bound(c >> 32, 0, 5_000));
        n.verificationFeeBps = uint16(bound(c >> 48, 0, 1_000));
    }

    /// @dev DESIGN.md's bounds, written independently of the implementation.
    function _inBounds(Params memory n) internal pure returns (bool) {
        return n.challengeWindow >= 1 hours && n.challengeWindow <= 72 hours && n.disputeResolutionPeriod >= 1 days
            && n.disputeResolutionPeriod <= 14 days && n.collateralRatioBps >= 10_000
            && n.collateralRatioBps <= 1_000_000 && n.protocolFeeBps <= 1_000 && n.challengerShareBps <= 5_000
            && n.livenessSlashBps <= n.collateralRatioBps && n.bondRatioBps >= 10_000 && n.bondRatioBps <= 1_000_000
            && n.disputeFeeBps <= 5_000 && n.verificationFeeBps <= 1_000;
    }

    function _assertParamsEq(Params memory a, Params memory b, string memory message) internal pure {
        assertEq(keccak256(abi.encode(a)), keccak256(abi.encode(b)), message);
    }

    function _assertThawingMargin() internal view {
        (Params memory p,) = market.params();
        (,, uint32 thawing,,) = market.settings();
        assertTrue(_inBounds(p), "current parameters out of bounds");
        assertGe(thawing, uint256(p.challengeWindow) + p.disputeResolutionPeriod + 48 hours, "thawing < window + resolution + 48h");
        assertLe(thawing, 28 days, "thawing above 28 days");
    }

    function _submitFor(Job memory job, JobId id, bytes32 out) internal {
        market.submitResult(job, out, _sign(alice.signerKey, id, job, out, alice.account));
    }

    // ================================================================== fee and payout (invariant 2)

    function testFuzz_bpsOf_feeAndPayoutSumToPrice(uint96 price, uint16 feeBps) public pure {
        feeBps = uint16(bound(feeBps, 0, 1_000));
        uint256 fee = JobLib.bpsOf(price, feeBps);
        uint256 payout = uint256(price) - fee;
        assertEq(payout + fee, price, "payout + fee != price");
        assertLe(fee * 10, price, "fee above 10%");
        assertLe(fee * 10_000, uint256(price) * feeBps, "fee rounds up");
        assertTrue((fee + 1) * 10_000 > uint256(price) * feeBps, "fee rounds down by more than one unit");
    }

    function testFuzz_finalizeJob_payoutPlusFeeEqualsPrice(uint96 price, uint16 feeBps, bool early) public {
        price = uint96(bound(price, 1, 1_000_000 * USDC));
        feeBps = uint16(bound(feeBps, 0, 1_000));
        Params memory p = _defaults();
        p.protocolFeeBps = feeBps;
        market.setParams(p);
        (JobId id, Job memory job) = _create(alice.account, price);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submitFor(job, id, keccak256("out"));
        if (early) {
            vm.prank(client); // the client may finalize at once
        } else {
            vm.warp(block.timestamp + p.challengeWindow + 1);
            vm.prank(keeper);
        }
        market.finalizeJob(job);

        uint256 fee = uint256(price) * feeBps / 10_000;
        assertEq(market.claimable(alice.account, address(usdc)), price - fee, "payout");
        assertEq(market.feesOwed(alice.account, address(usdc)), fee, "fee owed");
        assertEq(market.claimable(client, address(usdc)), 0, "no refund");
        assertEq(market.provider(alice.account).locked, 0, "collateral unlocked");
        assertEq(usdc.balanceOf(address(market)), price, "escrow held until claimed");

        // Claiming moves the fee to the treasury; after the sweep and the treasury's claim nothing is left.
        vm.prank(alice.account);
        market.claim(address(usdc), alice.account);
        assertEq(market.treasuryAccrued(address(usdc)), fee, "fee forwarded");
        if (fee != 0) {
            market.sweepToTreasury(address(usdc));
            vm.prank(treasury);
            market.claim(address(usdc), treasury);
        }
        assertEq(usdc.balanceOf(address(market)), 0, "market empty");
        assertEq(usdc.balanceOf(alice.account) + usdc.balanceOf(treasury), price, "payout + fee == price");
    }

    /// @notice A batch credits each provider exactly what single finalizations would, whatever
    ///         the order of providers and tokens in it.
    function testFuzz_finalizeJobs_batchEqualsSingles(uint256 seed, uint8 n) public {
        n = uint8(bound(n, 1, 8));
        ProviderKey memory bob = _provider("bob", 10_000_000 * TOKEN);
        MockERC20 dai = new MockERC20("Dai", "DAI", 18);
        market.configurePaymentToken(address(dai), true, uint96(1e18), 1e18);
        dai.mint(client, 1_000_000e18);
        vm.prank(client);
        dai.approve(address(market), type(uint256).max);

        Job[] memory batch = new Job[](n);
        uint256[2][2] memory payout; // [provider][token]
        uint256[2][2] memory fees;
        for (uint256 i; i < n; ++i) {
            uint256 h = uint256(keccak256(abi.encode(seed, i)));
            ProviderKey memory p = h % 2 == 0 ? alice : bob;
            bool inDai = (h >> 8) % 2 == 1;
            JobRequest memory r = _request(p.account, uint96(bound(h >> 16, 1, inDai ? 1_000e18 : 1_000 * USDC)));
            if (inDai) r.token = address(dai);
            vm.prank(client);
            (JobId id, Job memory job) = market.createJob(r, "");
            market.acceptAndSubmit(job, keccak256("out"), _sign(p.signerKey, id, job, keccak256("out"), p.account));
            batch[i] = job;
            uint256 fee = uint256(job.price) / 100;
            payout[h % 2][inDai ? 1 : 0] += job.price - fee;
            fees[h % 2][inDai ? 1 : 0] += fee;
        }
        vm.warp(block.timestamp + 4 hours + 1);
        vm.prank(keeper);
        market.finalizeJobs(batch);

        address[2] memory who = [alice.account, bob.account];
        address[2] memory tok = [address(usdc), address(dai)];
        for (uint256 a; a < 2; ++a) {
            for (uint256 t; t < 2; ++t) {
                assertEq(market.claimable(who[a], tok[t]), payout[a][t], "batch payout");
            }
            assertEq(market.provider(who[a]).locked, 0, "batch unlocked");
        }
        // Fees owed ride in a 64-bit field; a fee that would overflow it (DAI prices here reach 1,000e18)
        // goes to the treasury's accrual at once, at the batch's run or the single job's write alike, so
        // only the sum is the same.
        for (uint256 t; t < 2; ++t) {
            assertEq(
                market.feesOwed(who[0], tok[t]) + market.feesOwed(who[1], tok[t]) + market.treasuryAccrued(tok[t]),
                fees[0][t] + fees[1][t],
                "batch fee"
            );
        }
        // A job already paid cannot be paid again: the same batch again skips every job.
        vm.prank(keeper);
        assertEq(market.finalizeJobs(batch), 0, "nothing finalized twice");
        for (uint256 a; a < 2; ++a) {
            for (uint256 t; t < 2; ++t) {
                assertEq(market.claimable(who[a], tok[t]), payout[a][t], "paid once");
            }
        }
    }

    // ================================================================== batched submission (issue 15)

    /// @dev One provider's batch of up to 12 jobs, mixing another provider's job, a cancelled job, a
    ///      bad signature, a repeat and terms that match no job, against a stake that may not fit them all. The batch must leave
    ///      exactly the state that submitting the same jobs one by one with `acceptAndSubmit` leaves,
    ///      a job whose single call reverts counting as skipped: each job is submitted at most once,
    ///      and a skipped job is untouched.
    function testFuzz_acceptAndSubmitBatch_equalsSinglesInOrder(uint256 seed, uint8 n, uint256 stakeAmount) public {
        n = uint8(bound(n, 1, 12));
        ProviderKey memory mid = _provider("mid", bound(stakeAmount, 100 * TOKEN, 400 * TOKEN));
        ProviderKey memory bob = _provider("bob", 1_000 * TOKEN);
        Job[] memory jobs = new Job[](n);
        bytes32[] memory outs = new bytes32[](n);
        bytes[] memory sigs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            uint256 h = uint256(keccak256(abi.encode(seed, i)));
            uint256 kind = h % 8;
            if (kind == 3 && i != 0) {
                uint256 m = (h >> 8) % i;
                (jobs[i], outs[i], sigs[i]) = (jobs[m], outs[m], sigs[m]);
                continue;
            }
            ProviderKey memory p = kind == 0 ? bob : mid;
            // Collateral from 1 to 50 tokens (10x the price, 1 USDC ~ 1 token).
            (JobId id, Job memory job) = _create(p.account, uint96(bound(h >> 16, USDC / 10, 5 * USDC)));
            bytes32 out = keccak256(abi.encode("out", h));
            jobs[i] = job;
            outs[i] = out;
            sigs[i] = _sign(p.signerKey, id, job, kind == 2 ? keccak256("other") : out, p.account);
            if (kind == 1) {
                vm.prank(client);
                market.cancelJob(job);
            } else if (kind == 4) {
                // Terms that match no job (a creation a reorg removed), validly attested.
                jobs[i].nonce += uint64(1) << 40;
                sigs[i] = _sign(p.signerKey, JobLib.idMem(jobs[i]), jobs[i], out, p.account);
            }
        }
        if (seed % 5 == 0) vm.warp(jobs[0].deadline + (seed >> 8) % 2); // at, or one second past, the deadlines

        uint256 snap = vm.snapshotState();
        vm.prank(keeper);
        uint256 submitted = market.acceptAndSubmitBatch(mid.account, jobs, outs, sigs);
        bytes32[] memory states = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            states[i] = keccak256(abi.encode(market.jobState(JobLib.idMem(jobs[i]))));
        }
        ProviderInfo memory afterBatch = market.provider(mid.account);
        assertEq(market.provider(bob.account).locked, 0, "another provider's job is never taken");

        vm.revertToState(snap);
        uint256 singles;
        for (uint256 i; i < n; ++i) {
            if (jobs[i].provider != mid.account) continue; // the batch's provider only
            try market.acceptAndSubmit(jobs[i], outs[i], sigs[i]) {
                ++singles;
            } catch {}
        }
        assertEq(submitted, singles, "same number submitted");
        for (uint256 i; i < n; ++i) {
            assertEq(keccak256(abi.encode(market.jobState(JobLib.idMem(jobs[i])))), states[i], "same job state");
        }
        ProviderInfo memory afterSingles = market.provider(mid.account);
        assertEq(afterBatch.locked, afterSingles.locked, "same lock");
        assertEq(afterBatch.staked, afterSingles.staked, "same stake");
        assertLe(afterBatch.locked, afterBatch.staked, "never locks more than the stake");
    }

    /// @dev Each job settles once, however batches repeat it: a batch of the provider's jobs mixed with
    ///      repeats, cancelled jobs and unknown terms, sent twice, then finalized twice. The second batch
    ///      submits nothing and changes nothing; each submitted job pays `price − fee` exactly once; each
    ///      cancelled job refunds exactly once; unknown terms never come into being; the lock returns to zero.
    function testFuzz_acceptAndSubmitBatch_eachJobSettlesOnce(uint256 seed, uint8 n) public {
        n = uint8(bound(n, 1, 10));
        Job[] memory jobs = new Job[](n);
        bytes32[] memory outs = new bytes32[](n);
        bytes[] memory sigs = new bytes[](n);
        uint256 refunds;
        for (uint256 i; i < n; ++i) {
            uint256 h = uint256(keccak256(abi.encode(seed, i, "once")));
            uint256 kind = h % 5;
            if (kind == 0 && i != 0) {
                uint256 m = (h >> 8) % i;
                (jobs[i], outs[i], sigs[i]) = (jobs[m], outs[m], sigs[m]); // a repeat
                continue;
            }
            (JobId id, Job memory job) = _create(alice.account, uint96(bound(h >> 16, 1, 5 * USDC)));
            bytes32 out = keccak256(abi.encode("out", h));
            if (kind == 1) {
                vm.prank(client);
                market.cancelJob(job);
                refunds += job.price;
            } else if (kind == 2) {
                job.nonce += uint64(1) << 40; // unknown terms
                id = JobLib.idMem(job);
            }
            (jobs[i], outs[i], sigs[i]) = (job, out, _sign(alice.signerKey, id, job, out, alice.account));
        }
        vm.prank(keeper);
        uint256 submitted = market.acceptAndSubmitBatch(alice.account, jobs, outs, sigs);

        // Which entries are live, unique, submitted jobs, and what they are owed.
        Job[] memory known = new Job[](n);
        uint256 k;
        uint256 owed;
        uint256 count;
        for (uint256 i; i < n; ++i) {
            JobState memory st = market.jobState(JobLib.idMem(jobs[i]));
            if (st.status == JobStatus.None) continue; // unknown: still nothing
            bool seen;
            for (uint256 m; m < k; ++m) {
                if (keccak256(abi.encode(known[m])) == keccak256(abi.encode(jobs[i]))) seen = true;
            }
            if (seen) continue;
            known[k++] = jobs[i];
            if (st.status == JobStatus.Submitted) {
                ++count;
                owed += jobs[i].price - JobLib.bpsOf(jobs[i].price, st.protocolFeeBps);
            }
        }
        assertEq(submitted, count, "each live job submitted once");

        bytes32[] memory states = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            states[i] = keccak256(abi.encode(market.jobState(JobLib.idMem(jobs[i]))));
        }
        uint256 lockedAfterFirst = market.provider(alice.account).locked;
        vm.prank(keeper);
        assertEq(market.acceptAndSubmitBatch(alice.account, jobs, outs, sigs), 0, "the same batch again submits nothing");
        for (uint256 i; i < n; ++i) {
            assertEq(keccak256(abi.encode(market.jobState(JobLib.idMem(jobs[i])))), states[i], "a skipped job is untouched");
        }
        assertEq(market.provider(alice.account).locked, lockedAfterFirst, "nothing locked twice");

        assembly ("memory-safe") {
            mstore(known, k)
        }
        if (k != 0) {
            vm.prank(client);
            assertEq(market.finalizeJobs(known), count, "every submitted job finalized");
            vm.prank(client);
            assertEq(market.finalizeJobs(known), 0, "none finalized twice");
        }
        assertEq(market.claimable(alice.account, address(usdc)), owed, "each paid exactly once");
        assertEq(market.claimable(client, address(usdc)), refunds, "each cancelled job refunded exactly once");
        assertEq(market.provider(alice.account).locked, 0, "every lock released");
        assertEq(market.provider(alice.account).staked, INITIAL_STAKE, "no stake lost");
    }

    // ================================================================== collateral and bond math

    function testFuzz_createJob_collateralIsPriceTimesRatioTimesRate(uint96 price, uint32 ratioBps, uint128 stakeRate)
        public
    {
        price = uint96(bound(price, 1, type(uint96).max));
        ratioBps = uint32(bound(ratioBps, 10_000, 1_000_000));
        stakeRate = uint128(bound(stakeRate, 1, 1e36)); // MAX_STAKE_RATE
        Params memory p = _defaults();
        p.collateralRatioBps = ratioBps;
        p.livenessSlashBps = 10_000;
        market.setParams(p);
        MockERC20 t = new MockERC20("T", "T", 18);
        market.configurePaymentToken(address(t), true, 0, stakeRate);
        t.mint(client, price);
        vm.prank(client);
        t.approve(address(market), type(uint256).max);
        JobRequest memory r = _request(alice.account, price);
        r.token = address(t);

        uint256 exact = uint256(price) * ratioBps * stakeRate; // < 2^96 · 2^20 · 2^120: no overflow
        uint256 collateral = exact / 1e22;
        if (collateral == 0) {
            vm.expectRevert(IJobMarketErrors.AmountZero.selector);
        } else if (collateral > type(uint96).max) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarketErrors.AmountTooLarge.selector, collateral, type(uint96).max));
        }
        vm.prank(client);
        (, Job memory job) = market.createJob(r, "");
        if (collateral == 0 || collateral > type(uint96).max) return;
        assertEq(job.collateral, collateral, "collateral = price x ratio x rate, rounded down");
        assertLe(uint256(job.collateral) * 1e22, exact, "collateral rounds up");
        assertTrue((uint256(job.collateral) + 1) * 1e22 > exact, "collateral rounds down by more than one unit");
    }

    function testFuzz_configurePaymentToken_stakeRateWithinCap(uint128 stakeRate) public {
        MockERC20 t = new MockERC20("T", "T", 18);
        if (stakeRate == 0) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarketErrors.TokenStakeRateZero.selector, address(t)));
        } else if (stakeRate > 1e36) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarketErrors.ParamOutOfBounds.selector, "stakeRate", stakeRate, 0, 1e36));
        }
        market.configurePaymentToken(address(t), true, 0, stakeRate);
        if (stakeRate != 0 && stakeRate <= 1e36) assertEq(market.paymentToken(address(t)).stakeRate, stakeRate, "rate stored");
    }

    function testFuzz_openDispute_bondIsMaxOfRatioAndFloor(uint96 price, uint32 bondRatioBps, uint96 floor) public {
        price = uint96(bound(price, 1, 10_000 * USDC));
        bondRatioBps = uint32(bound(bondRatioBps, 10_000, 1_000_000));
        floor = uint96(bound(floor, 0, 1_000_000 * USDC));
        Params memory p = _defaults();
        p.bondRatioBps = bondRatioBps;
        market.setParams(p);
        market.configurePaymentToken(address(usdc), true, floor, STAKE_RATE);
        (JobId id, Job memory job) = _create(alice.account, price);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submitFor(job, id, keccak256("out"));

        uint256 byRatio = uint256(price) * bondRatioBps / 10_000;
        uint256 expected = byRatio > floor ? byRatio : floor;
        uint256 before = usdc.balanceOf(challenger);
        vm.prank(challenger);
        uint256 bond = market.openDispute(job, "");
        assertEq(bond, expected, "bond = max(price x ratio, floor)");
        assertGe(bond, floor, "bond below floor");
        assertGe(bond, byRatio, "bond below ratio x price");
        assertEq(before - usdc.balanceOf(challenger), bond, "challenger paid the bond");
        assertEq(market.dispute(id).bond, bond, "bond recorded");
        assertEq(usdc.balanceOf(address(market)), uint256(price) + bond, "escrow + bond held");
    }

    // ================================================================== slashes (invariants 3, 4)

    /// @notice The liveness slash never exceeds the collateral, and it is shared like a dispute's: the
    ///         client gets challengerShareBps of it (at most half), the treasury the rest, so a miss
    ///         never pays whoever induced it (or a provider acting as its own client) in full.
    function testFuzz_expireJob_livenessSlashAtMostCollateral(
        uint96 price,
        uint32 ratioBps,
        uint32 livenessBps,
        uint16 shareBps
    ) public {
        price = uint96(bound(price, 1, 10_000 * USDC));
        ratioBps = uint32(bound(ratioBps, 10_000, 1_000_000));
        livenessBps = uint32(bound(livenessBps, 0, ratioBps));
        shareBps = uint16(bound(shareBps, 0, 5_000));
        Params memory p = _defaults();
        p.collateralRatioBps = ratioBps;
        p.livenessSlashBps = livenessBps;
        p.challengerShareBps = shareBps;
        market.setParams(p);
        (, Job memory job) = _create(alice.account, price);
        vm.prank(alice.account);
        market.acceptJob(job);
        vm.warp(uint256(job.deadline) + 1);
        uint256 before = market.provider(alice.account).staked;
        vm.prank(keeper);
        market.expireJob(job);

        uint256 slashed = before - market.provider(alice.account).staked;
        assertLe(slashed, job.collateral, "liveness slash above collateral");
        assertEq(slashed, uint256(job.collateral) * livenessBps / ratioBps, "liveness slash = collateral x liveness / ratio");
        uint256 toClient = market.claimable(client, address(token));
        assertEq(toClient, slashed * shareBps / 10_000, "client: challengerShare of the slash");
        assertLe(toClient * 2, slashed, "client got more than half");
        assertEq(toClient + market.treasuryAccrued(address(token)), slashed, "client + treasury != slashed");
        assertEq(market.claimable(client, address(usdc)), price, "client refunded in full");
        assertEq(market.provider(alice.account).locked, 0, "collateral unlocked");
    }

    function testFuzz_resolveDispute_upheldSplitsSlash(uint96 price, uint16 shareBps, uint16 feeBps) public {
        price = uint96(bound(price, 1, 10_000 * USDC));
        shareBps = uint16(bound(shareBps, 0, 5_000));
        feeBps = uint16(bound(feeBps, 0, 5_000));
        Params memory p = _defaults();
        p.challengerShareBps = shareBps;
        p.disputeFeeBps = feeBps;
        market.setParams(p);
        (JobId id, Job memory job) = _create(alice.account, price);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submitFor(job, id, keccak256("out"));
        vm.prank(challenger);
        uint256 bond = market.openDispute(job, "");
        uint256 stakeBefore = market.provider(alice.account).staked;
        vm.prank(arbitrator);
        verifier.rule(job, Outcome.Upheld, 0, "");

        uint256 slashed = stakeBefore - market.provider(alice.account).staked;
        uint256 reward = market.claimable(challenger, address(token));
        uint256 fee = market.claimable(address(verifier), address(token));
        uint256 toTreasury = market.treasuryAccrued(address(token));
        assertEq(slashed, job.collateral, "fraud slashes the whole collateral");
        assertEq(reward + fee + toTreasury, slashed, "reward + module fee + treasury != slashed");
        assertEq(reward, slashed * shareBps / 10_000, "reward = share of slash");
        // The fee a failed challenge would have paid (disputeFeeBps of the bond), in stake at the job's
        // rate, capped by what the reward leaves of the slash.
        uint256 expectedFee = (bond * feeBps / 10_000) * job.collateral * 10_000 / (uint256(price) * p.collateralRatioBps);
        if (expectedFee > slashed - reward) expectedFee = slashed - reward;
        assertEq(fee, expectedFee, "module fee = disputeFee of the bond, in stake at the job's rate");
        assertLe(reward * 2, slashed, "reward above 50%");
        assertEq(market.claimable(challenger, address(usdc)), bond, "bond returned");
        assertEq(market.claimable(address(verifier), address(usdc)), 0, "no fee from the winner's bond");
        assertEq(market.claimable(client, address(usdc)), price, "client refunded");
    }

    /// @notice A failed challenge is never free and never creates value: each bond pays the module
    ///         disputeFeeBps of itself, and the rest goes to the provider (Rejected) or back (Draw).
    function testFuzz_resolveDispute_failedChallengePaysModuleFromBond(uint96 price, uint16 feeBps, bool draw)
        public
    {
        price = uint96(bound(price, 1, 10_000 * USDC));
        feeBps = uint16(bound(feeBps, 0, 5_000));
        Params memory p = _defaults();
        p.disputeFeeBps = feeBps;
        market.setParams(p);
        (JobId id, Job memory job) = _create(alice.account, price);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submitFor(job, id, keccak256("out"));
        vm.prank(challenger);
        uint256 bond = market.openDispute(job, "");
        vm.prank(arbitrator);
        verifier.rule(job, draw ? Outcome.Draw : Outcome.Rejected, 0, "");

        uint256 fee = market.claimable(address(verifier), address(usdc));
        uint256 back = market.claimable(challenger, address(usdc));
        uint256 toProvider = market.claimable(alice.account, address(usdc)) - (price - uint256(price) / 100);
        assertEq(fee, bond * feeBps / 10_000, "module fee = disputeFee of the bond");
        assertEq(fee + back + toProvider, bond, "bond unaccounted");
        if (draw) assertEq(toProvider, 0, "a draw paid the provider");
        else assertEq(back, 0, "a rejection returned the bond");
        assertEq(uint256(_status(id)), uint256(JobStatus.Finalized), "the result stands and is paid");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "nothing of the bond to the treasury");
        assertEq(usdc.balanceOf(address(market)), uint256(price) + bond, "held == escrow + bond");
    }

    // ================================================================== one job, any sequence (invariant 2)

    struct Life {
        JobId id;
        Job job;
        uint256 bond;
        uint256 bondToProvider;
        uint256 bondFee; // paid to the verifier module by a failed challenge
        bool wasFinalized;
        uint256 terminalEntries;
    }

    /// @notice Any sequence of calls on one job leaves it in exactly one terminal state once driven
    ///         to the end; states only move forward; the escrow pays out exactly once and every
    ///         token unit is accounted for.
    function testFuzz_jobLifecycle_endsInExactlyOneTerminalState(uint256 seed, uint96 price) public {
        price = uint96(bound(price, 1, 10_000 * USDC));
        Life memory l;
        (l.id, l.job) = _create(seed % 4 == 0 ? address(0) : alice.account, price);
        JobStatus last = JobStatus.Created;
        for (uint256 i; i < 12; ++i) {
            uint256 h = uint256(keccak256(abi.encode(seed, i)));
            _randomStep(l, h);
            JobStatus now_ = _status(l.id);
            _assertForward(last, now_);
            if (!_terminal(last) && _terminal(now_)) ++l.terminalEntries;
            if (now_ == JobStatus.Finalized) l.wasFinalized = true;
            last = now_;
        }
        // Drive to the end: past every deadline, window and resolution period.
        vm.warp(block.timestamp + 31 days);
        JobStatus st = _status(l.id);
        if (st == JobStatus.Created || st == JobStatus.Accepted) market.expireJob(l.job);
        else if (st == JobStatus.Submitted) market.finalizeJob(l.job);
        else if (st == JobStatus.Disputed) market.cancelDispute(l.job);
        JobStatus end = _status(l.id);
        _assertForward(last, end);
        if (!_terminal(last) && _terminal(end)) ++l.terminalEntries;
        if (end == JobStatus.Finalized) l.wasFinalized = true;

        assertTrue(_terminal(end), "not terminal after driving to the end");
        assertEq(l.terminalEntries, 1, "entered a terminal state other than once");
        _assertMoneyAccounted(l);
    }

    function _randomStep(Life memory l, uint256 h) internal {
        uint256 op = h % 13;
        bytes32 out = keccak256(abi.encode("out", h >> 8));
        bytes memory sig = _sign(alice.signerKey, l.id, l.job, out, alice.account);
        if (op == 0) {
            _try(alice.account, address(market), abi.encodeCall(IJobMarketCore.acceptJob, (l.job)));
        } else if (op == 1) {
            _try(keeper, address(market), abi.encodeCall(IJobMarketCore.submitResult, (l.job, out, sig)));
        } else if (op == 2) {
            _try(keeper, address(market), abi.encodeCall(IJobMarketCore.acceptAndSubmit, (l.job, out, sig)));
        } else if (op == 3) {
            _try(client, address(market), abi.encodeCall(IJobMarketCore.finalizeJob, (l.job)));
        } else if (op == 4) {
            _try(keeper, address(market), abi.encodeCall(IJobMarketCore.finalizeJob, (l.job)));
        } else if (op == 5) {
            _try(keeper, address(market), abi.encodeCall(IJobMarketExtension.expireJob, (l.job)));
        } else if (op == 6) {
            _try(client, address(market), abi.encodeCall(IJobMarketExtension.cancelJob, (l.job)));
        } else if (op == 7) {
            (bool ok, bytes memory ret) =
                _try(challenger, address(market), abi.encodeCall(IJobMarketDisputes.openDispute, (l.job, "")));
            if (ok) l.bond = abi.decode(ret, (uint256));
        } else if (op == 8) {
            Outcome outcome = Outcome((h >> 8) % 3);
            (bool ok,) =
                _try(arbitrator, address(verifier), abi.encodeCall(ArbitratedVerifier.rule, (l.job, outcome, 0, "")));
            if (ok && outcome != Outcome.Upheld) l.bondFee = l.bond * 3 / 10; // disputeFeeBps = 30 %
            if (ok && outcome == Outcome.Rejected) l.bondToProvider = l.bond - l.bondFee;
        } else if (op == 9) {
            _try(keeper, address(market), abi.encodeCall(IJobMarketDisputes.cancelDispute, (l.job)));
        } else if (op == 10) {
            bytes32 other = keccak256(abi.encode("other", h));
            bytes memory sigB = _sign(alice.signerKey, l.id, l.job, other, alice.account);
            _try(reporter, address(market), abi.encodeCall(IJobMarketDisputes.reportEquivocation, (l.job, out, sig, other, sigB)));
        } else {
            vm.warp(block.timestamp + bound(h >> 8, 1 minutes, op == 11 ? 6 hours : 10 days));
        }
    }

    function _try(address who, address target, bytes memory data) internal returns (bool ok, bytes memory ret) {
        vm.prank(who);
        (ok, ret) = target.call(data);
    }

    function _terminal(JobStatus s) internal pure returns (bool) {
        return uint8(s) >= uint8(JobStatus.Finalized);
    }

    function _assertForward(JobStatus from, JobStatus to) internal pure {
        if (from == to) return;
        bool ok = (from == JobStatus.Created
                && (to == JobStatus.Accepted || to == JobStatus.Submitted || to == JobStatus.Expired
                    || to == JobStatus.Cancelled))
            || (from == JobStatus.Accepted
                && (to == JobStatus.Submitted || to == JobStatus.Expired || to == JobStatus.Slashed))
            || (from == JobStatus.Submitted
                && (to == JobStatus.Disputed || to == JobStatus.Finalized || to == JobStatus.Slashed))
            || (from == JobStatus.Disputed
                && (to == JobStatus.Finalized || to == JobStatus.Slashed || to == JobStatus.Cancelled))
            || (from == JobStatus.Finalized && to == JobStatus.Slashed);
        assertTrue(ok, "a state moved backwards or skipped to an illegal one");
    }

    /// @dev Every unit of the escrow (and of the bond) sits in exactly one place, and the escrow
    ///      went either to the provider (payout + fee) or back to the client (refund), never both.
    function _assertMoneyAccounted(Life memory l) internal view {
        uint256 price = l.job.price;
        uint256 toProvider = market.claimable(alice.account, address(usdc)) - l.bondToProvider;
        uint256 fee = market.feesOwed(alice.account, address(usdc));
        uint256 refund = market.claimable(client, address(usdc));
        uint256 bondBack = market.claimable(challenger, address(usdc));
        uint256 moduleFee = market.claimable(address(verifier), address(usdc));
        assertEq(
            toProvider + fee + refund + bondBack + l.bondToProvider + moduleFee + market.treasuryAccrued(address(usdc)),
            price + l.bond,
            "payment tokens unaccounted"
        );
        assertEq(usdc.balanceOf(address(market)), price + l.bond, "market holds escrow + bond until claims");
        assertEq(moduleFee, l.bondFee, "the module holds only the fee of a failed challenge");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "no payment token reaches the treasury before claims");
        if (l.wasFinalized) {
            assertEq(toProvider + fee, price, "finalized: payout + fee != price");
            assertEq(refund, 0, "finalized and refunded");
            assertEq(fee, price / 100, "fee at the snapshot rate");
        } else {
            assertEq(refund, price, "refunded: not in full");
            assertEq(toProvider + fee, 0, "refunded and paid");
        }
        // Stake-token side: what left alice's stake went to the client, a challenger or reporter, the
        // verifier module (its fee of an upheld dispute), or the treasury.
        ProviderInfo memory info = market.provider(alice.account);
        uint256 lost = INITIAL_STAKE - info.staked - info.thawing;
        assertLe(lost, l.job.collateral, "slashed above collateral");
        assertEq(
            market.claimable(client, address(token)) + market.claimable(challenger, address(token))
                + market.claimable(reporter, address(token)) + market.claimable(address(verifier), address(token))
                + market.treasuryAccrued(address(token)),
            lost,
            "slash unaccounted"
        );
        assertLe(market.claimable(client, address(token)) * 2, lost, "the client got more than half of a slash");
        assertEq(info.slashDebt, 0, "a well-staked provider owes nothing");
        assertEq(info.locked, 0, "collateral still locked after settlement");
    }

    // ================================================================== parameters (invariant 7)

    function testFuzz_setParams_inBoundsAlwaysSucceeds(uint256 a, uint256 b, uint256 c) public {
        Params memory n = _validParams(a, b, c);
        (, uint32 before) = market.params();
        market.setParams(n);
        (Params memory current, uint32 version) = market.params();
        assertEq(version, before + 1, "version not bumped");
        _assertParamsEq(current, n, "parameters not stored");
        _assertParamsEq(market.paramsAt(version), n, "snapshot not stored");
        _assertThawingMargin();
    }

    function testFuzz_setParams_outOfBoundsAlwaysReverts(uint256 field, uint256 value, uint256 seed) public {
        Params memory n = _validParams(seed, seed >> 100, seed >> 200);
        field %= 8;
        bool high = value % 2 == 0;
        value >>= 1;
        string memory name;
        uint256 min;
        uint256 max;
        if (field == 0) {
            (name, min, max) = ("challengeWindow", 1 hours, 72 hours);
            value = high ? bound(value, max + 1, type(uint32).max) : bound(value, 0, min - 1);
            n.challengeWindow = uint32(value);
        } else if (field == 1) {
            (name, min, max) = ("disputeResolutionPeriod", 1 days, 14 days);
            value = high ? bound(value, max + 1, type(uint32).max) : bound(value, 0, min - 1);
            n.disputeResolutionPeriod = uint32(value);
        } else if (field == 2) {
            (name, min, max) = ("collateralRatioBps", 10_000, 1_000_000);
            value = high ? bound(value, max + 1, type(uint32).max) : bound(value, 0, min - 1);
            n.collateralRatioBps = uint32(value);
        } else if (field == 3) {
            (name, min, max) = ("protocolFeeBps", 0, 1_000);
            value = bound(value, max + 1, type(uint16).max);
            n.protocolFeeBps = uint16(value);
        } else if (field == 4) {
            (name, min, max) = ("challengerShareBps", 0, 5_000);
            value = bound(value, max + 1, type(uint16).max);
            n.challengerShareBps = uint16(value);
        } else if (field == 5) {
            (name, min, max) = ("livenessSlashBps", 0, n.collateralRatioBps);
            value = bound(value, max + 1, type(uint32).max);
            n.livenessSlashBps = uint32(value);
        } else if (field == 6) {
            (name, min, max) = ("bondRatioBps", 10_000, 1_000_000);
            value = high ? bound(value, max + 1, type(uint32).max) : bound(value, 0, min - 1);
            n.bondRatioBps = uint32(value);
        } else {
            (name, min, max) = ("disputeFeeBps", 0, 5_000);
            value = bound(value, max + 1, type(uint16).max);
            n.disputeFeeBps = uint16(value);
        }
        (Params memory before, uint32 version) = market.params();
        vm.expectRevert(abi.encodeWithSelector(IJobMarketErrors.ParamOutOfBounds.selector, name, value, min, max));
        market.setParams(n);
        (Params memory afterCall, uint32 versionAfter) = market.params();
        assertEq(versionAfter, version, "version changed");
        _assertParamsEq(afterCall, before, "parameters changed");
    }

    /// @notice Raw values: accepted exactly when DESIGN.md's bounds and the thawing margin allow.
    function testFuzz_setParams_acceptsExactlyTheBounds(
        uint32 window,
        uint32 resolution,
        uint32 ratio,
        uint16 fee,
        uint16 share,
        uint32 liveness,
        uint32 bond,
        uint16 disputeFee,
        uint16 verificationFee
    ) public {
        Params memory n = Params(window, resolution, ratio, fee, share, liveness, bond, disputeFee, verificationFee);
        (,, uint32 thawing,,) = market.settings();
        bool valid = _inBounds(n) && thawing >= uint256(window) + resolution + 48 hours;
        (bool ok,) = address(market).call(abi.encodeCall(IJobMarketExtension.setParams, (n)));
        assertEq(ok, valid, "setParams disagrees with the bounds");
        _assertThawingMargin();
    }

    /// @notice After any sequence of governance calls, thawingPeriod >= challengeWindow +
    ///         disputeResolutionPeriod + 48 h, and every call was accepted exactly when it kept that.
    function testFuzz_setThawingPeriod_marginHoldsAfterAnySequence(uint256[12] memory ops) public {
        for (uint256 i; i < ops.length; ++i) {
            uint256 op = ops[i];
            (Params memory cur,) = market.params();
            (,, uint32 thawing,,) = market.settings();
            bool ok;
            bool valid;
            if (op % 3 == 0) {
                uint256 v = bound(op >> 8, 0, 30 days);
                valid = v <= 28 days && v >= uint256(cur.challengeWindow) + cur.disputeResolutionPeriod + 48 hours;
                (ok,) = address(market).call(abi.encodeCall(IJobMarketExtension.setThawingPeriod, (uint32(v))));
            } else {
                uint256 h = uint256(keccak256(abi.encode(op)));
                Params memory n = _validParams(h, h >> 128, op);
                if (op % 3 == 2) n.challengeWindow = uint32(bound(h >> 200, 0, 80 hours)); // sometimes out of bounds
                valid = _inBounds(n) && thawing >= uint256(n.challengeWindow) + n.disputeResolutionPeriod + 48 hours;
                (ok,) = address(market).call(abi.encodeCall(IJobMarketExtension.setParams, (n)));
            }
            assertEq(ok, valid, "a governance call disagreed with the bounds");
            _assertThawingMargin();
        }
    }

    // ================================================================== signatures (invariant 8)

    function _key(uint256 i) internal view returns (uint256) {
        return i == 0 ? alice.signerKey : uint256(keccak256(abi.encode("alice key", i)));
    }

    /// @notice No rotation erases evidence: after any number of rotations (no rate limit: each one
    ///         succeeds at once), any wait and any change of thawingPeriod, the key a job was accepted
    ///         under still proves equivocation, alone or with a later key.
    function testFuzz_updateProvider_neverErasesEvidence(uint256 rotations, uint256 dt, uint32 thawing, bool mixed)
        public
    {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submitFor(job, id, keccak256("a")); // signed by key 0, the job's epoch
        rotations = bound(rotations, 1, 16);
        for (uint256 i = 1; i <= rotations; ++i) {
            (bool rotated,) = _try(
                alice.account,
                address(market),
                abi.encodeCall(IJobMarketExtension.updateProvider, (vm.addr(_key(i)), ""))
            );
            assertTrue(rotated, "a rotation with a fresh key was refused");
        }
        thawing = uint32(bound(thawing, 4 hours + 7 days + 48 hours, 28 days));
        market.setThawingPeriod(thawing);
        vm.warp(block.timestamp + bound(dt, 0, 365 days));

        bytes memory sigA = _sign(alice.signerKey, id, job, keccak256("a"), alice.account);
        bytes memory sigB = _sign(mixed ? _key(rotations) : alice.signerKey, id, job, keccak256("b"), alice.account);
        vm.prank(reporter);
        market.reportEquivocation(job, keccak256("a"), sigA, keccak256("b"), sigB);
        assertEq(uint256(_status(id)), uint256(JobStatus.Slashed), "evidence of the accept epoch was erased");
    }

    /// @notice A key is evidence against a job exactly when it became the signer at or after the job's
    ///         signer epoch: keys retired before the job was accepted never are, later keys always are.
    function testFuzz_reportEquivocation_keyIsEvidenceIffEpochAtLeastJobs(uint256 before, uint256 after_, uint256 pick)
        public
    {
        before = bound(before, 0, 6);
        after_ = bound(after_, 0, 6);
        vm.startPrank(alice.account);
        for (uint256 i = 1; i <= before; ++i) {
            market.updateProvider(vm.addr(_key(i)), "");
        }
        vm.stopPrank();
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.prank(alice.account);
        market.acceptJob(job);
        assertEq(market.jobState(id).signerEpoch, before, "job epoch");
        vm.startPrank(alice.account);
        for (uint256 i = before + 1; i <= before + after_; ++i) {
            market.updateProvider(vm.addr(_key(i)), "");
        }
        vm.stopPrank();

        pick = bound(pick, 0, before + after_);
        bytes memory sigA = _sign(_key(pick), id, job, keccak256("a"), alice.account);
        bytes memory sigB = _sign(_key(pick), id, job, keccak256("b"), alice.account);
        assertEq(market.signerKeyEpoch(alice.account, vm.addr(_key(pick))), pick + 1, "key epoch");
        if (pick < before) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IJobMarketErrors.AttestationWrongSigner.selector,
                    id,
                    vm.addr(_key(pick)),
                    vm.addr(_key(before + after_))
                )
            );
        }
        vm.prank(reporter);
        market.reportEquivocation(job, keccak256("a"), sigA, keccak256("b"), sigB);
        assertEq(
            uint256(_status(id)),
            uint256(pick < before ? JobStatus.Accepted : JobStatus.Slashed),
            "evidence iff the key's epoch >= the job's"
        );
    }

    /// @notice DESIGN.md "thawing stake stays slashable": even with the shortest thawing period
    ///         governance may set, stake unstaked at any moment after settlement is still in the
    ///         queue when an equivocation is proven within the post-settlement window, and the
    ///         whole collateral is slashed from it.
    function testFuzz_reportEquivocation_thawingStakeStaysSlashable(uint256 unstakeAfter, uint256 reportAfter) public {
        Params memory p = _defaults();
        p.challengeWindow = 1 hours;
        p.disputeResolutionPeriod = 1 days;
        market.setParams(p);
        market.setThawingPeriod(1 hours + 1 days + 48 hours);
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submitFor(job, id, keccak256("a"));
        vm.prank(client);
        market.finalizeJob(job);
        uint256 settledAt = block.timestamp;
        reportAfter = bound(reportAfter, 0, 3 days);
        unstakeAfter = bound(unstakeAfter, 0, reportAfter);

        vm.warp(settledAt + unstakeAfter);
        ProviderInfo memory info = market.provider(alice.account);
        vm.prank(alice.account);
        market.requestUnstake(info.staked - info.locked); // everything free leaves for the queue
        vm.warp(settledAt + reportAfter);
        (bool withdrew,) = _try(alice.account, address(market), abi.encodeCall(IJobMarketCore.withdrawStake, ()));
        assertFalse(withdrew, "stake left before the report window closed");

        info = market.provider(alice.account);
        uint256 before = uint256(info.staked) + info.thawing;
        bytes memory sigA = _sign(alice.signerKey, id, job, keccak256("a"), alice.account);
        bytes memory sigB = _sign(alice.signerKey, id, job, keccak256("b"), alice.account);
        vm.prank(reporter);
        market.reportEquivocation(job, keccak256("a"), sigA, keccak256("b"), sigB);
        info = market.provider(alice.account);
        assertEq(before - info.staked - info.thawing, job.collateral, "whole collateral slashed from thawing stake");
        assertEq(uint256(_status(id)), uint256(JobStatus.Slashed), "slashed");
        assertEq(market.claimable(alice.account, address(usdc)), PRICE - PRICE / 100, "payout stands");
    }

    // ================================================================== staking

    /// @notice docs/protocol.md §4: `withdrawStake` pays the consecutive matured requests from the
    ///         head of the queue and stops at the first immature one. After `thawingPeriod` is
    ///         lowered, a later request can mature first; it is paid once the earlier one matures
    ///         (at most 28 days after that one was made).
    function test_withdrawStake_stopsAtFirstImmatureRequest() public {
        vm.startPrank(alice.account);
        market.requestUnstake(100 * TOKEN); // matures in 28 days
        vm.stopPrank();
        market.setThawingPeriod(14 days);
        vm.startPrank(alice.account);
        market.requestUnstake(50 * TOKEN); //  matures in 14 days
        vm.warp(block.timestamp + 14 days);
        ThawRequest[] memory q = market.thawRequests(alice.account);
        vm.expectRevert(abi.encodeWithSelector(IJobMarketErrors.StakeNothingToWithdraw.selector, alice.account, q[0].readyAt));
        market.withdrawStake();
        vm.warp(q[0].readyAt);
        assertEq(market.withdrawStake(), 150 * TOKEN, "both paid once the head matures");
        vm.stopPrank();
    }

    function testFuzz_withdrawStake_unslashedProviderGetsEverythingBack(uint256 amount, uint32 thawing) public {
        amount = bound(amount, 1, INITIAL_STAKE);
        thawing = uint32(bound(thawing, 4 hours + 7 days + 48 hours, 28 days));
        market.setThawingPeriod(thawing);
        uint256 before = token.balanceOf(alice.account);
        vm.prank(alice.account);
        market.requestUnstake(amount);
        vm.warp(block.timestamp + thawing - 1);
        vm.prank(alice.account);
        vm.expectRevert();
        market.withdrawStake();
        vm.warp(block.timestamp + 1);
        vm.prank(alice.account);
        assertEq(market.withdrawStake(), amount, "withdrawn");
        assertEq(token.balanceOf(alice.account) - before, amount, "paid in full after thawing");
        assertEq(market.provider(alice.account).thawing, 0, "nothing left thawing");
    }
}
