//! The background task that renews ahead of expiry: it sleeps until the engine's next planned
//! time (`tokenWillExpire` and the proactive renewal, then the expiry itself) and re-plans
//! whenever the engine's state changes. It is aborted with the session handle.

use std::sync::Arc;

use super::engine::{Current, Engine, Stop};

/// What the scheduler waits for next.
enum Plan {
    Exit,
    Idle,
    /// At this server time, act on this generation's token.
    At(u64, Due),
}

#[derive(Clone, Copy)]
enum Due {
    WillExpire(u64),
    Expire(u64),
}

pub(crate) async fn run(engine: Arc<Engine>) {
    loop {
        // Registered before reading the plan, so a change made in between is not missed.
        let changed = engine.wake.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        match plan(&engine) {
            Plan::Exit => return,
            Plan::Idle => changed.await,
            Plan::At(server_ms, due) => {
                let local_ms = engine.server_clock.to_local(server_ms);
                tokio::select! {
                    () = engine.timer.sleep_until(local_ms) => fire(&engine, due),
                    () = &mut changed => {}
                }
            }
        }
    }
}

fn plan(engine: &Engine) -> Plan {
    let st = engine.lock();
    if let Some(Stop::Closed) = st.stop {
        return Plan::Exit;
    }
    let Some(cur) = &st.current else { return Plan::Idle };
    let Some(expires) = cur.cred.expires_ms else { return Plan::Idle };
    match cur.renew_at {
        Some(at) if !cur.will_expire_sent => Plan::At(at, Due::WillExpire(cur.generation)),
        _ => Plan::At(expires, Due::Expire(cur.generation)),
    }
}

/// A planned time came; act only if the same token is still held and the time really passed
/// (the server offset may have moved meanwhile).
fn fire(engine: &Arc<Engine>, due: Due) {
    let mut st = engine.lock();
    let now = engine.now();
    match due {
        Due::WillExpire(generation) => {
            let due = |c: &Current| c.generation == generation && c.renew_at.is_some_and(|at| at <= now);
            if st.current.as_ref().is_some_and(due) {
                engine.begin_proactive(&mut st);
            }
        }
        Due::Expire(generation) => {
            if st.current.as_ref().is_some_and(|c| c.generation == generation && c.cred.is_expired_at(now)) {
                engine.expire(&mut st);
            }
        }
    }
}
