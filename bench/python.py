#!/usr/bin/env python3
"""tokensmith (Python extension) vs its peers: agoraiotools, ably-python, PyJWT.

    bench/.venv/bin/python bench/python.py               # needs `pip install ./python` in the venv
    bench/.venv/bin/python bench/python.py --peers-only  # peers only (before the extension exists)

Single thread (bench/run.sh pins it with `taskset -c 0`). timeit-style: the garbage collector
is off while timing, each function is warmed up and an iteration count calibrated so one run
takes ~BENCH_MS (default 200 ms); then BENCH_RUNS rounds (default 9) time tokensmith and its
peer alternately, and the median ops/s of each is reported (alternating keeps both under the
same machine conditions). ably-python's create_token_request is a coroutine: it is awaited one
call at a time inside a single event loop, so the loop is started once, not per call.
Prints a Markdown table on stdout; progress and checks go to stderr.
"""

import asyncio
import base64
import gc
import hashlib
import hmac
import json
import os
import platform
import sys
import time

RUNS = int(os.environ.get("BENCH_RUNS") or 9)
RUN_MS = float(os.environ.get("BENCH_MS") or 200)
PEERS_ONLY = "--peers-only" in sys.argv

# The same inputs as crates/tokensmith/benches/core.rs and bench/node.js.
APP_ID = "970CA35de60c44645bbae8a215061b33"
APP_CERT = "5CFd2fd1755d40ecb72977518be15d3b"
USER_ID = "user-2882341273"
EXPIRE = 86400
KEY_NAME = "xVLyHw.A-pwh7wCiHEATEl"
KEY_SECRET = "uqPm4yHQiMQGWc8bi4kRnqWv6Gc1trP5s3YvJ8mTqKR"
CAPABILITY = '{"chat:*":["presence","publish","subscribe"],"notifications":["subscribe"]}'
CLIENT_ID = "user-2882341273"
TTL_MS = 3_600_000


def log(*a):
    print(*a, file=sys.stderr)


def check(cond, what):
    if not cond:
        log(f"check failed: {what}")
        sys.exit(1)


def load_tokensmith():
    if PEERS_ONLY:
        log('--peers-only: tokensmith not imported; its columns read "pending".')
        return None
    try:
        import tokensmith

        return tokensmith
    except ImportError as e:
        log(f"bench/python.py: cannot import tokensmith ({e}).")
        log("Install it into the bench venv first: bench/.venv/bin/pip install ./python, or pass --peers-only.")
        sys.exit(3)


class Timed:
    """One function to time: sync, or a coroutine factory awaited one call at a time."""

    def __init__(self, fn, is_async=False):
        self.fn, self.is_async, self.n, self.rates = fn, is_async, 16, []

    async def time_n(self, n):
        fn, rng = self.fn, range(n)
        gc_was = gc.isenabled()
        gc.disable()
        try:
            if self.is_async:
                t = time.perf_counter()
                for _ in rng:
                    await fn()
                return time.perf_counter() - t
            t = time.perf_counter()
            for _ in rng:
                fn()
            return time.perf_counter() - t
        finally:
            if gc_was:
                gc.enable()

    async def calibrate(self):
        """Warm up and pick n so that one run takes ~RUN_MS."""
        secs = await self.time_n(self.n)
        while secs < RUN_MS / 4000:
            self.n *= 2
            secs = await self.time_n(self.n)
        self.n = max(1, round(self.n * RUN_MS / 1000 / secs))

    def median(self):
        r = sorted(self.rates)
        return r[len(r) // 2]


async def measure_group(timed):
    """Calibrates each, then RUNS rounds timing each once per round, in rotating order, so that
    tokensmith and its peers share the same machine conditions (this VM's speed drifts)."""
    for t in timed:
        await t.calibrate()
    for r in range(RUNS):
        for i in range(len(timed)):
            t = timed[(r + i) % len(timed)]
            t.rates.append(t.n / await t.time_n(t.n))
    return [t.median() for t in timed]


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def hs256_ok(token, secret):
    head, claims, sig = token.split(".")
    want = base64.urlsafe_b64encode(
        hmac.new(secret.encode(), f"{head}.{claims}".encode(), hashlib.sha256).digest()
    ).rstrip(b"=").decode()
    return hmac.compare_digest(want, sig)


def main():
    ts = load_tokensmith()
    from agoraiotools.ChatTokenBuilder2 import ChatTokenBuilder
    from ably import AblyRest
    import jwt  # PyJWT

    ably_params = {"ttl": TTL_MS, "capability": CAPABILITY, "client_id": CLIENT_ID}

    def claims():
        iat = int(time.time())
        return {"iat": iat, "exp": iat + TTL_MS // 1000, "x-ably-capability": CAPABILITY, "x-ably-clientId": CLIENT_ID}

    peer_user = lambda: ChatTokenBuilder.build_user_token(APP_ID, APP_CERT, USER_ID, EXPIRE)
    peer_app = lambda: ChatTokenBuilder.build_app_token(APP_ID, APP_CERT, EXPIRE)
    peer_sign = lambda: jwt.encode(claims(), KEY_SECRET, algorithm="HS256", headers={"kid": KEY_NAME})

    if ts:
        ours_user = lambda: ts.agora.build_chat_user_token(APP_ID, APP_CERT, USER_ID, EXPIRE)
        ours_app = lambda: ts.agora.build_chat_app_token(APP_ID, APP_CERT, EXPIRE)
        ours_request = lambda: ts.ably.create_token_request(
            KEY_NAME, KEY_SECRET, ttl=TTL_MS, capability=CAPABILITY, client_id=CLIENT_ID
        )
        ours_issue = lambda: ts.ably.issue_token(
            KEY_NAME, KEY_SECRET, ttl=TTL_MS, client_id=CLIENT_ID, capability=CAPABILITY
        )
        ref_token = ours_issue()["token"]
        ours_verify = lambda: ts.ably.verify_token(ref_token, KEY_NAME, KEY_SECRET)
    else:
        ours_user = ours_app = ours_request = ours_issue = ours_verify = None
        ref_token = peer_sign()
    peer_verify = lambda: jwt.decode(ref_token, KEY_SECRET, algorithms=["HS256"])

    # Checks: every peer does the real work and agrees with tokensmith.
    user = peer_user()
    check(user.startswith("007") and peer_app().startswith("007"), "agoraiotools builds 007 tokens")

    async def one_request():
        rest = AblyRest(key=f"{KEY_NAME}:{KEY_SECRET}")
        try:
            return await rest.auth.create_token_request(ably_params)
        finally:
            await rest.close()

    tr = asyncio.run(one_request()).to_dict()
    text = "".join(
        f"{v}\n" for v in (tr["keyName"], tr["ttl"], tr["capability"], tr["clientId"], tr["timestamp"], tr["nonce"])
    )
    mac = base64.b64encode(hmac.new(KEY_SECRET.encode(), text.encode(), hashlib.sha256).digest()).decode()
    check(mac == tr["mac"], "ably-python mac is HMAC-SHA256 of the signed text")
    t = peer_sign()
    check(b64url_json(t.split(".")[0]).get("kid") == KEY_NAME and hs256_ok(t, KEY_SECRET), "PyJWT header and signature")
    check(peer_verify()["x-ably-clientId"] == CLIENT_ID, "PyJWT verifies the reference token")
    if ts:
        check(ts.agora.verify(ours_user(), APP_CERT)["appId"] == APP_ID, "tokensmith chat token verifies")
        check(ts.agora.verify(user, APP_CERT)["appId"] == APP_ID, "tokensmith verifies agoraiotools tokens")
        mine = ours_request()
        text = "".join(
            f"{v}\n"
            for v in (mine["keyName"], mine["ttl"], mine["capability"], mine["clientId"], mine["timestamp"], mine["nonce"])
        )
        mac = base64.b64encode(hmac.new(KEY_SECRET.encode(), text.encode(), hashlib.sha256).digest()).decode()
        check(mac == mine["mac"], "tokensmith mac")
        check(hs256_ok(ours_issue()["token"], KEY_SECRET), "tokensmith JWT signature")
        check(ours_verify()["x-ably-clientId"] == CLIENT_ID, "tokensmith verifies its JWT")
    log(f"checks passed; measuring ({RUNS} runs x ~{RUN_MS:.0f} ms per operation)")

    rows = []

    async def measure_all():
        # One event loop for everything; ably-python's client is made once and reused, as a
        # server would.
        rest = AblyRest(key=f"{KEY_NAME}:{KEY_SECRET}")
        create = rest.auth.create_token_request
        groups = [
            ("agora chat user token", ours_user, "agoraiotools", Timed(peer_user), 8),
            ("agora chat app token", ours_app, "agoraiotools", Timed(peer_app), 8),
            ("ably create_token_request", ours_request, "ably (ably-python)", Timed(lambda: create(ably_params), True), 10),
            ("ably JWT issue (HS256 sign)", ours_issue, "PyJWT", Timed(peer_sign), 10),
            ("ably JWT verify (HS256)", ours_verify, "PyJWT", Timed(peer_verify), 10),
        ]
        try:
            for op, ours_fn, peer, peer_timed, target in groups:
                log(f"  {op}")
                timed = ([Timed(ours_fn)] if ours_fn else []) + [peer_timed]
                rates = await measure_group(timed)
                mine, theirs = (rates[0], rates[1]) if ours_fn else (None, rates[0])
                ratio = None if mine is None else mine / theirs
                result = "pending" if ratio is None else ("PASS" if ratio >= target else "MISS")
                rows.append((op, mine, peer, theirs, ratio, f"≥ {target}×", result))
        finally:
            await rest.close()

    asyncio.run(measure_all())

    fmt = lambda v: "pending" if v is None else f"{round(v):,}"
    print(
        f"Python {platform.python_version()}, single thread, GC off while timing: median ops/s of {RUNS} runs "
        f"(~{RUN_MS:.0f} ms each); ratio = tokensmith ÷ peer.\n"
    )
    print("| operation | tokensmith ops/s | peer | peer ops/s | ratio | target | result |")
    print("|---|--:|---|--:|--:|---|---|")
    for op, mine, peer, theirs, ratio, target, result in rows:
        r = "pending" if ratio is None else f"{ratio:.1f}×"
        print(f"| {op} | {fmt(mine)} | {peer} | {fmt(theirs)} | {r} | {target} | {result} |")
    misses = sum(1 for row in rows if row[-1] == "MISS")
    summary = "pending (tokensmith not built)" if ts is None else (f"{misses} MISS" if misses else "all PASS")
    print(f"\nPython targets: {summary}")


if __name__ == "__main__":
    main()
