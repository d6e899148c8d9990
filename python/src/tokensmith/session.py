"""Client sessions: a token that renews itself, one engine for every format (an Ably key, an
``auth_url`` or ``auth_callback``, an Agora token server, a static token, a CometChat login).

The token is fetched on first use and renewed ahead of expiry (``expires − margin − jitter``);
concurrent callers share one fetch; failures are retried with full-jitter backoff up to a cap and
a terminal one (a 403, no means to renew) stops with a typed error, never a loop.

:class:`Session` blocks (the interpreter is released while it waits, so an ``auth_callback`` can
run meanwhile) and takes a plain callable as ``auth_callback``, called on a background thread
(where tokensmith's blocking API may be used). :class:`AsyncSession` has the same methods as
coroutines and takes an ``async def`` (it runs on the event loop of the session's latest awaited
call). A callback that raises makes the call fail with :class:`~tokensmith.ProviderError` whose
``__cause__`` is what it raised; it is retried unless it carries ``status_code`` (or ``status``)
403. A callback must not wait for its own session's token (it would wait for itself).

Events (named as in Node: ``tokenWillExpire``, ``renewed``, ``tokenExpired``, ``renewFailed``,
``loggedOut``; payloads in :mod:`tokensmith.results`) reach listeners added with
:meth:`Session.on`, in order, on a background thread (:class:`AsyncSession`: on its event loop
while that runs); the events a call causes are delivered before it returns. A listener may use
its session. One that raises is reported through ``sys.unraisablehook`` (or the loop's exception
handler); the others still run.

A live session never keeps the interpreter from exiting. After ``os.fork()`` a session created in
the parent raises :class:`~tokensmith.SessionClosedError` in the child; create a new one there.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Literal, Union

from . import _native
from .results import ApiUser, SessionToken, TokenParamsInput

__all__ = ["Session", "AsyncSession", "EVENTS", "AuthCallbackAnswer"]

#: The events a session emits.
EVENTS = frozenset({"tokenWillExpire", "renewed", "tokenExpired", "renewFailed", "loggedOut"})

#: What an ``auth_callback`` may answer: a token string, TokenDetails (a dict with ``token`` and,
#: in ms, ``expires``/``issued``; ``clientId``) or a signed TokenRequest (exchanged at ``base_url``).
AuthCallbackAnswer = Union[str, Mapping[str, Any]]

def _auth(
    key: str | None,
    auth_url: str | None,
    auth_method: str | None,
    auth_headers: Mapping[str, str] | None,
    auth_params: Mapping[str, str] | None,
    auth_callback: Callable[..., Any] | None,
    token: str | Mapping[str, Any] | None,
    agora_token_server: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if auth_callback is not None and not callable(auth_callback):
        raise TypeError("auth_callback must be callable")
    return {
        "key": key,
        "auth_url": auth_url,
        "auth_method": auth_method,
        "auth_headers": dict(auth_headers) if auth_headers is not None else None,
        "auth_params": dict(auth_params) if auth_params is not None else None,
        "auth_callback": auth_callback,
        "token": token,
        "agora_token_server": dict(agora_token_server) if agora_token_server is not None else None,
    }


class _Listeners:
    """Listeners by event, kept apart from the session: the native side holds only a weak
    reference to them, so a listener that refers to its session does not keep it alive."""

    def __init__(self) -> None:
        self.by_event: dict[str, list[Callable[[Any], object]]] = {}
        self.event_loop: asyncio.AbstractEventLoop | None = None

    def dispatch(self, name: str, payload: dict[str, Any]) -> None:
        errors = []
        for fn in list(self.by_event.get(name, ())):
            try:
                fn(payload)
            except Exception as e:  # reported below; the other listeners still run
                errors.append(e)
        if errors:
            raise errors[0]


def _emitter(listeners: _Listeners) -> Callable[[str, dict[str, Any], BaseException | None], None]:
    ref = weakref.ref(listeners)

    def emit(name: str, payload: dict[str, Any], error: BaseException | None) -> None:
        target = ref()
        if target is None:
            return
        if error is not None:
            payload["error"] = error
        event_loop = target.event_loop
        if event_loop is not None and event_loop.is_running():
            event_loop.call_soon_threadsafe(target.dispatch, name, payload)
        else:
            target.dispatch(name, payload)

    return emit


class _Base:
    __slots__ = ("_n", "_listeners", "__weakref__")

    def __init__(
        self,
        asynchronous: bool,
        *,
        key: str | None,
        auth_url: str | None,
        auth_method: str | None,
        auth_headers: Mapping[str, str] | None,
        auth_params: Mapping[str, str] | None,
        auth_callback: Callable[..., Any] | None,
        token: str | Mapping[str, Any] | None,
        agora_token_server: Mapping[str, Any] | None,
        token_params: TokenParamsInput | None,
        base_url: str | None,
        app_id: str | None,
        query_time: bool | None,
        http_timeout_ms: int | None,
        margin_ms: int | None,
        jitter_ms: int | None,
        background: bool | None,
        server_offset_ms: int | None,
        backoff_base_ms: int | None,
        backoff_cap_ms: int | None,
        max_attempts: int | None,
    ) -> None:
        self._listeners = _Listeners()
        auth = _auth(key, auth_url, auth_method, auth_headers, auth_params, auth_callback, token, agora_token_server)
        settings = {
            "base_url": base_url,
            "app_id": app_id,
            "query_time": query_time,
            "http_timeout_ms": http_timeout_ms,
            "margin_ms": margin_ms,
            "jitter_ms": jitter_ms,
            "background": background,
            "server_offset_ms": server_offset_ms,
            "backoff_base_ms": backoff_base_ms,
            "backoff_cap_ms": backoff_cap_ms,
            "max_attempts": max_attempts,
        }
        self._n = _native.NativeSession(
            emit=_emitter(self._listeners),
            asynchronous=asynchronous,
            token_params=token_params,
            auth=auth,
            settings=settings,
        )

    def current(self) -> SessionToken | None:
        """The held token, or ``None``; never fetches."""
        return self._n.current()

    def current_user(self) -> ApiUser | None:
        """The logged-in user, or ``None``."""
        return self._n.current_user()

    def set_server_time(self, server_now_ms: int) -> None:
        """Records the server's current time (ms since the epoch)."""
        self._n.set_server_time(server_now_ms)

    @property
    def fetches(self) -> int:
        """Provider fetches so far, retries included."""
        return self._n.fetches()

    def on(self, event: str, listener: Callable[[Any], object]) -> None:
        """Calls ``listener(payload)`` on each ``event`` (see :data:`EVENTS`)."""
        if event not in EVENTS:
            raise ValueError(f"unknown session event: {event!r}")
        if not callable(listener):
            raise TypeError("listener must be callable")
        self._listeners.by_event.setdefault(event, []).append(listener)

    def off(self, event: str, listener: Callable[[Any], object]) -> None:
        """Removes a listener added with :meth:`on` (its last registration)."""
        listeners = self._listeners.by_event.get(event, [])
        for i in range(len(listeners) - 1, -1, -1):
            if listeners[i] == listener:
                del listeners[i]
                return

    def __repr__(self) -> str:
        # Never the token: its format, and how many fetches.
        try:
            current = self._n.current()
            state = f"{current['format']} token" if current else "no token"
            return f"{type(self).__name__}({state}, fetches={self._n.fetches()})"
        except Exception:  # e.g. in a forked child
            return f"{type(self).__name__}(unusable in this process)"


class Session(_Base):
    """A renewing session (blocking). Give one means: ``key`` (an Ably key, JWTs signed
    locally), ``auth_url`` (+ ``auth_method``, ``auth_headers``, ``auth_params``),
    ``auth_callback`` (a callable taking the TokenParams dict) or ``agora_token_server``
    (``{base_url, user_uuid, api_key | auth_token, expire?, app_id?}``); ``token`` alone is a
    static token, with a means the first one. Or none, then :meth:`login`."""

    __slots__ = ()

    def __init__(
        self,
        *,
        key: str | None = None,
        auth_url: str | None = None,
        auth_method: str | None = None,
        auth_headers: Mapping[str, str] | None = None,
        auth_params: Mapping[str, str] | None = None,
        auth_callback: Callable[[dict[str, Any]], AuthCallbackAnswer] | None = None,
        token: str | Mapping[str, Any] | None = None,
        agora_token_server: Mapping[str, Any] | None = None,
        token_params: TokenParamsInput | None = None,
        base_url: str | None = None,
        app_id: str | None = None,
        query_time: bool | None = None,
        http_timeout_ms: int | None = None,
        margin_ms: int | None = None,
        jitter_ms: int | None = None,
        background: bool | None = None,
        server_offset_ms: int | None = None,
        backoff_base_ms: int | None = None,
        backoff_cap_ms: int | None = None,
        max_attempts: int | None = None,
    ) -> None:
        if inspect.iscoroutinefunction(auth_callback):
            raise TypeError("Session takes a plain callable as auth_callback: use AsyncSession for `async def`")
        super().__init__(
            False,
            key=key,
            auth_url=auth_url,
            auth_method=auth_method,
            auth_headers=auth_headers,
            auth_params=auth_params,
            auth_callback=auth_callback,
            token=token,
            agora_token_server=agora_token_server,
            token_params=token_params,
            base_url=base_url,
            app_id=app_id,
            query_time=query_time,
            http_timeout_ms=http_timeout_ms,
            margin_ms=margin_ms,
            jitter_ms=jitter_ms,
            background=background,
            server_offset_ms=server_offset_ms,
            backoff_base_ms=backoff_base_ms,
            backoff_cap_ms=backoff_cap_ms,
            max_attempts=max_attempts,
        )

    def token(self) -> SessionToken:
        """A valid token, fetched if needed; concurrent callers share one fetch."""
        return self._n.token().wait()

    def authorize(
        self,
        token_params: TokenParamsInput | None = None,
        *,
        key: str | None = None,
        auth_url: str | None = None,
        auth_method: str | None = None,
        auth_headers: Mapping[str, str] | None = None,
        auth_params: Mapping[str, str] | None = None,
        auth_callback: Callable[[dict[str, Any]], AuthCallbackAnswer] | None = None,
        token: str | Mapping[str, Any] | None = None,
        agora_token_server: Mapping[str, Any] | None = None,
    ) -> SessionToken:
        """Fetches a new token now (Ably's ``authorize``); given params and a given means become
        the defaults for later renewals."""
        if inspect.iscoroutinefunction(auth_callback):
            raise TypeError("Session takes a plain callable as auth_callback: use AsyncSession for `async def`")
        args = (key, auth_url, auth_method, auth_headers, auth_params, auth_callback, token, agora_token_server)
        auth = _auth(*args) if any(a is not None for a in args) else None
        return self._n.authorize(token_params, auth).wait()

    def recover(self, token: str, kind: Literal["refused", "notFound"] = "refused") -> SessionToken:
        """A server refused ``token`` (``"refused"``: expired or revoked, Ably 40140–40149;
        ``"notFound"``: an unknown auth token): returns the token to retry with, once. The refused
        one is never handed out again; a session that cannot renew raises (and on ``"notFound"``
        logs out)."""
        return self._n.recover(token, kind).wait()

    def login(
        self,
        auth_token: str,
        *,
        base_url: str | None = None,
        app_id: str | None = None,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> ApiUser:
        """Logs in with a user's auth token (``PUT /v3.0/me`` on ``base_url``); returns the user."""
        return self._n.login(
            auth_token,
            base_url=base_url,
            app_id=app_id,
            platform=platform,
            user_agent=user_agent,
            app_info=app_info,
            device_id=device_id,
        ).wait()

    def logout(self) -> None:
        """Ends the login here (``loggedOut``) and at the service (``DELETE /v3.0/me``)."""
        self._n.logout().wait()

    def close(self) -> None:
        """Stops renewing and releases the callback; later calls raise SessionClosedError."""
        self._n.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncSession(_Base):
    """:class:`Session` for asyncio: the same options (``auth_callback`` may be an
    ``async def``), the same methods as coroutines, ``async with`` closing it."""

    __slots__ = ()

    def __init__(
        self,
        *,
        key: str | None = None,
        auth_url: str | None = None,
        auth_method: str | None = None,
        auth_headers: Mapping[str, str] | None = None,
        auth_params: Mapping[str, str] | None = None,
        auth_callback: Callable[[dict[str, Any]], AuthCallbackAnswer | Awaitable[AuthCallbackAnswer]] | None = None,
        token: str | Mapping[str, Any] | None = None,
        agora_token_server: Mapping[str, Any] | None = None,
        token_params: TokenParamsInput | None = None,
        base_url: str | None = None,
        app_id: str | None = None,
        query_time: bool | None = None,
        http_timeout_ms: int | None = None,
        margin_ms: int | None = None,
        jitter_ms: int | None = None,
        background: bool | None = None,
        server_offset_ms: int | None = None,
        backoff_base_ms: int | None = None,
        backoff_cap_ms: int | None = None,
        max_attempts: int | None = None,
    ) -> None:
        super().__init__(
            True,
            key=key,
            auth_url=auth_url,
            auth_method=auth_method,
            auth_headers=auth_headers,
            auth_params=auth_params,
            auth_callback=auth_callback,
            token=token,
            agora_token_server=agora_token_server,
            token_params=token_params,
            base_url=base_url,
            app_id=app_id,
            query_time=query_time,
            http_timeout_ms=http_timeout_ms,
            margin_ms=margin_ms,
            jitter_ms=jitter_ms,
            background=background,
            server_offset_ms=server_offset_ms,
            backoff_base_ms=backoff_base_ms,
            backoff_cap_ms=backoff_cap_ms,
            max_attempts=max_attempts,
        )

    def _bind(self) -> None:
        """Callbacks and events go to the loop of this (the latest) awaited call."""
        event_loop = asyncio.get_running_loop()
        self._listeners.event_loop = event_loop
        self._n.bind_loop(event_loop)

    async def token(self) -> SessionToken:
        self._bind()
        return await self._n.token()

    async def authorize(
        self,
        token_params: TokenParamsInput | None = None,
        *,
        key: str | None = None,
        auth_url: str | None = None,
        auth_method: str | None = None,
        auth_headers: Mapping[str, str] | None = None,
        auth_params: Mapping[str, str] | None = None,
        auth_callback: Callable[[dict[str, Any]], AuthCallbackAnswer | Awaitable[AuthCallbackAnswer]] | None = None,
        token: str | Mapping[str, Any] | None = None,
        agora_token_server: Mapping[str, Any] | None = None,
    ) -> SessionToken:
        self._bind()
        args = (key, auth_url, auth_method, auth_headers, auth_params, auth_callback, token, agora_token_server)
        auth = _auth(*args) if any(a is not None for a in args) else None
        return await self._n.authorize(token_params, auth)

    async def recover(self, token: str, kind: Literal["refused", "notFound"] = "refused") -> SessionToken:
        self._bind()
        return await self._n.recover(token, kind)

    async def login(
        self,
        auth_token: str,
        *,
        base_url: str | None = None,
        app_id: str | None = None,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> ApiUser:
        self._bind()
        return await self._n.login(
            auth_token,
            base_url=base_url,
            app_id=app_id,
            platform=platform,
            user_agent=user_agent,
            app_info=app_info,
            device_id=device_id,
        )

    async def logout(self) -> None:
        self._bind()
        await self._n.logout()

    async def close(self) -> None:
        """Stops renewing and releases the callback; later calls raise SessionClosedError."""
        self._n.close()

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
