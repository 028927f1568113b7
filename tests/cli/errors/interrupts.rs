//! Interrupts: SIGINT, SIGTERM and SIGHUP during a rules step or the archive writing end
//! the build by that signal, with nothing left behind.

use super::*;

fn interrupt_during_package(sig: i32, status: i32, name: &str, snippet: &str) {
    let case = Case::package(&format!(
        "        echo $$ > \"$MARKS/pgid.tmp\" && mv \"$MARKS/pgid.tmp\" \"$MARKS/pgid\"\n        touch \"$pkgdir/partial\"\n{snippet}"
    ));
    let pgid_file = case.marks.path().join("pgid");
    let child = spawn(&mut case.cmd());
    assert!(
        wait_for(Duration::from_secs(30), || pgid_file.exists()),
        "rules package never started"
    );
    let pgid: i32 = std::fs::read_to_string(&pgid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, sig) };
    let started = Instant::now();
    let o = child.wait_with_output().unwrap();
    eprintln!(
        "{name} during rules package: stopped in {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    case.assert_failed(
        &o,
        status,
        Line::Exact(&format!(
            "error: interrupted by {name}; nothing was written"
        )),
    );
    assert!(
        wait_gone(pgid, true),
        "the rules process group {pgid} still runs"
    );
}

#[test]
fn sigint_during_rules_package() {
    interrupt_during_package(libc::SIGINT, 130, "SIGINT", "        sleep 600");
}

#[test]
fn sigterm_during_rules_package() {
    interrupt_during_package(libc::SIGTERM, 143, "SIGTERM", "        sleep 600");
}

#[test]
fn sighup_during_rules_package() {
    interrupt_during_package(libc::SIGHUP, 129, "SIGHUP", "        sleep 600");
}

#[test]
fn sigterm_reaches_a_step_that_ignores_it() {
    // The step and its children ignore the signal: after a grace period the group is killed.
    interrupt_during_package(
        libc::SIGTERM,
        143,
        "SIGTERM",
        "        trap '' TERM INT HUP\n        sleep 600",
    );
}

#[test]
fn sigint_during_rules_package_with_a_background_child() {
    interrupt_during_package(
        libc::SIGINT,
        130,
        "SIGINT",
        "        sleep 600 &\n        sleep 600 &\n        wait",
    );
}

fn interrupt_during_archive(sig: i32, status: i32, name: &str) {
    // 32 MiB of incompressible data takes seconds to xz, even in a release build.
    let case = Case::package(
        "        head -c 33554432 /dev/urandom > \"$pkgdir/blob\"\n        head -c 1000 /dev/urandom > \"$pkgdir/small\"",
    );
    let child = spawn(&mut case.cmd());
    let out = case.out.clone();
    // The temporary data member exists from the first byte of the archive to the rename.
    let writing = wait_for(Duration::from_secs(60), || {
        leftovers(&out).iter().any(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".pluginctl-") && name.ends_with(".data.tmp")
        })
    });
    assert!(writing, "the data member was never being written");
    // One second into the archive, xz's threads are deep in a block (24 MiB at level 6):
    // the signal must still be seen within a fraction of a second, not when the block ends.
    std::thread::sleep(Duration::from_secs(1));
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, sig) };
    let started = Instant::now();
    let o = child.wait_with_output().unwrap();
    eprintln!(
        "{name} during archive writing: stopped in {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{name} took {:?} to stop the archive",
        started.elapsed()
    );
    case.assert_failed(
        &o,
        status,
        Line::Exact(&format!(
            "error: interrupted by {name}; nothing was written"
        )),
    );
}

#[test]
fn sigint_during_archive_writing() {
    interrupt_during_archive(libc::SIGINT, 130, "SIGINT");
}

#[test]
fn sigterm_during_archive_writing() {
    interrupt_during_archive(libc::SIGTERM, 143, "SIGTERM");
}
