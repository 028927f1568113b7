//! Security: links archived as links, never followed; no field injected through the
//! manifest or the command line.

use super::*;

#[test]
fn staged_symlinks_are_archived_as_links_never_followed() {
    let case = Case::package(
        "        mkdir -p \"$pkgdir/usr/share/hello\"\n        ln -s /etc/shadow \"$pkgdir/usr/share/hello/shadow\"\n        ln -s / \"$pkgdir/usr/share/hello/root\"\n        ln -s ../../../../../../etc/passwd \"$pkgdir/usr/share/hello/up\"",
    );
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = case.out.join(DEB);
    let listing = dpkg_deb(&deb, &["--contents"]);
    let links: Vec<String> = listing
        .lines()
        .filter(|l| l.starts_with('l'))
        .map(|l| l.split_whitespace().skip(5).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        links,
        [
            "./usr/share/hello/root -> /",
            "./usr/share/hello/shadow -> /etc/shadow",
            "./usr/share/hello/up -> ../../../../../../etc/passwd",
        ]
    );
    assert!(
        !listing.contains("./usr/share/hello/root/"),
        "a link was followed"
    );
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn symlinks_in_the_wazo_folder_are_archived_as_links() {
    let case = Case::new(SHOWN);
    std::os::unix::fs::symlink("/etc/shadow", case.path().join("wazo/secret")).unwrap();
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = dpkg_deb(&case.out.join(DEB), &["--contents"]);
    assert!(
        listing.contains("./usr/lib/wazo-plugind/plugins/demo/hello/wazo/secret -> /etc/shadow"),
        "{listing}"
    );
}

#[test]
fn license_symlink_leaving_the_checkout_is_not_published() {
    let case = Case::new(SHOWN);
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "a secret of the build machine").unwrap();
    std::os::unix::fs::symlink(secret.path(), case.path().join("LICENSE")).unwrap();
    let line = case.fails(
        3,
        Line::Has(&[
            "error: LICENSE: a symlink to ",
            "outside the plugin folder; its text would be published in the package",
        ]),
    );
    assert!(!line.contains("a secret"), "{line}");
    assert_eq!(case.ran(), ["build", "package"]);
}

#[test]
fn license_fifo_does_not_hang_the_build() {
    let case = Case::new(SHOWN);
    mkfifo(&case.path().join("LICENSE"));
    case.fails(
        3,
        Line::Exact(
            "error: LICENSE: not a regular file; a license file must hold the license text",
        ),
    );
}

#[test]
fn description_cannot_start_a_new_field() {
    let case = Case::new(with(
        "description: \"Hello\\nPackage: evil\\n\\nVersion: 666\\n.\\nDepends: evil\"\ntags: [\"a\\nb\"]\n",
    ));
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = case.out.join(DEB);
    let control = dpkg_deb(&deb, &["--field"]);
    assert_eq!(
        control
            .lines()
            .filter(|l| !l.starts_with(' '))
            .collect::<Vec<_>>(),
        [
            "Package: wazo-plugind-hello-demo",
            "Version: 1.0",
            "Architecture: all",
            "Maintainer: Wazo Maintainers <dev+pkg@wazo.community>",
            "Installed-Size: 22",
            "Section: wazo-plugind-plugin",
            "Priority: optional",
            "Description: Hello (Wazo plugin demo/hello)",
        ],
        "{control}"
    );
    assert!(
        control.contains("\n Package: evil\n .\n Version: 666 . Depends: evil\n"),
        "{control}"
    );
    assert_eq!(dpkg_deb(&deb, &["--field", "Depends"]).trim(), "");
}

#[test]
fn maintainer_cannot_inject_a_field() {
    let case = Case::new(SHOWN);
    let o = run(case
        .cmd()
        .args(["--maintainer", "Bob <bob@example.org>\nPackage: evil"]));
    case.assert_failed(
        &o,
        2,
        Line::Has(&["--maintainer", "expected one line of the form"]),
    );
    assert!(case.ran().is_empty());
}

#[test]
fn bad_source_date_epoch_is_a_usage_error() {
    let case = Case::new(SHOWN);
    let o = run(case.cmd().env("SOURCE_DATE_EPOCH", "yesterday"));
    case.assert_failed(
        &o,
        2,
        Line::Exact("error: SOURCE_DATE_EPOCH=\"yesterday\": must be a whole number of seconds since 1970-01-01"),
    );
    assert!(case.ran().is_empty());
}
