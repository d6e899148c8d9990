//! The route table. Each module lists its [`Endpoint`]s (method, path, handler and the
//! documentation of both); the router and `/openapi.json` are built from the same list, so every
//! served route is documented and every documented route is served.

mod ably;
mod agora;
mod auth_ably;
mod auth_tokens;
mod me;
mod ops;
mod push;
mod users;

use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::routing::{MethodFilter, MethodRouter, on};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::ApiError;
use crate::middleware::Stacked;

/// Who may call a route; becomes the OpenAPI `security` of the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    None,
    /// `apikey`, either scope.
    ApiKey,
    /// `apikey` with the `fullAccess` scope.
    FullAccess,
    /// The caller's `authtoken` (or `Authorization: Bearer`).
    AuthToken,
    ApiKeyOrAuthToken,
    /// Basic auth with the Ably key named in the path.
    AblyBasic,
    /// A signed TokenRequest body, or Basic auth with the key.
    AblySignedOrBasic,
}

/// One query parameter (all are optional).
pub struct Param {
    pub name: &'static str,
    pub schema: Value,
    pub description: &'static str,
}

/// How the request body is sent.
pub enum BodyDoc {
    /// `application/json`; `required` false when an empty body is accepted.
    Json { schema: Value, required: bool },
    /// The same fields as a form or a JSON object (merged over the query string).
    FormOrJson(Value),
}

/// The documentation of one operation.
pub struct Doc {
    pub id: String,
    pub summary: &'static str,
    pub tag: &'static str,
    pub access: Security,
    pub query: Vec<Param>,
    pub body: Option<BodyDoc>,
    /// 200 answers: (content type, schema).
    pub ok: Vec<(&'static str, Value)>,
}

pub struct Endpoint {
    pub method: Method,
    pub path: String,
    pub handler: MethodRouter<AppState>,
    pub doc: Doc,
}

impl Endpoint {
    pub fn new<H: Handler<T, AppState>, T: 'static>(
        method: Method,
        path: impl Into<String>,
        handler: H,
        id: impl Into<String>,
        summary: &'static str,
    ) -> Self {
        let filter = MethodFilter::try_from(method.clone()).expect("routes use standard methods");
        Endpoint {
            method,
            path: path.into(),
            handler: on(filter, Stacked(handler)),
            doc: Doc { id: id.into(), summary, tag: "", access: Security::None, query: vec![], body: None, ok: vec![] },
        }
    }

    pub fn tag(mut self, tag: &'static str) -> Self {
        self.doc.tag = tag;
        self
    }

    pub fn access(mut self, access: Security) -> Self {
        self.doc.access = access;
        self
    }

    pub fn query(mut self, name: &'static str, schema: Value, description: &'static str) -> Self {
        self.doc.query.push(Param { name, schema, description });
        self
    }

    pub fn body(mut self, schema: Value) -> Self {
        self.doc.body = Some(BodyDoc::Json { schema, required: true });
        self
    }

    pub fn optional_body(mut self, schema: Value) -> Self {
        self.doc.body = Some(BodyDoc::Json { schema, required: false });
        self
    }

    pub fn form_or_json(mut self, schema: Value) -> Self {
        self.doc.body = Some(BodyDoc::FormOrJson(schema));
        self
    }

    pub fn ok(self, schema: Value) -> Self {
        self.ok_as("application/json", schema)
    }

    pub fn ok_as(mut self, content_type: &'static str, schema: Value) -> Self {
        self.doc.ok.push((content_type, schema));
        self
    }
}

/// `{"$ref": "#/components/schemas/NAME"}`.
pub fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// CometChat's envelope around `inner`.
pub fn data(inner: Value) -> Value {
    json!({ "type": "object", "required": ["data"], "properties": { "data": inner } })
}

/// The same endpoint under each API version prefix CometChat clients use (`/v3` and `/v3.0`);
/// operation ids of the aliases get a `V30` suffix.
pub fn versions(make: impl Fn(&str, &str) -> Endpoint) -> Vec<Endpoint> {
    vec![make("/v3", ""), make("/v3.0", "V30")]
}

/// Every endpoint, in documentation order.
pub fn endpoints() -> Vec<Endpoint> {
    [
        users::endpoints(),
        auth_tokens::endpoints(),
        me::endpoints(),
        push::endpoints(),
        ably::endpoints(),
        auth_ably::endpoints(),
        agora::endpoints(),
        ops::endpoints(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The routes, every handler and fallback inside the middleware stack ([`crate::middleware`]),
/// and the OpenAPI text.
pub fn build() -> (Router<AppState>, String) {
    let endpoints = endpoints();
    let doc = crate::openapi::document(&endpoints).to_string();
    let mut router = Router::new();
    for e in endpoints {
        router = router.route(&e.path, e.handler);
    }
    let router = router.method_not_allowed_fallback(Stacked(method_not_allowed)).fallback(Stacked(not_found));
    (router, doc)
}

async fn not_found() -> ApiError {
    ApiError::from_status(StatusCode::NOT_FOUND)
}

/// As axum's own answer (the `Allow` header is added by the router); the outer layer renders the
/// error body.
async fn method_not_allowed() -> StatusCode {
    StatusCode::METHOD_NOT_ALLOWED
}
