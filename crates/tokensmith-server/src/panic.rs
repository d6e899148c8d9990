//! Panics in a handler become 500s instead of dropped connections (the outer layer renders the
//! error body). tower-http's `CatchPanicLayer` does the same but boxes every response body.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{Request, Response, StatusCode};
use tower::{Layer, Service};

#[derive(Clone, Copy)]
pub struct CatchPanicLayer;

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;
    fn layer(&self, inner: S) -> CatchPanic<S> {
        CatchPanic(inner)
    }
}

#[derive(Clone)]
pub struct CatchPanic<S>(S);

impl<S, B, R> Service<Request<B>> for CatchPanic<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    R: Default,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = PanicFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        match catch_unwind(AssertUnwindSafe(|| self.0.call(req))) {
            Ok(inner) => PanicFuture::Call { inner },
            Err(panic) => {
                log(&*panic);
                PanicFuture::Panicked
            }
        }
    }
}

pin_project_lite::pin_project! {
    #[project = PanicProj]
    pub enum PanicFuture<F> {
        Panicked,
        Call { #[pin] inner: F },
    }
}

impl<F, R, E> Future for PanicFuture<F>
where
    F: Future<Output = Result<Response<R>, E>>,
    R: Default,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project() {
            PanicProj::Panicked => Poll::Ready(Ok(internal_error())),
            PanicProj::Call { inner } => match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
                Ok(poll) => poll,
                Err(panic) => {
                    log(&*panic);
                    Poll::Ready(Ok(internal_error()))
                }
            },
        }
    }
}

fn internal_error<R: Default>() -> Response<R> {
    let mut response = Response::new(R::default());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// The panic's message, as tower-http logs it (our panics carry no secrets: errors that could
/// hold one are values, never panics).
fn log(panic: &(dyn Any + Send)) {
    match panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()) {
        Some(message) => tracing::error!("Service panicked: {message}"),
        None => tracing::error!("Service panicked but `CatchPanic` was unable to downcast the panic info"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use tower::ServiceExt;

    /// 0: answers; 1: panics while called; 2: panics in its future.
    fn handler(how: u8) -> std::future::Ready<Result<Response<String>, Infallible>> {
        if how == 1 {
            panic!("in call");
        }
        std::future::ready(Ok(Response::new("done".into())))
    }

    #[tokio::test]
    async fn panics_in_call_or_future_are_500() {
        let svc = || {
            CatchPanicLayer.layer(tower::service_fn(|r: Request<u8>| {
                let how = *r.body();
                async move {
                    if how == 2 {
                        panic!("in future");
                    }
                    handler(how).await
                }
            }))
        };
        let ok = svc().oneshot(Request::new(0)).await.unwrap();
        assert_eq!((ok.status(), ok.body().as_str()), (StatusCode::OK, "done"));
        let called = CatchPanicLayer.layer(tower::service_fn(|r: Request<u8>| handler(*r.body())));
        let r = called.oneshot(Request::new(1)).await.unwrap();
        assert_eq!((r.status(), r.body().as_str()), (StatusCode::INTERNAL_SERVER_ERROR, ""));
        let r = svc().oneshot(Request::new(2)).await.unwrap();
        assert_eq!((r.status(), r.body().as_str()), (StatusCode::INTERNAL_SERVER_ERROR, ""));
    }
}
