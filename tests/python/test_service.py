"""The retention service (``Tokensmith`` / ``AsyncTokensmith``) against SQLite (a temp dir) and
Redis (a redis-server of our own, see conftest.py): users, auth tokens with retention, revocation,
push, typed errors, close(), concurrency, cancellation, fork, and that a process using it exits.

The behaviour tests run four ways: {sync, async} x {sqlite, redis}. The async client runs them
through ``Blocking``, which drives each coroutine on a private event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import tokensmith
from tokensmith import (
    AsyncTokensmith,
    AuthTokenNotFoundError,
    InvalidArgumentError,
    MalformedTokenError,
    ReplayedNonceError,
    StoreUnavailableError,
    TokenExpiredError,
    TokenRevokedError,
    Tokensmith,
    TokensmithError,
    UidAlreadyExistsError,
    UserNotFoundError,
    ably,
    agora,
    auth_token,
)
from tokensmith.results import IssuedToken, TokenPage
from tokensmith.service import AsyncAuthTokens, AsyncPush, AsyncUsers

from conftest import RedisServer, free_port

KEY_NAME, KEY_SECRET = "appAlpha.keyOne", "alphaSecretValue01"
AGORA_APP_ID, AGORA_CERT = "970CA35de60c44645bbae8a215061b33", "5CFd2fd1755d40ecb72977518be15d3b"

_apps = itertools.count()


def new_app() -> str:
    """An app of its own per service: tests never see each other's data."""
    return f"py-{os.getpid()}-{next(_apps)}"


class Blocking:
    """An AsyncTokensmith (or one of its namespaces) whose coroutines run to completion on `loop`."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target, self._loop = target, loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if isinstance(attr, (AsyncUsers, AsyncAuthTokens, AsyncPush)):
            return Blocking(attr, self._loop)
        if inspect.iscoroutinefunction(attr):
            return lambda *args, **kwargs: self._loop.run_until_complete(attr(*args, **kwargs))
        return attr


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path_factory.getbasetemp() / 'service.db'}"
    redis: RedisServer = request.getfixturevalue("redis_server")
    return redis.url()


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """`make(url, **options)`: a service on `url` in a fresh app (unless `app` is given)."""
    loop = asyncio.new_event_loop()
    opened: list[Any] = []

    def make(url: str, **options: Any) -> Any:
        options.setdefault("app", new_app())
        if request.param == "sync":
            ts: Any = Tokensmith(url, **options)
        else:
            ts = Blocking(AsyncTokensmith(url, **options), loop)
        opened.append(ts)
        return ts

    yield make
    for ts in opened:
        ts.close()
    loop.close()


@pytest.fixture
def ts(make: Callable[..., Any], store_url: str) -> Any:
    return make(store_url)


def renderings(e: BaseException) -> list[str]:
    """Every rendering of an error a log line could show."""
    return [str(e), repr(e), "".join(traceback.format_exception(e)), repr(pickle.loads(pickle.dumps(e)).__dict__)]


# --- users --------------------------------------------------------------------------------------


def test_users_create_get_delete_and_uids_are_case_insensitive(ts: Any) -> None:
    before = int(time.time() * 1000)
    created = ts.users.create("Alice", name="Alice A.", profile={"role": "admin", "tags": ["a"]})
    profile = {"role": "admin", "tags": ["a"]}
    assert created == {"user": {"uid": "alice", "name": "Alice A.", "createdAt": created["user"]["createdAt"], "profile": profile}}
    # Users carry Unix milliseconds.
    assert before <= created["user"]["createdAt"] <= int(time.time() * 1000)
    assert ts.users.get("ALICE") == created["user"]
    with pytest.raises(UidAlreadyExistsError) as e:
        ts.users.create("alice")
    assert e.value.code == "UID_ALREADY_EXISTS"
    assert ts.users.delete("alice") is None
    with pytest.raises(UserNotFoundError) as nf:
        ts.users.get("alice")
    assert nf.value.code == "USER_NOT_FOUND"
    with pytest.raises(UserNotFoundError):
        ts.users.delete("alice")


def test_name_defaults_to_the_uid_and_with_auth_token_mints_the_first_token(ts: Any) -> None:
    created = ts.users.create("bob", with_auth_token=True, platform="web")
    user, issued = created["user"], created["authToken"]
    assert user == {"uid": "bob", "name": "bob", "createdAt": user["createdAt"]}
    assert {k: issued[k] for k in ("uid", "archived", "platform")} == {"uid": "bob", "archived": False, "platform": "web"}
    auth_token.check(issued["authToken"])
    assert issued["redacted"] == auth_token.redact(issued["authToken"])
    session = ts.auth_tokens.validate(issued["authToken"])
    assert session["user"] == user and session["token"]["id"] == issued["id"]
    assert "authToken" not in ts.users.create("bob2")


# --- auth tokens --------------------------------------------------------------------------------


@pytest.fixture
def carol(ts: Any) -> list[dict[str, Any]]:
    """Five tokens of `carol`, oldest first."""
    ts.users.create("carol")
    return [ts.auth_tokens.create("carol", platform="android", device_id=f"device-{i}", app_info={"v": i}) for i in range(5)]


def test_create_returns_the_raw_token_once_with_id_redacted_form_and_metadata(carol: list[dict[str, Any]]) -> None:
    t = carol[0]
    keys = ["appInfo", "archived", "authToken", "createdAt", "deviceId", "id", "platform", "redacted", "uid"]
    assert sorted(t) == sorted(keys)
    assert re.fullmatch(r"[0-9a-f]{24}", t["id"])
    assert t["redacted"] == f"tks_…{t['authToken'][-4:]}"
    assert t["appInfo"] == {"v": 0} and t["deviceId"] == "device-0"
    # Token times are Unix seconds.
    assert abs(t["createdAt"] - time.time()) < 600
    assert len({x["authToken"] for x in carol}) == 5


def test_list_is_newest_first_paged_with_totals(ts: Any, carol: list[dict[str, Any]]) -> None:
    everything = ts.auth_tokens.list("carol")
    assert {k: everything[k] for k in ("total", "active", "archived", "page", "totalPages")} == {
        "total": 5, "active": 5, "archived": 0, "page": 1, "totalPages": 1
    }
    assert [t["id"] for t in everything["tokens"]] == [t["id"] for t in reversed(carol)]
    p2 = ts.auth_tokens.list("carol", page=2, per_page=2)
    assert (p2["total"], p2["page"], p2["perPage"], p2["totalPages"]) == (5, 2, 2, 3)
    assert [t["deviceId"] for t in p2["tokens"]] == ["device-2", "device-1"]
    assert [t["deviceId"] for t in ts.auth_tokens.list("carol", page=3, per_page=2)["tokens"]] == ["device-0"]
    assert ts.auth_tokens.list("carol", page=4, per_page=2)["tokens"] == []


def test_get_by_raw_token_and_by_id_give_the_same_record_without_the_token(ts: Any, carol: list[dict[str, Any]]) -> None:
    t = carol[0]
    by_token = ts.auth_tokens.get("carol", t["authToken"])
    assert by_token == ts.auth_tokens.get("carol", t["id"].upper())
    assert by_token == {k: v for k, v in t.items() if k != "authToken"}


def test_raw_tokens_never_appear_in_list_get_or_validate(ts: Any, carol: list[dict[str, Any]]) -> None:
    texts = [repr(ts.auth_tokens.list("carol")), repr(ts.auth_tokens.get("carol", carol[1]["id"]))]
    texts.append(repr(ts.auth_tokens.validate(carol[1]["authToken"])))
    for text in texts:
        for t in carol:
            assert t["authToken"] not in text


def test_update_is_a_shallow_patch(ts: Any, carol: list[dict[str, Any]]) -> None:
    t = carol[1]
    updated = ts.auth_tokens.update("carol", t["authToken"], user_agent="pytest/1", app_info={"v": "new"})
    expected = {"id": t["id"], "platform": "android", "deviceId": "device-1", "userAgent": "pytest/1"}
    expected["appInfo"] = {"v": "new"}
    assert {k: updated[k] for k in expected} == expected
    assert ts.auth_tokens.get("carol", t["id"]) == updated


def test_validate_gives_the_session_and_delete_and_flush_end_tokens(ts: Any, carol: list[dict[str, Any]]) -> None:
    session = ts.auth_tokens.validate(carol[2]["authToken"])
    assert session == {"user": ts.users.get("carol"), "token": ts.auth_tokens.get("carol", carol[2]["id"])}
    assert ts.auth_tokens.delete("carol", carol[2]["id"]) is None
    with pytest.raises(AuthTokenNotFoundError):
        ts.auth_tokens.validate(carol[2]["authToken"])
    with pytest.raises(AuthTokenNotFoundError) as e:
        ts.auth_tokens.get("carol", carol[2]["id"])
    assert e.value.code == "AUTH_TOKEN_NOT_FOUND"
    with pytest.raises(AuthTokenNotFoundError):
        ts.auth_tokens.delete("carol", carol[2]["authToken"])
    assert ts.auth_tokens.flush("carol") == 4
    page = ts.auth_tokens.list("carol")
    assert (page["total"], page["tokens"]) == (0, [])
    with pytest.raises(AuthTokenNotFoundError):
        ts.auth_tokens.validate(carol[0]["authToken"])
    with pytest.raises(UserNotFoundError):
        ts.auth_tokens.flush("nobody")


def test_a_token_is_only_reachable_through_its_own_users_uid(ts: Any) -> None:
    ts.users.create("mallory")
    theirs = ts.auth_tokens.create("mallory")
    ts.users.create("trent")
    for call in (
        lambda: ts.auth_tokens.get("trent", theirs["authToken"]),
        lambda: ts.auth_tokens.get("trent", theirs["id"]),
        lambda: ts.auth_tokens.delete("trent", theirs["id"]),
    ):
        with pytest.raises(AuthTokenNotFoundError):
            call()
    with pytest.raises(UserNotFoundError):
        ts.auth_tokens.get("nobody", theirs["id"])
    with pytest.raises(UserNotFoundError):
        ts.auth_tokens.create("nobody")
    ts.auth_tokens.validate(theirs["authToken"])


# --- policy options -----------------------------------------------------------------------------


def test_retention_3_the_fourth_token_archives_the_oldest(make: Callable[..., Any], store_url: str) -> None:
    r = make(store_url, retention=3)
    r.users.create("dan")
    tokens = [r.auth_tokens.create("dan", device_id=f"d{i}") for i in range(4)]
    page = r.auth_tokens.list("dan")
    assert (page["total"], page["active"], page["archived"]) == (4, 3, 1)
    # Archived ones are listed after the active ones, marked as such.
    listed = [(t["deviceId"], t["archived"]) for t in page["tokens"]]
    assert listed == [("d3", False), ("d2", False), ("d1", False), ("d0", True)]
    assert isinstance(page["tokens"][3]["archivedAt"], int)
    assert r.auth_tokens.get("dan", tokens[0]["id"])["archived"] is True
    with pytest.raises(AuthTokenNotFoundError):
        r.auth_tokens.validate(tokens[0]["authToken"])
    with pytest.raises(AuthTokenNotFoundError):
        r.auth_tokens.update("dan", tokens[0]["id"], platform="web")
    for t in tokens[1:]:
        r.auth_tokens.validate(t["authToken"])


def test_purge_archived_forgets_archived_tokens(make: Callable[..., Any], store_url: str) -> None:
    r = make(store_url, retention=1, purge_archived_after_ms=0)
    r.users.create("erin")
    r.auth_tokens.create("erin")
    r.auth_tokens.create("erin")
    assert (r.auth_tokens.list("erin")["active"], r.auth_tokens.list("erin")["archived"]) == (1, 1)
    time.sleep(0.005)
    assert r.purge_archived() == 1
    page = r.auth_tokens.list("erin")
    assert (page["total"], page["active"], page["archived"]) == (1, 1, 0)
    # The default keeps archived tokens for days.
    kept = make(store_url, retention=1)
    kept.users.create("erin")
    kept.auth_tokens.create("erin")
    kept.auth_tokens.create("erin")
    assert kept.purge_archived() == 0


def test_token_ttl_ms_makes_tokens_expire(make: Callable[..., Any], store_url: str) -> None:
    r = make(store_url, token_ttl_ms=1)
    t = r.users.create("fay", with_auth_token=True)["authToken"]
    assert isinstance(t["expiresAt"], int)
    time.sleep(0.01)
    with pytest.raises(TokenExpiredError) as e:
        r.auth_tokens.validate(t["authToken"])
    assert e.value.code == "TOKEN_EXPIRED"
    # Without a ttl they do not expire.
    assert "expiresAt" not in make(store_url).users.create("fay", with_auth_token=True)["authToken"]


# --- revocation ---------------------------------------------------------------------------------


def test_revoke_subject_revokes_tokens_issued_before_it_not_later_ones(ts: Any) -> None:
    old = ts.users.create("gus", with_auth_token=True)["authToken"]
    time.sleep(0.005)
    before = int(time.time() * 1000)
    result = ts.revoke_subject("gus")
    assert result["appliesAt"] == result["issuedBefore"] >= before
    with pytest.raises(TokenRevokedError) as e:
        ts.auth_tokens.validate(old["authToken"])
    assert (e.value.code, e.value.vendor_code) == ("TOKEN_REVOKED", 40141)
    for text in renderings(e.value):
        assert old["authToken"] not in text
    time.sleep(0.005)
    fresh = ts.auth_tokens.create("gus")
    assert ts.auth_tokens.validate(fresh["authToken"])["user"]["uid"] == "gus"


def test_allow_reauth_margin_postpones_enforcement(make: Callable[..., Any], store_url: str) -> None:
    r = make(store_url, reauth_margin_ms=60_000)
    t = r.users.create("hal", with_auth_token=True)["authToken"]
    time.sleep(0.005)
    result = r.revoke_subject("hal", allow_reauth_margin=True)
    assert result["appliesAt"] - result["issuedBefore"] == 60_000
    r.auth_tokens.validate(t["authToken"])
    with pytest.raises(InvalidArgumentError) as e:
        r.revoke_subject("hal", issued_before=int(time.time() * 1000) + 60_000)
    assert e.value.field == "issued_before"
    with pytest.raises(InvalidArgumentError) as empty:
        r.revoke_subject("")
    assert empty.value.field == "subject"


def test_revoke_token_and_logout_end_one_auth_token(ts: Any) -> None:
    ts.users.create("ida")
    a, b = ts.auth_tokens.create("ida"), ts.auth_tokens.create("ida")
    assert ts.revoke_token(a["authToken"]) is None
    with pytest.raises(AuthTokenNotFoundError):
        ts.auth_tokens.validate(a["authToken"])
    assert ts.logout(b["authToken"]) is None
    with pytest.raises(AuthTokenNotFoundError):
        ts.auth_tokens.validate(b["authToken"])
    with pytest.raises(AuthTokenNotFoundError):
        ts.logout(b["authToken"])


def test_ably_jwts_and_agora_tokens_verify_then_fail_once_their_subject_is_revoked(ts: Any) -> None:
    details = ably.issue_token(KEY_NAME, KEY_SECRET, client_id="jo", ttl=60_000)
    claims = ts.verify_ably_token(details["token"], KEY_NAME, KEY_SECRET, client_id="jo")
    assert claims == ably.verify_token(details["token"], KEY_NAME, KEY_SECRET)
    chat = agora.build_chat_user_token(AGORA_APP_ID, AGORA_CERT, "jo", 600)
    assert ts.verify_agora_token(chat, AGORA_CERT) == agora.verify(chat, AGORA_CERT)

    time.sleep(1.1)  # both formats carry whole seconds
    ts.revoke_subject("jo")
    with pytest.raises(TokenRevokedError):
        ts.verify_ably_token(details["token"], KEY_NAME, KEY_SECRET)
    with pytest.raises(TokenRevokedError):
        ts.verify_agora_token(chat, AGORA_CERT)

    other = ably.issue_token(KEY_NAME, KEY_SECRET, client_id="kim")
    ts.verify_ably_token(other["token"], KEY_NAME, KEY_SECRET)
    ts.revoke_token(other["token"])
    with pytest.raises(TokenRevokedError):
        ts.verify_ably_token(other["token"], KEY_NAME, KEY_SECRET)


def test_verify_token_request_accepts_a_nonce_once_across_instances(make: Callable[..., Any], store_url: str) -> None:
    request = ably.create_token_request(KEY_NAME, KEY_SECRET, client_id="lee")
    app = new_app()
    one, two = make(store_url, app=app), make(store_url, app=app)
    expected = ably.verify_token_request(request, KEY_NAME, KEY_SECRET)
    assert one.verify_token_request(request, KEY_NAME, KEY_SECRET) == expected
    with pytest.raises(ReplayedNonceError) as e:
        two.verify_token_request(request, KEY_NAME, KEY_SECRET, window_ms=120_000)
    assert e.value.vendor_code == 40105


# --- push ---------------------------------------------------------------------------------------


def test_push_register_list_by_platform_delete_and_the_cascades(ts: Any) -> None:
    ts.users.create("max")
    web = ts.auth_tokens.create("max", platform="javascript")["authToken"]
    android = ts.auth_tokens.create("max", platform="android")
    ios = ts.auth_tokens.create("max", platform="ios")["authToken"]
    assert ts.push.register(web, fcm_token="fcm-web") is None
    ts.push.register(android["authToken"], fcm_token="fcm-android")
    ts.push.register(ios, apns_token="apns-ios", voip_token="voip-ios")
    assert ts.push.list(web) == {"ios": ["apns-ios"], "web": ["fcm-web"], "android": ["fcm-android"]}

    # Registering again replaces this session's registration.
    ts.push.register(android["authToken"], fcm_token="fcm-android-2")
    assert ts.push.list(ios)["android"] == ["fcm-android-2"]
    # Deleting the auth token deletes its registration.
    ts.auth_tokens.delete("max", ts.auth_tokens.validate(web)["token"]["id"])
    assert ts.push.list(ios) == {"ios": ["apns-ios"], "web": [], "android": ["fcm-android-2"]}

    assert ts.push.delete(ios) == 1
    assert ts.push.list(android["authToken"]) == {"ios": [], "web": [], "android": ["fcm-android-2"]}
    ts.push.register(ios, apns_token="apns-ios")
    assert ts.push.delete(ios, all=True) == 2
    assert ts.push.list(android["authToken"]) == {"ios": [], "web": [], "android": []}

    ts.push.register(ios, apns_token="apns-ios")
    ts.users.delete("max")
    with pytest.raises(AuthTokenNotFoundError):
        ts.push.list(ios)
    ts.users.create("max")
    again = ts.auth_tokens.create("max")["authToken"]
    assert ts.push.list(again) == {"ios": [], "web": [], "android": []}


def test_bad_push_registrations(ts: Any) -> None:
    t = ts.users.create("ned", with_auth_token=True)["authToken"]["authToken"]
    for kwargs, field in (({"fcm_token": "a", "apns_token": "b"}, "push"), ({}, "push"), ({"fcm_token": ""}, "fcm_token")):
        with pytest.raises(InvalidArgumentError) as e:
            ts.push.register(t, **kwargs)
        assert e.value.field == field
    with pytest.raises(AuthTokenNotFoundError):
        ts.push.register(auth_token.generate(), fcm_token="a")


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda ts: ts.users.create("a b"), "uid"),
        (lambda ts: ts.users.create("x" * 101), "uid"),
        (lambda ts: ts.users.get(""), "uid"),
        (lambda ts: ts.users.create("ok", name=""), "name"),
        (lambda ts: ts.users.create("ok", profile={"big": "x" * 11_000}), "profile"),
        (lambda ts: ts.auth_tokens.create("olga", user_agent="x" * 256), "user_agent"),
        (lambda ts: ts.auth_tokens.create("olga", app_info={"blob": "x" * 3000}), "app_info"),
        (lambda ts: ts.auth_tokens.list("olga", page=-1), "page"),
        (lambda ts: ts.auth_tokens.list("olga", per_page=2**70), "per_page"),
        (lambda ts: ts.revoke_subject("olga", issued_before=-5), "issued_before"),
    ],
)
def test_bad_input_raises_invalid_argument_with_the_field(ts: Any, call: Callable[[Any], Any], field: str) -> None:
    ts.users.create("olga")
    with pytest.raises(InvalidArgumentError) as e:
        call(ts)
    assert (e.value.code, e.value.field) == ("INVALID_ARGUMENT", field)
    assert isinstance(e.value, ValueError)


def test_malformed_tokens_and_ids(ts: Any) -> None:
    ts.users.create("olga")
    for call in (
        lambda: ts.auth_tokens.validate("tks_short"),
        lambda: ts.auth_tokens.validate("not a token"),
        lambda: ts.auth_tokens.get("olga", "xyz"),
        lambda: ts.logout("tks_short"),
    ):
        with pytest.raises(MalformedTokenError) as e:
            call()
        assert e.value.code == "MALFORMED_TOKEN"
    with pytest.raises(AuthTokenNotFoundError):
        ts.auth_tokens.validate(auth_token.generate())


def test_error_messages_never_contain_the_raw_token(ts: Any) -> None:
    ts.users.create("olga")
    t = ts.users.create("pam", with_auth_token=True)["authToken"]
    errors: list[TokensmithError] = []
    for call, cls in (
        (lambda: ts.auth_tokens.validate(t["authToken"] + "x"), MalformedTokenError),
        (lambda: ts.auth_tokens.get("nobody", t["authToken"]), UserNotFoundError),
        (lambda: ts.auth_tokens.get("olga", t["authToken"]), AuthTokenNotFoundError),
    ):
        with pytest.raises(cls) as e:
            call()
        errors.append(e.value)
    ts.auth_tokens.delete("pam", t["id"])
    for call in (lambda: ts.auth_tokens.validate(t["authToken"]), lambda: ts.push.list(t["authToken"])):
        with pytest.raises(AuthTokenNotFoundError) as nf:
            call()
        errors.append(nf.value)
    for err in errors:
        for text in renderings(err):
            assert t["authToken"] not in text
            assert t["authToken"][4:-4] not in text


@pytest.mark.parametrize(
    "call",
    [
        lambda ts: ts.users.get(5),
        lambda ts: ts.users.create("ok", profile=object()),
        lambda ts: ts.users.create("ok", with_auth_token="yes"),
        lambda ts: ts.auth_tokens.list("olga", page="1"),
        lambda ts: ts.auth_tokens.list("olga", page=1.5),
        lambda ts: ts.auth_tokens.update("olga", 7),
        lambda ts: ts.verify_ably_token("x", None, KEY_SECRET),
        lambda ts: ts.verify_token_request("{}", KEY_NAME, KEY_SECRET),
    ],
)
def test_wrong_argument_types_raise_type_error(ts: Any, call: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError):
        call(ts)


# --- close, repr, exit --------------------------------------------------------------------------


def test_close_makes_later_calls_raise_store_unavailable_and_keeps_the_data(
    make: Callable[..., Any], store_url: str
) -> None:
    app = new_app()
    r = make(store_url, app=app)
    r.users.create("quinn")
    assert r.close() is None
    with pytest.raises(StoreUnavailableError) as e:
        r.users.get("quinn")
    assert e.value.code == "STORE_UNAVAILABLE" and "closed" in str(e.value)
    assert isinstance(e.value, ConnectionError)
    with pytest.raises(StoreUnavailableError):
        r.auth_tokens.list("quinn")
    r.close()  # idempotent
    # The data stays in the store for other handles.
    assert make(store_url, app=app).users.get("quinn")["uid"] == "quinn"


def test_context_managers_close(store_url: str) -> None:
    app = new_app()
    with Tokensmith(store_url, app=app) as ts:
        ts.users.create("rex")
    with pytest.raises(StoreUnavailableError):
        ts.users.get("rex")

    async def main() -> None:
        async with AsyncTokensmith(store_url, app=app) as a:
            assert (await a.users.get("rex"))["uid"] == "rex"
        with pytest.raises(StoreUnavailableError):
            await a.users.get("rex")

    asyncio.run(main())


def test_repr_shows_the_store_and_app_never_a_password_or_token(redis_server: RedisServer) -> None:
    for cls in (Tokensmith, AsyncTokensmith):
        url = f"redis://user:hunter2secret@127.0.0.1:{redis_server.port}/0"
        r = cls(url, app="reprs")
        assert repr(r) == f"{cls.__name__}(store='redis://***@127.0.0.1:{redis_server.port}/0', app='reprs')"
    ts = Tokensmith("memory://")
    t = ts.users.create("sam", with_auth_token=True)["authToken"]["authToken"]
    assert repr(ts) == "Tokensmith(store='memory://', app='default')" and t not in repr(ts)


EXIT_SCRIPT = """
import asyncio, os, sys, tokensmith
url = sys.argv[1]
ts = tokensmith.Tokensmith(url, app="exit-test")
c = ts.users.create("u" + str(os.getpid()), with_auth_token=True)
print("validated", ts.auth_tokens.validate(c["authToken"]["authToken"])["user"]["uid"])
a = tokensmith.AsyncTokensmith(url, app="exit-test")
print("async", asyncio.run(a.users.get("u" + str(os.getpid())))["uid"])
"""


def test_a_process_that_does_not_close_exits_by_itself(store_url: str) -> None:
    r = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, store_url], capture_output=True, text=True, timeout=60)
    assert r.stderr == ""
    assert re.fullmatch(r"validated (u\d+)\nasync \1\n", r.stdout)
    assert r.returncode == 0


# --- concurrency and cancellation ----------------------------------------------------------------


def check_newest_100(pages: list[TokenPage], per_writer: list[list[IssuedToken]]) -> None:
    """2000 tokens, exactly the newest 100 active: nothing lost, each writer's active tokens
    are its latest ones, and the listing agrees with each writer's own order."""
    assert (pages[0]["total"], pages[0]["active"], pages[0]["archived"]) == (2000, 100, 1900)
    listed = pages[0]["tokens"] + pages[1]["tokens"]
    assert sorted(t["id"] for t in listed) == sorted(t["id"] for w in per_writer for t in w)
    assert [t["archived"] for t in listed] == [False] * 100 + [True] * 1900
    position = {t["id"]: i for i, t in enumerate(listed)}  # 0 = newest
    active = {t["id"] for t in listed[:100]}
    for tokens in per_writer:
        positions = [position[t["id"]] for t in tokens]
        assert positions == sorted(positions, reverse=True), "a writer's later token is listed as older"
        flags = [t["id"] in active for t in tokens]
        assert flags == sorted(flags), "an archived token is newer than an active one of the same writer"


def test_sixteen_threads_creating_2000_tokens_leave_exactly_the_newest_100(store_url: str) -> None:
    with Tokensmith(store_url, app=new_app()) as ts:
        ts.users.create("alice")

        def writer(_: int) -> list[IssuedToken]:
            return [ts.auth_tokens.create("alice") for _ in range(125)]

        with ThreadPoolExecutor(16) as pool:
            per_writer = list(pool.map(writer, range(16)))
        pages = [ts.auth_tokens.list("alice", page=p, per_page=1000) for p in (1, 2)]
        check_newest_100(pages, per_writer)
        listed = pages[0]["tokens"] + pages[1]["tokens"]
        raw = {t["id"]: t["authToken"] for w in per_writer for t in w}
        for t in listed[:100]:
            ts.auth_tokens.validate(raw[t["id"]])
        for t in listed[100:200]:
            with pytest.raises(AuthTokenNotFoundError):
                ts.auth_tokens.validate(raw[t["id"]])


async def test_gather_of_16_writers_creating_2000_tokens_leaves_exactly_the_newest_100(store_url: str) -> None:
    async with AsyncTokensmith(store_url, app=new_app()) as ts:
        await ts.users.create("alice")

        async def writer() -> list[IssuedToken]:
            return [await ts.auth_tokens.create("alice") for _ in range(125)]

        per_writer = await asyncio.gather(*(writer() for _ in range(16)))
        pages = [await ts.auth_tokens.list("alice", page=p, per_page=1000) for p in (1, 2)]
        check_newest_100(pages, list(per_writer))
        raw = {t["id"]: t["authToken"] for w in per_writer for t in w}
        for t in pages[0]["tokens"][:100]:
            await ts.auth_tokens.validate(raw[t["id"]])
        for t in pages[0]["tokens"][100:200]:
            with pytest.raises(AuthTokenNotFoundError):
                await ts.auth_tokens.validate(raw[t["id"]])


async def test_cancelled_calls_finish_in_the_store_and_leave_it_consistent(store_url: str) -> None:
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    async with AsyncTokensmith(store_url, app=new_app(), retention=5) as ts:
        await ts.users.create("alice")
        tasks = [asyncio.create_task(ts.auth_tokens.create("alice")) for _ in range(40)]
        await asyncio.sleep(0)  # every task has handed its operation to Rust
        for t in tasks[::2]:
            t.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        assert sum(isinstance(o, asyncio.CancelledError) for o in outcomes) == 20
        created = [o for o in outcomes if isinstance(o, dict)]
        assert len(created) == 20
        # The cancelled operations still run to completion: 40 tokens, retention applied.
        deadline = time.monotonic() + 30
        while (page := await ts.auth_tokens.list("alice"))["total"] < 40 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert (page["total"], page["active"], page["archived"]) == (40, 5, 35)
        assert {t["id"] for t in created} <= {t["id"] for t in page["tokens"]}
        await asyncio.sleep(0.2)  # results of cancelled calls reach the loop and are dropped
    assert loop_errors == []


class SilentServer:
    """Accepts connections and never answers; `accepted` is set by the first one."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_a_blocking_call_releases_the_interpreter(silent: SilentServer) -> None:
    ts = Tokensmith(f"redis://127.0.0.1:{silent.port}/0?timeout_ms=5000")
    failure: list[BaseException] = []

    def call() -> None:
        try:
            ts.users.get("a")
        except BaseException as e:
            failure.append(e)

    caller = threading.Thread(target=call)
    caller.start()
    # The acceptor thread runs Python code; it can only do so while the caller is inside Rust
    # if the caller released the interpreter.
    assert silent.accepted.wait(30)
    assert caller.is_alive()
    caller.join(60)
    assert len(failure) == 1 and isinstance(failure[0], StoreUnavailableError)


async def test_an_awaited_call_does_not_block_the_event_loop(silent: SilentServer) -> None:
    ts = AsyncTokensmith(f"redis://127.0.0.1:{silent.port}/0?timeout_ms=1000")
    task = asyncio.create_task(ts.users.get("a"))
    ticks = 0
    while not task.done():
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks > 0
    with pytest.raises(StoreUnavailableError):
        task.result()


# --- opening the store --------------------------------------------------------------------------


def test_options_are_checked_by_the_constructor() -> None:
    for field, value in (
        ("retention", -1),
        ("retention", 2**32),
        ("token_ttl_ms", -1),
        ("purge_archived_after_ms", 2**70),
        ("reauth_margin_ms", -5),
    ):
        options: dict[str, Any] = {field: value}
        with pytest.raises(InvalidArgumentError) as e:
            Tokensmith("memory://", **options)
        assert e.value.field == field
    for bad in ({"retention": 1.5}, {"reauth_margin_ms": "1"}, {"app": 3}):
        with pytest.raises(TypeError):
            AsyncTokensmith("memory://", **bad)
    with pytest.raises(TypeError):
        Tokensmith(None)  # type: ignore[arg-type]
    # None means absent.
    Tokensmith("memory://", app=None, retention=None, token_ttl_ms=None)


def test_an_unknown_or_bad_store_url_fails_the_first_call_with_invalid_argument(redis_server: RedisServer) -> None:
    for url in ("mysql://localhost", redis_server.url(query="?bogus=1"), "redis://"):
        ts = Tokensmith(url)  # opens nothing yet
        with pytest.raises(InvalidArgumentError) as e:
            ts.users.get("a")
        assert e.value.field == "store"


def test_an_unreachable_redis_raises_store_unavailable_and_a_later_call_retries() -> None:
    ts = Tokensmith(f"redis://127.0.0.1:{free_port()}/0")
    for _ in range(2):
        with pytest.raises(StoreUnavailableError) as e:
            ts.users.get("a")
        assert "redis" in str(e.value)


def test_a_redis_that_never_answers_raises_store_unavailable(silent: SilentServer) -> None:
    with pytest.raises(StoreUnavailableError):
        Tokensmith(f"redis://127.0.0.1:{silent.port}/0?timeout_ms=300").users.get("a")


def test_the_store_opens_on_first_use_a_fresh_handle_sees_what_another_wrote(tmp_path: Any) -> None:
    url = f"sqlite://{tmp_path / 'shared.db'}"
    a, b = Tokensmith(url, app="shared"), AsyncTokensmith(url, app="shared")
    a.users.create("rita")
    assert asyncio.run(b.users.get("rita"))["uid"] == "rita"
    with pytest.raises(UserNotFoundError):
        Tokensmith(url, app="other").users.get("rita")


# --- fork ---------------------------------------------------------------------------------------


def in_child(body: Callable[[], bool]) -> int:
    """Runs `body` in a forked child; its exit code: 0 if it returned True, 1 if not or it
    raised, killed by SIGALRM (never a hang) if it got stuck."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.alarm(30)
            code = 0 if body() else 1
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


fork_with_threads = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")


@fork_with_threads
def test_after_fork_the_child_reopens_the_store_and_both_processes_keep_working(store_url: str) -> None:
    ts = Tokensmith(store_url, app=new_app())
    ts.users.create("parent", with_auth_token=True)  # store open, runtime running

    def child() -> bool:
        c = ts.users.create("child", with_auth_token=True)
        return ts.auth_tokens.validate(c["authToken"]["authToken"])["user"]["uid"] == "child"

    assert in_child(child) == 0
    # The child wrote through its own connection; the parent's still works.
    assert ts.users.get("child")["uid"] == "child"
    assert ts.auth_tokens.create("parent")["uid"] == "parent"
    ts.close()


@fork_with_threads
def test_after_fork_the_async_client_works_in_the_childs_event_loop(store_url: str) -> None:
    a = AsyncTokensmith(store_url, app=new_app())
    asyncio.run(a.users.create("parent"))

    def child() -> bool:
        async def main() -> bool:
            await a.users.create("child")
            return (await a.users.get("parent"))["uid"] == "parent"

        return asyncio.run(main())

    assert in_child(child) == 0
    assert asyncio.run(a.users.get("child"))["uid"] == "child"


@fork_with_threads
def test_after_fork_a_used_memory_store_raises_a_clear_error_in_the_child() -> None:
    ts = Tokensmith("memory://")
    ts.users.create("parent")

    def child() -> bool:
        try:
            ts.users.get("parent")
        except StoreUnavailableError as e:
            # A fresh memory store in the child works.
            return "fork" in str(e) and Tokensmith("memory://").users.create("kid")["user"]["uid"] == "kid"
        return False

    assert in_child(child) == 0
    assert ts.users.get("parent")["uid"] == "parent"
