"""The retention service: users, auth tokens with rolling retention, revocation and the push
registry, over a store chosen by URL: ``sqlite://PATH``, ``redis://HOST:PORT/DB`` or ``memory://``.

:class:`Tokensmith` blocks; the interpreter is released while Rust works, so threads sharing one
instance run in parallel. :class:`AsyncTokensmith` has the same methods as coroutines for
asyncio; they never block the event loop. Cancelling one does not cut a store step in half: the
operation finishes and its result is dropped.

Both open the store on their first call (a bad URL or an unreachable store fails that call and
the next call tries again) and are safe to share. Failures raise :class:`~tokensmith.TokensmithError`
subclasses with the same ``code`` as in Node and Rust; a store that cannot be reached raises
:class:`~tokensmith.StoreUnavailableError` (retryable). After ``os.fork()`` the child opens its
own connection on its first call; a ``memory://`` store the parent used keeps its data in the
parent, so in the child it raises StoreUnavailableError (create a new instance there).

Units: the options and revocation times are milliseconds, as in Node; results are the dicts of
:mod:`tokensmith.results` (auth token times there are Unix seconds). ``token_or_id`` is a raw
``tks_…`` token or its 24-hex-character id.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from . import _native
from .results import AuthTokenInfo, CreatedUser, IssuedToken, PushList, RevokeResult, Session, TokenPage, User

__all__ = ["Tokensmith", "AsyncTokensmith", "Users", "AuthTokens", "Push", "AsyncUsers", "AsyncAuthTokens", "AsyncPush"]


def _native_service(
    store: str,
    app: str | None,
    retention: int | None,
    token_ttl_ms: int | None,
    purge_archived_after_ms: int | None,
    reauth_margin_ms: int | None,
) -> _native.Service:
    return _native.Service(
        store,
        app=app,
        retention=retention,
        token_ttl_ms=token_ttl_ms,
        purge_archived_after_ms=purge_archived_after_ms,
        reauth_margin_ms=reauth_margin_ms,
    )


class Users:
    """``ts.users``."""

    __slots__ = ("_n",)

    def __init__(self, native: _native.Service) -> None:
        self._n = native

    def create(
        self,
        uid: str,
        *,
        name: str | None = None,
        profile: Mapping[str, Any] | None = None,
        with_auth_token: bool = False,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> CreatedUser:
        """Creates a user (``name`` defaults to the uid); with ``with_auth_token=True`` also its
        first auth token, with the given metadata. Raises UidAlreadyExistsError if taken."""
        return self._n.users_create(
            uid,
            name=name,
            profile=profile,
            with_auth_token=with_auth_token,
            platform=platform,
            user_agent=user_agent,
            app_info=app_info,
            device_id=device_id,
        ).wait()

    def get(self, uid: str) -> User:
        return self._n.users_get(uid).wait()

    def delete(self, uid: str) -> None:
        """Deletes the user with its auth tokens and push registrations."""
        self._n.users_delete(uid).wait()


class AuthTokens:
    """``ts.auth_tokens``."""

    __slots__ = ("_n",)

    def __init__(self, native: _native.Service) -> None:
        self._n = native

    def create(
        self,
        uid: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> IssuedToken:
        """Mints a token (the raw one is in this result only); beyond ``retention`` active tokens
        the oldest is archived in the same step."""
        return self._n.auth_tokens_create(
            uid, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id
        ).wait()

    def list(self, uid: str, *, page: int | None = None, per_page: int | None = None) -> TokenPage:
        """Newest first, archived after active; ``page`` counts from 1, ``per_page`` is at most 1000."""
        return self._n.auth_tokens_list(uid, page=page, per_page=per_page).wait()

    def get(self, uid: str, token_or_id: str) -> AuthTokenInfo:
        return self._n.auth_tokens_get(uid, token_or_id).wait()

    def update(
        self,
        uid: str,
        token_or_id: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> AuthTokenInfo:
        """Shallow update of an active token's metadata: given fields replace, others stay."""
        return self._n.auth_tokens_update(
            uid, token_or_id, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id
        ).wait()

    def delete(self, uid: str, token_or_id: str) -> None:
        self._n.auth_tokens_delete(uid, token_or_id).wait()

    def flush(self, uid: str) -> int:
        """Deletes all of the user's tokens; returns how many."""
        return self._n.auth_tokens_flush(uid).wait()

    def validate(self, token: str) -> Session:
        """The token's session. Raises MalformedTokenError (no lookup), AuthTokenNotFoundError
        (unknown, archived), TokenExpiredError or TokenRevokedError."""
        return self._n.validate(token).wait()


class Push:
    """``ts.push``: one registration per auth token (session)."""

    __slots__ = ("_n",)

    def __init__(self, native: _native.Service) -> None:
        self._n = native

    def register(
        self,
        auth_token: str,
        *,
        fcm_token: str | None = None,
        apns_token: str | None = None,
        voip_token: str | None = None,
    ) -> None:
        """Registers (or replaces) the session's push token: an FCM token, or an APNs token with
        an optional VoIP token."""
        self._n.push_register(auth_token, fcm_token=fcm_token, apns_token=apns_token, voip_token=voip_token).wait()

    def list(self, auth_token: str) -> PushList:
        """Every push token of the session's user, by platform."""
        return self._n.push_list(auth_token).wait()

    def delete(self, auth_token: str, *, all: bool = False) -> int:
        """Deletes this session's registration (with ``all=True`` every one of the user's); returns how many."""
        return self._n.push_delete(auth_token, all=all).wait()


class Tokensmith:
    """The retention service over ``store``; see the module docs. Blocking; thread-safe.

    ``retention``: active auth tokens kept per user (default 100, 0 = unlimited);
    ``token_ttl_ms``: auth token lifetime (default: none); ``purge_archived_after_ms``: how long
    archived tokens are kept (default 30 days); ``reauth_margin_ms``: the delay of a revocation
    with ``allow_reauth_margin`` (default 30 s); ``app``: namespace inside the store.
    """

    __slots__ = ("_n", "users", "auth_tokens", "push")

    def __init__(
        self,
        store: str,
        *,
        app: str | None = None,
        retention: int | None = None,
        token_ttl_ms: int | None = None,
        purge_archived_after_ms: int | None = None,
        reauth_margin_ms: int | None = None,
    ) -> None:
        self._n = _native_service(store, app, retention, token_ttl_ms, purge_archived_after_ms, reauth_margin_ms)
        self.users = Users(self._n)
        self.auth_tokens = AuthTokens(self._n)
        self.push = Push(self._n)

    def logout(self, auth_token: str) -> None:
        """Ends the session: deletes the auth token and its push registration."""
        self._n.logout(auth_token).wait()

    def revoke_token(self, token: str) -> None:
        """Revokes one token of any format (an auth token is deleted)."""
        self._n.revoke_token(token).wait()

    def revoke_subject(
        self, subject: str, *, issued_before: int | None = None, allow_reauth_margin: bool = False
    ) -> RevokeResult:
        """Revokes every token of ``subject`` (uid / Ably client id / Agora chat user id) issued
        before ``issued_before`` (Unix ms, default now, at most an hour ago); with
        ``allow_reauth_margin`` enforcement starts ``reauth_margin_ms`` later."""
        return self._n.revoke_subject(subject, issued_before=issued_before, allow_reauth_margin=allow_reauth_margin).wait()

    def verify_ably_token(
        self,
        token: str,
        key_name: str,
        key_secret: str,
        *,
        now: int | None = None,
        leeway: int | None = None,
        client_id: str | None = None,
        resource: str | None = None,
        operation: str | None = None,
    ) -> dict[str, Any]:
        """:func:`tokensmith.ably.verify_token`, then revocation."""
        return self._n.verify_ably_token(
            token, key_name, key_secret, now=now, leeway=leeway, client_id=client_id, resource=resource, operation=operation
        ).wait()

    def verify_agora_token(self, token: str, app_certificate: str, *, now: int | None = None) -> dict[str, Any]:
        """:func:`tokensmith.agora.verify` (``now`` in Unix seconds), then revocation."""
        return self._n.verify_agora_token(token, app_certificate, now=now).wait()

    def verify_token_request(
        self, request: Mapping[str, Any], key_name: str, key_secret: str, *, window_ms: int | None = None
    ) -> dict[str, Any]:
        """:func:`tokensmith.ably.verify_token_request` on the system clock, with each nonce
        remembered in the store, so a replay raises ReplayedNonceError across processes."""
        return self._n.verify_token_request(request, key_name, key_secret, window_ms=window_ms).wait()

    def purge_archived(self) -> int:
        """Forgets archived tokens older than ``purge_archived_after_ms``; returns how many."""
        return self._n.purge_archived().wait()

    def close(self) -> None:
        """Drops the store; later calls raise StoreUnavailableError. Idempotent."""
        self._n.close()

    def __enter__(self) -> Tokensmith:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        # The native repr, "Service(store=…, app=…)", has any store password redacted.
        return type(self).__name__ + repr(self._n).removeprefix("Service")


class AsyncUsers:
    """``ts.users`` of :class:`AsyncTokensmith`: :class:`Users` as coroutines."""

    __slots__ = ("_n",)

    def __init__(self, native: _native.Service) -> None:
        self._n = native

    async def create(
        self,
        uid: str,
        *,
        name: str | None = None,
        profile: Mapping[str, Any] | None = None,
        with_auth_token: bool = False,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> CreatedUser:
        return await self._n.users_create(
            uid,
            name=name,
            profile=profile,
            with_auth_token=with_auth_token,
            platform=platform,
            user_agent=user_agent,
            app_info=app_info,
            device_id=device_id,
        )

    async def get(self, uid: str) -> User:
        return await self._n.users_get(uid)

    async def delete(self, uid: str) -> None:
        await self._n.users_delete(uid)


class AsyncAuthTokens:
    """``ts.auth_tokens`` of :class:`AsyncTokensmith`: :class:`AuthTokens` as coroutines."""

    __slots__ = ("_n",)

    def __init__(self, native: _native.Service) -> None:
        self._n = native

    async def create(
        self,
        uid: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> IssuedToken:
        return await self._n.auth_tokens_create(
            uid, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id
        )

    async def list(self, uid: str, *, page: int | None = None, per_page: int | None = None) -> TokenPage:
        return await self._n.auth_tokens_list(uid, page=page, per_page=per_page)

    async def get(self, uid: str, token_or_id: str) -> AuthTokenInfo:
        return await self._n.auth_tokens_get(uid, token_or_id)

    async def update(
        self,
        uid: str,
        token_or_id: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> AuthTokenInfo:
        return await self._n.auth_tokens_update(
            uid, token_or_id, platform=platform, user_agent=user_agent, app_info=app_info, device_id=device_id
        )

    async def delete(self, uid: str, token_or_id: str) -> None:
        await self._n.auth_tokens_delete(uid, token_or_id)

    async def flush(self, uid: str) -> int:
        return await self._n.auth_tokens_flush(uid)

    async def validate(self, token: str) -> Session:
        return await self._n.validate(token)


class AsyncPush:
    """``ts.push`` of :class:`AsyncTokensmith`: :class:`Push` as coroutines."""

    __slots__ = ("_n",)

    def __init__(self, native: _native.Service) -> None:
        self._n = native

    async def register(
        self,
        auth_token: str,
        *,
        fcm_token: str | None = None,
        apns_token: str | None = None,
        voip_token: str | None = None,
    ) -> None:
        await self._n.push_register(auth_token, fcm_token=fcm_token, apns_token=apns_token, voip_token=voip_token)

    async def list(self, auth_token: str) -> PushList:
        return await self._n.push_list(auth_token)

    async def delete(self, auth_token: str, *, all: bool = False) -> int:
        return await self._n.push_delete(auth_token, all=all)


class AsyncTokensmith:
    """:class:`Tokensmith` for asyncio: the same options, the same methods as coroutines,
    ``async with`` closing it."""

    __slots__ = ("_n", "users", "auth_tokens", "push")

    def __init__(
        self,
        store: str,
        *,
        app: str | None = None,
        retention: int | None = None,
        token_ttl_ms: int | None = None,
        purge_archived_after_ms: int | None = None,
        reauth_margin_ms: int | None = None,
    ) -> None:
        self._n = _native_service(store, app, retention, token_ttl_ms, purge_archived_after_ms, reauth_margin_ms)
        self.users = AsyncUsers(self._n)
        self.auth_tokens = AsyncAuthTokens(self._n)
        self.push = AsyncPush(self._n)

    async def logout(self, auth_token: str) -> None:
        await self._n.logout(auth_token)

    async def revoke_token(self, token: str) -> None:
        await self._n.revoke_token(token)

    async def revoke_subject(
        self, subject: str, *, issued_before: int | None = None, allow_reauth_margin: bool = False
    ) -> RevokeResult:
        return await self._n.revoke_subject(subject, issued_before=issued_before, allow_reauth_margin=allow_reauth_margin)

    async def verify_ably_token(
        self,
        token: str,
        key_name: str,
        key_secret: str,
        *,
        now: int | None = None,
        leeway: int | None = None,
        client_id: str | None = None,
        resource: str | None = None,
        operation: str | None = None,
    ) -> dict[str, Any]:
        return await self._n.verify_ably_token(
            token, key_name, key_secret, now=now, leeway=leeway, client_id=client_id, resource=resource, operation=operation
        )

    async def verify_agora_token(self, token: str, app_certificate: str, *, now: int | None = None) -> dict[str, Any]:
        return await self._n.verify_agora_token(token, app_certificate, now=now)

    async def verify_token_request(
        self, request: Mapping[str, Any], key_name: str, key_secret: str, *, window_ms: int | None = None
    ) -> dict[str, Any]:
        return await self._n.verify_token_request(request, key_name, key_secret, window_ms=window_ms)

    async def purge_archived(self) -> int:
        return await self._n.purge_archived()

    async def close(self) -> None:
        """Drops the store; later calls raise StoreUnavailableError. Idempotent."""
        self._n.close()

    async def __aenter__(self) -> AsyncTokensmith:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return type(self).__name__ + repr(self._n).removeprefix("Service")
