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
}

impl Reading {
    /// The text Python would print for the value, or `None` when it is the text as written.
    pub fn python_text(&self) -> Option<String> {
        match self {
            Reading::Str => None,
            Reading::Bool(b) => Some((*b).to_string()),
            Reading::Null => Some("None".into()),
            Reading::Int(s) | Reading::Float(s) => Some(s.clone()),
            Reading::Timestamp => Some("a date".into()),
        }
    }
}

/// Types `text` as PyYAML's implicit resolvers do for an untagged plain scalar.
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
    if let Some(i) = read_int(text) {
        return Reading::Int(i);
    }
    if let Some(f) = read_float(text) {
        return Reading::Float(f);
    }
    if is_timestamp(text) {
        return Reading::Timestamp;
    }
    Reading::Str
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

fn read_int(text: &str) -> Option<String> {
    let (neg, body) = split_sign(text);
    let digits = |s: &str, radix: u32| -> Option<i128> {
        let clean: String = s.chars().filter(|&c| c != '_').collect();
        if clean.is_empty() {
            return None;
        }
        i128::from_str_radix(&clean, radix).ok()
    };
    let value = if let Some(b) = body.strip_prefix("0b") {
        all(b, |c| c == b'0' || c == b'1' || c == b'_').then(|| digits(b, 2))??
    } else if let Some(h) = body.strip_prefix("0x") {
        all(h, |c| c.is_ascii_hexdigit() || c == b'_').then(|| digits(h, 16))??
    } else if body == "0" {
        0
    } else if let Some(o) = body.strip_prefix('0') {
        all(o, |c| (b'0'..=b'7').contains(&c) || c == b'_').then(|| digits(o, 8))??
    } else if body.contains(':') {
        sexagesimal(body)? as i128
    } else if body
        .as_bytes()
        .first()
        .is_some_and(|c| (b'1'..=b'9').contains(c))
        && all(body, |c| c.is_ascii_digit() || c == b'_')
    {
        digits(body, 10)?
    } else {
        return None;
    };
    Some(if neg {
        (-value).to_string()
    } else {
        value.to_string()
    })
}

/// `1:20` is 80 in YAML 1.1 (base 60); the first part has no leading zero for integers.
fn sexagesimal(body: &str) -> Option<f64> {
    let mut parts = body.split(':');
    let first = parts.next()?;
    if !all(first, |c| c.is_ascii_digit() || c == b'_') || first.starts_with('0') {
        return None;
    }
    let mut value: f64 = first.replace('_', "").parse().ok()?;
    for part in parts {
        if part.is_empty()
            || part.len() > 2
            || !all(part, |c| c.is_ascii_digit())
            || part.as_bytes()[0] > b'5' && part.len() == 2
        {
            return None;
        }
        value = value * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(value)
}

fn read_float(text: &str) -> Option<String> {
    let (neg, body) = split_sign(text);
    let value: f64 = match body {
        ".inf" | ".Inf" | ".INF" => f64::INFINITY,
        ".nan" | ".NaN" | ".NAN" if text == body => return Some("nan".into()),
        _ => {
            if let Some((whole, frac)) = body.split_once(':').and_then(|_| body.rsplit_once('.')) {
                // base 60 with a fraction: 1:30.5
                if !all(frac, |c| c.is_ascii_digit() || c == b'_') && !frac.is_empty() {
                    return None;
                }
                let base = sexagesimal(whole)?;
                let frac: f64 = format!("0.{}", frac.replace('_', ""))
                    .parse()
                    .unwrap_or(0.0);
                base + frac
            } else {
                let (mantissa, exponent) = match body.find(['e', 'E']) {
                    Some(at) => (&body[..at], Some(&body[at + 1..])),
                    None => (body, None),
                };
                let (int_part, frac_part) = mantissa.split_once('.')?;
                let int_ok = if int_part.is_empty() {
                    text == body && !frac_part.is_empty() // `.5` only unsigned
                } else {
                    all(int_part, |c| c.is_ascii_digit() || c == b'_')
                        && int_part.as_bytes()[0].is_ascii_digit()
                };
                let frac_ok = frac_part.bytes().all(|c| c.is_ascii_digit() || c == b'_');
                let exp_ok = match exponent {
                    None => true,
                    Some(e) => {
                        (e.starts_with('+') || e.starts_with('-'))
                            && all(&e[1..], |c| c.is_ascii_digit())
                    }
                };
                if !(int_ok && frac_ok && exp_ok) {
                    return None;
                }
                body.replace('_', "").parse().ok()?
            }
        }
    };
    let value = if neg { -value } else { value };
    Some(python_float(value))
}

/// Python's `repr(float)`: shortest round-trip digits, always with a `.` or an exponent.
fn python_float(value: f64) -> String {
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

fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && text[5..]
            .split(['-', 'T', 't', ' ', ':', '.'])
            .next()
            .is_some_and(|m| (1..=2).contains(&m.len()) && all(m, |c| c.is_ascii_digit()))
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
