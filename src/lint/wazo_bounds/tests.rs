//! The bounds against the server's real rules: python3-yaml reads the value, the daemon's
//! `str()` of numbers, marshmallow's `Range` on the text (Debian's python3-marshmallow).

use super::*;

/// Values as written in plugin.yml: quoted and not, the shapes real manifests hold.
const VALUES: &[&str] = &[
    "23.5",
    "\"23.5\"",
    "24.1",
    "20.10",
    "\"20.10\"",
    "24",
    "24.00",
    "\"24.00\"",
    "9.0",
    "\"9.0\"",
    "23.05",
    "\"23.05\"",
    "\"23.10\"",
    "2024.1",
    "\"23.10.1\"",
    "\"23.x\"",
    "yes",
    "17",
    "\"30.17\"",
    "30.2",
    "2021-01-01",
    "'18.1'",
    "25.08",
    "\"25.8\"",
    "1e3",
    "0x18",
    "",
    "~",
    "null",
    "!!str 23.5",
];

/// The Wazo versions of the grid: the warning's range and a few beyond it.
fn versions() -> Vec<String> {
    let mut v: Vec<String> = wazo_grid().collect();
    v.extend(["16.16", "31.01", "100.01"].map(String::from));
    v
}

/// The server's verdict for every (value, bound, version), in that order, from Python.
fn python_verdicts(values: &[&str], versions: &[String]) -> Vec<bool> {
    const SCRIPT: &str = r#"
import json, sys, yaml
from marshmallow import fields, ValidationError
from marshmallow.validate import Range
values, versions = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = []
for text in values:
    for key in ("min_wazo_version", "max_wazo_version"):
        data = yaml.safe_load("%s: %s\n" % (key, text))
        value = data[key]
        # wazo-plugind's ensure_string_versions
        if isinstance(value, (float, int)):
            value = str(value)
        for current in versions:
            rng = Range(max=current) if key == "min_wazo_version" else Range(min=current)
            try:
                fields.String(validate=rng).deserialize(value)
                out.append("1")
            except ValidationError:
                out.append("0")
print("".join(out))
"#;
    let o = std::process::Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT])
        .arg(serde_json::to_string(values).unwrap())
        .arg(serde_json::to_string(versions).unwrap())
        .output()
        .expect("/usr/bin/python3 is needed (apt-get install python3-yaml python3-marshmallow)");
    assert!(
        o.status.success(),
        "python3 with yaml and marshmallow failed (apt-get install python3-yaml \
         python3-marshmallow): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .trim()
        .bytes()
        .map(|b| b == b'1')
        .collect()
}

/// Whether `lint --wazo-version W` reports the bound: the checkout check's own function.
fn lint_refuses(bound: Bound, text: &str, wazo: &str) -> bool {
    let yaml = format!("{}: {text}\n", bound.key());
    let tree = crate::plugin::manifest::parse_bytes(yaml.as_bytes()).unwrap();
    let node = match &tree.value {
        crate::plugin::yaml::Value::Map(e) => &e[0].1,
        _ => unreachable!(),
    };
    let mut out = Findings::default();
    let wazo = WazoVersion::parse(wazo).unwrap();
    check_on(bound, node, &wazo, &Place::file("plugin.yml"), &mut out);
    out.list
        .iter()
        .any(|f| f.tag == Tag::WazoVersionUnsupported)
}

#[test]
fn lint_refuses_exactly_where_the_server_does() {
    let versions = versions();
    let python = python_verdicts(VALUES, &versions);
    assert_eq!(python.len(), VALUES.len() * 2 * versions.len());
    let mut cells = python.iter();
    let mut wrong = Vec::new();
    for text in VALUES {
        for bound in [Bound::Min, Bound::Max] {
            for w in &versions {
                let accepts = *cells.next().unwrap();
                if lint_refuses(bound, text, w) == accepts {
                    wrong.push(format!(
                        "{} {text} on {w}: server accepts={accepts}",
                        bound.key()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} cells differ: {wrong:#?}", wrong.len());
}

/// The findings on one bound: the warning, and the error on `wazo` when given.
fn messages(bound: Bound, text: &str, wazo: Option<&str>) -> Vec<String> {
    let yaml = format!("{}: {text}\n", bound.key());
    let tree = crate::plugin::manifest::parse_bytes(yaml.as_bytes()).unwrap();
    let node = match &tree.value {
        crate::plugin::yaml::Value::Map(e) => &e[0].1,
        _ => unreachable!(),
    };
    let opts = Options {
        wazo_version: wazo.map(|w| WazoVersion::parse(w).unwrap()),
        deny_warnings: false,
        market: None,
        allow: Vec::new(),
    };
    let mut out = Findings::default();
    check(
        &[(bound, node)],
        &opts,
        &Place::file("plugin.yml"),
        &mut out,
    );
    out.list
        .iter()
        .map(|f| format!("{}: {}", f.tag.name(), f.message))
        .collect()
}

#[test]
fn the_warning_names_the_versions_affected_and_the_fix() {
    assert_eq!(
        messages(Bound::Min, "\"23.5\"", None),
        [
            "wazo-version-compared-as-text: min_wazo_version \"23.5\": the Wazo server compares \
          versions as text, so it refuses the plugin on Wazo 23.05 to 23.17, which 23.5 as \
          written (23.05) allows; write min_wazo_version: \"23.05\""
        ]
    );
    assert_eq!(
        messages(Bound::Min, "24.1", None),
        [
            "wazo-version-compared-as-text: min_wazo_version 24.1 (read by the server as \
          \"24.1\"): the Wazo server compares versions as text, so it refuses the plugin on \
          Wazo 24.01 to 24.09, which 24.1 as written (24.01) allows; write min_wazo_version: \
          \"24.01\""
        ]
    );
    assert_eq!(
        messages(Bound::Max, "\"23.5\"", None),
        [
            "wazo-version-compared-as-text: max_wazo_version \"23.5\": the Wazo server compares \
          versions as text, so it installs the plugin on Wazo 23.06 to 23.17, which 23.5 as \
          written (23.05) excludes; write max_wazo_version: \"23.05\""
        ]
    );
    // Read as "20.1", yet every verdict is the one meant: nothing to say here.
    assert!(messages(Bound::Min, "20.10", None).is_empty());
    assert!(messages(Bound::Min, "\"23.05\"", None).is_empty());
    assert!(messages(Bound::Max, "\"24.16\"", None).is_empty());
    // Not text at all: marshmallow's String field refuses it on every Wazo.
    assert_eq!(
        messages(Bound::Min, "", None),
        [
            "wazo-version-compared-as-text: min_wazo_version (empty): the server reads null \
          (None), not text, and refuses the plugin on every Wazo; give a version, quoted, or \
          remove the key"
        ]
    );
    assert_eq!(
        messages(Bound::Max, "2025-01-01", Some("24.16")),
        [
            "wazo-version-compared-as-text: max_wazo_version 2025-01-01: the server reads a \
             date, not text, and refuses the plugin on every Wazo; quote the value",
            "wazo-version-unsupported: Wazo 24.16 refuses max_wazo_version 2025-01-01: the \
             server reads a date, not text; quote the value"
        ]
    );
}

#[test]
fn on_a_given_wazo_the_error_says_the_server_compares_text() {
    assert_eq!(
        messages(Bound::Max, "23.10", Some("23.10"))[1],
        "wazo-version-unsupported: Wazo 23.10 refuses max_wazo_version 23.10 (read by the \
         server as \"23.1\"): the server compares versions as text, and \"23.1\" sorts before \
         \"23.10\", although 23.10 as written allows Wazo 23.10; write max_wazo_version: \
         \"23.10\""
    );
    assert_eq!(
        messages(Bound::Min, "\"24.01\"", Some("23.16")),
        [
            "wazo-version-unsupported: Wazo 23.16 is older than min_wazo_version 24.01: the \
          plugin cannot install on it"
        ]
    );
    // --wazo-version 23.5 is the server 23.05.
    assert_eq!(
        messages(Bound::Max, "\"23.04\"", Some("23.5")),
        [
            "wazo-version-unsupported: Wazo 23.05 is newer than max_wazo_version 23.04: the \
          plugin cannot install on it"
        ]
    );
}
