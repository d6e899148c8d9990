# Hand-written stub of the compiled module; tests/python/test_typing.py keeps it honest.
from collections.abc import Callable, Generator, Mapping
from typing import Any, Generic, TypeAlias, TypeVar, final

from .results import (
    Ack,
    ApiAuthToken,
    ApiAuthTokenPage,
    ApiCreatedUser,
    BatchResult,
    Me,
    ServedApp,
    ApiUser,
    AuthTokenInfo,
    CreatedUser,
    IssuedToken,
    PushList,
    RevokeResult,
    Session,
    SessionToken,
    TokenPage,
    TokenParamsInput,
    User,
)

__all__ = [
    "Call",
    "Client",
    "Server",
    "serve",
    "NativeSession",
    "Service",
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

_T = TypeVar("_T")

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

@final
class Call(Generic[_T]):
    """A core operation not started yet: ``wait()`` blocks (detached), ``await`` runs it on asyncio."""

    def wait(self) -> _T: ...
    def __await__(self) -> Generator[Any, None, _T]: ...

@final
class Service:
    def __new__(
        cls,
        store: str,
        *,
        app: str | None = None,
        retention: int | None = None,
        token_ttl_ms: int | None = None,
        purge_archived_after_ms: int | None = None,
        reauth_margin_ms: int | None = None,
    ) -> Service: ...
    def close(self) -> None: ...
    def users_create(
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
    ) -> Call[CreatedUser]: ...
    def users_get(self, uid: str) -> Call[User]: ...
    def users_delete(self, uid: str) -> Call[None]: ...
    def auth_tokens_create(
        self,
        uid: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> Call[IssuedToken]: ...
    def auth_tokens_list(self, uid: str, *, page: int | None = None, per_page: int | None = None) -> Call[TokenPage]: ...
    def auth_tokens_get(self, uid: str, token_or_id: str) -> Call[AuthTokenInfo]: ...
    def auth_tokens_update(
        self,
        uid: str,
        token_or_id: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> Call[AuthTokenInfo]: ...
    def auth_tokens_delete(self, uid: str, token_or_id: str) -> Call[None]: ...
    def auth_tokens_flush(self, uid: str) -> Call[int]: ...
    def validate(self, token: str) -> Call[Session]: ...
    def logout(self, auth_token: str) -> Call[None]: ...
    def revoke_token(self, token: str) -> Call[None]: ...
    def revoke_subject(
        self, subject: str, *, issued_before: int | None = None, allow_reauth_margin: bool = False
    ) -> Call[RevokeResult]: ...
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
    ) -> Call[dict[str, Any]]: ...
    def verify_agora_token(self, token: str, app_certificate: str, *, now: int | None = None) -> Call[dict[str, Any]]: ...
    def verify_token_request(
        self, request: Mapping[str, Any], key_name: str, key_secret: str, *, window_ms: int | None = None
    ) -> Call[dict[str, Any]]: ...
    def push_register(
        self, auth_token: str, *, fcm_token: str | None = None, apns_token: str | None = None, voip_token: str | None = None
    ) -> Call[None]: ...
    def push_list(self, auth_token: str) -> Call[PushList]: ...
    def push_delete(self, auth_token: str, *, all: bool = False) -> Call[int]: ...
    def purge_archived(self) -> Call[int]: ...

@final
class NativeSession:
    """The core's renewing session; ``tokensmith.Session`` / ``AsyncSession`` wrap it. ``auth``
    and ``settings`` are dicts with every key ``tokensmith.session`` passes."""

    def __new__(
        cls,
        *,
        emit: Callable[[str, dict[str, Any], BaseException | None], None],
        asynchronous: bool = False,
        token_params: TokenParamsInput | None = None,
        auth: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> NativeSession: ...
    def bind_loop(self, event_loop: Any) -> None: ...
    def token(self) -> Call[SessionToken]: ...
    def current(self) -> SessionToken | None: ...
    def authorize(
        self, token_params: TokenParamsInput | None = None, auth: Mapping[str, Any] | None = None
    ) -> Call[SessionToken]: ...
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
    ) -> Call[ApiUser]: ...
    def recover(self, token: str, kind: str | None = None) -> Call[SessionToken]: ...
    def current_user(self) -> ApiUser | None: ...
    def logout(self) -> Call[None]: ...
    def close(self) -> None: ...
    def set_server_time(self, server_now_ms: int) -> None: ...
    def fetches(self) -> int: ...

@final
class Client:
    def __new__(
        cls,
        base_url: str,
        *,
        api_key: str | None = None,
        app_id: str | None = None,
        auth_token: str | None = None,
        ably_key: str | None = None,
        timeout_ms: int | None = None,
        retries: int | None = None,
        max_retry_after_ms: int | None = None,
    ) -> Client: ...
    def with_auth_token(self, auth_token: str) -> Client: ...
    def healthz(self) -> Call[None]: ...
    def readyz(self) -> Call[None]: ...
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
        tags: list[str] | None = None,
        with_auth_token: bool = False,
    ) -> Call[ApiCreatedUser]: ...
    def get_user(self, uid: str) -> Call[ApiUser]: ...
    def delete_user(self, uid: str) -> Call[Ack]: ...
    def create_auth_token(
        self,
        uid: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
        force: bool = False,
    ) -> Call[ApiAuthToken]: ...
    def list_auth_tokens(
        self, uid: str, *, page: int | None = None, per_page: int | None = None
    ) -> Call[ApiAuthTokenPage]: ...
    def list_all_auth_tokens(self, uid: str) -> Call[list[ApiAuthToken]]: ...
    def get_auth_token(self, uid: str, token_or_id: str) -> Call[ApiAuthToken]: ...
    def update_auth_token(
        self,
        uid: str,
        token_or_id: str,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> Call[ApiAuthToken]: ...
    def delete_auth_token(self, uid: str, token_or_id: str) -> Call[Ack]: ...
    def flush_auth_tokens(self, uid: str) -> Call[Ack]: ...
    def login(
        self,
        *,
        platform: str | None = None,
        user_agent: str | None = None,
        app_info: Any = None,
        device_id: str | None = None,
    ) -> Call[Me]: ...
    def me(self) -> Call[Me]: ...
    def logout(self) -> Call[Ack]: ...
    def register_push(
        self, *, fcm_token: str | None = None, apns_token: str | None = None, voip_token: str | None = None
    ) -> Call[Ack]: ...
    def list_push(self) -> Call[PushList]: ...
    def delete_push(self, *, all: bool = False) -> Call[Ack]: ...
    def request_token(
        self,
        request: Mapping[str, Any] | None = None,
        *,
        ttl: int | None = None,
        capability: _Capability | None = None,
        client_id: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> Call[dict[str, Any]]: ...
    def revoke_tokens(
        self, targets: list[str], *, issued_before: int | None = None, allow_reauth_margin: bool = False
    ) -> Call[BatchResult]: ...
    def time(self) -> Call[int]: ...
    def auth_ably(
        self, *, ttl: int | None = None, capability: _Capability | None = None, client_id: str | None = None
    ) -> Call[dict[str, Any] | str]: ...
    def generate_user_token(self, user_uuid: str, expire: int) -> Call[str]: ...
    def generate_app_token(self, expire: int) -> Call[str]: ...
    def token_generate(self, user_id: str, expire_seconds: int, token_type: str = "user") -> Call[str]: ...

@final
class Server:
    @property
    def url(self) -> str: ...
    @property
    def app(self) -> ServedApp | None: ...
    def close(self) -> Call[None]: ...

def serve(
    *,
    store: str | None = None,
    listen: str | None = None,
    app_id: str | None = None,
    retention: int | None = None,
    token_ttl_ms: int | None = None,
    rate_limit_per_minute: int | None = None,
    ably_user_capability: _Capability | None = None,
    apps: list[Mapping[str, Any]] | None = None,
    limits: Mapping[str, Any] | None = None,
) -> Call[Server]: ...
