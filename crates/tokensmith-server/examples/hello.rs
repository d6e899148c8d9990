//! The HTTP floor of `bench/http.sh`: the smallest axum server, built on the same axum, hyper and
//! tokio (multi-threaded runtime, one worker per allowed core) as `tokensmith serve`. Bench-only.
//!
//! ```sh
//! cargo build --release -p tokensmith-server --example hello
//! target/release/examples/hello [ADDR]     # default 127.0.0.1:0, an ephemeral port
//! ```
//!
//! Any method and path: the body is read (as every real handler does), the answer is
//! `Hello, World!`. Prints `hello: listening on http://ADDR` once bound; runs until killed.

use axum::Router;
use axum::body::Bytes;

async fn hello(_body: Bytes) -> &'static str {
    "Hello, World!"
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("hello: listening on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().fallback(hello)).await
}
