//! The .deb container: what dpkg-deb reads and dpkg --unpack refuses, ar members,
//! compressions, damage.

use super::*;

// ---------------------------------------------------------------- .deb container

#[test]
fn a_pax_deb_passes_dpkg_deb_info_but_not_dpkg_unpack() {
    let raw = Raw::of(&hello_deb().deb);
    let members = raw.members(&["--format=gnu"], &["--format=pax"]);
    let deb = raw.ar("pax.deb", &members);
    dpkg_deb_info_accepts(&deb);
    assert!(dpkg_unpack_refuses(&deb).contains("unsupported PAX tar header type"));
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["E:pax-header"]);
    let f = r.expect("E", "pax-header");
    assert_eq!(f["path"], format!("{}!data.tar.gz", deb.display()));
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("preceded by a PAX header"));
    assert_eq!(r.status, 1);
}

#[test]
fn a_sparse_entry_is_refused_by_dpkg() {
    let raw = Raw::of(&hello_deb().deb);
    let sparse = raw.path("usr/share/hello.img");
    let f = std::fs::File::create(&sparse).unwrap();
    f.set_len(4 << 20).unwrap();
    drop(f);
    let members = raw.members(&["--format=gnu"], &["--format=gnu", "--sparse"]);
    let deb = raw.ar("sparse.deb", &members);
    dpkg_deb_info_accepts(&deb);
    assert!(dpkg_unpack_refuses(&deb).contains("unsupported GNU tar header type 'S'"));
    let r = lint_one(&deb);
    r.expect("E", "sparse-entry");
    assert!(!r.tags().contains(&"E:unsupported-tar-entry".to_string()));
}

#[test]
fn a_missing_parent_folder_is_refused_by_dpkg() {
    let raw = Raw::of(&hello_deb().deb);
    // Every path except the folders of usr/share: their files come without parents.
    let list = raw.dir.path().join("list");
    let o = run(Command::new("sh")
        .arg("-c")
        .arg("find . -path ./DEBIAN -prune -o -print | sort | grep -v '^./usr/share' > \"$1\"; find ./usr/share -type f | sort >> \"$1\"")
        .arg("sh")
        .arg(&list)
        .current_dir(raw.root()));
    assert!(o.status.success());
    let data = raw.tar(
        "",
        &[
            "--format=gnu",
            "--no-recursion",
            "-T",
            list.to_str().unwrap(),
        ],
    );
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    members[2].1 = data;
    let deb = raw.ar("parents.deb", &members);
    dpkg_deb_info_accepts(&deb);
    assert!(dpkg_unpack_refuses(&deb).contains("No such file or directory"));
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["E:missing-parent-dir"]);
    assert!(r
        .message("missing-parent-dir")
        .starts_with("3 entries without an entry for their parent folder"));
}

#[test]
fn files_that_are_not_a_deb_or_are_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("plugin.yml");
    write(&text, "name: hello\n");
    let r = lint_one(&text);
    assert_eq!(r.tags(), ["E:not-a-deb"]);
    assert!(r
        .message("not-a-deb")
        .ends_with("; to lint a plugin checkout, give its folder"));
    let empty = dir.path().join("empty.deb");
    write(&empty, "");
    assert_eq!(lint_one(&empty).tags(), ["E:not-a-deb"]);

    let built = hello_deb();
    let bytes = std::fs::read(&built.deb).unwrap();
    let cut = dir.path().join("cut.deb");
    for len in [bytes.len() / 2, bytes.len() - 20, 70] {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let r = lint_one(&cut);
        assert!(
            r.tags().contains(&"E:truncated-package".to_string()),
            "cut at {len}: {:?}",
            r.tags()
        );
        assert_eq!(r.status, 1);
    }
    let o = run(Command::new("dpkg-deb").arg("--info").arg(&cut));
    assert!(!o.status.success());
}

#[test]
fn ar_members_names_order_and_debian_binary() {
    let raw = Raw::of(&hello_deb().deb);
    let good = raw.members(&["--format=gnu"], &["--format=gnu"]);
    let pick = |order: &[usize]| -> Vec<(String, Vec<u8>)> {
        order.iter().map(|&i| good[i].clone()).collect()
    };

    let swapped = raw.ar("swapped.deb", &pick(&[0, 2, 1]));
    assert_eq!(lint_one(&swapped).tags(), ["E:ar-member-order"]);
    assert!(!run(Command::new("dpkg-deb").arg("--info").arg(&swapped))
        .status
        .success());

    let no_binary = raw.ar("nobinary.deb", &pick(&[1, 2]));
    assert!(lint_one(&no_binary)
        .tags()
        .contains(&"E:ar-member-order".to_string()));

    let mut v3 = good.clone();
    v3[0].1 = b"3.0\n".to_vec();
    let r = lint_one(&raw.ar("v3.deb", &v3));
    assert_eq!(r.tags(), ["E:bad-debian-binary"]);

    let mut extra = good.clone();
    extra.push(("_gpgorigin".into(), b"signature".to_vec()));
    let r = lint_one(&raw.ar("extra.deb", &extra));
    assert_eq!(r.tags(), ["I:extra-ar-member"]);
    assert_eq!(r.status, 0);

    // A damaged member header: its end marker, then its size field.
    let deb = raw.ar("header.deb", &good);
    let bytes = std::fs::read(&deb).unwrap();
    let mut marker = bytes.clone();
    marker[8 + 58..8 + 60].copy_from_slice(b"!!");
    std::fs::write(&deb, &marker).unwrap();
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["E:bad-ar-header"]);
    assert_eq!(
        r.message("bad-ar-header"),
        "ar member header at byte 8 has a bad end marker"
    );
    assert!(!run(Command::new("dpkg-deb").arg("--info").arg(&deb))
        .status
        .success());
    let mut size = bytes;
    size[8 + 48..8 + 50].copy_from_slice(b"x1");
    std::fs::write(&deb, &size).unwrap();
    assert_eq!(lint_one(&deb).tags(), ["E:bad-ar-header"]);

    let mut unknown = good.clone();
    unknown.insert(1, ("README".into(), b"hello".to_vec()));
    assert_eq!(
        lint_one(&raw.ar("unknown.deb", &unknown)).tags(),
        ["E:unknown-ar-member"]
    );
}

#[test]
fn compressions_dpkg_cannot_or_no_longer_reads() {
    let raw = Raw::of(&hello_deb().deb);
    let good = raw.members(&["--format=gnu"], &["--format=gnu"]);
    let bz2 = |gz: &[u8]| -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.gz");
        std::fs::write(&p, gz).unwrap();
        let o = run(Command::new("sh")
            .arg("-c")
            .arg("gzip -dc \"$1\" | bzip2 -c")
            .arg("sh")
            .arg(&p));
        assert!(o.status.success());
        o.stdout
    };
    let mut data_bz2 = good.clone();
    data_bz2[2] = ("data.tar.bz2".into(), bz2(&good[2].1));
    let deb = raw.ar("databz2.deb", &data_bz2);
    dpkg_deb_info_accepts(&deb);
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["W:unsupported-compression"]);

    let mut control_bz2 = good.clone();
    control_bz2[1] = ("control.tar.bz2".into(), bz2(&good[1].1));
    let r = lint_one(&raw.ar("controlbz2.deb", &control_bz2));
    assert!(
        r.tags().contains(&"E:unknown-ar-member".to_string()),
        "{:?}",
        r.tags()
    );
}

#[test]
fn a_damaged_member_is_corrupt() {
    let raw = Raw::of(&hello_deb().deb);
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    let data = &mut members[2].1;
    let middle = data.len() / 2;
    for b in &mut data[middle..middle + 16] {
        *b ^= 0x5a;
    }
    let r = lint_one(&raw.ar("damaged.deb", &members));
    r.expect("E", "corrupt-member");
    assert_eq!(r.status, 1);
}
