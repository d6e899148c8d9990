"""Opaque per-user auth tokens: ``tks_`` + 32 CSPRNG bytes + a checksum.

``check`` refuses a mistyped or truncated token without any lookup; store only the
``fingerprint`` (SHA-256 hex); show ``redact``-ed forms in logs and UIs.
"""

from ._native import (
    auth_token_check as check,
    auth_token_fingerprint as fingerprint,
    auth_token_generate as generate,
    auth_token_redact as redact,
)

__all__ = ["generate", "check", "fingerprint", "redact"]
