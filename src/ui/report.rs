//! Everything the user sees goes through here: step progress, rules output, results and
//! errors, so that `--quiet` and tests see the same messages.
//!
//! Results meant for scripts (paths, JSON documents) go to stdout; everything else to
//! stderr. The progress bar is drawn only on a terminal, so logs and pipes never see it.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Verbosity {
    /// Errors only; rules output is dropped.
    Quiet,
    /// Rules output and one line per package.
    #[default]
    Normal,
    /// Also each step and its duration.
    Verbose,
}

/// The reporter handed to every step.
#[derive(Debug, Clone, Default)]
pub(crate) struct Report {
    verbosity: Verbosity,
    /// The last lines of the running rules step, kept with `--quiet`.
    tail: crate::ui::tail::Tail,
}

impl Report {
    /// A reporter at this verbosity.
    pub(crate) fn new(verbosity: Verbosity) -> Report {
        Report {
            verbosity,
            tail: Default::default(),
        }
    }

    /// A step begins.
    pub(crate) fn step_start(&self, label: &str) {
        self.tail.clear();
        if self.verbosity == Verbosity::Verbose {
            to_stderr("pluginctl", &format!("{label}: started"));
        }
    }

    /// A step ended successfully.
    pub(crate) fn step_done(&self, label: &str, took: Duration) {
        if self.verbosity == Verbosity::Verbose {
            to_stderr(
                "pluginctl",
                &format!("{label}: done in {:.3} s", took.as_secs_f64()),
            );
        }
    }

    /// A line of information (not shown with `--quiet`).
    pub(crate) fn info(&self, message: &str) {
        if self.verbosity != Verbosity::Quiet {
            to_stderr("pluginctl", message);
        }
    }

    /// A sink for a rules step's output: each line goes to stderr prefixed with `[label] `.
    pub(crate) fn rules_output(&self, label: &str) -> Box<dyn Write + Send> {
        if self.verbosity == Verbosity::Quiet {
            return self.tail.sink();
        }
        Box::new(LinePrefixer {
            prefix: Arc::from(format!("[{label}] ")),
            pending: Vec::new(),
        })
    }

    /// Prints a warning as one line (also with `--quiet`: a warning is never silent).
    pub(crate) fn warn(&self, message: &str) {
        to_stderr(&paint("warning", "1;33"), message);
    }

    /// A rules step failed: with `--quiet`, shows its last lines (hidden so far).
    pub(crate) fn step_failed(&self, label: &str) {
        if self.verbosity != Verbosity::Quiet {
            return;
        }
        let mut out = Vec::new();
        for line in self.tail.lines() {
            out.extend_from_slice(format!("[{label}] ").as_bytes());
            out.extend_from_slice(&line);
            out.push(b'\n');
        }
        let _ = std::io::stderr().lock().write_all(&out);
    }

    /// Prints an error as one line.
    pub(crate) fn error(&self, message: &str) {
        to_stderr(&paint("error", "1;31"), message);
    }

    /// Runs a step, showing its start and duration with `-v`.
    pub(crate) fn timed<T>(&self, label: &str, step: impl FnOnce() -> T) -> T {
        self.step_start(label);
        let started = Instant::now();
        let out = step();
        self.step_done(label, started.elapsed());
        out
    }

    /// Writes a result on stdout as is; a closed pipe (`| head`) ends the output quietly
    /// (as ripgrep does: the reader has what it wanted), any other failure (a full disk) is
    /// an error.
    pub(crate) fn stdout(&self, text: &str) -> crate::Result<()> {
        write_stdout(text)
    }

    /// A progress bar over a stream of `total` bytes whose entries end at `ends`, moved to
    /// what `done` reports (see [`crate::ui::progress`]): never with `--quiet` or when
    /// stderr cannot draw it.
    pub(crate) fn progress(
        &self,
        label: &str,
        ends: Vec<u64>,
        total: u64,
        done: Box<dyn Fn() -> u64 + Send>,
    ) -> crate::ui::progress::Progress {
        if self.verbosity == Verbosity::Quiet || !crate::ui::progress::stderr_can_draw() {
            return crate::ui::progress::Progress::hidden();
        }
        crate::ui::progress::Progress::new(label, ends, total, done)
    }
}

/// Whether `warning:` and `error:` are coloured, decided once from `--color`.
static COLOR: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Decides the colouring from `--color` (`Some(true)` always, `Some(false)` never): `None`
/// (auto) colours when stderr is a terminal that is not `dumb` and `NO_COLOR` is unset or
/// empty (<https://no-color.org>).
pub(crate) fn set_color(when: Option<bool>) {
    use std::io::IsTerminal;
    let on = match when {
        Some(on) => on,
        None => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    };
    let _ = COLOR.set(on);
}

/// `word` in the SGR colour `sgr` when colouring is on, else as is.
fn paint(word: &str, sgr: &str) -> String {
    if COLOR.get().copied().unwrap_or(false) {
        format!("\x1b[{sgr}m{word}\x1b[0m")
    } else {
        word.to_string()
    }
}

/// Writes `text` on stdout and flushes it: a closed pipe is not an error, any other
/// failure is one line naming stdout.
pub(crate) fn write_stdout(text: &str) -> crate::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::Error::io("stdout", "cannot write", e)),
    }
}

/// Writes a message line on stderr: `prefix: message`. Never panics: when stderr itself
/// fails (closed pipe, full disk) there is nowhere left to say so, and the exit status still
/// tells. Every message is one line: a line break or a terminal control in a value it names
/// (a file name, a field) is escaped here, so it can never forge a line of its own; the
/// prefix is ours (its colour, when on, is the only escape sequence that reaches stderr).
fn to_stderr(prefix: &str, message: &str) {
    let mut line = format!("{prefix}: {}", one_line(message));
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `text` on one line, as shown: every control character escaped (`\n`, `\r`, `\t`, else
/// `\u{1b}`), and so are the invisible marks that reorder text on screen (bidirectional
/// overrides and isolates). A file named `x\nerror: fake.deb` is then shown as one name,
/// never as a second, forged `error:` line; nor can an escape sequence redraw the line.
pub(crate) fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, false)
}

/// As [`one_line`] but for a text of several lines, whose line breaks are kept: for output
/// whose values were escaped already, as a last guard against the other controls.
pub(crate) fn lines(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_line_breaks: bool) -> std::borrow::Cow<'_, str> {
    let shown = |c: char| {
        !(c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
            || (keep_line_breaks && c == '\n')
    };
    if text.chars().all(shown) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if shown(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `12.3 MiB`, `512 B`.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Longest partial line held back before it is written anyway.
const MAX_PENDING: usize = 64 << 10;

struct LinePrefixer {
    prefix: Arc<str>,
    pending: Vec<u8>,
}

impl LinePrefixer {
    fn emit(&self, line: &[u8]) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(self.prefix.len() + line.len() + 1);
        out.extend_from_slice(self.prefix.as_bytes());
        out.extend_from_slice(line);
        if !line.ends_with(b"\n") {
            out.push(b'\n');
        }
        std::io::stderr().lock().write_all(&out)
    }
}

impl Write for LinePrefixer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        // Emit every complete line, and cut an endless one into pieces of MAX_PENDING bytes,
        // then drop what was emitted in one move (not once per line).
        // On a write error the held bytes are dropped too, so they never pile up.
        let mut start = 0;
        let result = loop {
            let rest = &self.pending[start..];
            let end = match rest.iter().position(|&b| b == b'\n') {
                Some(nl) if nl < MAX_PENDING => nl + 1,
                _ if rest.len() >= MAX_PENDING => MAX_PENDING,
                _ => break Ok(buf.len()),
            };
            if let Err(e) = self.emit(&rest[..end]) {
                start = self.pending.len();
                break Err(e);
            }
            start += end;
        };
        self.pending.drain(..start);
        result
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_nothing_else() {
        assert_eq!(one_line("plain é ü 日本"), "plain é ü 日本");
        assert_eq!(
            one_line("x\nerror: fake.deb\r\t\u{1b}[2K\u{7f}\u{9b}"),
            "x\\nerror: fake.deb\\r\\t\\u{1b}[2K\\u{7f}\\u{9b}"
        );
        assert_eq!(one_line("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(lines("a\nb\u{1b}\n"), "a\nb\\u{1b}\n");
    }
}
