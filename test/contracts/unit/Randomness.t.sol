// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRandomnessSource} from "../../../contracts/interfaces/IRandomnessSource.sol";
import {MockRandomness} from "../../../contracts/mocks/MockRandomness.sol";
import {MockVrfCoordinator} from "../../../contracts/mocks/MockVrfCoordinator.sol";
import {PrevrandaoRandomness} from "../../../contracts/randomness/PrevrandaoRandomness.sol";
import {IVrfCoordinator, VrfRandomnessAdapter} from "../../../contracts/randomness/VrfRandomnessAdapter.sol";
import {Test} from "../utils/Test.sol";

interface VmRandao {
    function prevrandao(bytes32 newPrevrandao) external;
}

/// @notice The per-epoch seed sources behind the sampled re-execution verifier.
/// @dev Tree (when ..., given ..., it should ...):
///  PrevrandaoRandomness
///   ├── constructor given an epoch length outside [60 s, 30 min] -> RandomnessEpochLengthOutOfBounds
///   ├── reveal one second before the epoch ends                -> RandomnessEpochNotEnded; at the end -> stores
///   ├── reveal a second time (other block, other prevrandao)   -> RandomnessSeedAlreadyRevealed; the seed is unchanged
///   └── seedOf before any reveal                               -> RandomnessSeedNotReady(epoch)
///  VrfRandomnessAdapter
///   ├── request before the epoch ends -> RandomnessEpochNotEnded; at the end -> the coordinator gets it
///   ├── request twice                  -> RandomnessAlreadyRequested
///   ├── fulfil from anyone but the coordinator -> RandomnessNotCoordinator
///   ├── fulfil an unknown or answered request  -> RandomnessUnknownRequest; with no words -> RandomnessNoWords
///   └── seed = keccak256(word, epoch), final
contract RandomnessTest is Test {
    uint256 internal constant EPOCH = 600;
    uint256 internal constant START = 1_750_000_000;
    VmRandao internal constant vmr = VmRandao(address(uint160(uint256(keccak256("hevm cheat code")))));

    PrevrandaoRandomness internal randao;
    MockVrfCoordinator internal coord;
    VrfRandomnessAdapter internal vrf;
    address internal keeper = makeAddr("keeper");

    event RandomnessSeedSet(uint64 indexed epoch, bytes32 seed, address indexed by);
    event RandomnessRequested(uint64 indexed epoch, uint256 indexed requestId, address indexed by);

    function setUp() public {
        vm.warp(START);
        randao = new PrevrandaoRandomness(EPOCH);
        coord = new MockVrfCoordinator();
        vrf = new VrfRandomnessAdapter(IVrfCoordinator(address(coord)), keccak256("key"), 7, 3, 200_000, EPOCH);
    }

    function _epochNow() internal view returns (uint64) {
        return uint64(block.timestamp / EPOCH);
    }

    // ================================================================== prevrandao

    function test_constructor_epochLengthBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(PrevrandaoRandomness.RandomnessEpochLengthOutOfBounds.selector, 59, 60, 1800)
        );
        new PrevrandaoRandomness(59);
        vm.expectRevert(
            abi.encodeWithSelector(PrevrandaoRandomness.RandomnessEpochLengthOutOfBounds.selector, 1801, 60, 1800)
        );
        new PrevrandaoRandomness(1801);
        assertEq(new PrevrandaoRandomness(60).epochLength(), 60, "min");
        assertEq(new PrevrandaoRandomness(1800).epochLength(), 1800, "max");
    }

    function test_reveal_beforeEpochEndReverts() public {
        uint64 e = _epochNow();
        uint256 endsAt = (uint256(e) + 1) * EPOCH;
        vm.warp(endsAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(PrevrandaoRandomness.RandomnessEpochNotEnded.selector, e, endsAt, endsAt - 1)
        );
        randao.reveal(e);
        assertFalse(randao.isSeedReady(e), "not ready");
        vm.expectRevert(abi.encodeWithSelector(IRandomnessSource.RandomnessSeedNotReady.selector, e));
        randao.seedOf(e);

        vm.warp(endsAt);
        vmr.prevrandao(bytes32(uint256(42)));
        bytes32 expected = keccak256(abi.encode(uint256(42), e, address(randao), block.chainid));
        vm.expectEmit(address(randao));
        emit RandomnessSeedSet(e, expected, keeper);
        vm.prank(keeper);
        assertEq(randao.reveal(e), expected, "returned");
        assertEq(randao.seedOf(e), expected, "stored");
        assertTrue(randao.isSeedReady(e), "ready");
    }

    function test_reveal_secondCallReverts() public {
        uint64 e = _epochNow();
        vm.warp((uint256(e) + 1) * EPOCH);
        vmr.prevrandao(bytes32(uint256(1)));
        bytes32 first = randao.reveal(e);
        // A later block with another prevrandao cannot replace it: a party that dislikes the seed has no retry.
        vm.roll(block.number + 1);
        vmr.prevrandao(bytes32(uint256(2)));
        vm.expectRevert(abi.encodeWithSelector(PrevrandaoRandomness.RandomnessSeedAlreadyRevealed.selector, e));
        randao.reveal(e);
        assertEq(randao.seedOf(e), first, "unchanged");
    }

    function test_reveal_seedDependsOnEpochAndPrevrandao() public {
        vm.warp(START + 10 * EPOCH);
        vmr.prevrandao(bytes32(uint256(5)));
        uint64 e = _epochNow() - 2;
        bytes32 a = randao.reveal(e);
        bytes32 b = randao.reveal(e + 1);
        assertTrue(a != b, "distinct epochs, same block");
    }

    // ================================================================== VRF adapter

    function test_vrfConstructor_checks() public {
        vm.expectRevert(VrfRandomnessAdapter.RandomnessZeroCoordinator.selector);
        new VrfRandomnessAdapter(IVrfCoordinator(address(0)), bytes32(0), 0, 3, 1, EPOCH);
        vm.expectRevert(
            abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessEpochLengthOutOfBounds.selector, 1801, 60, 1800)
        );
        new VrfRandomnessAdapter(IVrfCoordinator(address(coord)), bytes32(0), 0, 3, 1, 1801);
    }

    function test_vrfRequest_beforeEpochEndReverts() public {
        uint64 e = _epochNow();
        uint256 endsAt = (uint256(e) + 1) * EPOCH;
        vm.warp(endsAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessEpochNotEnded.selector, e, endsAt, endsAt - 1)
        );
        vrf.request(e);
        vm.warp(endsAt);
        vm.expectEmit(address(vrf));
        emit RandomnessRequested(e, 1, keeper);
        vm.prank(keeper);
        assertEq(vrf.request(e), 1, "request id");
        (address consumer, bytes32 kh, uint256 sub, uint32 words) = coord.requests(1);
        assertEq(consumer, address(vrf), "consumer");
        assertEq(kh, keccak256("key"), "key hash");
        assertEq(sub, 7, "subscription");
        assertEq(words, 1, "one word");
        assertEq(vrf.requestOf(e), 1, "recorded");
    }

    function test_vrfRequest_twiceReverts() public {
        uint64 e = _epochNow();
        vm.warp((uint256(e) + 1) * EPOCH);
        vrf.request(e);
        vm.expectRevert(abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessAlreadyRequested.selector, e, 1));
        vrf.request(e);
    }

    function test_vrfFulfil_setsSeedOnce() public {
        uint64 e = _epochNow();
        vm.warp((uint256(e) + 1) * EPOCH);
        uint256 id = vrf.request(e);
        uint256[] memory words = new uint256[](1);
        words[0] = 123;
        bytes32 expected = keccak256(abi.encode(uint256(123), e));
        vm.expectEmit(address(vrf));
        emit RandomnessSeedSet(e, expected, address(coord));
        coord.fulfill(id, words);
        assertEq(vrf.seedOf(e), expected, "seed");
        assertTrue(vrf.isSeedReady(e), "ready");
        // Answered: a second answer (a withholding oracle's better pick) is refused.
        words[0] = 456;
        vm.expectRevert(abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessUnknownRequest.selector, id));
        coord.fulfill(id, words);
        assertEq(vrf.seedOf(e), expected, "final");
        vm.expectRevert(abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessAlreadyRequested.selector, e, id));
        vrf.request(e);
    }

    function test_vrfFulfil_notCoordinatorReverts() public {
        uint64 e = _epochNow();
        vm.warp((uint256(e) + 1) * EPOCH);
        uint256 id = vrf.request(e);
        uint256[] memory words = new uint256[](1);
        vm.expectRevert(abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessNotCoordinator.selector, keeper));
        vm.prank(keeper);
        vrf.rawFulfillRandomWords(id, words);
    }

    function test_vrfFulfil_unknownOrEmptyReverts() public {
        uint256[] memory words = new uint256[](1);
        vm.expectRevert(abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessUnknownRequest.selector, 99));
        vm.prank(address(coord));
        vrf.rawFulfillRandomWords(99, words);

        uint64 e = _epochNow();
        vm.warp((uint256(e) + 1) * EPOCH);
        uint256 id = vrf.request(e);
        vm.expectRevert(abi.encodeWithSelector(VrfRandomnessAdapter.RandomnessNoWords.selector, id));
        coord.fulfill(id, new uint256[](0));
        vm.expectRevert(abi.encodeWithSelector(IRandomnessSource.RandomnessSeedNotReady.selector, e));
        vrf.seedOf(e);
    }

    // ================================================================== mock

    function test_mock_setAndClear() public {
        MockRandomness m = new MockRandomness(EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IRandomnessSource.RandomnessSeedNotReady.selector, uint64(3)));
        m.seedOf(3);
        m.setSeed(3, bytes32(uint256(9)));
        assertEq(m.seedOf(3), bytes32(uint256(9)), "set");
        m.setSeed(3, bytes32(0));
        assertFalse(m.isSeedReady(3), "cleared");
    }
}
