//! `pluginctl completions SHELL` and `pluginctl man`: generated from the clap definitions,
//! loadable by the shell and renderable by groff.

use crate::support::*;
use std::process::Command;

const COMMANDS: [&str; 6] = ["build", "inspect", "new", "index", "completions", "man"];

#[test]
fn bash_completions_load_and_complete_subcommands() {
    let script = format!(
        "set -e; source <({bin} completions bash); complete -p pluginctl; \
         COMP_WORDS=(pluginctl in); COMP_CWORD=1; COMP_LINE='pluginctl in'; COMP_POINT=12; \
         _pluginctl pluginctl in pluginctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        bin = bin()
    );
    let o = run(Command::new("bash").arg("-c").arg(&script));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let out = stdout(&o);
    let registered = out.lines().next().unwrap_or("");
    assert!(
        registered.starts_with("complete ") && registered.ends_with(" -F _pluginctl pluginctl"),
        "{out}"
    );
    let replies: Vec<&str> = out.lines().skip(1).collect();
    assert!(replies.contains(&"inspect"), "{out}");
    assert!(replies.contains(&"index"), "{out}");
    assert!(!replies.contains(&"build"), "{out}");
}

#[test]
fn zsh_and_fish_completions_name_every_command() {
    for shell in ["zsh", "fish"] {
        let o = run(pluginctl().args(["completions", shell]));
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        for c in COMMANDS {
            assert!(text.contains(c), "{shell}: {c} missing");
        }
        assert!(
            text.contains("keep-going"),
            "{shell}: build's flags missing"
        );
    }
    let o = run(pluginctl().args(["completions", "tcsh"]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_page_renders_without_warnings() {
    let o = run(pluginctl().arg("man"));
    assert!(o.status.success(), "{}", stderr(&o));
    let roff = stdout(&o);
    assert!(roff.contains(".TH pluginctl 1"), "{roff}");
    let page = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(page.path(), &roff).unwrap();
    let o = run(Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .arg(page.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "groff warned: {}", stderr(&o));
    // Bold is drawn by overstriking (`b\x08b`): keep the last character of each.
    let mut text = String::new();
    for ch in stdout(&o).chars() {
        if ch == '\u{8}' {
            text.pop();
        } else {
            text.push(ch);
        }
    }
    for c in COMMANDS {
        // groff renders the roff minus of `pluginctl\-build` as - or U+2212.
        assert!(
            ["-", "\u{2212}", "\u{2010}"]
                .iter()
                .any(|dash| text.contains(&format!("pluginctl{dash}{c}"))),
            "{c} missing: {text}"
        );
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(pluginctl().arg("man").arg("--dir").arg(dir.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let mut pages: Vec<String> = leftovers(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    // Every command has its page (commands added later get theirs too).
    for page in COMMANDS
        .iter()
        .map(|c| format!("pluginctl-{c}.1"))
        .chain(["pluginctl.1".to_string()])
    {
        assert!(pages.contains(&page), "{page} missing: {pages:?}");
    }
    assert!(pages
        .iter()
        .all(|p| p.starts_with("pluginctl") && p.ends_with(".1") || p == "pluginctl-plugin.yml.5"));
    let build = std::fs::read_to_string(dir.path().join("pluginctl-build.1")).unwrap();
    assert!(build.contains("keep\\-going"), "{build}");
}

#[test]
fn man_dir_replaces_a_link_where_a_page_goes_and_never_writes_through_it() {
    // Regression: `man --dir` wrote each page with a plain write, which follows a symlink
    // sitting at its name and overwrote the file it points to.
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    std::fs::create_dir(&pages).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "not a manual page").unwrap();
    std::os::unix::fs::symlink(&victim, pages.join("pluginctl-build.1")).unwrap();
    // A dangling link (which a write would create the target of) and a link to a folder.
    let created = dir.path().join("created-through-the-link");
    std::os::unix::fs::symlink(&created, pages.join("pluginctl.1")).unwrap();
    std::os::unix::fs::symlink(dir.path(), pages.join("pluginctl-lint.1")).unwrap();
    let o = run(pluginctl().arg("man").arg("--dir").arg(&pages));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&victim).unwrap(), b"not a manual page");
    assert!(
        !created.exists(),
        "a page was written through a dangling link"
    );
    for page in ["pluginctl-build.1", "pluginctl.1", "pluginctl-lint.1"] {
        let meta = std::fs::symlink_metadata(pages.join(page)).unwrap();
        assert!(meta.is_file(), "{page} is not a regular file now");
        let text = std::fs::read_to_string(pages.join(page)).unwrap();
        assert!(text.starts_with(".TH "), "{page}: {text}");
    }
    let names: Vec<_> = leftovers(&pages)
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(names, Vec::<std::path::PathBuf>::new(), "temporaries left");
}

#[test]
fn man_dir_on_a_full_disk_leaves_no_page_and_no_folder_it_made() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    // 16 KiB: the folders and the first pages fit, not all nine.
    let tmpfs = match crate::errors::Mount::new(&["-t", "tmpfs", "-o", "size=16k", "tmpfs"], &mnt) {
        Ok(m) => m,
        Err(why) => {
            skip(&format!(
                "man_dir_on_a_full_disk_leaves_no_page_and_no_folder_it_made: \
                 cannot mount a tmpfs ({why})"
            ));
            return;
        }
    };
    let pages = mnt.join("share/man1");
    let o = run(pluginctl().arg("man").arg("--dir").arg(&pages));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("error: {}/pluginctl", pages.display()))
            && err.ends_with(".1: cannot write: no space left on device (free some space)\n"),
        "{err}"
    );
    assert_eq!(leftovers(&mnt), Vec::<std::path::PathBuf>::new());
    // Into a folder that was there: it stays, empty.
    std::fs::create_dir(mnt.join("there")).unwrap();
    let o = run(pluginctl().arg("man").arg("--dir").arg(mnt.join("there")));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(leftovers(&mnt), vec![mnt.join("there")]);
    assert_eq!(
        leftovers(&mnt.join("there")),
        Vec::<std::path::PathBuf>::new()
    );
    drop(tmpfs);
}
