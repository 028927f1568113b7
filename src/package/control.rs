//! The control member's files: `control`, `md5sums` and the maintainer scripts.

use crate::package::staging::{Entry, Kind};
use crate::plugin::manifest::Manifest;
use crate::plugin::wazo::{DEFAULT_MAINTAINER, RULES_BACKUP_DIR, SECTION};

/// True when `m` is one line of the form `Full Name <email@example.org>`: what a Maintainer
/// field holds (`--maintainer` is checked by it, and `author` is used when it passes).
pub(crate) fn is_maintainer(m: &str) -> bool {
    let m = m.trim();
    !m.is_empty()
        && !m.chars().any(char::is_control)
        && m.ends_with('>')
        && m.find('<')
            .is_some_and(|lt| lt > 0 && m[lt..].contains('@') && !m[..lt].trim().is_empty())
}

/// The Maintainer of a package: `--maintainer` when given, else the manifest's `author`
/// when it holds a name and an e-mail address, else [`DEFAULT_MAINTAINER`]. (The Wazo
/// daemon never reads the field.)
pub(crate) fn maintainer(given: Option<&str>, m: &Manifest) -> String {
    given
        .or(m.author.as_deref().filter(|a| is_maintainer(a)))
        .unwrap_or(DEFAULT_MAINTAINER)
        .trim()
        .to_string()
}

/// Longest synopsis written.
pub(crate) const MAX_SYNOPSIS: usize = 80;
/// Where a synopsis too long for one line is cut (at the last word boundary at or before
/// it); the words after the cut open the extended description.
const SYNOPSIS_CUT: usize = 79;

/// Installed-Size in KiB, as dpkg-gencontrol counts it: the payload, and the maintainer
/// scripts it finds in `DEBIAN/` (control and md5sums are written after it runs).
pub(crate) fn installed_size(entries: &[Entry], m: &Manifest) -> u64 {
    let kib = |n: u64| n.div_ceil(1024);
    let scripts: u64 = scripts(m).iter().map(|(_, t)| kib(t.len() as u64)).sum();
    // `./` and the control folder count one each.
    2 + scripts
        + entries
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
pub(crate) fn depends(m: &Manifest) -> Vec<String> {
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
pub(crate) fn description(m: &Manifest) -> (String, Vec<String>) {
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
        (Some(d), desc) => {
            let (first, more) = d.split_once('\n').unwrap_or((d, ""));
            (
                first.trim().to_string(),
                join_paragraphs(more, desc.unwrap_or("")),
            )
        }
        (None, Some(desc)) => {
            let (first, rest) = desc.split_once('\n').unwrap_or((desc, ""));
            (first.trim().to_string(), rest.to_string())
        }
        (None, None) => (
            format!("Wazo plugin {}", plugin_label(m, MAX_SYNOPSIS - 12)),
            String::new(),
        ),
    };
    // A one-word synopsis is an error for lintian (description-too-short): say what it is.
    let synopsis = if synopsis.split_whitespace().count() < 2 {
        let word = synopsis.trim();
        let long = format!("{word} (Wazo plugin {}/{})", m.namespace, m.name);
        if long.chars().count() <= SYNOPSIS_CUT {
            long
        } else {
            format!("{word} (Wazo plugin)")
        }
    } else {
        synopsis
    };
    let (synopsis, carried) = cut_synopsis(&synopsis);
    let rest = join_paragraphs(&carried, &rest);
    let mut lines = reflow(&rest, MAX_SYNOPSIS - 1);
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    let trailer = format!(
        "Wazo plugin {}, packaged for wazo-plugind.",
        plugin_label(m, MAX_SYNOPSIS - 2)
    );
    lines.extend(crate::deb::text::wrap_words(&trailer, MAX_SYNOPSIS - 1));
    (synopsis, lines)
}

/// The synopsis cut at a word boundary within [`SYNOPSIS_CUT`] characters, and the words
/// after the cut (empty when it fits). A first word longer than the line is cut inside,
/// and then carried whole, so that no word of the plugin's text is lost.
fn cut_synopsis(text: &str) -> (String, String) {
    let lines = crate::deb::text::wrap_words(text, SYNOPSIS_CUT);
    let Some(first) = lines.first() else {
        return (String::new(), String::new());
    };
    if first.chars().count() > SYNOPSIS_CUT {
        let cut: String = first.chars().take(SYNOPSIS_CUT).collect();
        return (cut, lines.join(" "));
    }
    (first.clone(), lines[1..].join(" "))
}

/// Two pieces of description text as paragraphs: `first`, a blank line, `then`; either
/// alone when the other is blank.
fn join_paragraphs(first: &str, then: &str) -> String {
    match (first.trim().is_empty(), then.trim().is_empty()) {
        (true, _) => then.to_string(),
        (false, true) => first.to_string(),
        (false, false) => format!("{first}\n\n{then}"),
    }
}

/// How generated text names the plugin: `<namespace>/<name>` when that word fits in
/// `room` columns, else `<name> of namespace <namespace>`, whose words wrap.
pub(crate) fn plugin_label(m: &Manifest, room: usize) -> String {
    let short = format!("{}/{}", m.namespace, m.name);
    if short.len() <= room {
        short
    } else {
        format!("{} of namespace {}", m.name, m.namespace)
    }
}

/// The plugin's own description text re-flowed to `width` columns (before the one space
/// of indentation): each paragraph's lines are joined and wrapped, words kept whole; a
/// blank line stays blank; an indented line (which apt shows verbatim) and a list item
/// (`- `, `* `, `+ `) start a line of their own, and an indented line keeps its indentation.
fn reflow(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut para = String::new();
    let flush = |para: &mut String, out: &mut Vec<String>| {
        if !para.is_empty() {
            out.extend(crate::deb::text::wrap_words(para, width));
            para.clear();
        }
    };
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            flush(&mut para, &mut out);
            out.push(String::new());
        } else if line.starts_with(char::is_whitespace) {
            flush(&mut para, &mut out);
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            let room = width.saturating_sub(indent.chars().count()).max(20);
            out.extend(
                crate::deb::text::wrap_words(body, room)
                    .into_iter()
                    .map(|l| format!("{indent}{l}")),
            );
        } else {
            if ["- ", "* ", "+ "].iter().any(|m| line.starts_with(m)) {
                flush(&mut para, &mut out);
            }
            if !para.is_empty() {
                para.push(' ');
            }
            para.push_str(line);
        }
    }
    flush(&mut para, &mut out);
    out
}

/// The `control` file.
pub(crate) fn control_file(m: &Manifest, maintainer: &str, installed_size: u64) -> String {
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
        // Never a credential (lint warns about it: url-credentials).
        field("Homepage", &crate::plugin::url::public(home).url);
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
pub(crate) fn is_web_url(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://"))
        && text.len() > 8
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The `md5sums` file from `(path, digest)` pairs, sorted by path bytes.
pub(crate) fn md5sums(mut sums: Vec<(String, [u8; 16])>) -> String {
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
pub(crate) fn scripts(m: &Manifest) -> [(&'static str, String); 3] {
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
