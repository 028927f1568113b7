//! The parts of the manual pages that clap cannot derive: each command's EXAMPLES, the exit
//! statuses that command can return (and no other), and the pluginctl-plugin.yml(5) page
//! that describes the file a plugin author writes.

use clap_mangen::roff::{bold, roman, Roff};

/// Examples of a command: (command line, what it does). `None`: the top page.
pub(crate) fn examples(command: Option<&str>) -> &'static [(&'static str, &'static str)] {
    match command {
        None => &[
            (
                "pluginctl new hello -n acme",
                "Create a plugin that builds and lints clean.",
            ),
            (
                "cd hello && pluginctl build",
                "Build it into hello/../ (the folder above the plugin).",
            ),
            (
                "pluginctl lint --deny-warnings",
                "Check the plugin as CI does.",
            ),
        ],
        Some("build") => &[
            (
                "pluginctl build",
                "Build the plugin found in the current folder or above it.",
            ),
            (
                "pluginctl build plugins/*/ -o public/",
                "Build every plugin folder (the trailing / skips files such as a README).",
            ),
            (
                "pluginctl build --deny-warnings -Z zstd",
                "Stop on any lint warning; compress with zstd.",
            ),
        ],
        Some("lint") => &[
            (
                "pluginctl lint",
                "Check the plugin found in the current folder or above it.",
            ),
            (
                "pluginctl lint --deny-warnings out/*.deb",
                "Check packages; warnings fail too.",
            ),
            (
                "pluginctl lint --allow rules-no-set-e",
                "Accept every finding of one tag.",
            ),
            (
                "pluginctl lint --explain deb-in-checkout",
                "Say why a tag matters and how to fix it.",
            ),
        ],
        Some("inspect") => &[
            (
                "pluginctl inspect out/x.deb",
                "Show the control fields, scripts, plugin.yml and files.",
            ),
            (
                "pluginctl inspect --json out/x.deb",
                "The same as one JSON document.",
            ),
        ],
        Some("new") => &[(
            "pluginctl new hello -n acme",
            "Create ./hello with plugin.yml, rules and a README.",
        )],
        Some("index") => &[
            (
                "pluginctl index public/",
                "Write Packages, Packages.gz and Release for the .deb files there.",
            ),
            (
                "pluginctl index --sign key.asc --valid-for 7 -q public/",
                "Sign it, valid for 7 days from now; print nothing.",
            ),
        ],
        Some("market") => &[
            (
                "pluginctl market",
                "Print the market entry of the plugin found here or above.",
            ),
            (
                "pluginctl market --ref v1.2.0 --into market.json",
                "Add this version to a market file.",
            ),
        ],
        Some("completions") => &[(
            "pluginctl completions bash > /etc/bash_completion.d/pluginctl",
            "Install bash completions.",
        )],
        Some("man") => &[(
            "pluginctl man --dir /usr/local/share/man/man1",
            "Write every manual page.",
        )],
        Some(_) => &[],
    }
}

/// Writes the EXAMPLES section.
pub(crate) fn render_examples(roff: &mut Roff, command: Option<&str>) {
    let rows = examples(command);
    if rows.is_empty() {
        return;
    }
    roff.control("SH", ["EXAMPLES"]);
    for (line, what) in rows {
        roff.control("TP", []);
        roff.text([bold(*line)]);
        roff.text([roman(*what)]);
    }
}

/// The exit statuses `command` can return (`None`: any command, on the top page).
pub(crate) fn statuses(command: Option<&str>) -> &'static [&'static str] {
    match command {
        None | Some("build") => &["0", "1", "2", "3", "4", "128+N"],
        Some("lint") | Some("inspect") | Some("index") => &["0", "1", "2", "128+N"],
        Some("market") => &["0", "1", "2", "3"],
        Some(_) => &["0", "1", "2"],
    }
}

/// The pluginctl-plugin.yml(5) page.
pub(crate) fn plugin_yml_page() -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION");
    let mut roff = Roff::new();
    roff.control("SH", ["NAME"]);
    roff.text([roman("plugin.yml - the manifest of a Wazo PBX plugin")]);
    roff.control("SH", ["SYNOPSIS"]);
    roff.text([bold("PLUGIN/wazo/plugin.yml")]);
    roff.control("SH", ["DESCRIPTION"]);
    roff.text([roman(
        "A YAML mapping next to the executable wazo/rules. The Wazo daemon (wazo-plugind) \
         reads it with a YAML 1.1 reader, so a version such as 1.10 must be quoted; \
         pluginctl build checks it before any rules step runs, and pluginctl lint reports \
         every problem at once.",
    )]);
    roff.control("SH", ["KEYS"]);
    let keys: [(&str, &str); 12] = [
        (
            "name",
            "Required. a-z, 0-9 and -. The package is wazo-plugind-NAME-NAMESPACE.",
        ),
        ("namespace", "Required. a-z and 0-9."),
        (
            "version",
            "Required. A Debian version, taken as written (quote it: \"1.10\").",
        ),
        (
            "plugin_format_version",
            "0, 1 or 2 (unquoted); from 1, rules postrm runs after removal.",
        ),
        (
            "display_name",
            "The package's synopsis and the market's title.",
        ),
        (
            "description",
            "The package's long description and the market's page.",
        ),
        (
            "author",
            "Shown in the market; when it reads Name <email>, the package's Maintainer.",
        ),
        ("homepage", "The package's Homepage field."),
        (
            "depends",
            "A list of {name, namespace} mappings: plugins installed first.",
        ),
        (
            "debian_depends",
            "A list of Debian relations (curl, python3 (>= 3.9)): the Depends field.",
        ),
        (
            "min_wazo_version, max_wazo_version",
            "The Wazo versions the plugin installs on.",
        ),
        (
            "icon, color, tags",
            "Kept for the market (pluginctl market copies them).",
        ),
    ];
    for (key, what) in keys {
        roff.control("TP", []);
        roff.text([bold(key)]);
        roff.text([roman(what)]);
    }
    roff.control("SH", ["EXAMPLES"]);
    roff.control("nf", []);
    roff.text([roman(
        "name: hello\nnamespace: acme\nversion: \"1.10\"\nplugin_format_version: 1\n\
         display_name: Hello\ndescription: Says hello.\nauthor: Acme Telecom <dev@acme.example>\n\
         debian_depends:\n  - curl\n",
    )]);
    roff.control("fi", []);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("pluginctl-build"),
        roman("(1), "),
        bold("pluginctl-lint"),
        roman("(1), "),
        bold("pluginctl-new"),
        roman("(1)"),
    ]);
    let mut out =
        format!(".TH pluginctl-plugin.yml 5 \"\" \"pluginctl {version}\" \"pluginctl manual\"\n")
            .into_bytes();
    out.extend_from_slice(roff.to_roff().as_bytes());
    out
}
