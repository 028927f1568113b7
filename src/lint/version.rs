//! Wazo version numbers (`--wazo-version`, `min_wazo_version`, `max_wazo_version`),
//! compared number by number so that 23.10 comes after 23.5.

use std::cmp::Ordering;
use std::fmt;

/// A Wazo version: numbers separated by dots, compared number by number (23.5 < 23.10).
#[derive(Debug, Clone)]
pub(crate) struct WazoVersion {
    parts: Vec<u64>,
    text: String,
}

impl WazoVersion {
    /// Parses `23.05`, `24.16`, `2024.1`; anything else is an error with the reason.
    pub(crate) fn parse(text: &str) -> std::result::Result<WazoVersion, String> {
        let text = text.trim();
        let parts: Option<Vec<u64>> = text
            .split('.')
            .map(|p| {
                (!p.is_empty() && p.len() <= 18 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        match parts {
            Some(parts) if !text.is_empty() => Ok(WazoVersion {
                parts,
                text: text.to_string(),
            }),
            _ => Err(format!(
                "{text:?} is not a Wazo version (numbers separated by dots, such as 24.16)"
            )),
        }
    }
}

impl WazoVersion {
    /// The numbers, in order.
    pub(crate) fn parts(&self) -> &[u64] {
        &self.parts
    }

    /// The text a Wazo server knows itself by: `YY.NN`, the second number on two digits
    /// (`24.1` is 24.01); other shapes as given.
    pub(crate) fn server_text(&self) -> String {
        match self.parts[..] {
            [major, minor] if minor < 100 => format!("{major}.{minor:02}"),
            _ => self.text.clone(),
        }
    }
}

impl PartialEq for WazoVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for WazoVersion {}

impl PartialOrd for WazoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for WazoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        (0..len)
            .map(|i| {
                let a = self.parts.get(i).copied().unwrap_or(0);
                let b = other.parts.get(i).copied().unwrap_or(0);
                a.cmp(&b)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for WazoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
