//! LooseVersion against Python's own (`distutils.version.LooseVersion`, python3-distutils on
//! Debian 12), and `less_than` against wazo-plugind's rules on JSON values.

use super::*;

/// Versions as markets and plugin.yml files hold them, and the odd shapes that make
/// LooseVersion raise.
const VERSIONS: &[&str] = &[
    "1.0",
    "1.0.0",
    "1.0.1",
    "1.0a",
    "1.0b1",
    "1.0-beta",
    "1.0-1",
    "1.0.0-rc1",
    "1.0A",
    "1.00",
    "01.0",
    "1.10",
    "1.9",
    "1.1",
    "2",
    "2.0",
    "v2.0",
    "2.0.dev3",
    "2024.01.15",
    "23.10",
    "23.5",
    "23.05",
    "24.01",
    "a",
    "b2",
    "1..0",
    ".1",
    "1_0",
    "1 0",
    "ab12cd",
    "0.0.1",
    "10",
    "9",
    "1.0+git",
    "1.0~rc1",
    "1.0post",
    "99999999999999999999",
    "100000000000000000000",
];

/// `<`, `=`, `>` or `T` (TypeError) for every ordered pair, from Python.
fn python_orders(versions: &[&str]) -> String {
    const SCRIPT: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from distutils.version import LooseVersion
vs = json.loads(sys.argv[1])
out = []
for a in vs:
    for b in vs:
        try:
            la, lb = LooseVersion(a), LooseVersion(b)
            out.append("<" if la < lb else "=" if la == lb else ">")
        except TypeError:
            out.append("T")
print("".join(out))
"#;
    let o = std::process::Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT])
        .arg(serde_json::to_string(versions).unwrap())
        .output()
        .expect("/usr/bin/python3 is needed (apt-get install python3-distutils)");
    assert!(
        o.status.success(),
        "python3 with distutils failed (apt-get install python3-distutils): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn orders_every_pair_as_python_does() {
    let python = python_orders(VERSIONS);
    assert_eq!(python.len(), VERSIONS.len() * VERSIONS.len());
    let mut cells = python.chars();
    let mut wrong = Vec::new();
    let mut type_errors = 0;
    for a in VERSIONS {
        for b in VERSIONS {
            let want = cells.next().unwrap();
            let have = match LooseVersion::parse(a).compare(&LooseVersion::parse(b)) {
                Ok(Ordering::Less) => '<',
                Ok(Ordering::Equal) => '=',
                Ok(Ordering::Greater) => '>',
                Err(_) => 'T',
            };
            type_errors += usize::from(want == 'T');
            if have != want {
                wrong.push(format!("{a:?} vs {b:?}: python {want}, ours {have}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} pairs differ: {wrong:#?}", wrong.len());
    // The grid holds pairs Python cannot order, or this would test too little.
    assert!(type_errors > 50, "{type_errors}");
}

#[test]
fn less_than_follows_wazo_plugind_on_json_values() {
    let s = |t: &str| PyValue::Str(t.into());
    let j = |t: &str| PyValue::from_json(&serde_json::from_str(t).unwrap());
    assert_eq!(less_than(&s(""), &s("1.0")), Ok(true));
    assert_eq!(less_than(&s("1.0"), &PyValue::None), Ok(false));
    assert_eq!(less_than(&s("23.5"), &s("23.10")), Ok(true));
    // A JSON number is Python's str() of it: 20.10 is 20.1.
    assert_eq!(j("20.10").text(), "20.1");
    assert_eq!(less_than(&s("20.2"), &j("20.10")), Ok(false));
    // Two non-strings compare as plain text.
    assert_eq!(less_than(&j("9"), &j("10")), Ok(false));
    assert_eq!(
        less_than(&s("1.0a"), &s("1.0.1")).unwrap_err().to_string(),
        "LooseVersion cannot order \"a\" against 1 (Python raises TypeError)"
    );
}
