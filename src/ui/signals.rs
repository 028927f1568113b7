//! Interrupts: SIGINT, SIGTERM and SIGHUP are recorded, not acted on at once.
//!
//! Every command must stop within about a second, remove its temporaries and then die by the
//! signal it got, so that a shell loop around pluginctl stops too (status 130 for SIGINT).
//! The handler only stores the signal number and forwards it to the running rules process
//! group; the work polls `check` (every read of an input goes through `Interruptible`)
//! and unwinds normally, so every `Drop` cleanup runs; `main` then calls [`die_if_pending`].
//! A second signal is not waited for: the handler restores the default action and re-raises.
//!
//! Raw `libc` rather than signal-hook: the handler must also forward the signal to the rules
//! process group and re-raise on the second one, both a few async-signal-safe calls; libc is
//! already a dependency, and signal-hook's chaining registry would add a crate and a lock for
//! nothing we use.

use std::io::{self, Read};
use std::sync::atomic::{AtomicI32, Ordering};

static PENDING: AtomicI32 = AtomicI32::new(0);
static CHILD_GROUP: AtomicI32 = AtomicI32::new(0);

/// The signals that stop a command.
const STOPPING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(sig: libc::c_int) {
    let group = CHILD_GROUP.load(Ordering::SeqCst);
    if group > 0 {
        // SAFETY: kill(2) is async-signal-safe; a stale group id only yields ESRCH.
        unsafe {
            libc::kill(-group, sig);
        }
    }
    if PENDING.swap(sig, Ordering::SeqCst) != 0 {
        // The second signal: the user does not want to wait for the cleanup. The rules
        // step goes first, so that nothing of the run survives it.
        // SAFETY: kill(2), signal(2) and raise(3) are async-signal-safe.
        unsafe {
            if group > 0 {
                libc::kill(-group, libc::SIGKILL);
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Installs the recording handler for SIGINT, SIGTERM and SIGHUP, except for a signal the
/// caller ignores (`nohup` ignores SIGHUP; a shell's background job, SIGINT): that stays
/// ignored, as the caller asked.
pub(crate) fn install() {
    for sig in STOPPING {
        // SAFETY: the handler only touches atomics and calls async-signal-safe functions;
        // the first sigaction call only reads the current action.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// The signal received since start, if any.
pub(crate) fn pending() -> Option<i32> {
    match PENDING.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Fails with [`crate::Error::Interrupted`] once a signal was received.
pub(crate) fn check() -> crate::Result<()> {
    match pending() {
        Some(sig) => Err(crate::Error::Interrupted(sig)),
        None => Ok(()),
    }
}

/// Records the process group of the running rules step, so a signal reaches it too.
pub(crate) fn set_child_group(group: Option<u32>) {
    CHILD_GROUP.store(group.map_or(0, |g| g as i32), Ordering::SeqCst);
}

/// Once the work has unwound: if a signal was received, die by it (default action, then
/// raise), so the parent sees a signal death and not an exit status. Returns otherwise.
pub fn die_if_pending() {
    let Some(sig) = pending() else {
        return;
    };
    // SAFETY: restoring the default action and raising a signal at ourselves; the signal
    // is unblocked first in case the caller runs with it blocked.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
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

/// [`check`] for streaming code: an I/O error once a signal was received, so that readers
/// and writers stacked on it stop at their next call.
pub(crate) fn check_io() -> io::Result<()> {
    match pending() {
        // Not ErrorKind::Interrupted: std's read and write loops retry that kind.
        Some(sig) => Err(io::Error::other(format!(
            "interrupted by {}",
            crate::error::signal_name(sig)
        ))),
        None => Ok(()),
    }
}

/// Opens an input file for reading, refusing anything but a regular file without blocking:
/// the open is non-blocking (a FIFO without a writer would wait forever), the type is checked
/// on the open descriptor (no race with a swap after a `stat`), then blocking is restored.
/// Reads through the result stop once a signal is pending.
pub(crate) fn open_input(
    path: impl AsRef<std::path::Path>,
) -> io::Result<Interruptible<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}, not a regular file", kind_name(kind)),
        ));
    }
    let fd = file.as_raw_fd();
    // SAFETY: F_GETFL/F_SETFL on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(Interruptible(file))
}

/// `a FIFO`, `a folder`: what a non-regular file is, for messages.
pub(crate) fn kind_name(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_file() {
        "a regular file"
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Makes sure descriptors 0, 1 and 2 are open (on `/dev/null` when closed): with `2>&-`,
/// the first file pluginctl opens would otherwise become its stderr.
pub fn guard_standard_descriptors() {
    for fd in 0..3 {
        // SAFETY: F_GETFD only queries; open(2) of /dev/null returns the lowest free
        // descriptor, which is `fd` since the lower ones are open.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) < 0 {
                let flags = if fd == 0 {
                    libc::O_RDONLY
                } else {
                    libc::O_WRONLY
                };
                libc::open(c"/dev/null".as_ptr(), flags);
            }
        }
    }
}
