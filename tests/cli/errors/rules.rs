//! The rules file and what its steps stage: refused before a step runs, or failing with
//! its own status; nothing is left behind.

use super::*;

/// The rules file is refused before any step runs.
fn bad_rules(case: &Case, line: &str) {
    case.fails(3, Line::Exact(line));
    assert!(case.ran().is_empty(), "a rules step ran: {:?}", case.ran());
}

#[test]
fn rules_missing() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        "error: wazo/rules: not found; a plugin needs an executable wazo/rules file that answers build, package, install and uninstall",
    );
}

#[test]
fn rules_is_a_folder() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    std::fs::create_dir(case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        "error: wazo/rules: a folder, not a file; wazo/rules must be an executable script",
    );
}

#[test]
fn rules_not_executable() {
    let case = Case::new(SHOWN);
    chmod(case.path().join("wazo/rules"), 0o644);
    bad_rules(
        &case,
        "error: wazo/rules: not executable (chmod +x wazo/rules)",
    );
}

#[test]
fn rules_with_a_missing_interpreter() {
    let case = Case::new(SHOWN);
    case.plugin
        .rules("#!/nonexistent/interpreter -e\necho \"$1\" >> \"$MARKS/ran\"\n");
    bad_rules(
        &case,
        "error: wazo/rules: its #! line names the interpreter /nonexistent/interpreter, which is missing (install it or change the #! line)",
    );
}

#[test]
fn rules_without_shebang() {
    let case = Case::new(SHOWN);
    case.plugin.rules("echo \"$1\" >> \"$MARKS/ran\"\n");
    bad_rules(
        &case,
        "error: wazo/rules: does not start with #!, so it cannot be executed (add #!/bin/sh as its first line)",
    );
}

#[test]
fn rules_empty_file() {
    let case = Case::new(SHOWN);
    case.plugin.rules("");
    bad_rules(
        &case,
        "error: wazo/rules: does not start with #!, so it cannot be executed (add #!/bin/sh as its first line)",
    );
}

#[test]
fn rules_with_crlf_line_endings() {
    let case = Case::new(SHOWN);
    case.plugin
        .rules(&recording_rules("        :").replace('\n', "\r\n"));
    bad_rules(&case, "error: wazo/rules: line 1: CR LF line endings: the interpreter line and every command end in a carriage return, so the file will not run (convert it: dos2unix wazo/rules)");
}

#[test]
fn rules_symlink_leaving_the_checkout() {
    let case = Case::new(SHOWN);
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), recording_rules("        :")).unwrap();
    chmod(outside.path(), 0o755);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    std::os::unix::fs::symlink(outside.path(), case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        &format!(
            "error: wazo/rules: a symlink to {}, outside the plugin folder; make it a regular file",
            outside.path().canonicalize().unwrap().display()
        ),
    );
}

#[test]
fn rules_dangling_symlink() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    std::os::unix::fs::symlink("nowhere", case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        "error: wazo/rules: a dangling symlink; make it a regular file",
    );
}

#[test]
fn wazo_folder_symlink_leaving_the_checkout() {
    // The whole wazo/ folder is a link to another checkout: nothing of it is read or run.
    let case = Case::new(SHOWN);
    let other = Plugin::new(SHOWN);
    other.rules(&recording_rules("        :"));
    std::fs::remove_dir_all(case.path().join("wazo")).unwrap();
    std::os::unix::fs::symlink(other.path().join("wazo"), case.path().join("wazo")).unwrap();
    let real = other.path().canonicalize().unwrap().join("wazo/plugin.yml");
    bad_rules(
        &case,
        &format!(
            "error: wazo/plugin.yml: resolves to {}, outside the plugin folder; make it a regular file of the checkout",
            real.display()
        ),
    );
    // lint judges it with the same checks: two errors, and nothing read out there is judged.
    let report = crate::lint::lint_one(case.path());
    assert_eq!(report.status, 1, "{:#}", report.json);
    assert_eq!(
        report.message("manifest-invalid"),
        format!(
            "resolves to {}, outside the plugin folder; make it a regular file of the checkout",
            real.display()
        )
    );
    assert_eq!(
        report.message("rules-not-regular"),
        format!(
            "resolves to {}, outside the plugin folder (is wazo/ a symlink?); make wazo/ a folder of the checkout",
            other.path().canonicalize().unwrap().join("wazo/rules").display()
        )
    );
}

#[test]
fn rules_build_step_fails() {
    let case = Case::new(SHOWN);
    case.plugin
        .rules("#!/bin/sh\necho \"$1\" >> \"$MARKS/ran\"\n[ \"$1\" = build ] && exit 2\nexit 0\n");
    case.fails(
        4,
        Line::Exact("error: wazo/rules: `rules build` failed (exit status 2); nothing was written"),
    );
    assert_eq!(case.ran(), ["build"]);
}

#[test]
fn a_failed_build_removes_the_output_folders_it_created() {
    let case = Case::package("        exit 7");
    let fresh = case.out_parent.path().join("new");
    let o = run(&mut case.cmd_to(&fresh.join("deeper")));
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(!fresh.exists(), "{} was left behind", fresh.display());
    // A folder that was there before stays, empty or not.
    let o = run(&mut case.cmd());
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(case.out.is_dir());
}

#[test]
fn rules_package_step_fails() {
    let case = Case::package("        touch \"$pkgdir/half-done\"\n        exit 7");
    case.fails(
        4,
        Line::Exact(
            "error: wazo/rules: `rules package` failed (exit status 7); nothing was written",
        ),
    );
    assert_eq!(case.ran(), ["build", "package"]);
}

#[test]
fn rules_step_killed_by_a_signal() {
    let case = Case::package("        kill -KILL $$");
    case.fails(
        4,
        Line::Exact(
            "error: wazo/rules: `rules package` was killed by SIGKILL; nothing was written",
        ),
    );
}

#[test]
fn rules_step_aborts() {
    let case = Case::package("        kill -ABRT $$");
    case.fails(4, Line::Has(&["`rules package` was killed by SIGABRT"]));
}

#[test]
fn staged_fifo() {
    let case = Case::package("        mkdir -p \"$pkgdir/run\" && mkfifo \"$pkgdir/run/pipe\"");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/run/pipe: a FIFO; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn the_first_refusal_in_archive_order_is_the_one_reported() {
    // The staged tree is walked on several threads; of three FIFOs far apart (the later ones
    // nearer the top, so found sooner), the message names the first in archive order, as a
    // walk on one thread would, every time.
    let case = Case::package(
        "        for i in $(seq 10 49); do mkdir -p \"$pkgdir/usr/share/w/d$i/sub\"; touch \"$pkgdir/usr/share/w/d$i/sub/f\"; done\n        mkfifo \"$pkgdir/usr/share/w/d13/sub/p\" \"$pkgdir/usr/share/w/d41/p\" \"$pkgdir/usr/share/w/zz\"",
    );
    for _ in 0..5 {
        case.fails(
            3,
            Line::Exact("error: $pkgdir/usr/share/w/d13/sub/p: a FIFO; a package cannot carry it (remove it in wazo/rules package)"),
        );
    }
}

#[test]
fn staged_socket() {
    let case = Case::package(
        "        python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \"$pkgdir/sock\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/sock: a socket; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn staged_character_device() {
    let case = Case::package("        mknod \"$pkgdir/null\" c 1 3");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/null: a character device; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn staged_block_device() {
    let case = Case::package("        mkdir \"$pkgdir/dev\" && mknod \"$pkgdir/dev/loop\" b 7 200");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/dev/loop: a block device; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn fifo_in_the_checkouts_wazo_folder() {
    let case = Case::new(SHOWN);
    mkfifo(&case.path().join("wazo/pipe"));
    case.fails(
        3,
        Line::Exact(
            "error: wazo/pipe: a FIFO; a package cannot carry it (remove it from the checkout)",
        ),
    );
}

#[test]
fn non_utf8_file_name_in_the_checkouts_wazo_folder() {
    let case = Case::new(SHOWN);
    let name = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9");
    std::fs::write(case.path().join("wazo").join(name), "x").unwrap();
    case.fails(
        3,
        Line::Exact("error: wazo/caf\u{fffd}: the file name is not valid UTF-8; rename it"),
    );
}

#[test]
fn staged_non_utf8_file_name() {
    let case = Case::package("        touch \"$pkgdir/$(printf 'caf\\351')\"");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/caf\u{fffd}: the file name is not valid UTF-8; rename it"),
    );
}

#[test]
fn staged_file_name_with_a_newline() {
    let case = Case::package("        touch \"$pkgdir/a\nb\"");
    case.fails(
        3,
        Line::Exact("error: \"$pkgdir/a\\nb\": a file name with a line break cannot be listed in md5sums; rename it"),
    );
}

#[test]
fn staged_debian_folder() {
    let case = Case::package(
        "        mkdir -p \"$pkgdir/DEBIAN\" && echo 'Package: evil' > \"$pkgdir/DEBIAN/control\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/DEBIAN: a DEBIAN folder; control files are written by pluginctl, remove it from $pkgdir"),
    );
}

#[test]
fn staged_files_in_the_plugins_own_place() {
    let case = Case::package(
        "        d=\"$pkgdir/usr/lib/wazo-plugind/plugins/demo/hello/wazo\"\n        mkdir -p \"$d\" && echo evil > \"$d/plugin.yml\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/lib/wazo-plugind/plugins/demo/hello/wazo: /usr/lib/wazo-plugind/plugins/demo/hello/ is filled by pluginctl from the plugin's wazo/ folder; install elsewhere"),
    );
}

#[test]
fn staged_file_at_the_plugins_own_place() {
    let case = Case::package(
        "        d=\"$pkgdir/usr/lib/wazo-plugind/plugins/demo\"\n        mkdir -p \"$d\" && echo evil > \"$d/hello\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/lib/wazo-plugind/plugins/demo/hello: a file, but the package has /usr/lib/wazo-plugind/plugins/demo/hello/wazo below it; make it a folder (or leave it out)"),
    );
}

#[test]
fn staged_symlink_above_the_plugins_own_place() {
    // Unpacking would write the plugin's files through the link, wherever it points.
    let case = Case::package(
        "        mkdir -p \"$pkgdir/usr/lib\" && ln -s /tmp \"$pkgdir/usr/lib/wazo-plugind\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/lib/wazo-plugind: a symlink, but the package has /usr/lib/wazo-plugind/plugins below it; make it a folder (or leave it out)"),
    );
}

#[test]
fn staged_symlink_at_the_doc_folder() {
    let case = Case::package(
        "        mkdir -p \"$pkgdir/usr/share/doc\" && ln -s /etc \"$pkgdir/usr/share/doc/wazo-plugind-hello-demo\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/share/doc/wazo-plugind-hello-demo: a symlink, but the package has /usr/share/doc/wazo-plugind-hello-demo/changelog.gz below it; make it a folder (or leave it out)"),
    );
}

#[test]
fn rules_output_of_tens_of_megabytes_without_newlines() {
    // 48 MB on stdout and stderr, no line break: streamed in bounded pieces, no deadlock.
    let case = Case::package(
        "        head -c 24000000 /dev/zero | tr '\\0' x\n        head -c 24000000 /dev/zero | tr '\\0' y >&2\n        exit 5",
    );
    let (o, took, max_rss_kib) =
        run_measured(case.cmd_showing_rules_output().arg("-o").arg(&case.out));
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(err.len() > 48_000_000, "{}", err.len());
    let lines: Vec<&str> = err.lines().collect();
    let prefix = "[rules package] ".len();
    assert!(
        lines.iter().all(|l| l.len() <= prefix + (64 << 10)),
        "a line over the cap"
    );
    assert!(lines[..lines.len() - 1]
        .iter()
        .all(|l| l.starts_with("[rules package] ")));
    assert_eq!(
        *lines.last().unwrap(),
        "error: wazo/rules: `rules package` failed (exit status 5); nothing was written"
    );
    eprintln!(
        "48 MB of rules output: {} bytes of stderr in {took:?}, peak memory {max_rss_kib} KiB",
        err.len()
    );
    assert!(max_rss_kib < 100 << 10, "used {max_rss_kib} KiB");
    assert!(took < Duration::from_secs(120), "{took:?}");
    case.assert_clean();
}

#[test]
fn leftover_background_process_does_not_hang_the_build() {
    // A step that leaves a process holding its output open: the build goes on, and the
    // process is stopped with the step's group.
    let case = Case::package("        sleep 600 &\n        echo $! > \"$MARKS/bg\"");
    let started = Instant::now();
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let bg: i32 = std::fs::read_to_string(case.marks.path().join("bg"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_gone(bg, false),
        "the background process {bg} still runs"
    );
}
