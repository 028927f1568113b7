//! The path a sandboxed rules step was refused, read from its own error lines.
//!
//! A step run as the unprivileged build user (`build --ref` as root) fails where it writes
//! outside its folders, with the kernel's EACCES or EPERM as the tool that tried it words it:
//! `cp: cannot create directory '/etc/asterisk': Permission denied`,
//! `sh: 1: cannot create /etc/x: Permission denied`, or Python's
//! `PermissionError: [Errno 13] Permission denied: '/etc/x'`. pluginctl's last line names
//! that path, so the author sees at once what the server would refuse.

/// The words of the errors a write outside the sandbox gets.
const REFUSALS: [&str; 3] = [
    "Permission denied",
    "Operation not permitted",
    "Read-only file system",
];

/// The absolute path named by the last refusal among `lines`, if any.
pub(crate) fn path_in(lines: &[Vec<u8>]) -> Option<String> {
    lines.iter().rev().find_map(|line| {
        let line = String::from_utf8_lossy(line);
        if !REFUSALS.iter().any(|r| line.contains(r)) {
            return None;
        }
        quoted_path(&line).or_else(|| bare_path(&line))
    })
}

/// The first quoted absolute path: `'/etc/x'`, `"/etc/x"`, `‘/etc/x’` or `` `/etc/x' ``.
fn quoted_path(line: &str) -> Option<String> {
    for (open, close) in [('\'', '\''), ('"', '"'), ('‘', '’'), ('`', '\'')] {
        let mut rest = line;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len_utf8()..];
            let Some(end) = after.find(close) else { break };
            let inside = &after[..end];
            if inside.starts_with('/') {
                return Some(inside.to_string());
            }
            rest = &after[end + close.len_utf8()..];
        }
    }
    None
}

/// The last unquoted word starting with `/` before the refusal: `cannot create /etc/x:`.
fn bare_path(line: &str) -> Option<String> {
    let before = REFUSALS
        .iter()
        .filter_map(|r| line.find(r))
        .min()
        .map_or(line, |at| &line[..at]);
    before
        .split_whitespace()
        .rev()
        .map(|w| w.trim_end_matches(':'))
        .find(|w| w.starts_with('/') && w.len() > 1)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::path_in;

    fn find(lines: &[&str]) -> Option<String> {
        let lines: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
        path_in(&lines)
    }

    #[test]
    fn tools_word_the_path_their_own_way() {
        let cases = [
            (
                "cp: cannot create directory '/etc/asterisk': Permission denied",
                "/etc/asterisk",
            ),
            (
                "mkdir: cannot create directory ‘/etc/x’: Permission denied",
                "/etc/x",
            ),
            (
                "/bin/sh: 1: cannot create /etc/x.conf: Permission denied",
                "/etc/x.conf",
            ),
            ("bash: /etc/x: Permission denied", "/etc/x"),
            (
                "PermissionError: [Errno 13] Permission denied: '/etc/x'",
                "/etc/x",
            ),
            (
                "chown: changing ownership of '/usr/bin/x': Operation not permitted",
                "/usr/bin/x",
            ),
            (
                "touch: cannot touch '/usr/x': Read-only file system",
                "/usr/x",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(find(&[line]).as_deref(), Some(want), "{line}");
        }
    }

    #[test]
    fn the_last_refusal_wins_and_other_lines_do_not_count() {
        assert_eq!(
            find(&[
                "touch: cannot touch '/etc/a': Permission denied",
                "cp: cannot create regular file '/etc/b': Permission denied",
                "make: *** [all] Error 1",
            ])
            .as_deref(),
            Some("/etc/b")
        );
        assert_eq!(
            find(&["cp: cannot stat '/x': No such file or directory"]),
            None
        );
        assert_eq!(find(&["Permission denied"]), None);
    }
}
