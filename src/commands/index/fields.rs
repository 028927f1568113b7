//! The fields of `Release` that name the repository (`Origin`, `Label`, `Suite`,
//! `Codename`): what servers pin on (`Pin: release o=...`) and unattended-upgrades selects.
//!
//! apt remembers them: when one changes, every server's `apt-get update` stops and asks for
//! `--allow-releaseinfo-change`. So a re-index keeps the values of the `Release` already in
//! the folder unless a flag gives a new one, and a change is announced by a warning.

use crate::{Error, Result};
use std::path::Path;

/// The fields, in the order they open `Release` (apt-ftparchive's order).
pub(crate) const NAMES: [&str; 4] = ["Origin", "Label", "Suite", "Codename"];

/// A `Release` larger than this is not one `index` wrote (it lists two files).
const MAX_RELEASE_BYTES: u64 = 1 << 20;

/// The value of each field of [`NAMES`], when it has one.
pub(crate) type Values = [Option<String>; 4];

/// Checks a value given on the command line for `--flag` (the lower-case field name): a
/// control character (a newline would start a forged field), blanks around it, or, for
/// `Suite` and `Codename` (single words in apt's sources and pins), a blank inside, is
/// refused.
pub(crate) fn check(name: &str, value: &str) -> Result<()> {
    let flag = format!("--{}", name.to_lowercase());
    let fail = |why: String| Err(Error::Usage(format!("{flag} {value:?}: {why}")));
    if value.is_empty() {
        return fail("empty; give a value".into());
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return fail(format!(
            "holds {}, which would break Release; give one line of text",
            crate::deb::version::describe_char(c)
        ));
    }
    if value.trim() != value {
        return fail("starts or ends with a blank; remove it".into());
    }
    if value.contains(',') {
        return fail("holds a comma, which apt's pins take as a separator; remove it".into());
    }
    if matches!(name, "Suite" | "Codename") && value.contains(char::is_whitespace) {
        return fail("holds a blank; give one word (such as stable)".into());
    }
    Ok(())
}

/// The values in the folder's current `Release`, if there is one.
pub(crate) fn previous(dir: &Path) -> Result<Values> {
    use std::io::Read;
    let path = dir.join("Release");
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Values::default()),
        Err(e) => return Err(Error::io(&path, "cannot read", e)),
        Ok(meta) if !meta.is_file() => {
            return Err(Error::Usage(format!(
                "{}: {}, not a regular file; remove it (index writes Release itself)",
                path.display(),
                crate::files::input::kind_name(meta.file_type())
            )));
        }
        Ok(_) => {}
    }
    let mut bytes = Vec::new();
    crate::files::input::open_input(&path)
        .and_then(|f| f.take(MAX_RELEASE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::io(&path, "cannot read", e))?;
    let unusable = |why: &str| {
        Error::Usage(format!(
            "{}: {why}, so its Origin, Label, Suite and Codename cannot be kept; remove it, and give them as flags",
            path.display()
        ))
    };
    if bytes.len() as u64 > MAX_RELEASE_BYTES {
        return Err(unusable("larger than 1 MiB"));
    }
    let paragraph = crate::deb::deb822::parse_one(&bytes)
        .map_err(|e| unusable(&format!("not a Release file ({e})")))?;
    Ok(NAMES.map(|name| paragraph.get(name).map(str::to_string)))
}

/// The fields whose change stops `apt-get update` until `--allow-releaseinfo-change`
/// (measured with apt 2.6: any change, from none to a value included; a `Suite` change is
/// accepted).
const CHECKED_BY_APT: [&str; 3] = ["Origin", "Label", "Codename"];

/// The values to write: each flag given, else the previous value; and the fields apt checks
/// whose value changes, as `(name, old, new)`.
pub(crate) fn merge(
    previous: Values,
    given: &Values,
) -> (Values, Vec<(&'static str, String, String)>) {
    let mut changes = Vec::new();
    let mut values = previous;
    for (i, name) in NAMES.iter().enumerate() {
        if let Some(new) = &given[i] {
            let old = values[i].replace(new.clone());
            if old.as_deref() != Some(new.as_str()) && CHECKED_BY_APT.contains(name) {
                changes.push((*name, old.unwrap_or_default(), new.clone()));
            }
        }
    }
    (values, changes)
}

/// The lines the values open `Release` with.
pub(crate) fn lines(values: &Values) -> String {
    NAMES
        .iter()
        .zip(values)
        .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name}: {v}\n")))
        .collect()
}
