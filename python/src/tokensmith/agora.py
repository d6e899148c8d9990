"""Agora AccessToken2 (``007``) chat tokens, byte-exact with Agora's reference builders.

``expire`` is seconds from ``issue_ts`` (at most 86400 for chat tokens); ``issue_ts`` defaults
to now and ``salt`` to a CSPRNG value. ``verify`` checks the signature in constant time, then
expiry at ``issue_ts + expire`` (``now`` in unix seconds).
"""

from ._native import (
    agora_build_chat_app_token as build_chat_app_token,
    agora_build_chat_user_token as build_chat_user_token,
    agora_parse as parse,
    agora_verify as verify,
)

__all__ = ["build_chat_user_token", "build_chat_app_token", "parse", "verify"]
