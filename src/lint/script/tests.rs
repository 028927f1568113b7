//! Unit tests of the shell heuristics: `case` branches and tests on `$1`, `set -e`, and the
//! calls of the rules file in maintainer scripts.

use super::*;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

#[test]
fn finds_case_branches_on_the_first_argument() {
    let d = dispatch(&lines(
        "#!/bin/sh\ncase \"$1\" in\n  build) ;;\n  install|\"postrm\")\n    case $x in a) ;; esac\n    do_it\n    ;;\n  (uninstall) foo ;;\n  *)\n    echo no >&2\n    exit 1\n    ;;\nesac\n",
    ));
    let pats: Vec<Vec<String>> = d.branches.iter().map(|b| b.patterns.clone()).collect();
    assert_eq!(
        pats,
        [
            vec!["build"],
            vec!["install", "postrm"],
            vec!["uninstall"],
            vec!["*"]
        ]
    );
    assert!(d.branches[1].does_work());
    assert!(!d.branches[0].does_work());
    assert_eq!(
        d.branches[3].failure(&[]).map(|f| f.1),
        Some("exit 1".into())
    );
}

#[test]
fn glob_patterns_name_commands_but_the_catch_all_does_not() {
    let d = dispatch(&lines(
        "case $1 in\n  inst*|b?ild) ;;\n  *) exit 1 ;;\nesac\n",
    ));
    assert!(d.handles("install") && d.handles("build"));
    assert!(!d.handles("uninstall") && !d.handles("postrm"));
}

#[test]
fn finds_tests_of_the_first_argument() {
    let d = dispatch(&lines(
        "#!/bin/sh\nif [ \"$1\" = \"install\" ]; then x; elif test $1 == postrm; then y; fi\n",
    ));
    assert_eq!(d.compared, ["install", "postrm"]);
}

#[test]
fn set_e_forms() {
    assert!(has_set_e(&lines("#!/bin/sh\nset -eu\n")));
    assert!(has_set_e(&lines("#!/bin/sh -e\n")));
    assert!(has_set_e(&lines("#!/bin/bash\nset -o errexit\n")));
    assert!(!has_set_e(&lines("#!/bin/sh\n# set -e\necho set -e\n")));
}

#[test]
fn finds_calls_of_the_rules_file() {
    let text = "    \"$DPKG_ROOT/usr/lib/wazo-plugind/plugins/d/h/wazo/rules\" install\n";
    assert_eq!(calls(text, "plugins/d/h/wazo/rules"), ["install"]);
    assert_eq!(
        calls(
            "/usr/lib/wazo-plugind/plugins/d/h/wazo/rules uninstall",
            "wazo/rules"
        ),
        ["uninstall"]
    );
}

#[test]
fn follows_variables_holding_the_rules_path() {
    let text = "RULEFILE=/usr/lib/wazo-plugind/plugins/d/h/wazo/rules\n\
                case \"$1\" in\n  configure) \"$RULEFILE\" install ;;\n  remove) ${RULEFILE} uninstall ;;\nesac\n";
    assert_eq!(
        calls(text, "plugins/d/h/wazo/rules"),
        ["install", "uninstall"]
    );
    let text =
        "export DIR=\"$DPKG_ROOT/usr/lib/wazo-plugind/plugins/d/h\"\n$DIR/wazo/rules install\n\
                $DIRX/wazo/rules uninstall\n";
    assert_eq!(calls(text, "plugins/d/h/wazo/rules"), ["install"]);
    // Before its assignment a variable holds nothing.
    let text = "\"$R\" install\nR=/usr/lib/wazo-plugind/plugins/d/h/wazo/rules\n";
    assert!(calls(text, "plugins/d/h/wazo/rules").is_empty());
}
