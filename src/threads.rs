//! Starting threads on a machine that may have none left to give.
//!
//! `std::thread::spawn` panics when the system refuses a thread (`ulimit -v`, `ulimit -u`,
//! a full pid table), and a panic in the middle of starting a pool can leave the threads
//! already started waiting for work that never comes. Every thread pluginctl starts goes
//! through here instead: the refusal is an error the caller handles, by working with the
//! threads it already has or by stopping with [`refused`]'s one line.

use std::io;
use std::thread::{Builder, JoinHandle, Scope, ScopedJoinHandle};

/// Starts `f` on a new thread, or says why the system refused one.
pub(crate) fn spawn<F, T>(f: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    allowed()?;
    Builder::new().spawn(f)
}

/// Starts `f` on a new thread of `scope`, or says why the system refused one.
pub(crate) fn spawn_scoped<'scope, 'env, F, T>(
    scope: &'scope Scope<'scope, 'env>,
    f: F,
) -> io::Result<ScopedJoinHandle<'scope, T>>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    allowed()?;
    Builder::new().spawn_scoped(scope, f)
}

/// The error of a thread the system would not start, as one line with the way out.
pub(crate) fn refused(err: io::Error) -> crate::Error {
    if let Some(sig) = crate::interrupt::pending() {
        return crate::Error::Interrupted(sig);
    }
    crate::Error::Io(format!(
        "cannot start a thread: {} (the machine is out of memory or threads; \
         try --threads 1 or raise ulimit -v / ulimit -u)",
        crate::error::describe_io(&err)
    ))
}

/// Caps glibc's malloc arenas at two. By default each thread that allocates gets an arena of
/// its own (up to 8 per core), and each reserves 64 MiB of address space (128 MiB while it
/// is made): under `ulimit -v 500000`, `build -Z gzip --threads 16` spent the limit on
/// arenas and aborted on a 256 KiB buffer, in 3 runs of 3; with two arenas, 3 of 3 built,
/// at 16, 64 and 128 threads. The worker threads allocate a few buffers per 256 KiB block
/// (above malloc's mmap threshold, so outside the arenas); no cost could be told from the
/// noise of the shared 2-core machine it was measured on (see BENCHMARKS.md, "Exhausted
/// machine").
pub(crate) fn few_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter of the allocator; called before any
    // thread is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// At most `wanted` threads, fewer when the address space is limited (`ulimit -v`) and
/// `each` bytes per thread would take more than half of it: for a pool that allocates as it
/// goes (zstd's workers), where running out half-way is an error, not a fallback.
pub(crate) fn affordable(wanted: u32, each: u64) -> u32 {
    let Ok(limit) = rustix::process::getrlimit(rustix::process::Resource::As)
        .current
        .ok_or(())
    else {
        return wanted;
    };
    let fit = (limit / 2 / each.max(1)).clamp(1, u64::from(u32::MAX)) as u32;
    wanted.min(fit)
}

thread_local! {
    /// True while this thread runs [`without_panic_message`]'s closure.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into `None` without the panic message: for a library that
/// asserts where it should return an error (zlib-rs asserts that a new compressor got its
/// memory), so that the caller can report one line instead.
pub(crate) fn without_panic_message<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.ok()
}

#[cfg(not(test))]
fn allowed() -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
thread_local! {
    /// In unit tests: how many more threads this thread may start (unlimited when None).
    static BUDGET: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// In unit tests: the threads started from this thread after the next `n` are refused, as a
/// machine out of threads refuses them (EAGAIN).
#[cfg(test)]
pub(crate) fn refuse_after(n: usize) {
    BUDGET.with(|b| b.set(Some(n)));
}

#[cfg(test)]
fn allowed() -> io::Result<()> {
    BUDGET.with(|b| match b.get() {
        Some(0) => Err(io::Error::from_raw_os_error(libc::EAGAIN)),
        Some(n) => {
            b.set(Some(n - 1));
            Ok(())
        }
        None => Ok(()),
    })
}
