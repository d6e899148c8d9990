"""The tokensmith HTTP service in this process: for test suites and for apps that want the
token service beside them.

``serve()`` starts it on ``127.0.0.1`` and an ephemeral port over ``memory://`` (unless ``store``
says otherwise) and returns a :class:`Server` with its ``url``. Without ``apps``, one app is
generated with fresh credentials, found in ``server.app``. The server runs on the package's own
threads: it needs no Python thread and never holds the interpreter. ``close()`` (or leaving the
``with`` / ``async with`` block) stops accepting, lets in-flight requests finish, then returns;
a forgotten server stops when it is garbage collected or the process exits. After ``os.fork()``
the server keeps running in the parent only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from . import _native
from .client import AsyncClient, Client
from .results import ServedApp

__all__ = ["Server", "serve", "serve_async"]


class Server:
    """A running service. Usable as a context manager, sync or async."""

    __slots__ = ("_n",)

    def __init__(self, native: _native.Server) -> None:
        self._n = native

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self._n.url

    @property
    def app(self) -> ServedApp | None:
        """The first app's credentials (the generated app's when no ``apps`` were given)."""
        return self._n.app

    def client(self, **options: Any) -> Client:
        """A :class:`Client` as the first app's admin (its id, fullAccess key and Ably key); keyword
        options override."""
        return Client(self.url, **{**self._admin(), **options})

    def async_client(self, **options: Any) -> AsyncClient:
        return AsyncClient(self.url, **{**self._admin(), **options})

    def _admin(self) -> dict[str, Any]:
        app = self.app
        if app is None:
            return {}
        return {"app_id": app["app_id"], "api_key": app["api_key"], "ably_key": app["ably_key"]}

    def close(self) -> None:
        """Stops the server; in-flight requests finish first. Idempotent."""
        self._n.close().wait()

    async def aclose(self) -> None:
        await self._n.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return repr(self._n)


def _native_serve(
    store: str | None,
    listen: str | None,
    app_id: str | None,
    retention: int | None,
    token_ttl_ms: int | None,
    rate_limit_per_minute: int | None,
    ably_user_capability: str | Mapping[str, list[str] | tuple[str, ...]] | None,
    apps: Sequence[Mapping[str, Any]] | None,
    limits: Mapping[str, Any] | None,
) -> _native.Call[_native.Server]:
    return _native.serve(
        store=store,
        listen=listen,
        app_id=app_id,
        retention=retention,
        token_ttl_ms=token_ttl_ms,
        rate_limit_per_minute=rate_limit_per_minute,
        ably_user_capability=ably_user_capability,
        apps=None if apps is None else list(apps),
        limits=limits,
    )


def serve(
    *,
    store: str | None = None,
    listen: str | None = None,
    app_id: str | None = None,
    retention: int | None = None,
    token_ttl_ms: int | None = None,
    rate_limit_per_minute: int | None = None,
    ably_user_capability: str | Mapping[str, list[str] | tuple[str, ...]] | None = None,
    apps: Sequence[Mapping[str, Any]] | None = None,
    limits: Mapping[str, Any] | None = None,
) -> Server:
    """Starts the service. ``app_id`` (default ``test``), ``retention``, ``token_ttl_ms``,
    ``rate_limit_per_minute`` and ``ably_user_capability`` shape the generated app; ``apps`` and
    ``limits`` are dicts as in the TOML configuration (snake_case), used as given."""
    call = _native_serve(
        store, listen, app_id, retention, token_ttl_ms, rate_limit_per_minute, ably_user_capability, apps, limits
    )
    return Server(call.wait())


async def serve_async(
    *,
    store: str | None = None,
    listen: str | None = None,
    app_id: str | None = None,
    retention: int | None = None,
    token_ttl_ms: int | None = None,
    rate_limit_per_minute: int | None = None,
    ably_user_capability: str | Mapping[str, list[str] | tuple[str, ...]] | None = None,
    apps: Sequence[Mapping[str, Any]] | None = None,
    limits: Mapping[str, Any] | None = None,
) -> Server:
    """:func:`serve` without blocking the event loop (opening a SQLite or Redis store may wait)."""
    call = _native_serve(
        store, listen, app_id, retention, token_ttl_ms, rate_limit_per_minute, ably_user_capability, apps, limits
    )
    return Server(await call)
