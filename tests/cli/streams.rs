//! Compressed members as dpkg decodes them (section 7 of the specification), each case made
//! by hand with the xz, zstd and gzip tools and `ar`, and judged by a real `dpkg --unpack` in
//! a throwaway root: dpkg reads the first xz stream or zstd frame only, every gzip member,
//! and ignores what follows. `inspect` and `index` must agree with dpkg, and list what dpkg
//! installs; `lint` reports what dpkg never reads. Also the decoders' memory limits.

use crate::support::*;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CONTROL: &str =
    "Package: odd\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: x\n";

/// The control member (xz, as dpkg-deb writes it) and the uncompressed data tar of a small
/// package holding `usr/share/odd/a` and `usr/share/odd/b`.
fn parts(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let tree = dir.join("tree");
    write(tree.join("DEBIAN/control"), CONTROL);
    write(tree.join("usr/share/odd/a"), "a\n");
    write(tree.join("usr/share/odd/b"), "b\n");
    let deb = dir.join("base.deb");
    let o = run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zxz", "--build"])
        .arg(&tree)
        .arg(&deb));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(Command::new("ar").arg("p").arg(&deb).arg("control.tar.xz"));
    assert!(o.status.success(), "{}", stderr(&o));
    let control = o.stdout;
    let o = run(Command::new("dpkg-deb").arg("--fsys-tarfile").arg(&deb));
    assert!(o.status.success(), "{}", stderr(&o));
    (control, o.stdout)
}

/// `bytes` through a compressor's command line (`xz`, `zstd`, `gzip -n`, extra arguments).
fn squeeze(tool: &[&str], bytes: &[u8]) -> Vec<u8> {
    let mut child = Command::new(tool[0])
        .args(&tool[1..])
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{tool:?}");
    o.stdout
}

/// A package of `debian-binary`, then the members given (name, bytes), made with `ar`.
fn pack(dir: &Path, name: &str, members: &[(&str, &[u8])]) -> PathBuf {
    let work = dir.join(format!("{name}-work"));
    write(work.join("debian-binary"), "2.0\n");
    let mut names = vec!["debian-binary"];
    for (member, bytes) in members {
        write(work.join(member), bytes);
        names.push(member);
    }
    let deb = dir.join(format!("{name}.deb"));
    let o = run(Command::new("ar")
        .current_dir(&work)
        .arg("qc")
        .arg(&deb)
        .args(&names));
    assert!(o.status.success(), "{}", stderr(&o));
    deb
}

/// What `dpkg --unpack` makes of the package: `None` when it refuses it, else whether it
/// installed `usr/share/odd/b` (the file the second half of a split holds).
fn dpkg_verdict(deb: &Path) -> Option<bool> {
    let root = DpkgRoot::new();
    let o = root.dpkg(&["--unpack", deb.to_str().unwrap()]);
    o.status
        .success()
        .then(|| root.path().join("usr/share/odd/b").exists())
}

/// What `pluginctl inspect --json` makes of it, in the same terms.
fn inspect_verdict(deb: &Path) -> Option<bool> {
    let o = run(pluginctl().args(["inspect", "--json"]).arg(deb));
    if !o.status.success() {
        return None;
    }
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    Some(
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "./usr/share/odd/b"),
    )
}

/// The lint findings (severity, tag, message) of the package.
fn lint_findings(deb: &Path) -> Vec<(String, String, String)> {
    let o = run(pluginctl().args(["lint", "--json"]).arg(deb));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["inputs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("severity"), s("tag"), s("message"))
        })
        .collect()
}

/// Where a data tar can be cut: after the headers of `./` and `./usr/` (between two
/// entries), and in the middle of the data of the first file.
fn cuts(data: &[u8]) -> [usize; 2] {
    let first_file = data
        .chunks(512)
        .position(|block| block.starts_with(b"./usr/share/odd/a"))
        .unwrap();
    [1024, (first_file + 1) * 512 + 1]
}

#[test]
fn several_streams_and_trailing_bytes_are_judged_as_dpkg_judges_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (control, data) = parts(tmp.path());
    let tools: [(&str, &[&str]); 3] = [
        ("data.tar.xz", &["xz"]),
        ("data.tar.zst", &["zstd", "-q"]),
        ("data.tar.gz", &["gzip", "-n"]),
    ];
    let mut cases: Vec<(String, String, Vec<u8>, u64)> = Vec::new();
    for (member, tool) in tools {
        for cut in cuts(&data) {
            let (first, second) = data.split_at(cut);
            let second = squeeze(tool, second);
            let ignored = if member.ends_with(".gz") {
                0
            } else {
                second.len() as u64
            };
            let bytes = [squeeze(tool, first), second].concat();
            cases.push((format!("{member}-cut-{cut}"), member.into(), bytes, ignored));
        }
        let whole = squeeze(tool, &data);
        let garbage = [whole.clone(), b"garbage\n".to_vec()].concat();
        cases.push((format!("{member}-garbage"), member.into(), garbage, 8));
        cases.push((format!("{member}-whole"), member.into(), whole, 0));
    }
    // What a decoder is meant to pass over: xz stream padding, a zstd skippable frame.
    let padded = [squeeze(&["xz"], &data), vec![0; 8]].concat();
    cases.push(("xz-padding".into(), "data.tar.xz".into(), padded, 0));
    let skippable = [
        squeeze(&["zstd", "-q"], &data),
        vec![0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3],
    ]
    .concat();
    cases.push(("zstd-skippable".into(), "data.tar.zst".into(), skippable, 0));

    let mut seen = Vec::new();
    for (name, member, bytes, ignored) in &cases {
        let deb = pack(
            tmp.path(),
            name,
            &[("control.tar.xz", &control), (member, bytes)],
        );
        let dpkg = dpkg_verdict(&deb);
        let inspected = inspect_verdict(&deb);
        let (o, packages) = index_alone(&deb);
        let indexed = o.status.success() && !packages.is_empty();
        let found = lint_findings(&deb);
        let reported: Vec<&str> = found
            .iter()
            .filter(|(_, t, _)| t == "ignored-member-data")
            .map(|(_, _, m)| m.as_str())
            .collect();
        assert_eq!(
            (inspected, indexed),
            (dpkg, dpkg.is_some()),
            "{name}: dpkg {dpkg:?}, inspect {inspected:?}, index {indexed}"
        );
        if dpkg.is_some() {
            let part = if member.ends_with(".xz") {
                "the first xz stream"
            } else if member.ends_with(".zst") {
                "the first zstd frame"
            } else {
                "the last gzip member"
            };
            let want = format!(
                "{ignored} bytes after {part}, which dpkg never reads (compress the member as \
                 one stream)"
            );
            let want: Vec<&str> = if *ignored > 0 { vec![&want] } else { vec![] };
            assert_eq!(reported, want, "{name}");
        }
        seen.push((name.clone(), dpkg));
    }
    // The cases cover the three outcomes: refused, installed in part, installed whole.
    let seen_of = |n: &str| seen.iter().find(|(name, _)| name == n).unwrap().1;
    let [between, inside] = cuts(&data);
    assert_eq!(seen_of(&format!("data.tar.xz-cut-{between}")), Some(false));
    assert_eq!(seen_of(&format!("data.tar.zst-cut-{inside}")), None);
    assert_eq!(seen_of(&format!("data.tar.gz-cut-{inside}")), Some(true));
    assert_eq!(seen_of("data.tar.xz-garbage"), Some(true));
}

#[test]
fn a_control_member_in_two_streams_is_refused_as_dpkg_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, data) = parts(tmp.path());
    let o = run(Command::new("dpkg-deb")
        .arg("--ctrl-tarfile")
        .arg(tmp.path().join("base.deb")));
    let control_tar = o.stdout;
    let (first, second) = control_tar.split_at(1024);
    let control = [squeeze(&["xz"], first), squeeze(&["xz"], second)].concat();
    let deb = pack(
        tmp.path(),
        "control-split",
        &[
            ("control.tar.xz", &control),
            ("data.tar.xz", &squeeze(&["xz"], &data)),
        ],
    );
    assert_eq!(dpkg_verdict(&deb), None);
    let o = run(pluginctl().arg("inspect").arg(&deb));
    assert_eq!(
        (o.status.code(), stderr(&o)),
        (
            Some(1),
            format!(
                "error: {}: control.tar.xz: tar: truncated inside an entry's data; the package \
                 is damaged (rebuild it or fetch it again)\n",
                deb.display()
            )
        )
    );
}

/// A zstd frame of `data` stored raw, whose header declares a window of 2^`log` bytes.
fn zstd_with_window(data: &[u8], log: u8) -> Vec<u8> {
    assert!(data.len() < 128 << 10);
    // Magic; no content size, not single-segment; window exponent `log - 10`, no mantissa.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, (log - 10) << 3];
    // One last raw block.
    let header = ((data.len() as u32) << 3) | 1;
    frame.extend_from_slice(&header.to_le_bytes()[..3]);
    frame.extend_from_slice(data);
    frame
}

#[test]
fn decoder_memory_past_the_limit_is_named_as_pluginctls_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let (control, data) = parts(tmp.path());
    // The dictionary is only declared: xz writes it in the header of a tiny stream.
    let xz = squeeze(&["xz", "--lzma2=dict=1536MiB", "-T1"], &data);
    let zst = zstd_with_window(&data, 31);
    // The hand-made frame is sound: zstd reads it once allowed the memory.
    let o = run(Command::new("sh").arg("-c").arg(format!(
        "printf '' | zstd -dc --memory=2048MB {} | cmp - {}",
        write_tmp(tmp.path(), "w.zst", &zst).display(),
        write_tmp(tmp.path(), "w.tar", &data).display()
    )));
    assert!(o.status.success(), "{}", stderr(&o));
    let cases = [
        (
            "data.tar.xz",
            xz,
            "the xz stream needs more than pluginctl's 256 MiB memory limit for decompression \
             (its dictionary is larger than any xz preset uses; recompress it with xz -9 or less)",
        ),
        (
            "data.tar.zst",
            zst,
            "the zstd frame needs a window larger than pluginctl's 128 MiB limit (recompress \
             it without --long, or with --long=27 or less)",
        ),
    ];
    for (member, bytes, why) in cases {
        let deb = pack(
            tmp.path(),
            member,
            &[("control.tar.xz", &control), (member, &bytes)],
        );
        let o = run(pluginctl().arg("inspect").arg(&deb));
        assert_eq!(
            (o.status.code(), stderr(&o)),
            (
                Some(1),
                format!("error: {}: {member}: {why}\n", deb.display())
            )
        );
        let (o, _) = index_alone(&deb);
        assert!(
            stderr(&o).ends_with(&format!(": {member}: {why}\n")),
            "{}",
            stderr(&o)
        );
        let found = lint_findings(&deb);
        assert!(
            found.contains(&("E".into(), "past-limit".into(), why.to_string())),
            "{found:?}"
        );
        let o = run(pluginctl().arg("lint").arg(&deb));
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    }
}

fn write_tmp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    write(&path, bytes);
    path
}
