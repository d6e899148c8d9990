"""The dicts the retention service (:class:`tokensmith.Tokensmith`) returns.

Keys are the core's JSON names, the same objects the Node package returns (so they can be sent
as they are). Times: a user's ``createdAt`` and a revocation's times are Unix **milliseconds**; an
auth token's ``createdAt``, ``expiresAt`` and ``archivedAt`` are Unix **seconds** (CometChat's
units). Keys marked optional are absent, not ``None``, when there is no value.
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "User",
    "AuthTokenInfo",
    "IssuedToken",
    "CreatedUser",
    "TokenPage",
    "Session",
    "PushList",
    "RevokeResult",
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
