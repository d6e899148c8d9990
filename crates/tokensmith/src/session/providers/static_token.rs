//! A token given once, with nothing to renew it (Ably's `token` option alone, a CometChat
//! login token): handed out until it expires or a server refuses it, then the session answers
//! "no means to renew" instead of retrying.

use crate::session::failure::{Failure, to_error};
use crate::session::{Credential, FetchError, FetchParams, Provider};

pub struct StaticToken(Credential);

impl StaticToken {
    pub fn new(credential: Credential) -> Self {
        StaticToken(credential)
    }
}

#[async_trait::async_trait]
impl Provider for StaticToken {
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError> {
        let now = params.context.now_ms();
        match self.0.expires_ms {
            Some(e) if now >= e => {
                Err(FetchError::terminal(to_error(Failure::NoRenewalMeans { expired_by_ms: Some(now - e) })))
            }
            _ => Ok(self.0.clone()),
        }
    }

    fn renewable(&self) -> bool {
        false
    }
}
