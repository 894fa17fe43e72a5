// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Depinfer access-manager role ids
/// @notice The `uint64` role ids that the protocol's OpenZeppelin `AccessManager` assigns. Every
///         privileged function in `contracts/core` is `restricted`; the manager maps each function
///         selector to one of these roles.
/// @dev The values of `ADMIN` and `PUBLIC` are fixed by OpenZeppelin's `AccessManager`
///      (`ADMIN_ROLE` and `PUBLIC_ROLE`) and must not change. The others are ours and are part of the
///      deployment: changing one after launch needs a governance proposal that re-maps every
///      selector, so treat them as append-only.
library Roles {
    /// @notice The AccessManager admin (`AccessManager.ADMIN_ROLE`). Held by the `DepinferTimelock`
    ///         only, so every change it makes passes a governance vote and the timelock delay.
    /// @dev Also guards every parameter setter: see `GOVERNANCE`.
    uint64 internal constant ADMIN = 0;

    /// @notice May pause only. Meant for a fast-acting multisig that can stop the protocol in an
    ///         emergency but can neither unpause it nor move funds or change parameters.
    /// @dev The same account also holds the `DepinferTimelock`'s `CANCELLER_ROLE` (an OpenZeppelin
    ///      `AccessControl` role of the timelock, not an AccessManager role), so it can cancel an
    ///      operation that a captured vote queued before it executes. It can stop changes, never make
    ///      one. The deployment grants both; a change of guardian should move both.
    uint64 internal constant GUARDIAN = 1;

    /// @notice May call `ArbitratedVerifier.rule` to settle arbitrated disputes: an account or a
    ///         council multisig. The verifier itself must be a contract (the market calls it when a
    ///         dispute opens), so this role is how people, not modules, decide.
    uint64 internal constant ARBITRATOR = 2;

    /// @notice Reserved; granted to no one and mapped to no selector.
    /// @dev Parameter setters are kept under `ADMIN`, i.e. behind the Timelock, rather than under a
    ///      separate role: a second role that could change parameters would be a second path
    ///      around the vote and the delay. The id is reserved so that a future split (for instance
    ///      a shorter-delay timelock for low-risk parameters) does not need to renumber roles.
    uint64 internal constant GOVERNANCE = 3;

    /// @notice May call `SampledVerifier.expose`: the operator of planted checks (canary jobs with a
    ///         known-wrong output, docs/protocol.md 7.7). Exposing forces a check's escalation and nothing
    ///         else: round 1 still decides by majority, so the role can cost the fund an escalation but
    ///         cannot rule.
    uint64 internal constant PLANTER = 4;

    /// @notice Everyone (`AccessManager.PUBLIC_ROLE`). Mapping a selector to it makes the function
    ///         callable by any account.
    uint64 internal constant PUBLIC = type(uint64).max;
}
