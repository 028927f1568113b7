//! `pluginctl new NAME --namespace NS [DIR]`: a plugin skeleton that builds and lints clean
//! as it is: `wazo/plugin.yml`, a `wazo/rules` answering every command of its format, an
//! example file shipped to `/etc`, a README and a `.gitignore`.
//!
//! The skeleton is written into a temporary folder next to DIR and moved into place, so a
//! failure leaves nothing half-written; an existing non-empty DIR is never touched.

use crate::plugin::manifest;
use crate::plugin::pyyaml::{self, Reading};
use crate::ui::report::Report;
use crate::{Error, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What the skeleton is made of.
#[derive(Debug, Clone)]
pub(crate) struct Skeleton {
    /// `[a-z0-9-]+`.
    pub(crate) name: String,
    /// `[a-z0-9]+`.
    pub(crate) namespace: String,
    /// 0, 1 or 2.
    pub(crate) format: u8,
}

/// The skeleton's version.
pub(crate) const VERSION: &str = "0.1.0";

impl Skeleton {
    /// Checks the name and namespace as `plugin.yml` would.
    pub(crate) fn new(name: &str, namespace: &str, format: u8) -> Result<Skeleton> {
        manifest::check_name(name).map_err(|why| Error::Usage(format!("NAME {name:?}: {why}")))?;
        manifest::check_namespace(namespace)
            .map_err(|why| Error::Usage(format!("--namespace {namespace:?}: {why}")))?;
        if format > 2 {
            return Err(Error::Usage(format!(
                "--format {format}: plugin_format_version is 0, 1 or 2"
            )));
        }
        Ok(Skeleton {
            name: name.to_string(),
            namespace: namespace.to_string(),
            format,
        })
    }

    /// The example file's name in the checkout.
    fn conf_name(&self) -> String {
        format!("{}.conf", self.name)
    }

    /// Where the example file is installed (without the leading `/`).
    pub(crate) fn conf_place(&self) -> String {
        format!("etc/asterisk/extensions_extra.d/{}", self.conf_name())
    }

    /// `Hello World` for `hello-world`.
    fn display_name(&self) -> String {
        self.name
            .split('-')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `wazo/plugin.yml`.
    pub(crate) fn manifest(&self) -> String {
        format!(
            r#"# Wazo plugin metadata, read by pluginctl and by wazo-plugind.
name: {name}
namespace: {namespace}
# Quoted, so that every YAML reader sees the same text ("1.10" is not 1.1).
version: "{VERSION}"
plugin_format_version: {format}
display_name: {display_yaml}
author: The {plain_name} authors
description: |
  {display} for Wazo.

  Ships an example dialplan file in /etc/asterisk/extensions_extra.d.
  Replace this text with what the plugin adds to a Wazo server.
tags:
  - example
# Other Wazo plugins this one needs (each becomes a package dependency):
# depends:
#   - name: other-plugin
#     namespace: {plain_namespace}
# Debian packages this one needs:
# debian_depends:
#   - curl
"#,
            name = yaml_text(&self.name),
            namespace = yaml_text(&self.namespace),
            plain_name = self.name,
            plain_namespace = self.namespace,
            format = self.format,
            display = self.display_name(),
            display_yaml = yaml_text(&self.display_name()),
        )
    }

    /// `wazo/rules`: every command of the plugin's format, and an error for any other.
    pub(crate) fn rules(&self) -> String {
        let postrm = if self.format >= 1 {
            "    postrm)\n        # After the package was removed (plugin_format_version 1 and later).\n        ;;\n"
        } else {
            ""
        };
        let place = self.conf_place();
        format!(
            r#"#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Called with one word: `build` and `package` by pluginctl when it builds the package,
# `install`, `uninstall`{postrm_word} by the installed package on the Wazo server.
set -e

case "$1" in
    build)
        # Compile or generate files here (runs in the plugin folder).
        ;;
    package)
        # Copy what the package ships into "$pkgdir" (its root: / on the server).
        install -D -m 0644 {conf} "$pkgdir/{place}"
        ;;
    install)
        # After the package is unpacked (fresh install and upgrade), for example:
        # asterisk -x 'dialplan reload'
        ;;
    uninstall)
        # Before the package is removed (not on upgrade).
        ;;
{postrm}    *)
        echo "$0: unknown argument '$1'" >&2
        exit 1
        ;;
esac
"#,
            conf = self.conf_name(),
            postrm_word = if self.format >= 1 {
                " and `postrm`"
            } else {
                ""
            },
        )
    }

    /// The example file shipped to `/etc`.
    pub(crate) fn conf(&self) -> String {
        format!(
            "; Dialplan of the Wazo plugin {ns}/{name}, installed as /{place}.\n\
             ; Asterisk reads it after `dialplan reload`. Add your contexts here, for example:\n\
             ;\n\
             ; [{name}-example]\n\
             ; exten = 1234,1,Playback(hello-world)\n\
             ; same = n,Hangup()\n",
            ns = self.namespace,
            name = self.name,
            place = self.conf_place()
        )
    }

    /// The checkout's README.
    pub(crate) fn readme(&self) -> String {
        let package = manifest::package_name(&self.name, &self.namespace);
        format!(
            r#"# {display}

The Wazo plugin `{ns}/{name}`, packaged as `{package}`.

## Layout

- `wazo/plugin.yml`: the plugin's name, namespace, version and description.
- `wazo/rules`: called with `build` and `package` when the package is built, and with
  `install`, `uninstall`{postrm} on the Wazo server.
- `{conf}`: an example dialplan file, installed as `/{place}`.

## Build, check, install

    pluginctl build . -o dist/
    pluginctl lint .
    apt install ./dist/{package}_{VERSION}_all.deb

`pluginctl inspect dist/{package}_{VERSION}_all.deb` shows what the package holds.
"#,
            display = self.display_name(),
            ns = self.namespace,
            name = self.name,
            conf = self.conf_name(),
            place = self.conf_place(),
            postrm = if self.format >= 1 {
                " and `postrm`"
            } else {
                ""
            },
        )
    }

    /// The files of the skeleton: relative path, mode, content.
    pub(crate) fn files(&self) -> Vec<(String, u32, String)> {
        vec![
            ("wazo/plugin.yml".into(), 0o644, self.manifest()),
            ("wazo/rules".into(), 0o755, self.rules()),
            (self.conf_name(), 0o644, self.conf()),
            ("README.md".into(), 0o644, self.readme()),
            (".gitignore".into(), 0o644, "*.deb\n/dist/\n".into()),
        ]
    }
}

/// A plain YAML scalar when every YAML reader sees it as this text, else a quoted one.
fn yaml_text(text: &str) -> String {
    if pyyaml::read_plain(text) == Reading::Str {
        text.to_string()
    } else {
        format!("\"{text}\"")
    }
}

/// Refuses a folder that exists and is not empty (or is not a folder).
fn check_target(dir: &Path) -> Result<bool> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(dir, "cannot read", e)),
        Ok(meta) if !meta.is_dir() => Err(Error::Usage(format!(
            "{}: exists and is not a folder; give a new or empty folder",
            dir.display()
        ))),
        Ok(_) => {
            let mut entries =
                std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot read", e))?;
            if entries.next().is_some() {
                return Err(Error::Usage(format!(
                    "{}: the folder is not empty; pluginctl new writes only into a new or empty folder",
                    dir.display()
                )));
            }
            Ok(true)
        }
    }
}

/// Writes the skeleton into `dir` (default `./NAME`); returns the folder.
pub(crate) fn run(
    name: &str,
    namespace: &str,
    dir: Option<&Path>,
    format: u8,
    report: &Report,
) -> Result<PathBuf> {
    let skeleton = Skeleton::new(name, namespace, format)?;
    let dir = dir.map_or_else(|| PathBuf::from(name), Path::to_path_buf);
    // The manifest must be one pluginctl itself accepts, whatever the name.
    let tree = manifest::parse_bytes(skeleton.manifest().as_bytes())
        .map_err(|d| Error::Usage(format!("the skeleton's plugin.yml: {d}")))?;
    manifest::from_tree(&tree).map_err(|ds| {
        Error::Usage(format!(
            "NAME {name:?} or --namespace {namespace:?}: {}",
            ds[0].message
        ))
    })?;
    let existed = check_target(&dir)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| Error::io(&parent, "cannot create the folder", e))?;
    // Named with our pid and locked while we work in it, as the build's temporaries are:
    // what a killed run left here is removed by the next one.
    crate::files::leftovers::remove_stale_temp_folders(&parent);
    let temp = tempfile::Builder::new()
        .prefix(&format!("{}new-", crate::files::leftovers::temp_prefix()))
        .tempdir_in(&parent)
        .map_err(|e| Error::io(&parent, "cannot create a folder", e))?;
    let _held = crate::files::nofollow::open_dir(temp.path())
        .and_then(|fd| crate::files::leftovers::hold(std::os::fd::AsFd::as_fd(&fd)).map(|()| fd))
        .map_err(|e| Error::io(temp.path(), "cannot lock", e))?;
    let dir_mode = 0o777 & !crate::files::umask();
    for (rel, mode, text) in skeleton.files() {
        let path = temp.path().join(&rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(&dir, "cannot create a folder", e))?;
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(dir_mode))
                .map_err(|e| Error::io(&dir, "cannot set a folder's mode", e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(dir.join(&rel), "cannot write", e))?;
        std::fs::set_permissions(
            &path,
            std::fs::Permissions::from_mode(mode & !crate::files::umask()),
        )
        .map_err(|e| Error::io(dir.join(&rel), "cannot set its mode", e))?;
    }
    crate::interrupt::check()?;
    let temp = temp.keep();
    let moved = if existed {
        // An existing empty folder keeps its own mode and owner: move the files into it.
        std::fs::read_dir(&temp).and_then(|entries| {
            for entry in entries {
                let entry = entry?;
                std::fs::rename(entry.path(), dir.join(entry.file_name()))?;
            }
            std::fs::remove_dir(&temp)
        })
    } else {
        std::fs::rename(&temp, &dir)
    };
    if let Err(e) = moved {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(Error::io(&dir, "cannot move the skeleton into place", e));
    }
    report.info(&format!(
        "created the plugin {namespace}/{name} in {} (next: pluginctl build {} -o dist/)",
        dir.display(),
        dir.display()
    ));
    let shown = dir.display().to_string();
    report.stdout(&format!("{}\n", crate::ui::report::one_line(&shown)))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeleton_manifest_is_valid_and_quotes_what_yaml_would_retype() {
        for (name, ns) in [("hello-world", "demo"), ("123", "yes"), ("1e3", "0x10")] {
            let s = Skeleton::new(name, ns, 1).unwrap();
            let tree = manifest::parse_bytes(s.manifest().as_bytes()).unwrap();
            let m = manifest::from_tree(&tree).unwrap();
            assert_eq!((m.name.as_str(), m.namespace.as_str()), (name, ns));
            assert_eq!(m.version, VERSION);
            assert_eq!(m.format, 1);
            assert_eq!(m.display_name.as_deref(), Some(s.display_name().as_str()));
        }
    }

    #[test]
    fn rules_answer_postrm_only_from_format_1() {
        assert!(!Skeleton::new("a", "b", 0)
            .unwrap()
            .rules()
            .contains("postrm)"));
        assert!(Skeleton::new("a", "b", 1)
            .unwrap()
            .rules()
            .contains("postrm)"));
        assert_eq!(
            Skeleton::new("a", "b-c", 1).unwrap_err().to_string(),
            "--namespace \"b-c\": only a-z and 0-9 are allowed (no dash)"
        );
    }
}
