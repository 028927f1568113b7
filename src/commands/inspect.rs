//! `pluginctl inspect PKG.deb [--json]`: what a package holds, read natively: its members,
//! control fields, maintainer scripts, shipped `plugin.yml` and file list.
//!
//! The reading is [`crate::package::info`]'s; this module only renders it, as text
//! close to `dpkg-deb --info` and `--contents`, or as one JSON document (shape in docs/reference.md).

use crate::deb::deb822::Paragraph;
use crate::deb::reader::TarKind;
use crate::deb::walk::escape_name;
use crate::package::info::{self as package_info, ControlFile, FileInfo, PackageInfo};
use crate::ui::report::{one_line, Report};
use crate::Result;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// Reads `deb` and prints its summary (text, or JSON with `json`).
pub(crate) fn run(deb: &Path, json: bool, report: &Report) -> Result<()> {
    if deb.is_dir() {
        return Err(crate::Error::package(
            deb,
            "a folder, not a package; give a .deb file",
        ));
    }
    let info = package_info::read_package(deb)?;
    let text = if json {
        let mut doc = serde_json::to_string_pretty(&Document::from(&info))
            .map_err(|e| crate::Error::Io(format!("cannot write JSON: {e}")))?;
        doc.push('\n');
        doc
    } else {
        // The values are escaped where they are written; this guards the rest (a control
        // field's value with an escape sequence).
        crate::ui::report::lines(&render_text(&info)).into_owned()
    };
    report.stdout(&text)
}

/// The JSON document of `inspect --json`.
#[derive(Serialize)]
struct Document<'a> {
    path: String,
    size: u64,
    format: &'a str,
    members: Vec<Member<'a>>,
    control_compression: &'static str,
    data_compression: &'static str,
    control: &'a Paragraph,
    control_files: Vec<ControlEntry<'a>>,
    scripts: Vec<Script<'a>>,
    plugin: Option<Plugin<'a>>,
    files: Vec<File<'a>>,
}

#[derive(Serialize)]
struct Member<'a> {
    name: &'a str,
    size: u64,
}

#[derive(Serialize)]
struct ControlEntry<'a> {
    name: &'a str,
    mode: String,
    size: u64,
    lines: u64,
}

#[derive(Serialize)]
struct Script<'a> {
    name: &'a str,
    mode: String,
    size: u64,
    lines: u64,
    interpreter: Option<&'a str>,
    text: &'a str,
}

#[derive(Serialize)]
struct Plugin<'a> {
    path: &'a str,
    valid: bool,
    errors: &'a [String],
    name: Option<&'a str>,
    namespace: Option<&'a str>,
    version: Option<&'a str>,
    format: Option<u8>,
    depends: Vec<Dependency<'a>>,
}

#[derive(Serialize)]
struct Dependency<'a> {
    name: &'a str,
    namespace: &'a str,
    package: String,
}

#[derive(Serialize)]
struct File<'a> {
    path: &'a str,
    /// The exact bytes of a path that is not UTF-8 (`path` is then lossy).
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<&'a [u8]>,
    #[serde(rename = "type")]
    kind: &'static str,
    mode: String,
    owner: &'a str,
    group: &'a str,
    uid: u64,
    gid: u64,
    size: u64,
    mtime: i64,
    link: Option<&'a str>,
    /// The exact bytes of a link target that is not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    link_bytes: Option<&'a [u8]>,
    /// `[major, minor]` of a device.
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<(u64, u64)>,
}

/// The bytes, when they are not UTF-8 (their text is then lossy).
fn unless_utf8(bytes: &[u8]) -> Option<&[u8]> {
    std::str::from_utf8(bytes).is_err().then_some(bytes)
}

fn octal(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

/// The JSON name of an entry type.
pub(crate) fn kind_name(kind: TarKind) -> &'static str {
    match kind {
        TarKind::File => "file",
        TarKind::HardLink => "hardlink",
        TarKind::Symlink => "symlink",
        TarKind::CharDevice => "char-device",
        TarKind::BlockDevice => "block-device",
        TarKind::Dir => "dir",
        TarKind::Fifo => "fifo",
        TarKind::Other(_) => "other",
    }
}

impl<'a> From<&'a PackageInfo> for Document<'a> {
    fn from(info: &'a PackageInfo) -> Document<'a> {
        let plugin = info.plugin.as_ref().map(|p| match &p.manifest {
            Ok(m) => Plugin {
                path: &p.path,
                valid: true,
                errors: &[],
                name: Some(&m.name),
                namespace: Some(&m.namespace),
                version: Some(&m.version),
                format: Some(m.format),
                depends: m
                    .depends
                    .iter()
                    .map(|d| Dependency {
                        name: &d.name,
                        namespace: &d.namespace,
                        package: d.package(),
                    })
                    .collect(),
            },
            Err(errors) => Plugin {
                path: &p.path,
                valid: false,
                errors,
                name: None,
                namespace: None,
                version: None,
                format: None,
                depends: Vec::new(),
            },
        });
        Document {
            path: info.path.display().to_string(),
            size: info.size,
            format: &info.format,
            members: info
                .members
                .iter()
                .map(|m| Member {
                    name: &m.name,
                    size: m.size,
                })
                .collect(),
            control_compression: info.control_compression.name(),
            data_compression: info.data_compression.name(),
            control: &info.control,
            control_files: sorted_by_name(&info.control_files)
                .into_iter()
                .map(|f| ControlEntry {
                    name: &f.name,
                    mode: octal(f.mode),
                    size: f.size,
                    lines: f.lines,
                })
                .collect(),
            scripts: info
                .scripts()
                .map(|f| Script {
                    name: &f.name,
                    mode: octal(f.mode),
                    size: f.size,
                    lines: f.lines,
                    interpreter: f.interpreter.as_deref(),
                    text: f.text.as_deref().unwrap_or(""),
                })
                .collect(),
            plugin,
            files: info
                .files
                .iter()
                .map(|f| File {
                    path: &f.path,
                    path_bytes: unless_utf8(&f.raw_path),
                    link_bytes: unless_utf8(&f.raw_link)
                        .filter(|_| matches!(f.kind, TarKind::Symlink | TarKind::HardLink)),
                    device: f.device,
                    kind: kind_name(f.kind),
                    mode: octal(f.mode),
                    owner: &f.owner,
                    group: &f.group,
                    uid: f.uid,
                    gid: f.gid,
                    size: f.size,
                    mtime: f.mtime,
                    link: (!f.link.is_empty()
                        && matches!(f.kind, TarKind::Symlink | TarKind::HardLink))
                    .then_some(f.link.as_str()),
                })
                .collect(),
        }
    }
}

/// The text form: a header, the control files as `dpkg-deb --info` lists them, the control
/// fields, the plugin, and the files as `dpkg-deb --contents` lists them.
pub(crate) fn render_text(info: &PackageInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: Debian binary package, format {}, {} bytes",
        one_line(&info.path.display().to_string()),
        info.format,
        info.size
    );
    let members: Vec<String> = info
        .members
        .iter()
        .map(|m| format!("{} ({} bytes)", one_line(&m.name), m.size))
        .collect();
    let _ = writeln!(out, "members: {}", members.join(", "));
    out.push_str("\ncontrol archive:\n");
    for f in sorted_by_name(&info.control_files) {
        out.push_str(&control_line(f));
    }
    out.push_str("\ncontrol:\n");
    for line in info.control.to_string().lines() {
        let _ = writeln!(out, " {line}");
    }
    match &info.plugin {
        None => out.push_str(
            "\nplugin: none (no usr/lib/wazo-plugind/plugins/<namespace>/<name>/wazo/plugin.yml)\n",
        ),
        Some(p) => {
            let _ = writeln!(
                out,
                "\nplugin: {}",
                one_line(crate::deb::walk::relative(&p.path))
            );
            match &p.manifest {
                Ok(m) => {
                    let depends: Vec<String> = m
                        .depends
                        .iter()
                        .map(|d| format!("{}/{}", d.namespace, d.name))
                        .collect();
                    let _ = writeln!(out, " name: {}", m.name);
                    let _ = writeln!(out, " namespace: {}", m.namespace);
                    let _ = writeln!(out, " version: {}", m.version);
                    let _ = writeln!(out, " format: {}", m.format);
                    let _ = writeln!(
                        out,
                        " depends: {}",
                        if depends.is_empty() {
                            "(none)".to_string()
                        } else {
                            depends.join(", ")
                        }
                    );
                }
                Err(errors) => {
                    out.push_str(" invalid:\n");
                    for e in errors {
                        let _ = writeln!(out, "  {}", one_line(e));
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "\nfiles ({}):", info.files.len());
    for f in &info.files {
        out.push_str(&file_line(f));
    }
    out
}

/// The control files by name, as `dpkg-deb --info` lists them.
fn sorted_by_name(files: &[ControlFile]) -> Vec<&ControlFile> {
    let mut sorted: Vec<&ControlFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted
}

/// ` 1234 bytes,    12 lines   *  postinst             #!/bin/sh`, as `dpkg-deb --info`.
fn control_line(f: &ControlFile) -> String {
    let exec = if f.mode & 0o111 != 0 { '*' } else { ' ' };
    let mut line = format!(
        " {:>7} bytes, {:>5} lines   {exec}  {:<20}",
        f.size,
        f.lines,
        one_line(&f.name)
    );
    if let Some(interp) = &f.interpreter {
        line.push_str(" #!");
        line.push_str(&one_line(interp));
    }
    let mut line = line.trim_end().to_string();
    line.push('\n');
    line
}

/// `-rw-r--r-- root/root      1234 2023-11-14 22:13 ./path [-> target]`, as GNU tar lists
/// an entry for `dpkg-deb --contents`: names escaped as tar escapes them, a device's
/// `major,minor` in the size column.
pub(crate) fn file_line(f: &FileInfo) -> String {
    let owner = format!(
        "{}/{}",
        name_or_id(&f.owner, f.uid),
        name_or_id(&f.group, f.gid)
    );
    let size = match f.device {
        Some((major, minor)) => format!("{major},{minor}"),
        None => f.size.to_string(),
    };
    let width = 18usize.saturating_sub(owner.len()).max(1);
    let mut line = format!(
        "{} {owner} {size:>width$} {} {}",
        mode_string(f.kind, f.mode),
        crate::deb::date::date_minutes(f.mtime),
        escape_name(&f.raw_path)
    );
    match f.kind {
        TarKind::Symlink => {
            line.push_str(" -> ");
            line.push_str(&escape_name(&f.raw_link));
        }
        TarKind::HardLink => {
            line.push_str(" link to ");
            line.push_str(&escape_name(&f.raw_link));
        }
        _ => {}
    }
    line.push('\n');
    line
}

fn name_or_id(name: &str, id: u64) -> String {
    if name.is_empty() {
        id.to_string()
    } else {
        one_line(name).into_owned()
    }
}

/// `drwxr-xr-x`, as `ls -l` and `tar -tv` show a mode.
pub(crate) fn mode_string(kind: TarKind, mode: u32) -> String {
    let first = match kind {
        TarKind::Dir => 'd',
        TarKind::Symlink => 'l',
        TarKind::CharDevice => 'c',
        TarKind::BlockDevice => 'b',
        TarKind::Fifo => 'p',
        TarKind::HardLink => 'h',
        TarKind::File | TarKind::Other(_) => '-',
    };
    let mut s = String::with_capacity(10);
    s.push(first);
    let bit = |b: u32, c: char| if mode & b != 0 { c } else { '-' };
    let special =
        |x: u32, special: u32, lower: char, upper: char| match (mode & x != 0, mode & special != 0)
        {
            (true, true) => lower,
            (false, true) => upper,
            (true, false) => 'x',
            (false, false) => '-',
        };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(0o001, 0o1000, 't', 'T'));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_strings_match_ls() {
        assert_eq!(mode_string(TarKind::Dir, 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(TarKind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(TarKind::File, 0o2644), "-rw-r-Sr--");
        assert_eq!(mode_string(TarKind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(TarKind::Symlink, 0o777), "lrwxrwxrwx");
    }
}
