"""The Python API beyond the vectors: Ably JWTs, auth tokens, explain, defaults, threads."""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import tokensmith
from tokensmith import ably, agora, auth_token

APP_ID = "970CA35de60c44645bbae8a215061b33"
CERT = "5CFd2fd1755d40ecb72977518be15d3b"
OTHER_CERT = "00000000000000000000000000000000"
KEY_NAME, SECRET = "appX.keyY", "s3cr3t/Value+="
HOUR_MS = 3_600_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def raises(cls: type[tokensmith.TokensmithError], fn: Any, *args: Any, **kw: Any) -> tokensmith.TokensmithError:
    with pytest.raises(cls) as info:
        fn(*args, **kw)
    assert type(info.value) is cls
    return info.value


# --------------------------------------------------------------------------------------------
# Ably TokenDetails (JWTs)


def test_issue_then_verify_round_trip() -> None:
    td = ably.issue_token(KEY_NAME, SECRET, ttl=60_000, client_id="alice")
    assert set(td) == {"token", "keyName", "issued", "expires", "capability", "clientId"}
    assert (td["keyName"], td["clientId"], td["capability"]) == (KEY_NAME, "alice", '{"*":["*"]}')
    assert td["expires"] - td["issued"] == 60_000
    assert td["issued"] % 1000 == 0
    claims = ably.verify_token(td["token"], KEY_NAME, SECRET, now=td["issued"])
    assert claims == {
        "iat": td["issued"] // 1000,
        "exp": td["expires"] // 1000,
        "x-ably-capability": td["capability"],
        "x-ably-clientId": "alice",
    }
    # Without `now`, the system clock: a fresh token verifies.
    assert ably.verify_token(td["token"], KEY_NAME, SECRET) == claims


@pytest.mark.parametrize("ttl", [1_000, 60_000, HOUR_MS, 86_400_000])
def test_expires_minus_issued_is_the_ttl(ttl: int) -> None:
    td = ably.issue_token(KEY_NAME, SECRET, ttl=ttl)
    assert td["expires"] - td["issued"] == ttl


def test_issue_token_defaults() -> None:
    before = now_ms()
    td = ably.issue_token(KEY_NAME, SECRET)
    after = now_ms()
    assert set(td) == {"token", "keyName", "issued", "expires", "capability"}  # no clientId key
    assert before // 1000 * 1000 <= td["issued"] <= after
    assert td["expires"] - td["issued"] == HOUR_MS
    assert td["capability"] == '{"*":["*"]}'
    claims = ably.verify_token(td["token"], KEY_NAME, SECRET)
    assert "x-ably-clientId" not in claims


def test_issue_token_ttl_limits() -> None:
    td = ably.issue_token(KEY_NAME, SECRET, default_ttl=120_000)
    assert td["expires"] - td["issued"] == 120_000
    td = ably.issue_token(KEY_NAME, SECRET, max_ttl=30_000)  # the default is capped to the maximum
    assert td["expires"] - td["issued"] == 30_000
    for kw in ({"ttl": 60_000, "max_ttl": 30_000}, {"ttl": 999}, {"ttl": 0}, {"ttl": 86_400_001}):
        assert raises(tokensmith.InvalidArgumentError, ably.issue_token, KEY_NAME, SECRET, **kw).field == "ttl"


def test_capability_is_intersected_with_the_key_capability() -> None:
    td = ably.issue_token(
        KEY_NAME,
        SECRET,
        capability={"chat:*": ["publish", "subscribe"], "other": ["history"], "x:y": ["*"]},
        key_capability={"chat:*": ["subscribe", "presence"], "x:*": ["publish"]},
    )
    assert json.loads(td["capability"]) == {"chat:*": ["subscribe"], "x:y": ["publish"]}
    # Text and dict forms are interchangeable.
    td2 = ably.issue_token(
        KEY_NAME,
        SECRET,
        capability=json.dumps({"chat:*": ["subscribe", "publish"], "other": ["history"], "x:y": ["*"]}),
        key_capability='{"x:*":["publish"],"chat:*":["presence","subscribe"]}',
    )
    assert td2["capability"] == td["capability"]
    # Nothing in common: refused with Ably's 40160.
    e = raises(
        tokensmith.CapabilityRefusedError,
        ably.issue_token,
        KEY_NAME,
        SECRET,
        capability={"private": ["publish"]},
        key_capability={"chat:*": ["subscribe"]},
    )
    assert (e.code, e.vendor_code) == ("CAPABILITY_REFUSED", 40160)


def test_verify_token_client_id() -> None:
    td = ably.issue_token(KEY_NAME, SECRET, client_id="alice")
    ably.verify_token(td["token"], KEY_NAME, SECRET, client_id="alice")
    e = raises(tokensmith.ClientIdMismatchError, ably.verify_token, td["token"], KEY_NAME, SECRET, client_id="bob")
    assert (e.code, e.vendor_code) == ("CLIENT_ID_MISMATCH", 40102)
    # A wildcard token is good for any client id; a token without one for none.
    wildcard = ably.issue_token(KEY_NAME, SECRET, client_id="*")["token"]
    ably.verify_token(wildcard, KEY_NAME, SECRET, client_id="bob")
    anonymous = ably.issue_token(KEY_NAME, SECRET)["token"]
    raises(tokensmith.ClientIdMismatchError, ably.verify_token, anonymous, KEY_NAME, SECRET, client_id="bob")


def test_verify_token_resource_and_operation() -> None:
    token = ably.issue_token(KEY_NAME, SECRET, capability={"chat:*": ["publish", "subscribe"]})["token"]
    ably.verify_token(token, KEY_NAME, SECRET, resource="chat:lobby", operation="publish")
    ably.verify_token(token, KEY_NAME, SECRET, resource="chat:lobby:thread", operation="subscribe")
    for resource, operation in (("chat:lobby", "presence"), ("news", "publish"), ("chat", "publish")):
        e = raises(
            tokensmith.CapabilityRefusedError,
            ably.verify_token,
            token,
            KEY_NAME,
            SECRET,
            resource=resource,
            operation=operation,
        )
        assert (e.code, e.vendor_code) == ("CAPABILITY_REFUSED", 40160)
    for kw in ({"resource": "chat:lobby"}, {"operation": "publish"}):
        e = raises(tokensmith.InvalidArgumentError, ably.verify_token, token, KEY_NAME, SECRET, **kw)
        assert e.field == "operation"


def test_verify_token_expiry_and_leeway() -> None:
    td = ably.issue_token(KEY_NAME, SECRET, ttl=60_000)
    token, issued, expires = td["token"], td["issued"], td["expires"]
    ably.verify_token(token, KEY_NAME, SECRET, now=expires - 1)
    for now in (expires, expires + 1, expires + HOUR_MS):
        e = raises(tokensmith.TokenExpiredError, ably.verify_token, token, KEY_NAME, SECRET, now=now)
        assert (e.code, e.vendor_code) == ("TOKEN_EXPIRED", 40142)
    # Leeway (seconds) tolerates clock skew on exp ...
    ably.verify_token(token, KEY_NAME, SECRET, now=expires + 5_000, leeway=6)
    raises(tokensmith.TokenExpiredError, ably.verify_token, token, KEY_NAME, SECRET, now=expires + 5_000, leeway=5)
    # ... and on iat.
    e = raises(tokensmith.TokenNotYetValidError, ably.verify_token, token, KEY_NAME, SECRET, now=issued - 10_000)
    assert e.code == "TOKEN_NOT_YET_VALID"
    ably.verify_token(token, KEY_NAME, SECRET, now=issued - 10_000, leeway=10)


def test_verify_token_key_and_signature() -> None:
    token = ably.issue_token(KEY_NAME, SECRET)["token"]
    e = raises(tokensmith.BadSignatureError, ably.verify_token, token, KEY_NAME, SECRET + "x")
    assert (e.code, e.vendor_code) == ("BAD_SIGNATURE", 40144)
    raises(tokensmith.KeyMismatchError, ably.verify_token, token, "appX.other", SECRET)
    # A claim changed after signing.
    header, claims, sig = token.split(".")
    other = ably.issue_token(KEY_NAME, SECRET, ttl=86_400_000)["token"].split(".")[1]
    raises(tokensmith.BadSignatureError, ably.verify_token, f"{header}.{other}.{sig}", KEY_NAME, SECRET)


def test_verify_token_request_key_mismatch() -> None:
    req = ably.create_token_request(KEY_NAME, SECRET)
    e = raises(tokensmith.KeyMismatchError, ably.verify_token_request, req, "appX.other", SECRET)
    assert e.code == "KEY_MISMATCH"
    assert ably.verify_token_request(req, KEY_NAME, SECRET)["nonce"] == req["nonce"]


def test_a_token_request_may_be_any_mapping() -> None:
    from types import MappingProxyType

    req = ably.create_token_request(KEY_NAME, SECRET, capability=MappingProxyType({"a": ("publish",)}))
    assert req["capability"] == '{"a":["publish"]}'
    assert ably.verify_token_request(MappingProxyType(req), KEY_NAME, SECRET)["capability"] == req["capability"]


# --------------------------------------------------------------------------------------------
# Auth tokens


def test_auth_token_generate_check_fingerprint_redact() -> None:
    tokens = [auth_token.generate() for _ in range(20)]
    assert len(set(tokens)) == 20
    for t in tokens:
        assert re.fullmatch(r"tks_[A-Za-z0-9_-]{49}", t)
        assert auth_token.check(t) is None
        assert auth_token.fingerprint(t) == hashlib.sha256(t.encode()).hexdigest()
        redacted = auth_token.redact(t)
        assert redacted == "tks_…" + t[-4:]
        assert t[4:-4] not in redacted


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda t: t[:-1], "length"),
        (lambda t: t + "A", "length"),
        (lambda t: "tkx_" + t[4:], "prefix"),
        (lambda t: t[:10] + "!" + t[11:], "alphabet"),
        (lambda t: t[:10] + ("A" if t[10] != "A" else "B") + t[11:], "checksum"),
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), "checksum"),
    ],
    ids=["truncated", "extended", "prefix", "alphabet", "body_typo", "checksum_typo"],
)
def test_auth_token_check_refuses_typos(mutate: Any, field: str) -> None:
    token = auth_token.generate()
    bad = mutate(token)
    e = raises(tokensmith.MalformedTokenError, auth_token.check, bad)
    assert e.field == field
    assert bad not in str(e) and token not in str(e)


def test_auth_token_helpers_on_any_string() -> None:
    assert auth_token.fingerprint("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert auth_token.redact("tks_x") == "tks_…ks_x"


# --------------------------------------------------------------------------------------------
# explain


def check_codes(e: dict[str, Any]) -> dict[str, str | None]:
    return {c["name"]: c.get("code") for c in e["checks"]}


def assert_redacted(e: dict[str, Any], *secrets: str) -> None:
    text = json.dumps(e, ensure_ascii=False) + repr(e)
    for s in secrets:
        assert s not in text


def test_explain_agora_chat_user_token() -> None:
    token = agora.build_chat_user_token(APP_ID, CERT, "alice", 600)
    e = tokensmith.explain(token)
    assert set(e) == {
        "format",
        "kind",
        "issuer",
        "subject",
        "issuedAt",
        "expiresAt",
        "grants",
        "fingerprint",
        "checks",
        "valid",
    }
    assert (e["format"], e["kind"], e["issuer"], e["subject"]) == ("agora-accesstoken2", "chat-user", APP_ID, "alice")
    assert e["expiresAt"] - e["issuedAt"] == 600
    assert e["grants"] == agora.parse(token)["services"]
    assert e["fingerprint"] == auth_token.fingerprint(token)
    assert (check_codes(e), e["valid"]) == ({"expiry": None}, None)  # no signature check without the secret
    good = tokensmith.explain(token, CERT)
    assert (check_codes(good), good["valid"]) == ({"signature": None, "expiry": None}, True)
    bad = tokensmith.explain(token, OTHER_CERT)
    assert (check_codes(bad), bad["valid"]) == ({"signature": "BAD_SIGNATURE", "expiry": None}, False)
    for out in (e, good, bad):
        assert_redacted(out, token, CERT)


def test_explain_agora_expired_app_token() -> None:
    token = agora.build_chat_app_token(APP_ID, CERT, 600, issue_ts=1_700_000_000, salt=1)
    e = tokensmith.explain(token, CERT)
    assert (e["kind"], e["subject"], e["expiresAt"]) == ("chat-app", None, 1_700_000_600)
    assert (check_codes(e), e["valid"]) == ({"signature": None, "expiry": "TOKEN_EXPIRED"}, False)
    assert_redacted(e, token, CERT)


def test_explain_ably_jwt() -> None:
    td = ably.issue_token(KEY_NAME, SECRET, client_id="alice", capability={"chat:*": ["publish"]})
    e = tokensmith.explain(td["token"])
    assert (e["format"], e["issuer"], e["subject"], e["valid"]) == ("ably-jwt", KEY_NAME, "alice", None)
    assert (e["issuedAt"] * 1000, e["expiresAt"] * 1000) == (td["issued"], td["expires"])
    assert e["grants"] == {"chat:*": ["publish"]}
    good = tokensmith.explain(td["token"], SECRET)
    assert (check_codes(good), good["valid"]) == ({"signature": None, "expiry": None}, True)
    bad = tokensmith.explain(td["token"], "wrong-secret")
    assert (check_codes(bad)["signature"], bad["valid"]) == ("BAD_SIGNATURE", False)
    for out in (e, good, bad):
        assert_redacted(out, td["token"], SECRET)


def test_explain_ably_token_request() -> None:
    req = ably.create_token_request(KEY_NAME, SECRET, ttl=60_000, client_id="bob", capability={"a": ["publish"]})
    text = json.dumps(req)
    e = tokensmith.explain(text)
    assert (e["format"], e["issuer"], e["subject"], e["valid"]) == ("ably-token-request", KEY_NAME, "bob", None)
    assert e["grants"] == {"ttl": 60_000, "capability": {"a": ["publish"]}}
    good = tokensmith.explain(text, SECRET)
    assert (check_codes(good), good["valid"]) == ({"mac": None, "timestamp": None}, True)
    bad = tokensmith.explain(text, "wrong-secret")
    assert (check_codes(bad), bad["valid"]) == ({"mac": "BAD_SIGNATURE", "timestamp": None}, False)
    stale = json.dumps(ably.create_token_request(KEY_NAME, SECRET, timestamp=1_700_000_000_000))
    old = tokensmith.explain(stale, SECRET)
    assert (check_codes(old), old["valid"]) == ({"mac": None, "timestamp": "TIMESTAMP_OUT_OF_WINDOW"}, False)
    for out in (e, good, bad, old):
        assert_redacted(out, SECRET, req["mac"])


def test_explain_auth_token() -> None:
    token = auth_token.generate()
    e = tokensmith.explain(token)
    assert (e["format"], e["valid"], check_codes(e)) == ("auth-token", True, {"checksum": None})
    assert e["grants"] == {"redacted": auth_token.redact(token)}
    typo = token[:-1] + ("A" if token[-1] != "A" else "B")
    bad = tokensmith.explain(typo)
    assert (bad["valid"], check_codes(bad)) == (False, {"checksum": "MALFORMED_TOKEN"})
    for out in (e, bad):
        assert_redacted(out, token, typo, token[4:-4])


@pytest.mark.parametrize(
    ("token", "cls"),
    [
        ("hello", tokensmith.UnsupportedTokenError),
        ("", tokensmith.UnsupportedTokenError),
        ("007abc", tokensmith.MalformedTokenError),
        ("{}", tokensmith.MalformedTokenError),
    ],
    ids=["word", "empty", "bad_agora", "empty_json"],
)
def test_explain_refuses_what_it_cannot_read(token: str, cls: type[tokensmith.TokensmithError]) -> None:
    raises(cls, tokensmith.explain, token)


# --------------------------------------------------------------------------------------------
# Defaults


def test_agora_defaults_issue_ts_to_now_and_salt_to_random() -> None:
    before = int(time.time())
    tokens = [agora.build_chat_user_token(APP_ID, CERT, "u", 600) for _ in range(20)]
    tokens.append(agora.build_chat_app_token(APP_ID, CERT, 600))
    after = int(time.time())
    parsed = [agora.parse(t) for t in tokens]
    for p in parsed:
        assert before <= p["issueTs"] <= after
        assert 1 <= p["salt"] <= 99_999_999
    assert len({p["salt"] for p in parsed}) > 1
    for t in tokens:
        agora.verify(t, CERT)  # `now` defaults to the system clock


def test_agora_verify_defaults_now_to_the_clock() -> None:
    expired = agora.build_chat_user_token(APP_ID, CERT, "u", 600, issue_ts=1_700_000_000, salt=5)
    raises(tokensmith.TokenExpiredError, agora.verify, expired, CERT)
    agora.verify(expired, CERT, now=1_700_000_001)


def test_create_token_request_defaults_nonce_and_timestamp() -> None:
    before = now_ms()
    reqs = [ably.create_token_request(KEY_NAME, SECRET) for _ in range(20)]
    after = now_ms()
    assert len({r["nonce"] for r in reqs}) == 20
    for r in reqs:
        assert list(r) == ["keyName", "timestamp", "nonce", "mac"]
        assert len(r["nonce"]) >= 16
        assert re.fullmatch(r"[A-Za-z0-9_-]+", r["nonce"])
        assert before <= r["timestamp"] <= after
        ably.verify_token_request(r, KEY_NAME, SECRET)  # `now` defaults to the clock


# --------------------------------------------------------------------------------------------
# Threads


def test_concurrent_builds_produce_valid_tokens() -> None:
    def work(worker: int) -> list[tuple[str, str]]:
        out = []
        for i in range(500):
            user = f"user-{worker}-{i}"
            out.append((user, agora.build_chat_user_token(APP_ID, CERT, user, 3600)))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [t for batch in pool.map(work, range(8)) for t in batch]
    assert len(results) == 8 * 500
    assert len({t for _, t in results}) == len(results)
    for user, token in results:
        verified = agora.verify(token, CERT)
        assert verified["services"][0]["userId"] == user


def test_concurrent_ably_issue_and_verify() -> None:
    def work(worker: int) -> int:
        ok = 0
        for i in range(200):
            td = ably.issue_token(KEY_NAME, SECRET, client_id=f"c{worker}-{i}")
            ably.verify_token(td["token"], KEY_NAME, SECRET, client_id=f"c{worker}-{i}")
            req = ably.create_token_request(KEY_NAME, SECRET, client_id=f"c{worker}-{i}")
            ably.verify_token_request(req, KEY_NAME, SECRET)
            ok += 1
        return ok

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(work, range(8))) == 1600


def test_token_request_verifier_refuses_each_replay_exactly_once_across_threads() -> None:
    verifier = ably.TokenRequestVerifier()
    t0 = now_ms()
    requests = [ably.create_token_request(KEY_NAME, SECRET, timestamp=t0, nonce=f"nonce-{i:012d}") for i in range(300)]
    submissions = [r for r in requests for _ in range(2)]
    random.Random(7).shuffle(submissions)
    start = threading.Barrier(8)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def work(chunk: list[dict[str, Any]]) -> None:
        start.wait()
        for r in chunk:
            try:
                verifier.verify(r, KEY_NAME, SECRET, now=t0)
                outcome = "ok"
            except tokensmith.ReplayedNonceError:
                outcome = "replay"
            with lock:
                outcomes.append((r["nonce"], outcome))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, [submissions[i::8] for i in range(8)]))
    counts = Counter(outcomes)
    assert len(outcomes) == 600
    for r in requests:
        assert counts[(r["nonce"], "ok")] == 1
        assert counts[(r["nonce"], "replay")] == 1
