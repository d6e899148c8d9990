"""The REST client (sync and asyncio) against the service started in-process by ``serve()``:
every route, the error codes, pagination, push, rate limits and retries."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import tokensmith
from tokensmith import agora


@pytest.fixture(scope="module")
def server() -> Iterator[tokensmith.Server]:
    with tokensmith.serve() as s:
        yield s


@pytest.fixture(scope="module")
def admin(server: tokensmith.Server) -> tokensmith.Client:
    return server.client()


def key_of(ably_key: str) -> tuple[str, str]:
    name, secret = ably_key.split(":", 1)
    return name, secret


def test_serve_generates_an_app_and_closes(server: tokensmith.Server, admin: tokensmith.Client) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    app = server.app
    assert app is not None and app["app_id"] == "test"
    assert app["api_key"] and app["auth_only_key"] and app["api_key"] != app["auth_only_key"]
    assert app["ably_key"] and app["ably_key"].startswith("test.")
    assert app["api_key"] not in repr(server) and app["api_key"] not in repr(admin)
    admin.healthz()
    admin.readyz()
    assert admin.time() > 1_600_000_000_000

    s = tokensmith.serve(app_id="closing")
    c = s.client(retries=0)
    c.healthz()
    s.close()
    s.close()
    with pytest.raises(tokensmith.NetworkError):
        c.healthz()


def test_given_apps_and_bad_config() -> None:
    apps = [{"id": "given", "api_keys": [{"key": "given-full-access-key-0123"}]}]
    with tokensmith.serve(apps=apps, limits={"shutdown_grace_ms": 1000}) as s:
        assert s.app is not None and s.app["api_key"] == "given-full-access-key-0123"
        s.client().create_user("u1", "U1")
    with pytest.raises(tokensmith.InvalidArgumentError) as e:
        tokensmith.serve(apps=[{"id": "bad", "api_keys": [{"key": "very-secret-key-0123", "scope": "root"}]}])
    assert "very-secret-key" not in str(e.value)


def test_users_and_errors(server: tokensmith.Server, admin: tokensmith.Client) -> None:
    server_url = server.url
    created = admin.create_user("ann", "Ann", metadata={"team": "a"}, with_auth_token=True)
    assert created["uid"] == "ann" and created["metadata"] == {"team": "a"}
    assert created["authToken"].startswith("tks_")
    assert admin.get_user("ann")["name"] == "Ann"
    with pytest.raises(tokensmith.UidAlreadyExistsError) as dup:
        admin.create_user("ann", "Again")
    assert (dup.value.status, dup.value.server_code) == (400, "ERR_UID_ALREADY_EXISTS")
    assert admin.delete_user("ann")["success"] is True
    with pytest.raises(tokensmith.UserNotFoundError):
        admin.get_user("ann")
    with pytest.raises(tokensmith.AuthTokenNotFoundError):
        admin.with_auth_token(created["authToken"]).me()

    stranger = tokensmith.Client(server_url, app_id="test", api_key="not-a-key-of-this-app")
    with pytest.raises(tokensmith.UnauthorizedError) as e:
        stranger.get_user("anyone")
    assert e.value.status == 401


def test_auth_tokens_pagination(admin: tokensmith.Client) -> None:
    admin.create_user("bob", "Bob")
    minted = [admin.create_auth_token("bob", platform="web", device_id=d, force=True) for d in ("d1", "d2", "d3")]
    first = admin.list_auth_tokens("bob", page=1, per_page=2)
    assert [t.get("deviceId") for t in first["items"]] == ["d3", "d2"]
    assert first["pagination"] == {"total": 3, "count": 2, "per_page": 2, "current_page": 1, "total_pages": 2}
    assert [t.get("deviceId") for t in admin.list_auth_tokens("bob", page=2, per_page=2)["items"]] == ["d1"]
    assert admin.list_auth_tokens("bob", page=3, per_page=2)["items"] == []
    everything = admin.list_all_auth_tokens("bob")
    assert len(everything) == 3
    oldest = everything[2]["id"]
    assert admin.get_auth_token("bob", minted[0]["authToken"])["id"] == oldest
    assert admin.update_auth_token("bob", oldest, platform="ios")["platform"] == "ios"
    admin.delete_auth_token("bob", oldest)
    with pytest.raises(tokensmith.AuthTokenNotFoundError):
        admin.get_auth_token("bob", oldest)
    admin.flush_auth_tokens("bob")
    assert admin.list_auth_tokens("bob")["items"] == []


def test_me_and_push(admin: tokensmith.Client) -> None:
    token = admin.create_user("dan", "Dan", with_auth_token=True)["authToken"]
    phone = admin.with_auth_token(token)
    assert phone.login(platform="ios", device_id="iphone")["uid"] == "dan"
    assert phone.me()["uid"] == "dan"
    browser = admin.with_auth_token(admin.create_auth_token("dan", platform="web")["authToken"])
    phone.register_push(apns_token="apns-1", voip_token="voip-1")
    browser.register_push(fcm_token="fcm-1")
    assert phone.list_push() == {"ios": ["apns-1"], "web": ["fcm-1"], "android": []}
    browser.delete_push(all=True)
    assert phone.list_push() == {"ios": [], "web": [], "android": []}
    phone.logout()
    with pytest.raises(tokensmith.AuthTokenNotFoundError) as e:
        phone.me()
    assert (e.value.status, e.value.server_code) == (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")


def test_ably_and_agora(server: tokensmith.Server, admin: tokensmith.Client) -> None:
    app = server.app
    assert app is not None and app["ably_key"] and app["agora_app_certificate"]
    details = admin.request_token(client_id="eve", ttl=60_000)
    assert details["clientId"] == "eve" and details["expires"] - details["issued"] == 60_000
    name, secret = key_of(app["ably_key"])
    assert tokensmith.ably.verify_token(details["token"], name, secret)["x-ably-clientId"] == "eve"

    token = admin.create_user("eve", "Eve", with_auth_token=True)["authToken"]
    signed = admin.with_auth_token(token).auth_ably()
    assert isinstance(signed, dict) and signed["clientId"] == "eve"
    anonymous = tokensmith.Client(server.url)
    assert anonymous.request_token(signed)["clientId"] == "eve"
    with pytest.raises(tokensmith.ReplayedNonceError):
        anonymous.request_token(signed)
    result = admin.revoke_tokens(["clientId:eve"])
    assert (result["successCount"], result["results"][0]["target"]) == (1, "clientId:eve")

    user_token = admin.generate_user_token("gil", 600)
    assert agora.verify(user_token, app["agora_app_certificate"])["appId"] == app["agora_app_id"]
    assert agora.parse(admin.generate_app_token(600))["appId"] == app["agora_app_id"]
    assert agora.parse(admin.token_generate("gil", 300, "app"))["expire"] == 300


def test_rate_limited_refused_at_once_when_the_wait_is_too_long() -> None:
    with tokensmith.serve(app_id="limited", rate_limit_per_minute=2) as s:
        c = s.client(max_retry_after_ms=0)
        c.create_user("r1", "R1")
        c.get_user("r1")
        with pytest.raises(tokensmith.RateLimitedError) as e:
            c.get_user("r1")
        assert e.value.status == 429
        assert e.value.retry_after_ms is not None and 1000 <= e.value.retry_after_ms <= 60_000


def test_a_short_retry_after_is_waited_out() -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append(self.path)
            first = len(hits) == 1
            body = b'{"error":{"message":"slow down"}}' if first else b"[1700000000000]"
            self.send_response(429 if first else 200)
            if first:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    try:
        c = tokensmith.Client(f"http://127.0.0.1:{fake.server_address[1]}", retries=1)
        assert c.time() == 1_700_000_000_000
        assert hits == ["/time", "/time"]
    finally:
        fake.shutdown()
        fake.server_close()


def test_async_client_and_server() -> None:
    async def main() -> None:
        async with await tokensmith.serve_async(app_id="aio") as s:
            c = s.async_client()
            await c.healthz()
            created = await c.create_user("amy", "Amy", with_auth_token=True)
            me = c.with_auth_token(created["authToken"])
            results = await asyncio.gather(me.me(), c.get_user("amy"), c.list_auth_tokens("amy"))
            assert results[0]["uid"] == results[1]["uid"] == "amy"
            assert results[2]["pagination"]["total"] == 1
            await me.login(platform="android")
            await me.register_push(fcm_token="f")
            assert (await me.list_push())["android"] == ["f"]
            with pytest.raises(tokensmith.UidAlreadyExistsError):
                await c.create_user("amy", "Amy")
            with pytest.raises(tokensmith.AuthTokenNotFoundError):
                await c.with_auth_token(tokensmith.auth_token.generate()).me()
            assert (await c.generate_user_token("amy", 60)).startswith("007")
            await me.logout()
            assert (await c.revoke_tokens(["clientId:amy"]))["successCount"] == 1

    asyncio.run(main())
