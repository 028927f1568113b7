//! The `control` file of a `.deb`, read as deb822 with every syntax problem reported at its
//! line, then checked field by field with the grammar of [`crate::version`].

use super::{Findings, Place, Tag};
use crate::version;

/// One field: its name as written, its value (continuation lines joined by newlines) and
/// the line it starts on.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name as written.
    pub name: String,
    /// Value, first line trimmed, continuation lines kept with their leading space removed.
    pub value: String,
    /// 1-based line of the field name.
    pub line: usize,
    /// True when the value has continuation lines.
    pub multiline: bool,
}

/// A parsed control file.
#[derive(Debug, Default)]
pub struct Control {
    /// The fields of the first paragraph, in order.
    pub fields: Vec<Field>,
}

impl Control {
    /// The field named `name` (case-insensitively), if present.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

fn valid_field_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['#', '-'])
        && name
            .bytes()
            .all(|b| (b'!'..=b'~').contains(&b) && b != b':')
}

/// Parses the control text, reporting syntax problems.
pub fn parse(text: &str, place: &Place, out: &mut Findings) -> Control {
    let mut control = Control::default();
    let mut blank_after: Option<usize> = None;
    let mut extra_paragraph_reported = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.ends_with('\r') {
            out.add(
                Tag::ControlSyntax,
                place.line(line_no),
                "the line ends with a carriage return (CR LF line endings)",
            );
        }
        if line.trim().is_empty() {
            if !control.fields.is_empty() {
                blank_after.get_or_insert(line_no);
            }
            continue;
        }
        if let Some(blank) = blank_after {
            if !extra_paragraph_reported {
                out.add(
                    Tag::ControlSyntax,
                    place.line(line_no),
                    format!(
                        "a second paragraph after the empty line {blank}; a binary package's \
                         control file has one"
                    ),
                );
                extra_paragraph_reported = true;
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match control.fields.last_mut() {
                Some(f) => {
                    f.value.push('\n');
                    f.value.push_str(line.trim());
                    f.multiline = true;
                }
                None => out.add(
                    Tag::ControlSyntax,
                    place.line(line_no),
                    "a continuation line (starting with a space) before any field",
                ),
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            out.add(
                Tag::ControlSyntax,
                place.line(line_no),
                format!("{line:?} is neither \"Field: value\" nor a continuation line"),
            );
            continue;
        };
        if !valid_field_name(name) {
            out.add(
                Tag::ControlSyntax,
                place.line(line_no),
                format!("{name:?} is not a valid field name"),
            );
            continue;
        }
        if let Some(first) = control.get(name) {
            out.add(
                Tag::ControlSyntax,
                place.line(line_no),
                format!(
                    "the field {name} appears twice (first at line {})",
                    first.line
                ),
            );
            continue;
        }
        if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
            out.add(
                Tag::ControlSyntax,
                place.line(line_no),
                format!(
                    "{name}: {} is not allowed in a field",
                    version::describe_char(c)
                ),
            );
        }
        control.fields.push(Field {
            name: name.to_string(),
            value: value.trim().to_string(),
            line: line_no,
            multiline: false,
        });
    }
    control
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
pub fn check(control: &Control, place: &Place, out: &mut Findings) {
    for name in [
        "Package",
        "Version",
        "Architecture",
        "Maintainer",
        "Description",
    ] {
        if control.get(name).is_none_or(|f| f.value.trim().is_empty()) {
            out.add(
                Tag::ControlMissingField,
                place.clone(),
                format!("no {name} field; every binary package needs one"),
            );
        }
    }
    for f in &control.fields {
        if f.multiline && SINGLE_LINE.iter().any(|n| n.eq_ignore_ascii_case(&f.name)) {
            out.add(
                Tag::ControlSyntax,
                place.line(f.line),
                format!("{}: must fit on one line", f.name),
            );
        }
    }
    if let Some(f) = control.get("Package").filter(|f| !f.value.is_empty()) {
        if let Err(why) = version::check_package_name(&f.value) {
            out.add(Tag::BadPackageName, place.line(f.line), why);
        }
    }
    if let Some(f) = control.get("Version").filter(|f| !f.value.is_empty()) {
        if let Err(why) = version::check_version(&f.value) {
            out.add(
                Tag::BadVersion,
                place.line(f.line),
                format!("Version {:?}: {why}", f.value),
            );
        }
    }
    if let Some(f) = control.get("Installed-Size") {
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
        let Some(f) = control.get(name) else { continue };
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
    match control.get("Section") {
        Some(f) if f.value == crate::deb::control::SECTION => {}
        Some(f) => out.add(
            Tag::WrongSection,
            place.line(f.line),
            format!(
                "Section {:?}: the Wazo daemon lists installed plugins by Section: {}, so it \
                 would not list this one",
                f.value,
                crate::deb::control::SECTION
            ),
        ),
        None => out.add(
            Tag::WrongSection,
            place.clone(),
            format!(
                "no Section field: the Wazo daemon lists installed plugins by Section: {}, so \
                 it would not list this one",
                crate::deb::control::SECTION
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
        let c = parse(text, &place, &mut out);
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
