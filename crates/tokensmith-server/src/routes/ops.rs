//! Operations: `/healthz`, `/readyz` (the store answers), `/metrics` (Prometheus text) and
//! `/openapi.json`.

use axum::Json as Reply;
use axum::extract::State;
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Endpoint, schema};
use crate::app::AppState;
use crate::error::ApiResult;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(Method::GET, "/healthz", healthz, "healthz", "The process is up")
            .tag("operations")
            .ok(schema("Status")),
        Endpoint::new(Method::GET, "/readyz", readyz, "readyz", "The store is reachable (503 otherwise)")
            .tag("operations")
            .ok(schema("Status")),
        Endpoint::new(Method::GET, "/metrics", metrics, "metrics", "Prometheus metrics")
            .tag("operations")
            .ok_as("text/plain", json!({ "type": "string" })),
        Endpoint::new(Method::GET, "/openapi.json", openapi, "openapi", "This document")
            .tag("operations")
            .ok(json!({ "type": "object" })),
    ]
}

async fn healthz() -> Reply<Value> {
    Reply(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> ApiResult<Reply<Value>> {
    state.store.ping().await?;
    Ok(Reply(json!({ "status": "ready" })))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}

async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], state.openapi.get().cloned().unwrap_or_default())
}
