//! Forged output lines: a value that pluginctl echoes (a path given on the command line, a
//! file name inside a package, a field value) that holds a line break or a terminal control
//! is shown escaped, on the one line it belongs to, through every entry point: it can never
//! pass for an `error:` line of pluginctl's or an `E:` finding of lint's.

use crate::support::*;
use std::path::Path;
use std::process::Command;

/// The stderr of a run that fails with `status`; asserts nothing went to stdout.
fn fails(cmd: &mut Command, status: i32) -> String {
    let o = run(cmd);
    assert_eq!(o.status.code(), Some(status), "{}", stderr(&o));
    stderr(&o)
}

#[test]
fn a_path_with_a_line_break_is_one_escaped_line_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let forged = dir.path().join("x\nerror: fake.deb");
    let shown = format!("{}/x\\nerror: fake.deb", dir.path().display());
    assert_eq!(
        fails(pluginctl().arg("inspect").arg(&forged), 1),
        format!("error: {shown}: cannot open: no such file or directory\n")
    );
    assert_eq!(
        fails(pluginctl().arg("build").arg(&forged), 3),
        format!(
            "error: {shown}: no such folder; give the plugin's folder (the one holding wazo/)\n"
        )
    );
    assert_eq!(
        fails(pluginctl().arg("index").arg(&forged), 1),
        format!("error: {shown}: cannot read: no such file or directory\n")
    );
    let err = fails(pluginctl().arg("market").arg(&forged), 3);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("error: {shown}")), "{err}");
    // lint reports on stdout: one finding line, then the summary.
    let o = run(pluginctl().arg("lint").arg(&forged));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "E: {shown}: input-unreadable: no such file or directory; give a plugin folder \
             or a .deb file\n1 input checked: 1 error, 0 warnings, 0 info\n"
        )
    );
    // Terminal controls too: a carriage return or an escape sequence cannot redraw the line.
    let redraw = dir.path().join("y\r\u{1b}[2Kerror: fake");
    assert_eq!(
        fails(pluginctl().arg("inspect").arg(&redraw), 1),
        format!(
            "error: {}/y\\r\\u{{1b}}[2Kerror: fake: cannot open: no such file or directory\n",
            dir.path().display()
        )
    );
}

#[test]
fn results_on_stdout_name_a_path_with_a_line_break_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // build -o, index and new print the paths they wrote.
    let out = dir.path().join("out\nerror: forged");
    let shown_out = format!("{}/out\\nerror: forged", dir.path().display());
    let o = run(pluginctl()
        .arg("build")
        .arg(helloworld())
        .arg("-o")
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let name = "wazo-plugind-helloworld-demo_0.0.1_all.deb";
    assert_eq!(stdout(&o), format!("{shown_out}/{name}\n"));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!("pluginctl: built {shown_out}/{name} (")),
        "{}",
        stderr(&o)
    );
    let deb = out.join(name);
    let o = run(pluginctl().arg("index").arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("{shown_out}/Packages\n{shown_out}/Packages.gz\n{shown_out}/Release\n")
    );
    assert_eq!(
        stderr(&o),
        format!("pluginctl: indexed 1 package in {shown_out}\n")
    );
    // inspect: the path on its first line, and in --json a plain JSON string.
    let o = run(pluginctl().arg("inspect").arg(&deb));
    assert!(o.status.success(), "{}", stderr(&o));
    let first = stdout(&o).lines().next().unwrap().to_string();
    assert!(
        first.starts_with(&format!("{shown_out}/{name}: Debian binary package")),
        "{first}"
    );
    let o = run(pluginctl().arg("inspect").arg("--json").arg(&deb));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["path"], deb.display().to_string());
    let o = run(pluginctl()
        .args(["new", "hello", "--namespace", "demo"])
        .arg(dir.path().join("new\nerror: forged")));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("{}/new\\nerror: forged\n", dir.path().display())
    );
}

/// A package rebuilt by dpkg-deb from `deb` with one more control field.
fn with_field(deb: &Path, field: &str, into: &Path) -> std::path::PathBuf {
    let tree = into.join("tree");
    let o = run(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&tree));
    assert!(o.status.success(), "{}", stderr(&o));
    let control = tree.join("DEBIAN/control");
    let mut text = std::fs::read_to_string(&control).unwrap();
    text.push_str(field);
    std::fs::write(&control, text).unwrap();
    let out = into.join("crafted.deb");
    let o = run(Command::new("dpkg-deb").arg("-b").arg(&tree).arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn a_field_value_or_a_file_name_in_a_package_cannot_redraw_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let deb = build_helloworld(&dir.path().join("out"));
    let crafted = with_field(&deb, "X-Evil: a\u{1b}[2K\rerror: forged\n", dir.path());
    let o = run(pluginctl().arg("inspect").arg(&crafted));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l == " X-Evil: a\\u{1b}[2K\\rerror: forged"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains(['\r', '\u{1b}']));
    let o = run(pluginctl().arg("lint").arg(&crafted));
    assert!(!stdout(&o).contains(['\r', '\u{1b}']), "{}", stdout(&o));

    // A staged file name with an escape sequence: archived (dpkg takes it), listed escaped.
    let p = Plugin::simple("esc", "demo", "1.0", 1);
    p.rules(&marker_rules(
        "        mkdir -p \"$pkgdir/usr/share/esc\"; echo x > \"$pkgdir/usr/share/esc/a$(printf '\\033')[2Kb\"",
    ));
    let built = p.build_unlinted(|_| {});
    let o = run(pluginctl().arg("inspect").arg(&built.deb));
    assert!(
        stdout(&o).contains("./usr/share/esc/a\\033[2Kb\n"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains('\u{1b}'));
}
