//! `/openapi.json`: an OpenAPI 3.1 document rendered from the route table (see
//! [`crate::routes`]), plus the shared schemas below.

use serde_json::{Map, Value, json};

use crate::error::Flavor;
use crate::routes::{BodyDoc, Endpoint, Security};

pub fn document(endpoints: &[Endpoint]) -> Value {
    let mut paths = Map::new();
    for e in endpoints {
        let item = paths.entry(e.path.clone()).or_insert_with(|| json!({}));
        item[e.method.as_str().to_ascii_lowercase()] = operation(e);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tokensmith",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Token service: CometChat-compatible users, auth tokens, /me and push tokens; \
                            Ably token authority (requestToken, revokeTokens, time, authUrl); Agora chat token server.",
        },
        "paths": paths,
        "components": { "securitySchemes": security_schemes(), "schemas": schemas() },
    })
}

fn operation(e: &Endpoint) -> Value {
    let d = &e.doc;
    let mut params: Vec<Value> = path_params(&e.path)
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": path_schema(name) }))
        .collect();
    if matches!(d.access, Security::ApiKey | Security::FullAccess | Security::AuthToken | Security::ApiKeyOrAuthToken) {
        params.push(json!({
            "name": "appid", "in": "header", "required": false, "schema": { "type": "string" },
            "description": "The app, when several are served and the host name does not name one.",
        }));
    }
    for q in &d.query {
        params.push(json!({
            "name": q.name, "in": "query", "required": false, "schema": q.schema, "description": q.description,
        }));
    }
    let mut op = json!({
        "operationId": d.id,
        "summary": d.summary,
        "tags": [d.tag],
        "parameters": params,
        "security": security(d.access),
        "responses": responses(e),
    });
    match &d.body {
        Some(BodyDoc::Json { schema, required }) => {
            op["requestBody"] =
                json!({ "required": required, "content": { "application/json": { "schema": schema } } });
        }
        Some(BodyDoc::FormOrJson(schema)) => {
            op["requestBody"] = json!({ "required": false, "content": {
                "application/x-www-form-urlencoded": { "schema": schema },
                "application/json": { "schema": schema },
            }});
        }
        None => {}
    }
    op
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
}

fn path_schema(name: &str) -> Value {
    match name {
        "uid" => json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$" }),
        "authToken" => json!({ "type": "string", "description": "The raw `tks_` token or its 24-hex-digit id." }),
        _ => json!({ "type": "string", "minLength": 1 }),
    }
}

fn security(access: Security) -> Value {
    match access {
        Security::None => json!([]),
        Security::ApiKey | Security::FullAccess => json!([{ "apiKey": [] }]),
        Security::AuthToken => json!([{ "authToken": [] }, { "bearer": [] }]),
        Security::ApiKeyOrAuthToken => json!([{ "apiKey": [] }, { "authToken": [] }, { "bearer": [] }]),
        Security::AblyBasic => json!([{ "basic": [] }]),
        Security::AblySignedOrBasic => json!([{}, { "basic": [] }]),
    }
}

fn responses(e: &Endpoint) -> Value {
    let mut ok = Map::new();
    for (content_type, schema) in &e.doc.ok {
        ok.insert((*content_type).to_owned(), json!({ "schema": schema }));
    }
    let error = match Flavor::of_path(&e.path) {
        Flavor::CometChat => "Error",
        Flavor::Ably => "AblyError",
    };
    let content = json!({ "application/json": { "schema": crate::routes::schema(error) } });
    let mut out = json!({
        "200": { "description": "Success.", "content": ok },
        "4XX": { "description": "The request was refused; `error.code` says why.", "content": content },
        "503": { "description": "The store is unavailable; retry later.", "content": content },
    });
    if e.doc.access != Security::None {
        out["429"] = json!({
            "description": "Over the credential's rate limit.",
            "headers": { "Retry-After": { "schema": { "type": "integer" } } },
            "content": content,
        });
    }
    out
}

fn security_schemes() -> Value {
    json!({
        "apiKey": { "type": "apiKey", "in": "header", "name": "apikey", "description": "A REST API key (fullAccess or authOnly)." },
        "authToken": { "type": "apiKey", "in": "header", "name": "authtoken", "description": "A user's auth token (`tks_…`)." },
        "bearer": { "type": "http", "scheme": "bearer", "description": "A user's auth token (`tks_…`)." },
        "basic": { "type": "http", "scheme": "basic", "description": "An Ably key: name as user, secret as password." },
    })
}

fn schemas() -> Value {
    let opt_str = json!({ "type": "string" });
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": {
            "type": "object", "required": ["message", "code"],
            "properties": {
                "message": opt_str, "devMessage": opt_str, "source": opt_str,
                "code": { "type": "string", "description": "CometChat-style code, e.g. ERR_UID_NOT_FOUND." },
                "details": { "type": "object", "additionalProperties": { "type": "array", "items": opt_str } },
                "tokensmithCode": { "type": "string", "description": "The tokensmith core's stable code." },
            },
        }}},
        "AblyError": { "type": "object", "required": ["error"], "properties": { "error": {
            "type": "object", "required": ["message", "code", "statusCode"],
            "properties": {
                "message": opt_str, "code": { "type": "integer" }, "statusCode": { "type": "integer" },
                "href": opt_str, "tokensmithCode": opt_str,
            },
        }}},
        "NewUser": { "type": "object", "required": ["uid"], "properties": {
            "uid": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$" },
            "name": { "type": "string", "minLength": 1, "maxLength": 100 },
            "avatar": opt_str, "link": opt_str, "role": opt_str, "statusMessage": opt_str,
            "metadata": { "type": "object" },
            "tags": { "type": "array", "items": opt_str },
            "withAuthToken": { "type": "boolean" },
        }},
        "User": { "type": "object", "required": ["uid", "name", "status", "role", "createdAt"], "properties": {
            "uid": opt_str, "name": opt_str, "status": opt_str, "role": opt_str,
            "createdAt": { "type": "integer", "description": "Unix seconds." },
            "avatar": opt_str, "link": opt_str, "statusMessage": opt_str,
            "metadata": { "type": "object" }, "tags": { "type": "array", "items": opt_str },
            "authToken": { "type": "string", "description": "Only when created withAuthToken: shown once." },
        }},
        "TokenMeta": { "type": "object", "properties": {
            "platform": { "type": "string", "maxLength": 50 },
            "userAgent": { "type": "string", "maxLength": 255 },
            "deviceId": { "type": "string", "maxLength": 100 },
            "appInfo": { "description": "Any JSON, at most 2 KiB." },
            "force": { "type": "boolean", "description": "Accepted for CometChat compatibility; every call mints." },
        }},
        "AuthToken": { "type": "object", "required": ["uid", "authToken", "createdAt", "id", "archived"], "properties": {
            "uid": opt_str,
            "authToken": { "type": "string", "description": "The raw token when just created; otherwise its id." },
            "createdAt": { "type": "integer" }, "id": opt_str, "redacted": opt_str,
            "archived": { "type": "boolean" }, "archivedAt": { "type": "integer" }, "expiresAt": { "type": "integer" },
            "platform": opt_str, "userAgent": opt_str, "deviceId": opt_str, "appInfo": {},
        }},
        "Pagination": { "type": "object", "required": ["pagination"], "properties": { "pagination": {
            "type": "object", "required": ["total", "count", "per_page", "current_page", "total_pages"],
            "properties": {
                "total": { "type": "integer" }, "count": { "type": "integer" }, "per_page": { "type": "integer" },
                "current_page": { "type": "integer" }, "total_pages": { "type": "integer" },
            },
        }}},
        "Success": { "type": "object", "required": ["success"], "properties": {
            "success": { "type": "boolean" }, "message": opt_str, "deleted": { "type": "integer" },
        }},
        "PushRegistration": { "oneOf": [
            { "type": "object", "required": ["fcmToken"], "additionalProperties": false,
              "properties": { "fcmToken": { "type": "string", "minLength": 1, "maxLength": 4096 } } },
            { "type": "object", "required": ["apnsToken"], "additionalProperties": false, "properties": {
                "apnsToken": { "type": "string", "minLength": 1, "maxLength": 4096 },
                "voipToken": { "type": "string", "minLength": 1, "maxLength": 4096 },
            }},
        ]},
        "PushList": { "type": "object", "required": ["ios", "web", "android"], "properties": {
            "ios": { "type": "array", "items": opt_str }, "web": { "type": "array", "items": opt_str },
            "android": { "type": "array", "items": opt_str },
        }},
        "TokenParams": { "type": "object", "properties": {
            "ttl": { "type": ["integer", "string"], "description": "Milliseconds." },
            "capability": { "type": ["string", "object"], "description": "JSON text or object: resource → operations." },
            "clientId": opt_str, "timestamp": { "type": ["integer", "string"] }, "nonce": opt_str,
        }},
        "TokenRequest": { "type": "object", "required": ["keyName", "timestamp", "nonce", "mac"], "properties": {
            "keyName": opt_str, "ttl": { "type": ["integer", "string"] }, "capability": opt_str, "clientId": opt_str,
            "timestamp": { "type": ["integer", "string"] }, "nonce": { "type": "string", "minLength": 16 }, "mac": opt_str,
        }},
        "TokenDetails": { "type": "object", "required": ["token", "keyName", "issued", "expires", "capability"], "properties": {
            "token": opt_str, "keyName": opt_str, "issued": { "type": "integer" }, "expires": { "type": "integer" },
            "capability": opt_str, "clientId": opt_str,
        }},
        "RevokeRequest": { "type": "object", "required": ["targets"], "properties": {
            "targets": { "type": "array", "minItems": 1, "maxItems": 100, "items": { "type": "string", "pattern": "^[^:]+:.+$" } },
            "issuedBefore": { "type": "integer" }, "allowReauthMargin": { "type": "boolean" },
        }},
        "BatchResult": { "type": "object", "required": ["successCount", "failureCount", "results"], "properties": {
            "successCount": { "type": "integer" }, "failureCount": { "type": "integer" },
            "results": { "type": "array", "items": { "type": "object", "required": ["target"], "properties": {
                "target": opt_str, "issuedBefore": { "type": "integer" }, "appliesAt": { "type": "integer" },
                "error": { "type": "object" },
            }}},
        }},
        "AgoraUserTokenRequest": { "type": "object", "required": ["user_uuid", "expire"], "properties": {
            "user_uuid": { "type": "string", "minLength": 1 },
            "expire": { "type": "integer", "minimum": 1, "maximum": 86400, "description": "Seconds." },
        }},
        "AgoraAppTokenRequest": { "type": "object", "required": ["expire"], "properties": {
            "expire": { "type": "integer", "minimum": 1, "maximum": 86400 },
        }},
        "AgoraToken": { "type": "object", "required": ["token"], "properties": { "token": opt_str } },
        "Status": { "type": "object", "required": ["status"], "properties": { "status": opt_str } },
    })
}
