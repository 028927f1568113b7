//! Places: the plugin folder, TMPDIR and the output folder missing, misplaced, read-only or
//! full; an existing package is kept on failure.

use super::*;

#[test]
fn plugin_folder_missing() {
    let case = Case::new(SHOWN);
    let o = run(pluginctl()
        .args(["build", "no-such-plugin", "-q", "-o"])
        .arg(&case.out)
        .current_dir(case.out_parent.path())
        .env("TMPDIR", case.tmp.path()));
    case.assert_failed(
        &o,
        3,
        Line::Exact("error: no-such-plugin: no such folder; give the plugin's folder (the one holding wazo/)"),
    );
}

#[test]
fn plugin_folder_is_a_file() {
    let case = Case::new(SHOWN);
    let o = run(pluginctl()
        .args(["build", "wazo/plugin.yml", "-q", "-o"])
        .arg(&case.out)
        .current_dir(case.path())
        .env("TMPDIR", case.tmp.path()));
    case.assert_failed(
        &o,
        3,
        Line::Exact("error: wazo/plugin.yml: not a folder; give the plugin's folder (the one holding wazo/)"),
    );
}

#[test]
fn tmpdir_missing() {
    let case = Case::new(SHOWN);
    let missing = case.tmp.path().join("gone");
    let o = run(case.cmd().env("TMPDIR", &missing));
    case.assert_failed(
        &o,
        1,
        Line::Exact(&format!(
            "error: TMPDIR={}: cannot create the staging folder: no such file or directory (point TMPDIR to a writable folder)",
            missing.display()
        )),
    );
}

#[test]
fn tmpdir_inside_the_checkout() {
    // `cp -R . "$pkgdir"` would copy the staging folder into itself.
    let case = Case::new(SHOWN);
    std::fs::create_dir(case.path().join("tmp")).unwrap();
    let inside = case.path().canonicalize().unwrap().join("tmp");
    let o = run(case.cmd().env("TMPDIR", &inside));
    let line = case.assert_failed(
        &o,
        2,
        Line::Has(&[
            &inside.display().to_string(),
            "the staging folder would be inside the plugin folder; set TMPDIR to another place",
        ]),
    );
    assert!(line.contains("pluginctl-stage-"), "{line}");
    assert_eq!(leftovers(&inside), Vec::<PathBuf>::new());
}

#[test]
fn output_folder_missing_is_created() {
    let case = Case::new(SHOWN);
    let out = case.out.join("a/b");
    let o = run(&mut case.cmd_to(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(leftovers(&out), [out.join(DEB)]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn output_folder_is_a_file() {
    let case = Case::new(SHOWN);
    let file = case.out.join("file");
    std::fs::write(&file, "x").unwrap();
    let o = run(&mut case.cmd_to(&file));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the output path is not a folder\n",
            file.display()
        )
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
    assert_eq!(leftovers(&case.out), [file]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
    assert!(case.ran().is_empty());
}

#[test]
fn output_folder_read_only() {
    let case = Case::new(SHOWN);
    let ro = case.out.clone();
    let bind = match Mount::new(&["--bind", ro.to_str().unwrap()], &ro) {
        Ok(m) => m,
        Err(why) => {
            skip(&format!(
                "output_folder_read_only: cannot bind-mount ({why})"
            ));
            return;
        }
    };
    let remount = Mount::new(&["-o", "remount,bind,ro"], &ro);
    if let Err(why) = &remount {
        skip(&format!(
            "output_folder_read_only: cannot remount read-only ({why})"
        ));
        return;
    }
    // One umount undoes the bind mount: the read-only remount is the same mount.
    std::mem::forget(remount);
    case.fails(
        1,
        Line::Exact(&format!(
            "error: {}: cannot write into the output folder: read-only file system",
            ro.display()
        )),
    );
    assert!(
        case.ran().is_empty(),
        "rules ran before the output was checked"
    );
    drop(bind);
}

#[test]
fn output_folder_on_a_full_disk() {
    let case = Case::package("        head -c 3000000 /dev/urandom > \"$pkgdir/blob\"");
    let tmpfs = match Mount::new(&["-t", "tmpfs", "-o", "size=1m", "tmpfs"], &case.out) {
        Ok(m) => m,
        Err(why) => {
            skip(&format!(
                "output_folder_on_a_full_disk: cannot mount a tmpfs ({why})"
            ));
            return;
        }
    };
    case.fails(
        1,
        Line::Has(&[
            &case.out.display().to_string(),
            "no space left on device (free some space)",
        ]),
    );
    drop(tmpfs);
}

#[test]
fn existing_package_is_kept_when_the_build_fails() {
    let case = Case::package("        exit 1");
    let deb = case.out.join(DEB);
    std::fs::write(&deb, "the previous package").unwrap();
    let o = run(&mut case.cmd());
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(std::fs::read(&deb).unwrap(), b"the previous package");
    assert_eq!(leftovers(&case.out), [deb]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn existing_package_is_replaced_on_success() {
    let case = Case::new(SHOWN);
    let deb = case.out.join(DEB);
    std::fs::write(&deb, "the previous package").unwrap();
    let old_inode = std::fs::metadata(&deb).unwrap().ino();
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    // Renamed into place: a new file, never the old one rewritten in place.
    assert_ne!(std::fs::metadata(&deb).unwrap().ino(), old_inode);
    assert_eq!(dpkg_deb(&deb, &["--field", "Version"]).trim(), "1.0");
    assert_eq!(leftovers(&case.out), [deb]);
}
