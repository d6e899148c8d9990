//! The request body cap (413), as tower-http's `RequestBodyLimitLayer` enforces it, without its
//! per-request costs: a `Content-Length` over the cap is refused before the handler runs; a body
//! of known length within the cap (hyper delivers exactly that length) passes untouched; only a
//! body of unknown length (chunked) is wrapped in a limit, which the body readers
//! ([`crate::body`]) turn into a 413 once it is crossed.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, HttpBody};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{Request, Response, StatusCode};
use http_body_util::Limited;
use tower::{Layer, Service};

#[derive(Clone, Copy)]
pub struct BodyCapLayer(pub usize);

impl<S> Layer<S> for BodyCapLayer {
    type Service = BodyCap<S>;
    fn layer(&self, inner: S) -> BodyCap<S> {
        BodyCap { inner, limit: self.0 }
    }
}

#[derive(Clone)]
pub struct BodyCap<S> {
    inner: S,
    limit: usize,
}

impl<S, R> Service<Request<Body>> for BodyCap<S>
where
    S: Service<Request<Body>, Response = Response<R>>,
    R: Default,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = BodyCapFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.limit as u64) {
            return BodyCapFuture::TooLarge;
        }
        let req = match req.body().size_hint().exact() {
            Some(n) if n <= self.limit as u64 => req,
            _ => req.map(|body| Body::new(Limited::new(body, self.limit))),
        };
        BodyCapFuture::Call { inner: self.inner.call(req) }
    }
}

pin_project_lite::pin_project! {
    #[project = BodyCapProj]
    pub enum BodyCapFuture<F> {
        TooLarge,
        Call { #[pin] inner: F },
    }
}

impl<F, R, E> Future for BodyCapFuture<F>
where
    F: Future<Output = Result<Response<R>, E>>,
    R: Default,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project() {
            BodyCapProj::TooLarge => {
                let mut response = Response::new(R::default());
                *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                Poll::Ready(Ok(response))
            }
            BodyCapProj::Call { inner } => inner.poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use tower::ServiceExt;

    /// Answers with the length of the body it could read, or 413 when the cap stopped it.
    async fn read(req: Request<Body>) -> Result<Response<String>, Infallible> {
        use http_body_util::BodyExt;
        Ok(match req.into_body().collect().await {
            Ok(body) => Response::new(body.to_bytes().len().to_string()),
            Err(_) => {
                let mut r = Response::new(String::new());
                *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                r
            }
        })
    }

    async fn send(req: Request<Body>) -> (u16, String) {
        let r = BodyCapLayer(8).layer(tower::service_fn(read)).oneshot(req).await.unwrap();
        (r.status().as_u16(), r.into_body())
    }

    /// A body of unknown length (as a chunked one), arriving in `parts`.
    struct Chunks(std::collections::VecDeque<&'static [u8]>);

    impl HttpBody for Chunks {
        type Data = bytes::Bytes;
        type Error = Infallible;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, Infallible>>> {
            Poll::Ready(self.0.pop_front().map(|p| Ok(http_body::Frame::data(bytes::Bytes::from_static(p)))))
        }
    }

    fn chunked(parts: &[&'static [u8]]) -> Body {
        Body::new(Chunks(parts.iter().copied().collect()))
    }

    #[tokio::test]
    async fn declared_or_streamed_bodies_over_the_cap_are_413() {
        let declared = |n: usize| Request::builder().header(CONTENT_LENGTH, n).body(Body::from(vec![b'x'; n])).unwrap();
        assert_eq!(send(declared(8)).await, (200, "8".into()));
        assert_eq!(send(declared(9)).await, (413, String::new()), "refused before reading");
        assert_eq!(send(Request::new(chunked(&[b"1234", b"5678"]))).await, (200, "8".into()));
        assert_eq!(send(Request::new(chunked(&[b"1234", b"56789"]))).await.0, 413);
        // A small declared length does not lift the cap off a body that streams more.
        let lying = Request::builder().header(CONTENT_LENGTH, 2).body(chunked(&[b"12345", b"6789"])).unwrap();
        assert_eq!(send(lying).await.0, 413);
    }
}
