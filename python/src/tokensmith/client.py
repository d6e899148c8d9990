"""The REST client of the tokensmith service, which also speaks to CometChat's hosted API
(``https://{appId}.api-{region}.cometchat.io/v3``) and to Ably's token endpoints.

:class:`Client` blocks (the interpreter is released while it waits); :class:`AsyncClient` has the
same methods as coroutines for asyncio. 429 is retried (503, timeouts and dropped connections
too for idempotent calls) with backoff honouring ``Retry-After``; one longer than
``max_retry_after_ms`` is not waited out. Failures raise the
:class:`~tokensmith.TokensmithError` subclass of the server's code; ``status``, ``server_code``
and ``retry_after_ms`` keep what the server said. Results are the dicts of
:mod:`tokensmith.results` (``Api…``, ``Ack``, ``Me``, ``BatchResult``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import _native
from .results import (
    Ack,
    ApiAuthToken,
    ApiAuthTokenPage,
    ApiCreatedUser,
    ApiUser,
    BatchResult,
    Me,
    PushList,
)

__all__ = ["Client", "AsyncClient"]

_Capability = str | Mapping[str, list[str] | tuple[str, ...]]


def _native_client(
    base_url: str,
    api_key: str | None,
    app_id: str | None,
    auth_token: str | None,
    ably_key: str | None,
    timeout_ms: int | None,
    retries: int | None,
    max_retry_after_ms: int | None,
) -> _native.Client:
    return _native.Client(
        base_url,
        api_key=api_key,
        app_id=app_id,
        auth_token=auth_token,
        ably_key=ably_key,
        timeout_ms=timeout_ms,
        retries=retries,
        max_retry_after_ms=max_retry_after_ms,
    )


class _Base:
    __slots__ = ("_n",)

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        app_id: str | None = None,
        auth_token: str | None = None,
        ably_key: str | None = None,
        timeout_ms: int | None = None,
        retries: int | None = None,
        max_retry_after_ms: int | None = None,
    ) -> None:
        """``api_key`` (``apikey`` header) and ``app_id`` for the admin routes, ``auth_token`` for
        ``me``, push and ``auth_ably``, ``ably_key`` (``name:secret``) for ``request_token`` with
        TokenParams and ``revoke_tokens``; ``timeout_ms`` per attempt (default 10 000),
        ``retries`` after the first attempt (default 2)."""
        self._n = _native_client(
            base_url, api_key, app_id, auth_token, ably_key, timeout_ms, retries, max_retry_after_ms
        )

    def __repr__(self) -> str:
        return repr(self._n).replace("Client", type(self).__name__, 1)


class Client(_Base):
    """The blocking client; safe to share between threads."""

    __slots__ = ()

    def with_auth_token(self, auth_token: str) -> Client:
        """The same client acting for the user of ``auth_token`` (shares connections)."""
        out = Client.__new__(Client)
        out._n = self._n.with_auth_token(auth_token)
        return out

    def healthz(self) -> None:
        self._n.healthz().wait()

    def readyz(self) -> None:
        self._n.readyz().wait()

    def create_user(
        self,
        uid: str,
        name: str,
        *,
        avatar: str | None = None,
        link: str | None = None,
        role: str | None = None,
        status_message: str | None = None,
        metadata: Any = None,
        tags: Sequence[str] | None = None,
        with_auth_token: bool = False,
    ) -> ApiCreatedUser:
        return self._n.create_user(
            uid,
            name,
            avatar=avatar,
            link=link,
            role=role,
            status_message=status_message,
            metadata=metadata,
            tags=None if tags is None else list(tags),
            with_auth_token=with_auth_token,
        ).wait()

    def get_user(self, uid: str) -> ApiUser:
        return self._n.get_user(uid).wait()

    def delete_user(self, uid: str) -> Ack:
        """Deletes the user, its tokens and push registrations."""
        return self._n.delete_user(uid).wait()

    def create_auth_token(
        self,
        uid: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
        force: bool = False,
    ) -> ApiAuthToken:
        return self._n.create_auth_token(
            uid, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id, force=force
        ).wait()

    def list_auth_tokens(self, uid: str, *, page: int | None = None, per_page: int | None = None) -> ApiAuthTokenPage:
        """``page`` counts from 1 (default 1); ``per_page`` default 100."""
        return self._n.list_auth_tokens(uid, page=page, per_page=per_page).wait()

    def list_all_auth_tokens(self, uid: str) -> list[ApiAuthToken]:
        return self._n.list_all_auth_tokens(uid).wait()

    def get_auth_token(self, uid: str, token_or_id: str) -> ApiAuthToken:
        return self._n.get_auth_token(uid, token_or_id).wait()

    def update_auth_token(
        self,
        uid: str,
        token_or_id: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> ApiAuthToken:
        return self._n.update_auth_token(
            uid, token_or_id, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id
        ).wait()

    def delete_auth_token(self, uid: str, token_or_id: str) -> Ack:
        return self._n.delete_auth_token(uid, token_or_id).wait()

    def flush_auth_tokens(self, uid: str) -> Ack:
        return self._n.flush_auth_tokens(uid).wait()

    def login(
        self,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> Me:
        return self._n.login(platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id).wait()

    def me(self) -> Me:
        return self._n.me().wait()

    def logout(self) -> Ack:
        return self._n.logout().wait()

    def register_push(
        self, *, fcm_token: str | None = None, apns_token: str | None = None, voip_token: str | None = None
    ) -> Ack:
        return self._n.register_push(fcm_token=fcm_token, apns_token=apns_token, voip_token=voip_token).wait()

    def list_push(self) -> PushList:
        return self._n.list_push().wait()

    def delete_push(self, *, all: bool = False) -> Ack:
        return self._n.delete_push(all=all).wait()

    def request_token(
        self,
        request: Mapping[str, Any] | None = None,
        *,
        ttl: int | None = None,
        capability: _Capability | None = None,
        client_id: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, Any]:
        """TokenDetails for a signed TokenRequest (sent without credentials) or, without one, for
        the TokenParams given as keywords (sent with the client's Ably key)."""
        return self._n.request_token(
            request, ttl=ttl, capability=capability, client_id=client_id, timestamp=timestamp, nonce=nonce
        ).wait()

    def revoke_tokens(
        self, targets: Sequence[str], *, issued_before: int | None = None, allow_reauth_margin: bool = False
    ) -> BatchResult:
        """Targets ``clientId:…``, ``revocationKey:…`` or ``channel:…``, with the client's Ably key."""
        return self._n.revoke_tokens(
            list(targets), issued_before=issued_before, allow_reauth_margin=allow_reauth_margin
        ).wait()

    def time(self) -> int:
        """The server's clock, Unix ms."""
        return self._n.time().wait()

    def auth_ably(
        self, *, ttl: int | None = None, capability: _Capability | None = None, client_id: str | None = None
    ) -> dict[str, Any] | str:
        """What an Ably client's ``authUrl`` gets for the user of the client's auth token."""
        return self._n.auth_ably(ttl=ttl, capability=capability, client_id=client_id).wait()

    def generate_user_token(self, user_uuid: str, expire: int) -> str:
        return self._n.generate_user_token(user_uuid, expire).wait()

    def generate_app_token(self, expire: int) -> str:
        return self._n.generate_app_token(expire).wait()

    def token_generate(self, user_id: str, expire_seconds: int, token_type: str = "user") -> str:
        return self._n.token_generate(user_id, expire_seconds, token_type).wait()


class AsyncClient(_Base):
    """:class:`Client` for asyncio: the same methods, as coroutines that never block the loop."""

    __slots__ = ()

    def with_auth_token(self, auth_token: str) -> AsyncClient:
        out = AsyncClient.__new__(AsyncClient)
        out._n = self._n.with_auth_token(auth_token)
        return out

    async def healthz(self) -> None:
        await self._n.healthz()

    async def readyz(self) -> None:
        await self._n.readyz()

    async def create_user(
        self,
        uid: str,
        name: str,
        *,
        avatar: str | None = None,
        link: str | None = None,
        role: str | None = None,
        status_message: str | None = None,
        metadata: Any = None,
        tags: Sequence[str] | None = None,
        with_auth_token: bool = False,
    ) -> ApiCreatedUser:
        return await self._n.create_user(
            uid,
            name,
            avatar=avatar,
            link=link,
            role=role,
            status_message=status_message,
            metadata=metadata,
            tags=None if tags is None else list(tags),
            with_auth_token=with_auth_token,
        )

    async def get_user(self, uid: str) -> ApiUser:
        return await self._n.get_user(uid)

    async def delete_user(self, uid: str) -> Ack:
        return await self._n.delete_user(uid)

    async def create_auth_token(
        self,
        uid: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
        force: bool = False,
    ) -> ApiAuthToken:
        return await self._n.create_auth_token(
            uid, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id, force=force
        )

    async def list_auth_tokens(
        self, uid: str, *, page: int | None = None, per_page: int | None = None
    ) -> ApiAuthTokenPage:
        return await self._n.list_auth_tokens(uid, page=page, per_page=per_page)

    async def list_all_auth_tokens(self, uid: str) -> list[ApiAuthToken]:
        return await self._n.list_all_auth_tokens(uid)

    async def get_auth_token(self, uid: str, token_or_id: str) -> ApiAuthToken:
        return await self._n.get_auth_token(uid, token_or_id)

    async def update_auth_token(
        self,
        uid: str,
        token_or_id: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> ApiAuthToken:
        return await self._n.update_auth_token(
            uid, token_or_id, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id
        )

    async def delete_auth_token(self, uid: str, token_or_id: str) -> Ack:
        return await self._n.delete_auth_token(uid, token_or_id)

    async def flush_auth_tokens(self, uid: str) -> Ack:
        return await self._n.flush_auth_tokens(uid)

    async def login(
        self,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> Me:
        return await self._n.login(platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id)

    async def me(self) -> Me:
        return await self._n.me()

    async def logout(self) -> Ack:
        return await self._n.logout()

    async def register_push(
        self, *, fcm_token: str | None = None, apns_token: str | None = None, voip_token: str | None = None
    ) -> Ack:
        return await self._n.register_push(fcm_token=fcm_token, apns_token=apns_token, voip_token=voip_token)

    async def list_push(self) -> PushList:
        return await self._n.list_push()

    async def delete_push(self, *, all: bool = False) -> Ack:
        return await self._n.delete_push(all=all)

    async def request_token(
        self,
        request: Mapping[str, Any] | None = None,
        *,
        ttl: int | None = None,
        capability: _Capability | None = None,
        client_id: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, Any]:
        return await self._n.request_token(
            request, ttl=ttl, capability=capability, client_id=client_id, timestamp=timestamp, nonce=nonce
        )

    async def revoke_tokens(
        self, targets: Sequence[str], *, issued_before: int | None = None, allow_reauth_margin: bool = False
    ) -> BatchResult:
        return await self._n.revoke_tokens(
            list(targets), issued_before=issued_before, allow_reauth_margin=allow_reauth_margin
        )

    async def time(self) -> int:
        return await self._n.time()

    async def auth_ably(
        self, *, ttl: int | None = None, capability: _Capability | None = None, client_id: str | None = None
    ) -> dict[str, Any] | str:
        return await self._n.auth_ably(ttl=ttl, capability=capability, client_id=client_id)

    async def generate_user_token(self, user_uuid: str, expire: int) -> str:
        return await self._n.generate_user_token(user_uuid, expire)

    async def generate_app_token(self, expire: int) -> str:
        return await self._n.generate_app_token(expire)

    async def token_generate(self, user_id: str, expire_seconds: int, token_type: str = "user") -> str:
        return await self._n.token_generate(user_id, expire_seconds, token_type)
