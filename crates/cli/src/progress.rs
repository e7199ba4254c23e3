//! Progress bars for long work (imports, generation).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar with a known total.
pub fn bar(total: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// A spinner counting items of unknown total.
pub fn counter(what: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {pos} ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(what.to_string());
    pb
}

/// The progress hook of long work (`dixian_store::jobs::Progress`, the one
/// the web's background jobs use) drawn as a bar: its length the phase's
/// total, its message the phase. The command line never cancels.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar with nothing done yet.
    pub fn new(what: &str) -> Bar {
        Bar(bar(0, what))
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl dixian_store::jobs::Progress for Bar {
    fn tick(&self, done: u64, total: u64, phase: dixian_store::jobs::Phase) {
        if self.0.length() != Some(total) {
            self.0.set_length(total);
        }
        self.0.set_message(phase.code());
        self.0.set_position(done);
    }

    fn cancelled(&self) -> bool {
        false
    }
}
