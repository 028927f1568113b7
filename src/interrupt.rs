//! The interrupt flag: the signal received, if any, and the checks every long loop makes.
//!
//! This sits at the bottom of the crate so that every layer (the error type, the file and
//! archive readers, the rules runner) can poll it without naming what installs the handler
//! (`ui::signals`). The handler only writes here; the work reads here and unwinds normally,
//! so every `Drop` cleanup runs before `main` dies by the signal.

use std::io::{self, Read};
use std::sync::atomic::{AtomicI32, Ordering};

/// The first signal received (0: none).
static PENDING: AtomicI32 = AtomicI32::new(0);
/// The process group of the running child step (0: none), which a signal is forwarded to.
static CHILD_GROUP: AtomicI32 = AtomicI32::new(0);

/// Records `sig` as received; returns the signal that was already pending (0 when none).
/// Async-signal-safe: one atomic swap.
pub(crate) fn record(sig: i32) -> i32 {
    PENDING.swap(sig, Ordering::SeqCst)
}

/// The signal received since start, if any.
pub(crate) fn pending() -> Option<i32> {
    match PENDING.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// A signal was received: the work stops, cleans up and the command dies by `.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interrupted(pub i32);

/// Fails once a signal was received (`?` turns it into `Error::Interrupted`).
pub(crate) fn check() -> Result<(), Interrupted> {
    match pending() {
        Some(sig) => Err(Interrupted(sig)),
        None => Ok(()),
    }
}

/// [`check`] for streaming code: an I/O error once a signal was received, so that readers
/// and writers stacked on it stop at their next call.
pub(crate) fn check_io() -> io::Result<()> {
    match pending() {
        // Not ErrorKind::Interrupted: std's read and write loops retry that kind.
        Some(sig) => Err(io::Error::other(format!(
            "interrupted by {}",
            signal_name(sig)
        ))),
        None => Ok(()),
    }
}

/// Records the process group of the running child step, so a signal reaches it too.
pub(crate) fn set_child_group(group: Option<u32>) {
    CHILD_GROUP.store(group.map_or(0, |g| g as i32), Ordering::SeqCst);
}

/// The process group of the running child step (0: none). Async-signal-safe.
pub(crate) fn child_group() -> i32 {
    CHILD_GROUP.load(Ordering::SeqCst)
}

/// A reader that fails once a signal is pending, so that any streaming reader built on it
/// (decompressor, tar walker, digest) stops within one buffer.
#[derive(Debug)]
pub(crate) struct Interruptible<R>(pub R);

impl<R> Interruptible<R> {
    /// The wrapped reader.
    pub(crate) fn get_ref(&self) -> &R {
        &self.0
    }
}

impl<R: Read> Read for Interruptible<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        check_io()?;
        self.0.read(buf)
    }
}

/// The conventional name of a signal number (`SIGTERM`), or `signal N`.
pub(crate) fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}
