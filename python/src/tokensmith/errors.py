"""The TokensmithError hierarchy: one class per stable error code.

The native module raises these (through ``_from_native``), so ``except TokensmithError`` catches
everything tokensmith raises and ``.code`` is the same string as in Rust and Node.
"""

from __future__ import annotations

__all__ = [
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
    "BY_CODE",
]


class TokensmithError(Exception):
    """Base class of every error tokensmith raises."""

    code: str = "UNKNOWN"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        vendor_code: int | None = None,
        field: str | None = None,
        status: int | None = None,
        server_code: str | None = None,
        retry_after_ms: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        #: Ably's error code (e.g. 40142) where the error has one.
        self.vendor_code = vendor_code
        #: The argument or token part the error is about.
        self.field = field
        #: The HTTP status, when a server refused the request (the REST client).
        self.status = status
        #: The server's own code (``ERR_UID_NOT_FOUND``, ``40142``, …), when a server refused the request.
        self.server_code = server_code
        #: How long the server asked to wait before trying again (``RATE_LIMITED``), when it said.
        self.retry_after_ms = retry_after_ms

    def __reduce__(
        self,
    ) -> tuple[
        type[TokensmithError], tuple[str, str, int | None, str | None, int | None, str | None, int | None]
    ]:
        # keeps every attribute across pickling (multiprocessing)
        return (
            type(self),
            (self.message, self.code, self.vendor_code, self.field, self.status, self.server_code, self.retry_after_ms),
        )

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(TokensmithError, ValueError):
    code = "INVALID_ARGUMENT"


class MalformedTokenError(TokensmithError):
    code = "MALFORMED_TOKEN"


class BadSignatureError(TokensmithError):
    code = "BAD_SIGNATURE"


class TokenExpiredError(TokensmithError):
    code = "TOKEN_EXPIRED"


class TokenNotYetValidError(TokensmithError):
    code = "TOKEN_NOT_YET_VALID"


class CapabilityRefusedError(TokensmithError):
    code = "CAPABILITY_REFUSED"


class TimestampOutOfWindowError(TokensmithError):
    code = "TIMESTAMP_OUT_OF_WINDOW"


class ReplayedNonceError(TokensmithError):
    code = "REPLAYED_NONCE"


class ClientIdMismatchError(TokensmithError):
    code = "CLIENT_ID_MISMATCH"


class KeyMismatchError(TokensmithError):
    code = "KEY_MISMATCH"


class TokenRevokedError(TokensmithError):
    code = "TOKEN_REVOKED"


class UnsupportedTokenError(TokensmithError):
    code = "UNSUPPORTED_TOKEN"


class UidAlreadyExistsError(TokensmithError):
    """A user with this uid exists already."""

    code = "UID_ALREADY_EXISTS"


class UserNotFoundError(TokensmithError):
    """No user has this uid."""

    code = "USER_NOT_FOUND"


class AuthTokenNotFoundError(TokensmithError):
    """The auth token is unknown, deleted, flushed, archived or revoked."""

    code = "AUTH_TOKEN_NOT_FOUND"


class StoreUnavailableError(TokensmithError, ConnectionError):
    """The store cannot be reached (retry later; after a timeout a write may still have been applied)."""

    code = "STORE_UNAVAILABLE"


class UnauthorizedError(TokensmithError):
    """Credentials are missing or wrong, or not allowed to make this call."""

    code = "UNAUTHORIZED"


class RateLimitedError(TokensmithError):
    """Too many requests; ``retry_after_ms`` says how long the server asked to wait, when it did."""

    code = "RATE_LIMITED"


class HttpError(TokensmithError):
    """The server answered with an error that has no closer class, or a response that cannot be read."""

    code = "HTTP_ERROR"


class NetworkError(TokensmithError, ConnectionError):
    """The server could not be reached, or the connection failed before a full response came."""

    code = "NETWORK_ERROR"


class RequestTimeoutError(TokensmithError, TimeoutError):
    """No response within the configured timeout."""

    code = "REQUEST_TIMEOUT"


class NoRenewalMeansError(TokensmithError):
    """A session needs a new token but has no means to get one (Ably 40171)."""

    code = "NO_RENEWAL_MEANS"


class ProviderError(TokensmithError):
    """A session's token provider (authUrl, callback, token server) failed or answered something unusable.

    ``__cause__`` is the provider's own error: a :class:`TokensmithError` (e.g. an :class:`HttpError`
    with the server's ``status``) or what a callback raised. ``vendor_code`` is the cause's Ably code,
    else 40300 for a 403, else 40170.
    """

    code = "PROVIDER_ERROR"


class SessionClosedError(TokensmithError):
    """The session was closed."""

    code = "SESSION_CLOSED"


BY_CODE: dict[str, type[TokensmithError]] = {
    cls.code: cls for cls in TokensmithError.__subclasses__()
}


def _from_native(
    code: str,
    message: str,
    vendor_code: int | None,
    field: str | None,
    status: int | None = None,
    server_code: str | None = None,
    retry_after_ms: int | None = None,
) -> TokensmithError:
    """Called by the native module to build the exception for a core error."""
    return BY_CODE.get(code, TokensmithError)(message, code, vendor_code, field, status, server_code, retry_after_ms)
