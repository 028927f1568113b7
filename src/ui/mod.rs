//! What the user sees and sends: the report (messages, progress), and interrupts.

pub(crate) mod progress;
pub(crate) mod report;
pub mod signals;
pub(crate) mod tail;
