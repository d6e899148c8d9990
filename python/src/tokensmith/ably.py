"""Ably token auth: TokenRequests with the exact ``mac``, TokenDetails as Ably JWTs.

Times are milliseconds since the epoch and ``ttl`` is milliseconds, as in Ably's protocol.
Results are dicts with Ably's JSON field names (``keyName``, ``clientId``, …), so they can be
sent as they are. ``capability`` may be JSON text or a dict of resource → operations.
"""

from ._native import (
    TokenRequestVerifier,
    ably_create_token_request as create_token_request,
    ably_issue_token as issue_token,
    ably_verify_token as verify_token,
    ably_verify_token_request as verify_token_request,
)

__all__ = ["create_token_request", "verify_token_request", "issue_token", "verify_token", "TokenRequestVerifier"]
