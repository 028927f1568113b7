//! Unit tests of the parent module.

use super::*;

fn check(text: &str) -> Result<Manifest, Vec<Diagnostic>> {
    from_tree(&parse_bytes(text.as_bytes()).map_err(|d| vec![d])?)
}

#[test]
fn takes_versions_as_written() {
    let m = check("name: hello\nnamespace: demo\nversion: 1.10\n").unwrap();
    assert_eq!(m.version, "1.10");
    assert_eq!(m.package(), "wazo-plugind-hello-demo");
}

#[test]
fn reports_namespace_with_dash_at_its_place() {
    let d = check("name: hello\nnamespace: foo-bar\nversion: 1.0\n").unwrap_err();
    assert_eq!(
        d[0].to_string(),
        "2:12: namespace \"foo-bar\": only a-z and 0-9 are allowed (no dash)"
    );
}

#[test]
fn collects_every_problem() {
    let d = check("name: Hello\nversion: v1\ndebian_depends: curl\n").unwrap_err();
    assert_eq!(d.len(), 4, "{d:?}");
}
