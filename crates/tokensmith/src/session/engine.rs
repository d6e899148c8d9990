//! The state machine behind a [`Session`](super::Session): the current token, one renewal at a
//! time (single flight) with bounded retries, refused tokens, and the stops (terminal failure,
//! logout, close).
//!
//! All state sits behind one mutex that is never held across an `.await`; events are sent while
//! it is held, so subscribers see them in the order the state changed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::runtime::Handle;
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::AbortHandle;

use super::failure::{Failure, to_error};
use super::{
    Credential, FetchError, FetchParams, FetchReason, LogoutReason, Provider, ServerClock, ServerTime, SessionConfig,
    SessionEvent, Timer,
};
use crate::clock::Context;
use crate::crypto::sha256;
use crate::error::{Error, Result};

/// Refused tokens remembered, so a provider that hands one out again is caught.
const REFUSED_REMEMBERED: usize = 16;
/// Longest token accepted from a provider (Ably's limit on authCallback/authUrl answers).
pub(crate) const MAX_TOKEN_LEN: usize = 128 * 1024;
/// How often a caller looks again after its renewal was cancelled under it.
const MAX_REJOINS: usize = 3;

type Outcome = Result<Arc<Credential>>;

/// A login just ended locally: its provider, and the token it held.
pub(crate) type EndedLogin = (Arc<dyn Provider>, Option<Arc<Credential>>);

pub(crate) struct Engine {
    /// Local clock and randomness (backoff, jitter, sleeping).
    pub(crate) local: Context,
    /// The server's clock as estimated, with the same randomness: what providers get.
    pub(crate) server: Context,
    pub(crate) server_clock: ServerClock,
    pub(crate) timer: Arc<dyn Timer>,
    pub(crate) config: SessionConfig,
    runtime: Handle,
    events: broadcast::Sender<SessionEvent>,
    /// Wakes the scheduler whenever the plan may have changed.
    pub(crate) wake: Notify,
    fetches: AtomicU64,
    waiting: AtomicUsize,
    state: Mutex<State>,
    /// Where the server's clock is read before the next fetch, until once succeeds; with a
    /// count of replacements, so an answer for a replaced source is dropped.
    time_source: Mutex<(u64, Option<Arc<dyn ServerTime>>)>,
}

pub(super) struct State {
    provider: Arc<dyn Provider>,
    /// Bumped when the provider is replaced; a renewal for an older one never installs.
    epoch: u64,
    pub(super) current: Option<Current>,
    generation: u64,
    inflight: Option<Inflight>,
    pub(super) stop: Option<Stop>,
    /// After a renewal gave up on retryable failures: no new round before this local time.
    cooldown: Option<(u64, Error)>,
    refused: VecDeque<[u8; 32]>,
    /// The provider already produced a credential (matters for providers that cannot renew).
    had_credential: bool,
    /// Expiry of the last token dropped, for the "expired by" of a no-renewal error.
    last_expiry_ms: Option<u64>,
}

pub(super) struct Current {
    pub(super) cred: Arc<Credential>,
    pub(super) generation: u64,
    /// Server time of the proactive renewal, if one is planned.
    pub(super) renew_at: Option<u64>,
    /// `tokenWillExpire` was emitted (and the proactive renewal started) for this token.
    pub(super) will_expire_sent: bool,
}

struct Inflight {
    rx: watch::Receiver<Option<Outcome>>,
    task: AbortHandle,
}

pub(super) enum Stop {
    /// A terminal provider failure; lifted by `authorize`.
    Failed(Error),
    LoggedOut,
    Closed,
}

enum Step {
    Done(Outcome),
    RetryIn(u64),
}

impl Engine {
    pub(crate) fn new(
        local: Context,
        timer: Arc<dyn Timer>,
        config: SessionConfig,
        runtime: Handle,
        provider: Arc<dyn Provider>,
        events: broadcast::Sender<SessionEvent>,
    ) -> Self {
        let server_clock = ServerClock::new(local.clock.clone(), config.server_offset_ms.unwrap_or(0));
        let server = Context { clock: Arc::new(server_clock.clone()), random: local.random.clone() };
        let state = State {
            provider,
            epoch: 0,
            current: None,
            generation: 0,
            inflight: None,
            stop: None,
            cooldown: None,
            refused: VecDeque::new(),
            had_credential: false,
            last_expiry_ms: None,
        };
        Engine {
            local,
            server,
            server_clock,
            timer,
            config,
            runtime,
            events,
            wake: Notify::new(),
            fetches: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            state: Mutex::new(state),
            time_source: Mutex::new((0, None)),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn emit(&self, event: SessionEvent) {
        let _ = self.events.send(event); // no subscriber is fine
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.events.subscribe()
    }

    /// Server time now.
    pub(crate) fn now(&self) -> u64 {
        self.server.now_ms()
    }

    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    pub(crate) fn renewable(&self) -> bool {
        self.lock().provider.renewable()
    }

    /// The provider of a session that is neither logged out nor closed.
    pub(crate) fn live_provider(&self) -> Option<Arc<dyn Provider>> {
        let st = self.lock();
        match st.stop {
            Some(Stop::LoggedOut | Stop::Closed) => None,
            _ => Some(st.provider.clone()),
        }
    }

    /// Ends the login locally (see [`logout`](Self::logout)) and returns what the authority
    /// must be told: the provider and the token held until now. `None` if already ended.
    pub(crate) fn end_login(&self) -> Option<EndedLogin> {
        let mut st = self.lock();
        if matches!(st.stop, Some(Stop::Closed | Stop::LoggedOut)) {
            return None;
        }
        let ended = (st.provider.clone(), st.current.as_ref().map(|c| c.cred.clone()));
        self.clear(&mut st, Stop::LoggedOut);
        self.emit(SessionEvent::LoggedOut { reason: LogoutReason::Requested });
        Some(ended)
    }

    /// The held token, valid or not, without fetching.
    pub(crate) fn current(&self) -> Option<Arc<Credential>> {
        self.lock().current.as_ref().map(|c| c.cred.clone())
    }

    pub(crate) fn next_renewal(&self) -> Option<u64> {
        self.lock().current.as_ref().and_then(|c| c.renew_at)
    }

    /// Callers waiting for a renewal.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Holds a token given up front, without calling the provider. One that is already
    /// expired is skipped (the first caller fetches); an unusable one is an error.
    pub(crate) fn install_initial(&self, cred: Credential) -> Result<()> {
        let mut st = self.lock();
        match self.vet(&st, cred) {
            Ok(cred) => {
                self.install(&mut st, cred, FetchReason::Initial);
                Ok(())
            }
            Err(e) if e.is_retryable() => Ok(()),
            Err(e) => Err(e.into_error()),
        }
    }

    /// Waits for the renewal's outcome (counted in [`waiting`](Self::waiting)); `None` if it
    /// was cancelled before publishing one.
    async fn wait(&self, rx: &mut watch::Receiver<Option<Outcome>>) -> Option<Outcome> {
        struct Counted<'a>(&'a AtomicUsize);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _counted = Counted(&self.waiting);
        rx.wait_for(Option::is_some).await.ok().and_then(|v| v.clone())
    }

    /// A valid token: the held one, or the result of the renewal in flight or a new one.
    pub(crate) async fn acquire(self: &Arc<Self>, reason: FetchReason) -> Outcome {
        for _ in 0..MAX_REJOINS {
            let mut rx = {
                let mut st = self.lock();
                if let Some(stop @ (Stop::LoggedOut | Stop::Closed)) = &st.stop {
                    return Err(stop.error());
                }
                let now = self.now();
                if let Some(cur) = &st.current {
                    if !cur.cred.is_expired_at(now) {
                        let cred = cur.cred.clone();
                        if cur.renew_at.is_some_and(|at| now >= at) {
                            self.begin_proactive(&mut st);
                        }
                        return Ok(cred);
                    }
                    self.expire(&mut st);
                }
                if let Some(Stop::Failed(e)) = &st.stop {
                    return Err(e.clone());
                }
                let reason = match reason {
                    FetchReason::Authorize => reason,
                    _ if !st.had_credential => FetchReason::Initial,
                    _ => reason,
                };
                self.join_or_start(&mut st, reason)?
            };
            if let Some(outcome) = self.wait(&mut rx).await {
                return outcome;
            }
            self.forget_inflight(&rx);
        }
        Err(to_error(Failure::Interrupted))
    }

    /// Fetches a new token even if the held one is valid; with `provider`, replaces the
    /// provider first (its token is dropped). Lifts a terminal stop or a logout.
    pub(crate) async fn authorize(self: &Arc<Self>, provider: Option<Arc<dyn Provider>>) -> Outcome {
        let mut rx = {
            let mut st = self.lock();
            if let Some(Stop::Closed) = st.stop {
                return Err(to_error(Failure::Closed));
            }
            st.stop = None;
            st.cooldown = None;
            if let Some(p) = provider {
                st.provider = p;
                st.epoch += 1;
                st.had_credential = false;
                st.current = None;
                if let Some(f) = st.inflight.take() {
                    f.task.abort();
                }
            }
            match &st.inflight {
                Some(f) => f.rx.clone(),
                None => self.join_or_start(&mut st, FetchReason::Authorize)?,
            }
        };
        match self.wait(&mut rx).await {
            Some(outcome) => outcome,
            None => {
                self.forget_inflight(&rx);
                self.acquire(FetchReason::Authorize).await
            }
        }
    }

    /// A server refused `cred`: never hand it out again; drop it if it is the held one.
    pub(crate) fn refuse(&self, cred: &Credential) {
        let mut st = self.lock();
        let fp = sha256(cred.token().as_bytes());
        if !st.refused.contains(&fp) {
            if st.refused.len() == REFUSED_REMEMBERED {
                st.refused.pop_front();
            }
            st.refused.push_back(fp);
        }
        if st.current.as_ref().is_some_and(|c| c.cred.token() == cred.token()) {
            st.last_expiry_ms = cred.expires_ms.or(st.last_expiry_ms);
            st.current = None;
            self.wake.notify_one();
        }
    }

    /// Ends the login (`LoggedOut`) or the whole session (`Closed`); a renewal in flight is
    /// cancelled.
    pub(crate) fn logout(&self, reason: LogoutReason) {
        let mut st = self.lock();
        if matches!(st.stop, Some(Stop::Closed | Stop::LoggedOut)) {
            return;
        }
        self.clear(&mut st, Stop::LoggedOut);
        self.emit(SessionEvent::LoggedOut { reason });
    }

    pub(crate) fn close(&self) {
        let mut st = self.lock();
        self.clear(&mut st, Stop::Closed);
    }

    fn clear(&self, st: &mut State, stop: Stop) {
        st.stop = Some(stop);
        st.current = None;
        if let Some(f) = st.inflight.take() {
            f.task.abort();
        }
        self.wake.notify_one();
    }

    /// Reads the server's clock from `source` before the next fetch (`None`: never).
    pub(crate) fn set_time_source(&self, source: Option<Arc<dyn ServerTime>>) {
        let mut slot = self.time_source.lock().unwrap_or_else(|p| p.into_inner());
        *slot = (slot.0 + 1, source);
    }

    /// Learns the server's clock offset, once per source. A source that refuses (4xx: no
    /// `/time` there) is not asked again; one that fails otherwise is asked at the next fetch.
    async fn sync_server_time(&self) {
        let lock = || self.time_source.lock().unwrap_or_else(|p| p.into_inner());
        let (id, source) = match &*lock() {
            (id, Some(source)) => (*id, source.clone()),
            (_, None) => return,
        };
        let before = self.local.now_ms();
        let answer = source.server_now_ms().await;
        let after = self.local.now_ms();
        let mut slot = lock();
        if slot.0 != id {
            return;
        }
        match answer {
            Ok(server_ms) => {
                // The answer was made about halfway through the round trip.
                let local = i128::from(before) + (i128::from(after) - i128::from(before)) / 2;
                let offset = (i128::from(server_ms) - local).clamp(i128::from(i64::MIN), i128::from(i64::MAX));
                self.set_server_offset(offset as i64);
                slot.1 = None;
            }
            Err(e) if e.status().is_some_and(|s| (400..500).contains(&s) && s != 429) => slot.1 = None,
            Err(_) => {}
        }
    }

    pub(crate) fn set_server_offset(&self, offset_ms: i64) {
        self.server_clock.set_offset_ms(offset_ms);
        self.wake.notify_one();
    }

    fn join_or_start(
        self: &Arc<Self>,
        st: &mut State,
        reason: FetchReason,
    ) -> Result<watch::Receiver<Option<Outcome>>> {
        if let Some(f) = &st.inflight {
            return Ok(f.rx.clone());
        }
        if !st.provider.renewable() && st.had_credential {
            let expired_by_ms = st.last_expiry_ms.map(|e| self.now().saturating_sub(e));
            return Err(to_error(Failure::NoRenewalMeans { expired_by_ms }));
        }
        if let Some((until, e)) = &st.cooldown {
            if self.local.now_ms() < *until {
                return Err(e.clone());
            }
            st.cooldown = None;
        }
        Ok(self.start(st, reason))
    }

    fn start(self: &Arc<Self>, st: &mut State, reason: FetchReason) -> watch::Receiver<Option<Outcome>> {
        let (tx, rx) = watch::channel(None);
        let renewal = self.clone().renew(st.provider.clone(), st.epoch, reason, tx);
        let task = self.runtime.spawn(renewal).abort_handle();
        st.inflight = Some(Inflight { rx: rx.clone(), task });
        rx
    }

    /// One renewal: fetch, retrying retryable failures with backoff, then publish the outcome
    /// to every caller waiting on it.
    async fn renew(
        self: Arc<Self>,
        provider: Arc<dyn Provider>,
        epoch: u64,
        reason: FetchReason,
        tx: watch::Sender<Option<Outcome>>,
    ) {
        self.sync_server_time().await;
        let mut attempt = 0;
        let outcome = loop {
            attempt += 1;
            self.fetches.fetch_add(1, Ordering::Relaxed);
            let params = FetchParams { reason, attempt, context: self.server.clone() };
            let fetched = provider.fetch(&params).await;
            match self.settle(epoch, reason, attempt, fetched) {
                Step::Done(outcome) => break outcome,
                Step::RetryIn(delay) => self.timer.sleep_until(self.local.now_ms().saturating_add(delay)).await,
            }
        };
        tx.send_replace(Some(outcome));
        self.wake.notify_one();
    }

    /// After one fetch: install the token, or decide between another attempt and giving up.
    fn settle(&self, epoch: u64, reason: FetchReason, attempt: u32, fetched: Result<Credential, FetchError>) -> Step {
        let mut st = self.lock();
        if epoch != st.epoch || matches!(st.stop, Some(Stop::Closed | Stop::LoggedOut)) {
            return Step::Done(Err(st.stop.as_ref().map_or_else(|| to_error(Failure::Interrupted), Stop::error)));
        }
        let failure = match fetched.and_then(|c| self.vet(&st, c)) {
            Ok(cred) => {
                st.inflight = None;
                return Step::Done(Ok(self.install(&mut st, cred, reason)));
            }
            Err(f) => f,
        };
        let error = to_error(Failure::Provider { cause: failure.error().clone() });
        if matches!(error.kind(), Error::AuthTokenNotFound) {
            // The authority no longer knows the login: it is over, whatever the provider.
            st.inflight = None;
            self.clear(&mut st, Stop::LoggedOut);
            self.emit(SessionEvent::RenewFailed { attempt, error: error.clone(), retry_in_ms: None, terminal: true });
            self.emit(SessionEvent::LoggedOut { reason: LogoutReason::TokenNotFound });
            return Step::Done(Err(error));
        }
        let backoff = self.config.backoff;
        let give_up = !failure.is_retryable() || attempt >= backoff.max_attempts;
        let retry_in_ms = (!give_up).then(|| backoff.delay_ms(&self.local, attempt, failure.retry_after_ms()));
        self.emit(SessionEvent::RenewFailed {
            attempt,
            error: error.clone(),
            retry_in_ms,
            terminal: !failure.is_retryable(),
        });
        match retry_in_ms {
            Some(delay) => Step::RetryIn(delay),
            None => Step::Done(Err(self.give_up(&mut st, failure.is_retryable(), error))),
        }
    }

    /// Checks a fetched credential before anyone sees it.
    fn vet(&self, st: &State, cred: Credential) -> Result<Credential, FetchError> {
        let invalid = |why| to_error(Failure::InvalidCredential(why));
        if cred.token().is_empty() {
            return Err(FetchError::terminal(invalid("the provider returned an empty token")));
        }
        if cred.token().len() > MAX_TOKEN_LEN {
            return Err(FetchError::terminal(invalid("the provider returned a token over 128 KiB")));
        }
        if cred.is_expired_at(self.now()) {
            return Err(FetchError::retryable(invalid("the provider returned an expired token")));
        }
        if st.refused.contains(&sha256(cred.token().as_bytes())) {
            return Err(FetchError::retryable(invalid("the provider returned a token a server already refused")));
        }
        Ok(cred)
    }

    fn install(&self, st: &mut State, cred: Credential, reason: FetchReason) -> Arc<Credential> {
        let now = self.now();
        st.generation += 1;
        st.had_credential = true;
        st.cooldown = None;
        if let Some(Stop::Failed(_)) = st.stop {
            st.stop = None;
        }
        let renew_at = cred.expires_ms.and_then(|e| self.config.renew_at(&self.local, now, e));
        let cred = Arc::new(cred);
        st.current = Some(Current { cred: cred.clone(), generation: st.generation, renew_at, will_expire_sent: false });
        self.emit(SessionEvent::Renewed {
            generation: st.generation,
            reason,
            issued_ms: cred.issued_ms,
            expires_ms: cred.expires_ms,
            format: cred.format,
            renew_at_ms: renew_at,
        });
        self.wake.notify_one();
        cred
    }

    fn give_up(&self, st: &mut State, retryable: bool, error: Error) -> Error {
        st.inflight = None;
        if retryable {
            let until = self.local.now_ms().saturating_add(self.config.backoff.cap_ms);
            st.cooldown = Some((until, error.clone()));
        } else {
            st.stop = Some(Stop::Failed(error.clone()));
        }
        error
    }

    /// `tokenWillExpire` once per token, and the proactive renewal if the provider can renew.
    pub(super) fn begin_proactive(self: &Arc<Self>, st: &mut State) {
        let Some(cur) = st.current.as_mut() else { return };
        if cur.will_expire_sent {
            return;
        }
        cur.will_expire_sent = true;
        let (generation, expires_ms) = (cur.generation, cur.cred.expires_ms.unwrap_or_default());
        self.emit(SessionEvent::TokenWillExpire { generation, expires_ms });
        if st.inflight.is_none() && st.stop.is_none() && st.provider.renewable() {
            self.start(st, FetchReason::Scheduled);
        }
    }

    /// Drops the held token as expired.
    pub(super) fn expire(&self, st: &mut State) {
        if let Some(cur) = st.current.take() {
            let expired_at_ms = cur.cred.expires_ms.unwrap_or_default();
            st.last_expiry_ms = Some(expired_at_ms);
            self.emit(SessionEvent::TokenExpired { generation: cur.generation, expired_at_ms });
            self.wake.notify_one();
        }
    }

    /// A caller saw its renewal end without a result; forget it so the next caller starts anew.
    fn forget_inflight(&self, rx: &watch::Receiver<Option<Outcome>>) {
        let mut st = self.lock();
        if st.inflight.as_ref().is_some_and(|f| f.rx.same_channel(rx)) {
            st.inflight = None;
        }
    }

    pub(crate) fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) -> AbortHandle {
        self.runtime.spawn(f).abort_handle()
    }
}

impl Stop {
    fn error(&self) -> Error {
        match self {
            Stop::Failed(e) => e.clone(),
            Stop::LoggedOut => to_error(Failure::LoggedOut),
            Stop::Closed => to_error(Failure::Closed),
        }
    }
}
