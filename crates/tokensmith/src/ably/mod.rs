//! Ably token auth: signed TokenRequests with the exact `mac`, capabilities, and TokenDetails
//! issued as Ably JWTs (see the crate's ably-token-auth notes).

mod capability;
mod jwt;
mod key;
mod token_request;

pub use capability::{Capability, OPERATIONS, resource_matches};
pub use jwt::{
    Claims, DEFAULT_TTL_MS, IssueOptions, TokenCheck, TokenDetails, decode_unverified, issue_token, verify_token,
};
pub use key::Key;
pub use token_request::{
    DEFAULT_WINDOW_MS, MIN_NONCE_LEN, MemoryNonceCache, NonceCache, RequestCheck, TokenParams, TokenRequest,
    create_token_request, verify_token_request,
};

/// Ably's ceiling on a token's lifetime (24 h).
pub const MAX_TTL_MS: u64 = 86_400_000;

#[cfg(test)]
mod tests;
