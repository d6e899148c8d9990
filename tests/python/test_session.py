"""tokensmith.Session / AsyncSession: the renewal engine from Python — single flight, callbacks
that raise, events in order, close(), the GIL released while Rust waits, fork and interpreter
exit — and against the real service (in-process ``serve()``): login/logout, an authUrl
answering TokenRequests, an Agora token server. Waits use short real token lifetimes; nothing
asserts how fast anything is."""

from __future__ import annotations

import asyncio
import os
import signal
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
    AsyncSession,
    AuthTokenNotFoundError,
    InvalidArgumentError,
    NoRenewalMeansError,
    ProviderError,
    Session,
    SessionClosedError,
    TokensmithError,
)

GUARD_S = 30  # only against hangs


def now_ms() -> int:
    return int(time.time() * 1000)


class Counting:
    """An auth_callback handing out t-1, t-2… living ``life_ms``; ``hold`` makes it wait."""

    def __init__(self, life_ms: int) -> None:
        self.life_ms = life_ms
        self.calls = 0
        self.hold: threading.Event | None = None
        self.started = threading.Event()

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        self.started.set()
        if self.hold is not None:
            assert self.hold.wait(GUARD_S)
        return {"token": f"t-{self.calls}", "issued": now_ms(), "expires": now_ms() + self.life_ms}


class Recorder:
    """Records events; ``wait(n)`` blocks until ``n`` arrived."""

    def __init__(self, session: Session | AsyncSession, *names: str) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.cond = threading.Condition()
        for name in names:
            session.on(name, lambda e, name=name: self.add(name, e))

    def add(self, name: str, e: dict[str, Any]) -> None:
        with self.cond:
            self.events.append((name, e))
            self.cond.notify_all()

    def wait(self, n: int) -> list[tuple[str, dict[str, Any]]]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.events) >= n, GUARD_S), self.events
            return list(self.events)


@pytest.fixture
def sessions() -> Iterator[Callable[..., Session]]:
    made: list[Session] = []

    def make(**options: Any) -> Session:
        s = Session(**options)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


# --- single flight, events, failures ------------------------------------------------------------


def test_100_concurrent_calls_across_an_expiry_make_exactly_one_provider_call(sessions: Any) -> None:
    cb = Counting(400)
    s = sessions(auth_callback=cb, background=False)
    first = s.token()
    assert first["token"] == "t-1"
    while now_ms() <= first["expires"] + 20:
        time.sleep(0.025)
    cb.hold, cb.started = threading.Event(), threading.Event()
    with ThreadPoolExecutor(100) as pool:
        calls = [pool.submit(s.token) for _ in range(100)]
        assert cb.started.wait(GUARD_S)  # the renewal runs (the callers wait detached) …
        cb.hold.set()  # … and finishes
        tokens = {c.result(GUARD_S)["token"] for c in calls}
    assert tokens == {"t-2"}
    assert (cb.calls, s.fetches) == (2, 2)


def test_100_concurrent_awaits_share_one_async_callback() -> None:
    async def main() -> None:
        calls = 0
        gate = asyncio.Event()

        async def cb(params: dict[str, Any]) -> str:
            nonlocal calls
            calls += 1
            await gate.wait()
            return f"a-{calls}"

        async with AsyncSession(auth_callback=cb) as s:
            tasks = [asyncio.create_task(s.token()) for _ in range(100)]
            while calls == 0:
                await asyncio.sleep(0.005)
            gate.set()
            tokens = {t["token"] for t in await asyncio.wait_for(asyncio.gather(*tasks), GUARD_S)}
            assert (tokens, calls, s.fetches) == ({"a-1"}, 1, 1)

    asyncio.run(main())


def test_events_arrive_in_order_renewed_token_will_expire_renewed(sessions: Any) -> None:
    s = sessions(auth_callback=Counting(1500))
    rec = Recorder(s, "renewed", "tokenWillExpire", "tokenExpired", "renewFailed")
    t = s.token()
    events = rec.wait(3)
    assert [(n, e["generation"], e.get("reason")) for n, e in events] == [
        ("renewed", 1, "initial"),
        ("tokenWillExpire", 1, None),
        ("renewed", 2, "scheduled"),
    ]
    assert events[2][1]["expires"] > t["expires"]
    assert s.token()["token"] == "t-2"


def test_a_403_stops_renewing_with_the_typed_error_and_keeps_its_cause(sessions: Any) -> None:
    class Forbidden(Exception):
        status_code = 403

    refusal = Forbidden("forbidden by app")
    calls = 0

    def cb(params: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise refusal
        return {"token": "only", "expires": now_ms() + 1200}

    s = sessions(auth_callback=cb)
    rec = Recorder(s, "renewed", "tokenWillExpire", "renewFailed", "tokenExpired")
    s.token()
    events = rec.wait(4)
    assert [n for n, _ in events] == ["renewed", "tokenWillExpire", "renewFailed", "tokenExpired"]
    failed = events[2][1]
    assert (failed["attempt"], failed["retryIn"], failed["terminal"]) == (1, None, True)
    assert isinstance(failed["error"], ProviderError) and failed["error"].__cause__ is refusal
    with pytest.raises(ProviderError) as info:
        s.token()
    assert info.value.__cause__ is refusal
    assert calls == 2, "terminal: no retry loop"


def test_a_callback_that_raises_becomes_a_provider_error_with_the_exception_as_cause(sessions: Any) -> None:
    boom = KeyError("boom")

    def cb(params: dict[str, Any]) -> str:
        raise boom

    s = sessions(auth_callback=cb, max_attempts=1)
    with pytest.raises(ProviderError) as info:
        s.token()
    e = info.value
    assert (e.code, e.vendor_code) == ("PROVIDER_ERROR", 40170)
    assert isinstance(e, TokensmithError) and e.__cause__ is boom
    assert "boom" in str(e)


def test_an_async_callback_that_raises_becomes_a_provider_error_with_the_exception_as_cause() -> None:
    boom = RuntimeError("async boom")

    async def cb(params: dict[str, Any]) -> str:
        await asyncio.sleep(0)
        raise boom

    async def main() -> None:
        async with AsyncSession(auth_callback=cb, max_attempts=1) as s:
            with pytest.raises(ProviderError) as info:
                await s.token()
            assert info.value.__cause__ is boom

    asyncio.run(main())


def test_a_provider_failing_5_times_is_retried_with_jittered_backoff_then_succeeds(sessions: Any) -> None:
    calls = 0

    def cb(params: dict[str, Any]) -> str:
        nonlocal calls
        calls += 1
        if calls <= 5:
            raise ConnectionError(f"down {calls}")
        return "finally"

    s = sessions(auth_callback=cb, backoff_base_ms=5, backoff_cap_ms=40, max_attempts=6)
    rec = Recorder(s, "renewFailed")
    assert s.token()["token"] == "finally"
    failures = [e for _, e in rec.events]  # delivered before the call returned
    assert [(f["attempt"], f["terminal"], str(f["error"].__cause__)) for f in failures] == [
        (n, False, f"down {n}") for n in range(1, 6)
    ]
    for f in failures:
        assert 0 <= f["retryIn"] <= min(40, 5 * 2 ** (f["attempt"] - 1))


def test_unusable_answers_and_async_callbacks_in_the_sync_session_are_provider_errors(sessions: Any) -> None:
    for answer in ["", "null", 42, {"nothing": True}]:
        with pytest.raises(ProviderError):
            sessions(auth_callback=lambda p, a=answer: a, max_attempts=1).token()
    with pytest.raises(TypeError, match="AsyncSession"):

        async def coro(params: dict[str, Any]) -> str:
            return "x"

        Session(auth_callback=coro)


# --- means and options ---------------------------------------------------------------------------


def test_an_ably_key_signs_jwts_locally_and_authorize_changes_the_defaults(sessions: Any) -> None:
    s = sessions(key="app.key:a-long-key-secret", token_params={"client_id": "alice", "ttl": 60_000})
    t = s.token()
    assert (t["format"], t["clientId"], t["expires"] - t["issued"]) == ("ably-jwt", "alice", 60_000)
    claims = tokensmith.ably.verify_token(t["token"], "app.key", "a-long-key-secret", client_id="alice")
    assert claims["x-ably-clientId"] == "alice"
    bob = s.authorize({"client_id": "bob"})
    assert bob["clientId"] == "bob" and s.token()["token"] == bob["token"]
    other = s.authorize(auth_callback=lambda p: f"cb-{p['clientId']}")
    assert (other["token"], other["format"]) == ("cb-bob", "ably-token")


def test_a_static_token_until_it_expires_then_no_renewal_means(sessions: Any) -> None:
    assert sessions(token="static-token").token()["token"] == "static-token"
    with pytest.raises(NoRenewalMeansError):
        sessions(token={"token": "old", "issued": 1, "expires": 2}).token()


def test_bad_options_raise_at_once() -> None:
    with pytest.raises(InvalidArgumentError):
        Session(key="a.b:c", auth_url="http://127.0.0.1:1/auth")
    with pytest.raises(InvalidArgumentError):
        Session(key="a.b:c", margin_ms=-1)
    with pytest.raises(InvalidArgumentError):
        Session(auth_url="http://x/", auth_method="PUT")
    with pytest.raises(TypeError):
        Session(auth_callback="not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Session(key="a.b:c").on("nope", print)


def test_logout_ends_the_session_until_authorize(sessions: Any) -> None:
    s = sessions(auth_callback=Counting(60_000))
    rec = Recorder(s, "loggedOut")
    s.token()
    s.logout()
    assert rec.wait(1) == [("loggedOut", {"reason": "requested"})]
    assert s.current() is None
    with pytest.raises(AuthTokenNotFoundError):
        s.token()
    assert s.authorize()["token"] == "t-2"


def test_recover_replaces_a_refused_token_once_and_never_hands_it_out_again(sessions: Any) -> None:
    s = sessions(auth_callback=Counting(60_000))
    rec = Recorder(s, "renewed")
    first = s.token()
    assert s.recover(first["token"])["token"] == "t-2"
    assert s.token()["token"] == "t-2"
    assert [e["reason"] for _, e in rec.events] == ["initial", "tokenError"]
    static = sessions(token="static")
    static.token()
    with pytest.raises(NoRenewalMeansError):
        static.recover("static")
    with pytest.raises(InvalidArgumentError):
        static.recover("static", "gone")  # type: ignore[arg-type]


def test_a_listener_that_raises_does_not_stop_the_others(sessions: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))
    s = sessions(auth_callback=Counting(60_000))

    def bad(e: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    s.on("renewed", bad)
    rec = Recorder(s, "renewed")
    s.token()
    rec.wait(1)
    deadline = time.monotonic() + GUARD_S
    while not reported and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [str(e) for e in reported] == ["listener bug"]
    s.off("renewed", bad)


def test_callbacks_and_listeners_may_use_the_blocking_api(sessions: Any) -> None:
    """They run on threads of their own, not the runtime's: blocking tokensmith calls work
    there, and a listener may call its own session."""
    store = tokensmith.Tokensmith("memory://")
    store.users.create("zoe")

    def cb(params: dict[str, Any]) -> str:
        return store.auth_tokens.create("zoe")["authToken"]  # a blocking call inside the callback

    s = sessions(auth_callback=cb)
    seen: list[str] = []
    s.on("renewed", lambda e: seen.append(s.token()["token"]))  # the session, from its listener
    t = s.token()
    assert t["format"] == "auth-token" and seen == [t["token"]], "the call's own events come first"
    assert store.auth_tokens.validate(t["token"])["user"]["uid"] == "zoe"


def test_close_fails_the_pending_call_and_every_later_one_and_stops_the_events() -> None:
    cb = Counting(60_000)
    cb.hold = threading.Event()
    s = Session(auth_callback=cb)
    rec = Recorder(s, "renewed")
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(s.token)
        assert cb.started.wait(GUARD_S)
        s.close()
        with pytest.raises(SessionClosedError):
            pending.result(GUARD_S)
    cb.hold.set()
    for call in (s.token, s.authorize):
        with pytest.raises(SessionClosedError):
            call()
    time.sleep(0.05)
    assert rec.events == [] and cb.calls == 1


def test_the_interpreter_is_released_while_a_call_waits(sessions: Any) -> None:
    """A thread waiting in token() does not hold the GIL: others run, the callback runs."""
    cb = Counting(60_000)
    cb.hold = threading.Event()
    s = sessions(auth_callback=cb)
    ticks = 0

    def ticker() -> None:
        nonlocal ticks
        while not cb.hold.is_set():
            ticks += 1
            time.sleep(0.001)

    with ThreadPoolExecutor(2) as pool:
        pending = pool.submit(s.token)
        pool.submit(ticker)
        assert cb.started.wait(GUARD_S)
        before = ticks
        while ticks < before + 5:
            time.sleep(0.005)
        cb.hold.set()
        assert pending.result(GUARD_S)["token"] == "t-1"


# --- fork and exit -------------------------------------------------------------------------------


def in_child(body: Callable[[], bool]) -> int:
    """Runs ``body`` in a forked child: 0 if it returned True, 1 if not or it raised; a hang is
    killed by SIGALRM instead."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.alarm(GUARD_S)
            code = 0 if body() else 1
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


fork_with_threads = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")


@fork_with_threads
def test_after_fork_the_parents_session_raises_a_clear_error_and_a_new_one_works() -> None:
    cb = Counting(60_000)
    s = Session(auth_callback=cb)
    s.token()  # runtime running, renewal planned

    def child() -> bool:
        try:
            s.token()
            return False
        except SessionClosedError as e:
            assert "fork" in str(e)
        with Session(auth_callback=lambda p: "child-token") as fresh:
            ok = fresh.token()["token"] == "child-token"
        async def main() -> str:
            async with AsyncSession(auth_callback=lambda p: "async-child") as a:
                return (await a.token())["token"]
        return ok and asyncio.run(main()) == "async-child" and repr(s) == "Session(unusable in this process)"

    assert in_child(child) == 0
    assert s.token()["token"] == "t-1", "the parent's session still works"
    assert s.authorize()["token"] == "t-2"
    s.close()


EXIT_SCRIPT = """
import asyncio, threading, time, tokensmith
seen = []
renewed, failed = threading.Event(), threading.Event()
def cb(params):
    return {"token": "x", "expires": int(time.time() * 1000) + 3_600_000}
s = tokensmith.Session(auth_callback=cb)
s.on("renewed", lambda e: (seen.append(("renewed", e["generation"])), renewed.set()))
print("token", s.token()["token"])
n = 0
def failing(params):
    global n
    n += 1
    if n > 1:
        raise ConnectionError("down")
    return {"token": "y", "expires": int(time.time() * 1000) + 1500}
r = tokensmith.Session(auth_callback=failing, backoff_base_ms=60_000, backoff_cap_ms=60_000)
r.on("renewFailed", lambda e: (seen.append(("failed", e["attempt"])), failed.set()))
r.token()
assert renewed.wait(30) and failed.wait(30)  # a renewal planned, and one waiting to retry
async def main():
    a = tokensmith.AsyncSession(auth_callback=cb)
    print("async", (await a.token())["token"])
asyncio.run(main())
print(sorted(seen))
"""


def test_a_process_with_live_sessions_exits_by_itself() -> None:
    r = subprocess.run([sys.executable, "-c", EXIT_SCRIPT], capture_output=True, text=True, timeout=60)
    assert r.stderr == ""
    assert r.returncode == 0
    assert r.stdout == "token x\nasync x\n[('failed', 1), ('renewed', 1)]\n"


# --- against the real service (in-process serve()) ----------------------------------------------


@pytest.fixture(scope="module")
def service() -> Iterator[tokensmith.Server]:
    """The service on 127.0.0.1:0 over memory://, with one generated app."""
    with tokensmith.serve() as server:
        yield server


def new_user(server: tokensmith.Server, uid: str) -> str:
    return str(server.client().create_user(uid, uid, with_auth_token=True)["authToken"])


def app(server: tokensmith.Server) -> str:
    assert server.app is not None
    return server.app["app_id"]


def known(server: tokensmith.Server, auth_token: str) -> bool:
    try:
        server.client(auth_token=auth_token, api_key=None).me()
        return True
    except AuthTokenNotFoundError:
        return False


def test_login_and_logout_against_the_service(service: tokensmith.Server, sessions: Any) -> None:
    auth_token = new_user(service, "alice")
    s = sessions(base_url=service.url, app_id=app(service))
    assert s.current_user() is None
    with pytest.raises(NoRenewalMeansError):
        s.token()
    user = s.login(auth_token, platform="web", device_id="laptop-1")
    assert (user["uid"], user["name"]) == ("alice", "alice")
    assert s.current_user()["uid"] == "alice"  # type: ignore[index]
    t = s.token()
    assert (t["token"], t["format"], t["clientId"]) == (auth_token, "auth-token", "alice")
    rec = Recorder(s, "loggedOut")
    s.logout()
    assert rec.wait(1) == [("loggedOut", {"reason": "requested"})]
    assert s.current_user() is None
    with pytest.raises(AuthTokenNotFoundError):
        s.token()
    assert not known(service, auth_token)
    with pytest.raises(AuthTokenNotFoundError):
        s.login(auth_token)


def test_async_login_against_the_service(service: tokensmith.Server) -> None:
    auth_token = new_user(service, "erin")

    async def main() -> None:
        async with AsyncSession(base_url=service.url, app_id=app(service)) as s:
            assert (await s.login(auth_token))["uid"] == "erin"
            assert (await s.token())["token"] == auth_token
            await s.logout()
            with pytest.raises(AuthTokenNotFoundError):
                await s.token()

    asyncio.run(main())


def test_an_auth_url_answering_token_requests_is_exchanged_at_the_service(
    service: tokensmith.Server, sessions: Any
) -> None:
    auth_token = new_user(service, "bob")
    s = sessions(
        auth_url=f"{service.url}/auth/ably",
        auth_headers={"authtoken": auth_token, "appid": app(service)},
        base_url=service.url,
        token_params={"ttl": 120_000},
    )
    t = s.token()
    assert (t["format"], t["clientId"], t["expires"] - t["issued"]) == ("ably-jwt", "bob", 120_000)
    again = s.authorize({"ttl": 60_000})
    assert again["expires"] - again["issued"] == 60_000 and again["token"] != t["token"]


def test_an_agora_token_server(service: tokensmith.Server, sessions: Any) -> None:
    assert service.app is not None
    server = {"base_url": service.url, "user_uuid": "carol", "api_key": service.app["api_key"], "expire": 600}
    s = sessions(agora_token_server={**server, "app_id": app(service)})
    t = s.token()
    assert (t["format"], t["expires"] - t["issued"]) == ("agora-accesstoken2", 600_000)
    assert s.authorize()["format"] == "agora-accesstoken2" and s.fetches == 2


def test_a_login_the_service_no_longer_knows_ends_itself(service: tokensmith.Server, sessions: Any) -> None:
    auth_token = new_user(service, "frank")
    s = sessions(base_url=service.url, app_id=app(service))
    s.login(auth_token)
    service.client().delete_auth_token("frank", auth_token)
    assert not known(service, auth_token)
    rec = Recorder(s, "loggedOut")
    with pytest.raises(AuthTokenNotFoundError):
        s.recover(auth_token, "notFound")
    assert rec.events == [("loggedOut", {"reason": "tokenNotFound"})]
    assert s.current_user() is None


def test_a_wrong_api_key_at_the_token_server_stops_without_a_retry_loop(
    service: tokensmith.Server, sessions: Any
) -> None:
    s = sessions(
        agora_token_server={"base_url": service.url, "user_uuid": "dave", "api_key": "b" * 40, "app_id": app(service)},
        backoff_base_ms=5,
        backoff_cap_ms=10,
    )
    rec = Recorder(s, "renewFailed")
    with pytest.raises(TokensmithError):
        s.token()
    assert [e["terminal"] for _, e in rec.events] == [True], "one attempt, terminal"
