# Hand-written stub of the compiled module; tests/python/test_typing.py keeps it honest.
from collections.abc import Mapping
from typing import Any, TypeAlias, final

__all__ = [
    "TokenRequestVerifier",
    "ably_create_token_request",
    "ably_issue_token",
    "ably_verify_token",
    "ably_verify_token_request",
    "agora_build_chat_app_token",
    "agora_build_chat_user_token",
    "agora_parse",
    "agora_verify",
    "auth_token_check",
    "auth_token_fingerprint",
    "auth_token_generate",
    "auth_token_redact",
    "error_codes",
    "explain",
    "__version__",
]

# JSON text, or resource → operations (any mapping; operations as a list or tuple).
_Capability: TypeAlias = str | Mapping[str, list[str] | tuple[str, ...]]

__version__: str

def agora_build_chat_user_token(
    app_id: str, app_certificate: str, user_id: str, expire: int, *, issue_ts: int | None = None, salt: int | None = None
) -> str: ...
def agora_build_chat_app_token(
    app_id: str, app_certificate: str, expire: int, *, issue_ts: int | None = None, salt: int | None = None
) -> str: ...
def agora_parse(token: str) -> dict[str, Any]: ...
def agora_verify(token: str, app_certificate: str, *, now: int | None = None) -> dict[str, Any]: ...
def ably_create_token_request(
    key_name: str,
    key_secret: str,
    *,
    ttl: int | None = None,
    capability: _Capability | None = None,
    client_id: str | None = None,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, Any]: ...
def ably_verify_token_request(
    request: Mapping[str, Any], key_name: str, key_secret: str, *, now: int | None = None, window_ms: int | None = None
) -> dict[str, Any]: ...
def ably_issue_token(
    key_name: str,
    key_secret: str,
    *,
    ttl: int | None = None,
    capability: _Capability | None = None,
    client_id: str | None = None,
    key_capability: _Capability | None = None,
    default_ttl: int | None = None,
    max_ttl: int | None = None,
) -> dict[str, Any]: ...
def ably_verify_token(
    token: str,
    key_name: str,
    key_secret: str,
    *,
    now: int | None = None,
    leeway: int | None = None,
    client_id: str | None = None,
    resource: str | None = None,
    operation: str | None = None,
) -> dict[str, Any]: ...
@final
class TokenRequestVerifier:
    def __init__(self) -> None: ...
    def verify(
        self, request: Mapping[str, Any], key_name: str, key_secret: str, *, now: int | None = None, window_ms: int | None = None
    ) -> dict[str, Any]: ...

def auth_token_generate() -> str: ...
def auth_token_check(token: str) -> None: ...
def auth_token_fingerprint(token: str) -> str: ...
def auth_token_redact(token: str) -> str: ...
def explain(token: str, secret: str | None = None) -> dict[str, Any]: ...
def error_codes() -> list[str]: ...
