//! The layers around every route (and the fallback), outermost first:
//!
//! 1. `observe`: a tracing span per request (route template, app, credential fingerprint, never
//!    a raw token), metrics, `X-RateLimit-*` headers, `X-Request-Id`, and the last word on error
//!    bodies: every 4xx/5xx leaves as JSON in the route's flavor, whoever produced it. The
//!    access line is `debug` for answered requests (`info` when refused, `warn` when failed):
//!    formatting and writing a line per request would cost a third of the throughput.
//! 2. CORS (any origin, no cookies: browsers call `/auth/ably` and the client routes; [`crate::cors`]).
//! 3. Panics become 500s instead of dropped connections.
//! 4. Body size cap (413), request timeout (408, [`crate::deadline`]).

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument;
use tracing::field::Empty;

use crate::app::AppState;
use crate::config::Limits;
use crate::cors::AnyOriginLayer;
use crate::deadline::DeadlineLayer;
use crate::error::{ApiError, Flavor};
use crate::limits::RateSlot;

/// `routes` with the whole middleware stack and the state.
pub fn apply(routes: Router<AppState>, state: AppState, limits: &Limits) -> Router {
    let timeout = Duration::from_millis(limits.request_timeout_ms);
    routes
        .layer(
            ServiceBuilder::new()
                .layer(AnyOriginLayer)
                .layer(CatchPanicLayer::new())
                .layer(RequestBodyLimitLayer::new(limits.body_limit_bytes))
                .layer(DeadlineLayer(timeout))
                .layer(DefaultBodyLimit::max(limits.body_limit_bytes)),
        )
        .layer(from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", |m| m.as_str());
    let method = req.method().clone();
    let flavor = Flavor::of_path(req.uri().path());
    let id = request_id(state.next_request_id());
    let id = std::str::from_utf8(&id).unwrap_or_default();
    let span = tracing::info_span!(
        "request", id = %id, method = %method, route = %route, app = Empty, credential = Empty, subject = Empty
    );
    let slot = RateSlot::default();
    req.extensions_mut().insert(slot.clone());

    let response = next.run(req).instrument(span.clone()).await;
    let mut response = finish_error(response, flavor);

    let headers = response.headers_mut();
    if let Some(rate) = slot.0.get().filter(|r| r.limit > 0) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(rate.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(rate.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(rate.reset));
    }
    if let Ok(v) = HeaderValue::from_str(id) {
        headers.insert("x-request-id", v);
    }

    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    state.metrics.request(route, method.as_str(), status, elapsed);
    let error = response.extensions().get::<ApiError>();
    let code = error.map_or("", |e| e.code.as_ref());
    if matches!(status, 401 | 403 | 429) {
        state.metrics.refused(error.and_then(|e| e.core_code).unwrap_or(code));
    }
    let latency_ms = elapsed.as_micros() as f64 / 1000.0;
    span.in_scope(|| match status {
        500.. => tracing::warn!(status, latency_ms, code, "request failed"),
        400.. => tracing::info!(status, latency_ms, code, "request refused"),
        _ => tracing::debug!(status, latency_ms, "request"),
    });
    response
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
/// plain-text or empty ones of axum and tower (rejections, 405, 408, 413, panics) are replaced,
/// keeping their other headers (`Allow`, CORS).
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
