//! `pluginctl index DIR`: a flat apt repository from a folder of `.deb` files, so that a
//! CI job can publish plugins that Wazo servers install with `apt-get`.
//!
//! Writes `Packages` (each package's control fields plus `Filename`, `Size`, `MD5sum` and
//! `SHA256`), `Packages.gz` and `Release` (their sizes and sums); with `--sign`, also
//! `InRelease` and `Release.gpg` (see [`crate::deb::sign`]). The index files depend only on the
//! packages: stanzas are sorted by package, version (dpkg order) and file name, gzip
//! carries no name or time, and the `Date` of `Release` is `SOURCE_DATE_EPOCH` when set,
//! else the newest package's modification time.
//!
//! For a fleet: `Release` names the repository ([`fields`]), only the newest versions may be
//! listed and two different files of one version are refused ([`select`]), plugin
//! dependencies must resolve inside the repository ([`deps`]), and the files are put in
//! place all or nothing ([`commit`]).

pub(crate) mod commit;
pub(crate) mod deps;
pub(crate) mod fields;
pub(crate) mod select;

use crate::deb::deb822::Paragraph;
use crate::deb::digest::{self, Digests};
use crate::package::info as package_info;
use crate::ui::report::Report;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The files `index` writes, in the order they are renamed into place (see [`run`]).
pub(crate) const OUTPUTS: [&str; 5] = [
    "Packages",
    "Packages.gz",
    "Release",
    "Release.gpg",
    "InRelease",
];

/// The signatures of `Release`, which must never stand beside a `Release` they do not sign.
const SIGNATURES: [&str; 2] = ["InRelease", "Release.gpg"];

/// How `index` is asked to write the repository.
#[derive(Debug, Default)]
pub(crate) struct Options<'a> {
    /// An OpenPGP secret key file: sign `Release` (`InRelease`, `Release.gpg`).
    pub(crate) sign: Option<&'a Path>,
    /// The file holding the key's passphrase (else the environment variable is read).
    pub(crate) passphrase_file: Option<&'a Path>,
    /// A key ID of the system's gpg to sign with, instead of a key file.
    pub(crate) sign_with: Option<&'a str>,
    /// Days from now until the `Valid-Until` of `Release`.
    pub(crate) valid_for: Option<u32>,
    /// `Origin`, `Label`, `Suite`, `Codename` given as flags (see [`fields::NAMES`]).
    pub(crate) fields: fields::Values,
    /// List only the newest N versions of each package.
    pub(crate) keep: Option<u32>,
    /// An unmet `wazo-plugind-*` dependency is an error, not a warning.
    pub(crate) strict: bool,
    /// `-q`: print nothing but errors, not even the paths written.
    pub(crate) quiet: bool,
}

/// One package of the repository.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Its file name in the folder.
    pub(crate) file: String,
    /// Its `Packages` stanza.
    pub(crate) stanza: Paragraph,
}

impl Entry {
    fn package(&self) -> &str {
        self.stanza.get("Package").unwrap_or("")
    }

    fn version(&self) -> &str {
        self.stanza.get("Version").unwrap_or("")
    }
}

/// The `.deb` files of `dir` (not recursive), sorted by name, the newest one's mtime, and
/// the hidden `.deb` files, which are not published (each is named in a warning).
fn list_debs(dir: &Path) -> Result<(Vec<String>, u64, Vec<PathBuf>)> {
    let read = std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot read the folder", e))?;
    let mut names = Vec::new();
    let mut hidden = Vec::new();
    let mut newest = 0u64;
    for entry in read {
        let entry = entry.map_err(|e| Error::io(dir, "cannot read the folder", e))?;
        let name = entry.file_name();
        let path = entry.path();
        if !std::os::unix::ffi::OsStrExt::as_bytes(name.as_os_str()).ends_with(b".deb") {
            continue;
        }
        // Every package of the folder is published or named: a skipped one would be
        // missing from the repository while index says it succeeded.
        let Some(name) = name.to_str() else {
            return Err(Error::Usage(format!(
                "{}: a package file name that is not UTF-8 cannot be listed in Packages; rename it",
                path.display()
            )));
        };
        if name.starts_with('.') {
            hidden.push(path);
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, "cannot read", e))?;
        if !meta.is_file() {
            // Named as a package but not one: publishing the folder without it would hide it.
            return Err(Error::package(
                &path,
                format!(
                    "{}, not a regular file; only packages may end in .deb (move it out of the folder)",
                    crate::files::input::kind_name(meta.file_type())
                ),
            ));
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Usage(format!(
                "{}: a package file name with white space cannot be listed in Packages; rename it",
                path.display()
            )));
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        newest = newest.max(mtime);
        names.push(name.to_string());
    }
    names.sort();
    hidden.sort();
    Ok((names, newest, hidden))
}

/// Reads one package, once (all of it, so a damaged data member is caught before it is
/// published, its digests computed on the way): its control fields and digests, as a
/// `Packages` stanza.
pub(crate) fn entry(dir: &Path, file: &str) -> Result<Entry> {
    let path = dir.join(file);
    let (info, sums) = package_info::read_package_with_digests(&path)?;
    if sums.size != info.size {
        return Err(Error::Io(format!(
            "{}: the file changed while it was read; run index again when nothing writes into the folder",
            path.display()
        )));
    }
    let mut stanza = info.control;
    for ours in ["Filename", "Size", "MD5sum", "SHA256"] {
        stanza.remove(ours);
    }
    stanza.insert_before("Description", "Filename", &format!("./{file}"));
    stanza.insert_before("Description", "Size", &sums.size.to_string());
    stanza.insert_before("Description", "MD5sum", &sums.md5);
    stanza.insert_before("Description", "SHA256", &sums.sha256);
    Ok(Entry {
        file: file.to_string(),
        stanza,
    })
}

/// The `Packages` text of entries sorted by package, version and file name, with every
/// byte of the control fields as the packages hold them.
pub(crate) fn packages(entries: &mut [Entry]) -> Vec<u8> {
    entries.sort_by(|a, b| {
        a.package()
            .cmp(b.package())
            .then_with(|| crate::deb::version::compare(a.version(), b.version()))
            .then_with(|| a.file.cmp(&b.file))
    });
    entries
        .iter()
        .map(|e| e.stanza.to_bytes())
        .collect::<Vec<_>>()
        .join(&b'\n')
}

/// A time as apt wants it in `Release`: `Tue, 14 Nov 2023 22:13:20 UTC`.
fn release_time(timestamp: u64) -> String {
    let stamp = crate::deb::date::rfc2822(timestamp);
    format!("{} UTC", stamp.strip_suffix(" +0000").unwrap_or(&stamp))
}

/// The `Release` file listing the index files with their sizes and sums; `valid_until`
/// (seconds since 1970) makes apt refuse it after that time.
pub(crate) fn release(
    names: &fields::Values,
    date: u64,
    valid_until: Option<u64>,
    files: &[(&str, &Digests)],
) -> String {
    let mut out = fields::lines(names);
    out.push_str(&format!("Date: {}\n", release_time(date)));
    if let Some(until) = valid_until {
        out.push_str(&format!("Valid-Until: {}\n", release_time(until)));
    }
    out.push_str("MD5Sum:\n");
    for (name, d) in files {
        out.push_str(&format!(" {} {:>16} {name}\n", d.md5, d.size));
    }
    out.push_str("SHA256:\n");
    for (name, d) in files {
        out.push_str(&format!(" {} {:>16} {name}\n", d.sha256, d.size));
    }
    out
}

/// The `Date` of `Release`: `SOURCE_DATE_EPOCH` (checked by the rule `build` applies), else
/// the newest package's mtime.
fn release_date(newest: u64) -> Result<u64> {
    Ok(crate::package::options::source_date_epoch()?.unwrap_or(newest))
}

/// `Valid-Until`: `days` after the time of this run. Not after `Date`: `Date` follows the
/// packages (or SOURCE_DATE_EPOCH), and a Release signed today for old packages is fresh
/// today; counting from an old Date would publish an already expired repository.
fn valid_until(days: Option<u32>) -> Option<u64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    days.map(|d| now + u64::from(d) * 86_400)
}

/// Indexes `dir`; returns the paths written.
///
/// Nothing is written until every file is complete: the key is read first (a bad key
/// stops the run before any package is read), then the packages, then every file is staged
/// under a temporary name, and only then are they renamed, in this order:
///
/// 1. `Packages`, `Packages.gz`: a reader between these renames and the next sees the old
///    `Release`, whose sums no longer match; apt refuses such a mix and retries later. It
///    never gets new packages vouched for by an old signature.
/// 2. `Release`, then `Release.gpg`, back to back: the pair apt falls back to when there is
///    no `InRelease`.
/// 3. `InRelease` last: apt tries it first, and once it is new, everything it lists is in
///    place.
///
/// Without a key, stale signatures are deleted before anything is renamed, `InRelease`
/// first: in between, the repository looks unsigned (apt refuses it with `signed-by`) but
/// never signed by a signature of another `Release`.
pub(crate) fn run(dir: &Path, options: &Options, report: &Report) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, "cannot read", e))?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a folder; give the folder holding the .deb files",
            dir.display()
        )));
    }
    for (name, value) in fields::NAMES.iter().zip(&options.fields) {
        if let Some(value) = value {
            fields::check(name, value)?;
        }
    }
    let (names, changed) = fields::merge(fields::previous(dir)?, &options.fields);
    use crate::deb::sign::{ReleaseSigner, Signer};
    let signer = match (options.sign, options.sign_with) {
        (Some(key), _) => {
            let passphrase = crate::deb::passphrase::get(options.passphrase_file)?;
            Some(ReleaseSigner::File(Box::new(Signer::load(
                key,
                passphrase.as_ref(),
            )?)))
        }
        (None, Some(id)) => {
            let passphrase = crate::deb::passphrase::get(options.passphrase_file)?;
            Some(ReleaseSigner::Gpg(crate::deb::gpg::GpgSigner::find(
                id, passphrase,
            )?))
        }
        (None, None) => None,
    };
    let until = valid_until(options.valid_for);
    if let (Some(signer), Some(until)) = (&signer, until) {
        if let Some(expires) = signer.expires().filter(|&at| at < until) {
            report.info(&format!(
                "warning: the signing key expires on {}, before Valid-Until ({}): apt refuses the repository from then on; extend the key (gpg --quick-set-expire) or index again before",
                crate::deb::signkey::date(expires),
                crate::deb::signkey::date(until)
            ));
        }
    }
    let (files, newest, hidden) = list_debs(dir)?;
    let date = release_date(newest)?;
    let mut entries = Vec::with_capacity(files.len());
    for file in &files {
        crate::interrupt::check()?;
        entries.push(report.timed(&format!("read {file}"), || entry(dir, file))?);
    }
    select::check_duplicates(dir, &entries)?;
    let left_out = match options.keep {
        Some(n) => {
            let (kept, rest) = select::keep_newest(entries, n as usize);
            entries = kept;
            rest
        }
        None => Vec::new(),
    };
    let unmet = deps::unmet(&entries);
    if options.strict {
        if let Some(first) = unmet.first() {
            let more = match unmet.len() - 1 {
                0 => String::new(),
                n => format!(" ({n} more unmet)"),
            };
            return Err(Error::package(
                dir.join(&first.file),
                format!("{}{more}; --strict writes nothing", first.describe()),
            ));
        }
    }
    let packages_text = packages(&mut entries);
    let packages_gz = crate::package::extras::gzip_bytes(&packages_text);
    let release_text = release(
        &names,
        date,
        until,
        &[
            ("Packages", &digest::of_bytes(&packages_text)),
            ("Packages.gz", &digest::of_bytes(&packages_gz)),
        ],
    );
    let mut contents: Vec<(&str, Vec<u8>)> =
        vec![(OUTPUTS[0], packages_text), (OUTPUTS[1], packages_gz)];
    if let Some(signer) = &signer {
        let detached = signer.detached(&release_text)?;
        let inline = signer.clearsign(&release_text)?;
        contents.push((OUTPUTS[2], release_text.into_bytes()));
        contents.push((OUTPUTS[3], detached.into_bytes()));
        contents.push((OUTPUTS[4], inline.into_bytes()));
    } else {
        contents.push((OUTPUTS[2], release_text.into_bytes()));
    }
    crate::interrupt::check()?;
    let staged = contents
        .iter()
        .map(|(name, bytes)| crate::files::atomic::Staged::new(&dir.join(name), bytes))
        .collect::<Result<Vec<_>>>()?;
    crate::interrupt::check()?;
    let stale: Vec<PathBuf> = if signer.is_none() {
        SIGNATURES.iter().map(|name| dir.join(name)).collect()
    } else {
        Vec::new()
    };
    let (written, removed) = commit::all_or_nothing(&stale, staged)?;
    for path in &removed {
        report.info(&format!(
            "removed {}: it signed an earlier Release (sign with --sign KEYFILE)",
            path.display()
        ));
    }
    if let Some(signer) = &signer {
        report.info(&format!("signed Release with key {}", signer.fingerprint()));
    }
    for (name, old, new) in &changed {
        let old = if old.is_empty() {
            "none".to_string()
        } else {
            format!("{old:?}")
        };
        report.info(&format!(
            "warning: {name} changed from {old} to {new:?}: apt-get update on every server now stops until run once with --allow-releaseinfo-change"
        ));
    }
    for path in &hidden {
        report.info(&format!(
            "warning: {}: a hidden file is not published; rename it without the leading dot to publish it",
            path.display()
        ));
    }
    for u in &unmet {
        report.info(&format!(
            "warning: {}: {}",
            dir.join(&u.file).display(),
            u.describe()
        ));
    }
    if !left_out.is_empty() {
        let files: Vec<&str> = left_out.iter().map(|e| e.file.as_str()).collect();
        report.info(&format!(
            "--keep {}: left out {} older file{} (kept in the folder): {}",
            options.keep.unwrap_or(0),
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            files.join(", ")
        ));
    }
    if files.is_empty() {
        report.info(&format!(
            "warning: {} holds no .deb file; the repository is empty",
            dir.display()
        ));
    }
    report.info(&format!(
        "indexed {} package{} in {}",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        dir.display()
    ));
    let mut listing = String::new();
    for p in &written {
        let shown = p.display().to_string();
        listing.push_str(&format!("{}\n", crate::ui::report::one_line(&shown)));
    }
    if !options.quiet {
        report.stdout(&listing)?;
    }
    Ok(written)
}
