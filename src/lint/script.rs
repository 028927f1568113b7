//! Heuristics on shell scripts: the rules file of a checkout or of a package, and the
//! maintainer scripts of a package.
//!
//! pluginctl does not parse shell. It reads lines, drops comments, finds the `case`
//! statements on `$1` and their branch patterns, and the variables a line expands. That is
//! enough for the mistakes plugin authors make (a missing `postrm)` branch, `DEB_BUILD_ARCH`,
//! `$pkgdir` in `install`), and every check says in its explanation how it decides.

use super::{Findings, Place, Tag};

/// What the payload checks of a package need to know about its rules file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RulesFacts {
    /// The file stops on the first failing command (`set -e` or `#!/bin/sh -e`).
    pub(crate) set_e: bool,
    /// Its `package` branch runs something besides `:`, `true` and `echo`.
    pub(crate) package_does_work: bool,
}

/// Where a rules file is checked, which decides the commands it must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// A checkout: `build` and `package` will be run too.
    Checkout,
    /// A built package: only the maintainer-time commands remain.
    Package,
}

/// True when the bytes start with `#!`.
pub(crate) fn has_shebang(bytes: &[u8]) -> bool {
    bytes.starts_with(b"#!")
}

/// The 1-based number of the first line that ends with CR LF.
pub(crate) fn first_crlf_line(bytes: &[u8]) -> Option<usize> {
    let at = bytes.windows(2).position(|w| w == b"\r\n")?;
    Some(1 + bytes[..at].iter().filter(|&&b| b == b'\n').count())
}

/// True when the `#!` line names a POSIX-like shell (directly or through `env`).
fn is_shell(first_line: &str) -> bool {
    let Some(rest) = first_line.strip_prefix("#!") else {
        return true; // no interpreter: a shell is what the author most likely meant
    };
    let mut words = rest.split_whitespace();
    let mut program = words.next().unwrap_or("");
    if program.rsplit('/').next() == Some("env") {
        program = words.find(|w| !w.starts_with('-')).unwrap_or("");
    }
    matches!(
        program.rsplit('/').next().unwrap_or(""),
        "sh" | "bash" | "dash" | "ksh" | "mksh" | "zsh" | "ash" | "busybox"
    )
}

/// A line without its comment (a `#` at the start of a word, outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double, mut prev_blank) = (false, false, true);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev_blank => return &line[..i],
            _ => {}
        }
        prev_blank = c.is_whitespace() || c == ';';
    }
    line
}

/// One branch of a `case "$1" in` statement.
#[derive(Debug, Clone)]
struct Branch {
    /// The patterns, unquoted (`install`, `*`).
    patterns: Vec<String>,
    /// Line of the pattern.
    line: usize,
    /// The body: (line, code without comment).
    body: Vec<(usize, String)>,
}

/// Shell pattern matching with `*` and `?` (enough for case patterns of command words).
fn glob(pattern: &[u8], word: &[u8]) -> bool {
    match (pattern.first(), word.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], word) || (!word.is_empty() && glob(pattern, &word[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &word[1..]),
        (Some(p), Some(w)) if p == w => glob(&pattern[1..], &word[1..]),
        _ => false,
    }
}

impl Branch {
    /// True when a pattern of this branch, other than a lone `*`, matches `word`.
    fn names(&self, word: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| p != "*" && p.len() <= 64 && glob(p.as_bytes(), word.as_bytes()))
    }

    fn is_catch_all(&self) -> bool {
        self.patterns.iter().any(|p| p == "*")
    }

    /// The `exit N` (N != 0) or `false` that makes this branch fail, with its line.
    fn failure(&self) -> Option<(usize, String)> {
        for (line, code) in &self.body {
            for stmt in statements(code) {
                let mut words = stmt.split_whitespace();
                match words.next() {
                    Some("exit") | Some("return") => {
                        if let Some(n) = words.next() {
                            if n.parse::<i64>().is_ok_and(|n| n != 0) {
                                return Some((*line, stmt.to_string()));
                            }
                        }
                    }
                    Some("false") => return Some((*line, "false".into())),
                    _ => {}
                }
            }
        }
        None
    }

    /// True when the body runs a command other than `:`, `true`, `echo`, `printf`, `exit 0`.
    fn does_work(&self) -> bool {
        self.body.iter().any(|(_, code)| {
            statements(code).any(|stmt| {
                let first = stmt.split_whitespace().next().unwrap_or("");
                !matches!(first, "" | ":" | "true" | "echo" | "printf")
                    && stmt.split_whitespace().collect::<Vec<_>>() != ["exit", "0"]
                    && stmt != "exit"
            })
        })
    }
}

/// The statements of a line, split on `;` (the `;;` of a branch end is dropped).
fn statements(code: &str) -> impl Iterator<Item = &str> {
    code.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// How a script dispatches on its first argument.
#[derive(Debug, Default)]
struct Dispatch {
    branches: Vec<Branch>,
    /// Words compared with `$1` outside a case (`[ "$1" = install ]`).
    compared: Vec<String>,
}

impl Dispatch {
    fn is_empty(&self) -> bool {
        self.branches.is_empty() && self.compared.is_empty()
    }

    fn handles(&self, word: &str) -> bool {
        self.branches.iter().any(|b| b.names(word)) || self.compared.iter().any(|w| w == word)
    }
}

/// True for the subject of a case on the first argument: `$1`, `"$1"`, `${1}`, `${1:-}`.
fn is_first_arg(subject: &str) -> bool {
    let s = subject.trim_matches(|c| c == '"' || c == '\'');
    s == "$1" || s.starts_with("${1}") || s.starts_with("${1:") || s.starts_with("${1-")
}

fn unquote(word: &str) -> String {
    word.trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_string()
}

/// Parses `pattern)` or `(a|b) rest` at the start of a case body line.
fn branch_head(code: &str) -> Option<(Vec<String>, &str)> {
    let code = code.trim_start();
    let code = code.strip_prefix('(').unwrap_or(code);
    let (mut single, mut double) = (false, false);
    for (i, c) in code.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            ')' if !single && !double => {
                let head = &code[..i];
                let ok = !head.trim().is_empty()
                    && head.split('|').all(|alt| {
                        let alt = alt.trim();
                        !alt.is_empty()
                            && !alt.contains(char::is_whitespace)
                            && !alt.contains('(')
                            && !alt.contains('=')
                    });
                return ok.then(|| (head.split('|').map(unquote).collect(), &code[i + 1..]));
            }
            c if c.is_whitespace() && !single && !double && i > 0 => {
                // `foo bar)` is not a pattern; allow spaces only around `|`
                let rest = code[i..].trim_start();
                if !rest.starts_with('|') && !code[..i].ends_with('|') {
                    return None;
                }
            }
            _ => {}
        }
    }
    None
}

/// Finds the `case` statements on `$1` and the tests of `$1` against words.
fn dispatch(lines: &[String]) -> Dispatch {
    let mut d = Dispatch::default();
    let mut depth = 0usize; // nesting inside a case on $1 (0: outside)
    let mut current: Option<Branch> = None;
    let first_word = |stmt: &str| stmt.split_whitespace().next().unwrap_or("").to_string();
    for (i, raw) in lines.iter().enumerate() {
        let line_no = i + 1;
        let code = strip_comment(raw);
        let trimmed = code.trim();
        if depth == 0 {
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            if words.len() >= 3 && words[0] == "case" && words[2] == "in" && is_first_arg(words[1])
            {
                depth = 1;
            } else {
                collect_comparisons(code, &mut d.compared);
            }
            continue;
        }
        if depth == 1 {
            if first_word(trimmed) == "esac" {
                d.branches.extend(current.take());
                depth = 0;
                continue;
            }
            if let Some((patterns, rest)) = branch_head(code) {
                d.branches.extend(current.take());
                let rest = rest.trim();
                let mut b = Branch {
                    patterns,
                    line: line_no,
                    body: Vec::new(),
                };
                let body = rest.trim_end_matches(";;").trim();
                if !body.is_empty() {
                    b.body.push((line_no, body.to_string()));
                }
                if rest.ends_with(";;") {
                    d.branches.push(b);
                } else {
                    current = Some(b);
                }
                continue;
            }
        }
        for stmt in statements(trimmed) {
            match first_word(stmt).as_str() {
                "case" => depth += 1,
                "esac" => depth = depth.saturating_sub(1).max(1),
                _ => {}
            }
        }
        if let Some(b) = current.as_mut() {
            let body = trimmed.trim_end_matches(";;").trim();
            if !body.is_empty() {
                b.body.push((line_no, body.to_string()));
            }
            if depth == 1 && trimmed.ends_with(";;") {
                d.branches.extend(current.take());
            }
        }
    }
    d.branches.extend(current);
    d
}

/// Words compared with `$1` on a line: `[ "$1" = install ]`, `test $1 == "postrm"`.
fn collect_comparisons(code: &str, out: &mut Vec<String>) {
    let mut rest = code;
    while let Some(at) = rest.find("$1") {
        let after = rest[at + 2..].trim_start_matches(['"', '\'', '}']);
        let after_ws = after.trim_start();
        let op = if after_ws.starts_with("==") {
            Some(2)
        } else if after_ws.starts_with('=') {
            Some(1)
        } else {
            None
        };
        if let Some(len) = op.filter(|_| after_ws.len() < after.len()) {
            let word: String = after_ws[len..]
                .trim_start()
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !word.is_empty() {
                out.push(word);
            }
        }
        rest = &rest[at + 2..];
    }
}

/// True when the script turns on errexit: `set -e`, `set -eu`, `set -o errexit`, `sh -e`.
fn has_set_e(lines: &[String]) -> bool {
    if let Some(first) = lines.first().filter(|l| l.starts_with("#!")) {
        if first
            .split_whitespace()
            .skip(1)
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e'))
        {
            return true;
        }
    }
    lines.iter().any(|l| {
        statements(strip_comment(l)).any(|stmt| {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            words.first() == Some(&"set")
                && (words[1..]
                    .iter()
                    .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e'))
                    || words.windows(2).any(|w| w == ["-o", "errexit"]))
        })
    })
}

/// The variables a line expands (`$NAME`, `${NAME...}`), with their 1-based column.
fn expansions(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut single = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\'' => single = !single,
            '\\' => i += 1,
            '$' if !single => {
                let start = i;
                let mut j = i + 1;
                if chars.get(j) == Some(&'{') {
                    j += 1;
                }
                let name: String = chars[j..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    out.push((start + 1, name));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// True when the script assigns NAME somewhere (`NAME=`, `export NAME=`, `for NAME in`,
/// `read ... NAME`), so that using it is the author's business.
fn assigns(lines: &[String], name: &str) -> bool {
    let assignment = format!("{name}=");
    lines.iter().any(|l| {
        let code = strip_comment(l);
        code.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
            .any(|w| w.starts_with(&assignment))
            || code.contains(&format!("for {name} in"))
            || (code.trim_start().starts_with("read ")
                && code.split_whitespace().any(|w| w == name))
    })
}

/// Variables the Wazo daemon never sets, with what to do instead; `None` when it may be set.
fn never_set(name: &str) -> Option<&'static str> {
    match name {
        "DEB_BUILD_OPTIONS" | "DEB_BUILD_PROFILES" => None,
        n if n.contains("MULTIARCH") && n.starts_with("DEB_") => {
            Some("compute it: $(dpkg-architecture -qDEB_HOST_MULTIARCH)")
        }
        n if n.starts_with("DEB_") && n.contains("ARCH") => {
            Some("compute it: $(dpkg --print-architecture)")
        }
        n if n.starts_with("DEB_") || n.starts_with("DH_") => {
            Some("it is set by dpkg-buildpackage and debhelper, which wazo-plugind does not run")
        }
        "srcdir" | "startdir" => {
            Some("the rules file runs in the plugin folder: use relative paths or $(pwd)")
        }
        "pkgname" | "pkgver" | "pkgrel" => Some("read the value from wazo/plugin.yml"),
        "DESTDIR" => Some("use $pkgdir in the package branch"),
        "CURDIR" => Some("the rules file runs in the plugin folder: use $(pwd)"),
        _ => None,
    }
}

/// What a rules command is for, to say why a missing branch matters.
fn purpose(word: &str) -> &'static str {
    match word {
        "build" => "the first build step",
        "package" => "the build step that fills $pkgdir",
        "install" => "run by postinst after the package is installed",
        "uninstall" => "run by prerm before the package is removed",
        _ => "run by postrm after the package is removed (plugin_format_version >= 1)",
    }
}

/// Checks a rules file's text (from a checkout or a package) and returns what the package
/// checks need; the mode and the file type are the caller's business.
pub(crate) fn check_rules(
    bytes: &[u8],
    format: u8,
    stage: Stage,
    place: &Place,
    out: &mut Findings,
) -> RulesFacts {
    if !has_shebang(bytes) {
        out.add(
            Tag::RulesNoShebang,
            place.line(1),
            "does not start with #!, so it cannot be executed (add #!/bin/sh as its first line)",
        );
    }
    if let Some(line) = first_crlf_line(bytes) {
        // The fix names the file as the other messages do (`m2/wazo/rules`).
        let shown = match stage {
            Stage::Checkout => place.path.as_str(),
            _ => "wazo/rules",
        };
        out.add(
            Tag::RulesCrlf,
            place.line(line),
            format!(
                "CR LF line endings: the interpreter line and every command end in a carriage \
                 return, so the file will not run (convert it: dos2unix {shown})"
            ),
        );
    }
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    let facts_default = RulesFacts {
        set_e: true,
        package_does_work: false,
    };
    if !is_shell(lines.first().map_or("", String::as_str)) {
        return facts_default;
    }
    let set_e = has_set_e(&lines);
    if !set_e {
        out.add(
            Tag::RulesNoSetE,
            place.clone(),
            "no set -e: a failing command does not stop the rules file (add set -e after the #! line)",
        );
    }
    let d = dispatch(&lines);
    let mut words = match stage {
        Stage::Checkout => vec!["build", "package", "install", "uninstall"],
        Stage::Package => vec!["install", "uninstall"],
    };
    if format >= 1 {
        words.push("postrm");
    }
    if !d.is_empty() {
        let failing = d
            .branches
            .iter()
            .filter(|b| b.is_catch_all())
            .find_map(|b| b.failure().map(|f| (b.line, f)));
        if let Some((branch_line, (_, stmt))) = failing {
            for word in words.iter().filter(|w| !d.handles(w)) {
                out.add(
                    Tag::RulesMissingCommand,
                    place.line(branch_line),
                    format!(
                        "no branch for \"{word}\" ({}), and the *) branch here ends with `{stmt}`, \
                         so that call fails; add a branch, even an empty one: {word}) ;;",
                        purpose(word)
                    ),
                );
            }
        }
    }
    if format == 0 {
        if let Some(b) = d
            .branches
            .iter()
            // A branch shared with other commands (`install|postrm)`) is live code.
            .find(|b| b.patterns.iter().all(|p| p == "postrm") && b.does_work())
        {
            out.add(
                Tag::RulesPostrmIgnored,
                place.line(b.line),
                "this postrm branch never runs: the package calls `rules postrm` only for \
                 plugin_format_version 1 or more (set plugin_format_version: 1)",
            );
        }
    }
    let mut reported = std::collections::HashSet::new();
    for (i, raw) in lines.iter().enumerate() {
        for (col, name) in expansions(strip_comment(raw)) {
            if let Some(advice) = never_set(&name) {
                if reported.insert(name.clone()) && !assigns(&lines, &name) {
                    out.add(
                        Tag::RulesUnsetVariable,
                        place.at(crate::plugin::yaml::Pos { line: i + 1, col }),
                        format!(
                            "${name} is never set when wazo-plugind runs the rules file, so it \
                             is empty here; {advice}"
                        ),
                    );
                }
            }
        }
    }
    for b in d.branches.iter().filter(|b| !b.names("package")) {
        for (line, code) in &b.body {
            if let Some((col, _)) = expansions(code).into_iter().find(|(_, n)| n == "pkgdir") {
                let raw = &lines[line - 1];
                let col = raw.find(code.as_str()).map_or(col, |at| at + col);
                out.add(
                    Tag::RulesUnsetVariable,
                    place.at(crate::plugin::yaml::Pos { line: *line, col }),
                    format!(
                        "$pkgdir is only set for `rules package`; in the \"{}\" branch it is \
                         empty, so \"$pkgdir/...\" means a path from /",
                        b.patterns.join("|")
                    ),
                );
                break;
            }
        }
    }
    RulesFacts {
        set_e,
        package_does_work: d
            .branches
            .iter()
            .any(|b| b.names("package") && b.does_work()),
    }
}

/// `NAME=value` (after `export`, `readonly` or `local`) at the start of a statement: the
/// name and the value without its quotes. A value holding a command substitution is not
/// followed (its text is not what the variable holds).
fn assignment(stmt: &str) -> Option<(&str, String)> {
    let stmt = stmt.trim_start();
    let stmt = ["export ", "readonly ", "local "]
        .iter()
        .find_map(|kw| stmt.strip_prefix(kw))
        .map_or(stmt, str::trim_start);
    let (name, value) = stmt.split_once('=')?;
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let value = value.split_whitespace().next().unwrap_or("");
    if !valid || value.contains("$(") || value.contains('`') {
        return None;
    }
    Some((name, value.replace(['"', '\''], "")))
}

/// The script's lines with the variables it assigns expanded in the lines after the
/// assignment (`RULES=/usr/lib/.../wazo/rules` then `"$RULES" install` reads as
/// `"/usr/lib/.../wazo/rules" install`), as the Wazo daemon's own maintainer scripts call the
/// rules file. Comments are dropped; variables the script does not assign stay as written.
pub(crate) fn expand_assigned(text: &str) -> Vec<String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut code = strip_comment(line).to_string();
        // Longest names first, so that $RULES_DIR is not read as $RULES followed by _DIR.
        let mut sorted: Vec<&(String, String)> = vars.iter().collect();
        sorted.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, value) in sorted {
            code = code.replace(&format!("${{{name}}}"), value);
            let plain = format!("${name}");
            let mut expanded = String::with_capacity(code.len());
            let mut rest = code.as_str();
            while let Some(at) = rest.find(&plain) {
                let after = &rest[at + plain.len()..];
                expanded.push_str(&rest[..at]);
                if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    expanded.push_str(&plain);
                } else {
                    expanded.push_str(value);
                }
                rest = after;
            }
            expanded.push_str(rest);
            code = expanded;
        }
        for stmt in statements(&code) {
            if let Some((name, value)) = assignment(stmt) {
                vars.retain(|(n, _)| n != name);
                vars.push((name.to_string(), value));
            }
        }
        out.push(code);
    }
    out
}

/// The command words a maintainer script passes to a program named `target` (a path ending,
/// such as `plugins/demo/hello/wazo/rules`): `"$DPKG_ROOT/.../wazo/rules" install` gives
/// `install`, and so does `"${RULES}" install` after `RULES=.../wazo/rules`.
pub(crate) fn calls(text: &str, target: &str) -> Vec<String> {
    let mut out = Vec::new();
    for code in expand_assigned(text) {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(target) {
            let after = &rest[at + target.len()..];
            let after = after.trim_start_matches(['"', '\'', '}']);
            if after.starts_with([' ', '\t']) {
                let word = unquote(after.split_whitespace().next().unwrap_or(""));
                let word = word.trim_end_matches(';').to_string();
                if !word.is_empty() {
                    out.push(word);
                }
            }
            rest = &rest[at + target.len()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
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
        assert_eq!(d.branches[3].failure().map(|f| f.1), Some("exit 1".into()));
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
}
