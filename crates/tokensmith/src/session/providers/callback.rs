//! Any async function returning a token and its expiry: an Agora token server call written by
//! the app, a custom backend, a test double.

use std::future::Future;

use crate::session::{Credential, FetchError, FetchParams, Provider};

/// A [`Provider`] from a function; see [`from_fn`].
pub struct FnProvider<F> {
    f: F,
}

/// Wraps `f` as a provider. It is called once per fetch (never concurrently for one session)
/// and decides whether its failures are retryable ([`FetchError`]).
///
/// ```
/// use tokensmith::session::{Credential, FetchError, providers};
/// let provider = providers::from_fn(|params| async move {
///     let expires = params.context.now_ms() + 600_000;
///     Ok::<_, FetchError>(Credential::new("a-token", Some(expires)))
/// });
/// # let _ = provider;
/// ```
pub fn from_fn<F, Fut>(f: F) -> FnProvider<F>
where
    F: Fn(FetchParams) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Credential, FetchError>> + Send,
{
    FnProvider { f }
}

#[async_trait::async_trait]
impl<F, Fut> Provider for FnProvider<F>
where
    F: Fn(FetchParams) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Credential, FetchError>> + Send,
{
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError> {
        (self.f)(params.clone()).await
    }
}
