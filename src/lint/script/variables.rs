//! The variables a rules file expands and assigns, and those the Wazo daemon never sets,
//! for the rules-unset-variable check.

use super::strip_comment;

/// The variables a line expands (`$NAME`, `${NAME...}`), with their 1-based column.
pub(super) fn expansions(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut single = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\'' => single = !single,
            '\\' => i += 1,
            '$' if !single => {
                let start = i;
                let mut j = i + 1;
                if chars.get(j) == Some(&'{') {
                    j += 1;
                }
                let name: String = chars[j..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    out.push((start + 1, name));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// True when the script assigns NAME somewhere (`NAME=`, `export NAME=`, `for NAME in`,
/// `read ... NAME`), so that using it is the author's business.
pub(super) fn assigns(lines: &[String], name: &str) -> bool {
    let assignment = format!("{name}=");
    lines.iter().any(|l| {
        let code = strip_comment(l);
        code.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
            .any(|w| w.starts_with(&assignment))
            || code.contains(&format!("for {name} in"))
            || (code.trim_start().starts_with("read ")
                && code.split_whitespace().any(|w| w == name))
    })
}

/// Variables the Wazo daemon never sets, with what to do instead; `None` when it may be set.
pub(super) fn never_set(name: &str) -> Option<&'static str> {
    match name {
        "DEB_BUILD_OPTIONS" | "DEB_BUILD_PROFILES" => None,
        n if n.contains("MULTIARCH") && n.starts_with("DEB_") => {
            Some("compute it: $(dpkg-architecture -qDEB_HOST_MULTIARCH)")
        }
        n if n.starts_with("DEB_") && n.contains("ARCH") => {
            Some("compute it: $(dpkg --print-architecture)")
        }
        n if n.starts_with("DEB_") || n.starts_with("DH_") => {
            Some("it is set by dpkg-buildpackage and debhelper, which wazo-plugind does not run")
        }
        "srcdir" | "startdir" => {
            Some("the rules file runs in the plugin folder: use relative paths or $(pwd)")
        }
        "pkgname" | "pkgver" | "pkgrel" => Some("read the value from wazo/plugin.yml"),
        "DESTDIR" => Some("use $pkgdir in the package branch"),
        "CURDIR" => Some("the rules file runs in the plugin folder: use $(pwd)"),
        _ => None,
    }
}
