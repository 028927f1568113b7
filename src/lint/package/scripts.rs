//! The maintainer scripts: encoding, mode, `#!`, line endings, and whether they run the
//! shipped rules file as the plugin's format wants (install, uninstall, the saved copy).

use super::{Deb, Shipped};
use crate::lint::{control, script, Findings, Tag};

impl Deb {
    /// Maintainer scripts in UTF-8 (Debian policy 5.1), as the control file.
    pub(super) fn scripts_encoding(&self, out: &mut Findings) {
        for f in &self.scripts {
            if let Some((line, why)) = control::first_non_utf8(&f.bytes) {
                out.add(
                    Tag::NonUtf8Text,
                    self.inside(&format!("DEBIAN/{}", f.name)).line(line),
                    format!("{why}; Debian policy 5.1 wants control files in UTF-8"),
                );
            }
        }
    }

    /// Modes, `#!`, line endings, and the calls of the rules file.
    pub(super) fn maintainer_scripts(&self, s: Option<&Shipped>, out: &mut Findings) {
        for f in &self.scripts {
            let place = self.inside(&format!("DEBIAN/{}", f.name));
            let mode = f.mode & 0o7777;
            if mode & 0o555 != 0o555 || mode & 0o7002 != 0 {
                out.add(
                    Tag::ScriptNotExecutable,
                    place.clone(),
                    format!("mode {mode:04o}; dpkg wants maintainer scripts between 0555 and 0775 (0755)"),
                );
            }
            if !script::has_shebang(&f.bytes) {
                out.add(
                    Tag::ScriptNoShebang,
                    place.line(1),
                    "does not start with #!, so dpkg cannot execute it",
                );
            }
            if let Some(line) = script::first_crlf_line(&f.bytes) {
                out.add(
                    Tag::ScriptCrlf,
                    place.line(line),
                    "CR LF line endings: the interpreter line ends in a carriage return, so the script will not run",
                );
            }
        }
        let Some(s) = s else { return };
        let installed = format!("plugins/{}/{}/wazo/rules", s.place.0, s.place.1);
        let backup = format!("rules.{}.{}", s.name, s.namespace);
        let script = |name: &str| {
            self.scripts
                .iter()
                .find(|f| f.name == name)
                .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        };
        let place_of = |name: &str, text: &Option<String>| match text {
            Some(_) => self.inside(&format!("DEBIAN/{name}")),
            None => self.whole(),
        };
        let missing = |text: &Option<String>, name: &str| {
            if text.is_none() {
                format!("there is no {name} script")
            } else {
                format!("{name} never runs it")
            }
        };
        let postinst = script("postinst");
        if !calls_with(&postinst, &installed, "install") {
            out.add(
                Tag::RulesNotCalled,
                place_of("postinst", &postinst),
                format!(
                    "{}: .../{installed} install, so the plugin's install step would not run",
                    missing(&postinst, "postinst")
                ),
            );
        }
        let prerm = script("prerm");
        if !calls_with(&prerm, &installed, "uninstall") {
            out.add(
                Tag::RulesNotCalled,
                place_of("prerm", &prerm),
                format!(
                    "{}: .../{installed} uninstall, so the plugin's uninstall step would not run",
                    missing(&prerm, "prerm")
                ),
            );
        }
        // Unknown (an unreadable plugin.yml): no guess, no finding made up.
        let Some(format) = s.format.filter(|&f| f != 0) else {
            return;
        };
        let saves_backup = |t: &String| {
            script::expand_assigned(t)
                .iter()
                .any(|line| line.contains(&backup))
        };
        if prerm.as_ref().is_some_and(|t| !saves_backup(t)) {
            out.add(
                Tag::RulesNotCalled,
                place_of("prerm", &prerm),
                format!(
                    "prerm does not save the rules file as /{}/{backup}, so postrm cannot run \
                     it (plugin_format_version {})",
                    crate::plugin::wazo::RULES_BACKUP_DIR,
                    format
                ),
            );
        }
        let postrm = script("postrm");
        if !calls_with(&postrm, &backup, "postrm") {
            let why = if calls_with(&postrm, &installed, "postrm") {
                "postrm runs the installed rules file, which dpkg has already removed by then; \
                 run the copy prerm saved"
                    .to_string()
            } else {
                format!(
                    "{}: the saved .../{backup} postrm (plugin_format_version {})",
                    missing(&postrm, "postrm"),
                    format
                )
            };
            out.add(Tag::RulesNotCalled, place_of("postrm", &postrm), why);
        }
    }
}

/// True when `text` (a script, if present) runs `target` with `word` as its first argument.
fn calls_with(text: &Option<String>, target: &str, word: &str) -> bool {
    text.as_deref()
        .is_some_and(|t| script::calls(t, target).iter().any(|w| w == word))
}
