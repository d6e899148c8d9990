//! The development app `tokensmith serve` runs when no app is configured: fresh random
//! credentials, written once to `DATA_DIR/dev-app.toml` (owner-only permissions) and reused on
//! every later start. The file is itself a valid `--config` file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use tokensmith::Context;

use crate::{AblyKeyConfig, AgoraConfig, ApiKeyConfig, AppConfig, Config, Error, Scope};

pub const FILE_NAME: &str = "dev-app.toml";
pub const APP_ID: &str = "dev";

/// The development app and where its credentials live.
pub struct DevApp {
    pub app: AppConfig,
    pub path: PathBuf,
    /// True when this call created it: the one time its credentials may be shown.
    pub created: bool,
}

/// Loads the development app from `dir`, creating `dir` and the app on first use.
pub fn load_or_create(dir: &Path, ctx: &Context) -> Result<DevApp, Error> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        create_data_dir(dir)?;
        match write_new(&path, &file_text(ctx)) {
            Ok(()) => return Ok(DevApp { app: read(&path)?, path, created: true }),
            // Another process created it between our check and our write: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::Config(format!("cannot write {}: {e}", path.display()))),
        }
    }
    Ok(DevApp { app: read(&path)?, path, created: false })
}

fn read(path: &Path) -> Result<AppConfig, Error> {
    let mut config = Config::load(path)?;
    match config.apps.len() {
        1 => Ok(config.apps.remove(0)),
        n => Err(Error::Config(format!("{} should hold exactly one app, not {n}", path.display()))),
    }
}

/// Creates the data directory (and parents), owner-only on Unix.
pub fn create_data_dir(dir: &Path) -> Result<(), Error> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| Error::Config(format!("cannot create {}: {e}", dir.display())))
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn random_hex<const N: usize>(ctx: &Context) -> String {
    hex::encode(ctx.random_bytes::<N>())
}

fn file_text(ctx: &Context) -> String {
    let full = random_hex::<20>(ctx);
    let auth_only = random_hex::<20>(ctx);
    let agora_id = random_hex::<16>(ctx);
    let agora_cert = random_hex::<16>(ctx);
    let ably = format!("{APP_ID}.{}:{}", random_hex::<4>(ctx), random_hex::<20>(ctx));
    format!(
        r#"# The tokensmith development app, created by `tokensmith serve` on its first start.
# These are credentials: keep this file private. It is also a valid `--config` file.

[[apps]]
id = "{APP_ID}"
api_keys = [
  {{ key = "{full}", scope = "fullAccess" }},
  {{ key = "{auth_only}", scope = "authOnly" }},
]
agora = {{ app_id = "{agora_id}", app_certificate = "{agora_cert}" }}
ably_user_capability = '{{"*":["history","presence","publish","subscribe"]}}'

[[apps.ably_keys]]
key = "{ably}"
"#
    )
}

/// An app named `id` with fresh random credentials (a fullAccess and an authOnly API key, Agora
/// credentials, an Ably key `{id}.…:…`) and the default policy: what the bindings' in-process
/// `serve()` runs when given no apps. Nothing is written anywhere.
pub fn generate(id: &str, ctx: &Context) -> AppConfig {
    let secret = |s: String| tokensmith::Secret::new(s);
    let mut app = AppConfig::new(id);
    app.api_keys = vec![
        ApiKeyConfig { key: secret(random_hex::<20>(ctx)), scope: Scope::FullAccess },
        ApiKeyConfig { key: secret(random_hex::<20>(ctx)), scope: Scope::AuthOnly },
    ];
    app.agora = Some(AgoraConfig { app_id: random_hex::<16>(ctx), app_certificate: secret(random_hex::<16>(ctx)) });
    let ably = format!("{id}.{}:{}", random_hex::<4>(ctx), random_hex::<20>(ctx));
    app.ably_keys = vec![AblyKeyConfig { key: secret(ably), capability: None, max_ttl_ms: None, default_ttl_ms: None }];
    app
}

/// The first credential of each kind of an app, for a caller that started the service itself
/// (a test suite) and must now talk to it. Holds secrets: no `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub app_id: String,
    /// The first `fullAccess` API key.
    pub api_key: Option<String>,
    /// The first `authOnly` API key.
    pub auth_only_key: Option<String>,
    /// The first Ably key, `name:secret`.
    pub ably_key: Option<String>,
    pub agora_app_id: Option<String>,
    pub agora_app_certificate: Option<String>,
}

impl AppCredentials {
    pub fn of(app: &AppConfig) -> AppCredentials {
        let key = |scope| app.api_keys.iter().find(|k| k.scope == scope).map(|k| k.key.expose().to_owned());
        AppCredentials {
            app_id: app.id.clone(),
            api_key: key(Scope::FullAccess),
            auth_only_key: key(Scope::AuthOnly),
            ably_key: app.ably_keys.first().map(|k| k.key.expose().to_owned()),
            agora_app_id: app.agora.as_ref().map(|a| a.app_id.clone()),
            agora_app_certificate: app.agora.as_ref().map(|a| a.app_certificate.expose().to_owned()),
        }
    }
}

impl DevApp {
    /// The credentials as lines for a person to read. Show them only when [`DevApp::created`].
    pub fn credentials(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("app id", self.app.id.clone())];
        for k in &self.app.api_keys {
            let label = match k.scope {
                crate::Scope::FullAccess => "API key (fullAccess)",
                crate::Scope::AuthOnly => "auth key (authOnly)",
            };
            out.push((label, k.key.expose().to_owned()));
        }
        if let Some(a) = &self.app.agora {
            out.push(("Agora app id", a.app_id.clone()));
            out.push(("Agora app certificate", a.app_certificate.expose().to_owned()));
        }
        for k in &self.app.ably_keys {
            out.push(("Ably key", k.key.expose().to_owned()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let ctx = Context::system();
        let first = load_or_create(&data, &ctx).unwrap();
        assert!(first.created);
        assert_eq!(first.app.id, APP_ID);
        assert_eq!(first.credentials().len(), 6);
        let generated = AppCredentials::of(&generate("gen", &ctx));
        assert!(generated.ably_key.as_deref().is_some_and(|k| k.starts_with("gen.")));
        assert!(generated.api_key.is_some() && generated.auth_only_key.is_some() && generated.agora_app_id.is_some());
        let again = load_or_create(&data, &ctx).unwrap();
        assert!(!again.created);
        assert_eq!(again.credentials(), first.credentials());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&first.path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
