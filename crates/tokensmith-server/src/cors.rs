//! CORS for any origin without cookies: the headers of tower-http's `CorsLayer::permissive()`,
//! in the same order, from constants.
//!
//! `CorsLayer` clones its configuration for every request and joins its `Vary` list into a new
//! header value for every response: about 7% of a token request's CPU time here.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, VARY,
};
use axum::http::{HeaderValue, Method, Request, Response};
use tower::{Layer, Service};

const ANY: HeaderValue = HeaderValue::from_static("*");
/// What a preflight answer depends on (tower-http's default `Vary`).
const VARY_PREFLIGHT: HeaderValue =
    HeaderValue::from_static("origin, access-control-request-method, access-control-request-headers");

#[derive(Clone, Copy)]
pub struct AnyOriginLayer;

impl<S> Layer<S> for AnyOriginLayer {
    type Service = AnyOrigin<S>;
    fn layer(&self, inner: S) -> AnyOrigin<S> {
        AnyOrigin(inner)
    }
}

#[derive(Clone)]
pub struct AnyOrigin<S>(S);

impl<S, B, R> Service<Request<B>> for AnyOrigin<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    R: Default,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // Every OPTIONS request is answered as a preflight, as tower-http does.
        if req.method() == Method::OPTIONS {
            return CorsFuture::Preflight;
        }
        CorsFuture::Call { inner: self.0.call(req) }
    }
}

pin_project_lite::pin_project! {
    #[project = CorsProj]
    pub enum CorsFuture<F> {
        Preflight,
        Call { #[pin] inner: F },
    }
}

impl<F, R, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<Response<R>, E>>,
    R: Default,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project() {
            CorsProj::Preflight => {
                let mut response = Response::new(R::default());
                let headers = response.headers_mut();
                headers.insert(VARY, VARY_PREFLIGHT);
                headers.insert(ACCESS_CONTROL_ALLOW_METHODS, ANY);
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, ANY);
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
                Poll::Ready(Ok(response))
            }
            CorsProj::Call { inner } => {
                let mut response = std::task::ready!(inner.poll(cx))?;
                let headers = response.headers_mut();
                headers.append(VARY, VARY_PREFLIGHT); // after any `Vary` of the handler's
                headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, ANY);
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
                Poll::Ready(Ok(response))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use tower::ServiceExt;
    use tower_http::cors::CorsLayer;

    async fn handler(_: Request<()>) -> Result<Response<String>, Infallible> {
        let mut r = Response::new("body".to_owned());
        r.headers_mut().insert(VARY, HeaderValue::from_static("accept"));
        r.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("https://x.example"));
        Ok(r)
    }

    fn request(method: Method) -> Request<()> {
        Request::builder()
            .method(method)
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "apikey, content-type")
            .body(())
            .unwrap()
    }

    /// Same status, headers (names, values, order) and body as tower-http's permissive layer.
    #[tokio::test]
    async fn answers_exactly_as_tower_http_permissive_cors() {
        for method in [Method::GET, Method::POST, Method::OPTIONS, Method::DELETE] {
            let ours = AnyOriginLayer.layer(tower::service_fn(handler)).oneshot(request(method.clone()));
            let theirs = CorsLayer::permissive().layer(tower::service_fn(handler)).oneshot(request(method.clone()));
            let (ours, theirs) = (ours.await.unwrap(), theirs.await.unwrap());
            assert_eq!(ours.status(), theirs.status(), "{method}");
            let list =
                |r: &Response<String>| r.headers().iter().map(|(k, v)| format!("{k}: {v:?}")).collect::<Vec<_>>();
            assert_eq!(list(&ours), list(&theirs), "{method}");
            assert_eq!(ours.body(), theirs.body(), "{method}");
        }
    }
}
