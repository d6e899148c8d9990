//! A VFS over SQLite's own `unix` VFS that hands a commit's WAL frames to the kernel together,
//! and lets the writer thread sync a commit on another thread.
//!
//! SQLite writes each WAL frame with two `pwrite`s (a 24-byte header, then the page): with 1 KiB
//! pages and a hundred or more creates per group commit that was well over a thousand system
//! calls per commit, the largest share of the writer thread's time. Here consecutive WAL writes
//! are gathered in a buffer and written in 64 KiB pieces before the WAL is synced (or read,
//! resized, closed). Every other file (the database, its `-shm`) is `unix`'s own, untouched.
//!
//! Why it is safe: the store runs with `synchronous = FULL`, so every commit syncs the WAL
//! (flushing this buffer first) before SQLite publishes the new frames in the shared WAL index;
//! no other connection or process reads a frame before that, and a crash before the sync loses
//! only a transaction that had not committed, as without the buffer. A write that fails is
//! reported by the sync that flushes it, which fails the commit. With `synchronous` below FULL
//! frames could be published while still buffered: `connect` never sets that.
//!
//! Deferred syncs ([`deferring`]): the commit's frames are written, but the `fsync` is left owed
//! to the caller, which runs it on another thread while the writer goes on with the next batch,
//! and answers the batch only after it (writer.rs). A crash before that sync can lose the commit
//! — and every later one, which the WAL's running checksum chains to it — but no call that
//! returned. Syncs stay in place where the order of writes matters: a WAL header (written when
//! the WAL starts over), a handle's first sync (it also syncs the directory of a new WAL), and
//! checkpoints (they copy frames into the database only once the WAL holding them is synced).
use std::cell::{Cell, RefCell};
use std::ffi::{CStr, c_int, c_void};
use std::fs::File;
use std::sync::{Arc, OnceLock};

use rusqlite::ffi;

use crate::error::{Error, Result};

const NAME: &CStr = c"tokensmith-wal";

/// Buffered bytes past which they go to the kernel without waiting for the sync.
const FLUSH_AT: usize = 4 << 20;

/// Largest piece handed to unix's `xWrite`: it writes at most 128 KiB − 1 per call (and
/// reports a longer write as a full disk).
const WRITE_CHUNK: usize = 64 << 10;

/// Bytes of the WAL header; a write below this offset starts the WAL over.
const WAL_HEADER: i64 = 32;

thread_local! {
    /// On while [`deferring`] runs a commit on this thread.
    static DEFER: Cell<bool> = const { Cell::new(false) };
    /// The WAL whose sync a deferred commit left owed.
    static OWED: RefCell<Option<Arc<SyncFile>>> = const { RefCell::new(None) };
}

/// Our own descriptor of a WAL, to sync it from another thread.
struct SyncFile {
    file: File,
    #[cfg_attr(not(test), allow(dead_code))]
    path: String,
}

/// A WAL sync a commit left owed: until it has run, the commit may not survive a power loss.
pub(super) struct OwedSync(Arc<SyncFile>);

impl OwedSync {
    /// Syncs the WAL: every frame written before this call starts (`fsync` works on the file,
    /// whichever descriptor asks).
    pub(super) fn sync(&self) -> std::io::Result<()> {
        #[cfg(test)]
        if failing::is(&self.0.path) {
            return Err(std::io::Error::other("injected sync failure"));
        }
        self.0.file.sync_data()
    }
}

/// Tests make the syncs of one WAL fail (a disk error cannot be had on demand).
#[cfg(test)]
pub(super) mod failing {
    use std::sync::Mutex;

    static PATHS: Mutex<Vec<String>> = Mutex::new(Vec::new());

    pub(in super::super) fn set(wal: &str, fail: bool) {
        let mut paths = PATHS.lock().unwrap();
        paths.retain(|p| p != wal);
        if fail {
            paths.push(wal.to_owned());
        }
    }

    pub(super) fn is(wal: &str) -> bool {
        PATHS.lock().unwrap().iter().any(|p| p == wal)
    }
}

/// Runs `commit` on this thread with its WAL sync deferred: the sync is returned, owed, instead
/// of done (`None` if every sync ran in place, or nothing was written).
pub(super) fn deferring<R>(commit: impl FnOnce() -> R) -> (R, Option<OwedSync>) {
    DEFER.set(true);
    let r = commit();
    DEFER.set(false);
    (r, OWED.take().map(OwedSync))
}

/// Runs `f` with its syncs in place, inside a deferred commit (a checkpoint the commit runs).
pub(super) fn syncing_in_place<R>(f: impl FnOnce() -> R) -> R {
    let was = DEFER.replace(false);
    let r = f();
    DEFER.set(was);
    r
}

/// Registers the VFS (once per process) and returns its name for `open_with_flags_and_vfs`.
pub(super) fn name() -> Result<&'static CStr> {
    static REGISTERED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    REGISTERED.get_or_init(register).clone().map_err(|e| Error::StoreUnavailable(format!("sqlite: {e}")))?;
    Ok(NAME)
}

/// The `unix` VFS everything is forwarded to.
fn unix() -> *mut ffi::sqlite3_vfs {
    static UNIX: OnceLock<usize> = OnceLock::new();
    // SAFETY: `sqlite3_vfs_find` may be called at any time; the VFS it returns lives for the process.
    *UNIX.get_or_init(|| unsafe { ffi::sqlite3_vfs_find(c"unix".as_ptr()) } as usize) as *mut ffi::sqlite3_vfs
}

fn register() -> std::result::Result<(), String> {
    // SAFETY: initialising SQLite is idempotent and thread-safe.
    if unsafe { ffi::sqlite3_initialize() } != ffi::SQLITE_OK {
        return Err("cannot initialise SQLite".into());
    }
    let base = unix();
    if base.is_null() {
        return Err("SQLite has no unix VFS".into());
    }
    // SAFETY: `base` is a registered VFS, valid for the process. The copy keeps its methods
    // (none of which depends on which VFS object it is called with but `xOpen`, replaced) and
    // gets room for our file object in front of unix's own.
    let vfs = unsafe {
        let mut vfs = *base;
        vfs.zName = NAME.as_ptr();
        vfs.pNext = std::ptr::null_mut();
        vfs.szOsFile = (std::mem::size_of::<WalFile>() + (*base).szOsFile as usize) as c_int;
        vfs.xOpen = Some(open);
        vfs
    };
    // Registered VFS objects must outlive every connection: leak it (once per process).
    let vfs = Box::into_raw(Box::new(vfs));
    // SAFETY: `vfs` is a valid, never-freed VFS object; not made the default.
    match unsafe { ffi::sqlite3_vfs_register(vfs, 0) } {
        ffi::SQLITE_OK => Ok(()),
        rc => Err(format!("cannot register the WAL VFS (error {rc})")),
    }
}

/// Our file object for a WAL: SQLite's `sqlite3_file` header (pointing at [`WAL_METHODS`]), then
/// the buffer, then (at `real`) unix's own file object, in the same allocation.
#[repr(C)]
struct WalFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    /// Bytes not yet written, meant for file offset `start`.
    buf: Vec<u8>,
    start: i64,
    /// The WAL's path (`None` if not UTF-8: then every sync runs in place).
    path: Option<String>,
    /// A descriptor of our own to sync the WAL from another thread, opened at the first deferral.
    sync_file: Option<Arc<SyncFile>>,
    /// The header was written since the last sync: the next sync runs in place.
    header_written: bool,
    /// A sync ran in place through this handle (unix's first one also syncs the directory).
    synced_once: bool,
}

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let unix = unix();
    // SAFETY (whole function): SQLite passes `file` pointing at `szOsFile` writable bytes, which
    // we sized as a `WalFile` followed by unix's file object; unix's `xOpen` is always present.
    unsafe {
        let unix_open = (*unix).xOpen.expect("unix VFS has xOpen");
        if flags & ffi::SQLITE_OPEN_WAL == 0 {
            // Not a WAL: unix's own file object, in place, with unix's methods.
            return unix_open(unix, name, file, flags, out_flags);
        }
        let real = file.cast::<u8>().add(std::mem::size_of::<WalFile>()).cast::<ffi::sqlite3_file>();
        let rc = unix_open(unix, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            // SQLite calls no method of a file whose open failed when `pMethods` is null.
            (*file).pMethods = std::ptr::null();
            return rc;
        }
        // A WAL's name is never null: it is the database's name with `-wal` appended.
        let path = (!name.is_null()).then(|| CStr::from_ptr(name).to_str().ok().map(str::to_owned)).flatten();
        file.cast::<WalFile>().write(WalFile {
            base: ffi::sqlite3_file { pMethods: &WAL_METHODS },
            real,
            buf: Vec::new(),
            start: 0,
            path,
            sync_file: None,
            header_written: false,
            synced_once: false,
        });
        ffi::SQLITE_OK
    }
}

/// The WAL file behind a `sqlite3_file` that [`open`] set up.
///
/// SAFETY: `file` must be a WAL file opened by [`open`] and not closed; SQLite calls a file's
/// methods from one thread at a time (a connection is used by one thread at a time).
unsafe fn wal<'a>(file: *mut ffi::sqlite3_file) -> &'a mut WalFile {
    unsafe { &mut *file.cast::<WalFile>() }
}

/// unix's methods for the real file.
unsafe fn real_methods(w: &WalFile) -> &ffi::sqlite3_io_methods {
    // SAFETY: unix's `xOpen` succeeded, so its file object has valid, static methods.
    unsafe { &*(*w.real).pMethods }
}

impl WalFile {
    /// Writes the buffered bytes; SQLite's error code if that fails (the bytes are dropped: the
    /// transaction they belong to fails, and its frames are never published).
    fn flush(&mut self) -> c_int {
        if self.buf.is_empty() {
            return ffi::SQLITE_OK;
        }
        // SAFETY: `real` is open; each chunk is valid for its length.
        let write = unsafe { real_methods(self).xWrite.expect("unix file has xWrite") };
        let mut rc = ffi::SQLITE_OK;
        for (k, chunk) in self.buf.chunks(WRITE_CHUNK).enumerate() {
            let at = self.start + (k * WRITE_CHUNK) as i64;
            // SAFETY: as above; WRITE_CHUNK fits a c_int.
            rc = unsafe { write(self.real, chunk.as_ptr().cast(), chunk.len() as c_int, at) };
            if rc != ffi::SQLITE_OK {
                break;
            }
        }
        self.buf.clear();
        rc
    }

    fn end(&self) -> i64 {
        self.start + self.buf.len() as i64
    }

    /// Whether this sync may be left owed (see the module's comment on deferred syncs).
    fn may_defer(&self) -> bool {
        DEFER.get() && self.synced_once && !self.header_written
    }

    /// Our own descriptor of the WAL, opened once. It takes no lock: SQLite locks the database
    /// and its `-shm`, never the WAL, so closing it releases none of SQLite's POSIX locks.
    fn sync_file(&mut self) -> Option<Arc<SyncFile>> {
        if self.sync_file.is_none() {
            let path = self.path.as_deref()?;
            let file = File::open(path).ok()?;
            self.sync_file = Some(Arc::new(SyncFile { file, path: path.to_owned() }));
        }
        self.sync_file.clone()
    }
}

unsafe extern "C" fn write(file: *mut ffi::sqlite3_file, data: *const c_void, amount: c_int, offset: i64) -> c_int {
    // SAFETY: see `wal`; SQLite passes `amount` readable bytes at `data`.
    let w = unsafe { wal(file) };
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), amount.max(0) as usize) };
    let end = offset + bytes.len() as i64;
    if offset < WAL_HEADER {
        w.header_written = true;
    }
    if !w.buf.is_empty() && offset >= w.start && end <= w.end() {
        // A frame rewritten in the same transaction: patch it in the buffer.
        let at = (offset - w.start) as usize;
        w.buf[at..at + bytes.len()].copy_from_slice(bytes);
        return ffi::SQLITE_OK;
    }
    if w.buf.is_empty() || offset != w.end() {
        let rc = w.flush();
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        w.start = offset;
    }
    w.buf.extend_from_slice(bytes);
    if w.buf.len() >= FLUSH_AT { w.flush() } else { ffi::SQLITE_OK }
}

unsafe extern "C" fn read(file: *mut ffi::sqlite3_file, data: *mut c_void, amount: c_int, offset: i64) -> c_int {
    // SAFETY: see `wal`.
    let w = unsafe { wal(file) };
    if !w.buf.is_empty() && offset < w.end() && offset + i64::from(amount) > w.start {
        let rc = w.flush();
        if rc != ffi::SQLITE_OK {
            return rc;
        }
    }
    // SAFETY: forwarding SQLite's own arguments to the open real file.
    unsafe { (real_methods(w).xRead.expect("unix file has xRead"))(w.real, data, amount, offset) }
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: see `wal`.
    let w = unsafe { wal(file) };
    let rc = w.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    if w.may_defer()
        && let Some(owed) = w.sync_file()
    {
        OWED.set(Some(owed));
        return ffi::SQLITE_OK;
    }
    // SAFETY: forwarding to the open real file.
    let rc = unsafe { (real_methods(w).xSync.expect("unix file has xSync"))(w.real, flags) };
    if rc == ffi::SQLITE_OK {
        w.synced_once = true;
        w.header_written = false;
    }
    rc
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: see `wal`.
    let w = unsafe { wal(file) };
    match w.flush() {
        // SAFETY: forwarding to the open real file.
        ffi::SQLITE_OK => unsafe { (real_methods(w).xTruncate.expect("unix file has xTruncate"))(w.real, size) },
        rc => rc,
    }
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: see `wal`.
    let w = unsafe { wal(file) };
    match w.flush() {
        // SAFETY: forwarding to the open real file.
        ffi::SQLITE_OK => unsafe { (real_methods(w).xFileSize.expect("unix file has xFileSize"))(w.real, size) },
        rc => rc,
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: see `wal`. After this SQLite never uses the file again, so our fields are dropped
    // here (the allocation itself is SQLite's).
    unsafe {
        let w = wal(file);
        let flushed = w.flush();
        let closed = (real_methods(w).xClose.expect("unix file has xClose"))(w.real);
        std::ptr::drop_in_place(std::ptr::from_mut(w));
        if flushed != ffi::SQLITE_OK { flushed } else { closed }
    }
}

unsafe extern "C" fn file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    // SAFETY: see `wal`. Flushed first: a control may look at or change the file.
    let w = unsafe { wal(file) };
    match w.flush() {
        // SAFETY: forwarding to the open real file.
        ffi::SQLITE_OK => unsafe {
            (real_methods(w).xFileControl.expect("unix file has xFileControl"))(w.real, op, arg)
        },
        rc => rc,
    }
}

/// The methods that need nothing from the buffer, forwarded as they are.
macro_rules! forward {
    ($name:ident, $method:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> $ret {
            // SAFETY: see `wal`; forwarding SQLite's own arguments to the open real file, whose
            // methods (unix's, version 3) have every entry.
            unsafe {
                let w = wal(file);
                (real_methods(w).$method.expect(concat!("unix file has ", stringify!($method))))(w.real $(, $arg)*)
            }
        }
    };
}

forward!(lock, xLock(level: c_int) -> c_int);
forward!(unlock, xUnlock(level: c_int) -> c_int);
forward!(check_reserved_lock, xCheckReservedLock(out: *mut c_int) -> c_int);
forward!(sector_size, xSectorSize() -> c_int);
forward!(device_characteristics, xDeviceCharacteristics() -> c_int);
forward!(shm_map, xShmMap(region: c_int, size: c_int, extend: c_int, out: *mut *mut c_void) -> c_int);
forward!(shm_lock, xShmLock(offset: c_int, n: c_int, flags: c_int) -> c_int);
forward!(shm_barrier, xShmBarrier() -> ());
forward!(shm_unmap, xShmUnmap(delete: c_int) -> c_int);

/// No memory mapping of the WAL (SQLite never asks for one; a null page means "use xRead").
unsafe extern "C" fn fetch(
    _file: *mut ffi::sqlite3_file,
    _offset: i64,
    _amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: SQLite passes a valid out-pointer.
    unsafe { *out = std::ptr::null_mut() };
    ffi::SQLITE_OK
}

unsafe extern "C" fn unfetch(_file: *mut ffi::sqlite3_file, _offset: i64, _page: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};
