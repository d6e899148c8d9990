//! Where secrets come from. `--secret-stdin` (one line) wins because it is the explicit choice;
//! otherwise the flag, which clap falls back to its environment variable for. Flags are
//! discouraged (any user can read them in `ps`), and clap shows no env values (`hide_env_values`).
//! Values become `tokensmith::Secret` at once: redacted in `Debug`, wiped on drop.

use std::io::{self, BufRead, IsTerminal, Read};

use clap::Args;
use tokensmith::Secret;
use tokensmith::ably::Key;

use crate::Failure;

/// The Agora app certificate, for `issue agora-*`.
#[derive(Args)]
pub struct AgoraSecret {
    /// App certificate (discouraged: visible in `ps`; prefer the env var or --secret-stdin)
    #[arg(long, value_name = "CERT", env = "TOKENSMITH_AGORA_APP_CERTIFICATE", hide_env_values = true)]
    app_certificate: Option<String>,
    /// Read the app certificate from the first line of stdin
    #[arg(long)]
    secret_stdin: bool,
}

impl AgoraSecret {
    pub fn resolve(self) -> Result<Secret, Failure> {
        pick(self.app_certificate, self.secret_stdin)?.ok_or_else(|| {
            Failure::invalid("no app certificate: set TOKENSMITH_AGORA_APP_CERTIFICATE or pass --secret-stdin")
        })
    }
}

/// The Ably API key, for `issue ably-*`: a name plus a secret, or the whole key at once.
#[derive(Args)]
pub struct AblyKey {
    /// Key name `<appId>.<keyId>` (optional when --key / TOKENSMITH_ABLY_KEY gives it)
    #[arg(long, value_name = "NAME")]
    key_name: Option<String>,
    /// Key secret (discouraged: visible in `ps`; prefer the env var or --secret-stdin)
    #[arg(long, value_name = "SECRET", env = "TOKENSMITH_ABLY_KEY_SECRET", hide_env_values = true)]
    key_secret: Option<String>,
    /// Whole API key `<appId>.<keyId>:<secret>` (as a flag, visible in `ps`; prefer the env var)
    #[arg(long, value_name = "KEY", env = "TOKENSMITH_ABLY_KEY", hide_env_values = true)]
    key: Option<String>,
    /// Read the key secret from the first line of stdin
    #[arg(long)]
    secret_stdin: bool,
}

impl AblyKey {
    /// Name: --key-name, else the whole key's. Secret: stdin or --key-secret, else the whole
    /// key's, but only when it is the same key (never one key's secret under another's name).
    pub fn resolve(self) -> Result<Key, Failure> {
        let secret = pick(self.key_secret, self.secret_stdin)?;
        let whole = self.key.as_deref().map(Key::parse);
        match (self.key_name, secret, whole) {
            (Some(name), Some(secret), _) => Ok(Key::new(name, secret)?),
            (name, None, Some(key)) => {
                let key = key?;
                match name {
                    Some(n) if n != key.name => Err(Failure::invalid(format!(
                        "--key-name `{n}` is not the key in --key / TOKENSMITH_ABLY_KEY (`{}`)",
                        key.name
                    ))),
                    _ => Ok(key),
                }
            }
            (None, Some(_), _) => Err(Failure::invalid(
                "--key-name is required with --key-secret, TOKENSMITH_ABLY_KEY_SECRET or --secret-stdin",
            )),
            (_, None, None) => Err(Failure::invalid(
                "no Ably key: set TOKENSMITH_ABLY_KEY, or give --key-name with \
                 TOKENSMITH_ABLY_KEY_SECRET or --secret-stdin",
            )),
        }
    }
}

/// The app certificate or key secret that `inspect` and `verify` check signatures with.
#[derive(Args)]
pub struct AnySecret {
    /// App certificate or key secret (discouraged: visible in `ps`; prefer the env var or --secret-stdin)
    #[arg(long, value_name = "SECRET", env = "TOKENSMITH_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Read the secret from the first line of stdin (the token follows it when TOKEN is `-`)
    #[arg(long)]
    secret_stdin: bool,
}

impl AnySecret {
    pub fn resolve(self) -> Result<Option<Secret>, Failure> {
        pick(self.secret, self.secret_stdin)
    }
}

/// Stdin if asked for, else the flag/env value; an empty value counts as none.
fn pick(value: Option<String>, from_stdin: bool) -> Result<Option<Secret>, Failure> {
    if from_stdin {
        return read_line().map(Some);
    }
    Ok(value.map(Secret::new).filter(|s| !s.is_empty()))
}

/// One line of stdin, without its line ending. A terminal is refused: it would echo the secret.
fn read_line() -> Result<Secret, Failure> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::invalid(
            "--secret-stdin reads a pipe or file, not a terminal (which would echo the secret)",
        ));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::invalid(format!("could not read the secret from stdin: {e}")))?;
    // Truncate in place and move the buffer into `Secret`, so no unwiped copy is left behind.
    line.truncate(line.trim_end_matches(['\r', '\n']).len());
    let secret = Secret::new(line);
    if secret.is_empty() {
        return Err(Failure::invalid("--secret-stdin: the first line of stdin is empty"));
    }
    Ok(secret)
}

/// The rest of stdin, for a TOKEN of `-` (a pretty-printed TokenRequest spans several lines).
pub fn read_rest() -> Result<String, Failure> {
    let mut text = String::new();
    io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| Failure::invalid(format!("could not read the token from stdin: {e}")))?;
    Ok(text)
}
