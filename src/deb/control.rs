//! The control member's files: `control`, `md5sums` and the maintainer scripts.

use crate::manifest::Manifest;
use crate::staging::{Entry, Kind};

/// The Maintainer field when none is given.
pub const DEFAULT_MAINTAINER: &str = "Wazo Maintainers <dev+pkg@wazo.community>";
/// The section the Wazo daemon lists installed plugins by.
pub const SECTION: &str = "wazo-plugind-plugin";
/// Where the prerm keeps a copy of the rules file for the postrm.
pub const RULES_BACKUP_DIR: &str = "var/lib/wazo-plugind/rules";
/// Longest synopsis written.
pub const MAX_SYNOPSIS: usize = 80;

/// Installed-Size in KiB, as dpkg-gencontrol counts it.
pub fn installed_size(entries: &[Entry]) -> u64 {
    let kib = |n: u64| n.div_ceil(1024);
    // `./` and the control folder count one each.
    2 + entries
        .iter()
        .map(|e| match &e.kind {
            Kind::File { size, .. } => kib(*size),
            Kind::Symlink { target } => kib(target.len() as u64),
            Kind::HardLink { .. } => 0,
            Kind::Dir => 1,
        })
        .sum::<u64>()
}

/// The `Depends` relations: debian_depends, then one per plugin dependency, no duplicates.
pub fn depends(m: &Manifest) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for rel in m
        .debian_depends
        .iter()
        .cloned()
        .chain(m.depends.iter().map(|d| d.package()))
    {
        if !out.contains(&rel) {
            out.push(rel);
        }
    }
    out
}

/// The synopsis and the extended description lines (not yet indented).
pub fn description(m: &Manifest) -> (String, Vec<String>) {
    let description = m
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let display = m
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let (synopsis, rest) = match (display, description) {
        (Some(d), desc) => (
            d.lines().next().unwrap_or(d).to_string(),
            desc.unwrap_or(""),
        ),
        (None, Some(desc)) => {
            let (first, rest) = desc.split_once('\n').unwrap_or((desc, ""));
            (first.trim().to_string(), rest)
        }
        (None, None) => (format!("Wazo plugin {}/{}", m.namespace, m.name), ""),
    };
    // A one-word synopsis is an error for lintian (description-too-short): say what it is.
    let synopsis = if synopsis.split_whitespace().count() < 2 {
        format!(
            "{} (Wazo plugin {}/{})",
            synopsis.trim(),
            m.namespace,
            m.name
        )
    } else {
        synopsis
    };
    let synopsis: String = synopsis
        .chars()
        .take(MAX_SYNOPSIS)
        .collect::<String>()
        .trim_end()
        .to_string();
    let mut lines: Vec<String> = rest.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "Wazo plugin {}/{}, packaged for wazo-plugind.",
        m.namespace, m.name
    ));
    (synopsis, lines)
}

/// The `control` file.
pub fn control_file(m: &Manifest, maintainer: &str, installed_size: u64) -> String {
    let mut out = String::new();
    let mut field = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    };
    field("Package", &m.package());
    field("Version", &m.version);
    field("Architecture", "all");
    field("Maintainer", maintainer);
    field("Installed-Size", &installed_size.to_string());
    let deps = depends(m);
    if !deps.is_empty() {
        field("Depends", &deps.join(", "));
    }
    field("Section", SECTION);
    field("Priority", "optional");
    if let Some(home) = m
        .homepage
        .as_deref()
        .map(str::trim)
        .filter(|h| is_web_url(h))
    {
        field("Homepage", home);
    }
    let (synopsis, lines) = description(m);
    field("Description", &synopsis);
    for line in lines {
        if line.trim().is_empty() {
            out.push_str(" .\n");
        } else {
            out.push(' ');
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// True for an `http://` or `https://` URL without white space.
pub fn is_web_url(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://"))
        && text.len() > 8
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The `md5sums` file from `(path, digest)` pairs, sorted by path bytes.
pub fn md5sums(mut sums: Vec<(String, [u8; 16])>) -> String {
    sums.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(sums.iter().map(|(p, _)| p.len() + 35).sum());
    for (path, digest) in sums {
        for b in digest {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        out.push_str("  ");
        out.push_str(&path);
        out.push('\n');
    }
    out
}

/// The three maintainer scripts: `(name, text)` for postinst, prerm and postrm.
pub fn scripts(m: &Manifest) -> [(&'static str, String); 3] {
    let rules = format!("\"$DPKG_ROOT/{}/wazo/rules\"", m.plugin_place());
    let backup_dir = format!("\"$DPKG_ROOT/{RULES_BACKUP_DIR}\"");
    let backup = format!(
        "\"$DPKG_ROOT/{RULES_BACKUP_DIR}/rules.{}.{}\"",
        m.name, m.namespace
    );
    let head = "#!/bin/sh\nset -e\n\n";
    let unknown = |script: &str| {
        format!("    *)\n        echo \"{script} called with unknown argument '$1'\" >&2\n        exit 1\n        ;;\nesac\n\nexit 0\n")
    };
    let postinst = format!(
        "{head}case \"$1\" in\n    configure)\n        {rules} install\n        ;;\n    abort-upgrade|abort-remove|abort-deconfigure)\n        ;;\n{}",
        unknown("postinst")
    );
    let prerm = format!(
        "{head}case \"$1\" in\n    remove)\n        mkdir -p {backup_dir}\n        cp {rules} {backup}\n        {rules} uninstall\n        ;;\n    upgrade|deconfigure|failed-upgrade)\n        ;;\n{}",
        unknown("prerm")
    );
    let run_backup = if m.has_postrm() {
        format!("            {backup} postrm\n")
    } else {
        String::new()
    };
    let postrm = format!(
        "{head}case \"$1\" in\n    remove|purge)\n        if [ -f {backup} ]; then\n{run_backup}            rm -f {backup}\n        fi\n        ;;\n    upgrade|failed-upgrade|abort-install|abort-upgrade|disappear)\n        ;;\n{}",
        unknown("postrm")
    );
    [("postinst", postinst), ("prerm", prerm), ("postrm", postrm)]
}
