//! The outermost layer around every handler ([`crate::middleware`]): a tracing span per request
//! (route template, app, credential fingerprint, never a raw token), metrics, `X-RateLimit-*`
//! headers, `X-Request-Id`, and the last word on error bodies: every 4xx/5xx leaves as JSON in
//! the route's flavor, whoever produced it. The access line is `debug` for answered requests
//! (`info` when refused, `warn` when failed): formatting and writing a line per request would
//! cost a third of the throughput.
//!
//! A hand-written service rather than `axum::middleware::from_fn`, which boxes the inner service
//! and the future of every request; the rate-limit standing comes back through a task-local
//! ([`crate::limits::scope`]) instead of an `Arc` in the request's extensions.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::Span;
use tracing::field::Empty;

use crate::app::AppState;
use crate::error::{ApiError, Flavor};
use crate::limits::{self, RateCell};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

#[derive(Clone)]
pub struct ObserveLayer(pub AppState);

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;
    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner, state: self.0.clone() }
    }
}

#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let start = Instant::now();
        let route = req.extensions().get::<MatchedPath>().cloned();
        let method = req.method().clone();
        let flavor = Flavor::of_path(req.uri().path());
        let id = request_id(self.state.next_request_id());
        let span = tracing::info_span!(
            "request",
            id = %std::str::from_utf8(&id).unwrap_or_default(),
            method = %method,
            route = %route.as_ref().map_or("unmatched", MatchedPath::as_str),
            app = Empty,
            credential = Empty,
            subject = Empty
        );
        let inner = span.in_scope(|| limits::scope(self.inner.call(req)));
        ObserveFuture { inner, span, state: self.state.clone(), start, route, method, flavor, id }
    }
}

pin_project_lite::pin_project! {
    pub struct ObserveFuture<F> {
        #[pin]
        inner: TaskLocalFuture<RateCell, F>,
        span: Span,
        state: AppState,
        start: Instant,
        route: Option<MatchedPath>,
        method: Method,
        flavor: Flavor,
        id: [u8; 16],
    }
}

impl<F> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let response = {
            let _entered = this.span.enter();
            std::task::ready!(this.inner.as_mut().poll(cx))
        };
        let Ok(response) = response;
        let rate = this.inner.take_value().and_then(|cell| cell.get());
        let mut response = finish_error(response, *this.flavor);

        let headers = response.headers_mut();
        if let Some(rate) = rate.filter(|r| r.limit > 0) {
            headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(rate.limit));
            headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(rate.remaining));
            headers.insert(X_RATELIMIT_RESET, HeaderValue::from(rate.reset));
        }
        if let Ok(v) = HeaderValue::from_bytes(this.id) {
            headers.insert(X_REQUEST_ID, v);
        }

        let route = this.route.as_ref().map_or("unmatched", MatchedPath::as_str);
        let status = response.status().as_u16();
        let elapsed = this.start.elapsed();
        let metrics = &this.state.metrics;
        metrics.request(route, this.method.as_str(), status, elapsed);
        let error = response.extensions().get::<ApiError>();
        let code = error.map_or("", |e| e.code.as_ref());
        if matches!(status, 401 | 403 | 429) {
            metrics.refused(error.and_then(|e| e.core_code).unwrap_or(code));
        }
        let latency_ms = elapsed.as_micros() as f64 / 1000.0;
        this.span.in_scope(|| match status {
            500.. => tracing::warn!(status, latency_ms, code, "request failed"),
            400.. => tracing::info!(status, latency_ms, code, "request refused"),
            _ => tracing::debug!(status, latency_ms, "request"),
        });
        Poll::Ready(Ok(response))
    }
}

/// `n` as 16 lower-case hex digits, on the stack.
fn request_id(n: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, c) in out.iter_mut().enumerate() {
        *c = b"0123456789abcdef"[((n >> (60 - 4 * i)) & 0xf) as usize];
    }
    out
}

/// Every error answer as JSON in the route's flavor: ours are re-rendered for Ably routes; the
/// plain-text or empty ones of axum and the layers (rejections, 405, 408, 413, panics) are
/// replaced, keeping their other headers (`Allow`, CORS).
fn finish_error(response: Response, flavor: Flavor) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let error = match response.extensions().get::<ApiError>() {
        Some(_) if flavor == Flavor::CometChat => return response,
        Some(e) => e.clone(),
        None => ApiError::from_status(status),
    };
    let (old, _) = response.into_parts();
    let mut new = error.render(flavor);
    for (name, value) in &old.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH && !new.headers().contains_key(name) {
            new.headers_mut().append(name, value.clone());
        }
    }
    new
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_16_hex_digits() {
        assert_eq!(&super::request_id(0x0123_4567_89ab_cdef), b"0123456789abcdef");
        assert_eq!(&super::request_id(u64::MAX), b"ffffffffffffffff");
    }
}
