//! How a script dispatches on its first argument: the branches of its `case` statements on
//! `$1`, and the words it compares `$1` with; the rules checks read the commands it answers
//! from them.

use super::aliases::{self, expands_one_of, is_first_arg_expansion};
use super::{statements, strip_comment, unquote};

/// One branch of a `case "$1" in` statement.
#[derive(Debug, Clone)]
pub(super) struct Branch {
    /// The patterns, unquoted (`install`, `*`).
    pub(super) patterns: Vec<String>,
    /// Line of the pattern.
    pub(super) line: usize,
    /// The body: (line, code without comment).
    pub(super) body: Vec<(usize, String)>,
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
    pub(super) fn names(&self, word: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| p != "*" && p.len() <= 64 && glob(p.as_bytes(), word.as_bytes()))
    }

    pub(super) fn is_catch_all(&self) -> bool {
        self.patterns.iter().any(|p| p == "*")
    }

    /// The `exit N` (N != 0), `false`, or call of a function among `exiting` (one that
    /// exits with a failure) that makes this branch fail, with its line.
    pub(super) fn failure(&self, exiting: &[String]) -> Option<(usize, String)> {
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
                    Some(f) if exiting.iter().any(|e| e == f) => {
                        return Some((*line, stmt.to_string()))
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// True when the body runs a command other than `:`, `true`, `echo`, `printf`, `exit 0`.
    pub(super) fn does_work(&self) -> bool {
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

/// How a script dispatches on its first argument.
#[derive(Debug, Default)]
pub(super) struct Dispatch {
    pub(super) branches: Vec<Branch>,
    /// Words compared with `$1` outside a case (`[ "$1" = install ]`).
    pub(super) compared: Vec<String>,
    /// The functions that exit with a failure (`die`), whose call fails a branch.
    pub(super) exiting: Vec<String>,
}

impl Dispatch {
    pub(super) fn is_empty(&self) -> bool {
        self.branches.is_empty() && self.compared.is_empty()
    }

    pub(super) fn handles(&self, word: &str) -> bool {
        self.branches.iter().any(|b| b.names(word)) || self.compared.iter().any(|w| w == word)
    }
}

/// True for the subject of a case on the first argument: `$1`, `"$1"`, `${1}`, `${1:-}`,
/// or a variable assigned one of them (`names`).
fn is_first_arg(subject: &str, names: &[String]) -> bool {
    is_first_arg_expansion(subject) || expands_one_of(subject, names)
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
pub(super) fn dispatch(lines: &[String]) -> Dispatch {
    let names = aliases::first_arg_names(lines);
    let mut d = Dispatch {
        exiting: aliases::exiting_functions(lines),
        ..Dispatch::default()
    };
    let mut depth = 0usize; // nesting inside a case on $1 (0: outside)
    let mut current: Option<Branch> = None;
    let first_word = |stmt: &str| stmt.split_whitespace().next().unwrap_or("").to_string();
    for (i, raw) in lines.iter().enumerate() {
        let line_no = i + 1;
        let code = strip_comment(raw);
        let trimmed = code.trim();
        if depth == 0 {
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            if words.len() >= 3
                && words[0] == "case"
                && words[2] == "in"
                && is_first_arg(words[1], &names)
            {
                depth = 1;
            } else {
                collect_comparisons(code, &names, &mut d.compared);
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

/// Words compared with `$1` (or a variable holding it, `names`) on a line:
/// `[ "$1" = install ]`, `test $1 == "postrm"`, `[ "$CMD" = postrm ]`.
fn collect_comparisons(code: &str, names: &[String], out: &mut Vec<String>) {
    let mut subjects = vec!["$1".to_string()];
    for n in names {
        subjects.push(format!("${n}"));
        subjects.push(format!("${{{n}}}"));
    }
    for subject in &subjects {
        let mut rest = code;
        while let Some(at) = rest.find(subject.as_str()) {
            let tail = &rest[at + subject.len()..];
            // `$CMD` must not be the start of `$CMDLINE`.
            if subject != "$1"
                && tail
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                rest = tail;
                continue;
            }
            let after = tail.trim_start_matches(['"', '\'', '}']);
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
            rest = tail;
        }
    }
}
