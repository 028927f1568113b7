//! The plugin the package ships: its plugin.yml (present once, valid, at its place, naming
//! the package's name and version) and its rules file (present, regular, executable).

use super::{Data, Deb, Shipped, PLUGINS_ROOT};
use crate::deb::reader::TarKind;
use crate::lint::control::Control;
use crate::lint::script::{self, RulesFacts, Stage};
use crate::lint::{Findings, Tag};
use crate::plugin::manifest;

impl Deb {
    /// The shipped plugin.yml: present once, valid, at its place, matching the package.
    pub(super) fn shipped_plugin(
        &self,
        d: &Data,
        control: Option<&Control>,
        out: &mut Findings,
    ) -> Option<Shipped> {
        let Some(first) = d.plugin_ymls.first() else {
            out.add(
                Tag::PluginYmlMissing,
                self.whole(),
                format!(
                    "no {PLUGINS_ROOT}/<namespace>/<name>/wazo/plugin.yml: the Wazo daemon \
                     lists installed plugins by that file"
                ),
            );
            return None;
        };
        let (ns_dir, name_dir) = first.place.clone();
        let rel = format!("{PLUGINS_ROOT}/{ns_dir}/{name_dir}/wazo/plugin.yml");
        let place = self.inside(&rel);
        if d.plugin_ymls.len() > 1 {
            let all: Vec<String> = d
                .plugin_ymls
                .iter()
                .map(|k| format!("{}/{}", k.place.0, k.place.1))
                .collect();
            out.add(
                Tag::PluginPlaceMismatch,
                self.whole(),
                format!(
                    "the package ships {} plugins ({}); one package holds one plugin",
                    all.len(),
                    all.join(", ")
                ),
            );
        }
        let mut shipped = Shipped {
            place: first.place.clone(),
            name: name_dir.clone(),
            namespace: ns_dir.clone(),
            format: None,
        };
        if first.kind != TarKind::File {
            out.add(
                Tag::PluginYmlInvalid,
                place,
                "not a regular file; the daemon reads it as one",
            );
            return Some(shipped);
        }
        let tree = match manifest::parse_bytes(&first.bytes) {
            Ok(tree) => tree,
            Err(diag) => {
                out.add(Tag::PluginYmlInvalid, place.at(diag.pos), diag.message);
                return Some(shipped);
            }
        };
        let text = |key: &str| crate::lint::checkout::text_of(&tree, key).map(str::to_string);
        match manifest::from_tree(&tree) {
            Ok(m) => shipped.format = Some(m.format),
            Err(diags) => {
                for diag in diags {
                    out.add(Tag::PluginYmlInvalid, place.at(diag.pos), diag.message);
                }
                shipped.format = crate::lint::checkout::format_of(&tree);
            }
        }
        if let (Some(name), Some(ns)) = (text("name"), text("namespace")) {
            if (ns.as_str(), name.as_str()) != (ns_dir.as_str(), name_dir.as_str()) {
                out.add(
                    Tag::PluginPlaceMismatch,
                    place.clone(),
                    format!(
                        "plugin.yml names {ns}/{name} but is installed under {ns_dir}/{name_dir}; \
                         the daemon looks for it at {PLUGINS_ROOT}/{ns}/{name}/wazo/"
                    ),
                );
            }
            shipped.name = name;
            shipped.namespace = ns;
        }
        let Some(control) = control else {
            return Some(shipped);
        };
        let want = manifest::package_name(&shipped.name, &shipped.namespace);
        if let Some(f) = control.field("Package").filter(|f| f.value != want) {
            out.add(
                Tag::PackageNameMismatch,
                self.inside("DEBIAN/control").line(f.line),
                format!(
                    "Package {:?}, but the shipped plugin.yml makes it {want:?}; the Wazo daemon \
                     finds the plugin's package by that name",
                    f.value
                ),
            );
        }
        if let (Some(f), Some(version)) = (control.field("Version"), text("version")) {
            if f.value != version.trim() {
                out.add(
                    Tag::VersionMismatch,
                    self.inside("DEBIAN/control").line(f.line),
                    format!(
                        "Version {:?}, but the shipped plugin.yml says version {:?}",
                        f.value, version
                    ),
                );
            }
        }
        Some(shipped)
    }

    /// The shipped rules file: present, regular, executable, and its text.
    pub(super) fn shipped_rules(&self, d: &Data, s: &Shipped, out: &mut Findings) -> RulesFacts {
        let (ns, name) = &s.place;
        let rel = format!("{PLUGINS_ROOT}/{ns}/{name}/wazo/rules");
        let place = self.inside(&rel);
        let Some(rules) = d.rules.iter().find(|k| k.place == s.place) else {
            out.add(
                Tag::RulesMissing,
                self.whole(),
                format!("no {rel}: the maintainer scripts run it to install and remove the plugin"),
            );
            return RulesFacts::default();
        };
        match rules.kind {
            TarKind::File => {}
            TarKind::HardLink => return RulesFacts::default(),
            _ => {
                out.add(
                    Tag::RulesNotRegular,
                    place,
                    "not a regular file; the maintainer scripts run it and prerm copies it",
                );
                return RulesFacts::default();
            }
        }
        if rules.mode & 0o111 == 0 {
            out.add(
                Tag::RulesNotExecutable,
                place.clone(),
                format!(
                    "mode {:04o}: not executable, so the maintainer scripts cannot run it",
                    rules.mode & 0o7777
                ),
            );
        }
        script::check_rules(&rules.bytes, s.format, Stage::Package, &place, out)
    }
}
