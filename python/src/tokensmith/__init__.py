"""tokensmith: issue, sign, verify and explain chat/realtime auth tokens.

- :mod:`tokensmith.agora` — Agora AccessToken2 (``007``) chat user and app tokens.
- :mod:`tokensmith.ably` — Ably TokenRequests, TokenDetails (Ably JWTs), capabilities.
- :mod:`tokensmith.auth_token` — opaque per-user ``tks_`` tokens.
- :func:`explain` — a redacted breakdown of any of them.
- :class:`Tokensmith` / :class:`AsyncTokensmith` — users, auth tokens with rolling retention,
  revocation and push tokens over SQLite, Redis or memory (blocking / asyncio).
- :class:`Client` / :class:`AsyncClient` — the REST client of the tokensmith service (or
  CometChat's hosted API); :func:`serve` — the service itself, in this process.
- :class:`Session` / :class:`AsyncSession` — a client's token that renews itself (Ably key,
  authUrl or authCallback, Agora token server, static token, CometChat login).

Every error is a :class:`TokensmithError` whose ``.code`` is the same in Rust, Node and Python.
"""

from . import ably, agora, auth_token, results
from ._native import __version__, error_codes as _error_codes, explain
from .errors import (
    BadSignatureError,
    CapabilityRefusedError,
    ClientIdMismatchError,
    InvalidArgumentError,
    KeyMismatchError,
    MalformedTokenError,
    ReplayedNonceError,
    TimestampOutOfWindowError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenRevokedError,
    TokensmithError,
    UnsupportedTokenError,
    UidAlreadyExistsError,
    UserNotFoundError,
    AuthTokenNotFoundError,
    StoreUnavailableError,
    UnauthorizedError,
    RateLimitedError,
    HttpError,
    NetworkError,
    RequestTimeoutError,
    NoRenewalMeansError,
    ProviderError,
    SessionClosedError,
)
from .client import AsyncClient, Client
from .server import Server, serve, serve_async
from .service import AsyncTokensmith, Tokensmith
from .session import AsyncSession, Session

#: Every stable error code.
ERROR_CODES: tuple[str, ...] = tuple(_error_codes())

__all__ = [
    "__version__",
    "ERROR_CODES",
    "agora",
    "ably",
    "auth_token",
    "explain",
    "results",
    "Tokensmith",
    "AsyncTokensmith",
    "Client",
    "AsyncClient",
    "Server",
    "serve",
    "serve_async",
    "Session",
    "AsyncSession",
    "TokensmithError",
    "InvalidArgumentError",
    "MalformedTokenError",
    "BadSignatureError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "CapabilityRefusedError",
    "TimestampOutOfWindowError",
    "ReplayedNonceError",
    "ClientIdMismatchError",
    "KeyMismatchError",
    "TokenRevokedError",
    "UnsupportedTokenError",
    "UidAlreadyExistsError",
    "UserNotFoundError",
    "AuthTokenNotFoundError",
    "StoreUnavailableError",
    "UnauthorizedError",
    "RateLimitedError",
    "HttpError",
    "NetworkError",
    "RequestTimeoutError",
    "NoRenewalMeansError",
    "ProviderError",
    "SessionClosedError",
]
