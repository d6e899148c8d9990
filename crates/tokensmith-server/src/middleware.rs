//! The layers around every handler (the fallbacks for unknown routes and methods included),
//! outermost first:
//!
//! 1. [`crate::observe`]: request span, metrics, rate-limit and request-id headers, JSON error
//!    bodies.
//! 2. CORS (any origin, no cookies: browsers call `/auth/ably` and the client routes; [`crate::cors`]).
//! 3. Panics become 500s instead of dropped connections ([`crate::panic`]).
//! 4. Body size cap (413, [`crate::body_cap`]), request timeout (408, [`crate::deadline`]).
//!
//! All hand-written and composed inside the handler itself ([`Stacked`]), after routing (the
//! route template is known) and without boxing: `Router::layer` would wrap every route in one
//! more boxed service, cloned and allocated for every request.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::handler::{Handler, HandlerService};
use axum::response::Response;
use tower::util::Oneshot;
use tower::{Layer, ServiceExt};

use crate::app::AppState;
use crate::body_cap::{BodyCap, BodyCapLayer};
use crate::cors::{AnyOrigin, AnyOriginLayer};
use crate::deadline::{Deadline, DeadlineLayer};
use crate::observe::{Observe, ObserveLayer};
use crate::panic::{CatchPanic, CatchPanicLayer};

/// A handler with the whole middleware stack around it.
#[derive(Clone)]
pub struct Stacked<H>(pub H);

type Stack<S> = Observe<AnyOrigin<CatchPanic<BodyCap<Deadline<S>>>>>;

impl<H, T> Handler<T, AppState> for Stacked<H>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    type Future = StackedFuture<HandlerService<H, T, AppState>>;

    fn call(self, req: Request, state: AppState) -> Self::Future {
        let deadline = DeadlineLayer(state.request_timeout).layer(self.0.with_state(state.clone()));
        let capped = BodyCapLayer(state.body_limit_bytes).layer(deadline);
        let stack = ObserveLayer(state).layer(AnyOriginLayer.layer(CatchPanicLayer.layer(capped)));
        StackedFuture { inner: stack.oneshot(req) }
    }
}

pin_project_lite::pin_project! {
    pub struct StackedFuture<S>
    where
        S: tower::Service<Request, Response = Response, Error = Infallible>,
    {
        #[pin]
        inner: Oneshot<Stack<S>, Request>,
    }
}

impl<S> Future for StackedFuture<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let Ok(response) = std::task::ready!(self.project().inner.poll(cx));
        Poll::Ready(response)
    }
}
