// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRedundancyModuleTypes} from "../../../contracts/interfaces/IRedundancyModule.sol";
import {RedundancyFixture} from "../utils/RedundancyFixture.sol";

/// @notice Fuzzed paths of the redundancy module: any k, any mix of absent, silent, agreeing and dissenting
///         seats, either class, appealed or not, ruled (any mask) or timed out. Each request settles once,
///         its payouts + refunds + fees equal its escrow, and only seats that committed lose, exactly their
///         collateral. And: whatever keys the providers rotate to, a request is refused exactly when two
///         seats would share an account or key.
contract RedundancyFuzzTest is RedundancyFixture {
    bytes32 internal constant BAD = keccak256("bad");

    function testFuzz_settle_spendsEscrowOnceAndSlashesWithinCollateral(
        uint8 kSeed,
        uint256 pattern,
        bool tolerant,
        bool doAppeal,
        bool doRule,
        uint256 mask
    ) public {
        uint256 k = 2 + kSeed % 3;
        uint256 id = _req(k, tolerant ? tolerantModel : modelId);
        // Behaviour per seat: 0 absent, 1 silent after commit, 2 reveals OUT, 3 reveals BAD.
        for (uint256 i; i < k; ++i) {
            uint256 b = (pattern >> (2 * i)) & 3;
            if (b != 0) _commit(id, i, b == 3 ? BAD : OUT);
        }
        // Reveals open at once when every seat committed, else after the commit deadline.
        if (rm.requestOf(id).committed < k) vm.warp(rm.requestOf(id).commitDeadline + 1);
        for (uint256 i; i < k; ++i) {
            uint256 b = (pattern >> (2 * i)) & 3;
            if (b >= 2) _reveal(id, i, b == 3 ? BAD : OUT);
        }
        vm.warp(rm.requestOf(id).revealDeadline + 1);
        rm.settle(id);

        RequestStatus st = _status(id);
        if (st == RequestStatus.Contested) {
            assertTrue(!tolerant, "only EXACT decides itself");
            uint256 minority = k;
            for (uint256 i; i < k; ++i) {
                IRedundancyModuleTypes.Seat memory s = rm.seatOf(id, i);
                if (s.status == SeatStatus.Revealed && s.value != rm.requestOf(id).majority) minority = i;
            }
            assertTrue(minority < k, "a contest has a minority");
            if (doAppeal) {
                vm.prank(ps[minority].account);
                rm.appeal(id, minority);
                st = RequestStatus.Arbitration;
            } else {
                vm.warp(rm.requestOf(id).phaseDeadline + 1);
                rm.settle(id);
            }
        }
        if (st == RequestStatus.Arbitration) {
            uint256 revealedMask;
            for (uint256 i; i < k; ++i) {
                if (rm.seatOf(id, i).status == SeatStatus.Revealed) revealedMask |= 1 << i;
            }
            if (doRule) {
                vm.prank(arbitrator);
                rm.rule(id, mask & revealedMask);
            } else {
                vm.warp(rm.requestOf(id).phaseDeadline + 1);
                rm.settle(id);
            }
        }

        assertEq(uint256(_status(id)), uint256(RequestStatus.Settled), "settled");
        vm.expectRevert(abi.encodeWithSignature("RedundancyWrongStatus(uint256,uint8)", id, RequestStatus.Settled));
        rm.settle(id);

        uint256 out = rm.claimable(client, address(usdc)) + rm.feesAccrued(address(usdc));
        for (uint256 i; i < k; ++i) {
            out += rm.claimable(ps[i].account, address(usdc));
            SeatStatus ss = _seat(id, i);
            uint256 b = (pattern >> (2 * i)) & 3;
            if (b == 0) assertEq(uint256(ss), uint256(SeatStatus.Absent), "absent");
            if (b == 1) assertEq(uint256(ss), uint256(SeatStatus.Slashed), "silent after commit is slashed");
            assertEq(_staked(i), ss == SeatStatus.Slashed ? STAKE - COLLATERAL : STAKE, "slash == collateral, once");
            assertEq(_locked(i), 0, "released");
            assertEq(
                rm.claimable(ps[i].account, address(usdc)), ss == SeatStatus.Paid ? PAYOUT : 0, "paid its share"
            );
        }
        assertEq(out, k * PRICE, "payouts + refunds + fees == escrow");
        assertEq(rm.escrowed(address(usdc)), 0, "escrow spent");
        assertEq(usdc.balanceOf(address(rm)), k * PRICE, "nothing left the module before claims");
    }

    /// @dev Each provider's key is one of: its own, another's key, or another's account. The request must
    ///      be refused exactly when two named seats collide.
    function testFuzz_request_refusedExactlyWhenKeysCollide(uint256 rotations, uint8 kSeed) public {
        uint256 k = 2 + kSeed % 3;
        address[] memory keys = new address[](k);
        for (uint256 i; i < k; ++i) {
            uint256 r = (rotations >> (4 * i)) & 15;
            address key = ps[i].signer;
            if (r < 4 && r != i) key = ps[r].signer;
            else if (r >= 4 && r < 8 && r - 4 != i) key = ps[r - 4].account;
            if (key != ps[i].signer) {
                vm.prank(ps[i].account);
                market.updateProvider(key, "x");
            }
            keys[i] = market.provider(ps[i].account).signer;
        }
        bool collide;
        for (uint256 i; i < k; ++i) {
            for (uint256 j; j < k; ++j) {
                if (i == j) continue;
                if (keys[i] == keys[j] || keys[i] == ps[j].account) collide = true;
            }
        }
        IRedundancyModuleTypes.RequestParams memory p = _params(modelId);
        address[] memory a = _accounts(k);
        vm.prank(client);
        (bool ok,) = address(rm).call(abi.encodeCall(rm.request, (p, a)));
        assertEq(ok, !collide, "refused iff two seats share an account or key");
    }
}
