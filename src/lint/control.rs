//! The `control` file of a `.deb`, read by [`crate::deb::deb822`] (the parser `inspect` and
//! `index` use, which judges as `dpkg --unpack` does), with every syntax error reported at
//! its line, then checked field by field with the grammar of [`crate::deb::version`].

use super::{Findings, Place, Tag};
use crate::{deb::deb822, deb::version};

/// A parsed control file: the first paragraph as [`deb822`] reads it (the one model of a
/// control paragraph, shared with `inspect` and `index`).
pub(crate) type Control = deb822::Paragraph;

/// Reads the control file as dpkg does, reporting each syntax error dpkg refuses the
/// package for, and what dpkg accepts but other tools do not (CR LF, control characters).
pub(crate) fn parse(text: &[u8], place: &Place, out: &mut Findings) -> Control {
    let parsed = deb822::parse_control(text);
    for e in &parsed.errors {
        out.add(
            Tag::ControlSyntax,
            place.line(e.line),
            format!("{}; dpkg --unpack refuses the package", e.message),
        );
    }
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.ends_with(b"\r") {
            out.add(
                Tag::ControlSyntax,
                place.line(i + 1),
                "the line ends with a carriage return (CR LF line endings)",
            );
        }
    }
    if let Some((line, why)) = first_non_utf8(text) {
        out.add(
            Tag::NonUtf8Text,
            place.line(line),
            format!("{why}; Debian policy 5.1 wants control files in UTF-8"),
        );
    }
    for f in parsed.paragraph.fields() {
        let first = f.value.split('\n').next().unwrap_or("");
        if let Some(c) = first.chars().find(|c| c.is_control() && *c != '\t') {
            out.add(
                Tag::ControlSyntax,
                place.line(f.line),
                format!(
                    "{}: {} is not allowed in a field",
                    f.name,
                    version::describe_char(c)
                ),
            );
        }
    }
    parsed.paragraph
}

/// The line and a description of the first byte that is not UTF-8 in `bytes`, if any.
pub(crate) fn first_non_utf8(bytes: &[u8]) -> Option<(usize, String)> {
    let err = std::str::from_utf8(bytes).err()?;
    let at = err.valid_up_to();
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    let column = 1 + String::from_utf8_lossy(&bytes[line_start..at])
        .chars()
        .count();
    Some((
        line,
        format!(
            "byte 0x{:02x} at column {column} is not UTF-8 (Latin-1 or another legacy encoding?)",
            bytes[at]
        ),
    ))
}

/// Fields whose items are package relations.
const RELATION_FIELDS: &[&str] = &[
    "Depends",
    "Pre-Depends",
    "Recommends",
    "Suggests",
    "Enhances",
    "Breaks",
    "Conflicts",
    "Replaces",
    "Provides",
];

/// Fields that must fit on one line.
const SINGLE_LINE: &[&str] = &[
    "Package",
    "Version",
    "Architecture",
    "Maintainer",
    "Installed-Size",
    "Section",
    "Priority",
    "Homepage",
];

/// Checks the fields: required ones, name, version, relations, section, single-line fields.
pub(crate) fn check(control: &Control, place: &Place, out: &mut Findings) {
    for name in [
        "Package",
        "Version",
        "Architecture",
        "Maintainer",
        "Description",
    ] {
        if control
            .field(name)
            .is_none_or(|f| f.value.trim().is_empty())
        {
            out.add(
                Tag::ControlMissingField,
                place.clone(),
                format!("no {name} field; every binary package needs one"),
            );
        }
    }
    for f in control.fields() {
        if f.multiline && SINGLE_LINE.iter().any(|n| n.eq_ignore_ascii_case(&f.name)) {
            out.add(
                Tag::ControlSyntax,
                place.line(f.line),
                format!("{}: must fit on one line", f.name),
            );
        }
    }
    if let Some(f) = control.field("Package").filter(|f| !f.value.is_empty()) {
        if let Err(why) = version::check_package_name(&f.value) {
            out.add(Tag::BadPackageName, place.line(f.line), why);
        }
    }
    if let Some(f) = control.field("Version").filter(|f| !f.value.is_empty()) {
        if let Err(why) = version::check_version(&f.value) {
            out.add(
                Tag::BadVersion,
                place.line(f.line),
                format!("Version {:?}: {why}", f.value),
            );
        }
    }
    if let Some(f) = control.field("Installed-Size") {
        if f.value.parse::<u64>().is_err() {
            out.add(
                Tag::ControlSyntax,
                place.line(f.line),
                format!(
                    "Installed-Size {:?}: must be a whole number of KiB",
                    f.value
                ),
            );
        }
    }
    for name in RELATION_FIELDS {
        let Some(f) = control.field(name) else {
            continue;
        };
        let joined = f.value.replace('\n', " ");
        for item in joined.split(',') {
            let item = item.trim();
            if item.is_empty() {
                out.add(
                    Tag::BadRelation,
                    place.line(f.line),
                    format!("{}: an empty item between commas", f.name),
                );
                continue;
            }
            if let Err(why) = version::check_relation(item) {
                out.add(
                    Tag::BadRelation,
                    place.line(f.line),
                    format!("{}: {item:?}: {why}", f.name),
                );
            }
        }
    }
    match control.field("Section") {
        Some(f) if f.value == crate::plugin::wazo::SECTION => {}
        Some(f) => out.add(
            Tag::WrongSection,
            place.line(f.line),
            format!(
                "Section {:?}: the Wazo daemon lists installed plugins by Section: {}, so it \
                 would not list this one",
                f.value,
                crate::plugin::wazo::SECTION
            ),
        ),
        None => out.add(
            Tag::WrongSection,
            place.clone(),
            format!(
                "no Section field: the Wazo daemon lists installed plugins by Section: {}, so \
                 it would not list this one",
                crate::plugin::wazo::SECTION
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags_of(text: &str) -> Vec<&'static str> {
        let mut out = Findings::default();
        let place = Place::file("control");
        let c = parse(text.as_bytes(), &place, &mut out);
        check(&c, &place, &mut out);
        out.tags().map(Tag::name).collect()
    }

    #[test]
    fn a_good_control_file_is_clean() {
        assert_eq!(
            tags_of("Package: wazo-plugind-a-b\nVersion: 1.0\nArchitecture: all\nMaintainer: A <a@b.c>\nDepends: curl, aa | bb (>= 1)\nSection: wazo-plugind-plugin\nDescription: x\n more\n .\n"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_latin1_byte_is_not_utf8() {
        assert_eq!(
            first_non_utf8(b"A: 1\nB: caf\xe9\n"),
            Some((
                2,
                "byte 0xe9 at column 7 is not UTF-8 (Latin-1 or another legacy encoding?)".into()
            ))
        );
        assert_eq!(first_non_utf8("A: café\n".as_bytes()), None);
    }

    #[test]
    fn reports_each_problem() {
        let tags = tags_of(
            "Package: Bad_Name\nVersion: v1\nbroken line\nDepends: a (> 1),\nSection: misc\nSection: x\n\nPackage: other\n",
        );
        for want in [
            "bad-package-name",
            "bad-version",
            "control-syntax",
            "bad-relation",
            "wrong-section",
            "control-missing-field",
        ] {
            assert!(tags.contains(&want), "{want} not in {tags:?}");
        }
    }
}
