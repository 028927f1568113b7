//! How PyYAML, the YAML 1.1 reader of the Wazo daemon, types a plain scalar.
//!
//! pluginctl keeps every scalar as written. The daemon does not: it reads `1.10` as the float
//! 1.1 and `010` as the integer 8. This module says what the daemon would see, so that `lint`
//! can warn and `build` can refuse names the daemon would mangle.

/// What PyYAML makes of a plain scalar, rendered the way Python's `str()` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A string: the same text.
    Str,
    /// A boolean (`yes`, `on`, `true`, ...): `True` or `False`.
    Bool(&'static str),
    /// Null (`~`, `null`, empty): `None`.
    Null,
    /// An integer, printed in decimal.
    Int(String),
    /// A float, printed as Python prints it.
    Float(String),
    /// A date or timestamp.
    Timestamp,
    /// A form PyYAML types (as a date, a number) but then fails to build (`2024-02-30`,
    /// `0b_`): the daemon cannot read the file.
    Invalid,
}

impl Reading {
    /// The text Python would print for the value, or `None` when it is the text as written.
    pub(crate) fn python_text(&self) -> Option<String> {
        match self {
            Reading::Str => None,
            Reading::Bool(b) => Some((*b).to_string()),
            Reading::Null => Some("None".into()),
            Reading::Int(s) | Reading::Float(s) => Some(s.clone()),
            Reading::Timestamp => Some("a date".into()),
            Reading::Invalid => Some("an error (it cannot build the value)".into()),
        }
    }
}

/// Types `text` as PyYAML's implicit resolvers do for an untagged plain scalar, then builds
/// the value as its constructors do. Each `is_*` function below is one of PyYAML's resolver
/// regular expressions (resolver.py, YAML 1.1), transcribed by hand: the forms are small,
/// and a differential test against PyYAML itself holds them to it.
pub fn read_plain(text: &str) -> Reading {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Reading::Bool("True")
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Reading::Bool("False")
        }
        "" | "~" | "null" | "Null" | "NULL" => return Reading::Null,
        _ => {}
    }
    if is_float(text) {
        return build_float(text).map_or(Reading::Invalid, Reading::Float);
    }
    if is_int(text) {
        return build_int(text).map_or(Reading::Invalid, Reading::Int);
    }
    if is_timestamp(text) {
        return if valid_timestamp(text) {
            Reading::Timestamp
        } else {
            Reading::Invalid
        };
    }
    Reading::Str
}

/// What PyYAML makes of a scalar written `text`, with its tag if any and whether it is plain
/// (unquoted, not a block): quoted, block and `!`/`!!str` scalars are strings, a core tag
/// builds its type, a plain scalar is typed by its text.
pub(crate) fn read_scalar(text: &str, tag: Option<&str>, plain: bool) -> Reading {
    match tag {
        None if plain => read_plain(text),
        None | Some("!") => Reading::Str,
        Some(tag) => read_tagged(tag.trim_start_matches('!'), text).unwrap_or(Reading::Invalid),
    }
}

/// The scalar read as the given core tag (`!!int 010`): what PyYAML builds, or `None` when
/// the text does not fit the tag (PyYAML would fail).
pub(crate) fn read_tagged(tag: &str, text: &str) -> Option<Reading> {
    match tag {
        "str" => Some(Reading::Str),
        "null" => Some(Reading::Null),
        // construct_yaml_bool looks the lower-cased text up: "TrUe" is True too.
        "bool" => match text.to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" => Some(Reading::Bool("True")),
            "no" | "false" | "off" => Some(Reading::Bool("False")),
            _ => None,
        },
        "int" => build_int(text).map(Reading::Int),
        "float" => build_float(text).map(Reading::Float),
        _ => None,
    }
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn all(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(ok)
}

fn digit_or_underscore(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// `[0-5]?[0-9]`: one part after a `:` in base 60.
fn is_base60_part(part: &str) -> bool {
    match part.as_bytes() {
        [d] => d.is_ascii_digit(),
        [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
        _ => false,
    }
}

/// `[-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
/// | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`
fn is_int(text: &str) -> bool {
    let (_, body) = split_sign(text);
    if let Some(b) = body.strip_prefix("0b") {
        return all(b, |c| c == b'0' || c == b'1' || c == b'_');
    }
    if let Some(h) = body.strip_prefix("0x") {
        return all(h, |c| c.is_ascii_hexdigit() || c == b'_');
    }
    if body == "0" {
        return true;
    }
    if let Some(o) = body.strip_prefix('0') {
        return all(o, |c| (b'0'..=b'7').contains(&c) || c == b'_');
    }
    if !body
        .as_bytes()
        .first()
        .is_some_and(|c| (b'1'..=b'9').contains(c))
    {
        return false;
    }
    let mut parts = body.split(':');
    let first = parts.next().unwrap_or("");
    all(first, digit_or_underscore) && parts.all(is_base60_part)
}

/// `[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
/// | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)`
fn is_float(text: &str) -> bool {
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (signed, body) = match text.as_bytes().first() {
        Some(b'-' | b'+') => (true, &text[1..]),
        _ => (false, text),
    };
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    let exponent_ok = |e: &str| {
        e.is_empty()
            || (e.len() >= 3
                && matches!(e.as_bytes()[0], b'e' | b'E')
                && matches!(e.as_bytes()[1], b'+' | b'-')
                && all(&e[2..], |c| c.is_ascii_digit()))
    };
    if let Some(rest) = body.strip_prefix('.') {
        // `.5`: unsigned only, a digit first.
        let end = rest.find(['e', 'E']).unwrap_or(rest.len());
        return !signed
            && rest.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && rest[..end].bytes().all(digit_or_underscore)
            && exponent_ok(&rest[end..]);
    }
    if !body.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let Some((whole, frac)) = body.split_once('.') else {
        return false;
    };
    if whole.contains(':') {
        let mut parts = whole.split(':');
        let first = parts.next().unwrap_or("");
        return all(first, digit_or_underscore)
            && parts.all(is_base60_part)
            && frac.bytes().all(digit_or_underscore);
    }
    let end = frac.find(['e', 'E']).unwrap_or(frac.len());
    all(whole, digit_or_underscore)
        && frac[..end].bytes().all(digit_or_underscore)
        && exponent_ok(&frac[end..])
}

/// A non-negative whole number of any size, as little-endian base-10^9 limbs.
struct Big(Vec<u32>);

impl Big {
    fn mul_add(&mut self, mul: u32, add: u32) {
        let mut carry = add as u64;
        for limb in &mut self.0 {
            let v = *limb as u64 * mul as u64 + carry;
            *limb = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// Appends the digits of `s` in `radix`; `None` when one is not a digit or there is none.
    fn push_digits(&mut self, s: &str, radix: u32) -> Option<()> {
        if s.is_empty() {
            return None;
        }
        for c in s.chars() {
            self.mul_add(radix, c.to_digit(radix)?);
        }
        Some(())
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    fn decimal(&self) -> String {
        let mut limbs = self.0.iter().rev().skip_while(|&&l| l == 0);
        let Some(top) = limbs.next() else {
            return "0".into();
        };
        let mut out = top.to_string();
        for l in limbs {
            out.push_str(&format!("{l:09}"));
        }
        out
    }
}

/// construct_yaml_int: underscores dropped, then `0` / `0b` / `0x` / octal / base 60 /
/// decimal. Python's integers have no size limit, and neither does this.
fn build_int(text: &str) -> Option<String> {
    let clean = text.replace('_', "");
    let (neg, body) = split_sign(&clean);
    let mut value = Big(Vec::new());
    if body == "0" {
    } else if let Some(b) = body.strip_prefix("0b") {
        value.push_digits(b, 2)?;
    } else if let Some(h) = body.strip_prefix("0x") {
        value.push_digits(h, 16)?;
    } else if body.starts_with('0') {
        value.push_digits(body, 8)?;
    } else if body.contains(':') {
        let mut parts = body.split(':');
        value.push_digits(parts.next().unwrap_or(""), 10)?;
        for part in parts {
            let part = if part.len() <= 9 {
                part.parse().ok()?
            } else {
                return None;
            };
            value.mul_add(60, part);
        }
    } else {
        value.push_digits(body, 10)?;
    }
    Some(if neg && !value.is_zero() {
        format!("-{}", value.decimal())
    } else {
        value.decimal()
    })
}

/// construct_yaml_float: underscores dropped, lower-cased, then inf / nan / base 60 /
/// Python's `float()`.
fn build_float(text: &str) -> Option<String> {
    let clean = text.replace('_', "").to_ascii_lowercase();
    let (neg, body) = split_sign(&clean);
    let value: f64 = if body == ".inf" {
        f64::INFINITY
    } else if body == ".nan" {
        return Some("nan".into());
    } else if body.contains(':') {
        // Summed from the last part up, as PyYAML does (the roundings then agree).
        let (mut value, mut base) = (0.0, 1.0);
        for part in body.rsplit(':') {
            value += python_float_from_text(part)? * base;
            base *= 60.0;
        }
        value
    } else {
        python_float_from_text(body)?
    };
    Some(python_float(if neg { -value } else { value }))
}

/// Python's `float(text)` for the forms the resolver lets through (`1.`, `.5`, `1.e+5`).
fn python_float_from_text(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// Python's `repr(float)`: shortest round-trip digits, always with a `.` or an exponent.
pub(crate) fn python_float(value: f64) -> String {
    if value.is_infinite() {
        return if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let abs = value.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let s = format!("{value:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let s = format!("{value}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Splits the leading ASCII digits off `s`.
fn digits_of(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

/// The fields of a timestamp: year, month, day, and the time when there is one.
struct Stamp<'a> {
    date: [&'a str; 3],
    time: Option<[&'a str; 3]>,
    offset: Option<(&'a str, &'a str)>,
}

/// `[0-9]{4}-[0-9]{2}-[0-9]{2}` | `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}
/// :[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?`
fn parse_timestamp(text: &str) -> Option<Stamp<'_>> {
    let (year, rest) = digits_of(text);
    let rest = rest.strip_prefix('-').filter(|_| year.len() == 4)?;
    let (month, rest) = digits_of(rest);
    let rest = rest
        .strip_prefix('-')
        .filter(|_| (1..=2).contains(&month.len()))?;
    let (day, rest) = digits_of(rest);
    if !(1..=2).contains(&day.len()) {
        return None;
    }
    if rest.is_empty() {
        // A date alone needs two digits each.
        return (month.len() == 2 && day.len() == 2).then_some(Stamp {
            date: [year, month, day],
            time: None,
            offset: None,
        });
    }
    let rest = match rest.strip_prefix(['T', 't']) {
        Some(r) => r,
        None => {
            let r = rest.trim_start_matches([' ', '\t']);
            if r.len() == rest.len() {
                return None;
            }
            r
        }
    };
    let (hour, rest) = digits_of(rest);
    let rest = rest
        .strip_prefix(':')
        .filter(|_| (1..=2).contains(&hour.len()))?;
    let (minute, rest) = digits_of(rest);
    let rest = rest.strip_prefix(':').filter(|_| minute.len() == 2)?;
    let (second, mut rest) = digits_of(rest);
    if second.len() != 2 {
        return None;
    }
    if let Some(r) = rest.strip_prefix('.') {
        rest = digits_of(r).1;
    }
    let zone = rest.trim_start_matches([' ', '\t']);
    let offset = match zone.as_bytes().first() {
        // Blanks must be followed by a zone.
        None if rest.is_empty() => None,
        None => return None,
        Some(b'Z') if zone.len() == 1 => None,
        Some(b'+' | b'-') => {
            let (h, r) = digits_of(&zone[1..]);
            if !(1..=2).contains(&h.len()) {
                return None;
            }
            let m = match r {
                "" => "0",
                _ => r
                    .strip_prefix(':')
                    .filter(|m| m.len() == 2 && all(m, |c| c.is_ascii_digit()))?,
            };
            Some((h, m))
        }
        _ => return None,
    };
    Some(Stamp {
        date: [year, month, day],
        time: Some([hour, minute, second]),
        offset,
    })
}

fn is_timestamp(text: &str) -> bool {
    parse_timestamp(text).is_some()
}

/// Whether Python's `datetime` accepts the fields (PyYAML fails on `2024-02-30`).
fn valid_timestamp(text: &str) -> bool {
    let Some(stamp) = parse_timestamp(text) else {
        return false;
    };
    let n = |s: &str| s.parse::<u32>().unwrap_or(u32::MAX);
    let [y, m, d] = stamp.date.map(n);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if !(1..=9999).contains(&y) || !(1..=days).contains(&d) {
        return false;
    }
    if let Some([h, mi, s]) = stamp.time.map(|t| t.map(n)) {
        if h > 23 || mi > 59 || s > 59 {
            return false;
        }
    }
    // A zone offset of a day or more is refused by Python's timezone().
    stamp.offset.is_none_or(|(h, m)| n(h) * 60 + n(m) < 24 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_daemon_reads() {
        assert_eq!(read_plain("1.10"), Reading::Float("1.1".into()));
        assert_eq!(read_plain("24.00"), Reading::Float("24.0".into()));
        assert_eq!(read_plain("010"), Reading::Int("8".into()));
        assert_eq!(read_plain("1:20"), Reading::Int("80".into()));
        assert_eq!(read_plain("0.0.1"), Reading::Str);
        assert_eq!(read_plain("1.0-1"), Reading::Str);
        assert_eq!(read_plain("2"), Reading::Int("2".into()));
        assert_eq!(read_plain("yes"), Reading::Bool("True"));
        assert_eq!(read_plain("1.5"), Reading::Float("1.5".into()));
        assert_eq!(read_plain("helloworld"), Reading::Str);
        assert_eq!(read_plain("2024-01-05"), Reading::Timestamp);
    }
}
