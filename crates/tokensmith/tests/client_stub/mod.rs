//! A scripted HTTP server on 127.0.0.1:0 for the client tests: each (method, path) answers a
//! queue of canned responses (the last one repeats) and every request is recorded. It lives on
//! the test's runtime and stops with it.

#![allow(dead_code)] // each test file uses a different part

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tokensmith::client::Sleeper;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// One canned answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Never answer (for timeouts).
    pub hang: bool,
}

impl Canned {
    pub fn json(status: u16, body: &serde_json::Value) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            content_type: Some("application/json".into()),
            body: body.to_string().into_bytes(),
            hang: false,
        }
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            content_type: Some(content_type.into()),
            body: body.as_bytes().to_vec(),
            hang: false,
        }
    }

    pub fn hang() -> Canned {
        Canned { hang: true, ..Canned::text(200, "text/plain", "") }
    }

    pub fn header(mut self, name: &str, value: &str) -> Canned {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// As sent, percent-encoding included.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Script {
    routes: Mutex<HashMap<(String, String), VecDeque<Canned>>>,
    seen: Mutex<Vec<Seen>>,
}

/// The scripted server.
pub struct Stub {
    pub url: String,
    script: Arc<Script>,
}

impl Stub {
    pub async fn start() -> Stub {
        let script = Arc::new(Script::default());
        let app = axum::Router::new().fallback(answer).with_state(Arc::clone(&script));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Stub { url, script }
    }

    /// `method path` answers `responses` in turn, then the last one again and again.
    pub fn on(&self, method: &str, path: &str, responses: impl IntoIterator<Item = Canned>) -> &Self {
        let queue: VecDeque<Canned> = responses.into_iter().collect();
        assert!(!queue.is_empty());
        self.script.routes.lock().unwrap().insert((method.into(), path.into()), queue);
        self
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().unwrap().clone()
    }

    pub fn last(&self) -> Seen {
        self.seen().pop().expect("a request")
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.seen().iter().filter(|s| s.method == method && s.path == path).count()
    }
}

async fn answer(State(script): State<Arc<Script>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 1 << 20).await.unwrap_or_default().to_vec();
    let (method, path) = (parts.method.to_string(), parts.uri.path().to_owned());
    script.seen.lock().unwrap().push(Seen {
        method: method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body,
    });
    let canned = {
        let mut routes = script.routes.lock().unwrap();
        match routes.get_mut(&(method, path)) {
            Some(q) if q.len() > 1 => q.pop_front(),
            Some(q) => q.front().cloned(),
            None => None,
        }
    };
    let Some(c) = canned else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("no such route in the stub"))
            .unwrap();
    };
    if c.hang {
        std::future::pending::<()>().await;
    }
    let mut resp = Response::builder().status(c.status);
    if let Some(ct) = &c.content_type {
        resp = resp.header("content-type", ct);
    }
    for (k, v) in &c.headers {
        resp = resp.header(k, v);
    }
    resp.body(Body::from(c.body)).unwrap()
}

/// A server that reads each request and closes the connection without answering; counts them.
pub async fn dropping_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 64 * 1024];
            let mut got = Vec::new();
            // Read up to the end of the headers (the bodies here are small and sent with them).
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            if !got.is_empty() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            drop(socket);
        }
    });
    (url, requests)
}

/// A port nothing listens on.
pub async fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Records the waits between attempts instead of sleeping.
#[derive(Default)]
pub struct Waits(Mutex<Vec<Duration>>);

impl Waits {
    pub fn taken(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Sleeper for Waits {
    async fn sleep(&self, delay: Duration) {
        self.0.lock().unwrap().push(delay);
    }
}
