//! Keeps `fork()` from landing while another thread is inside SQLite.
//!
//! A forked child gets a copy of the parent's memory with only the forking thread in it. If the
//! writer, the checkpointer or a reader was inside SQLite at that instant, a mutex it held (the
//! allocator's, the unix VFS's inode list's, a file's lock mutex) stays locked in the child for
//! ever, and the child's first connection to the same file hangs — Python's `multiprocessing`,
//! pre-forking servers and `os.fork()` in tests all open their own store after a fork.
//!
//! It also leaves a lock SQLite counts as held (the child's writes then fail busy). So every call
//! into SQLite runs inside [`enter`]; a `pthread_atfork` prepare handler holds new calls back and
//! waits for those in flight (a batch's commit; longer only while a call waits out the
//! busy timeout for another process's lock), and fork's parent and child handlers let calls in
//! again. Calls nest freely on one thread.

/// Held while a thread calls into SQLite; `fork()` waits until none is held.
/// Not `Send`: the count it holds is this thread's.
#[must_use]
pub(super) struct Guard(std::marker::PhantomData<*const ()>);

#[cfg(unix)]
mod imp {
    use std::cell::Cell;
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;

    static ACTIVE: AtomicUsize = AtomicUsize::new(0);
    static FORKING: AtomicBool = AtomicBool::new(false);
    static INSTALL: Once = Once::new();

    thread_local! {
        /// Guards this thread holds: a nested call must not wait for a fork that waits for it.
        static DEPTH: Cell<usize> = const { Cell::new(0) };
    }

    extern "C" fn prepare() {
        FORKING.store(true, SeqCst);
        while ACTIVE.load(SeqCst) != 0 {
            std::thread::sleep(Duration::from_micros(50));
        }
    }

    extern "C" fn parent() {
        FORKING.store(false, SeqCst);
    }

    extern "C" fn child() {
        // Only the forking thread lives on, and it held no guard (`prepare` waited for all).
        ACTIVE.store(0, SeqCst);
        FORKING.store(false, SeqCst);
    }

    pub(super) fn enter() {
        // SAFETY: the handlers only touch atomics (and `prepare` sleeps, before the fork), as
        // the child side of fork() requires; nothing is unregistered later.
        INSTALL.call_once(|| unsafe {
            libc::pthread_atfork(Some(prepare), Some(parent), Some(child));
        });
        if DEPTH.get() == 0 {
            loop {
                while FORKING.load(SeqCst) {
                    std::thread::sleep(Duration::from_micros(50));
                }
                ACTIVE.fetch_add(1, SeqCst);
                if !FORKING.load(SeqCst) {
                    break;
                }
                ACTIVE.fetch_sub(1, SeqCst); // a fork began meanwhile: let it go first
            }
        }
        DEPTH.set(DEPTH.get() + 1);
    }

    pub(super) fn leave() {
        let depth = DEPTH.get() - 1;
        DEPTH.set(depth);
        if depth == 0 {
            ACTIVE.fetch_sub(1, SeqCst);
        }
    }
}

#[cfg(not(unix))]
mod imp {
    pub(super) fn enter() {}
    pub(super) fn leave() {}
}

/// Marks this thread as inside SQLite until the guard drops.
pub(super) fn enter() -> Guard {
    imp::enter();
    Guard(std::marker::PhantomData)
}

impl Drop for Guard {
    fn drop(&mut self) {
        imp::leave();
    }
}
