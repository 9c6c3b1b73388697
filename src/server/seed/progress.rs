//! Seeding's progress on the command line: a bar per step on a terminal, a
//! plain line per tenth of a step otherwise (a CI log, a pipe, a file), so a
//! log gets ten lines, not thousands of redraws.

use std::io::Write;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use super::Progress;

pub struct CommandLineProgress {
    current: Mutex<Step>,
    /// `None`: draw bars on the terminal.
    plain: Option<Mutex<Box<dyn Write + Send>>>,
}

#[derive(Default)]
struct Step {
    name: &'static str,
    total: u64,
    bar: Option<ProgressBar>,
    /// The next count worth a plain line.
    next_line: u64,
}

impl CommandLineProgress {
    /// Bars when standard error is a terminal, plain lines on standard
    /// output otherwise.
    pub fn for_this_terminal() -> Self {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            Self { current: Mutex::default(), plain: None }
        } else {
            Self::plain(Box::new(std::io::stdout()))
        }
    }

    pub fn plain(out: Box<dyn Write + Send>) -> Self {
        Self { current: Mutex::default(), plain: Some(Mutex::new(out)) }
    }

    /// Ends the last step's bar, leaving it on screen.
    pub fn finish(&self) {
        if let Ok(mut step) = self.current.lock()
            && let Some(bar) = step.bar.take()
        {
            bar.finish();
        }
    }

    fn line(&self, text: &str) {
        if let Some(out) = &self.plain
            && let Ok(mut out) = out.lock()
        {
            // A lost progress line is not worth stopping the seeding for.
            let _ = writeln!(out, "{text}");
        }
    }
}

impl Progress for CommandLineProgress {
    fn begin(&self, name: &'static str, total: u64) {
        self.finish();
        let Ok(mut step) = self.current.lock() else { return };
        *step = Step { name, total, bar: None, next_line: total.div_ceil(10).max(1) };
        if total == 0 {
            return;
        }
        if self.plain.is_none() {
            let style = ProgressStyle::with_template(
                "{msg:>9} [{bar:32}] {human_pos}/{human_len} {elapsed:>4} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            step.bar = Some(ProgressBar::new(total).with_style(style).with_message(name));
        } else {
            drop(step);
            self.line(&format!("seeding {name}: 0/{total}"));
        }
    }

    fn reached(&self, done: u64) {
        let Ok(mut step) = self.current.lock() else { return };
        if let Some(bar) = &step.bar {
            bar.set_position(done);
            return;
        }
        if step.total == 0 || done < step.next_line.min(step.total) {
            return;
        }
        let tenth = step.total.div_ceil(10).max(1);
        step.next_line = (done / tenth + 1) * tenth;
        let text = format!("seeding {}: {done}/{}", step.name, step.total);
        drop(step);
        self.line(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn off_a_terminal_each_step_writes_a_line_per_tenth_and_one_at_the_end() {
        let out = Shared::default();
        let progress = CommandLineProgress::plain(Box::new(out.clone()));
        progress.begin("listings", 1_000);
        for done in (50..=1_000).step_by(50) {
            progress.reached(done);
        }
        progress.begin("orders", 7);
        progress.reached(7);
        progress.begin("nothing", 0);
        progress.finish();
        let text = String::from_utf8(out.0.lock().map(|b| b.clone()).unwrap_or_default()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let mut expected = vec!["seeding listings: 0/1000".to_owned()];
        expected.extend((100..=1_000).step_by(100).map(|n| format!("seeding listings: {n}/1000")));
        expected.extend(["seeding orders: 0/7".to_owned(), "seeding orders: 7/7".to_owned()]);
        assert_eq!(lines, expected);
    }
}
