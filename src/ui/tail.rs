//! The last lines of a rules step, kept while `--quiet` hides its output, so that a failing
//! step still shows why it failed (quiet hides chatter, never the cause of an error).

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many lines of a failing step are shown.
pub(crate) const LINES: usize = 20;
/// Longest line kept; the rest of a longer one is cut.
const MAX_LINE: usize = 4096;

/// The last [`LINES`] lines written by a step (its stdout and stderr share one pipe, so
/// they are kept in the order written).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tail(Arc<Mutex<Lines>>);

#[derive(Debug, Default)]
struct Lines {
    done: VecDeque<Vec<u8>>,
}

impl Tail {
    fn lock(&self) -> MutexGuard<'_, Lines> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets what an earlier step wrote.
    pub(crate) fn clear(&self) {
        self.lock().done.clear();
    }

    /// A sink for one stream of the step.
    pub(crate) fn sink(&self) -> Box<dyn Write + Send> {
        Box::new(TailSink {
            tail: self.clone(),
            pending: Vec::new(),
        })
    }

    /// The kept lines, oldest first, without their newlines.
    pub(crate) fn lines(&self) -> Vec<Vec<u8>> {
        self.lock().done.iter().cloned().collect()
    }

    fn push(&self, mut line: Vec<u8>) {
        line.truncate(MAX_LINE);
        let mut lines = self.lock();
        if lines.done.len() == LINES {
            lines.done.pop_front();
        }
        lines.done.push_back(line);
    }
}

struct TailSink {
    tail: Tail,
    pending: Vec<u8>,
}

impl Write for TailSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            if b == b'\n' {
                self.tail.push(std::mem::take(&mut self.pending));
            } else if self.pending.len() < MAX_LINE {
                self.pending.push(b);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            self.tail.push(std::mem::take(&mut self.pending));
        }
        Ok(())
    }
}
