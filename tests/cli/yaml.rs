//! plugin.yml as the Wazo daemon reads it (PyYAML's safe_load): core tags only, merge keys,
//! alias expansion bounded by bytes, and plain scalars typed exactly as PyYAML types them
//! (a differential test against the real PyYAML, Debian's python3-yaml).

use crate::support::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const GOOD: &str = "name: hello\nnamespace: demo\nversion: \"1.0\"\n";

/// Builds `manifest` and expects the one error line, status 3 and nothing written.
fn refused(manifest: &str, line: &str) {
    let plugin = Plugin::new(manifest);
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut plugin.build_cmd(out.path()));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!("error: {}/{line}\n", plugin.path().display())
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
}

const NOT_ALLOWED: &str = "is not allowed; the Wazo daemon reads plugin.yml with PyYAML's safe_load, which only builds YAML's core types (remove the tag)";

#[test]
fn a_python_tag_is_refused_naming_it_and_its_line() {
    refused(
        &format!("{GOOD}x: !!python/object/apply:os.system [\"id\"]\n"),
        &format!(
            "wazo/plugin.yml:4:4: YAML syntax: the tag !!python/object/apply:os.system {NOT_ALLOWED}"
        ),
    );
}

#[test]
fn a_binary_tag_is_refused() {
    refused(
        &format!("{GOOD}description: !!binary aGVsbG8=\n"),
        &format!("wazo/plugin.yml:4:14: YAML syntax: the tag !!binary {NOT_ALLOWED}"),
    );
}

#[test]
fn a_local_tag_is_refused() {
    refused(
        &format!("{GOOD}tags: !mine [a]\n"),
        &format!("wazo/plugin.yml:4:7: YAML syntax: the tag !mine {NOT_ALLOWED}"),
    );
}

#[test]
fn a_core_tag_that_does_not_fit_is_refused() {
    refused(
        &format!("{GOOD}x: !!int abc\n"),
        "wazo/plugin.yml:4:4: YAML syntax: !!int \"abc\": PyYAML cannot read this text as an integer; fix the value or remove the tag",
    );
}

#[test]
fn core_tags_are_accepted() {
    let built = Plugin::new(&format!(
        "{GOOD}description: !!str 1.10\nx: !!int 010\ny: !!map {{a: !!float 1}}\nz: !!seq [! 5]\n"
    ))
    .build();
    assert!(
        built.field("Description").starts_with("1.10 "),
        "{}",
        built.field("Description")
    );
}

#[test]
fn merge_keys_are_honoured_as_safe_load_does() {
    // One alias, then a list of aliases where the first wins, and an explicit key that
    // overrides a merged one.
    let built = Plugin::new(
        "base: &base\n  name: hello\n  namespace: demo\nother: &other\n  namespace: wrong\n  version: \"0.1\"\n  description: from other\n<<: [*base, *other]\nversion: \"2.0\"\n",
    )
    .build();
    assert_eq!(built.field("Package"), "wazo-plugind-hello-demo");
    assert_eq!(built.field("Version"), "2.0");
    assert!(
        built.field("Description").starts_with("from other"),
        "{}",
        built.field("Description")
    );
    let single =
        Plugin::new("base: &b {name: hello, namespace: demo}\n<<: *b\nversion: \"1.0\"\n").build();
    assert_eq!(single.field("Package"), "wazo-plugind-hello-demo");
}

#[test]
fn a_merge_of_a_scalar_is_refused() {
    refused(
        &format!("{GOOD}s: &s text\n<<: *s\n"),
        "wazo/plugin.yml:5:5: YAML syntax: a merge key (<<) takes a mapping or a list of mappings, not a scalar",
    );
}

#[test]
fn aliases_are_bounded_by_the_bytes_they_expand_to() {
    // A 1 MiB anchored scalar used 500 times: 500 MiB once expanded.
    let mut text = format!("{GOOD}big: &b {}\n", "x".repeat(1 << 20));
    for i in 0..500 {
        text.push_str(&format!("r{i}: *b\n"));
    }
    let plugin = Plugin::new(&text);
    let out = tempfile::tempdir().unwrap();
    let (o, took, peak_kib) = crate::errors::run_measured(&mut plugin.build_cmd(out.path()));
    eprintln!("1 MiB x 500 aliases: refused in {took:?}, peak memory {peak_kib} KiB");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!("error: {}/wazo/plugin.yml:8:5: YAML syntax: aliases expand the document by more than 4 MiB; refusing it (repeat less through * aliases)\n", plugin.path().display())
    );
    assert!(
        peak_kib > 0 && peak_kib < 100 << 10,
        "peak memory {peak_kib} KiB"
    );
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    // lint reads it the same way.
    let (o, _, peak_kib) = crate::errors::run_measured(pluginctl().arg("lint").arg(plugin.path()));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        peak_kib > 0 && peak_kib < 100 << 10,
        "lint: peak memory {peak_kib} KiB"
    );
}

/// Scalars generated from pieces of every numeric, boolean, null and date form, with near
/// misses: a few hundred, the same on every run.
fn scalars() -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
        "yes",
        "Yes",
        "YES",
        "yEs",
        "no",
        "On",
        "off",
        "y",
        "n",
        "True",
        "tRUE",
        "0",
        "-0",
        "+0",
        "00",
        "0_",
        "010",
        "08",
        "0o7",
        "0b101",
        "0b",
        "0b_",
        "0b2",
        "-0b1",
        "0x1F",
        "0x",
        "0x_",
        "0xg",
        "+0x_1",
        "1_000",
        "1__",
        "_1",
        "12e3",
        "1:20",
        "1:60",
        "1:5:9",
        "01:20",
        "1:020",
        "-1:20",
        "1:20.5",
        "0:20.5",
        "1:2:3.",
        "1.",
        ".5",
        "-.5",
        "+.5",
        "._5",
        "1.5e+3",
        "1.5e3",
        "1.5E-3",
        "1.e+5",
        "1_0.0_1",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        "-.nan",
        ".NaN",
        "inf",
        "nan",
        "1e400",
        "1.0e+400",
        "1.0e-400",
        "123456789012345678901234567890",
        "0x123456789abcdef0123",
        "1.10",
        "24.00",
        "0.0.1",
        "1.0-1",
        "2024-01-05",
        "2024-01-05x",
        "2024-1-5",
        "2024-01-05.1",
        "2024-1-5T1:02:03",
        "2024-01-05 10:20:30",
        "2024-01-05t10:20:30.5Z",
        "2024-01-05  10:20:30 +5",
        "2024-01-05 10:20:30 -05:30",
        "2024-01-05 10:20:30 ",
        "2024-01-05 10:20:30Z ",
        "2024-01-05 10:20",
        "2024-02-30",
        "2024-02-29",
        "2023-02-29",
        "0000-01-01",
        "2024-13-01",
        "2024-01-05 24:00:00",
        "2024-01-05 23:59:60",
        "2024-01-05 1:2:3",
        "2024-01-05 10:20:30 +24",
        "2024-01-05 10:20:30 +23:59",
        "2024-01-05 10:20:30.",
        "20240105",
        "2024/01/05",
        "helloworld",
        "1.0.0-rc1",
        "v1",
        "1_",
        "-",
        "+",
        ".",
        "_",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Combinations of number pieces.
    let signs = ["", "-", "+"];
    let bodies = [
        "0", "1", "07", "09", "1_2", "12:34", "1:2:3", "0b1", "0x_f", "1.", ".1", "1.2", "1_.2_",
        "1.2e+1", "1.2e1", "1.2e+", "1:2.3", "1:62.3", ".inf", ".nan",
    ];
    for s in signs {
        for b in bodies {
            out.push(format!("{s}{b}"));
        }
    }
    // Dates with every width of month, day and hour, with and without a zone.
    for date in ["2024-1-05", "2024-01-5", "2024-11-30", "2024-2-29"] {
        for time in ["", "T1:02:03", " 01:02:03.123456789", "\t1:02:03"] {
            for zone in ["", "Z", " Z", "+1", "-10:00", "+1:0", " +01:30"] {
                out.push(format!("{date}{time}{zone}"));
            }
        }
    }
    out
}

/// What our code says PyYAML builds, in the form the Python side prints.
fn ours(text: &str) -> String {
    use wazo_pluginctl::plugin::pyyaml::{read_plain, Reading};
    match read_plain(text) {
        Reading::Str => "str".into(),
        Reading::Bool(b) => format!("bool {b}"),
        Reading::Null => "NoneType".into(),
        Reading::Int(i) => format!("int {i}"),
        Reading::Float(f) => format!("float {f}"),
        Reading::Timestamp => "timestamp".into(),
        Reading::Invalid => "error".into(),
    }
}

#[test]
fn plain_scalars_are_typed_as_pyyaml_types_them() {
    let cases = scalars();
    assert!(cases.len() > 250, "{}", cases.len());
    // The scalar goes through PyYAML's own resolver and constructor for a plain scalar
    // (what safe_load does with it, without the YAML syntax around it getting in the way).
    let script = r#"
import sys, json, yaml, datetime
loader = yaml.SafeLoader("")
for text in json.load(sys.stdin):
    try:
        tag = loader.resolve(yaml.ScalarNode, text, (True, False))
        value = loader.construct_object(yaml.ScalarNode(tag, text), deep=True)
        if isinstance(value, (datetime.date, datetime.datetime)):
            out = "timestamp"
        elif isinstance(value, (bool, int, float)):
            out = type(value).__name__ + " " + repr(value)
        else:
            out = type(value).__name__
    except Exception:
        out = "error"
    print(out)
"#;
    let mut child = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 (install python3-yaml)");
    let input = serde_json::to_string(&cases).unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "python3: {}", stderr(&o));
    let theirs: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(theirs.len(), cases.len());
    let mut wrong = Vec::new();
    for (text, theirs) in cases.iter().zip(&theirs) {
        let ours = ours(text);
        if ours != *theirs {
            wrong.push(format!("{text:?}: PyYAML {theirs}, pluginctl {ours}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn safe_load_agrees_on_whole_documents() {
    // A few full documents through safe_load itself: merge keys and a date-like version.
    let doc =
        "base: &b {name: hello, namespace: demo}\n<<: *b\nversion: 2024-1-5\nwhen: 2024-01-05\n";
    let o = run(Command::new("/usr/bin/python3")
        .arg("-c")
        .arg("import sys, yaml; d = yaml.safe_load(sys.argv[1]); print(d['name'], d['namespace'], type(d['version']).__name__, type(d['when']).__name__)")
        .arg(doc));
    assert_eq!(stdout(&o), "hello demo str date\n", "{}", stderr(&o));
    let built = Plugin::new(doc).build();
    assert_eq!(built.field("Version"), "2024-1-5");
}
