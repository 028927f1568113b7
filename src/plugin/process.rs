//! The processes pluginctl starts (rules steps, git): each leads its own process group, which
//! a signal we receive is forwarded to and which is killed whole when the step ends, so that
//! nothing a step started outlives the build.
//!
//! System calls go through rustix (geteuid, waitid, kill of the group, pidfd_open, poll), which
//! is safe and already in the tree, and so does the drop of root in the child. The one `unsafe`
//! left here is `pre_exec`: code run between fork and exec has no safe form in std (see
//! [`in_child`]).

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Duration;

use rustix::process::{Pid, Signal, WaitId, WaitIdOptions};

/// True when this process runs as root.
pub(crate) fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// How long an interrupted step may take to stop before its process group is killed.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Makes the child lead its own process group (a signal we receive is forwarded to the whole
/// step), and sets what runs in it before exec: umask 022 (so the modes of what the step
/// creates, and so the package's bytes, do not depend on the caller's umask), and with `id`,
/// the drop to that unprivileged user and group.
pub(crate) fn in_child(cmd: &mut Command, id: Option<u32>) {
    cmd.process_group(0);
    // SAFETY: between fork and exec only async-signal-safe calls may run: umask(2), and
    // rustix's raw setgroups(2), setresgid(2), setresuid(2) and prctl(2), on the child's own
    // state; nothing is allocated or locked.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(0o022);
            if let Some(id) = id {
                drop_root(id)?;
            }
            Ok(())
        });
    }
}

/// In the child, before exec: becomes `id` (user and group, no supplementary groups) for
/// good, and can never gain privileges again (a setuid `sudo` in the step stays unprivileged).
fn drop_root(id: u32) -> std::io::Result<()> {
    use rustix::process::{Gid, Uid};
    use rustix::thread::{
        set_no_new_privs, set_thread_groups, set_thread_res_gid, set_thread_res_uid,
    };
    // The child has one thread, so these per-thread system calls (what rustix makes, without
    // glibc's broadcast to every thread) change the whole process.
    let (uid, gid) = (Uid::from_raw(id), Gid::from_raw(id));
    set_thread_groups(&[])?;
    set_thread_res_gid(gid, gid, gid)?;
    set_thread_res_uid(uid, uid, uid)?;
    set_no_new_privs(true)?;
    Ok(())
}

/// Kills the process group led by `leader` (a child not reaped yet, so the id is still its).
pub(crate) fn kill_group(leader: u32) {
    if let Some(pid) = Pid::from_raw(leader as i32) {
        // An error means the group is already gone: nothing to kill.
        let _ = rustix::process::kill_process_group(pid, Signal::KILL);
    }
}

/// Waits for a child that leads its own process group (a rules step, git) to end. Once we
/// are interrupted, one that does not stop within [`STOP_GRACE`] is killed. When it ends,
/// whatever it left running in its process group is killed too, before the leader is reaped
/// so that the group id cannot have been reused.
pub(crate) fn wait_group(
    child: &mut std::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    let leader = child.id();
    let pid = Pid::from_raw(leader as i32)
        .ok_or_else(|| std::io::Error::other("a child without a process id"))?;
    let exit = ExitWatch::new(pid);
    let mut interrupted: Option<std::time::Instant> = None;
    loop {
        // WNOWAIT leaves the child to be reaped by `wait` below.
        match rustix::process::waitid(
            WaitId::Pid(pid),
            WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG,
        ) {
            Ok(Some(_)) => break,
            Ok(None) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
        if crate::interrupt::pending().is_some() {
            let since = *interrupted.get_or_insert_with(std::time::Instant::now);
            if since.elapsed() >= STOP_GRACE {
                kill_group(leader);
            }
        }
        exit.wait(Duration::from_millis(20));
    }
    // The leader is a zombie, so the group id is still ours.
    kill_group(leader);
    child.wait()
}

/// Waits for a child's exit without polling it: a short step costs its own run time, not
/// that plus a polling interval (twice per build, for `build` and `package`).
struct ExitWatch(Option<std::os::fd::OwnedFd>);

impl ExitWatch {
    /// Watches our own child `pid`, not reaped yet; without pidfd_open (kernels before 5.3)
    /// the wait below sleeps instead.
    fn new(pid: Pid) -> ExitWatch {
        ExitWatch(rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok())
    }

    /// Returns when the child has exited, or after `most` (so that signals are seen).
    fn wait(&self, most: Duration) {
        use rustix::event::{PollFd, PollFlags, Timespec};
        match &self.0 {
            Some(fd) => {
                let mut fds = [PollFd::new(fd, PollFlags::IN)];
                let timeout = Timespec::try_from(most).unwrap_or(Timespec {
                    tv_sec: 0,
                    tv_nsec: 20_000_000,
                });
                // A signal or the timeout only ends the wait early.
                let _ = rustix::event::poll(&mut fds, Some(&timeout));
            }
            None => std::thread::sleep(most),
        }
    }
}
