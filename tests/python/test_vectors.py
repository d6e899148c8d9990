"""The shared golden vectors (tests/vectors/*.json), run through the Python package.

Agora: every chat case is rebuilt byte for byte with ``issue_ts``/``salt`` pinned, and every
token variant (vanilla zlib, Node, Go) parses to the inputs and verifies. Ably: every
TokenRequest is rebuilt with the exact ``mac`` ably-js produced, verifies, and refuses tampering,
stale timestamps and replays.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tokensmith
from tokensmith import ably, agora

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


AGORA = load("agora_accesstoken2.json")
AGORA_CASES = AGORA["cases"]
AGORA_OTHER = AGORA["other_reference_test_vectors"]
ABLY_CASES = load("ably_token_request.json")["cases"]
ABLY_CAPABILITY_CASES = [c for c in ABLY_CASES if "capability" in c["token_params"]]

TOKEN_VARIANTS = ("token", "token_node", "token_go_reference_test")
OTHER_CERT = "00000000000000000000000000000000"


def by_name(cases: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("case", cases, ids=[c["name"] for c in cases])


def test_the_vector_files_have_the_expected_number_of_cases() -> None:
    # Guards against a truncated or mis-edited vector file silently running fewer cases.
    assert len(AGORA_CASES) == AGORA["cross_check"]["cases"] == 9
    assert len(AGORA_OTHER) == 4
    assert len(ABLY_CASES) == 8
    assert {type(c["token_params"]["capability"]) for c in ABLY_CAPABILITY_CASES} == {str, dict}
    assert {c["kind"] for c in AGORA_CASES} == {"chat_user", "chat_app"}


# --------------------------------------------------------------------------------------------
# Agora AccessToken2 chat tokens


def build(case: dict[str, Any], **pinned: Any) -> str:
    if case["kind"] == "chat_user":
        return agora.build_chat_user_token(
            case["app_id"], case["app_certificate"], case["user_id"], case["expire"], **pinned
        )
    assert case["kind"] == "chat_app"
    return agora.build_chat_app_token(case["app_id"], case["app_certificate"], case["expire"], **pinned)


def expected_parse(case: dict[str, Any]) -> dict[str, Any]:
    """The object `agora.parse` returns (the same one the Node package returns)."""
    privilege = "1" if case["kind"] == "chat_user" else "2"
    return {
        "appId": case["app_id"],
        "issueTs": case["issue_ts"],
        "expire": case["expire"],
        "salt": case["salt"],
        "services": [
            {
                "type": 5,
                "name": "chat",
                "privileges": {privilege: case["expire"]},
                "userId": case["user_id"] if case["kind"] == "chat_user" else "",
            }
        ],
    }


def variants(case: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(v, case[v]) for v in TOKEN_VARIANTS if case.get(v)]
    assert found[0][0] == "token"
    return found


@by_name(AGORA_CASES)
def test_agora_build_is_byte_exact(case: dict[str, Any]) -> None:
    token = build(case, issue_ts=case["issue_ts"], salt=case["salt"])
    assert token == case["token"]
    if case["tokens_identical"]:
        assert token == case["token_node"]


@by_name(AGORA_CASES)
def test_agora_parse_gives_the_inputs_for_every_variant(case: dict[str, Any]) -> None:
    want = expected_parse(case)
    for variant, token in variants(case):
        assert agora.parse(token) == want, variant


@by_name(AGORA_CASES)
def test_agora_verify_inside_the_window(case: dict[str, Any]) -> None:
    cert, issued, expire = case["app_certificate"], case["issue_ts"], case["expire"]
    want = expected_parse(case)
    for variant, token in variants(case):
        for now in (issued, issued + expire // 2, issued + expire - 1):
            assert agora.verify(token, cert, now=now) == want, (variant, now)


@by_name(AGORA_CASES)
def test_agora_verify_refuses_another_certificate(case: dict[str, Any]) -> None:
    cert, now = case["app_certificate"], case["issue_ts"] + 1
    # One character off, and the certificate in the other case (it is signed as ASCII).
    flipped = cert[:-1] + ("0" if cert[-1] != "0" else "1")
    others = {OTHER_CERT, flipped, cert.swapcase()} - {cert}
    for variant, token in variants(case):
        for other in others:
            with pytest.raises(tokensmith.BadSignatureError) as info:
                agora.verify(token, other, now=now)
            assert info.value.code == "BAD_SIGNATURE", variant
            assert info.value.vendor_code is None


@by_name(AGORA_CASES)
def test_agora_verify_refuses_at_issue_ts_plus_expire(case: dict[str, Any]) -> None:
    cert, expires_at = case["app_certificate"], case["issue_ts"] + case["expire"]
    for variant, token in variants(case):
        for now in (expires_at, expires_at + 1, expires_at + 10**6):
            with pytest.raises(tokensmith.TokenExpiredError) as info:
                agora.verify(token, cert, now=now)
            assert info.value.code == "TOKEN_EXPIRED", variant
        # The signature is checked first: an expired token with a wrong certificate is a bad signature.
        with pytest.raises(tokensmith.BadSignatureError):
            agora.verify(token, OTHER_CERT, now=expires_at)


@by_name(AGORA_CASES)
def test_agora_salt_and_issue_ts_are_signed(case: dict[str, Any]) -> None:
    other_salt = build(case, issue_ts=case["issue_ts"], salt=case["salt"] % 99_999_999 + 1)
    other_ts = build(case, issue_ts=case["issue_ts"] + 1, salt=case["salt"])
    assert len({case["token"], other_salt, other_ts}) == 3
    for token in (other_salt, other_ts):
        agora.verify(token, case["app_certificate"], now=case["issue_ts"] + 1)


SERVICE_FIELDS = {"channel_name": "channelName", "user_id": "userId", "room_uuid": "roomUuid", "user_uuid": "userUuid"}


@by_name(AGORA_OTHER)
def test_agora_other_reference_tokens_parse_and_verify(case: dict[str, Any]) -> None:
    assert case["tokens"]
    for producer, token in case["tokens"].items():
        parsed = agora.parse(token)
        verified = agora.verify(token, case["app_certificate"], now=case["issue_ts"] + 1)
        assert verified == parsed, producer
        assert (parsed["appId"], parsed["issueTs"], parsed["expire"], parsed["salt"]) == (
            case["app_id"],
            case["issue_ts"],
            case["expire"],
            case["salt"],
        ), producer
        services = parsed["services"]
        assert [s["type"] for s in services] == [s["type"] for s in case["services"]], producer
        for got, want in zip(services, case["services"]):
            expected = {SERVICE_FIELDS.get(k, k): v for k, v in want.items()}
            assert isinstance(got.pop("name"), str)
            assert got == expected, producer
        with pytest.raises(tokensmith.BadSignatureError):
            agora.verify(token, OTHER_CERT, now=case["issue_ts"] + 1)
        with pytest.raises(tokensmith.TokenExpiredError):
            agora.verify(token, case["app_certificate"], now=case["issue_ts"] + case["expire"])


# --------------------------------------------------------------------------------------------
# Ably TokenRequests

SNAKE = {"ttl": "ttl", "capability": "capability", "clientId": "client_id", "timestamp": "timestamp", "nonce": "nonce"}


def kwargs(token_params: dict[str, Any]) -> dict[str, Any]:
    assert set(token_params) <= set(SNAKE), token_params
    return {SNAKE[k]: v for k, v in token_params.items()}


def key(case: dict[str, Any]) -> tuple[str, str]:
    return case["key_name"], case["key_secret"]


@by_name(ABLY_CASES)
def test_ably_create_token_request_matches_ably_js(case: dict[str, Any]) -> None:
    req = ably.create_token_request(*key(case), **kwargs(case["token_params"]))
    assert req == case["token_request"]
    # Same field order as ably-js, so json.dumps gives the same text.
    assert list(req) == list(case["token_request"])


@by_name(ABLY_CAPABILITY_CASES)
def test_ably_capability_as_dict_or_text_gives_the_same_request(case: dict[str, Any]) -> None:
    params = kwargs(case["token_params"])
    cap = params["capability"]
    as_dict = cap if isinstance(cap, dict) else json.loads(cap)
    as_text = cap if isinstance(cap, str) else json.dumps(cap)
    a = ably.create_token_request(*key(case), **{**params, "capability": as_dict})
    b = ably.create_token_request(*key(case), **{**params, "capability": as_text})
    assert a == b == case["token_request"]


@by_name(ABLY_CASES)
def test_ably_verify_token_request_accepts_the_vendor_object(case: dict[str, Any]) -> None:
    req, tp = case["token_request"], case["token_params"]
    params = ably.verify_token_request(dict(req), *key(case), now=tp["timestamp"])
    assert params == {
        "ttl": tp.get("ttl"),
        "capability": req.get("capability"),
        "clientId": tp.get("clientId"),
        "timestamp": tp["timestamp"],
        "nonce": tp["nonce"],
    }


def tampered(req: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each signed field changed (or added, or removed) in a way that keeps the request well-formed."""
    out: list[tuple[str, dict[str, Any]]] = []

    def alter(label: str, **changes: Any) -> None:
        r = {**req, **changes}
        for k in [k for k, v in r.items() if v is None]:
            del r[k]
        assert r != req
        out.append((label, r))

    mac = req["mac"]
    alter("mac", mac=("B" if mac[0] != "B" else "C") + mac[1:])
    alter("mac_of_other_secret", mac="tdmWZ5T2tZbDFm6ZxX9Gfth2yC6TTkFp61i9PPS53B8=" if mac[0] != "t" else "AAAA")
    alter("ttl", ttl=req["ttl"] + 1000 if "ttl" in req else 60_000)
    if "ttl" in req:
        alter("ttl_removed", ttl=None)
    cap = req.get("capability")
    alter("capability", capability='{"*":["*"]}' if cap != '{"*":["*"]}' else '{"*":["subscribe"]}')
    if cap is not None:
        # The mac covers the text as received: an equivalent but reformatted capability fails.
        alter("capability_reformatted", capability=json.dumps(json.loads(cap), indent=1))
        alter("capability_removed", capability=None)
    alter("clientId", clientId=(req.get("clientId") or "") + "x")
    if "clientId" in req:
        alter("clientId_removed", clientId=None)
    alter("timestamp", timestamp=req["timestamp"] + 1)
    alter("nonce", nonce=req["nonce"][::-1] if req["nonce"] != req["nonce"][::-1] else req["nonce"] + "x")
    return out


@by_name(ABLY_CASES)
def test_ably_tampered_token_requests_are_bad_signatures(case: dict[str, Any]) -> None:
    req, now = case["token_request"], case["token_params"]["timestamp"]
    cases = tampered(req)
    assert len(cases) >= 7
    for label, bad in cases:
        with pytest.raises(tokensmith.BadSignatureError) as info:
            ably.verify_token_request(bad, *key(case), now=now)
        assert (info.value.code, info.value.vendor_code) == ("BAD_SIGNATURE", 40101), label
    # The right request with the wrong secret is refused the same way.
    with pytest.raises(tokensmith.BadSignatureError) as info:
        ably.verify_token_request(req, case["key_name"], case["key_secret"] + "x", now=now)
    assert info.value.vendor_code == 40101


@by_name(ABLY_CASES)
def test_ably_token_request_timestamp_window(case: dict[str, Any]) -> None:
    req, ts = case["token_request"], case["token_params"]["timestamp"]
    for now in (ts - 120_000, ts + 120_000):  # ±2 min inclusive
        ably.verify_token_request(req, *key(case), now=now)
    for now in (ts - 120_001, ts + 120_001, ts + 3_600_000):
        with pytest.raises(tokensmith.TimestampOutOfWindowError) as info:
            ably.verify_token_request(req, *key(case), now=now)
        assert (info.value.code, info.value.vendor_code) == ("TIMESTAMP_OUT_OF_WINDOW", 40104)
    # window_ms narrows or widens the window.
    ably.verify_token_request(req, *key(case), now=ts + 600_000, window_ms=600_000)
    with pytest.raises(tokensmith.TimestampOutOfWindowError):
        ably.verify_token_request(req, *key(case), now=ts + 1_001, window_ms=1_000)


@by_name(ABLY_CASES)
def test_ably_token_request_verifier_refuses_a_replay(case: dict[str, Any]) -> None:
    req, now = case["token_request"], case["token_params"]["timestamp"]
    verifier = ably.TokenRequestVerifier()
    # A tampered copy with the same nonce is refused without using the nonce up.
    with pytest.raises(tokensmith.BadSignatureError):
        verifier.verify({**req, "timestamp": req["timestamp"] + 1}, *key(case), now=now)
    first = verifier.verify(req, *key(case), now=now)
    assert first == ably.verify_token_request(req, *key(case), now=now)
    for later in (now, now + 1_000):
        with pytest.raises(tokensmith.ReplayedNonceError) as info:
            verifier.verify(req, *key(case), now=later)
        assert (info.value.code, info.value.vendor_code) == ("REPLAYED_NONCE", 40105)
    # Another verifier has its own memory; the stateless function never remembers.
    ably.TokenRequestVerifier().verify(req, *key(case), now=now)
    ably.verify_token_request(req, *key(case), now=now)
