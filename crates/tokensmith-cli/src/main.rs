//! `tokensmith`: issue, inspect and verify tokens from the shell, and run the HTTP service.
//!
//! A thin layer over the `tokensmith` and `tokensmith-server` crates: it parses arguments,
//! sources secrets and prints.
//! Every rule about tokens lives in the core, so the CLI and the bindings cannot disagree.

mod inspect;
mod issue;
mod secrets;
mod serve;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokensmith::{Context, Error};

/// Issue, sign, verify and explain chat/realtime auth tokens (Agora, Ably, `tks_` auth tokens).
///
/// Secrets come from environment variables or `--secret-stdin`; their flags work too, but any
/// user on the machine can read a process's arguments.
#[derive(Parser)]
#[command(name = "tokensmith", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Issue a new token and print it.
    #[command(subcommand)]
    Issue(issue::Issue),
    /// Explain a token: format, grants, expiry, and the signature check when given the secret.
    Inspect(inspect::Args),
    /// Check a token with its secret; exit status 1 if any check fails.
    Verify(inspect::Args),
    /// Run the HTTP service (CometChat-, Ably- and Agora-compatible token routes) until SIGTERM or Ctrl-C.
    Serve(serve::Args),
}

/// A failure reported as `error[CODE]: message` with exit status 1. The code is always one of
/// the core's stable `Error::code()` strings, so scripts can match on it.
pub struct Failure {
    code: &'static str,
    message: String,
}

impl Failure {
    /// A bad or missing CLI input (secret source, stdin) that the core never saw.
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure { code: "INVALID_ARGUMENT", message: message.into() }
    }

    /// Exit 1 with nothing on stderr (the output's reader has gone away).
    fn silent() -> Self {
        Failure { code: "", message: String::new() }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure { code: e.code(), message: e.to_string() }
    }
}

/// Prints one result line. A closed stdout (`| head`) is not worth a panic or a message.
pub fn print(text: &str) -> Result<(), Failure> {
    writeln!(io::stdout().lock(), "{text}").map_err(|_| Failure::silent())
}

/// The core's serde attributes give Ably's field names; encoding them cannot really fail.
pub fn encoded(v: serde_json::Result<serde_json::Value>) -> Result<serde_json::Value, Failure> {
    v.map_err(|e| Failure::invalid(format!("could not encode JSON: {e}")))
}

/// Compact JSON by default, pretty for people; `Value`'s `Display` cannot fail.
pub fn json(value: serde_json::Value, pretty: bool) -> String {
    if pretty { format!("{value:#}") } else { value.to_string() }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Context::system();
    let result = match cli.command {
        Command::Issue(cmd) => issue::run(&ctx, cmd),
        Command::Inspect(args) => inspect::run(&ctx, args, false),
        Command::Verify(args) => inspect::run(&ctx, args, true),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.code.is_empty() {
                let _ = writeln!(io::stderr(), "error[{}]: {}", f.code, f.message);
            }
            ExitCode::FAILURE
        }
    }
}
