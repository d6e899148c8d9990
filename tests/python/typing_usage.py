"""Typical use of the public API, checked with ``mypy --strict`` by test_typing.py (not collected
by pytest: no ``test_`` prefix). ``main()`` is also run, so every line here works at runtime.

``misuse()`` is never run: each of its lines is a type error that the stub must catch. They carry
``# type: ignore[code]``, and ``--strict`` (``--warn-unused-ignores``) fails if the stub stops
reporting one of them, e.g. because a parameter became ``Any``.
"""

from __future__ import annotations

import asyncio
import json
import pickle
from types import MappingProxyType
from typing import Any

import tokensmith
from tokensmith import ably, agora, auth_token
from tokensmith.errors import BY_CODE
from tokensmith.results import AuthTokenInfo, CreatedUser, IssuedToken, PushList, RevokeResult, Session, TokenPage, User

APP_ID = "970CA35de60c44645bbae8a215061b33"
CERT = "5CFd2fd1755d40ecb72977518be15d3b"
KEY_NAME, KEY_SECRET = "appX.keyY", "secret"


def agora_tokens() -> list[str]:
    user: str = agora.build_chat_user_token(APP_ID, CERT, "alice", 3600)
    pinned: str = agora.build_chat_user_token(APP_ID, CERT, "bob", expire=600, issue_ts=1_700_000_000, salt=7)
    app: str = agora.build_chat_app_token(APP_ID, CERT, 3600)
    parsed: dict[str, Any] = agora.parse(pinned)
    issue_ts: int = parsed["issueTs"]
    verified: dict[str, Any] = agora.verify(pinned, CERT, now=issue_ts + 1)
    assert verified == parsed
    agora.verify(user, CERT)
    return [user, app]


def ably_flow() -> str:
    capability: dict[str, list[str]] = {"chat:*": ["publish", "subscribe"]}
    req: dict[str, Any] = ably.create_token_request(
        KEY_NAME, KEY_SECRET, ttl=60_000, capability=capability, client_id="alice"
    )
    ably.create_token_request(KEY_NAME, KEY_SECRET, capability=json.dumps(capability))
    ably.create_token_request(KEY_NAME, KEY_SECRET, capability=MappingProxyType({"a": ("publish",)}))
    params: dict[str, Any] = ably.verify_token_request(req, KEY_NAME, KEY_SECRET, window_ms=60_000)
    verifier = ably.TokenRequestVerifier()
    verifier.verify(MappingProxyType(req), KEY_NAME, KEY_SECRET, now=params["timestamp"])
    try:
        verifier.verify(req, KEY_NAME, KEY_SECRET)
    except tokensmith.ReplayedNonceError as e:
        vendor: int | None = e.vendor_code
        assert vendor == 40105
    details = ably.issue_token(KEY_NAME, KEY_SECRET, ttl=60_000, client_id="alice", key_capability='{"*":["*"]}')
    token: str = details["token"]
    claims: dict[str, Any] = ably.verify_token(
        token, KEY_NAME, KEY_SECRET, leeway=5, client_id="alice", resource="chat:lobby", operation="publish"
    )
    assert claims["x-ably-clientId"] == "alice"
    return token


def auth_tokens() -> str:
    token: str = auth_token.generate()
    auth_token.check(token)
    fingerprint: str = auth_token.fingerprint(token)
    shown: str = auth_token.redact(token)
    assert fingerprint != shown
    return token


def errors() -> None:
    codes: tuple[str, ...] = tokensmith.ERROR_CODES
    version: str = tokensmith.__version__
    assert codes and version
    try:
        agora.build_chat_app_token("abc", CERT, 600)
    except tokensmith.InvalidArgumentError as e:
        as_value_error: ValueError = e
        code: str = e.code
        field: str | None = e.field
        message: str = e.message
        assert (code, field) == ("INVALID_ARGUMENT", "app_id") and message and as_value_error
        copy: tokensmith.TokensmithError = pickle.loads(pickle.dumps(e))
        cls: type[tokensmith.TokensmithError] = BY_CODE[copy.code]
        assert type(copy) is cls


def explain_all(tokens: list[str]) -> None:
    for t in tokens:
        out: dict[str, Any] = tokensmith.explain(t)
        with_secret: dict[str, Any] = tokensmith.explain(t, secret=KEY_SECRET if t.count(".") == 2 else CERT)
        assert out["format"] == with_secret["format"]


def retention() -> None:
    with tokensmith.Tokensmith("memory://", app="typing", retention=2, token_ttl_ms=None) as ts:
        created: CreatedUser = ts.users.create("alice", profile={"role": "admin"}, with_auth_token=True, platform="web")
        user: User = ts.users.get(created["user"]["uid"])
        created_at_ms: int = user["createdAt"]
        first: IssuedToken = created["authToken"]
        raw: str = first["authToken"]
        second: IssuedToken = ts.auth_tokens.create("alice", device_id="d1", app_info={"v": 1})
        page: TokenPage = ts.auth_tokens.list("alice", page=1, per_page=10)
        infos: list[AuthTokenInfo] = page["tokens"]
        info: AuthTokenInfo = ts.auth_tokens.update("alice", second["id"], user_agent="mypy")
        session: Session = ts.auth_tokens.validate(raw)
        ts.push.register(raw, fcm_token="fcm")
        pushed: PushList = ts.push.list(raw)
        removed: int = ts.push.delete(raw, all=True)
        revoked: RevokeResult = ts.revoke_subject("bob", allow_reauth_margin=True)
        flushed: int = ts.auth_tokens.flush("alice")
        purged: int = ts.purge_archived()
        ts.users.delete("alice")
        assert created_at_ms and infos and info["userAgent"] == "mypy" and session["user"] == user
        assert pushed["web"] == ["fcm"] and removed == 1 and revoked["appliesAt"] > revoked["issuedBefore"]
        assert (flushed, purged) == (2, 0)
    try:
        ts.users.get("alice")
    except tokensmith.StoreUnavailableError as e:
        assert e.code == "STORE_UNAVAILABLE"


async def retention_async() -> None:
    async with tokensmith.AsyncTokensmith("memory://") as ts:
        created: CreatedUser = await ts.users.create("bob", with_auth_token=True)
        token: str = created["authToken"]["authToken"]
        session: Session = await ts.auth_tokens.validate(token)
        details = ably.issue_token(KEY_NAME, KEY_SECRET, client_id="bob")
        claims: dict[str, Any] = await ts.verify_ably_token(details["token"], KEY_NAME, KEY_SECRET, client_id="bob")
        await ts.logout(token)
        assert session["token"]["uid"] == claims["x-ably-clientId"]


def main() -> None:
    tokens = agora_tokens() + [ably_flow(), auth_tokens()]
    errors()
    explain_all(tokens)
    retention()
    asyncio.run(retention_async())


def misuse() -> None:
    agora.build_chat_user_token(APP_ID, CERT, "alice", "600")  # type: ignore[arg-type]
    agora.build_chat_user_token(APP_ID, CERT, "alice", 600, 1_700_000_000)  # type: ignore[call-arg]
    agora.build_chat_app_token(APP_ID, CERT, 600, salt="7")  # type: ignore[arg-type]
    agora.verify("007", CERT, now=1.5)  # type: ignore[arg-type]
    agora.parse(b"007")  # type: ignore[arg-type]
    ably.create_token_request(KEY_NAME, KEY_SECRET, 60_000)  # type: ignore[call-arg]
    ably.create_token_request(KEY_NAME, KEY_SECRET, capability={"a": "publish"})  # type: ignore[dict-item]
    ably.create_token_request(KEY_NAME, KEY_SECRET, capability=["a"])  # type: ignore[arg-type]
    ably.create_token_request(KEY_NAME, KEY_SECRET, clientId="alice")  # type: ignore[call-arg]
    ably.verify_token_request("{}", KEY_NAME, KEY_SECRET)  # type: ignore[arg-type]
    ably.issue_token(KEY_NAME, KEY_SECRET, ttl=None, max_ttl="1")  # type: ignore[arg-type]
    ably.verify_token("t", KEY_NAME, KEY_SECRET, leeway=0.5)  # type: ignore[arg-type]
    ably.TokenRequestVerifier(3)  # type: ignore[call-arg]
    n: int = auth_token.check("tks_")  # type: ignore[func-returns-value, assignment]
    s: int = auth_token.fingerprint("x")  # type: ignore[assignment]
    tokensmith.explain("t", 1)  # type: ignore[arg-type]
    e = tokensmith.TokensmithError("m")
    v: int = e.field  # type: ignore[assignment]
    ts = tokensmith.Tokensmith("memory://", retention="5")  # type: ignore[arg-type]
    tokensmith.Tokensmith(store="memory://", app=None, ttl=5)  # type: ignore[call-arg]
    ts.users.create("a", "name")  # type: ignore[call-arg]
    ts.users.create("a", with_auth_token="yes")  # type: ignore[arg-type]
    ts.auth_tokens.list("a", page="1")  # type: ignore[arg-type]
    ts.auth_tokens.create("a")["nope"]  # type: ignore[typeddict-item]
    ts.auth_tokens.get("a", "id")["authToken"]  # type: ignore[typeddict-item]
    f: str = ts.auth_tokens.flush("a")  # type: ignore[assignment]
    ts.push.register("t", "fcm")  # type: ignore[call-arg]
    ts.revoke_subject("a", issued_before=1.5)  # type: ignore[arg-type]
    ats = tokensmith.AsyncTokensmith("memory://")
    u: tokensmith.results.User = ats.users.get("a")  # type: ignore[assignment]
    print(n, s, v, f, u)


if __name__ == "__main__":
    main()
