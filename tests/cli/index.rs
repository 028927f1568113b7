//! `pluginctl index`: a flat apt repository that real `apt-get` reads (no network, a
//! throwaway apt state), deterministic output, and clear errors.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A plugin `demo/<name>` at `version`, depending on the given `demo/` plugins.
fn plugin(name: &str, version: &str, depends: &[&str]) -> Plugin {
    let mut m = format!(
        "name: {name}\nnamespace: demo\nversion: \"{version}\"\ndescription: Plugin {name}.\n"
    );
    if !depends.is_empty() {
        m.push_str("depends:\n");
        for d in depends {
            m.push_str(&format!("  - name: {d}\n    namespace: demo\n"));
        }
    }
    Plugin::new(&m)
}

/// Builds plugins into `out` with one pluginctl call.
fn build_into(out: &Path, plugins: &[&Plugin]) {
    let mut c = pluginctl();
    c.arg("build").arg("-o").arg(out).arg("-q");
    for p in plugins {
        c.arg(p.path());
    }
    let o = run(&mut c);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// apt-get and apt-cache in their own root, trusting the repository without a signature.
struct Apt(AptRoot);

impl Apt {
    fn new(repo: &Path) -> Apt {
        Apt(AptRoot::new(repo, "trusted=yes"))
    }

    fn run(&self, tool: &str, args: &[&str]) -> String {
        let o = run(self.0.command(tool).args(args));
        assert!(
            o.status.success(),
            "{tool} {args:?} failed:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
        let err = stderr(&o);
        assert!(
            !err.lines()
                .any(|l| l.starts_with("W:") || l.starts_with("E:")),
            "{tool} {args:?} warned:\n{err}"
        );
        stdout(&o)
    }
}

#[test]
fn apt_get_updates_from_the_index_and_resolves_plugins() {
    let (a, b, c) = (
        plugin("a", "1.0", &[]),
        plugin("b", "2.0", &["a"]),
        plugin("c", "3.0~rc1", &["b"]),
    );
    let repo = tempfile::tempdir().unwrap();
    build_into(repo.path(), &[&c, &a, &b]);
    let o = index(repo.path(), &NO_ARGS);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        ["Packages", "Packages.gz", "Release"]
            .map(|f| format!("{}\n", repo.path().join(f).display()))
            .concat()
    );
    assert_eq!(
        stderr(&o),
        format!(
            "pluginctl: indexed 3 packages in {}\n",
            repo.path().display()
        )
    );

    let apt = Apt::new(repo.path());
    apt.run("apt-get", &["update"]);
    let policy = apt.run(
        "apt-cache",
        &[
            "policy",
            "wazo-plugind-a-demo",
            "wazo-plugind-b-demo",
            "wazo-plugind-c-demo",
        ],
    );
    for (name, version) in [("a", "1.0"), ("b", "2.0"), ("c", "3.0~rc1")] {
        assert!(
            policy.contains(&format!(
                "wazo-plugind-{name}-demo:\n  Installed: (none)\n  Candidate: {version}\n"
            )),
            "{policy}"
        );
    }
    let show = apt.run("apt-cache", &["show", "wazo-plugind-c-demo"]);
    assert!(show.contains("\nSection: wazo-plugind-plugin\n"), "{show}");
    assert!(show.contains("\nDepends: wazo-plugind-b-demo\n"), "{show}");
    assert!(
        show.contains("\nFilename: ./wazo-plugind-c-demo_3.0~rc1_all.deb\n"),
        "{show}"
    );
    let sim = apt.run("apt-get", &["install", "--simulate", "wazo-plugind-c-demo"]);
    let inst: Vec<&str> = sim
        .lines()
        .filter(|l| l.starts_with("Inst "))
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(
        inst,
        [
            "wazo-plugind-a-demo",
            "wazo-plugind-b-demo",
            "wazo-plugind-c-demo"
        ],
        "{sim}"
    );
    // apt checks each package's size and sums against Packages (a mismatch fails).
    let fetched = apt.run(
        "apt-get",
        &["install", "--download-only", "-y", "wazo-plugind-c-demo"],
    );
    assert!(fetched.contains("Download complete"), "{fetched}");
}

#[test]
fn output_is_deterministic_and_sorted() {
    let (a1, a2, z) = (
        plugin("a", "1.10", &[]),
        plugin("a", "1.9", &[]),
        plugin("z", "0.1", &[]),
    );
    let repo = tempfile::tempdir().unwrap();
    build_into(repo.path(), &[&z]);
    build_into(repo.path(), &[&a1]);
    build_into(repo.path(), &[&a2]);
    // A file that is not a package is left alone.
    std::fs::write(repo.path().join("README.txt"), "not a package\n").unwrap();
    assert!(index(repo.path(), &NO_ARGS).status.success());
    let read = |name: &str| std::fs::read(repo.path().join(name)).unwrap();
    let first: Vec<Vec<u8>> = ["Packages", "Packages.gz", "Release"].map(read).to_vec();
    // Same packages, other mtimes, index again: byte-identical (SOURCE_DATE_EPOCH fixes Date).
    for f in leftovers(repo.path()) {
        let o = run(Command::new("touch").arg("-d").arg("2001-01-01").arg(&f));
        assert!(o.status.success());
    }
    assert!(index(repo.path(), &NO_ARGS).status.success());
    let second: Vec<Vec<u8>> = ["Packages", "Packages.gz", "Release"].map(read).to_vec();
    assert!(first == second, "index output changed between two runs");

    let packages = String::from_utf8(first[0].clone()).unwrap();
    let order: Vec<&str> = packages
        .lines()
        .filter_map(|l| l.strip_prefix("Filename: "))
        .collect();
    assert_eq!(
        order,
        [
            "./wazo-plugind-a-demo_1.9_all.deb",
            "./wazo-plugind-a-demo_1.10_all.deb",
            "./wazo-plugind-z-demo_0.1_all.deb"
        ]
    );
    // Each stanza: the package's own control fields, then Filename, Size and sums.
    let deb = repo.path().join("wazo-plugind-z-demo_0.1_all.deb");
    let stanza = packages.split("\n\n").nth(2).unwrap();
    let control = dpkg_deb(&deb, &["--field"]);
    let without_ours: String = stanza
        .lines()
        .filter(|l| {
            !["Filename:", "Size:", "MD5sum:", "SHA256:"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without_ours, control);
    let size = std::fs::metadata(&deb).unwrap().len();
    assert!(stanza.contains(&format!("\nSize: {size}\n")), "{stanza}");
    let sha = stdout(&run(Command::new("sha256sum").arg(&deb)));
    let md5 = stdout(&run(Command::new("md5sum").arg(&deb)));
    assert!(stanza.contains(&format!("\nSHA256: {}\n", sha.split(' ').next().unwrap())));
    assert!(stanza.contains(&format!("\nMD5sum: {}\n", md5.split(' ').next().unwrap())));

    // Packages.gz is Packages, gzip without name or time.
    let gz = &first[1];
    assert_eq!(&gz[4..8], &[0, 0, 0, 0], "gzip mtime must be 0");
    assert_eq!(gz[3] & 0x08, 0, "gzip must carry no file name");
    let o = run(Command::new("sh").arg("-c").arg(format!(
        "zcat {}",
        repo.path().join("Packages.gz").display()
    )));
    assert_eq!(o.stdout, first[0]);

    // Release lists both with their sizes and sums, dated from SOURCE_DATE_EPOCH.
    let release = String::from_utf8(first[2].clone()).unwrap();
    assert!(
        release.starts_with("Date: Tue, 14 Nov 2023 22:13:20 UTC\n"),
        "{release}"
    );
    for name in ["Packages", "Packages.gz"] {
        let path = repo.path().join(name);
        let size = std::fs::metadata(&path).unwrap().len();
        let sha = stdout(&run(Command::new("sha256sum").arg(&path)));
        let line = release
            .lines()
            .find(|l| l.starts_with(&format!(" {}", sha.split(' ').next().unwrap())))
            .unwrap_or_else(|| panic!("{name} has no SHA256 line: {release}"));
        assert_eq!(
            line.split_whitespace().collect::<Vec<_>>()[1..],
            [size.to_string().as_str(), name]
        );
    }
}

#[test]
fn release_date_defaults_to_the_newest_package() {
    let a = plugin("a", "1.0", &[]);
    let repo = tempfile::tempdir().unwrap();
    build_into(repo.path(), &[&a]);
    let deb: PathBuf = repo.path().join("wazo-plugind-a-demo_1.0_all.deb");
    let o = run(Command::new("touch").arg("-d").arg("@1600000000").arg(&deb));
    assert!(o.status.success());
    let o = run(pluginctl().arg("index").arg(repo.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let release = std::fs::read_to_string(repo.path().join("Release")).unwrap();
    assert!(
        release.starts_with("Date: Sun, 13 Sep 2020 12:26:40 UTC\n"),
        "{release}"
    );
}

#[test]
fn a_damaged_package_stops_the_index_and_names_it() {
    let a = plugin("a", "1.0", &[]);
    let repo = tempfile::tempdir().unwrap();
    build_into(repo.path(), &[&a]);
    let bad = repo.path().join("broken_1.0_all.deb");
    std::fs::write(&bad, "!<arch>\nnot really\n").unwrap();
    let o = index(repo.path(), &NO_ARGS);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: truncated: the file ends inside an ar member header; the package is damaged (rebuild it or fetch it again)\n",
            bad.display()
        )
    );
    assert!(!repo.path().join("Packages").exists());
    assert!(!repo.path().join("Release").exists());
    assert_eq!(leftovers(repo.path()).len(), 2, "no temporary file left");
}

#[test]
fn an_empty_folder_gives_an_empty_repository() {
    let repo = tempfile::tempdir().unwrap();
    let o = index(repo.path(), &NO_ARGS);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds no .deb file"), "{}", stderr(&o));
    assert_eq!(std::fs::read(repo.path().join("Packages")).unwrap(), b"");
    let apt = Apt::new(repo.path());
    apt.run("apt-get", &["update"]);
}
