//! CometChat's wire shapes: the `{"data": …}` envelope, the user object and the auth-token object.
//! The hot ones are typed structs, serialized straight into the response body.

use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use tokensmith::service::AuthTokenInfo;
use tokensmith::store::User;

use crate::error::ApiError;

/// A JSON answer, as `axum::Json` but serialized into one buffer big enough for the token
/// answers (axum's starts at 128 bytes and grows twice for a token).
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        json_response(&self.0, 512)
    }
}

/// `value` as an `application/json` answer, serialized into a buffer of `capacity` bytes (it
/// grows if needed; when the answer fills it exactly, it becomes the body without another
/// allocation).
pub fn json_response<T: Serialize>(value: &T, capacity: usize) -> Response {
    let mut body = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a response could not be serialized");
            ApiError::from_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR).into_response()
        }
    }
}

/// `{"data": …}`.
#[derive(Serialize)]
pub struct Data<T> {
    pub data: T,
}

/// `{"data": v}`.
pub fn data<T: Serialize>(v: T) -> Json<Data<T>> {
    Json(Data { data: v })
}

/// CometChat's answer to deletes.
#[derive(Serialize)]
pub struct Success {
    success: bool,
    message: String,
}

/// `{"data": {"success": true, "message": …}}`.
pub fn success(message: impl Into<String>) -> Json<Data<Success>> {
    data(Success { success: true, message: message.into() })
}

/// A user as CometChat shows it: profile fields at the top level, `status` and `role` filled in,
/// `createdAt` in Unix seconds, absent optional fields omitted.
pub fn user(u: &User) -> Value {
    let mut obj = Map::new();
    obj.insert("uid".into(), u.uid.clone().into());
    obj.insert("name".into(), u.name.clone().into());
    if let Value::Object(profile) = &u.profile {
        obj.extend(profile.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    obj.entry("role").or_insert_with(|| "default".into());
    obj.insert("status".into(), "offline".into());
    obj.insert("createdAt".into(), (u.created_at / 1000).into());
    Value::Object(obj)
}

/// An auth token object: `uid`, `authToken` and `createdAt` first, then the rest of the core's
/// [`AuthTokenInfo`] in its order (absent optional fields omitted, as the core serializes them).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    uid: String,
    auth_token: String,
    created_at: u64,
    id: String,
    redacted: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    archived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    archived_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_info: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_id: Option<String>,
}

/// `authToken` is the raw token only when it was just minted; otherwise it is the token's id (the
/// raw token is never stored), which get, update and delete accept in its place, so a CometChat
/// client that round-trips `authToken` from a listing keeps working.
pub fn token(info: AuthTokenInfo, raw: Option<String>) -> Token {
    // No `..`: a field added to the core must be placed here too.
    let AuthTokenInfo {
        id,
        uid,
        redacted,
        created_at,
        expires_at,
        archived,
        archived_at,
        platform,
        user_agent,
        app_info,
        device_id,
    } = info;
    Token {
        uid,
        auth_token: raw.unwrap_or_else(|| id.clone()),
        created_at,
        id,
        redacted,
        expires_at,
        archived,
        archived_at,
        platform,
        user_agent,
        app_info,
        device_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(full: bool) -> AuthTokenInfo {
        AuthTokenInfo {
            id: "id1".into(),
            uid: "alice".into(),
            redacted: "tks_…abcd".into(),
            created_at: 1_700_000_000,
            expires_at: full.then_some(1_700_003_600),
            archived: full,
            archived_at: full.then_some(1_700_000_100),
            platform: full.then(|| "web".into()),
            user_agent: full.then(|| "ua".into()),
            app_info: full.then(|| json!({"version": "1.0"})),
            device_id: full.then(|| "d1".into()),
        }
    }

    /// The shape the service answered before the typed struct: the core's own serialization with
    /// `uid`, `authToken` and `createdAt` moved to the front.
    fn merged(info: &AuthTokenInfo, raw: Option<&str>) -> String {
        let mut obj = Map::new();
        obj.insert("uid".into(), info.uid.clone().into());
        obj.insert("authToken".into(), raw.unwrap_or(&info.id).into());
        obj.insert("createdAt".into(), info.created_at.into());
        let Value::Object(rest) = serde_json::to_value(info).unwrap() else { unreachable!() };
        for (k, v) in rest {
            obj.entry(k).or_insert(v);
        }
        Value::Object(obj).to_string()
    }

    #[test]
    fn tokens_serialize_as_the_core_info_with_the_cometchat_fields_first() {
        for full in [false, true] {
            for raw in [None, Some("tks_raw")] {
                let i = info(full);
                let typed = serde_json::to_string(&token(i.clone(), raw.map(str::to_owned))).unwrap();
                assert_eq!(typed, merged(&i, raw), "full={full} raw={raw:?}");
            }
        }
    }

    #[test]
    fn envelopes() {
        assert_eq!(serde_json::to_string(&success("gone").0).unwrap(), r#"{"data":{"success":true,"message":"gone"}}"#);
        assert_eq!(serde_json::to_string(&data(json!([1])).0).unwrap(), r#"{"data":[1]}"#);
    }
}
