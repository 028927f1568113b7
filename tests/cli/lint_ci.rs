//! `lint --format github|gitlab|junit`: each form checked against what its CI system
//! documents (GitHub's workflow command syntax; a schema of GitLab's Code Quality report,
//! with python3-jsonschema; a JUnit XML schema, with xmllint), paths relative to the
//! repository, places equal to the text form's, and the same exit status for every form.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};

/// A checkout with an error at line 3 column 10, a warning at 4:1, and notes without line.
fn broken() -> Plugin {
    let p = Plugin::new(
        "name: bad\nnamespace: demo\nversion: \"1.0 beta\"\nnamspace: x\nauthor: Bad <bad@example.org>\n",
    );
    p.rules("#!/bin/sh\ncase \"$1\" in build) ;; package) ;; install) ;; uninstall) ;; esac\n");
    p
}

/// `lint` run from `cwd` with these arguments.
fn lint(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = pluginctl();
    c.current_dir(cwd).arg("lint").args(args);
    c.env_remove("GITHUB_WORKSPACE")
        .env_remove("CI_PROJECT_DIR");
    for (k, v) in env {
        c.env(k, v);
    }
    run(&mut c)
}

fn schemas() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas")
}

#[test]
fn github_annotations_follow_the_workflow_command_syntax() {
    let p = broken();
    let parent = p.path().parent().unwrap();
    let name = p.path().file_name().unwrap().to_str().unwrap();
    let want = format!(
        "::notice file={name}/wazo/plugin.yml,title=missing-description::no description: the Wazo market shows it on the plugin's page, and the package's Description is made from it\n\
         ::warning file={name}/wazo/plugin.yml,title=missing-display-name::no display_name: the Wazo market lists plugins by it, and it is the package's synopsis\n\
         ::error file={name}/wazo/plugin.yml,line=3,col=10,title=manifest-invalid::version \"1.0 beta\": a space is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)\n\
         ::warning file={name}/wazo/plugin.yml,line=4,col=1,title=unknown-key-typo::unknown key \"namspace\": did you mean \"namespace\"? (unknown keys are kept for the market, so this one is silently ignored)\n\
         ::notice file={name}/wazo/rules,title=rules-no-set-e::no set -e: a failing command does not stop the rules file (add set -e after the #! line)\n\
         1 input checked: 1 error, 2 warnings, 2 info\n"
    );
    // Relative to the current folder...
    let o = lint(parent, &["--format", "github", name], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let got = stdout(&o);
    // ...and an absolute path, relative to GITHUB_WORKSPACE.
    let abs = p.path().to_str().unwrap();
    let o = lint(
        Path::new("/"),
        &["--format", "github", abs],
        &[("GITHUB_WORKSPACE", parent.to_str().unwrap())],
    );
    assert_eq!(stdout(&o), got);
    // The syntax GitHub documents: ::command key=value,...::message, with %, CR, LF
    // escaped in the message, and also : and , in values.
    let mut lines: Vec<&str> = got.lines().collect();
    let summary = lines.pop().unwrap();
    assert_eq!(summary, "1 input checked: 1 error, 2 warnings, 2 info");
    for line in &lines {
        let rest = line.strip_prefix("::").unwrap();
        let (command, rest) = rest.split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&command), "{line}");
        let (props, message) = rest.split_once("::").unwrap();
        assert!(!message.is_empty() && !message.contains('\n'), "{line}");
        for prop in props.split(',') {
            let (key, value) = prop.split_once('=').unwrap();
            assert!(["file", "line", "col", "title"].contains(&key), "{line}");
            assert!(!value.contains(':') && !value.is_empty(), "{line}");
            if key == "file" {
                assert!(!value.starts_with('/'), "relative: {line}");
                assert!(Path::new(parent).join(value).exists(), "{line}");
            }
        }
    }
    // Places equal the text form's.
    let text = stdout(&lint(parent, &[name], &[]));
    let places = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.contains("line="))
            .map(|l| {
                let file = l.split("file=").nth(1).unwrap().split(',').next().unwrap();
                let line = l.split("line=").nth(1).unwrap().split(',').next().unwrap();
                let col = l.split("col=").nth(1).unwrap().split(',').next().unwrap();
                format!("{file}:{line}:{col}")
            })
            .collect()
    };
    let text_places: Vec<String> = text
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .filter(|p| p.matches(':').count() == 2)
        .map(str::to_string)
        .collect();
    assert_eq!(places(&got), text_places, "{text}");
    assert_eq!(got, want);
}

#[test]
fn gitlab_report_validates_against_the_code_quality_schema() {
    let p = broken();
    let parent = p.path().parent().unwrap();
    let name = p.path().file_name().unwrap().to_str().unwrap();
    let abs = p.path().to_str().unwrap();
    let o = lint(
        Path::new("/"),
        &["--format", "gitlab", abs, abs, "missing-input"],
        &[("CI_PROJECT_DIR", parent.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(report.path(), &o.stdout).unwrap();
    let check = run(Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))\n",
        )
        .arg(report.path())
        .arg(schemas().join("gitlab-codequality.json")));
    assert!(
        check.status.success(),
        "jsonschema (install python3-jsonschema): {}",
        stderr(&check)
    );
    let issues: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 11);
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort();
    prints.dedup();
    assert_eq!(
        prints.len(),
        11,
        "fingerprints are unique, even of a repeated input"
    );
    let error = &issues[2];
    assert_eq!(error["check_name"], "manifest-invalid");
    assert_eq!(error["severity"], "major");
    assert_eq!(
        error["location"]["path"],
        format!("{name}/wazo/plugin.yml").as_str()
    );
    assert_eq!(error["location"]["lines"]["begin"], 3);
    assert_eq!(issues[3]["location"]["lines"]["begin"], 4);
    assert_eq!(issues[3]["severity"], "minor");
    assert_eq!(issues[0]["severity"], "info");
    assert_eq!(issues[10]["location"]["path"], "missing-input");
}

#[test]
fn junit_report_validates_against_the_schema() {
    let p = broken();
    let parent = p.path().parent().unwrap();
    let name = p.path().file_name().unwrap().to_str().unwrap();
    let o = lint(
        parent,
        &[
            "--format",
            "junit",
            name,
            helloworld().to_str().unwrap(),
            "missing <&>",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(report.path(), &o.stdout).unwrap();
    let check = run(Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schemas().join("junit.xsd"))
        .arg(report.path()));
    assert!(
        check.status.success(),
        "xmllint (install libxml2-utils): {}",
        stderr(&check)
    );
    let xml = stdout(&o);
    assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
    assert!(
        xml.contains("<testsuite name=\"pluginctl lint\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\">"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<failure type=\"manifest-invalid\" message=\"{name}/wazo/plugin.yml:3:10: version &quot;1.0 beta&quot;: a space is not allowed"
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"missing &lt;&amp;&gt;\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 2, "one per error: {xml}");
}

#[test]
fn the_exit_status_does_not_depend_on_the_format() {
    let p = broken();
    let warn_only =
        Plugin::new("name: w\nnamespace: demo\nversion: \"1.0\"\ndescription: W.\nnamspace: x\n");
    let clean = helloworld().to_str().unwrap().to_string();
    let cases: [(Vec<&str>, i32); 4] = [
        (vec![&clean], 0),
        (vec![warn_only.path().to_str().unwrap()], 0),
        (
            vec!["--deny-warnings", warn_only.path().to_str().unwrap()],
            1,
        ),
        (vec![p.path().to_str().unwrap(), &clean], 1),
    ];
    for (args, want) in cases {
        let mut forms: Vec<Vec<&str>> = ["text", "json", "github", "gitlab", "junit"]
            .iter()
            .map(|f| vec!["--format", f])
            .collect();
        forms.push(vec!["--json"]);
        forms.push(vec![]);
        for form in forms {
            let all: Vec<&str> = form.iter().chain(&args).copied().collect();
            let o = lint(Path::new("/"), &all, &[]);
            assert_eq!(o.status.code(), Some(want), "{all:?}: {}", stderr(&o));
        }
    }
    let o = lint(Path::new("/"), &["--json", "--format", "text", &clean], &[]);
    assert_eq!(o.status.code(), Some(2));
}
