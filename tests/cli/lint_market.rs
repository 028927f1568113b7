//! `pluginctl lint --market FILE`: dependencies resolved as the Wazo server resolves them,
//! held to an oracle that runs wazo-plugind's rules with Python's real LooseVersion
//! (python3-distutils), and a bad FILE as one line with exit status 2.

use crate::lint::{lint_json, Report};
use crate::support::*;

/// A market with the shapes that matter: bounds on each side, versions in list order, a
/// bound written as a JSON number, a version asked for.
const MARKET: &str = r#"{"items": [
  {"name": "other", "namespace": "demo", "versions": [
    {"version": "2.0", "min_wazo_version": "25.01", "method": "git", "options": {"url": "https://example.com/o.git"}},
    {"version": "1.0", "max_wazo_version": "23.17"}]},
  {"name": "third", "namespace": "demo", "versions": [
    {"version": "1.6", "min_wazo_version": "24.10"},
    {"version": "1.5", "min_wazo_version": "23.5"}]},
  {"name": "numbers", "namespace": "demo", "versions": [
    {"version": "3", "min_wazo_version": 23.1, "max_wazo_version": 24.16}]},
  {"name": "plain", "namespace": "demo", "versions": [{"version": "0.1"}]}
]}"#;

/// The plugin's depends: (name, version asked for).
const DEPENDS: &[(&str, Option<&str>)] = &[
    ("other", None),
    ("third", None),
    ("third", Some("1.5")),
    ("third", Some("1.7")),
    ("numbers", None),
    ("plain", Some("0.1")),
    ("missing", None),
];

/// For each Wazo version, whether each dependency resolves, by wazo-plugind's rules run in
/// Python with its real LooseVersion.
fn oracle(wazo: &[&str]) -> Vec<Vec<bool>> {
    const SCRIPT: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from distutils.version import LooseVersion
market, depends, wazos = (json.loads(a) for a in sys.argv[1:4])
def comparable(v):
    try:
        l = LooseVersion(v)
        l.version
        return l
    except (TypeError, AttributeError):
        return str(v)
def less_than(a, b):
    if not a:
        return True
    if not b:
        return False
    return comparable(a) < comparable(b)
out = []
for current in wazos:
    row = []
    for name, wanted in depends:
        items = [i for i in market["items"] if i.get("namespace") == "demo" and i.get("name") == name]
        found = False
        if items:
            for v in items[0].get("versions", []):
                lo = v.get("min_wazo_version", current)
                hi = v.get("max_wazo_version", current)
                up = not less_than(current, lo) and not less_than(hi, current)
                if up and (wanted is None or v.get("version") == wanted):
                    found = True
                    break
        row.append(found)
    out.append(row)
print(json.dumps(out))
"#;
    let deps: Vec<(String, Option<String>)> = DEPENDS
        .iter()
        .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
        .collect();
    let o = run(std::process::Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT, MARKET])
        .arg(serde_json::to_string(&deps).unwrap())
        .arg(serde_json::to_string(wazo).unwrap()));
    assert!(
        o.status.success(),
        "python3 with distutils failed (apt-get install python3-distutils): {}",
        stderr(&o)
    );
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// A plugin that depends on `DEPENDS`, and the market file beside it.
fn plugin_and_market() -> (Plugin, std::path::PathBuf) {
    let mut yml = String::from(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\nplugin_format_version: 2\n\
         display_name: Hello There\ndescription: Hi.\ndepends:\n",
    );
    for (name, version) in DEPENDS {
        yml.push_str(&format!("  - name: {name}\n    namespace: demo\n"));
        if let Some(v) = version {
            yml.push_str(&format!("    version: \"{v}\"\n"));
        }
    }
    let p = Plugin::new(&yml);
    let market = p.path().join("market.json");
    write(&market, MARKET);
    (p, market)
}

/// The indexes of the depends entries lint reports.
fn unresolved(r: &Report) -> Vec<usize> {
    let mut out: Vec<usize> = r
        .with("dependency-unresolvable")
        .iter()
        .map(|f| {
            let m = f["message"].as_str().unwrap();
            m["depends[".len()..m.find(']').unwrap()].parse().unwrap()
        })
        .collect();
    out.dedup();
    out
}

#[test]
fn dependencies_resolve_as_the_server_resolves_them() {
    let (p, market) = plugin_and_market();
    let wazo = [
        "23.04", "23.05", "23.10", "24.01", "24.10", "24.16", "25.01", "25.08",
    ];
    let want = oracle(&wazo);
    for (w, row) in wazo.iter().zip(&want) {
        let r = lint_json(
            &[p.path()],
            &["--market", market.to_str().unwrap(), "--wazo-version", w],
        );
        let lint: Vec<usize> = unresolved(&r);
        let python: Vec<usize> = row
            .iter()
            .enumerate()
            .filter(|(_, ok)| !**ok)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(lint, python, "Wazo {w}: {:?}", r.findings());
    }
    // Every cell of the grid is not the same verdict: the test tells the cases apart.
    let flat: Vec<bool> = want.concat();
    assert!(flat.contains(&true) && flat.contains(&false));

    let r = lint_json(
        &[p.path()],
        &[
            "--market",
            market.to_str().unwrap(),
            "--wazo-version",
            "24.16",
        ],
    );
    let messages: Vec<&str> = r
        .with("dependency-unresolvable")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    let shown = market.display();
    assert_eq!(
        messages,
        [
            format!(
                "depends[0] demo/other: the server would find no version to install in {shown} \
                 (versions seen: 2.0: its min_wazo_version \"25.01\" is newer than Wazo 24.16; \
                 1.0: its max_wazo_version \"23.17\" is older than Wazo 24.16)"
            ),
            format!(
                "depends[3] demo/third version 1.7: the server would find no version to install \
                 in {shown} (versions seen: 1.6: not the version asked for; 1.5: not the \
                 version asked for)"
            ),
            format!(
                "depends[6] demo/missing: not in the market document {shown}, so the server \
                 cannot install it (the server installs dependencies from its market only)"
            ),
        ]
    );
}

#[test]
fn a_bound_looseversion_cannot_compare_breaks_every_dependency() {
    let (p, market) = plugin_and_market();
    write(
        &market,
        r#"{"items": [{"name": "x", "namespace": "acme", "versions": [{"version": "1", "min_wazo_version": "23.x"}]}]}"#,
    );
    let r = lint_json(
        &[p.path()],
        &[
            "--market",
            market.to_str().unwrap(),
            "--wazo-version",
            "23.10",
        ],
    );
    assert_eq!(unresolved(&r), [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(
        r.with("dependency-unresolvable")[0]["message"],
        format!(
            "depends[0] demo/other: the server cannot read the market {}: acme/x version 1: \
             comparing Wazo 23.10 with its min_wazo_version \"23.x\" fails: LooseVersion cannot \
             order 10 against \"x\" (Python raises TypeError), which breaks the server's whole \
             market listing",
            market.display()
        )
    );
}

#[test]
fn a_bad_market_file_is_one_line_and_exit_2() {
    let (p, market) = plugin_and_market();
    for (content, why) in [
        (None, "cannot read: no such file or directory".to_string()),
        (
            Some("[1]"),
            "not a market document (the top level is not an object); it must be {\"items\": [...]}"
                .to_string(),
        ),
        (
            Some("{\"items\": {}}"),
            "not a market document (\"items\" is not a list); it must be {\"items\": [...]}"
                .to_string(),
        ),
        (
            Some("{\"items\": [1]}"),
            "not a market document (item 1 is not an object); it must be {\"items\": [...]}"
                .to_string(),
        ),
        (
            Some("{\"items\": ["),
            "not a market document (EOF while parsing a list at line 1 column 11); it must be \
             {\"items\": [...]}"
                .to_string(),
        ),
    ] {
        match content {
            Some(c) => write(&market, c),
            None => {
                let _ = std::fs::remove_file(&market);
            }
        }
        let o = run(pluginctl()
            .args(["lint", "--market"])
            .arg(&market)
            .arg(p.path()));
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(
            stderr(&o),
            format!("error: --market {}: {why}\n", market.display())
        );
        assert_eq!(stdout(&o), "");
    }
}
