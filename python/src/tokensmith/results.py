"""The dicts the retention service (:class:`tokensmith.Tokensmith`) and the client sessions
(:class:`tokensmith.Session`) return.

Keys are the core's JSON names, the same objects the Node package returns (so they can be sent
as they are). Times: a user's ``createdAt`` and a revocation's times are Unix **milliseconds**; an
auth token's ``createdAt``, ``expiresAt`` and ``archivedAt`` are Unix **seconds** (CometChat's
units). Keys marked optional are absent, not ``None``, when there is no value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from .errors import TokensmithError

__all__ = [
    "User",
    "AuthTokenInfo",
    "IssuedToken",
    "CreatedUser",
    "TokenPage",
    "Session",
    "PushList",
    "RevokeResult",
    "TokenParamsInput",
    "SessionToken",
    "ApiUser",
    "TokenWillExpireEvent",
    "RenewedEvent",
    "TokenExpiredEvent",
    "RenewFailedEvent",
    "LoggedOutEvent",
    "ApiCreatedUser",
    "ApiAuthToken",
    "ApiPagination",
    "ApiAuthTokenPage",
    "Ack",
    "Me",
    "RevocationResult",
    "BatchResult",
    "ServedApp",
]


class _UserKeys(TypedDict):
    uid: str
    name: str
    createdAt: int


class User(_UserKeys, total=False):
    """A user; ``uid`` is lower case, ``createdAt`` Unix ms."""

    profile: dict[str, Any]


class _AuthTokenKeys(TypedDict):
    id: str
    uid: str
    redacted: str
    createdAt: int
    archived: bool


class AuthTokenInfo(_AuthTokenKeys, total=False):
    """An auth token as listed: its 24-hex-character ``id`` and ``tks_…abcd`` form, never the token."""

    expiresAt: int
    archivedAt: int
    platform: str
    userAgent: str
    appInfo: Any
    deviceId: str


class IssuedToken(AuthTokenInfo):
    """A token just minted: ``authToken`` is the raw token, shown this once."""

    authToken: str


class _CreatedUserKeys(TypedDict):
    user: User


class CreatedUser(_CreatedUserKeys, total=False):
    """``users.create``: the user, and its first token when ``with_auth_token=True``."""

    authToken: IssuedToken


class TokenPage(TypedDict):
    """One page of a user's tokens: newest first, archived ones after the active ones."""

    tokens: list[AuthTokenInfo]
    total: int
    active: int
    archived: int
    page: int
    perPage: int
    totalPages: int


class Session(TypedDict):
    """A validated auth token with its user."""

    user: User
    token: AuthTokenInfo


class PushList(TypedDict):
    """A user's push tokens by platform (all three keys always)."""

    ios: list[str]
    web: list[str]
    android: list[str]


class RevokeResult(TypedDict):
    """What ``revoke_subject`` recorded (Unix ms): tokens issued before ``issuedBefore`` are
    refused from ``appliesAt`` on."""

    issuedBefore: int
    appliesAt: int


# --- Client sessions (tokensmith.Session / AsyncSession): times are ms since the epoch, on the
# server's clock; the same objects as in Node.


class TokenParamsInput(TypedDict, total=False):
    """The Ably TokenParams a session keeps for every renewal."""

    ttl: int
    capability: str | dict[str, list[str]]
    client_id: str


class _SessionTokenKeys(TypedDict):
    token: str
    format: Literal["ably-jwt", "ably-token", "agora-accesstoken2", "auth-token", "unknown"]


class SessionToken(_SessionTokenKeys, total=False):
    """The token a session holds; ``expires``, ``issued`` and ``clientId`` when known."""

    expires: int
    issued: int
    clientId: str


class _ApiUserKeys(TypedDict):
    uid: str
    name: str
    createdAt: int


class ApiUser(_ApiUserKeys, total=False):
    """A user as the service (or CometChat) answers a login; ``createdAt`` Unix seconds (0 if unknown)."""

    avatar: str
    link: str
    role: str
    status: str
    statusMessage: str
    metadata: Any
    tags: list[str]


class TokenWillExpireEvent(TypedDict):
    generation: int
    expires: int


class RenewedEvent(TypedDict):
    generation: int
    reason: Literal["initial", "scheduled", "expired", "tokenError", "authorize"]
    issued: int | None
    expires: int | None
    format: str
    renewAt: int | None


class TokenExpiredEvent(TypedDict):
    generation: int
    expiredAt: int


class RenewFailedEvent(TypedDict):
    """``retryIn``: the wait before the next attempt, or ``None`` when this renewal gave up."""

    attempt: int
    retryIn: int | None
    terminal: bool
    error: TokensmithError


class LoggedOutEvent(TypedDict):
    reason: Literal["requested", "tokenNotFound"]


# --- The REST client (tokensmith.Client / AsyncClient): the service's (or CometChat's) JSON
# shapes, as in Node. Auth token and user times are Unix seconds; Ably times are ms.


class ApiCreatedUser(ApiUser, total=False):
    """``create_user``: the user, with its raw ``authToken`` when ``with_auth_token=True``."""

    authToken: str


class _ApiAuthTokenKeys(TypedDict):
    uid: str
    createdAt: int
    archived: bool


class ApiAuthToken(_ApiAuthTokenKeys, total=False):
    """An auth token as the REST API answers it. tokensmith sends the raw ``authToken`` only on
    creation and names tokens by ``id`` otherwise (CometChat sends the raw token always)."""

    authToken: str
    id: str
    redacted: str
    expiresAt: int
    archivedAt: int
    platform: str
    userAgent: str
    appInfo: Any
    deviceId: str


class ApiPagination(TypedDict):
    """``meta.pagination`` of a list (snake_case on the wire)."""

    total: int
    count: int
    per_page: int
    current_page: int
    total_pages: int


class ApiAuthTokenPage(TypedDict):
    """One page of a user's auth tokens, newest first."""

    items: list[ApiAuthToken]
    pagination: ApiPagination


class _AckKeys(TypedDict):
    success: bool


class Ack(_AckKeys, total=False):
    """The answer of deletes, flushes, logout and push calls."""

    message: str


class Me(ApiUser, total=False):
    """The logged-in user (``login`` / ``me``)."""

    jwt: str
    settings: Any


class _RevocationResultKeys(TypedDict):
    target: str


class RevocationResult(_RevocationResultKeys, total=False):
    """One ``revoke_tokens`` target: revoked (``issuedBefore``, ``appliesAt``, ms) or failed (``error``)."""

    issuedBefore: int
    appliesAt: int
    error: dict[str, Any]


class BatchResult(TypedDict):
    """Ably's BatchResult of ``revoke_tokens``."""

    successCount: int
    failureCount: int
    results: list[RevocationResult]


class ServedApp(TypedDict):
    """``Server.app``: the first credential of each kind of the server's first app."""

    app_id: str
    api_key: str | None
    auth_only_key: str | None
    ably_key: str | None
    agora_app_id: str | None
    agora_app_certificate: str | None
