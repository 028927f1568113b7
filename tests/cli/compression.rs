//! `-Z`, `-z` and `--threads`: every compression installs with real dpkg, the bytes never
//! depend on the thread count, and the staging folder goes while the package is written.

use crate::support::*;
use std::path::Path;
use std::process::Command;

/// A small generator so payloads are the same on every run and machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 16
    }

    /// `len` bytes that look like text (compressible) or like compressed data.
    fn bytes(&mut self, len: usize, text: bool) -> Vec<u8> {
        const WORDS: [&str; 12] = [
            "the ",
            "plugin ",
            "wazo ",
            "dialplan ",
            "reload ",
            "extension ",
            "asterisk ",
            "config ",
            "= ",
            "yes\n",
            "no\n",
            "; ",
        ];
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            let r = self.next();
            if text {
                out.extend_from_slice(WORDS[(r % 12) as usize].as_bytes());
                if r.is_multiple_of(7) {
                    out.extend_from_slice(format!("{} ", r % 10_000).as_bytes());
                }
            } else {
                out.extend_from_slice(&r.to_le_bytes()[..6]);
            }
        }
        out.truncate(len);
        out
    }
}

/// A plugin whose `rules package` copies `payload/` into `$pkgdir`.
fn payload_plugin() -> Plugin {
    let p = Plugin::simple("payload", "speed", "1.0.0", 1);
    p.rules(&marker_rules("        cp -a payload/. \"$pkgdir\"/"));
    p
}

/// A payload of every kind of entry: text, binary, empty, long names, symlinks, hard links.
fn small_payload(p: &Plugin) {
    let mut g = Lcg(1);
    p.file("payload/usr/share/speed/a.txt", g.bytes(70_000, true));
    p.file("payload/usr/share/speed/b.bin", g.bytes(50_001, false));
    p.file("payload/usr/share/speed/empty", "");
    let long = format!("payload/usr/share/speed/{}/file.txt", "d".repeat(120));
    p.file(&long, g.bytes(3_000, true));
    std::os::unix::fs::symlink("a.txt", p.path().join("payload/usr/share/speed/link")).unwrap();
    std::fs::hard_link(
        p.path().join("payload/usr/share/speed/a.txt"),
        p.path().join("payload/usr/share/speed/hard.txt"),
    )
    .unwrap();
}

/// About 30 MiB over many files: several xz, gzip and zstd blocks.
fn large_payload(p: &Plugin) {
    let mut g = Lcg(2);
    for i in 0..6 {
        let mib = 1 << 20;
        p.file(
            &format!("payload/usr/share/big/text{i}"),
            g.bytes(3 * mib + i * 1000, true),
        );
        p.file(
            &format!("payload/usr/share/big/bin{i}"),
            g.bytes(2 * mib - i, false),
        );
    }
    for i in 0..300 {
        p.file(
            &format!("payload/usr/share/small/{:02}/f{i}.txt", i % 17),
            g.bytes(i * 37 % 5000, i % 3 != 0),
        );
    }
}

/// The names of the ar members, as `ar t` lists them.
fn members(deb: &Path) -> Vec<String> {
    let o = run(Command::new("ar").arg("t").arg(deb));
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().map(str::to_string).collect()
}

/// Checks a member with the compressor's own test mode (`gzip -t`, `xz -t`, `zstd -t`).
fn check_member_stream(deb: &Path, member: &str) {
    let tool = match member.rsplit('.').next() {
        Some("gz") => "gzip",
        Some("xz") => "xz",
        Some("zst") => "zstd",
        _ => return,
    };
    let o = run(Command::new("sh")
        .arg("-c")
        .arg(format!("ar p \"$1\" {member} | {tool} -t -q"))
        .arg("sh")
        .arg(deb));
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{tool} -t {member}: {}",
        stderr(&o)
    );
}

#[test]
fn every_compression_and_level_installs_with_dpkg() {
    let p = payload_plugin();
    small_payload(&p);
    let cases: [(&str, Option<&str>, &str); 8] = [
        ("xz", None, ".xz"),
        ("xz", Some("0"), ".xz"),
        ("gzip", None, ".gz"),
        ("gzip", Some("1"), ".gz"),
        ("zstd", None, ".zst"),
        ("zstd", Some("19"), ".zst"),
        ("none", None, ""),
        ("none", Some("5"), ""),
    ];
    for (compression, level, ext) in cases {
        let built = p.build_with(|c| {
            c.args(["-Z", compression]);
            if let Some(l) = level {
                c.args(["-z", l]);
            }
        });
        let names = members(&built.deb);
        assert_eq!(
            names,
            [
                "debian-binary".to_string(),
                format!("control.tar{ext}"),
                format!("data.tar{ext}")
            ],
            "{compression} {level:?}"
        );
        for m in &names[1..] {
            check_member_stream(&built.deb, m);
        }
        assert!(built
            .contents()
            .contains(&"-rw-r--r-- root/root ./usr/share/speed/b.bin".to_string()));
        let root = DpkgRoot::new();
        root.install(&built.deb);
        assert_eq!(
            std::fs::read(root.path().join("usr/share/speed/b.bin")).unwrap(),
            std::fs::read(p.path().join("payload/usr/share/speed/b.bin")).unwrap()
        );
        assert_eq!(
            std::fs::read_link(root.path().join("usr/share/speed/link")).unwrap(),
            Path::new("a.txt")
        );
        // dpkg checks every installed file against md5sums.
        let verify = root.dpkg(&["--verify", "wazo-plugind-payload-speed"]);
        assert!(
            verify.status.success() && verify.stdout.is_empty(),
            "{compression} {level:?}: {}{}",
            stdout(&verify),
            stderr(&verify)
        );
        root.remove("wazo-plugind-payload-speed");
    }
}

#[test]
fn thread_count_never_changes_the_bytes() {
    let p = payload_plugin();
    large_payload(&p);
    for (compression, level) in [("gzip", "9"), ("zstd", "3"), ("xz", "1"), ("none", "0")] {
        let build = |threads: &str| {
            p.build_with(|c| {
                c.args(["-Z", compression, "-z", level, "--threads", threads])
                    .env("SOURCE_DATE_EPOCH", "1700000000");
            })
        };
        let one = build("1");
        let two = build("2");
        let a = std::fs::read(&one.deb).unwrap();
        let b = std::fs::read(&two.deb).unwrap();
        assert!(a.len() > 1 << 20, "{compression}: {} bytes", a.len());
        assert!(a == b, "{compression}: --threads 1 and 2 differ");
        for m in &members(&one.deb)[1..] {
            check_member_stream(&one.deb, m);
        }
        if compression == "gzip" {
            let root = DpkgRoot::new();
            root.install(&two.deb);
            let verify = root.dpkg(&["--verify", "wazo-plugind-payload-speed"]);
            assert!(verify.status.success() && verify.stdout.is_empty());
        }
    }
}

#[test]
fn bad_level_is_a_usage_error() {
    let p = payload_plugin();
    for (compression, level, message) in [
        ("gzip", "0", "--level 0: gzip takes a level from 1 to 9"),
        ("xz", "10", "--level 10: xz takes a level from 0 to 9"),
        ("zstd", "20", "--level 20: zstd takes a level from 1 to 19"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let o = run(p
            .build_cmd(out.path())
            .args(["-Z", compression, "-z", level]));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(message), "{}", stderr(&o));
        assert!(leftovers(out.path()).is_empty());
    }
}

#[test]
fn staging_is_removed_and_nothing_else() {
    let p = payload_plugin();
    small_payload(&p);
    // A folder outside, reachable from the staged tree only through a symlink.
    let outside = tempfile::tempdir().unwrap();
    write(outside.path().join("keep/me.txt"), "mine");
    std::os::unix::fs::symlink(
        outside.path().join("keep"),
        p.path().join("payload/usr/share/speed/outside"),
    )
    .unwrap();
    // A folder the rules leave read-only.
    p.rules(&marker_rules(
        "        cp -a payload/. \"$pkgdir\"/\n        mkdir -p \"$pkgdir/usr/share/locked\"\n        echo x > \"$pkgdir/usr/share/locked/x\"\n        chmod 555 \"$pkgdir/usr/share/locked\"",
    ));
    let tmp = tempfile::tempdir().unwrap();
    for compression in ["none", "gzip"] {
        let built = p.build_with(|c| {
            c.args(["-Z", compression]).env("TMPDIR", tmp.path());
        });
        assert!(
            leftovers(tmp.path()).is_empty(),
            "{:?}",
            leftovers(tmp.path())
        );
        assert_eq!(
            std::fs::read_to_string(outside.path().join("keep/me.txt")).unwrap(),
            "mine"
        );
        assert!(p.path().join("payload/usr/share/speed/a.txt").exists());
        assert!(p.path().join("wazo/rules").exists());
        assert!(built
            .contents()
            .contains(&"-rw-r--r-- root/root ./usr/share/locked/x".to_string()));
    }
}
