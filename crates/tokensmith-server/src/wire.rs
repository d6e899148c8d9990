//! CometChat's wire shapes: the `{"data": …}` envelope, the user object and the auth-token object.

use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokensmith::service::AuthTokenInfo;
use tokensmith::store::User;

/// `{"data": v}`.
pub fn data(v: impl Serialize) -> Json<Value> {
    Json(json!({ "data": v }))
}

/// `{"data": {"success": true, "message": …}}`, CometChat's answer to deletes.
pub fn success(message: impl Into<String>) -> Json<Value> {
    data(json!({ "success": true, "message": message.into() }))
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

/// An auth token object. `authToken` is the raw token only when it was just minted; otherwise it
/// is the token's id (the raw token is never stored), which get, update and delete accept in its
/// place, so a CometChat client that round-trips `authToken` from a listing keeps working.
pub fn token(info: &AuthTokenInfo, raw: Option<&str>) -> Value {
    let mut obj = Map::new();
    obj.insert("uid".into(), info.uid.clone().into());
    obj.insert("authToken".into(), raw.unwrap_or(&info.id).into());
    obj.insert("createdAt".into(), info.created_at.into());
    if let Ok(Value::Object(rest)) = serde_json::to_value(info) {
        for (k, v) in rest {
            obj.entry(k).or_insert(v);
        }
    }
    Value::Object(obj)
}
