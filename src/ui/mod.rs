//! What the user sees and sends: the report (messages, progress), and interrupts.

pub mod progress;
pub mod report;
pub mod signals;
pub mod tail;
