//! The head of a script: its `#!` line, the interpreter it names, and CR LF line endings.
//!
//! `build` refuses a `wazo/rules` that cannot run, and `lint` reports the same faults on a
//! checkout's rules file and on a package's scripts: both read the file here and say the
//! same thing, so that they cannot disagree on which file runs.

/// The most of a rules file that is read for these checks (and for lint's text checks).
pub(crate) const MAX_RULES_BYTES: u64 = 1 << 20;

/// The fault of a script without a `#!` line.
pub(crate) const NO_SHEBANG: &str =
    "does not start with #!, so it cannot be executed (add #!/bin/sh as its first line)";

/// True when the bytes start with `#!`.
pub(crate) fn has_shebang(bytes: &[u8]) -> bool {
    bytes.starts_with(b"#!")
}

/// The 1-based number of the first line that ends with CR LF.
pub(crate) fn first_crlf_line(bytes: &[u8]) -> Option<usize> {
    let at = bytes.windows(2).position(|w| w == b"\r\n")?;
    Some(1 + bytes[..at].iter().filter(|&&b| b == b'\n').count())
}

/// The fault of a rules file with CR LF line endings; `shown` is the file as the user
/// names it, for the fix.
pub(crate) fn crlf_problem(shown: &str) -> String {
    format!(
        "CR LF line endings: the interpreter line and every command end in a carriage return, \
         so the file will not run (convert it: dos2unix {shown})"
    )
}

/// The first line of a script, without its line ending (lossy UTF-8).
pub(crate) fn first_line(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
        .trim_end_matches('\r')
        .to_string()
}

/// The program a `#!` line names, as written (`/bin/sh`, `/usr/bin/env`); `None` without
/// a `#!`, empty when the line names none.
pub(crate) fn program(first_line: &str) -> Option<&str> {
    let rest = first_line.strip_prefix("#!")?;
    Some(rest.split_whitespace().next().unwrap_or(""))
}

/// The program a `#!` line runs, by its file name (`sh`, `bash`, `python3`), looking
/// through `env`; `None` without a `#!`.
pub(crate) fn interpreter(first_line: &str) -> Option<&str> {
    let rest = first_line.strip_prefix("#!")?;
    let mut words = rest.split_whitespace();
    let mut program = words.next().unwrap_or("");
    if program.rsplit('/').next() == Some("env") {
        program = words.find(|w| !w.starts_with('-')).unwrap_or("");
    }
    Some(program.rsplit('/').next().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_once_for_build_and_lint() {
        assert!(has_shebang(b"#!/bin/sh\n"));
        assert!(!has_shebang(b" #!/bin/sh\n"));
        assert_eq!(first_crlf_line(b"#!/bin/sh\r\n"), Some(1));
        assert_eq!(first_crlf_line(b"#!/bin/sh\nset -e\necho\r\n"), Some(3));
        assert_eq!(first_crlf_line(b"#!/bin/sh\n"), None);
        assert_eq!(first_line(b"#!/bin/sh -e\r\nx"), "#!/bin/sh -e");
        assert_eq!(program("#! /usr/bin/env  python3"), Some("/usr/bin/env"));
        assert_eq!(interpreter("#!/usr/bin/env -S python3 -u"), Some("python3"));
        assert_eq!(interpreter("echo"), None);
    }
}
