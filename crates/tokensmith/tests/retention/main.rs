//! One behaviour suite for every store backend: the same rules must hold on memory, SQLite and
//! Redis. `backends.rs` opens each; `suite.rs` holds the tests; the `backend_suite!` macro
//! instantiates them per backend.

mod backends;
mod redis_only;
mod redis_server;
mod suite;

macro_rules! backend_suite {
    ($($backend:ident),*) => {$(
        mod $backend {
            use super::suite;
            suite::tests!($backend);
        }
    )*};
}

backend_suite!(memory, sqlite, redis);
