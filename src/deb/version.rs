//! Debian version, package name and relation syntax (Debian policy 5.6.12 and 7.1).
//!
//! Each check returns `Err(reason)` with a short lower-case reason that the caller places
//! after the file and key, so the same grammar serves `build`, `lint` and the `.deb` reader.

/// Checks a Debian version: `[epoch:]upstream[-revision]`.
pub(crate) fn check_version(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("is empty; a version such as 1.0.0 is required".into());
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ".+~-:".contains(*c)))
    {
        return Err(format!(
            "{} is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)",
            describe_char(c)
        ));
    }
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) => (Some(e), r),
        None => (None, v),
    };
    if let Some(e) = epoch {
        if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("epoch \"{e}\" must be a number"));
        }
    }
    let (upstream, revision) = match rest.rfind('-') {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    if let Some(r) = revision {
        if r.is_empty() {
            return Err("ends with '-' but has no Debian revision after it".into());
        }
        if r.contains(':') {
            return Err("':' is not allowed in the Debian revision".into());
        }
    }
    if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must start with a digit (Debian versions do: 1.0, not v1.0)".into());
    }
    if epoch.is_none() && upstream.contains(':') {
        return Err("':' is only allowed after an epoch (1:2.0)".into());
    }
    Ok(())
}

/// The version without its epoch, as used in the `.deb` file name.
pub(crate) fn without_epoch(v: &str) -> &str {
    v.split_once(':').map_or(v, |(_, rest)| rest)
}

/// True when the version has a Debian revision (`1.0-1`), i.e. is not a native version.
pub(crate) fn has_revision(v: &str) -> bool {
    without_epoch(v).contains('-')
}

/// Checks a Debian package name: lower case, digits, `+ - .`, two characters or more.
pub(crate) fn check_package_name(name: &str) -> Result<(), String> {
    if name.len() < 2 {
        return Err(format!(
            "package name \"{name}\" is too short (two characters or more)"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Err(format!(
            "package name \"{name}\" must start with a-z or 0-9"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(*c)))
    {
        return Err(format!(
            "package name \"{name}\": {} is not allowed (a-z 0-9 + - . only)",
            describe_char(c)
        ));
    }
    Ok(())
}

/// Checks one relation item of a `Depends` field: `a (>= 1) [amd64] | b:any`, no comma.
pub(crate) fn check_relation(item: &str) -> Result<(), String> {
    if item.contains(',') {
        return Err("holds a comma; give each dependency as its own list item".into());
    }
    if let Some(c) = item.chars().find(|c| c.is_control()) {
        return Err(format!("{} is not allowed in a relation", describe_char(c)));
    }
    if item.trim().is_empty() {
        return Err("is empty".into());
    }
    parse_relation(item).map(drop)
}

/// One alternative of a relation: `name:arch (op version)`, as dpkg reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alternative<'a> {
    /// The package name, without its architecture qualifier.
    pub(crate) name: &'a str,
    /// The operator (`<<`, `<=`, `=`, `>=`, `>>`) and version, when constrained.
    pub(crate) constraint: Option<(&'a str, &'a str)>,
}

impl Alternative<'_> {
    /// Whether a package (or a versioned `Provides`) at `version` meets the constraint, by
    /// dpkg's order; `None` is an unversioned `Provides`, which meets only no constraint.
    pub(crate) fn accepts(&self, version: Option<&str>) -> bool {
        let Some((op, want)) = self.constraint else {
            return true;
        };
        let Some(have) = version else {
            return false;
        };
        let order = compare(have, want);
        match op {
            "<<" => order.is_lt(),
            "<=" => order.is_le(),
            "=" => order.is_eq(),
            ">=" => order.is_ge(),
            _ => order.is_gt(),
        }
    }
}

/// The alternatives of one relation item (`a (>= 1) | b`), checked as [`check_relation`].
pub(crate) fn parse_relation(item: &str) -> Result<Vec<Alternative<'_>>, String> {
    item.split('|')
        .map(|alternative| check_alternative(alternative.trim()))
        .collect()
}

fn check_alternative(alt: &str) -> Result<Alternative<'_>, String> {
    if alt.is_empty() {
        return Err("has an empty alternative around '|'".into());
    }
    let name_end = alt
        .find(|c: char| c.is_whitespace() || c == '(' || c == '[' || c == '<')
        .unwrap_or(alt.len());
    let (name, mut rest) = (&alt[..name_end], alt[name_end..].trim_start());
    let pkg = match name.split_once(':') {
        Some((pkg, arch)) => {
            if arch.is_empty()
                || !arch
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(format!(
                    "\"{name}\": bad architecture qualifier (use :any or :native)"
                ));
            }
            pkg
        }
        None => name,
    };
    check_package_name(pkg)?;
    let mut constraint = None;
    if let Some(after) = rest.strip_prefix('(') {
        let Some(close) = after.find(')') else {
            return Err(format!("\"{alt}\": '(' without ')'"));
        };
        let inner = after[..close].trim();
        let op_len = inner.bytes().take_while(|b| b"<>=".contains(b)).count();
        let (op, version) = (&inner[..op_len], inner[op_len..].trim());
        if !matches!(op, "<<" | "<=" | "=" | ">=" | ">>") {
            return Err(format!(
                "\"{alt}\": the operator must be one of << <= = >= >>"
            ));
        }
        check_version(version).map_err(|e| format!("\"{alt}\": version \"{version}\" {e}"))?;
        constraint = Some((op, version));
        rest = after[close + 1..].trim_start();
    }
    if let Some(after) = rest.strip_prefix('[') {
        let Some(close) = after.find(']') else {
            return Err(format!("\"{alt}\": '[' without ']'"));
        };
        let arches = after[..close].split_whitespace().collect::<Vec<_>>();
        if arches.is_empty()
            || arches.iter().any(|a| {
                !a.trim_start_matches('!')
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    || a.trim_start_matches('!').is_empty()
            })
        {
            return Err(format!("\"{alt}\": bad architecture list"));
        }
        rest = after[close + 1..].trim_start();
    }
    while let Some(after) = rest.strip_prefix('<') {
        let Some(close) = after.find('>') else {
            return Err(format!("\"{alt}\": '<' without '>'"));
        };
        rest = after[close + 1..].trim_start();
    }
    if !rest.is_empty() {
        return Err(format!(
            "\"{alt}\": unexpected \"{rest}\" (expected: name (op version) [arch])"
        ));
    }
    Ok(Alternative {
        name: pkg,
        constraint,
    })
}

/// Names a character for an error message: `'_'`, `a space`, `a newline`, `U+0007`.
pub(crate) fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' => "a newline".into(),
        '\r' => "a carriage return".into(),
        '\t' => "a tab".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

/// Orders two valid Debian versions as dpkg does (epoch, then upstream, then revision;
/// `~` sorts before anything, even the end).
pub(crate) fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    fn split(v: &str) -> (u64, &str, &str) {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) => (e.parse().unwrap_or(0), r),
            None => (0, v),
        };
        match rest.rfind('-') {
            Some(at) => (epoch, &rest[..at], &rest[at + 1..]),
            None => (epoch, rest, ""),
        }
    }
    let (ea, ua, ra) = split(a);
    let (eb, ub, rb) = split(b);
    ea.cmp(&eb)
        .then_with(|| compare_part(ua.as_bytes(), ub.as_bytes()))
        .then_with(|| compare_part(ra.as_bytes(), rb.as_bytes()))
}

/// dpkg's `verrevcmp`: non-digit runs compare by `char_order` (`~` first, then the end, then
/// letters, then the rest), digit runs as numbers.
fn compare_part(mut a: &[u8], mut b: &[u8]) -> std::cmp::Ordering {
    fn char_order(c: Option<&u8>) -> i32 {
        match c {
            None => 0,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(*c),
            Some(b'~') => -1,
            Some(c) => i32::from(*c) + 256,
        }
    }
    let digit = |s: &[u8]| s.first().is_some_and(u8::is_ascii_digit);
    while !a.is_empty() || !b.is_empty() {
        while (!a.is_empty() && !digit(a)) || (!b.is_empty() && !digit(b)) {
            let (ac, bc) = (char_order(a.first()), char_order(b.first()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            a = a.get(1..).unwrap_or(&[]);
            b = b.get(1..).unwrap_or(&[]);
        }
        while a.first() == Some(&b'0') {
            a = &a[1..];
        }
        while b.first() == Some(&b'0') {
            b = &b[1..];
        }
        let mut first_diff = std::cmp::Ordering::Equal;
        while digit(a) && digit(b) {
            if first_diff.is_eq() {
                first_diff = a[0].cmp(&b[0]);
            }
            a = &a[1..];
            b = &b[1..];
        }
        if digit(a) {
            return std::cmp::Ordering::Greater;
        }
        if digit(b) {
            return std::cmp::Ordering::Less;
        }
        if !first_diff.is_eq() {
            return first_diff;
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod compare_tests {
    use super::compare;
    use std::cmp::Ordering::*;

    #[test]
    fn orders_as_dpkg() {
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.10", "1.9", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1:0.1", "2.0", Greater),
            ("1.0-1", "1.0-2", Less),
            ("1.0a", "1.0", Greater),
            ("1.0+b1", "1.0a", Greater),
            ("1.01", "1.1", Equal),
            ("0.1.0", "0.1", Greater),
        ] {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in [
            "0.0.1",
            "1.10",
            "1:2.0-1",
            "2.0~rc1+dfsg-0wazo1",
            "1.0-1-2",
            "24.01",
        ] {
            assert_eq!(check_version(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "v1.0",
            "1.0_beta",
            "1 0",
            "true",
            "1.0\nPackage: x",
            "1.0-",
            "a:1.0",
            "1:2:3-x:y",
            ":1",
        ] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relations() {
        for ok in [
            "python3",
            "python3 (>= 3.7)",
            "aa | bb (<< 2)",
            "libc6:any",
            "foo [amd64 !i386]",
            "xy (= 1.0-1)",
        ] {
            assert_eq!(check_relation(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", "A", "a, b", "a (>= )", "a (> 1)", "a (>= 1", "a\nb", "a b", "a | ", "_x",
        ] {
            assert!(check_relation(bad).is_err(), "{bad}");
        }
    }
}
