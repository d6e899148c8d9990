//! `tokensmith issue …`: one subcommand per token kind, each a direct call into the core.

use clap::{Args, Subcommand};
use tokensmith::ably::{self, Capability, IssueOptions, TokenParams};
use tokensmith::agora::{self, ChatTokenParams};
use tokensmith::{Context, auth_token};

use crate::secrets::{AblyKey, AgoraSecret};
use crate::{Failure, encoded, json, print};

#[derive(Subcommand)]
pub enum Issue {
    /// Agora Chat user token (AccessToken2, `007…`)
    AgoraUser {
        /// Chat user id the token is for
        #[arg(long)]
        user_id: String,
        #[command(flatten)]
        agora: AgoraArgs,
    },
    /// Agora Chat app token (AccessToken2, `007…`), for the Chat REST API
    AgoraApp(AgoraArgs),
    /// Signed Ably TokenRequest (JSON), for a client to exchange with Ably
    AblyRequest {
        #[command(flatten)]
        params: AblyArgs,
        /// Milliseconds since the epoch (default: now)
        #[arg(long, value_name = "MS")]
        timestamp: Option<u64>,
        /// At least 16 characters (default: random)
        #[arg(long)]
        nonce: Option<String>,
    },
    /// Ably TokenDetails (JSON) whose token is an Ably JWT
    AblyToken {
        #[command(flatten)]
        params: AblyArgs,
        /// What the key may grant, as JSON; the request is intersected with it (default: all)
        #[arg(long, value_name = "JSON")]
        key_capability: Option<String>,
        /// Longest lifetime to grant, in milliseconds (default: 24 h)
        #[arg(long, value_name = "MS")]
        max_ttl: Option<u64>,
    },
    /// Opaque per-user auth token (`tks_…`); store only its fingerprint
    AuthToken,
}

#[derive(Args)]
pub struct AgoraArgs {
    /// App id (32 hex characters)
    #[arg(long)]
    app_id: String,
    /// Validity in seconds from the issue time (at most 86400)
    #[arg(long, value_name = "SECS")]
    expire: u32,
    /// Issue time in Unix seconds (default: now); pin it for reproducible tokens
    #[arg(long, value_name = "SECS")]
    issue_ts: Option<u32>,
    /// Salt (default: random); pin it for reproducible tokens
    #[arg(long)]
    salt: Option<u32>,
    #[command(flatten)]
    secret: AgoraSecret,
}

impl AgoraArgs {
    /// Both chat token kinds take the same inputs; only the user id differs.
    fn build(self, ctx: &Context, user_id: Option<&str>) -> Result<String, Failure> {
        let cert = self.secret.resolve()?;
        let p = ChatTokenParams {
            app_id: &self.app_id,
            app_certificate: cert.expose(),
            expire: self.expire,
            issue_ts: self.issue_ts,
            salt: self.salt,
        };
        Ok(match user_id {
            Some(user_id) => agora::build_chat_user_token(ctx, &p, user_id)?,
            None => agora::build_chat_app_token(ctx, &p)?,
        })
    }
}

#[derive(Args)]
pub struct AblyArgs {
    /// Token lifetime in milliseconds
    #[arg(long, value_name = "MS")]
    ttl: Option<u64>,
    /// Capability as JSON, e.g. '{"chat:*":["publish","subscribe"]}'
    #[arg(long, value_name = "JSON")]
    capability: Option<String>,
    /// Client id the token is for (`*` for any)
    #[arg(long)]
    client_id: Option<String>,
    /// Pretty-print the JSON
    #[arg(long)]
    pretty: bool,
    #[command(flatten)]
    key: AblyKey,
}

impl AblyArgs {
    fn token_params(&self) -> Result<TokenParams, Failure> {
        Ok(TokenParams {
            ttl: self.ttl,
            capability: self.capability.as_deref().map(Capability::parse).transpose()?,
            client_id: self.client_id.clone(),
            ..TokenParams::default()
        })
    }
}

pub fn run(ctx: &Context, cmd: Issue) -> Result<(), Failure> {
    let out = match cmd {
        Issue::AgoraUser { user_id, agora } => agora.build(ctx, Some(&user_id))?,
        Issue::AgoraApp(agora) => agora.build(ctx, None)?,
        Issue::AblyRequest { params, timestamp, nonce } => {
            let p = TokenParams { timestamp, nonce, ..params.token_params()? };
            let req = ably::create_token_request(ctx, &params.key.resolve()?, &p)?;
            json(encoded(serde_json::to_value(&req))?, params.pretty)
        }
        Issue::AblyToken { params, key_capability, max_ttl } => {
            let defaults = IssueOptions::default();
            let opts = IssueOptions {
                key_capability: match key_capability {
                    Some(text) => Capability::parse(&text)?,
                    None => defaults.key_capability,
                },
                max_ttl_ms: max_ttl.unwrap_or(defaults.max_ttl_ms),
                ..defaults
            };
            let p = params.token_params()?;
            let details = ably::issue_token(ctx, &params.key.resolve()?, &p, &opts)?;
            json(encoded(serde_json::to_value(&details))?, params.pretty)
        }
        Issue::AuthToken => auth_token::generate(ctx),
    };
    print(&out)
}
