//! Runs the built `tokensmith` binary end to end: reference vectors, secret sourcing, exit
//! statuses, and that no secret ever reaches stdout or stderr.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";
const AGORA_REFERENCE: &str = "007eJxTYNAIsnbS3v/A5t2TC6feR15r+6cq8bqAvfaW+tk/Vzz+p6xTYLA0N3B2NDZNSTUzSDYxMTMxTUpKTLVINDI0NTAzTDI2dv8iwBDBxMDAyADCrEDMCOZzMRhZWBgZmxgamRsDAB+lHrg=";
const ABLY_NAME: &str = "appAlpha.keyOne";
const ABLY_SECRET: &str = "alphaSecretValue01";
const ABLY_MAC: &str = "tdmWZ5T2tZbDFm6ZxX9Gfth2yC6TTkFp61i9PPS53B8=";

const SECRET_VARS: &[&str] =
    &["TOKENSMITH_AGORA_APP_CERTIFICATE", "TOKENSMITH_ABLY_KEY_SECRET", "TOKENSMITH_ABLY_KEY", "TOKENSMITH_SECRET"];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `env` set (and the caller's own secret variables cleared) and `stdin`.
fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokensmith"));
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for var in SECRET_VARS {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("spawn tokensmith");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let Output { status, stdout, stderr } = child.wait_with_output().unwrap();
    Run {
        code: status.code().expect("exited, not killed"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn assert_no_secret(r: &Run, secret: &str) {
    assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret), "secret leaked:\n{}\n{}", r.stdout, r.stderr);
}

const AGORA_PINNED: &[&str] = &[
    "issue",
    "agora-user",
    "--app-id",
    APP_ID,
    "--user-id",
    "2882341273",
    "--expire",
    "600",
    "--issue-ts",
    "1111111",
    "--salt",
    "1",
];

#[test]
fn agora_user_reference_token_via_env_and_stdin() {
    let env = run(AGORA_PINNED, &[("TOKENSMITH_AGORA_APP_CERTIFICATE", CERT)], "");
    assert_eq!((env.code, env.stdout.trim()), (0, AGORA_REFERENCE), "{}", env.stderr);

    let args = [AGORA_PINNED, &["--secret-stdin"]].concat();
    let stdin = run(&args, &[], &format!("{CERT}\n"));
    assert_eq!((stdin.code, stdin.stdout.trim()), (0, AGORA_REFERENCE), "{}", stdin.stderr);
}

#[test]
fn agora_app_token_is_a_chat_app_token() {
    let r = run(
        &["issue", "agora-app", "--app-id", APP_ID, "--expire", "600"],
        &[("TOKENSMITH_AGORA_APP_CERTIFICATE", CERT)],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = inspect_json(r.stdout.trim());
    assert_eq!(e["kind"], "chat-app");
}

#[test]
fn ably_request_reproduces_the_reference_mac() {
    let args = [
        "issue",
        "ably-request",
        "--key-name",
        ABLY_NAME,
        "--timestamp",
        "1700000000000",
        "--nonce",
        "0000000000000001",
    ];
    let r = run(&args, &[("TOKENSMITH_ABLY_KEY_SECRET", ABLY_SECRET)], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "compact by default");
    let req: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(req["mac"], ABLY_MAC);
    assert_no_secret(&r, ABLY_SECRET);

    // The whole key in one variable gives the same request.
    let whole = run(
        &args[..2].iter().chain(&args[4..]).copied().collect::<Vec<_>>(),
        &[("TOKENSMITH_ABLY_KEY", &format!("{ABLY_NAME}:{ABLY_SECRET}"))],
        "",
    );
    assert_eq!((whole.code, &whole.stdout), (0, &r.stdout), "{}", whole.stderr);
}

fn inspect_json(token: &str) -> serde_json::Value {
    let r = run(&["inspect", token, "--json"], &[], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn inspect_json_names_the_format_and_reads_stdin() {
    let e = inspect_json(AGORA_REFERENCE);
    assert_eq!(e["format"], "agora-accesstoken2");
    assert_eq!(e["subject"], "2882341273");
    assert_eq!(e["valid"], serde_json::Value::Null);

    let r = run(&["inspect", "-"], &[], &format!("{AGORA_REFERENCE}\n"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("format:      agora-accesstoken2 (chat-user)"));
}

fn fresh_agora_token() -> String {
    let r = run(
        &["issue", "agora-user", "--app-id", APP_ID, "--user-id", "alice", "--expire", "600"],
        &[("TOKENSMITH_AGORA_APP_CERTIFICATE", CERT)],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.trim().to_owned()
}

#[test]
fn verify_exit_status_follows_the_checks_and_never_shows_the_secret() {
    let token = fresh_agora_token();
    let ok = run(&["verify", &token], &[("TOKENSMITH_SECRET", CERT)], "");
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("verdict:     valid"));
    assert_no_secret(&ok, CERT);

    let wrong = "0123456789abcdef0123456789abcdef";
    let bad = run(&["verify", &token], &[("TOKENSMITH_SECRET", wrong)], "");
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.starts_with("error[BAD_SIGNATURE]: "), "{}", bad.stderr);
    assert_no_secret(&bad, wrong);

    // Secret then token, both on stdin: nothing sensitive in the arguments.
    let piped = run(&["verify", "-", "--secret-stdin", "--json"], &[], &format!("{CERT}\n{token}\n"));
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    let e: serde_json::Value = serde_json::from_str(&piped.stdout).unwrap();
    assert_eq!(e["valid"], true);
    assert_no_secret(&piped, CERT);
    assert!(!piped.stdout.contains(&token));

    // No secret: the signature is unchecked, which is not a pass.
    let unverified = run(&["verify", &token], &[], "");
    assert_eq!(unverified.code, 1);
    assert!(unverified.stderr.starts_with("error[INVALID_ARGUMENT]: "));
}

#[test]
fn an_expired_token_fails_verify_with_the_right_secret() {
    let r = run(&["verify", AGORA_REFERENCE], &[("TOKENSMITH_SECRET", CERT)], "");
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error[TOKEN_EXPIRED]: "), "{}", r.stderr);
}

#[test]
fn bad_input_is_an_error_code_not_a_panic() {
    let r = run(
        &["issue", "agora-user", "--app-id", "not-hex", "--user-id", "u", "--expire", "600"],
        &[("TOKENSMITH_AGORA_APP_CERTIFICATE", CERT)],
        "",
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error[INVALID_ARGUMENT]: "), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_no_secret(&r, CERT);

    let missing = run(&["issue", "agora-app", "--app-id", APP_ID, "--expire", "1"], &[], "");
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.starts_with("error[INVALID_ARGUMENT]: no app certificate"));

    let empty_stdin = run(&["issue", "agora-app", "--app-id", APP_ID, "--expire", "1", "--secret-stdin"], &[], "");
    assert_eq!(empty_stdin.code, 1);

    let unknown = run(&["inspect", "hello"], &[], "");
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.starts_with("error[UNSUPPORTED_TOKEN]: "));

    let bad_key = run(&["issue", "ably-token"], &[("TOKENSMITH_ABLY_KEY", "no-colon-here")], "");
    assert_eq!(bad_key.code, 1);
    assert!(bad_key.stderr.starts_with("error[INVALID_ARGUMENT]: "));
    assert_no_secret(&bad_key, "no-colon-here");

    // Usage errors keep clap's status 2.
    assert_eq!(run(&["issue", "agora-user", "--expire", "x"], &[], "").code, 2);
    assert_eq!(run(&["frobnicate"], &[], "").code, 2);
}

#[test]
fn help_shows_env_names_but_never_their_values() {
    let env = [
        ("TOKENSMITH_AGORA_APP_CERTIFICATE", CERT),
        ("TOKENSMITH_ABLY_KEY_SECRET", ABLY_SECRET),
        ("TOKENSMITH_SECRET", CERT),
    ];
    for sub in [&["issue", "agora-user"][..], &["issue", "ably-token"], &["verify"]] {
        let r = run(&[sub, &["--help"]].concat(), &env, "");
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("[env: TOKENSMITH_"), "{}", r.stdout);
        assert_no_secret(&r, CERT);
        assert_no_secret(&r, ABLY_SECRET);
    }
}

#[test]
fn auth_token_passes_the_core_check() {
    let r = run(&["issue", "auth-token"], &[], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    tokensmith::auth_token::check(r.stdout.trim()).unwrap();
    let e = inspect_json(r.stdout.trim());
    assert_eq!((e["format"].as_str(), e["valid"].as_bool()), (Some("auth-token"), Some(true)));
}

#[test]
fn ably_token_then_verify_with_its_secret() {
    let r = run(
        &[
            "issue",
            "ably-token",
            "--key-name",
            ABLY_NAME,
            "--client-id",
            "bob",
            "--capability",
            r#"{"chat:*":["publish","subscribe"]}"#,
            "--secret-stdin",
        ],
        &[],
        &format!("{ABLY_SECRET}\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_secret(&r, ABLY_SECRET);
    let details: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let jwt = details["token"].as_str().unwrap();
    assert_eq!(details["clientId"], "bob");

    let ok = run(&["verify", jwt], &[("TOKENSMITH_SECRET", ABLY_SECRET)], "");
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("format:      ably-jwt"));
    assert_no_secret(&ok, ABLY_SECRET);

    let bad = run(&["verify", jwt], &[("TOKENSMITH_SECRET", "notTheSecret")], "");
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.starts_with("error[BAD_SIGNATURE]: "), "{}", bad.stderr);
}

#[test]
fn ably_request_round_trips_through_inspect_on_stdin() {
    let req = run(
        &["issue", "ably-request", "--pretty", "--ttl", "60000"],
        &[("TOKENSMITH_ABLY_KEY", &format!("{ABLY_NAME}:{ABLY_SECRET}"))],
        "",
    );
    assert_eq!(req.code, 0, "{}", req.stderr);
    assert!(req.stdout.lines().count() > 1, "pretty");
    let r = run(&["verify", "-", "--secret-stdin"], &[], &format!("{ABLY_SECRET}\n{}", req.stdout));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ably-token-request"));
}

#[test]
fn a_closed_stdout_does_not_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokensmith"))
        .args(["issue", "auth-token"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
