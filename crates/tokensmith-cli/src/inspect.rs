//! `tokensmith inspect` and `tokensmith verify`: the core's `explain`, printed. Verify differs
//! only in its exit status, so scripts can gate on it.

use tokensmith::{Context, Secret};

use crate::secrets::{AnySecret, read_rest};
use crate::{Failure, encoded, json, print};

#[derive(clap::Args)]
pub struct Args {
    /// The token, or `-` to read it from stdin (keeps it out of `ps` and shell history)
    token: String,
    /// Print the breakdown as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    secret: AnySecret,
}

pub fn run(ctx: &Context, args: Args, verify: bool) -> Result<(), Failure> {
    // The secret first: with `--secret-stdin` and TOKEN `-` it is stdin's first line.
    let secret = args.secret.resolve()?;
    let token = match args.token.as_str() {
        "-" => read_rest()?,
        _ => args.token,
    };
    let e = tokensmith::explain(ctx, &token, secret.as_ref().map(Secret::expose))?;
    if args.json {
        print(&json(encoded(serde_json::to_value(&e))?, true))?;
    } else {
        print(&e.to_string())?;
    }
    if !verify {
        return Ok(());
    }
    match (e.valid, e.checks.iter().find(|c| !c.ok)) {
        (Some(true), _) => Ok(()),
        (_, Some(c)) => Err(Failure {
            code: c.code.unwrap_or("INVALID_ARGUMENT"),
            message: format!("{} check failed: {}", c.name, c.detail),
        }),
        (_, None) => {
            Err(Failure::invalid("not verified: this token needs its secret (TOKENSMITH_SECRET or --secret-stdin)"))
        }
    }
}
