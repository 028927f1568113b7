//! `pluginctl lint` on rules files written as public plugins write them: the command held
//! in a variable and a `die` function in the catch-all branch, `set -o pipefail` under
//! `#!/bin/sh` (checked against Debian's real dash), and a bare `python`.

use crate::lint::{clean_plugin, lint_one};
use crate::support::*;
use std::process::Command;

/// A format-1 rules file in the shape of public plugins: `CMD="${1:-}"`, a `die` function,
/// `case "$CMD" in`, and no `postrm` branch.
const VARIABLE_AND_DIE: &str = r#"#!/bin/bash
set -euo pipefail

CMD="${1:-}"

die() {
    echo "error: $*" >&2
    exit 1
}

case "$CMD" in
    build)
        ;;
    package)
        mkdir -p "$pkgdir/usr/share/hello"
        ;;
    install)
        ;;
    uninstall)
        ;;
    *)
        die "unknown command: $CMD"
        ;;
esac
"#;

#[test]
fn a_missing_branch_is_seen_through_the_variable_and_the_die_function() {
    let p = clean_plugin();
    p.rules(VARIABLE_AND_DIE);
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["E:rules-missing-command"]);
    let f = r.expect("E", "rules-missing-command");
    assert_eq!(f["line"], 21);
    assert_eq!(
        r.message("rules-missing-command"),
        "no branch for \"postrm\" (run by postrm after the package is removed \
         (plugin_format_version >= 1)), and the *) branch here ends with `die \"unknown \
         command: $CMD\"`, so that call fails; add a branch, even an empty one: postrm) ;;"
    );
    // The real file fails as lint says: bash runs it with the command dpkg's postrm passes.
    let o = run(Command::new(p.path().join("wazo/rules")).arg("postrm"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: unknown command: postrm\n");

    // With the branch, nothing to say; a one-line die and `[ "$CMD" = postrm ]` count too.
    p.rules(&VARIABLE_AND_DIE.replace("    uninstall)\n", "    uninstall|postrm)\n"));
    assert_eq!(lint_one(p.path()).tags(), Vec::<String>::new());
    p.rules(
        "#!/bin/sh\nset -e\nACTION=$1\ndie() { echo \"$*\" >&2; exit 2; }\n\
         if [ \"$ACTION\" = postrm ]; then exit 0; fi\ncase $ACTION in\n  build|package|install|uninstall) ;;\n  *) die nope ;;\nesac\n",
    );
    assert_eq!(lint_one(p.path()).tags(), Vec::<String>::new());
    // A function that only prints does not make the branch fail.
    p.rules(&VARIABLE_AND_DIE.replace("    exit 1\n", "    return 0\n"));
    assert_eq!(lint_one(p.path()).tags(), Vec::<String>::new());
}

/// `set` lines under `#!/bin/sh`, and whether Debian's dash stops at them.
const SET_LINES: &[&str] = &[
    "set -o pipefail",
    "set -euo pipefail",
    "set -e -o pipefail",
    "set -eo pipefail",
    "set -o pipefail || true",
    "set -e; set -o pipefail",
    "set -e",
    "set -o errexit",
    "set -eu",
    "# set -o pipefail",
    "echo set -o pipefail",
];

#[test]
fn pipefail_under_sh_is_an_error_exactly_where_dash_stops() {
    let sh = std::fs::canonicalize("/bin/sh").unwrap();
    assert!(
        sh.ends_with("dash"),
        "/bin/sh is {}: this test needs Debian's dash as /bin/sh",
        sh.display()
    );
    for (shebang, shell_refuses) in [("#!/bin/sh", true), ("#!/bin/bash", false)] {
        for line in SET_LINES {
            let p = clean_plugin();
            p.rules(&format!(
                "{shebang}\n{line}\ncase \"$1\" in\n  *) echo ran ;;\nesac\n"
            ));
            let o = run(Command::new(p.path().join("wazo/rules")).arg("build"));
            let dash_stops = !stdout(&o).ends_with("ran\n");
            if dash_stops {
                assert!(
                    stderr(&o).contains("Illegal option -o pipefail"),
                    "{}",
                    stderr(&o)
                );
            }
            let r = lint_one(p.path());
            let lint_says = r.with("rules-pipefail-in-sh").len() == 1;
            assert_eq!(lint_says, dash_stops, "{shebang} / {line}: {:?}", r.tags());
            assert!(!dash_stops || shell_refuses);
        }
    }
    let p = clean_plugin();
    p.rules("#!/bin/sh\nset -euo pipefail\ncase \"$1\" in\n  *) ;;\nesac\n");
    let r = lint_one(p.path());
    assert_eq!(r.expect("E", "rules-pipefail-in-sh")["line"], 2);
    assert_eq!(
        r.message("rules-pipefail-in-sh"),
        "`set -euo pipefail` under #!/bin/sh: Debian's sh is dash, which refuses it (\"Illegal \
         option -o pipefail\") and stops the script there, so every step of the rules file \
         fails; start the file with #!/bin/bash, or drop pipefail"
    );
}

#[test]
fn a_bare_python_is_warned_and_python3_is_not() {
    let p = clean_plugin();
    p.rules(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n  build)\n    python setup.py build\n    ;;\n  \
         package)\n    python3 setup.py install --root \"$pkgdir\"\n    ;;\n  install)\n    \
         command -v python >/dev/null || echo \"no python, fine\"\n    ;;\nesac\n",
    );
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["W:rules-unversioned-python"]);
    let f = r.expect("W", "rules-unversioned-python");
    assert_eq!((f["line"].clone(), f["col"].clone()), (5.into(), 5.into()));
    assert_eq!(
        r.message("rules-unversioned-python"),
        "`python setup.py build` runs `python`: Debian 11 and later have no `python` command, \
         only `python3`, so this fails with \"not found\"; call python3"
    );
    // Through env, in a command substitution, and as the interpreter.
    p.rules("#!/bin/sh\nset -e\nV=$(env python -c 'print(1)')\n");
    assert_eq!(lint_one(p.path()).tags(), ["W:rules-unversioned-python"]);
    p.rules("#!/bin/sh\nset -e\nFOO=1 /usr/bin/python -m pip install x\n");
    assert_eq!(lint_one(p.path()).tags(), ["W:rules-unversioned-python"]);
    p.rules("#!/usr/bin/env python\nimport sys\n");
    let r = lint_one(p.path());
    assert_eq!(
        r.message("rules-unversioned-python"),
        "the #! line runs `python`: Debian 11 and later have no `python` command, only \
         `python3`, so this fails with \"not found\"; call python3 (#!/usr/bin/python3)"
    );
}

/// Build refuses a rules file exactly when lint reports `rules-no-shebang` or `rules-crlf`,
/// with lint's message (build puts the line of a CR LF before it): one reader of the
/// file's head serves both (regression: build looked at the first line only, lint at any).
#[test]
fn build_and_lint_agree_on_the_head_of_the_rules_file() {
    let body = "set -e\ncase \"$1\" in\n  build|package|install|uninstall|postrm) ;;\nesac\n";
    let cases = [
        ("no #! line", body.to_string()),
        ("empty", String::new()),
        (
            "CR LF everywhere",
            format!("#!/bin/sh\n{body}").replace('\n', "\r\n"),
        ),
        (
            "CR LF on line 3 only",
            format!("#!/bin/sh\n{}", body.replacen("in\n", "in\r\n", 1)),
        ),
        ("clean", format!("#!/bin/sh\n{body}")),
    ];
    for (what, rules) in cases {
        let p = clean_plugin();
        p.rules(&rules);
        let r = lint_one(p.path());
        let out = tempfile::tempdir().unwrap();
        let o = run(pluginctl()
            .arg("build")
            .arg(p.path())
            .arg("-o")
            .arg(out.path()));
        let shown = p.path().join("wazo/rules");
        let lint_says = if r.tags().iter().any(|t| t == "E:rules-no-shebang") {
            Some(r.message("rules-no-shebang"))
        } else if r.tags().iter().any(|t| t == "E:rules-crlf") {
            let line = &r.expect("E", "rules-crlf")["line"];
            Some(format!("line {line}: {}", r.message("rules-crlf")))
        } else {
            None
        };
        assert_eq!(
            lint_says.is_some(),
            what != "clean",
            "{what}: {:?}",
            r.tags()
        );
        match lint_says {
            Some(message) => {
                assert_eq!(o.status.code(), Some(3), "{what}: {}", stderr(&o));
                assert_eq!(
                    stderr(&o),
                    format!("error: {}: {message}\n", shown.display()),
                    "{what}"
                );
            }
            None => assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(&o)),
        }
    }
}
