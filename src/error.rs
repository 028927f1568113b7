//! The one error type of pluginctl, and the exit status each kind of failure maps to.
//!
//! Every message is a single line that names the file, the place and the cause, so that a CI
//! log shows what went wrong without scrolling. The exit statuses are documented in docs/reference.md.
//! Variants that have a structure keep it (path, line, column, the I/O error behind them) and
//! are rendered to text only when shown.

use crate::interrupt::signal_name;
use std::fmt;
use std::path::PathBuf;

/// Exit status: success.
pub(crate) const EXIT_OK: i32 = 0;
/// Exit status: an operational failure (I/O, output folder, unreadable package, lint errors).
pub(crate) const EXIT_FAILURE: i32 = 1;
/// Exit status: the command line was wrong (clap uses it too).
pub(crate) const EXIT_USAGE: i32 = 2;
/// Exit status: the plugin checkout is invalid (manifest, rules file, staged tree).
pub(crate) const EXIT_INVALID_PLUGIN: i32 = 3;
/// Exit status: a `wazo/rules` step failed.
pub(crate) const EXIT_RULES_FAILED: i32 = 4;

/// Everything that can stop a pluginctl command.
#[derive(Debug)]
pub(crate) enum Error {
    /// The plugin checkout is invalid: `path: problem`, the problem naming place and fix.
    Plugin {
        /// The file or folder at fault, as shown to the user (none for a fault between
        /// plugins, such as a dependency cycle).
        path: Option<PathBuf>,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// A `wazo/rules` step failed or could not be started: `rules: step: what happened`.
    Rules {
        /// The rules file as shown to the user.
        rules: PathBuf,
        /// The step, as `rules build`.
        step: String,
        /// What happened to it.
        failure: RulesFailure,
    },
    /// A plugin.yml error at a place: `file:line:column: message`.
    Manifest {
        /// The manifest as shown to the user.
        file: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// An I/O error on a path: `path: doing: cause`.
    File {
        /// The file or folder.
        path: PathBuf,
        /// What pluginctl was doing with it.
        doing: String,
        /// The error the system gave.
        source: std::io::Error,
    },
    /// Reading or writing failed outside the plugin's own files (output folder, disk).
    Io(String),
    /// A `.deb` given to `inspect` or `index` could not be read: `path: problem`.
    Package {
        /// The package.
        path: PathBuf,
        /// Where and why, with the fix when there is one.
        problem: String,
        /// The read error behind it, if there was one.
        source: Option<std::io::Error>,
    },
    /// The command line or the set of inputs does not make sense together.
    Usage(String),
    /// The user (or a supervisor) sent this signal; we cleaned up and stop.
    Interrupted(i32),
    /// Several plugins were built with `--keep-going` and some failed; the status is the
    /// first failure's.
    Batch {
        /// The plugins that failed, in order.
        failed: Vec<String>,
        /// How many plugins there were.
        total: usize,
        /// The first failure.
        first: Box<Error>,
    },
}

/// How a `wazo/rules` step failed.
#[derive(Debug)]
pub(crate) enum RulesFailure {
    /// It could not be started.
    Start(std::io::Error),
    /// Waiting for it failed.
    Wait(std::io::Error),
    /// It ended with this status (an exit code, or the signal that killed it).
    Ended(std::process::ExitStatus),
    /// Run as the unprivileged build user, it failed after being refused this path.
    Refused {
        /// How it ended.
        status: std::process::ExitStatus,
        /// The path named by its own error line.
        path: String,
    },
}

impl Error {
    /// The process exit status for this error.
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            Error::Plugin { .. } | Error::Manifest { .. } => EXIT_INVALID_PLUGIN,
            Error::Rules { .. } => EXIT_RULES_FAILED,
            Error::Io(_) | Error::File { .. } | Error::Package { .. } => EXIT_FAILURE,
            Error::Usage(_) => EXIT_USAGE,
            Error::Interrupted(sig) => 128 + sig,
            Error::Batch { first, .. } => first.exit_code(),
        }
    }

    /// An I/O error on `path`, as one line: `<path>: <what we were doing>: <cause>`.
    pub(crate) fn io(path: impl AsRef<std::path::Path>, doing: &str, err: std::io::Error) -> Error {
        if let Some(sig) = crate::interrupt::pending() {
            return Error::Interrupted(sig);
        }
        Error::File {
            path: path.as_ref().to_path_buf(),
            doing: doing.to_string(),
            source: err,
        }
    }

    /// The plugin checkout is invalid at `path` (as shown to the user).
    pub(crate) fn plugin(path: impl Into<PathBuf>, problem: impl Into<String>) -> Error {
        Error::Plugin {
            path: Some(path.into()),
            problem: problem.into(),
        }
    }

    /// The same error with every path it names passed through `show` (`build --ref`
    /// names the files of its temporary clone as `REF:path`).
    pub(crate) fn shown_through(self, show: &dyn Fn(&std::path::Path) -> PathBuf) -> Error {
        match self {
            Error::Plugin { path, problem } => Error::Plugin {
                path: path.map(|p| show(&p)),
                problem,
            },
            Error::Rules {
                rules,
                step,
                failure,
            } => Error::Rules {
                rules: show(&rules),
                step,
                failure,
            },
            Error::Manifest {
                file,
                line,
                column,
                message,
            } => Error::Manifest {
                file: show(&file),
                line,
                column,
                message,
            },
            Error::File {
                path,
                doing,
                source,
            } => Error::File {
                path: show(&path),
                doing,
                source,
            },
            Error::Package {
                path,
                problem,
                source,
            } => Error::Package {
                path: show(&path),
                problem,
                source,
            },
            Error::Batch {
                failed,
                total,
                first,
            } => Error::Batch {
                failed,
                total,
                first: Box::new(first.shown_through(show)),
            },
            other @ (Error::Io(_) | Error::Usage(_) | Error::Interrupted(_)) => other,
        }
    }

    /// The package at `path` cannot be used: `problem` says where, why and the fix.
    pub(crate) fn package(path: impl Into<PathBuf>, problem: impl Into<String>) -> Error {
        Error::Package {
            path: path.into(),
            problem: problem.into(),
            source: None,
        }
    }
}

/// A short, lower-case description of an I/O error, with a hint for the common ones.
pub(crate) fn describe_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let text = match err.raw_os_error() {
        Some(libc::ENOSPC) => return "no space left on device (free some space)".into(),
        Some(libc::EROFS) => return "read-only file system".into(),
        _ => err.to_string(),
    };
    let text = match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    let mut text = match text.chars().next() {
        Some(first) => first.to_lowercase().collect::<String>() + &text[first.len_utf8()..],
        None => text,
    };
    if err.kind() == PermissionDenied {
        text.push_str(" (check the folder's permissions)");
    }
    text
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(m) | Error::Usage(m) => f.write_str(m),
            Error::Plugin {
                path: Some(path),
                problem,
            } => write!(f, "{}: {problem}", path.display()),
            Error::Plugin {
                path: None,
                problem,
            } => f.write_str(problem),
            Error::Package { path, problem, .. } => write!(f, "{}: {problem}", path.display()),
            Error::Rules {
                rules,
                step,
                failure,
            } => {
                let rules = rules.display();
                match failure {
                    RulesFailure::Start(e) => {
                        write!(f, "{rules}: cannot run `{step}`: {}", describe_io(e))
                    }
                    RulesFailure::Wait(e) => {
                        write!(
                            f,
                            "{rules}: `{step}`: cannot wait for it: {}",
                            describe_io(e)
                        )
                    }
                    RulesFailure::Ended(status) => {
                        use std::os::unix::process::ExitStatusExt;
                        match (status.code(), status.signal()) {
                            (Some(code), _) => {
                                write!(f, "{rules}: `{step}` failed (exit status {code})")
                            }
                            (None, Some(sig)) => {
                                write!(f, "{rules}: `{step}` was killed by {}", signal_name(sig))
                            }
                            _ => write!(f, "{rules}: `{step}` failed ({status})"),
                        }?;
                        f.write_str("; nothing was written")
                    }
                    RulesFailure::Refused { status, path } => write!(
                        f,
                        "{rules}: `{step}` failed ({}) after it was refused {path}: a Wazo \
                         server runs the steps as an unprivileged user, who may write only \
                         in the plugin folder, $pkgdir and $TMPDIR; nothing was written",
                        match status.code() {
                            Some(code) => format!("exit status {code}"),
                            None => status.to_string(),
                        }
                    ),
                }
            }
            Error::Manifest {
                file,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", file.display()),
            Error::File {
                path,
                doing,
                source,
            } => write!(f, "{}: {doing}: {}", path.display(), describe_io(source)),
            Error::Interrupted(sig) => write!(
                f,
                "interrupted by {}; nothing was written",
                signal_name(*sig)
            ),
            Error::Batch { failed, total, .. } => write!(
                f,
                "{} of {total} plugins failed: {} (see the messages above)",
                failed.len(),
                failed.join(", ")
            ),
        }
    }
}

impl From<crate::interrupt::Interrupted> for Error {
    fn from(i: crate::interrupt::Interrupted) -> Error {
        Error::Interrupted(i.0)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::File { source, .. } => Some(source),
            Error::Package {
                source: Some(source),
                ..
            } => Some(source),
            Error::Rules {
                failure: RulesFailure::Start(e) | RulesFailure::Wait(e),
                ..
            } => Some(e),
            Error::Batch { first, .. } => Some(first.as_ref()),
            _ => None,
        }
    }
}

/// Shorthand for results in this crate.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
