//! The passphrase of a protected signing key: from a file (`--passphrase-file`) or an
//! environment variable, never from an argument, which every user of the machine can read
//! in `ps`. A CI system stores it as a secret and hands it over either way.

use crate::{Error, Result};
use std::path::Path;

/// The environment variable that holds the passphrase when no file is given.
pub(crate) const ENV: &str = "PLUGINCTL_KEY_PASSPHRASE";

/// A passphrase file larger than this is not one.
const MAX_BYTES: u64 = 64 << 10;

/// A passphrase and where it came from (for messages; the passphrase is never shown).
pub(crate) struct Passphrase {
    /// The passphrase.
    pub(crate) text: String,
    /// `--passphrase-file FILE` or the variable's name.
    pub(crate) source: String,
}

/// The passphrase from `file` (one line feed at its end is not part of it), else from the
/// environment variable; `None` when neither is given.
pub(crate) fn get(file: Option<&Path>) -> Result<Option<Passphrase>> {
    use std::io::Read;
    let Some(file) = file else {
        return Ok(std::env::var_os(ENV).map(|v| Passphrase {
            text: v.to_string_lossy().into_owned(),
            source: ENV.to_string(),
        }));
    };
    let fail = |why: String| Error::Usage(format!("--passphrase-file {}: {why}", file.display()));
    let mut bytes = Vec::new();
    crate::files::input::open_input(file)
        .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read: {}", crate::error::describe_io(&e))))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(fail("larger than 64 KiB; not a passphrase".into()));
    }
    let mut text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(Some(Passphrase {
        text,
        source: format!("--passphrase-file {}", file.display()),
    }))
}
