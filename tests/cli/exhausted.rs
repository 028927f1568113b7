//! An exhausted machine: too little address space for the threads asked, and what a killed
//! run leaves behind. Every build ends with a package or one error line, never a panic or an
//! abort, and leaves nothing that the next run does not clean.

use crate::support::*;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

/// Limits the address space of `cmd` as `ulimit -v KIB` does.
fn ulimit_v(cmd: &mut Command, kib: u64) -> &mut Command {
    // SAFETY: between fork and exec, only setrlimit(2), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: kib * 1024,
                rlim_max: kib * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// A plugin of many folders and `mib` MiB of incompressible data: every thread pool starts.
fn busy_plugin(mib: u32) -> Plugin {
    let p = Plugin::new(
        "name: busy\nnamespace: demo\nversion: \"1.0.0\"\nplugin_format_version: 2\ndisplay_name: Busy\n",
    );
    p.rules(&marker_rules(&format!(
        "        for d in $(seq 1 40); do mkdir -p \"$pkgdir/usr/share/busy/d$d/e\"; \
         echo $d > \"$pkgdir/usr/share/busy/d$d/e/f\"; done\n\
         \x20       head -c {} /dev/urandom > \"$pkgdir/usr/share/busy/blob\"",
        mib << 20
    )));
    p
}

#[test]
fn many_threads_in_little_memory_build_or_fail_in_one_line() {
    // Regression: under `ulimit -v 500000`, `-Z gzip --threads 16` aborted on a 256 KiB
    // buffer (glibc had given the address space to one malloc arena per thread), and
    // --threads 64 panicked with "failed to spawn thread"; both left the build's files.
    let plugin = busy_plugin(8);
    let tmp = tempfile::tempdir().unwrap();
    for (algo, threads) in [("gzip", "16"), ("gzip", "64"), ("gzip", "128")] {
        let out = tempfile::tempdir().unwrap();
        let o = run(ulimit_v(
            plugin
                .build_cmd(out.path())
                .env("TMPDIR", tmp.path())
                .args(["-q", "-Z", algo, "--threads", threads]),
            500_000,
        ));
        let err = stderr(&o);
        let what = format!("-Z {algo} --threads {threads}: {err}");
        match o.status.code() {
            Some(0) => {
                assert_eq!(err, "", "{what}");
                let debs = leftovers(out.path());
                assert_eq!(debs.len(), 1, "{what}");
                dpkg_deb(&debs[0], &["--info"]);
            }
            Some(1) => {
                assert_eq!(err.lines().count(), 1, "{what}");
                assert!(err.starts_with("error: "), "{what}");
                assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new(), "{what}");
            }
            _ => panic!("{what} ended with {:?}", o.status),
        }
        assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "{what}");
    }
}

#[test]
fn zstd_takes_no_more_workers_than_the_address_space_holds() {
    // Regression: each zstd worker takes a thread stack and a job in and out; under
    // `ulimit -v 500000`, 32 MiB at --threads 64 (32 workers) failed half-way with
    // "allocation error : not enough memory".
    let plugin = busy_plugin(32);
    let out = tempfile::tempdir().unwrap();
    let o = run(ulimit_v(
        plugin
            .build_cmd(out.path())
            .args(["-q", "-Z", "zstd", "--threads", "64"]),
        500_000,
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let debs = leftovers(out.path());
    assert_eq!(debs.len(), 1);
    let root = DpkgRoot::new();
    root.install(&debs[0]);
    root.remove("wazo-plugind-busy-demo");
}

/// The pid of a process that has ended.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn a_killed_index_leaves_nothing_the_next_one_does_not_clean() {
    // Regression: index (and market, and man --dir) wrote their files through temporaries
    // named `.pluginctl-XXXXXX.tmp`, without the pid the next run needs to tell a dead
    // run's from a live one's: a killed run's stayed forever.
    let repo = tempfile::tempdir().unwrap();
    let dead = dead_pid();
    let stale = repo.path().join(format!(".pluginctl-{dead}-a1b2c3.tmp"));
    std::fs::write(&stale, "half a Packages file").unwrap();
    let o = run(pluginctl().arg("index").arg(repo.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists(), "the dead run's temporary is still there");
    // A live run's temporary is left alone: our own test process holds its pid.
    let live = repo
        .path()
        .join(format!(".pluginctl-{}-d4e5f6.tmp", std::process::id()));
    std::fs::write(&live, "").unwrap();
    let o = run(pluginctl().arg("index").arg(repo.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(live.exists(), "a live run's temporary was removed");
}

#[test]
fn a_killed_new_leaves_nothing_the_next_one_does_not_clean() {
    // Regression: `new` wrote the skeleton into `.pluginctl-new-XXXXXX/` beside the target,
    // without a pid: a killed run's folder stayed forever.
    let parent = tempfile::tempdir().unwrap();
    let stale = parent
        .path()
        .join(format!(".pluginctl-{}-new-a1b2c3", dead_pid()));
    write(stale.join("wazo/plugin.yml"), "half a skeleton");
    let live = parent
        .path()
        .join(format!(".pluginctl-{}-new-d4e5f6", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let o = run(pluginctl()
        .args(["new", "hello", "--namespace", "demo"])
        .arg(parent.path().join("hello")));
    assert!(o.status.success(), "{}", stderr(&o));
    let mut left = leftovers(parent.path());
    left.sort();
    assert_eq!(left, vec![live, parent.path().join("hello")]);
}
