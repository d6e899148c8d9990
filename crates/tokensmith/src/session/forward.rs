//! Handing a session's events to a host (JS listeners, Python callables) in order, one at a
//! time, with a way for a call to wait until every event emitted so far was handed over — so a
//! call's own events reach the listeners before its result does. The bindings only say how one
//! event is delivered and on which runtime the task runs.

use std::future::Future;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{mpsc, oneshot};

use super::{Session, SessionEvent};

/// Asks the forwarding task to catch up (see [`forward_events`]). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Flusher(mpsc::UnboundedSender<oneshot::Sender<()>>);

impl Flusher {
    /// Returns once the events emitted so far were delivered (at once if the task has ended).
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.0.send(ack).is_ok() {
            let _ = done.await;
        }
    }
}

/// The task that delivers `session`'s events through `deliver`, in order, each delivery awaited
/// before the next; it ends when the session closes or `deliver` answers `false` (the host is
/// going away). Events a slow host fell too far behind on are skipped (`Lagged`). Spawn the
/// returned future on the host's runtime; the [`Flusher`] drives it to catch up.
pub fn forward_events<D, F>(session: &Session, mut deliver: D) -> (Flusher, impl Future<Output = ()> + Send + 'static)
where
    D: FnMut(SessionEvent) -> F + Send + 'static,
    F: Future<Output = bool> + Send,
{
    let mut events = session.subscribe();
    let (flushes, mut flush_requests) = mpsc::unbounded_channel::<oneshot::Sender<()>>();
    let task = async move {
        loop {
            tokio::select! {
                biased;
                received = events.recv() => match received {
                    Ok(e) => {
                        if !deliver(e).await {
                            return;
                        }
                    }
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                },
                Some(ack) = flush_requests.recv() => {
                    loop {
                        match events.try_recv() {
                            Ok(e) => {
                                if !deliver(e).await {
                                    return;
                                }
                            }
                            Err(TryRecvError::Lagged(_)) => {}
                            Err(_) => break,
                        }
                    }
                    let _ = ack.send(());
                }
            }
        }
    };
    (Flusher(flushes), task)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::clock::Context;
    use crate::session::Credential;
    use crate::session::providers::StaticToken;

    fn session() -> Session {
        let provider = Arc::new(StaticToken::new(Credential::new("t", None)));
        Session::builder(provider).context(Context::system()).start().unwrap()
    }

    #[tokio::test]
    async fn flush_waits_for_the_events_emitted_so_far_in_order() {
        let session = session();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let (flusher, task) = forward_events(&session, move |e| {
            let sink = sink.clone();
            async move {
                tokio::task::yield_now().await;
                sink.lock().unwrap().push(e.name());
                true
            }
        });
        let task = tokio::spawn(task);
        session.token().await.unwrap();
        flusher.flush().await;
        assert_eq!(*seen.lock().unwrap(), ["renewed"]);
        task.abort();
        let _ = task.await;
        flusher.flush().await; // the task has ended: returns at once
    }

    #[tokio::test]
    async fn a_host_that_goes_away_ends_the_task() {
        let session = session();
        let (_flusher, task) = forward_events(&session, |_| async { false });
        let task = tokio::spawn(task);
        session.token().await.unwrap();
        task.await.unwrap();
    }
}
