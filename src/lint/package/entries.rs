//! The entries of the data member, as they stream by: owners, modes, timestamps, where
//! they lie (packaging, /tmp, the build machine's paths), ELF files, and the plugin's own
//! plugin.yml and rules, which are kept.

use super::{digest, kib, normalize, Deb, Kept, MAX_SMALL_FILE, PLUGINS_ROOT};
use crate::deb::reader::{TarEntry, TarKind};
use std::io::{self, Read};

/// At most this many plugin.yml or rules files are kept (a package has one of each).
const MAX_KEPT: usize = 4;
/// Entries older than this (1975-01-01) have lost their timestamps.
const ANCIENT: i64 = 157_766_400;
/// Folders that hold the plugin itself and the packaging documents, not its payload.
const PACKAGING: &[&str] = &[PLUGINS_ROOT, "usr/share/doc", "usr/share/lintian/overrides"];

/// `<namespace>/<name>` and the file name, for `usr/lib/wazo-plugind/plugins/<ns>/<name>/wazo/<file>`.
fn plugin_file(path: &str) -> Option<(String, String, &str)> {
    let rest = path.strip_prefix(PLUGINS_ROOT)?.strip_prefix('/')?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [ns, name, "wazo", file] if !ns.is_empty() && !name.is_empty() => {
            Some((ns.to_string(), name.to_string(), file))
        }
        _ => None,
    }
}

/// True for `path` inside, equal to or above one of the packaging folders.
pub(super) fn is_packaging(path: &str) -> bool {
    path.is_empty()
        || PACKAGING.iter().any(|root| {
            path == *root
                || path
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('/'))
                || root
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// Debian's fixed system users and groups: the static ids of base-passwd
/// (`/usr/share/base-passwd/{passwd,group}.master`), the same on every Debian system.
const STATIC_USERS: &[(&str, u64)] = &[
    ("root", 0),
    ("daemon", 1),
    ("bin", 2),
    ("sys", 3),
    ("sync", 4),
    ("games", 5),
    ("man", 6),
    ("lp", 7),
    ("mail", 8),
    ("news", 9),
    ("uucp", 10),
    ("proxy", 13),
    ("www-data", 33),
    ("backup", 34),
    ("list", 38),
    ("irc", 39),
    ("_apt", 42),
    ("nobody", 65534),
];
/// The static groups of base-passwd.
const STATIC_GROUPS: &[(&str, u64)] = &[
    ("root", 0),
    ("daemon", 1),
    ("bin", 2),
    ("sys", 3),
    ("adm", 4),
    ("tty", 5),
    ("disk", 6),
    ("lp", 7),
    ("mail", 8),
    ("news", 9),
    ("uucp", 10),
    ("man", 12),
    ("proxy", 13),
    ("kmem", 15),
    ("dialout", 20),
    ("fax", 21),
    ("voice", 22),
    ("cdrom", 24),
    ("floppy", 25),
    ("tape", 26),
    ("sudo", 27),
    ("audio", 29),
    ("dip", 30),
    ("www-data", 33),
    ("backup", 34),
    ("operator", 37),
    ("list", 38),
    ("irc", 39),
    ("src", 40),
    ("shadow", 42),
    ("utmp", 43),
    ("video", 44),
    ("sasl", 45),
    ("plugdev", 46),
    ("staff", 50),
    ("games", 60),
    ("users", 100),
    ("nogroup", 65534),
];

/// True when dpkg gives the entry an owner that is the same on every Debian system: dpkg
/// takes the name when the system knows it, else the number, so a static name (whatever
/// number the builder's system gave it) or, without a name, a static number.
fn fixed_owner(table: &[(&str, u64)], id: u64, name: &str) -> bool {
    if name.is_empty() {
        table.iter().any(|&(_, i)| i == id)
    } else {
        table.iter().any(|&(n, _)| n == name)
    }
}

/// True for a path under `/tmp`, which the system empties.
pub(super) fn in_tmp(path: &str) -> bool {
    path.split('/').next() == Some("tmp")
}

/// True for a path the build machine leaked into the payload: a home, or the marks of a
/// pyenv or virtualenv interpreter. A bare `venv` folder is not one: Python's standard
/// library has a module of that name.
pub(super) fn from_build_machine(path: &str) -> bool {
    let mut parts = path.split('/');
    matches!(parts.next(), Some("root" | "home"))
        || path.rsplit('/').next() == Some("pyvenv.cfg")
        || path
            .split('/')
            .any(|c| matches!(c, ".pyenv" | ".virtualenvs" | ".venv" | "site-packages"))
}

/// Bytes kept from the start of every payload file, for the magic numbers below.
const MAGIC_BYTES: u64 = 20;

/// What an ELF file is, from its header: `None` for anything else.
fn elf_kind(head: &[u8]) -> Option<&'static str> {
    if !head.starts_with(b"\x7fELF") || head.len() < 18 {
        return None;
    }
    // e_type, 16 bits at offset 16, in the byte order EI_DATA (offset 5) names.
    let e_type = match head[5] {
        2 => u16::from_be_bytes([head[16], head[17]]),
        _ => u16::from_le_bytes([head[16], head[17]]),
    };
    Some(match e_type {
        1 => "ELF object file",
        2 => "ELF executable",
        3 => "ELF shared object or executable",
        4 => "ELF core dump",
        _ => "ELF file",
    })
}

impl Deb {
    pub(super) fn data_entry(
        &mut self,
        path: &str,
        entry: &TarEntry,
        tar: &mut dyn Read,
    ) -> io::Result<()> {
        let Some(d) = self.data.as_mut() else {
            return Ok(());
        };
        let shown = &entry.path;
        if !fixed_owner(STATIC_USERS, entry.uid, &entry.uname)
            || !fixed_owner(STATIC_GROUPS, entry.gid, &entry.gname)
        {
            d.not_root.add(format!(
                "{shown} ({}/{} {}:{})",
                entry.uid, entry.gid, entry.uname, entry.gname
            ));
        }
        let sticky_dir = entry.kind == TarKind::Dir && entry.mode & 0o1000 != 0;
        if entry.kind != TarKind::Symlink && entry.mode & 0o002 != 0 && !sticky_dir {
            d.world_writable
                .add(format!("{shown} ({:04o})", entry.mode & 0o7777));
        }
        if entry.mtime < ANCIENT {
            d.ancient.add(format!(
                "{shown} ({} UTC)",
                crate::deb::date::date_minutes(entry.mtime)
            ));
        }
        if !is_packaging(path) {
            d.payload.add(shown.clone());
        }
        if entry.kind != TarKind::Dir && from_build_machine(path) {
            d.build_machine.add(shown.clone());
        } else if entry.kind != TarKind::Dir && in_tmp(path) {
            d.tmp.add(shown.clone());
        }
        let wazo_file = plugin_file(path);
        // The first bytes of a regular file (all of a small `wazo/` file), kept for checking.
        let mut kept_bytes = Vec::new();
        match entry.kind {
            TarKind::Dir => d.installed_kib += 1,
            TarKind::File => {
                let room = d.plugin_ymls.len().max(d.rules.len()) < MAX_KEPT;
                let keep = if wazo_file.is_some() && room {
                    MAX_SMALL_FILE
                } else {
                    MAGIC_BYTES
                };
                let (digest, bytes) = digest(tar, keep)?;
                if let Some(what) = elf_kind(&bytes) {
                    d.elf.add(format!("{shown} ({what})"));
                }
                if bytes.starts_with(b"!<arch>\n") && path.to_ascii_lowercase().ends_with(".deb") {
                    d.debs.add(shown.clone());
                }
                if entry.mode & 0o6000 != 0 {
                    d.setuid
                        .add(format!("{shown} ({:04o})", entry.mode & 0o7777));
                }
                d.digests.insert(path.to_string(), digest);
                d.installed_kib += kib(entry.size);
                kept_bytes = bytes;
            }
            TarKind::HardLink => {
                if entry.link.starts_with('/') || entry.link.split('/').any(|c| c == "..") {
                    d.hard_link_outside
                        .add(format!("{shown} -> {}", entry.link));
                }
                if let Some(digest) = d.digests.get(normalize(&entry.link)).copied() {
                    d.digests.insert(path.to_string(), digest);
                }
            }
            TarKind::Symlink => d.installed_kib += kib(entry.link.len() as u64),
            _ => d.installed_kib += 1,
        }
        if let Some((ns, name, file)) = wazo_file {
            let kept = Kept {
                place: (ns, name),
                kind: entry.kind,
                mode: entry.mode,
                bytes: kept_bytes,
            };
            match file {
                "plugin.yml" => d.plugin_ymls.push(kept),
                "rules" => d.rules.push(kept),
                _ => {}
            }
        }
        Ok(())
    }
}
