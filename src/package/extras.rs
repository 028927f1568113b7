//! The files that make lintian happy without changing what Wazo sees (specification, §6):
//! `copyright`, the changelog and the lintian overrides. Every line of our own text fits in
//! 80 columns whatever the length of the names and version: lintian counts long lines, and
//! the text is wrapped, never cut.

use crate::deb::date::{civil, rfc2822};
use crate::deb::text::wrap_words;
use crate::package::staging::{Kind, Tree};
use crate::plugin::manifest::Manifest;
use crate::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Licenses Debian ships in `/usr/share/common-licenses`: (SPDX id, short name, file).
const COMMON: &[(&str, &str, &str)] = &[
    ("GPL-3.0-or-later", "GPL-3+", "GPL-3"),
    ("GPL-3.0-only", "GPL-3", "GPL-3"),
    ("GPL-3.0", "GPL-3", "GPL-3"),
    ("GPL-3.0+", "GPL-3+", "GPL-3"),
    ("GPL-2.0-or-later", "GPL-2+", "GPL-2"),
    ("GPL-2.0-only", "GPL-2", "GPL-2"),
    ("GPL-2.0", "GPL-2", "GPL-2"),
    ("GPL-2.0+", "GPL-2+", "GPL-2"),
    ("LGPL-3.0-or-later", "LGPL-3+", "LGPL-3"),
    ("LGPL-3.0-only", "LGPL-3", "LGPL-3"),
    ("LGPL-3.0", "LGPL-3", "LGPL-3"),
    ("LGPL-2.1-or-later", "LGPL-2.1+", "LGPL-2.1"),
    ("LGPL-2.1-only", "LGPL-2.1", "LGPL-2.1"),
    ("LGPL-2.1", "LGPL-2.1", "LGPL-2.1"),
    ("Apache-2.0", "Apache-2.0", "Apache-2.0"),
    ("MPL-2.0", "MPL-2.0", "MPL-2.0"),
    ("MPL-1.1", "MPL-1.1", "MPL-1.1"),
    ("CC0-1.0", "CC0-1.0", "CC0-1.0"),
    ("Artistic-1.0", "Artistic", "Artistic"),
];

/// Files a checkout may keep its license text in, in order of preference.
const LICENSE_FILES: &[&str] = &[
    "LICENSE",
    "LICENSE.txt",
    "LICENSE.md",
    "COPYING",
    "COPYING.txt",
    "LICENCE",
];

/// What we found out about the plugin's license.
#[derive(Debug, PartialEq)]
enum License {
    /// A license in /usr/share/common-licenses: (short name, file name).
    Common(&'static str, &'static str),
    /// Another license: (short name, full text).
    Text(String, String),
    /// Nothing found.
    Unknown,
}

fn common_by_spdx(id: &str) -> Option<License> {
    COMMON
        .iter()
        .find(|(spdx, _, _)| spdx.eq_ignore_ascii_case(id))
        .map(|&(_, short, file)| License::Common(short, file))
}

/// Recognizes a license text Debian ships, by its title lines.
fn common_by_text(text: &str) -> Option<License> {
    let head: String = text.chars().take(3000).collect::<String>().to_uppercase();
    let later = text.contains("any later version");
    let pick = |short: &'static str, plus: &'static str, file: &'static str| {
        License::Common(if later { plus } else { short }, file)
    };
    if head.contains("GNU AFFERO") {
        None
    } else if head.contains("GNU LESSER GENERAL PUBLIC LICENSE") && head.contains("VERSION 3") {
        Some(pick("LGPL-3", "LGPL-3+", "LGPL-3"))
    } else if head.contains("GNU LESSER GENERAL PUBLIC LICENSE") && head.contains("VERSION 2.1") {
        Some(pick("LGPL-2.1", "LGPL-2.1+", "LGPL-2.1"))
    } else if head.contains("GNU GENERAL PUBLIC LICENSE") && head.contains("VERSION 3") {
        Some(pick("GPL-3", "GPL-3+", "GPL-3"))
    } else if head.contains("GNU GENERAL PUBLIC LICENSE") && head.contains("VERSION 2") {
        Some(pick("GPL-2", "GPL-2+", "GPL-2"))
    } else if head.contains("APACHE LICENSE") && head.contains("VERSION 2.0") {
        Some(License::Common("Apache-2.0", "Apache-2.0"))
    } else if head.contains("MOZILLA PUBLIC LICENSE") && head.contains("2.0") {
        Some(License::Common("MPL-2.0", "MPL-2.0"))
    } else {
        None
    }
}

fn spdx_in_rules(plugin_dir: &Path) -> Option<String> {
    let text = crate::files::input::read_prefix(&plugin_dir.join("wazo/rules"), 64 << 10).ok()?;
    let text = String::from_utf8_lossy(&text).into_owned();
    let at = text.find("SPDX-License-Identifier:")?;
    let id = text[at + "SPDX-License-Identifier:".len()..]
        .split_whitespace()
        .next()?;
    Some(id.to_string())
}

/// Largest license file read into the copyright file.
const MAX_LICENSE_BYTES: u64 = 1 << 20;

/// Reads a license file of the checkout (canonical `plugin_dir`): a regular file inside the
/// checkout, of bounded size. A symlink leaving the checkout would publish a file of the
/// build machine in the package, and a FIFO would block the build: both are refused.
fn read_license_file(plugin_dir: &Path, name: &str) -> Result<Option<Vec<u8>>> {
    let path = plugin_dir.join(name);
    let bad = |why: String| Error::plugin(name, why);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(bad(format!(
                "cannot read: {}",
                crate::error::describe_io(&e)
            )))
        }
        Ok(_) => {}
    }
    let real = path.canonicalize().map_err(|e| {
        bad(format!(
            "cannot resolve: {} (a dangling symlink?)",
            crate::error::describe_io(&e)
        ))
    })?;
    if !crate::plugin::paths::is_within(&real, plugin_dir) {
        return Err(bad(format!(
            "a symlink to {}, outside the plugin folder; its text would be published in the package (copy the license into the checkout)",
            crate::plugin::paths::shown(&real).display()
        )));
    }
    let meta = std::fs::metadata(&real)
        .map_err(|e| bad(format!("cannot read: {}", crate::error::describe_io(&e))))?;
    if !meta.is_file() {
        return Err(bad(
            "not a regular file; a license file must hold the license text".into(),
        ));
    }
    if meta.len() > MAX_LICENSE_BYTES {
        return Err(bad(format!(
            "{} bytes; a license text larger than 1 MiB is refused",
            meta.len()
        )));
    }
    let bytes = crate::files::input::read_whole(&real, MAX_LICENSE_BYTES).map_err(|e| {
        bad(if e.kind() == std::io::ErrorKind::FileTooLarge {
            // It grew since the check above.
            "a license text larger than 1 MiB is refused".into()
        } else {
            format!("cannot read: {}", crate::error::describe_io(&e))
        })
    })?;
    Ok(Some(bytes))
}

/// What `build` refuses about the checkout's license files, for `lint` to report with the
/// same words: the file and why. None when build reads them all.
pub(crate) fn license_problem(plugin_dir: &Path) -> Option<(&'static str, String)> {
    let dir = plugin_dir.canonicalize().ok()?;
    LICENSE_FILES
        .iter()
        .find_map(|name| match read_license_file(&dir, name) {
            Err(Error::Plugin { problem, .. }) => Some((*name, problem)),
            Err(other) => Some((*name, other.to_string())),
            Ok(_) => None,
        })
}

fn find_license(plugin_dir: &Path) -> Result<License> {
    for name in LICENSE_FILES {
        let Some(bytes) = read_license_file(plugin_dir, name)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).replace('\r', "");
        if let Some(common) = common_by_text(&text) {
            return Ok(common);
        }
        let short = if text.contains("Permission is hereby granted, free of charge") {
            "Expat"
        } else {
            "custom"
        };
        return Ok(License::Text(short.to_string(), text));
    }
    Ok(match spdx_in_rules(plugin_dir) {
        Some(id) => common_by_spdx(&id).unwrap_or_else(|| {
            License::Text(
                id.clone(),
                format!("The plugin's rules file declares SPDX-License-Identifier: {id}."),
            )
        }),
        None => License::Unknown,
    })
}

/// Columns every line pluginctl writes itself fits in (specification, §6).
pub(crate) const WIDTH: usize = 80;

/// A deb822 field of our own text, wrapped: `Name: words` then continuation lines.
fn field_wrapped(name: &str, value: &str) -> String {
    let mut out = format!("{name}:");
    let mut len = out.len();
    for word in value.split_whitespace() {
        let n = word.chars().count();
        if len + 1 + n > WIDTH && len > 1 {
            out.push('\n');
            len = 0;
        }
        out.push(' ');
        out.push_str(word);
        len += 1 + n;
    }
    out.push('\n');
    out
}

/// Text of our own as a control-style paragraph body, wrapped at [`WIDTH`].
fn indent_wrapped(text: &str) -> String {
    let mut out = String::new();
    for para in text.trim_matches('\n').split("\n\n") {
        if !out.is_empty() {
            out.push_str(" .\n");
        }
        for line in wrap_words(para, WIDTH - 1) {
            out.push(' ');
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Indents text as a control-style paragraph body: one space, ` .` for blank lines.
fn indent(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim_matches('\n').lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(" .\n");
        } else {
            out.push(' ');
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The machine-readable `copyright` file.
fn copyright(m: &Manifest, license: License, timestamp: u64) -> String {
    let holder = m.author.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let mut out = String::from(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n",
    );
    out.push_str(&field_wrapped("Upstream-Name", &m.name));
    if let Some(home) = m
        .homepage
        .as_deref()
        .filter(|h| crate::package::control::is_web_url(h))
    {
        out.push_str(&format!(
            "Source: {}\n",
            crate::plugin::url::public(home).url
        ));
    }
    out.push_str("\nFiles: *\n");
    let holder_text = holder.map_or_else(
        || {
            format!(
                "the authors of the Wazo plugin {}",
                crate::package::control::plugin_label(m, WIDTH - 1)
            )
        },
        str::to_string,
    );
    // lintian wants a year in the notice; without one from the author, the packaging year.
    if holder_text
        .split(|c: char| !c.is_ascii_digit())
        .any(|w| w.len() == 4)
    {
        out.push_str(&field_wrapped("Copyright", &holder_text));
    } else {
        out.push_str(&field_wrapped(
            "Copyright",
            &format!("{} {holder_text}", year_of(timestamp)),
        ));
    }
    match license {
        License::Common(short, file) => {
            out.push_str(&format!("License: {short}\n"));
            out.push_str(&indent(&format!(
                "On Debian systems, the full text of this license can be found in\n\"/usr/share/common-licenses/{file}\"."
            )));
        }
        License::Text(short, text) => {
            out.push_str(&format!("License: {short}\n"));
            out.push_str(&indent(&text));
        }
        License::Unknown => {
            out.push_str("License: unknown\n");
            out.push_str(&indent_wrapped(&format!(
                "The plugin's checkout names no license (no LICENSE or COPYING file, no \
                 SPDX-License-Identifier in wazo/rules). Ask {} for its terms.",
                holder.unwrap_or("its author")
            )));
        }
    }
    out
}

/// A gzip stream with no name and no time, at maximum compression.
pub(crate) fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .operating_system(3)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// The one-entry Debian changelog for this version. Its change line is wrapped at
/// [`WIDTH`] (lintian: debian-changelog-line-too-long); the header and trailer lines have a
/// fixed syntax and are not checked for width.
fn changelog(m: &Manifest, maintainer: &str, timestamp: u64) -> String {
    let change = format!(
        "Wazo plugin {} version {}, packaged by pluginctl.",
        crate::package::control::plugin_label(m, WIDTH - 4),
        m.version
    );
    let mut body = String::new();
    for (i, line) in wrap_words(&change, WIDTH - 4).iter().enumerate() {
        body.push_str(if i == 0 { "  * " } else { "    " });
        body.push_str(line);
        body.push('\n');
    }
    format!(
        "{} ({}) unstable; urgency=medium\n\n{body}\n -- {}  {}\n",
        m.package(),
        m.version,
        maintainer,
        rfc2822(timestamp)
    )
}

/// The calendar year (UTC) of a timestamp.
fn year_of(timestamp: u64) -> i64 {
    civil(timestamp / 86_400).0
}

/// Adds copyright, changelog and the lintian overrides of the tags that fire, unless the
/// plugin ships its own. `plugin_dir` must be canonical: license files are read only inside it.
pub(crate) fn add_to(
    tree: &mut Tree,
    m: &Manifest,
    plugin_dir: &Path,
    maintainer: &str,
    timestamp: u64,
) -> Result<()> {
    let doc = format!("usr/share/doc/{}", m.package());
    let copyright_path = format!("{doc}/copyright");
    if !tree.contains(&copyright_path) {
        tree.add_bytes(
            &copyright_path,
            0o644,
            copyright(m, find_license(plugin_dir)?, timestamp).into_bytes(),
        );
    }
    let changelog_name = if crate::deb::version::has_revision(&m.version) {
        "changelog.Debian.gz"
    } else {
        "changelog.gz"
    };
    let changelog_path = format!("{doc}/{changelog_name}");
    // lintian reads a one-entry changelog of a version ending in -1 as an initial upload
    // to Debian, which should close a bug; only ours is known to have one entry.
    let mut tags = Fires {
        initial_upload: false,
        file_in_etc: tree.iter().any(|e| etc_file_not_conffile(&e.path, &e.kind)),
    };
    if !tree.contains(&changelog_path) {
        tree.add_bytes(
            &changelog_path,
            0o644,
            gzip_bytes(changelog(m, maintainer, timestamp).as_bytes()),
        );
        tags.initial_upload = m.version.ends_with("-1");
    }
    let override_path = format!("usr/share/lintian/overrides/{}", m.package());
    if !tree.contains(&override_path) {
        tree.add_bytes(&override_path, 0o644, overrides(tags).into_bytes());
    }
    Ok(())
}

/// Which of the overridable lintian tags fire on the package: an override is written only
/// for a tag that fires, since lintian reports every unused one (`unused-override`).
#[derive(Debug, Clone, Copy)]
struct Fires {
    /// initial-upload-closes-no-bugs: our one-entry changelog, of a version ending in `-1`.
    initial_upload: bool,
    /// file-in-etc-not-marked-as-conffile: a regular file under `etc/` (none is declared a
    /// conffile).
    file_in_etc: bool,
}

/// Whether lintian's conffile check flags this entry: a regular file under `etc/`, other
/// than the README files and init.d templates it exempts. Hard links are not regular files
/// in its listing; their first name, the one it reads, is.
fn etc_file_not_conffile(path: &str, kind: &Kind) -> bool {
    matches!(kind, Kind::File { .. })
        && path.starts_with("etc/")
        && !path.ends_with("/README")
        && !matches!(
            path,
            "etc/init.d/skeleton" | "etc/init.d/rc" | "etc/init.d/rcS"
        )
}

/// The lintian overrides for what is inherent to a Wazo plugin package, each with its
/// reason. Lines name no package (the file's place says which): a long package name would
/// not fit in [`WIDTH`] columns.
fn overrides(tags: Fires) -> String {
    let mut text = String::from(
        "# The section is load-bearing: wazo-plugind lists the installed plugins by\n\
         # asking dpkg for the packages of section wazo-plugind-plugin, which Debian\n\
         # does not know.\n\
         unknown-section\n",
    );
    if tags.initial_upload {
        text.push_str(
            "# A Wazo plugin package is not an upload to Debian: there is no bug to close.\n\
             initial-upload-closes-no-bugs\n",
        );
    }
    if tags.file_in_etc {
        text.push_str(
            "# Wazo removes plugins with apt-get remove, never purge: a conffile would\n\
             # survive the removal and leave the plugin's configuration active, so none\n\
             # is declared.\n\
             file-in-etc-not-marked-as-conffile\n",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_common_licenses() {
        assert_eq!(
            common_by_spdx("GPL-3.0-or-later"),
            Some(License::Common("GPL-3+", "GPL-3"))
        );
        assert_eq!(
            common_by_text("                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n"),
            Some(License::Common("GPL-3", "GPL-3"))
        );
    }
}
