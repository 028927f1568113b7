//! `build --ref` names the plugin's files as the user knows them, in git's notation for a
//! file at a ref (`v1.0:wazo/plugin.yml`, `v1.0:plugins/hello/wazo/plugin.yml`, what `git
//! show` takes), never by the temporary clone they were read from.

use super::*;
use std::path::{Path, PathBuf};

/// A work tree holding a plugin with `manifest` and `rules` in the folder `at` ("" for the
/// top), committed and tagged v1.0; returns it and the plugin's folder.
fn tagged(manifest: &str, rules: &str, at: &str) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::Builder::new().prefix("work-").tempdir().unwrap();
    let dir = work.path().join(at);
    write(dir.join("wazo/plugin.yml"), manifest);
    write(dir.join("wazo/rules"), rules);
    chmod(dir.join("wazo/rules"), 0o755);
    commit_all(work.path());
    git(work.path(), &["tag", "v1.0"]);
    (work, dir)
}

/// `build DIR --ref v1.0 -q`, which must fail with `code` and leave nothing; its stderr.
fn refused(dir: &Path, code: i32) -> String {
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build(
        &[dir.to_str().unwrap(), "--ref", "v1.0", "-q"],
        out.path(),
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    stderr(&o)
}

#[test]
fn errors_about_files_at_a_ref_name_them_ref_colon_path() {
    for (at, shown) in [("", ""), ("plugins/hello", "plugins/hello/")] {
        // A manifest error, with its line and column.
        let (_work, dir) = tagged(
            "name: hello\nnamespace: acme\nversion: 1.0 beta\n",
            &marker_rules("        :"),
            at,
        );
        assert_eq!(
            refused(&dir, 3),
            format!(
                "error: v1.0:{shown}wazo/plugin.yml:3:10: version \"1.0 beta\": a space is not \
                 allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)\n"
            )
        );
        // A failing step.
        let (_work, dir) = tagged(
            "name: hello\nnamespace: acme\nversion: \"1.0\"\ndisplay_name: Hello\n",
            "#!/bin/sh\nexit 1\n",
            at,
        );
        assert_eq!(
            refused(&dir, 4),
            format!(
                "error: v1.0:{shown}wazo/rules: `rules build` failed (exit status 1); nothing \
                 was written\n"
            )
        );
    }
}

#[test]
fn lint_warnings_of_build_at_a_ref_name_the_file_ref_colon_path() {
    let (_work, dir) = tagged(
        "name: hello\nnamespace: acme\nversion: \"1.0\"\n",
        &marker_rules("        :"),
        "plugins/hello",
    );
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build(
        &[dir.to_str().unwrap(), "--ref", "v1.0", "-q"],
        out.path(),
        tmp.path(),
    );
    let deb = the_deb(&o, out.path());
    assert_eq!(
        stderr(&o),
        "warning: v1.0:plugins/hello/wazo/plugin.yml: missing-display-name: no display_name: \
         the Wazo market lists plugins by it, and it is the package's synopsis\n"
    );
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    check_with_dpkg(&deb, "wazo-plugind-hello-acme");
}

/// A plugin file that links to another file of the repository, outside the plugin's folder:
/// both are named at the ref (the target was shown as its path in the clone).
#[test]
fn a_link_out_of_the_plugin_folder_names_its_target_at_the_ref() {
    let (work, dir) = tagged(
        "name: hello\nnamespace: acme\nversion: \"1.0\"\ndisplay_name: Hello\n",
        &marker_rules("        :"),
        "plugins/hello",
    );
    std::fs::rename(dir.join("wazo/plugin.yml"), work.path().join("shared.yml")).unwrap();
    std::os::unix::fs::symlink("../../../shared.yml", dir.join("wazo/plugin.yml")).unwrap();
    commit_all(work.path());
    git(work.path(), &["tag", "-f", "v1.0"]);
    assert_eq!(
        refused(&dir, 3),
        "error: v1.0:plugins/hello/wazo/plugin.yml: resolves to v1.0:shared.yml, outside the \
         plugin folder; make it a regular file of the checkout\n"
    );
}

/// An I/O error on a file of the clone (a folder the build step left unreadable, run as a
/// normal user so that the read is refused): the file is named at the ref, not in the
/// temporary clone (`/tmp/pluginctl-stage-.../clone/wazo/sub`).
#[test]
fn an_io_error_in_the_clone_names_the_file_at_the_ref() {
    if !is_root() {
        println!("SKIPPED an_io_error_in_the_clone_names_the_file_at_the_ref: needs root to become another user");
        return;
    }
    let (work, _) = tagged(
        "name: hello\nnamespace: acme\nversion: \"1.0\"\ndisplay_name: Hello\n\
         author: A <a@b.example>\n",
        "#!/bin/sh\nset -e\ncase \"$1\" in\n    build)\n        mkdir wazo/sub\n        \
         touch wazo/sub/f\n        chmod 000 wazo/sub\n        ;;\nesac\n",
        "",
    );
    let remote = bare(work.path());
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build_as_nobody("v1.0", remote.path(), &["-q"], out.path(), tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: v1.0:wazo/sub: cannot read: permission denied (check the folder's permissions)\n"
    );
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
}
