//! Ably token auth: signed TokenRequests with the exact `mac`, capabilities, and TokenDetails
//! issued as Ably JWTs (see the crate's ably-token-auth notes).

mod capability;
mod jwt;
mod jwt_claims;
mod jwt_sign;
mod jwt_verify;
mod key;
mod token_request;

pub use capability::{Capability, OPERATIONS, resource_matches};
pub use jwt::{Claims, DEFAULT_TTL_MS, IssueOptions, IssuedJwt, TokenDetails, issue_jwt, issue_token};
pub use jwt_claims::ClaimsRef;
pub use jwt_verify::{TokenCheck, decode_unverified, verify_token, verify_token_with};
pub use key::Key;
pub use token_request::{
    DEFAULT_WINDOW_MS, MIN_NONCE_LEN, MemoryNonceCache, NonceCache, RequestCheck, TokenParams, TokenRequest,
    create_token_request, verify_token_request,
};

/// Ably's ceiling on a token's lifetime (24 h).
pub const MAX_TTL_MS: u64 = 86_400_000;

#[cfg(test)]
mod tests;
