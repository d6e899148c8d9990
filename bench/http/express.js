// The peer of bench/http.sh: the token server a user writes from Agora's guide, in Express 5
// with agora-token — `POST /generate-user-token {user_uuid, expire}` → `{token}`, the route and
// body of the guide's curl calls. Like the guide's samples it checks no caller credential and
// keeps no rate limits, metrics or logs: less work per request than tokensmith's route does.
//
//   AGORA_APP_ID=… AGORA_APP_CERTIFICATE=… node bench/http/express.js [PORT]   # default 0: ephemeral
//
// Listens on 127.0.0.1 and prints `express: listening on http://127.0.0.1:PORT`.
'use strict';

const express = require('express');
const { ChatTokenBuilder } = require('agora-token');

const { AGORA_APP_ID: appId, AGORA_APP_CERTIFICATE: appCertificate } = process.env;
if (!appId || !appCertificate) {
  console.error('express.js: set AGORA_APP_ID and AGORA_APP_CERTIFICATE');
  process.exit(2);
}

const app = express();
app.use(express.json());

app.post('/generate-user-token', (req, res) => {
  const { user_uuid: userUuid, expire } = req.body ?? {};
  // The guide's Go sample answers 400 to a body it cannot decode; the builder itself checks nothing.
  if (typeof userUuid !== 'string' || !Number.isInteger(expire)) {
    res.status(400).json({ error: 'user_uuid (string) and expire (integer seconds) are required' });
    return;
  }
  res.json({ token: ChatTokenBuilder.buildUserToken(appId, appCertificate, userUuid, expire) });
});

const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', (error) => {
  if (error) throw error;
  console.log(`express: listening on http://127.0.0.1:${server.address().port}`);
});
