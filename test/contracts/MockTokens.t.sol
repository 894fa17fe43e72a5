// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {FeeOnTransferToken} from "../../contracts/mocks/FeeOnTransferToken.sol";
import {HookToken, ITokenHook} from "../../contracts/mocks/HookToken.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockUSDC} from "../../contracts/mocks/MockUSDC.sol";
import {NoReturnToken} from "../../contracts/mocks/NoReturnToken.sol";
import {ReturnsFalseToken} from "../../contracts/mocks/ReturnsFalseToken.sol";
import {SigUtils} from "./utils/SigUtils.sol";
import {Test} from "./utils/Test.sol";

// =============================================================================================
// Helpers: a deliberately naive vault (no SafeERC20, credits the requested amount, pays out
// before updating its books) and the hook contracts that probe the tokens.
// =============================================================================================

/// @dev Everything a careful protocol does not do: it trusts `transfer`'s return value to be
///      present, ignores it, credits the requested amount and makes the external call first.
contract NaiveVault {
    IERC20 public immutable token;
    mapping(address account => uint256) public credited;

    constructor(IERC20 token_) {
        token = token_;
    }

    function deposit(uint256 amount) external {
        token.transferFrom(msg.sender, address(this), amount);
        credited[msg.sender] += amount;
    }

    function withdraw() external {
        uint256 amount = credited[msg.sender];
        token.transfer(msg.sender, amount);
        credited[msg.sender] = 0;
    }
}

/// @dev Pays out with `SafeERC20`, as a careful protocol does. (Cheatcode `expectRevert` only sees
///      reverts of external calls, so the library's checks must run in a contract of their own.)
contract SafePayer {
    using SafeERC20 for IERC20;

    function pay(IERC20 token, address to, uint256 amount) external {
        token.safeTransfer(to, amount);
    }
}

/// @dev Records each hook call, with its own token balance at the time of the call.
contract HookRecorder is ITokenHook {
    struct Call {
        address token;
        address from;
        uint256 amount;
        uint256 balanceDuringCall;
    }

    Call[] public calls;

    function onTokenTransfer(address from, uint256 amount) external {
        calls.push(Call(msg.sender, from, amount, IERC20(msg.sender).balanceOf(address(this))));
    }

    function callCount() external view returns (uint256) {
        return calls.length;
    }

    function approve(IERC20 token, address spender, uint256 amount) external {
        token.approve(spender, amount);
    }

    function transfer(IERC20 token, address to, uint256 amount) external {
        token.transfer(to, amount);
    }
}

/// @dev Deposits into a `NaiveVault` and, when paid out, re-enters `withdraw` while the vault
///      still holds at least its stake.
contract ReentrantWithdrawer is ITokenHook {
    NaiveVault public immutable vault;
    IERC20 public immutable token;

    constructor(NaiveVault vault_) {
        vault = vault_;
        token = vault_.token();
    }

    function attack(uint256 stake) external {
        token.approve(address(vault), stake);
        vault.deposit(stake);
        vault.withdraw();
    }

    function onTokenTransfer(address from, uint256 amount) external {
        if (msg.sender == address(token) && from == address(vault) && token.balanceOf(address(vault)) >= amount) {
            vault.withdraw();
        }
    }
}

/// @dev A hook that always reverts.
contract RevertingHook is ITokenHook {
    error RevertingHookCalled();

    function onTokenTransfer(address, uint256) external pure {
        revert RevertingHookCalled();
    }
}

// =============================================================================================
// MockERC20
// =============================================================================================

contract MockERC20Test is Test {
    uint256 internal constant OWNER_KEY = 0x0A11CE;

    MockERC20 internal token;
    address internal owner = vm.addr(OWNER_KEY);
    address internal spender = makeAddr("spender");

    function setUp() public {
        token = new MockERC20("Mock", "MCK", 18);
    }

    function testFuzz_decimals_isConfigurable(uint8 decimals) public {
        MockERC20 custom = new MockERC20("Mock", "MCK", decimals);
        assertEq(custom.decimals(), decimals, "decimals");
    }

    function testFuzz_mint_creditsRecipient(address to, uint256 amount) public {
        vm.assume(to != address(0));
        vm.prank(makeAddr("anyone"));
        token.mint(to, amount);
        assertEq(token.balanceOf(to), amount, "balance");
        assertEq(token.totalSupply(), amount, "supply");
    }

    function test_permit_setsAllowanceFromSignature() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = SigUtils.permitDigest(IERC20Permit(address(token)), owner, spender, 1e18, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(OWNER_KEY, digest);

        token.permit(owner, spender, 1e18, deadline, v, r, s);

        assertEq(token.allowance(owner, spender), 1e18, "allowance");
        assertEq(token.nonces(owner), 1, "nonce used");
    }
}

// =============================================================================================
// MockUSDC
// =============================================================================================

contract MockUSDCTest is Test {
    uint256 internal constant ALICE_KEY = 0xA11CE;

    MockUSDC internal usdc;
    address internal alice = vm.addr(ALICE_KEY);
    address internal bob = makeAddr("bob");
    address internal spender = makeAddr("spender");

    function setUp() public {
        usdc = new MockUSDC();
        usdc.mint(alice, 1_000e6);
    }

    function test_decimals_isSix() public view {
        assertEq(usdc.decimals(), 6, "decimals");
    }

    function test_permit_setsAllowanceFromSignature() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = SigUtils.permitDigest(IERC20Permit(address(usdc)), alice, spender, 5e6, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);

        usdc.permit(alice, spender, 5e6, deadline, v, r, s);

        assertEq(usdc.allowance(alice, spender), 5e6, "allowance");
    }

    function test_blocklist_emitsAndRecords() public {
        vm.expectEmit(address(usdc));
        emit MockUSDC.Blocklisted(bob);
        usdc.blocklist(bob);
        assertTrue(usdc.isBlocklisted(bob), "blocklisted");
    }

    function test_transfer_revertsFromBlocklisted() public {
        usdc.blocklist(alice);
        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, alice));
        vm.prank(alice);
        usdc.transfer(bob, 1e6);
    }

    function test_transfer_revertsToBlocklisted() public {
        usdc.blocklist(bob);
        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, bob));
        vm.prank(alice);
        usdc.transfer(bob, 1e6);
    }

    function test_transferFrom_revertsFromBlocklisted() public {
        vm.prank(alice);
        usdc.approve(spender, 1e6);
        usdc.blocklist(alice);

        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, alice));
        vm.prank(spender);
        usdc.transferFrom(alice, bob, 1e6);
    }

    function test_transferFrom_revertsForBlocklistedSpender() public {
        vm.prank(alice);
        usdc.approve(spender, 1e6);
        usdc.blocklist(spender);

        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, spender));
        vm.prank(spender);
        usdc.transferFrom(alice, bob, 1e6);
    }

    function test_approve_revertsForBlocklistedSpender() public {
        usdc.blocklist(spender);
        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, spender));
        vm.prank(alice);
        usdc.approve(spender, 1e6);
    }

    function test_mint_revertsToBlocklisted() public {
        usdc.blocklist(bob);
        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, bob));
        usdc.mint(bob, 1e6);
    }

    function test_unblock_restoresTransfers() public {
        usdc.blocklist(bob);
        vm.expectEmit(address(usdc));
        emit MockUSDC.Unblocked(bob);
        usdc.unblock(bob);

        vm.prank(alice);
        usdc.transfer(bob, 1e6);
        assertEq(usdc.balanceOf(bob), 1e6, "received");
    }
}

// =============================================================================================
// FeeOnTransferToken
// =============================================================================================

contract FeeOnTransferTokenTest is Test {
    FeeOnTransferToken internal token;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        token = new FeeOnTransferToken();
    }

    function testFuzz_mint_takesNoFee(uint256 amount) public {
        token.mint(alice, amount);
        assertEq(token.balanceOf(alice), amount, "balance");
        assertEq(token.totalSupply(), amount, "supply");
    }

    function test_transfer_burnsOnePercent() public {
        token.mint(alice, 100e18);
        vm.prank(alice);
        token.transfer(bob, 100e18);

        assertEq(token.balanceOf(alice), 0, "sender debited in full");
        assertEq(token.balanceOf(bob), 99e18, "recipient credited 99%");
        assertEq(token.totalSupply(), 99e18, "fee burned");
    }

    function testFuzz_transfer_recipientGetsAmountMinusFee(uint256 amount) public {
        amount = bound(amount, 0, type(uint128).max);
        token.mint(alice, amount);
        vm.prank(alice);
        token.transfer(bob, amount);

        uint256 fee = amount / 100;
        assertEq(token.feeOf(amount), fee, "fee is 1%, rounded down");
        assertEq(token.balanceOf(bob), amount - fee, "received");
        assertEq(token.totalSupply(), amount - fee, "supply");
    }

    function test_transfer_isFreeBelowOneHundredWei() public {
        token.mint(alice, 99);
        vm.prank(alice);
        token.transfer(bob, 99);
        assertEq(token.balanceOf(bob), 99, "no fee");
    }

    function test_transferFrom_spendsFullAllowance() public {
        token.mint(alice, 100e18);
        vm.prank(alice);
        token.approve(bob, 100e18);

        vm.prank(bob);
        token.transferFrom(alice, bob, 100e18);

        assertEq(token.allowance(alice, bob), 0, "allowance spent in full");
        assertEq(token.balanceOf(bob), 99e18, "received");
    }

    function test_deposit_overcreditsNaiveVault() public {
        NaiveVault vault = new NaiveVault(IERC20(address(token)));
        token.mint(alice, 100e18);
        vm.startPrank(alice);
        token.approve(address(vault), 100e18);
        vault.deposit(100e18);
        vm.stopPrank();

        assertEq(vault.credited(alice), 100e18, "credited");
        assertEq(token.balanceOf(address(vault)), 99e18, "held");
    }
}

// =============================================================================================
// NoReturnToken
// =============================================================================================

contract NoReturnTokenTest is Test {
    using SafeERC20 for IERC20;

    NoReturnToken internal token;
    address internal bob = makeAddr("bob");

    function setUp() public {
        token = new NoReturnToken();
        token.mint(address(this), 1_000e18);
    }

    function test_transfer_returnsNoData() public {
        (bool success, bytes memory returndata) =
            address(token).call(abi.encodeCall(IERC20.transfer, (bob, 1e18)));
        assertTrue(success, "call succeeded");
        assertEq(returndata.length, 0, "no return data");
        assertEq(token.balanceOf(bob), 1e18, "moved");
    }

    function test_approve_returnsNoData() public {
        (bool success, bytes memory returndata) =
            address(token).call(abi.encodeCall(IERC20.approve, (bob, 1e18)));
        assertTrue(success, "call succeeded");
        assertEq(returndata.length, 0, "no return data");
        assertEq(token.allowance(address(this), bob), 1e18, "allowance");
    }

    function test_transferFrom_revertsThroughIERC20Interface() public {
        NaiveVault vault = new NaiveVault(IERC20(address(token)));
        token.approve(address(vault), 1e18);

        // The token moves the funds, but the vault's `IERC20.transferFrom` call expects a bool
        // and reverts (with no data) when decoding the empty return data.
        vm.expectRevert();
        vault.deposit(1e18);
    }

    function test_safeTransfer_succeeds() public {
        IERC20(address(token)).safeTransfer(bob, 1e18);
        assertEq(token.balanceOf(bob), 1e18, "moved");
    }

    function test_safeTransferFrom_succeeds() public {
        token.mint(bob, 1e18);
        vm.prank(bob);
        token.approve(address(this), 1e18);

        IERC20(address(token)).safeTransferFrom(bob, address(this), 1e18);

        assertEq(token.balanceOf(bob), 0, "debited");
        assertEq(token.allowance(bob, address(this)), 0, "allowance spent");
    }

    function test_transfer_revertsOnInsufficientBalance() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, bob, 0, 1)
        );
        vm.prank(bob);
        token.transfer(address(this), 1);
    }

    function test_approve_revertsFromNonZeroToNonZero() public {
        token.approve(bob, 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(NoReturnToken.NoReturnTokenApproveFromNonZero.selector, address(this), bob, 1e18)
        );
        token.approve(bob, 2e18);
    }

    function test_forceApprove_resetsThenApproves() public {
        token.approve(bob, 1e18);
        IERC20(address(token)).forceApprove(bob, 2e18);
        assertEq(token.allowance(address(this), bob), 2e18, "allowance");
    }
}

// =============================================================================================
// ReturnsFalseToken
// =============================================================================================

contract ReturnsFalseTokenTest is Test {
    ReturnsFalseToken internal token;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        token = new ReturnsFalseToken();
        token.mint(alice, 100e18);
    }

    function test_transfer_behavesNormallyWhenFlagClear() public {
        assertFalse(token.failTransfers(), "flag clear by default");
        vm.prank(alice);
        assertTrue(token.transfer(bob, 1e18), "returns true");
        assertEq(token.balanceOf(bob), 1e18, "moved");
    }

    function test_transfer_returnsFalseAndMovesNothingWhenFlagSet() public {
        token.setFailTransfers(true);
        vm.prank(alice);
        assertFalse(token.transfer(bob, 1e18), "returns false");
        assertEq(token.balanceOf(alice), 100e18, "sender unchanged");
        assertEq(token.balanceOf(bob), 0, "recipient unchanged");
    }

    function test_transferFrom_returnsFalseAndKeepsAllowanceWhenFlagSet() public {
        vm.prank(alice);
        token.approve(bob, 1e18);
        token.setFailTransfers(true);

        vm.prank(bob);
        assertFalse(token.transferFrom(alice, bob, 1e18), "returns false");
        assertEq(token.allowance(alice, bob), 1e18, "allowance unchanged");
        assertEq(token.balanceOf(alice), 100e18, "sender unchanged");
    }

    function test_safeTransfer_revertsWhenFlagSet() public {
        SafePayer payer = new SafePayer();
        token.mint(address(payer), 1e18);
        token.setFailTransfers(true);

        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(token)));
        payer.pay(IERC20(address(token)), bob, 1e18);
    }

    function test_deposit_creditsNaiveVaultWithNothingWhenFlagSet() public {
        NaiveVault vault = new NaiveVault(IERC20(address(token)));
        vm.prank(alice);
        token.approve(address(vault), 10e18);
        token.setFailTransfers(true);

        vm.prank(alice);
        vault.deposit(10e18);

        assertEq(vault.credited(alice), 10e18, "credited");
        assertEq(token.balanceOf(address(vault)), 0, "nothing arrived");
    }
}

// =============================================================================================
// HookToken
// =============================================================================================

contract HookTokenTest is Test {
    HookToken internal token;
    HookRecorder internal recorder;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        token = new HookToken();
        recorder = new HookRecorder();
        token.mint(alice, 100e18);
    }

    function test_transfer_callsRecipientHookAfterCredit() public {
        token.setHook(address(recorder), true);
        vm.prank(alice);
        token.transfer(address(recorder), 10e18);

        assertEq(recorder.callCount(), 1, "one call");
        (address hookToken, address from, uint256 amount, uint256 balanceDuringCall) = recorder.calls(0);
        assertEq(hookToken, address(token), "caller is the token");
        assertEq(from, alice, "from");
        assertEq(amount, 10e18, "amount");
        assertEq(balanceDuringCall, 10e18, "already credited");
    }

    function test_transfer_skipsUnregisteredRecipient() public {
        vm.prank(alice);
        token.transfer(address(recorder), 10e18);
        assertEq(recorder.callCount(), 0, "no call");
    }

    function test_transfer_skipsRegisteredAccountWithoutCode() public {
        token.setHook(bob, true);
        vm.prank(alice);
        token.transfer(bob, 10e18);
        assertEq(token.balanceOf(bob), 10e18, "moved");
    }

    function test_transfer_doesNotCallSenderHook() public {
        token.mint(address(recorder), 10e18);
        token.setHook(address(recorder), true);
        recorder.transfer(IERC20(address(token)), bob, 10e18);
        assertEq(recorder.callCount(), 0, "no call");
    }

    function test_transferFrom_callsSenderHookBeforeDebit() public {
        token.mint(address(recorder), 10e18);
        token.setHook(address(recorder), true);
        recorder.approve(IERC20(address(token)), alice, 10e18);

        vm.prank(alice);
        token.transferFrom(address(recorder), bob, 10e18);

        assertEq(recorder.callCount(), 1, "one call");
        (, address from, uint256 amount, uint256 balanceDuringCall) = recorder.calls(0);
        assertEq(from, address(recorder), "from is the holder itself");
        assertEq(amount, 10e18, "amount");
        assertEq(balanceDuringCall, 10e18, "not yet debited");
        assertEq(token.balanceOf(bob), 10e18, "moved");
    }

    function test_transferFrom_callsBothHooksInOrder() public {
        HookRecorder receiver = new HookRecorder();
        token.mint(address(recorder), 10e18);
        token.setHook(address(recorder), true);
        token.setHook(address(receiver), true);
        recorder.approve(IERC20(address(token)), alice, 10e18);

        vm.prank(alice);
        token.transferFrom(address(recorder), address(receiver), 10e18);

        (,,, uint256 senderBalance) = recorder.calls(0);
        (, address from,, uint256 receiverBalance) = receiver.calls(0);
        assertEq(senderBalance, 10e18, "sender hook before debit");
        assertEq(from, address(recorder), "receiver sees the holder");
        assertEq(receiverBalance, 10e18, "receiver hook after credit");
    }

    function test_mint_callsNoHook() public {
        token.setHook(address(recorder), true);
        token.mint(address(recorder), 10e18);
        assertEq(recorder.callCount(), 0, "no call");
    }

    function test_setHook_disablesHook() public {
        token.setHook(address(recorder), true);
        vm.expectEmit(address(token));
        emit HookToken.HookSet(address(recorder), false);
        token.setHook(address(recorder), false);

        vm.prank(alice);
        token.transfer(address(recorder), 10e18);
        assertEq(recorder.callCount(), 0, "no call");
    }

    function test_transfer_propagatesHookRevert() public {
        RevertingHook hook = new RevertingHook();
        token.setHook(address(hook), true);
        vm.expectRevert(RevertingHook.RevertingHookCalled.selector);
        vm.prank(alice);
        token.transfer(address(hook), 1e18);
    }

    function test_transfer_letsRecipientReenterNaiveVault() public {
        NaiveVault vault = new NaiveVault(IERC20(address(token)));
        ReentrantWithdrawer attacker = new ReentrantWithdrawer(vault);
        token.setHook(address(attacker), true);

        // Alice deposits 90; the attacker deposits 10 and re-enters `withdraw` on every payout.
        vm.startPrank(alice);
        token.approve(address(vault), 90e18);
        vault.deposit(90e18);
        vm.stopPrank();
        token.mint(address(attacker), 10e18);

        attacker.attack(10e18);

        assertEq(token.balanceOf(address(vault)), 0, "vault drained");
        assertEq(token.balanceOf(address(attacker)), 100e18, "attacker took alice's deposit");
        assertEq(vault.credited(alice), 90e18, "alice still credited");
    }
}
