//! The layers around every route (and the fallback), outermost first:
//!
//! 1. `observe`: a tracing span per request (route template, app, credential fingerprint, never
//!    a raw token), metrics, `X-RateLimit-*` headers, `X-Request-Id`, and the last word on error
//!    bodies: every 4xx/5xx leaves as JSON in the route's flavor, whoever produced it.
//! 2. CORS (any origin, no cookies: browsers call `/auth/ably` and the client routes).
//! 3. Panics become 500s instead of dropped connections.
//! 4. Body size cap (413), request timeout (408).

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;
use tracing::field::Empty;

use crate::app::AppState;
use crate::config::Limits;
use crate::error::{ApiError, Flavor};
use crate::limits::RateSlot;

/// `routes` with the whole middleware stack and the state.
pub fn apply(routes: Router<AppState>, state: AppState, limits: &Limits) -> Router {
    let timeout = Duration::from_millis(limits.request_timeout_ms);
    routes
        .layer(
            ServiceBuilder::new()
                .layer(CorsLayer::permissive())
                .layer(CatchPanicLayer::new())
                .layer(RequestBodyLimitLayer::new(limits.body_limit_bytes))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
                .layer(DefaultBodyLimit::max(limits.body_limit_bytes)),
        )
        .layer(from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_owned();
    let method = req.method().clone();
    let flavor = Flavor::of_path(req.uri().path());
    let id = hex::encode(state.ctx.random_bytes::<8>());
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
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert("x-request-id", v);
    }

    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    state.metrics.request(&route, method.as_str(), status, elapsed);
    let error = response.extensions().get::<ApiError>();
    let code = error.map_or("", |e| e.code.as_ref());
    if matches!(status, 401 | 403 | 429) {
        state.metrics.refused(error.and_then(|e| e.core_code).unwrap_or(code));
    }
    let latency_ms = elapsed.as_micros() as f64 / 1000.0;
    span.in_scope(|| match status {
        500.. => tracing::warn!(status, latency_ms, code, "request failed"),
        400.. => tracing::info!(status, latency_ms, code, "request refused"),
        _ => tracing::info!(status, latency_ms, "request"),
    });
    response
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
