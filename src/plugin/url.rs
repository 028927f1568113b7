//! The one rule for URLs that pluginctl writes or prints (the market entry's git URL and
//! homepage, the package's `Homepage` field and copyright `Source`, every message quoting
//! them): no credentials.
//!
//! CI checkouts clone with a token in the URL (`https://TOKEN@host/...`,
//! `https://gitlab-ci-token:TOKEN@host/...`), and both a market document and a package are
//! public. Any user information before the host is dropped from a URL with a scheme
//! (`user@`, `user:password@`, `TOKEN@`, `:TOKEN@`), with one exception: for ssh
//! (`ssh://`, `git+ssh://`, `ssh+git://`) a user name alone is the account to log in as
//! (`ssh://git@host/o/r.git`), not a secret, and is kept; a password there is dropped. The
//! scp-like form `git@github.com:o/r.git` is ssh too and cannot hold a password: kept as it
//! is. Secrets elsewhere in a URL (a query string) are not recognised.

/// A URL as pluginctl may show it, and whether something was removed to get there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Public {
    /// The URL without credentials.
    pub(crate) url: String,
    /// True when user information was removed.
    pub(crate) removed: bool,
}

/// `url` without the user information that may be a secret (see the module's rule).
pub(crate) fn public(url: &str) -> Public {
    let kept = |url: &str| Public {
        url: url.to_string(),
        removed: false,
    };
    let Some(scheme_end) = url.find("://") else {
        return kept(url);
    };
    let scheme = &url[..scheme_end];
    // A scheme is letters, digits, `+`, `-`, `.` (RFC 3986); anything else is no URL.
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return kept(url);
    }
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return kept(url);
    };
    let userinfo = &rest[..at];
    let ssh = matches!(
        scheme.to_ascii_lowercase().as_str(),
        "ssh" | "git+ssh" | "ssh+git"
    );
    let keep = match userinfo.split_once(':') {
        None if ssh && !userinfo.is_empty() => return kept(url),
        Some((user, _)) if ssh && !user.is_empty() => format!("{user}@"),
        _ => String::new(),
    };
    Public {
        url: format!("{}{keep}{}", &url[..scheme_end + 3], &rest[at + 1..]),
        removed: true,
    }
}

/// The warning given when [`public`] removed something from the URL `what` names.
pub(crate) fn removed_warning(what: &str, clean: &str) -> String {
    format!(
        "{what} carries credentials (user information before the host, a CI token?); \
         they were removed: {clean}"
    )
}

#[cfg(test)]
mod tests {
    use super::public;

    #[test]
    fn user_information_is_removed_except_an_ssh_login() {
        let cases = [
            ("https://TOKEN@host/o/r.git", "https://host/o/r.git"),
            (
                "https://gitlab-ci-token:s3cr3t@gitlab.com/g/p.git",
                "https://gitlab.com/g/p.git",
            ),
            ("https://:TOKEN@host/r", "https://host/r"),
            ("https://@host/r", "https://host/r"),
            ("HTTP://user@host:8080/r", "HTTP://host:8080/r"),
            ("https://a%40b:p%3A@host/r", "https://host/r"),
            ("https://u:p@[::1]:8443/r", "https://[::1]:8443/r"),
            ("git://tok@host/r", "git://host/r"),
            ("ftp://u:p@host", "ftp://host"),
            ("https://host/r?x=a@b", "https://host/r?x=a@b"),
            ("https://host/p@x:y", "https://host/p@x:y"),
            ("https://host#a@b", "https://host#a@b"),
            ("ssh://git@host/p.git", "ssh://git@host/p.git"),
            ("ssh://git:pw@host/p.git", "ssh://git@host/p.git"),
            ("git+ssh://git:pw@host/p.git", "git+ssh://git@host/p.git"),
            ("ssh://:pw@host/p.git", "ssh://host/p.git"),
            ("git@github.com:o/p.git", "git@github.com:o/p.git"),
            ("/srv/git/p.git", "/srv/git/p.git"),
            ("file:///srv/a@b/p.git", "file:///srv/a@b/p.git"),
            ("we ird://u@h/", "we ird://u@h/"),
        ];
        for (url, clean) in cases {
            let got = public(url);
            assert_eq!(got.url, clean, "{url}");
            assert_eq!(got.removed, url != clean, "{url}");
        }
    }
}
