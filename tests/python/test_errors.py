"""The cross-language error contract (tests/vectors/errors.json) and the error classes.

Each case names a Node call (``agora.buildChatUserToken``) with camelCase input; it is run through
the Python API by converting names to snake_case and passing every argument by keyword, so the
case also checks that the Python parameters are named as the contract says.
"""

from __future__ import annotations

import json
import pickle
import re
import traceback
from pathlib import Path
from typing import Any, Callable

import pytest

import tokensmith
from tokensmith import ably, agora, auth_token, errors

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
CASES: list[dict[str, Any]] = json.loads((VECTORS / "errors.json").read_text(encoding="utf-8"))["cases"]

APP_ID = "970CA35de60c44645bbae8a215061b33"
CERT = "5CFd2fd1755d40ecb72977518be15d3b"
KEY_NAME, KEY_SECRET = "appAlpha.keyOne", "alphaSecretValue01"


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def resolve(call: str) -> Callable[..., Any]:
    """`agora.buildChatUserToken` → `tokensmith.agora.build_chat_user_token`."""
    obj: Any = tokensmith
    for part in call.split("."):
        obj = getattr(obj, snake(part))
    assert callable(obj), call
    return obj


def python_kwargs(call: str, given: dict[str, Any]) -> dict[str, Any]:
    """camelCase input → the Python keyword arguments. Ably's `key` and `params` objects are
    flattened; a TokenRequest stays as it is (it is the wire object, with Ably's field names)."""
    out: dict[str, Any] = {}
    for k, v in given.items():
        if k in ("key", "params"):
            out.update({snake(kk): vv for kk, vv in v.items()})
        else:
            out[snake(k)] = v
    if call == "ably.verifyTokenRequest":
        out.setdefault("key_name", given["request"]["keyName"])
    return out


def run(case: dict[str, Any]) -> tokensmith.TokensmithError:
    fn = resolve(case["call"])
    kwargs = python_kwargs(case["call"], case["input"])
    with pytest.raises(tokensmith.TokensmithError) as info:
        fn(**kwargs)
    return info.value


def secrets_of(case: dict[str, Any]) -> set[str]:
    """Certificates, key secrets and raw tokens in the input (long enough to test for)."""
    found: set[str] = set()

    def walk(v: Any, key: str | None = None) -> None:
        if isinstance(v, dict):
            for k, vv in v.items():
                walk(vv, k)
        elif isinstance(v, str) and key in ("appCertificate", "keySecret", "token") and len(v) >= 6:
            found.add(v)

    walk(case["input"])
    return found


def rendered(e: BaseException) -> list[str]:
    """Everything a log line or crash report could show about the exception."""
    return [
        str(e),
        repr(e),
        repr(e.args),
        repr(vars(e)),
        "".join(traceback.format_exception(type(e), e, e.__traceback__)),
    ]


by_name = pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])


def test_the_contract_covers_every_call_kind() -> None:
    calls = {c["call"] for c in CASES}
    assert calls == {
        "agora.buildChatUserToken",
        "agora.buildChatAppToken",
        "agora.parse",
        "agora.verify",
        "ably.createTokenRequest",
        "ably.verifyTokenRequest",
        "ably.verifyToken",
        "authToken.check",
        "explain",
    }
    assert len({c["name"] for c in CASES}) == len(CASES)
    assert {c["expected_error_code"] for c in CASES} <= set(tokensmith.ERROR_CODES)


@by_name
def test_contract_case(case: dict[str, Any]) -> None:
    e = run(case)
    code = case["expected_error_code"]
    assert e.code == code, str(e)
    assert type(e) is errors.BY_CODE[code]
    assert isinstance(e, getattr(tokensmith, type(e).__name__))
    assert isinstance(e, ValueError) == (code == "INVALID_ARGUMENT")
    if "field" in case:
        assert e.field == case["field"]
    if "vendor_code" in case:
        assert e.vendor_code == case["vendor_code"]
    assert e.field is None or isinstance(e.field, str)
    assert e.vendor_code is None or type(e.vendor_code) is int
    assert e.args == (str(e),) and str(e)


@by_name
def test_contract_errors_do_not_leak_secrets(case: dict[str, Any]) -> None:
    e = run(case)
    secrets = secrets_of(case) | {CERT, KEY_SECRET}
    for text in rendered(e):
        for secret in secrets:
            assert secret not in text


@by_name
def test_contract_errors_survive_pickling(case: dict[str, Any]) -> None:
    e = run(case)
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is type(e)
    assert (copy.code, copy.vendor_code, copy.field, str(copy), copy.args) == (
        e.code,
        e.vendor_code,
        e.field,
        str(e),
        e.args,
    )


EXPLAINABLE = [c for c in CASES if "token" in c["input"] or "request" in c["input"]]


@pytest.mark.parametrize("case", EXPLAINABLE, ids=[c["name"] for c in EXPLAINABLE])
def test_explain_of_contract_inputs_does_not_leak_secrets(case: dict[str, Any]) -> None:
    i = case["input"]
    token = i["token"] if "token" in i else json.dumps(i["request"])
    secret = i.get("appCertificate") or i.get("keySecret") or i.get("key", {}).get("keySecret")
    secrets = secrets_of(case) | {token}
    if secret:
        secrets.add(secret)
    secrets = {s for s in secrets if len(s) >= 6}
    for args in ((token,), (token, secret) if secret else (token, "another-secret")):
        try:
            out: Any = tokensmith.explain(*args)
        except tokensmith.TokensmithError as e:
            texts = rendered(e)
        else:
            texts = [json.dumps(out, ensure_ascii=False), repr(out)]
        for text in texts:
            for s in secrets:
                assert s not in text


# --------------------------------------------------------------------------------------------
# The classes


def test_error_codes_match_the_classes() -> None:
    codes = tokensmith.ERROR_CODES
    assert isinstance(codes, tuple)
    contract = json.loads((VECTORS / "errors.json").read_text(encoding="utf-8"))["codes"]
    assert len(set(codes)) == len(codes) == len(contract)
    assert sorted(codes) == sorted(errors.BY_CODE) == sorted(contract)
    for code in codes:
        cls = errors.BY_CODE[code]
        assert cls.code == code
        assert cls.__name__ == contract[code]
        assert issubclass(cls, tokensmith.TokensmithError) and cls is not tokensmith.TokensmithError
        assert getattr(tokensmith, cls.__name__) is cls
        assert cls.__name__ in tokensmith.__all__
    assert tokensmith.TokensmithError is errors.TokensmithError
    assert tokensmith.TokensmithError.__module__ == "tokensmith.errors"


SERVER_RESPONSES: list[dict[str, Any]] = json.loads((VECTORS / "errors.json").read_text(encoding="utf-8"))[
    "server_responses"
]


def test_server_responses_name_known_codes() -> None:
    assert len(SERVER_RESPONSES) >= 20
    assert {c["expected_error_code"] for c in SERVER_RESPONSES} <= set(tokensmith.ERROR_CODES)


def test_server_fields_are_kept_and_survive_pickling() -> None:
    message = "Too many requests. (HTTP 429 ERR_TOO_MANY_REQUESTS)"
    e = errors._from_native("RATE_LIMITED", message, None, None, 429, "ERR_TOO_MANY_REQUESTS", 2000)
    assert type(e) is tokensmith.RateLimitedError
    assert (e.code, e.status, e.server_code, e.retry_after_ms) == ("RATE_LIMITED", 429, "ERR_TOO_MANY_REQUESTS", 2000)
    copy = pickle.loads(pickle.dumps(e))
    assert (type(copy), copy.status, copy.server_code, copy.retry_after_ms, str(copy)) == (
        type(e), 429, "ERR_TOO_MANY_REQUESTS", 2000, str(e)
    )
    # The four-argument form (a native module built before these fields) still works.
    old = errors._from_native("USER_NOT_FOUND", "the uid `a` does not exist", None, None)
    assert (old.status, old.server_code, old.retry_after_ms) == (None, None, None)
    assert issubclass(tokensmith.NetworkError, ConnectionError)
    assert issubclass(tokensmith.RequestTimeoutError, TimeoutError)


def test_invalid_argument_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        agora.build_chat_app_token("abc", CERT, 600)
    assert issubclass(tokensmith.InvalidArgumentError, ValueError)
    assert not issubclass(tokensmith.MalformedTokenError, ValueError)


def test_a_class_can_be_raised_and_caught_by_code() -> None:
    for code, cls in errors.BY_CODE.items():
        with pytest.raises(tokensmith.TokensmithError) as info:
            raise cls("message")
        assert (info.value.code, info.value.vendor_code, info.value.field) == (code, None, None)


# --------------------------------------------------------------------------------------------
# Wrong values and wrong types


OUT_OF_RANGE: dict[str, tuple[Callable[..., Any], str, int]] = {
    "user_expire_negative": (lambda **kw: agora.build_chat_user_token(APP_ID, CERT, "u1", **kw), "expire", -1),
    "app_expire_negative": (lambda **kw: agora.build_chat_app_token(APP_ID, CERT, **kw), "expire", -1),
    "expire_over_u32": (lambda **kw: agora.build_chat_user_token(APP_ID, CERT, "u1", **kw), "expire", 2**32),
    "expire_over_u64": (lambda **kw: agora.build_chat_user_token(APP_ID, CERT, "u1", **kw), "expire", 2**64),
    "salt_negative": (lambda **kw: agora.build_chat_user_token(APP_ID, CERT, "u1", 600, **kw), "salt", -1),
    "salt_over_u32": (lambda **kw: agora.build_chat_user_token(APP_ID, CERT, "u1", 600, **kw), "salt", 2**32),
    "issue_ts_negative": (lambda **kw: agora.build_chat_user_token(APP_ID, CERT, "u1", 600, **kw), "issue_ts", -1),
    "issue_ts_below_i64": (lambda **kw: agora.build_chat_app_token(APP_ID, CERT, 600, **kw), "issue_ts", -(2**70)),
    "verify_now_negative": (lambda **kw: agora.verify("007x", CERT, **kw), "now", -1),
    "ttl_negative": (lambda **kw: ably.create_token_request(KEY_NAME, KEY_SECRET, **kw), "ttl", -1),
    "ttl_over_u64": (lambda **kw: ably.create_token_request(KEY_NAME, KEY_SECRET, **kw), "ttl", 2**100),
    "timestamp_negative": (lambda **kw: ably.create_token_request(KEY_NAME, KEY_SECRET, **kw), "timestamp", -1),
    "max_ttl_negative": (lambda **kw: ably.issue_token(KEY_NAME, KEY_SECRET, **kw), "max_ttl", -1),
    "leeway_negative": (lambda **kw: ably.verify_token("a.b.c", KEY_NAME, KEY_SECRET, **kw), "leeway", -5),
    "window_ms_over_u64": (
        lambda **kw: ably.verify_token_request(
            ably.create_token_request(KEY_NAME, KEY_SECRET, timestamp=1_700_000_000_000), KEY_NAME, KEY_SECRET, **kw
        ),
        "window_ms",
        2**64,
    ),
}


@pytest.mark.parametrize(("build", "field", "value"), list(OUT_OF_RANGE.values()), ids=list(OUT_OF_RANGE))
def test_out_of_range_numbers_are_invalid_arguments(build: Callable[..., Any], field: str, value: int) -> None:
    # Negative or too large for the field (even beyond 64 bits): INVALID_ARGUMENT naming the
    # argument, as in Node, never an OverflowError.
    with pytest.raises(tokensmith.InvalidArgumentError) as info:
        build(**{field: value})
    assert info.value.field == field


@pytest.mark.parametrize("value", [1.5, 600.0, "600", None, [600]], ids=repr)
def test_non_integer_expire_is_a_type_error(value: Any) -> None:
    # pyo3's own TypeError: the argument is not an int at all.
    for call in (
        lambda: agora.build_chat_user_token(APP_ID, CERT, "u1", value),
        lambda: agora.build_chat_app_token(APP_ID, CERT, value),
    ):
        with pytest.raises(TypeError) as info:
            call()
        assert not isinstance(info.value, tokensmith.TokensmithError)


@pytest.mark.parametrize("kw", ["ttl", "timestamp"])
@pytest.mark.parametrize("value", [1.5, "60000"], ids=repr)
def test_non_integer_ably_numbers_are_type_errors(kw: str, value: Any) -> None:
    with pytest.raises(TypeError):
        ably.create_token_request(KEY_NAME, KEY_SECRET, **{kw: value})


@pytest.mark.parametrize(
    "capability",
    [{"publish"}, {"a": {"publish"}}, {1: ["publish"]}, {"a": [b"publish"]}, object()],
    ids=["set", "set_of_ops", "int_key", "bytes_op", "object"],
)
def test_capability_of_a_non_json_type_is_a_type_error(capability: Any) -> None:
    for call in (
        lambda: ably.create_token_request(KEY_NAME, KEY_SECRET, capability=capability),
        lambda: ably.issue_token(KEY_NAME, KEY_SECRET, capability=capability),
        lambda: ably.issue_token(KEY_NAME, KEY_SECRET, key_capability=capability),
    ):
        with pytest.raises(TypeError):
            call()


@pytest.mark.parametrize(
    "capability",
    [True, 123, ["a"], {"a": "publish"}, {"a": [1]}, {"": ["publish"]}, "[]"],
    ids=["bool", "int", "list", "ops_not_list", "op_not_str", "empty_resource", "text_list"],
)
def test_capability_of_the_wrong_json_shape_is_an_invalid_argument(capability: Any) -> None:
    with pytest.raises(tokensmith.InvalidArgumentError) as info:
        ably.create_token_request(KEY_NAME, KEY_SECRET, capability=capability)
    assert info.value.field == "capability"


@pytest.mark.parametrize("request_", ["{}", ["keyName"], None, 42], ids=repr)
def test_a_token_request_that_is_not_a_mapping_is_a_type_error(request_: Any) -> None:
    with pytest.raises(TypeError):
        ably.verify_token_request(request_, KEY_NAME, KEY_SECRET)
    with pytest.raises(TypeError):
        ably.TokenRequestVerifier().verify(request_, KEY_NAME, KEY_SECRET)


@pytest.mark.parametrize(
    "request_",
    [{}, {"keyName": KEY_NAME}, {"keyName": KEY_NAME, "timestamp": "soon", "nonce": "0000000000000001"}],
    ids=["empty", "key_name_only", "timestamp_text"],
)
def test_a_token_request_missing_fields_is_malformed(request_: dict[str, Any]) -> None:
    with pytest.raises(tokensmith.MalformedTokenError) as info:
        ably.verify_token_request(request_, KEY_NAME, KEY_SECRET)
    assert info.value.field == "token_request"


@pytest.mark.parametrize("value", [2**64, 2**70, -(2**70), 10**400], ids=["2**64", "2**70", "-2**70", "10**400"])
def test_huge_ints_in_a_received_token_request_are_malformed(value: int) -> None:
    # A TokenRequest comes from a client (json.loads accepts any int): refused with a
    # TokensmithError, never an OverflowError.
    req = ably.create_token_request(KEY_NAME, KEY_SECRET, ttl=60_000)
    for field in ("timestamp", "ttl"):
        with pytest.raises(tokensmith.MalformedTokenError) as info:
            ably.verify_token_request({**req, field: value}, KEY_NAME, KEY_SECRET)
        assert info.value.field == "token_request"
    with pytest.raises(tokensmith.InvalidArgumentError):
        ably.create_token_request(KEY_NAME, KEY_SECRET, capability={"a": [value]})


def test_non_string_tokens_are_type_errors() -> None:
    for bad in (None, b"007abc", 7):
        for call in (
            lambda: agora.parse(bad),
            lambda: agora.verify(bad, CERT),
            lambda: auth_token.check(bad),
            lambda: tokensmith.explain(bad),
            lambda: ably.verify_token(bad, KEY_NAME, KEY_SECRET),
        ):
            with pytest.raises(TypeError):
                call()


def test_errors_from_wrong_types_do_not_leak_secrets() -> None:
    token = auth_token.generate()
    for call in (
        lambda: agora.build_chat_user_token(APP_ID, CERT, "u1", "600"),
        lambda: agora.build_chat_user_token(APP_ID, CERT.encode(), "u1", 600),
        lambda: ably.create_token_request(KEY_NAME, KEY_SECRET, capability={"x"}),
        lambda: ably.create_token_request(KEY_NAME, KEY_SECRET, ttl=2**80),
        lambda: ably.create_token_request(KEY_NAME, KEY_SECRET.encode()),
        lambda: auth_token.check(token.encode()),
        lambda: tokensmith.explain(token, secret=KEY_SECRET.encode()),
    ):
        with pytest.raises((TypeError, ValueError)) as info:
            call()
        for text in rendered(info.value):
            for secret in (CERT, KEY_SECRET, token, token[4:-6]):
                assert secret not in text
