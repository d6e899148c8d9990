//! What the HTTP-backed providers share: a REST client set up for a provider, the verdict on
//! an HTTP failure, and TokenRequest exchange through the client.

use std::time::Duration;

use crate::ably::TokenRequest;
use crate::client::{Client, ClientBuilder, RetryPolicy};
use crate::error::{Error, Result};
use crate::session::providers::Exchanger;
use crate::session::{Credential, FetchError, FetchParams};

/// A client for `base_url` that tries each request once: the session's engine retries failed
/// fetches itself, with jittered backoff on its injectable timer, and reports each attempt.
pub(crate) fn client(
    base_url: &str,
    timeout_ms: u64,
    setup: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Result<Client> {
    if timeout_ms == 0 {
        return Err(Error::invalid("http_timeout_ms", "must be more than 0"));
    }
    setup(Client::builder(base_url).retry(RetryPolicy::never()).timeout(Duration::from_millis(timeout_ms))).build()
}

/// The verdict on a provider's HTTP failure: the network, a timeout, a 429 or a 5xx may pass
/// (retried with backoff); any other refusal (401, 403, a bad answer) is final until the
/// session is authorized again, so a login that is over never turns into a retry loop.
pub(crate) fn failure(error: Error) -> FetchError {
    let transient = match error.status() {
        Some(status) => status == 429 || status >= 500,
        None => matches!(error.kind(), Error::Network(_) | Error::RequestTimeout { .. }),
    };
    let retry_after = error.retry_after_ms();
    let f = if transient { FetchError::retryable(error) } else { FetchError::terminal(error) };
    match retry_after {
        Some(ms) => f.with_retry_after(ms),
        None => f,
    }
}

/// The REST client exchanges a TokenRequest at `POST /keys/{keyName}/requestToken` of its base.
#[async_trait::async_trait]
impl Exchanger for Client {
    async fn exchange(&self, request: &TokenRequest, _params: &FetchParams) -> Result<Credential, FetchError> {
        self.request_token(request).await.map(Credential::from).map_err(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RemoteError;
    use crate::session::Verdict;

    fn remote(kind: Error, status: u16) -> Error {
        Error::Remote(Box::new(RemoteError {
            kind,
            status,
            server_code: None,
            message: String::new(),
            details: vec![],
        }))
    }

    #[test]
    fn transient_failures_are_retried_and_refusals_are_final() {
        for e in [
            remote(Error::HttpError("x".into()), 500),
            remote(Error::HttpError("x".into()), 503),
            remote(Error::RateLimited { retry_after_ms: Some(2_000) }, 429),
            Error::Network("reset".into()),
            Error::RequestTimeout { after_ms: 10 },
        ] {
            assert_eq!(failure(e.clone()).verdict(), Verdict::Retryable, "{e:?}");
        }
        assert_eq!(
            failure(remote(Error::RateLimited { retry_after_ms: Some(2_000) }, 429)).retry_after_ms(),
            Some(2_000)
        );
        for e in [
            remote(Error::Unauthorized("x".into()), 403),
            remote(Error::Unauthorized("x".into()), 401),
            remote(Error::InvalidArgument { field: "ttl", reason: "x".into() }, 400),
            Error::invalid("auth_url", "bad"),
        ] {
            assert_eq!(failure(e.clone()).verdict(), Verdict::Terminal, "{e:?}");
        }
    }
}
