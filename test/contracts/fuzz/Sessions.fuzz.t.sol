// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPaymentSessionsCore} from "../../../contracts/interfaces/IPaymentSessions.sol";
import {SessionsFixture} from "../utils/SessionsFixture.sol";

/// @notice Fuzzed properties of PaymentSessions: amounts, times and keys drawn at random.
contract SessionsFuzzTest is SessionsFixture {
    function setUp() public override {
        super.setUp();
        // Alice can back the largest settlement drawn: 1,000 USDC locks 10,000 tokens.
        token.transfer(alice.account, 100_000 * TOKEN);
        vm.startPrank(alice.account);
        market.stake(100_000 * TOKEN);
        market.setModuleAllowance(address(sessions), uint96(1_000_000 * TOKEN));
        vm.stopPrank();
    }

    function _ok(bytes memory call) internal returns (bool ok, bytes4 err) {
        bytes memory ret;
        (ok, ret) = address(sessions).call(call);
        if (!ok && ret.length >= 4) err = bytes4(ret);
    }

    /// @dev Two vouchers in any order: what is collected never exceeds the highest signed nor the escrow, the
    ///      second settles only if it is higher, and the collateral locked is exactly 10x what was collected.
    function testFuzz_settle_collectedLeSignedLeEscrow(uint96 escrow, uint256 a, uint256 b) public {
        escrow = uint96(bound(escrow, 1, 1_000 * USDC));
        uint256 maxA = uint256(escrow) + 10;
        a = bound(a, 1, maxA);
        b = bound(b, 1, maxA);
        bytes32 id = _open(escrow);
        uint64 count = uint64(maxA); // price cap never binds: maxA × 0.01 USDC ≥ any amount
        bytes memory sigA = _voucher(id, a, count);
        bytes memory sigB = _voucher(id, b, count);
        vm.prank(alice.account);
        (bool okA,) = _ok(abi.encodeCall(IPaymentSessionsCore.settle, (_t(id), a, count, sigA)));
        assertEq(okA, a <= escrow, "first voucher settles iff within escrow");
        vm.prank(alice.account);
        (bool okB,) = _ok(abi.encodeCall(IPaymentSessionsCore.settle, (_t(id), b, count, sigB)));
        uint256 prior = okA ? a : 0;
        assertEq(okB, b <= escrow && b > prior, "second settles iff within escrow and higher");
        Session memory s = sessions.session(_t(id));
        uint256 signedMax = a > b ? a : b;
        assertLe(s.settled, signedMax, "collected <= signed");
        assertLe(s.settled, escrow, "collected <= escrow");
        assertEq(s.collateral, _coll(s.settled), "collateral = 10x collected");
        assertEq(_moduleLocked(alice.account), _coll(s.settled), "market lock");
    }

    /// @dev The client always gets back exactly `escrow − settled` after the grace, whatever was settled.
    function testFuzz_reclaim_returnsUnspentRemainder(uint96 escrow, uint256 settled, uint256 late) public {
        escrow = uint96(bound(escrow, 1, 1_000 * USDC));
        settled = bound(settled, 0, escrow);
        bytes32 id = _open(escrow);
        if (settled != 0) _settle(id, settled, uint64(settled));
        vm.warp(_expiry(id) + GRACE + 1 + bound(late, 0, 365 days));
        uint256 before = usdc.balanceOf(sclient);
        vm.prank(sclient);
        uint256 refund = sessions.reclaim(_t(id));
        assertEq(refund, escrow - settled, "refund");
        assertEq(usdc.balanceOf(sclient), before + escrow - settled, "paid");
    }

    /// @dev At any moment around the deadline exactly one of settle and reclaim is allowed.
    function testFuzz_settleOrReclaim_neverBoth(uint256 offset) public {
        bytes32 id = _open(ESCROW);
        uint256 deadline = _expiry(id) + GRACE;
        uint256 t = deadline - 10 + bound(offset, 0, 20);
        bytes memory sig = _voucher(id, SPRICE, 1);
        vm.warp(t);
        uint256 snap = vm.snapshotState();
        vm.prank(sclient);
        (bool reclaimFirst,) = _ok(abi.encodeCall(IPaymentSessionsCore.reclaim, (_t(id))));
        (bool settleAfter,) = _ok(abi.encodeCall(IPaymentSessionsCore.settle, (_t(id), SPRICE, 1, sig)));
        assertFalse(reclaimFirst && settleAfter, "reclaim then settle");
        vm.revertToState(snap);
        (bool settleFirst,) = _ok(abi.encodeCall(IPaymentSessionsCore.settle, (_t(id), SPRICE, 1, sig)));
        vm.prank(sclient);
        (bool reclaimAfter,) = _ok(abi.encodeCall(IPaymentSessionsCore.reclaim, (_t(id))));
        assertFalse(settleFirst && reclaimAfter, "settle then reclaim");
        assertEq(settleFirst, t <= deadline, "settle until the deadline");
        assertEq(reclaimFirst, t > deadline, "reclaim after it");
    }

    /// @dev A voucher signed for one session, chain or deployment never settles another: it recovers a stranger.
    function testFuzz_settle_replayAlwaysFails(uint256 amount, uint64 chainShift) public {
        amount = bound(amount, 1, ESCROW);
        chainShift = uint64(bound(chainShift, 1, 1e9));
        bytes32 a = _open(ESCROW);
        bytes32 b = _open(ESCROW);
        bytes memory sigA = _voucher(a, amount, uint64(amount));
        (bool ok, bytes4 err) = _ok(abi.encodeCall(IPaymentSessionsCore.settle, (_t(b), amount, uint64(amount), sigA)));
        assertFalse(ok, "other session");
        assertEq(bytes32(err), bytes32(SessionVoucherWrongSigner.selector), "error");
        uint256 chainId = block.chainid;
        vm.chainId(chainId + chainShift);
        bytes memory sigOther = _voucher(a, amount, uint64(amount));
        vm.chainId(chainId);
        (ok, err) = _ok(abi.encodeCall(IPaymentSessionsCore.settle, (_t(a), amount, uint64(amount), sigOther)));
        assertFalse(ok, "other chain");
        assertEq(bytes32(err), bytes32(SessionVoucherWrongSigner.selector), "error");
    }

    /// @dev Whatever a challenger proves, the module pays out no more than it holds: after an upheld dispute the
    ///      client gets exactly the pending settlement and the unspent escrow, and the provider nothing.
    function testFuzz_upheld_refundsExactly(uint96 escrow, uint256 settled) public {
        escrow = uint96(bound(escrow, 2, 1_000 * USDC));
        settled = bound(settled, 1, escrow);
        bytes32 id = _open(escrow);
        _settle(id, settled, uint64(settled));
        bytes memory att = _attest(alice.signerKey, id, 0, keccak256("in"), OUT);
        vm.prank(challenger);
        bytes32 d = sessions.disputeRequest(_t(id), 0, keccak256("in"), OUT, att, "");
        SessionTerms memory dt1 = _dt(d);
        vm.prank(arbitrator);
        sessions.resolveDispute(dt1, d, Outcome.Upheld, "");
        assertEq(sessions.claimable(sclient, address(usdc)), settled, "pending refunded");
        assertEq(sessions.claimable(alice.account, address(usdc)), 0, "provider paid nothing");
        if (settled < escrow) {
            vm.prank(sclient);
            assertEq(sessions.reclaim(_t(id)), escrow - settled, "unspent back");
        }
        (, uint256 fees) = sessions.feesAccrued(address(usdc));
        assertEq(
            usdc.balanceOf(address(sessions)),
            sessions.claimable(sclient, address(usdc)) + sessions.claimable(challenger, address(usdc)) + fees,
            "solvent"
        );
    }
}
