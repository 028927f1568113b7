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
//!
//! indicatif's wide bar takes what the rest of the line leaves, which was nothing for a long
//! package name at 80 columns (and the line then wrapped). [`layout`] fits the line to the
//! terminal's width first: it shortens the name, then drops the rate, so the bar keeps at
//! least [`MIN_BAR`] columns.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Duration;

/// How long archiving runs before the bar appears, unless `PLUGINCTL_PROGRESS_DELAY_MS`
/// says otherwise (tests set it to 0).
const DELAY: Duration = Duration::from_millis(300);
/// How often the spinner and elapsed time move while nothing else changes.
const TICK: Duration = Duration::from_millis(100);

/// The narrowest bar drawn: below it the line says too little to be worth its room.
const MIN_BAR: usize = 10;
/// Shortest shortened name (with its `…`): shorter tells nothing.
const MIN_NAME: usize = 8;
/// Widest `{bytes}` or `{total_bytes}` (`1023.99 KiB`).
const BYTES_WIDTH: usize = 11;
/// Widest `{binary_bytes_per_sec}` (`1023.99 MiB/s`).
const RATE_WIDTH: usize = 13;
/// Widest `{elapsed:>3}` with its space (`59s`, `12m`, `1h`).
const ELAPSED_WIDTH: usize = 4;

/// The terminal's width in columns, from stderr (80 when it cannot tell).
fn terminal_width() -> usize {
    rustix::termios::tcgetwinsize(std::io::stderr())
        .ok()
        .map(|w| usize::from(w.ws_col))
        .filter(|&c| c > 0)
        .unwrap_or(80)
}

/// How the line fits `width` columns with a bar of at least [`MIN_BAR`]: the name as shown
/// (shortened with `…` first), and whether the rate is shown (dropped second). `files` is
/// the widest file counter (`339/339 files`).
pub(crate) fn layout(width: usize, name: &str, files: &str) -> (String, bool) {
    // Spinner and space, name and space, elapsed, "[" bar "] ", counter, space, bytes/total,
    // and indicatif keeps the last column free.
    let fixed = 2 + 1 + ELAPSED_WIDTH + 3 + files.chars().count() + 1 + 2 * BYTES_WIDTH + 1 + 1;
    let fit = |rate: bool| {
        let rate_cols = if rate { 1 + RATE_WIDTH } else { 0 };
        width.saturating_sub(fixed + rate_cols + MIN_BAR)
    };
    // Every package name starts with wazo-plugind-: it goes first, then the end is cut.
    let shorten = |room: usize| -> String {
        if name.chars().count() <= room {
            return name.to_string();
        }
        let short = name.strip_prefix("wazo-plugind-").unwrap_or(name);
        if short.chars().count() <= room {
            return short.to_string();
        }
        let mut s: String = short.chars().take(room.saturating_sub(1)).collect();
        s.push('…');
        s
    };
    let full = name.chars().count();
    if full <= fit(true) || fit(true) >= MIN_NAME {
        return (shorten(fit(true)), true);
    }
    let room = fit(false);
    if room >= MIN_NAME.min(full) {
        return (shorten(room), false);
    }
    // Very narrow: the bar and the counters only.
    (String::new(), false)
}

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
    /// Dropping it tells the thread that shows and moves the bar that archiving is over.
    cancel: Option<mpsc::Sender<()>>,
    waiter: Option<std::thread::JoinHandle<()>>,
}

/// How many of the entries ending at `ends` (in stream order) are done when `done` bytes of
/// the stream are.
pub(crate) fn entries_done(ends: &[u64], done: u64) -> usize {
    ends.partition_point(|&end| end <= done)
}

impl Progress {
    /// A bar that draws nothing.
    pub(crate) fn hidden() -> Progress {
        Progress { shown: None }
    }

    /// A bar labelled `label` over a stream of `total` bytes whose entries end at `ends`;
    /// shown after the delay, then moved every [`TICK`] to what `done` says is done (the
    /// compressor's count, which runs behind what was handed to it).
    pub(crate) fn new(
        label: &str,
        ends: Vec<u64>,
        total: u64,
        done: Box<dyn Fn() -> u64 + Send>,
    ) -> Progress {
        let files = ends.len();
        let (label, rate) = layout(terminal_width(), label, &format!("{files}/{files} files"));
        let rate = if rate { " {binary_bytes_per_sec}" } else { "" };
        let prefix = if label.is_empty() { "" } else { "{prefix} " };
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} {prefix}{{elapsed:>3}} [{{wide_bar}}] {{msg}} {{bytes}}/{{total_bytes}}{rate}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#>-");
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
            .with_style(style)
            .with_prefix(label)
            .with_message(format!("0/{files} files"));
        let delay = std::env::var("PLUGINCTL_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.trim().parse().ok())
            .map_or(DELAY, Duration::from_millis);
        let (cancel, cancelled) = mpsc::channel::<()>();
        let shown_bar = bar.clone();
        let waiter = crate::threads::spawn(move || {
            // Disconnected (archiving ended) before the delay: the bar never appears.
            if cancelled.recv_timeout(delay) != Err(mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            let moved = || {
                let now = done().min(total);
                shown_bar.set_message(format!("{}/{files} files", entries_done(&ends, now)));
                shown_bar.set_position(now);
            };
            moved();
            shown_bar.set_draw_target(ProgressDrawTarget::stderr());
            shown_bar.enable_steady_tick(TICK);
            while cancelled.recv_timeout(TICK) == Err(mpsc::RecvTimeoutError::Timeout) {
                moved();
            }
        });
        // No thread to spare for a bar: the build goes on without one.
        let Ok(waiter) = waiter else {
            return Progress::hidden();
        };
        Progress {
            shown: Some(Shown {
                bar,
                cancel: Some(cancel),
                waiter: Some(waiter),
            }),
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

#[cfg(test)]
mod tests {
    use super::entries_done;

    /// An entry counts once the compressor is past its last byte, not before.
    #[test]
    fn an_entry_is_done_when_the_stream_is_past_its_end() {
        let ends = [1024, 1536, 10_240];
        assert_eq!(entries_done(&ends, 0), 0);
        assert_eq!(entries_done(&ends, 1023), 0);
        assert_eq!(entries_done(&ends, 1024), 1);
        assert_eq!(entries_done(&ends, 10_239), 2);
        assert_eq!(entries_done(&ends, 10_240 + 1024), 3);
        assert_eq!(entries_done(&[], 5), 0);
    }
}
