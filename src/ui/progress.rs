//! The archiving progress bar on stderr, drawn by indicatif.
//!
//! indicatif rather than an own bar: it sizes the bar to the terminal's width (and redraws on
//! resize), accounts for a line the terminal wrapped when it erases, limits the redraw rate,
//! shows elapsed time and rate, and keeps a spinner moving from its own thread while a
//! compressor holds the pipeline on one big file. The own bar did none of that and would
//! need a terminal-size query, a tick thread and width arithmetic to get there.
//!
//! The bar is drawn only when stderr is a terminal whose `TERM` is not `dumb`, never with
//! `--quiet`, and only once archiving has run for a moment (`PLUGINCTL_PROGRESS_DELAY_MS`,
//! 300 ms by default), so quick builds never flash it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Duration;

/// How long archiving runs before the bar appears, unless `PLUGINCTL_PROGRESS_DELAY_MS`
/// says otherwise (tests set it to 0).
const DELAY: Duration = Duration::from_millis(300);
/// How often the spinner and elapsed time move while nothing else changes.
const TICK: Duration = Duration::from_millis(100);

/// True when a progress bar may be drawn on stderr: a terminal that can move its cursor.
pub(crate) fn stderr_can_draw() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| !t.is_empty() && t != "dumb")
}

/// A progress bar for archiving a known number of files and bytes; erased when dropped.
#[derive(Debug)]
pub(crate) struct Progress {
    shown: Option<Shown>,
}

#[derive(Debug)]
struct Shown {
    bar: ProgressBar,
    files: u64,
    total_files: u64,
    /// Dropping it tells the thread waiting to show the bar that archiving is over.
    cancel: Option<mpsc::Sender<()>>,
    waiter: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// A bar that draws nothing.
    pub(crate) fn hidden() -> Progress {
        Progress { shown: None }
    }

    /// A bar labelled `label` for `files` entries of `bytes` bytes, shown after the delay.
    pub(crate) fn new(label: &str, files: u64, bytes: u64) -> Progress {
        let style = ProgressStyle::with_template(
            "{spinner} {prefix} {elapsed:>3} [{wide_bar}] {msg} {bytes}/{total_bytes} {binary_bytes_per_sec}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#>-");
        let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::hidden())
            .with_style(style)
            .with_prefix(label.to_string())
            .with_message(format!("0/{files} files"));
        let delay = std::env::var("PLUGINCTL_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.trim().parse().ok())
            .map_or(DELAY, Duration::from_millis);
        let (cancel, cancelled) = mpsc::channel::<()>();
        let shown_bar = bar.clone();
        let waiter = crate::threads::spawn(move || {
            // Disconnected (archiving ended) before the delay: the bar never appears.
            if cancelled.recv_timeout(delay) == Err(mpsc::RecvTimeoutError::Timeout) {
                shown_bar.set_draw_target(ProgressDrawTarget::stderr());
                shown_bar.enable_steady_tick(TICK);
            }
        });
        // No thread to spare for a bar: the build goes on without one.
        let Ok(waiter) = waiter else {
            return Progress::hidden();
        };
        Progress {
            shown: Some(Shown {
                bar,
                files: 0,
                total_files: files,
                cancel: Some(cancel),
                waiter: Some(waiter),
            }),
        }
    }

    /// One more entry of `bytes` bytes is archived.
    pub(crate) fn advance(&mut self, bytes: u64) {
        if let Some(s) = &mut self.shown {
            s.files += 1;
            s.bar
                .set_message(format!("{}/{} files", s.files, s.total_files));
            s.bar.inc(bytes);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(s) = &mut self.shown {
            drop(s.cancel.take());
            if let Some(w) = s.waiter.take() {
                let _ = w.join();
            }
            // Erases every line the bar drew, so the next message starts clean.
            s.bar.finish_and_clear();
        }
    }
}
