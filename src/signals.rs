//! Interrupts: SIGINT, SIGTERM and SIGHUP are recorded, not acted on at once.
//!
//! A build that is interrupted must still remove its staging folder and temporary `.deb`.
//! The handler only stores the signal number and forwards it to the running rules process
//! group; the build loop polls [`pending`] and unwinds normally, so every `Drop` cleanup runs.

use std::sync::atomic::{AtomicI32, Ordering};

static PENDING: AtomicI32 = AtomicI32::new(0);
static CHILD_GROUP: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    PENDING.store(sig, Ordering::SeqCst);
    let group = CHILD_GROUP.load(Ordering::SeqCst);
    if group > 0 {
        // SAFETY: kill(2) is async-signal-safe; a stale group id only yields ESRCH.
        unsafe {
            libc::kill(-group, sig);
        }
    }
}

/// Installs the recording handler for SIGINT, SIGTERM and SIGHUP.
pub fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only touches atomics and calls kill(2), both async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// The signal received since start, if any.
pub fn pending() -> Option<i32> {
    match PENDING.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Fails with [`crate::Error::Interrupted`] once a signal was received.
pub fn check() -> crate::Result<()> {
    match pending() {
        Some(sig) => Err(crate::Error::Interrupted(sig)),
        None => Ok(()),
    }
}

/// Records the process group of the running rules step, so a signal reaches it too.
pub fn set_child_group(group: Option<u32>) {
    CHILD_GROUP.store(group.map_or(0, |g| g as i32), Ordering::SeqCst);
}
