#!/usr/bin/env node
// tokensmith (Node addon) vs its peers: agora-token, ably-js, and four JWT libraries.
//
//   node bench/node.js               # needs the release addon: `npm run build --workspace tokensmith`
//   node bench/node.js --peers-only  # peers only (before the addon exists); exits 0
//
// Single thread (bench/run.sh pins it with `taskset -c 0`). Each function is warmed up and an
// iteration count calibrated so one run takes ~BENCH_MS (default 200 ms); then BENCH_RUNS
// rounds (default 9) time tokensmith and its peers alternately, and the median ops/s of each
// is reported. Async peers (ably-js, jose) are awaited one call at a time.
// Prints a Markdown table on stdout; progress and checks go to stderr.
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');

const RUNS = Number(process.env.BENCH_RUNS) || 9;
const RUN_MS = Number(process.env.BENCH_MS) || 200;
const PEERS_ONLY = process.argv.includes('--peers-only');

// The same inputs as crates/tokensmith/benches/core.rs and bench/python.py.
const APP_ID = '970CA35de60c44645bbae8a215061b33';
const APP_CERT = '5CFd2fd1755d40ecb72977518be15d3b';
const USER_ID = 'user-2882341273';
const EXPIRE = 86400;
const KEY_NAME = 'xVLyHw.A-pwh7wCiHEATEl';
const KEY_SECRET = 'uqPm4yHQiMQGWc8bi4kRnqWv6Gc1trP5s3YvJ8mTqKR';
const CAPABILITY = '{"chat:*":["presence","publish","subscribe"],"notifications":["subscribe"]}';
const CLIENT_ID = 'user-2882341273';
const TTL_MS = 3600000;

const log = (...a) => console.error(...a);

function loadTokensmith() {
  if (PEERS_ONLY) {
    log('--peers-only: tokensmith not loaded; its columns read "pending".');
    return null;
  }
  // BENCH_TOKENSMITH overrides where the package is loaded from (another build, a stub).
  const where = process.env.BENCH_TOKENSMITH || path.join(__dirname, '..', 'npm', 'tokensmith');
  try {
    const mod = require(where);
    addon = addonStamp(where);
    if (addon && addon.debug && !process.env.BENCH_ALLOW_DEBUG) {
      log(`bench/node.js: ${addon.file} is ${(addon.size / 1e6).toFixed(0)} MB, a debug build (release is ~15 MB).`);
      log('Rebuild it with `npm run build --workspace tokensmith` (or set BENCH_ALLOW_DEBUG=1).');
      process.exit(4);
    }
    return mod;
  } catch (e) {
    log(`bench/node.js: cannot load tokensmith from ${where} (${e.message.split('\n')[0]}).`);
    log('Build it first: `npm run build --workspace tokensmith` at the repo root, or pass --peers-only.');
    process.exit(3);
  }
}

// The native addon file in use, so a rebuild during the run (npm/tokensmith is shared with the
// debug builds of the test suite) is detected rather than silently mixed into the numbers.
let addon = null;
// A release addon (LTO, with the HTTP service and TLS client) is ~15 MB; the test suite's debug build is ~170 MB.
const DEBUG_ADDON_BYTES = 60e6;
function addonStamp(dir) {
  const fs = require('node:fs');
  try {
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.node'));
    if (!file) return null;
    const st = fs.statSync(path.join(dir, file));
    return { file, size: st.size, mtimeMs: st.mtimeMs, dir, debug: st.size > DEBUG_ADDON_BYTES };
  } catch {
    return null;
  }
}

/** A function to time, sync or async (awaited one call at a time). */
async function timed(fn) {
  const isAsync = fn() instanceof Promise;
  const loop = isAsync
    ? async (n) => {
        let sink;
        for (let i = 0; i < n; i++) sink = await fn();
        return sink;
      }
    : (n) => {
        let sink;
        for (let i = 0; i < n; i++) sink = fn();
        return sink;
      };
  const t = {
    n: 16,
    rates: [],
    async time(n) {
      const start = process.hrtime.bigint();
      await loop(n);
      return Number(process.hrtime.bigint() - start) / 1e6; // ms
    },
  };
  // Warm-up (JIT tiers) and calibration: double until a batch takes a quarter of a run.
  let ms = await t.time(t.n);
  while (ms < RUN_MS / 4) {
    t.n *= 2;
    ms = await t.time(t.n);
  }
  t.n = Math.max(1, Math.round((t.n * RUN_MS) / ms));
  return t;
}

/**
 * Median ops/s of each function over RUNS rounds; each round times every function once, in
 * rotating order, so tokensmith and its peers share the same machine conditions.
 */
async function measureGroup(fns) {
  const ts = [];
  for (const fn of fns) ts.push(await timed(fn));
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < ts.length; i++) {
      const t = ts[(r + i) % ts.length];
      t.rates.push((t.n * 1000) / (await t.time(t.n)));
    }
  }
  return ts.map((t) => {
    const sorted = [...t.rates].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  });
}

function assert(cond, what) {
  if (!cond) {
    log(`check failed: ${what}`);
    process.exit(1);
  }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
function hs256Check(token, secret) {
  const [h, c, s] = token.split('.');
  return crypto.createHmac('sha256', secret).update(`${h}.${c}`).digest('base64url') === s;
}

async function main() {
  const ts = loadTokensmith();
  const { ChatTokenBuilder } = require('agora-token');
  const Ably = require('ably');
  const jsonwebtoken = require('jsonwebtoken');
  const { createSigner, createVerifier } = require('fast-jwt');
  const jose = await import('jose');
  const nodeRs = require('@node-rs/jsonwebtoken');

  const ablyKey = { keyName: KEY_NAME, keySecret: KEY_SECRET };
  const ablyParams = { ttl: TTL_MS, capability: CAPABILITY, clientId: CLIENT_ID };
  const rest = new Ably.Rest({ key: `${KEY_NAME}:${KEY_SECRET}`, logLevel: 0 });
  const keyObject = crypto.createSecretKey(Buffer.from(KEY_SECRET, 'utf8'));
  // jose is fastest with a pre-imported WebCrypto key (about 2x a Uint8Array or KeyObject).
  const joseKey = await crypto.webcrypto.subtle.importKey(
    'raw',
    Buffer.from(KEY_SECRET, 'utf8'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );

  // The claims and header of an Ably JWT, fresh per call as an issuer computes them.
  const header = { alg: 'HS256', typ: 'JWT', kid: KEY_NAME };
  const claims = () => {
    const iat = Math.floor(Date.now() / 1000);
    return { iat, exp: iat + TTL_MS / 1000, 'x-ably-capability': CAPABILITY, 'x-ably-clientId': CLIENT_ID };
  };
  const fjSign = createSigner({ key: KEY_SECRET, algorithm: 'HS256', kid: KEY_NAME, noTimestamp: true });
  const fjVerify = createVerifier({ key: KEY_SECRET, algorithms: ['HS256'], cache: false });

  const peers = {
    chatUser: () => ChatTokenBuilder.buildUserToken(APP_ID, APP_CERT, USER_ID, EXPIRE),
    chatApp: () => ChatTokenBuilder.buildAppToken(APP_ID, APP_CERT, EXPIRE),
    tokenRequest: () => rest.auth.createTokenRequest(ablyParams),
    sign: {
      jsonwebtoken: () => jsonwebtoken.sign(claims(), keyObject, { algorithm: 'HS256', keyid: KEY_NAME }),
      'fast-jwt': () => fjSign(claims()),
      jose: () => new jose.SignJWT(claims()).setProtectedHeader(header).sign(joseKey),
      '@node-rs/jsonwebtoken': () => nodeRs.signSync(claims(), KEY_SECRET, { algorithm: 'HS256', keyId: KEY_NAME }),
    },
  };

  // One reference token every verifier checks: the same claims, kid header, HS256.
  const refToken = ts
    ? ts.ably.issueToken(ablyKey, { ttl: TTL_MS, clientId: CLIENT_ID, capability: CAPABILITY }).token
    : await peers.sign.jose();
  peers.verify = {
    jsonwebtoken: () => jsonwebtoken.verify(refToken, keyObject, { algorithms: ['HS256'] }),
    'fast-jwt': () => fjVerify(refToken),
    jose: () => jose.jwtVerify(refToken, joseKey, { algorithms: ['HS256'] }),
    '@node-rs/jsonwebtoken': () => nodeRs.verifySync(refToken, KEY_SECRET, { algorithms: ['HS256'] }),
  };

  const ours = ts && {
    chatUser: () =>
      ts.agora.buildChatUserToken({ appId: APP_ID, appCertificate: APP_CERT, userId: USER_ID, expire: EXPIRE }),
    chatApp: () => ts.agora.buildChatAppToken({ appId: APP_ID, appCertificate: APP_CERT, expire: EXPIRE }),
    tokenRequest: () => ts.ably.createTokenRequest(ablyKey, ablyParams),
    sign: () => ts.ably.issueToken(ablyKey, { ttl: TTL_MS, clientId: CLIENT_ID, capability: CAPABILITY }),
    verify: () => ts.ably.verifyToken(refToken, ablyKey),
  };

  // Checks: every peer does the real work and agrees with the others (and with tokensmith).
  const user = peers.chatUser();
  assert(user.startsWith('007') && peers.chatApp().startsWith('007'), 'agora-token builds 007 tokens');
  const tr = await peers.tokenRequest();
  const signedText = [tr.keyName, tr.ttl, tr.capability, tr.clientId, tr.timestamp, tr.nonce].join('\n') + '\n';
  assert(
    crypto.createHmac('sha256', KEY_SECRET).update(signedText).digest('base64') === tr.mac,
    'ably-js mac is HMAC-SHA256 of the signed text',
  );
  assert(tr.capability === CAPABILITY, 'ably-js signs the same capability text');
  for (const [name, sign] of Object.entries(peers.sign)) {
    const t = await sign();
    const [h, c] = t.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert(h.alg === 'HS256' && h.kid === KEY_NAME, `${name} header has alg HS256 and kid`);
    assert(c['x-ably-capability'] === CAPABILITY && c['x-ably-clientId'] === CLIENT_ID, `${name} claims`);
    assert(hs256Check(t, KEY_SECRET), `${name} signature`);
  }
  for (const [name, verify] of Object.entries(peers.verify)) {
    const out = await verify();
    const c = out.payload || out; // jose returns {payload, protectedHeader}
    assert(c['x-ably-clientId'] === CLIENT_ID, `${name} verifies the reference token`);
  }
  if (ours) {
    const parsed = ts.agora.verify(ours.chatUser(), APP_CERT);
    assert(parsed.appId === APP_ID, 'tokensmith chat token verifies');
    assert(ts.agora.verify(user, APP_CERT).appId === APP_ID, 'tokensmith verifies agora-token tokens');
    const mine = ours.tokenRequest();
    assert(mine.capability === CAPABILITY && mine.clientId === CLIENT_ID, 'tokensmith TokenRequest fields');
    const text = [mine.keyName, mine.ttl, mine.capability, mine.clientId, mine.timestamp, mine.nonce].join('\n') + '\n';
    assert(crypto.createHmac('sha256', KEY_SECRET).update(text).digest('base64') === mine.mac, 'tokensmith mac');
    assert(hs256Check(ours.sign().token, KEY_SECRET), 'tokensmith JWT signature');
    assert(ours.verify()['x-ably-clientId'] === CLIENT_ID, 'tokensmith verifies its JWT');
    for (const verify of Object.values(peers.verify)) await verify(); // peers accept our token
  }
  log(`checks passed; measuring (${RUNS} runs × ~${RUN_MS} ms per operation)`);

  const rows = [];
  const group = async (op, oursFn, peerFns, target) => {
    log(`  ${op}`);
    const names = Object.keys(peerFns);
    const rates = await measureGroup([...(oursFn ? [oursFn] : []), ...Object.values(peerFns)]);
    const mine = oursFn ? rates.shift() : null;
    const results = names.map((peer, i) => ({ peer, rate: rates[i] }));
    const fastest = results.reduce((a, b) => (b.rate > a.rate ? b : a));
    for (const r of results) {
      const ratio = mine === null ? null : mine / r.rate;
      const judged = r === fastest && target;
      rows.push({
        op,
        mine,
        peer: results.length > 1 && r === fastest ? `${r.peer} (fastest)` : r.peer,
        rate: r.rate,
        ratio,
        target: judged ? `≥ ${target}×` : '',
        result: judged ? (ratio === null ? 'pending' : ratio >= target ? 'PASS' : 'MISS') : '',
      });
    }
  };

  await group('agora chat user token', ours && ours.chatUser, { 'agora-token': peers.chatUser }, 15);
  await group('agora chat app token', ours && ours.chatApp, { 'agora-token': peers.chatApp }, 15);
  await group('ably createTokenRequest', ours && ours.tokenRequest, { 'ably (ably-js)': peers.tokenRequest }, 3);
  await group('ably JWT issue (HS256 sign)', ours && ours.sign, peers.sign, 2);
  await group('ably JWT verify (HS256)', ours && ours.verify, peers.verify, 2);

  if (addon) {
    const now = addonStamp(addon.dir);
    if (!now || now.size !== addon.size || now.mtimeMs !== addon.mtimeMs) {
      log(`bench/node.js: ${addon.file} was rebuilt during the run; the tokensmith numbers are not trustworthy.`);
      process.exit(4);
    }
  }
  const fmt = (v) => (v === null ? 'pending' : Math.round(v).toLocaleString('en-US'));
  const addonNote = addon ? `; addon ${addon.file} ${(addon.size / 1e6).toFixed(1)} MB` : '';
  console.log(
    `Node ${process.version}, single thread: median ops/s of ${RUNS} runs (~${RUN_MS} ms each); ratio = tokensmith ÷ peer${addonNote}.\n`,
  );
  console.log('| operation | tokensmith ops/s | peer | peer ops/s | ratio | target | result |');
  console.log('|---|--:|---|--:|--:|---|---|');
  for (const r of rows) {
    const ratio = r.ratio === null ? 'pending' : `${r.ratio.toFixed(1)}×`;
    console.log(`| ${r.op} | ${fmt(r.mine)} | ${r.peer} | ${fmt(r.rate)} | ${ratio} | ${r.target} | ${r.result} |`);
  }
  const misses = rows.filter((r) => r.result === 'MISS').length;
  console.log(`\nNode targets: ${ts ? (misses ? `${misses} MISS` : 'all PASS') : 'pending (tokensmith not built)'}`);
}

main().catch((e) => {
  log(e);
  process.exit(1);
});
