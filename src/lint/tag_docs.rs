//! The tag registry as text: `--explain TAG`, `--list-tags`, and the page
//! docs/lint-tags.md that a test keeps in sync with the registry.

use super::{tags, TAGS};
use crate::{Error, Result};

/// Wraps text at `width` columns (for `--explain` in a terminal).
fn wrap(text: &str, width: usize) -> String {
    let mut out = crate::deb::text::wrap_words(text, width).join("\n");
    out.push('\n');
    out
}

/// The text of `--explain TAG`, or a usage error naming the closest tags.
pub(crate) fn explain(name: &str) -> Result<String> {
    let Some(info) = tags::find(name) else {
        let hint = super::allow::nearest_hint(name);
        return Err(Error::Usage(format!(
            "--explain {name}: no such tag{hint} (`pluginctl lint --list-tags` lists them)"
        )));
    };
    Ok(format!(
        "{} ({}, {})\n\n{}",
        info.name,
        info.severity.word(),
        info.scope.describe(),
        wrap(info.explanation, 78)
    ))
}

/// The tag list of `--list-tags`: `tag  severity  scope`, one per line.
pub(crate) fn list_tags() -> String {
    let width = TAGS.iter().map(|t| t.name.len()).max().unwrap_or(0);
    TAGS.iter()
        .map(|t| {
            format!(
                "{:width$}  {} ({})\n",
                t.name,
                t.severity.letter(),
                t.scope.describe()
            )
        })
        .collect()
}

/// The Markdown page `docs/lint-tags.md`, generated from the registry.
#[cfg(test)]
pub(crate) fn tags_markdown() -> String {
    let mut out = String::from(
        "# pluginctl lint tags\n\n\
         <!-- Generated from src/lint/tags.rs; do not edit by hand. Regenerate with\n     \
         PLUGINCTL_BLESS=1 cargo test --lib lint::tests::tag_doc_is_in_sync -->\n\n\
         Each finding of `pluginctl lint` names one of these tags. Severity: **E** error \
         (exit status 1), **W** warning (an error with `--deny-warnings`), **I** info. \
         `pluginctl lint --explain TAG` prints the same text.\n\n\
         | tag | severity | checked on |\n|---|---|---|\n",
    );
    for t in TAGS {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} |\n",
            t.name,
            t.severity.letter(),
            t.scope.describe()
        ));
    }
    for t in TAGS {
        out.push_str(&format!(
            "\n## {}\n\n{}, {}.\n\n{}",
            t.name,
            t.severity.word(),
            t.scope.describe(),
            wrap(t.explanation, 90)
        ));
    }
    out
}
