//! The request timeout (408), with no timer for requests that finish when first polled.
//!
//! tower-http's `TimeoutLayer` arms a tokio timer for every request; on an otherwise idle
//! timer wheel that wakes the I/O driver (an `eventfd` write) each time. Most requests here
//! (token minting on the memory store) complete in their first poll, so the timer is armed
//! only once the inner future is pending, for the deadline counted from the call.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::{Request, Response, StatusCode};
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

#[derive(Clone, Copy)]
pub struct DeadlineLayer(pub Duration);

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline { inner, after: self.0 }
    }
}

#[derive(Clone)]
pub struct Deadline<S> {
    inner: S,
    after: Duration,
}

impl<S, B, R> Service<Request<B>> for Deadline<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    R: Default,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        DeadlineFuture { inner: self.inner.call(req), at: Instant::now() + self.after, sleep: None }
    }
}

pin_project_lite::pin_project! {
    pub struct DeadlineFuture<F> {
        #[pin]
        inner: F,
        at: Instant,
        // Boxed: armed only for the few requests that wait (on a store, a slow body).
        sleep: Option<Pin<Box<Sleep>>>,
    }
}

impl<F, R, E> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<Response<R>, E>>,
    R: Default,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.inner.poll(cx) {
            return Poll::Ready(out);
        }
        let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(*this.at)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                let mut timed_out = Response::new(R::default());
                *timed_out.status_mut() = StatusCode::REQUEST_TIMEOUT;
                Poll::Ready(Ok(timed_out))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use tower::ServiceExt;

    /// 0: answers at once; 1: after one pending poll; 2: never.
    async fn answer(how: u8) -> Result<Response<String>, Infallible> {
        match how {
            0 => {}
            1 => tokio::task::yield_now().await,
            _ => std::future::pending().await,
        }
        Ok(Response::new("done".into()))
    }

    #[tokio::test]
    async fn answers_in_time_pass_and_late_ones_become_408() {
        let within =
            |ms| DeadlineLayer(Duration::from_millis(ms)).layer(tower::service_fn(|r: Request<u8>| answer(*r.body())));
        let at_once = within(10_000).oneshot(Request::new(0)).await.unwrap();
        assert_eq!((at_once.status(), at_once.body().as_str()), (StatusCode::OK, "done"));
        let waited = within(10_000).oneshot(Request::new(1)).await.unwrap();
        assert_eq!((waited.status(), waited.body().as_str()), (StatusCode::OK, "done"));
        let late = within(20).oneshot(Request::new(2)).await.unwrap();
        assert_eq!((late.status(), late.body().as_str()), (StatusCode::REQUEST_TIMEOUT, ""));
    }
}
