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
    "BY_CODE",
]


class TokensmithError(Exception):
    """Base class of every error tokensmith raises."""

    code: str = "UNKNOWN"

    def __init__(self, message: str, code: str | None = None, vendor_code: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        #: Ably's error code (e.g. 40142) where the error has one.
        self.vendor_code = vendor_code
        #: The argument or token part the error is about.
        self.field = field

    def __reduce__(self) -> tuple[type[TokensmithError], tuple[str, str, int | None, str | None]]:
        # keeps code, vendor_code and field across pickling (multiprocessing)
        return (type(self), (self.message, self.code, self.vendor_code, self.field))

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


BY_CODE: dict[str, type[TokensmithError]] = {
    cls.code: cls for cls in TokensmithError.__subclasses__()
}


def _from_native(code: str, message: str, vendor_code: int | None, field: str | None) -> TokensmithError:
    """Called by the native module to build the exception for a core error."""
    return BY_CODE.get(code, TokensmithError)(message, code, vendor_code, field)
