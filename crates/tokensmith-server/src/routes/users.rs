//! `POST /v3/users` (with `withAuthToken`), `GET` and `DELETE /v3/users/{uid}`.

use axum::extract::{Path, State};
use axum::http::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokensmith::service::NewUser;

use super::{Endpoint, Security, data, schema, versions};
use crate::app::{AppState, fingerprint};
use crate::auth::{ApiKey, FullAccess};
use crate::body::Json;
use crate::error::{ApiError, ApiResult, Ctx};
use crate::wire::{self, Data, Json as Reply, Success};

pub fn endpoints() -> Vec<Endpoint> {
    versions(|v, s| {
        Endpoint::new(Method::POST, format!("{v}/users"), create, format!("createUser{s}"), "Create a user")
            .tag("users")
            .access(Security::ApiKey)
            .body(schema("NewUser"))
            .ok(data(schema("User")))
    })
    .into_iter()
    .chain(versions(|v, s| {
        Endpoint::new(Method::GET, format!("{v}/users/{{uid}}"), get, format!("getUser{s}"), "Get a user")
            .tag("users")
            .access(Security::FullAccess)
            .ok(data(schema("User")))
    }))
    .chain(versions(|v, s| {
        let summary = "Delete a user with its auth tokens and push registrations";
        Endpoint::new(Method::DELETE, format!("{v}/users/{{uid}}"), delete, format!("deleteUser{s}"), summary)
            .tag("users")
            .access(Security::FullAccess)
            .ok(data(schema("Success")))
    }))
    .collect()
}

/// CometChat's create-user body. Profile fields are kept as given.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewUserBody {
    uid: String,
    name: Option<String>,
    avatar: Option<String>,
    link: Option<String>,
    role: Option<String>,
    status_message: Option<String>,
    metadata: Option<Map<String, Value>>,
    tags: Option<Vec<String>>,
    #[serde(default)]
    with_auth_token: bool,
}

impl NewUserBody {
    fn profile(&self) -> Value {
        let mut p = Map::new();
        let text = [("avatar", &self.avatar), ("link", &self.link), ("role", &self.role)];
        for (k, v) in text.into_iter().chain([("statusMessage", &self.status_message)]) {
            if let Some(v) = v {
                p.insert(k.into(), v.clone().into());
            }
        }
        if let Some(m) = &self.metadata {
            p.insert("metadata".into(), Value::Object(m.clone()));
        }
        if let Some(t) = &self.tags {
            p.insert("tags".into(), json!(t));
        }
        if p.is_empty() { Value::Null } else { Value::Object(p) }
    }
}

/// Either scope: CometChat's authOnly keys may create users.
async fn create(
    State(state): State<AppState>,
    key: ApiKey,
    Json(body): Json<NewUserBody>,
) -> ApiResult<Reply<Data<Value>>> {
    let new = NewUser {
        uid: body.uid.clone(),
        name: body.name.clone(),
        profile: body.profile(),
        with_auth_token: body.with_auth_token,
        token_meta: Default::default(),
    };
    let created = key.app.ts.create_user(new).await?;
    let mut user = wire::user(&created.user);
    if let Some(t) = created.auth_token {
        state.metrics.issued("auth_token", 1);
        let fp = fingerprint(&t.auth_token);
        tracing::info!(uid = %created.user.uid, token = fp, "auth token issued");
        user["authToken"] = t.auth_token.into();
    }
    Ok(wire::data(user))
}

async fn get(FullAccess(app): FullAccess, Path(uid): Path<String>) -> ApiResult<Reply<Data<Value>>> {
    let user = app.ts.get_user(&uid).await.map_err(|e| ApiError::core(e, Ctx::AdminPath))?;
    Ok(wire::data(wire::user(&user)))
}

/// CometChat's optional `{"permanent": bool}` body is not read: deletion is always permanent.
async fn delete(FullAccess(app): FullAccess, Path(uid): Path<String>) -> ApiResult<Reply<Data<Success>>> {
    app.ts.delete_user(&uid).await.map_err(|e| ApiError::core(e, Ctx::AdminPath))?;
    let uid = uid.to_ascii_lowercase();
    tracing::info!(uid = %uid, "user deleted");
    Ok(wire::success(format!("User with UID {uid} has been deleted successfully.")))
}
