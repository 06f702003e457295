//! Standard output that never panics: `podplay … | head` closes the pipe
//! early, and `println!` would panic on the broken pipe.

use std::io::Write;

#[derive(Default)]
pub struct Out {
    buffer: String,
}

impl Out {
    pub fn line(&mut self, line: &str) {
        self.buffer.push_str(line);
        self.buffer.push('\n');
    }

    pub fn text(&mut self, text: &str) {
        self.buffer.push_str(text);
    }

    /// What was collected, taken out.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.buffer)
    }

    /// Writes what was collected; a closed pipe ends the process quietly.
    pub fn flush(&mut self) {
        let mut stdout = std::io::stdout().lock();
        let result = stdout.write_all(self.buffer.as_bytes()).and_then(|()| stdout.flush());
        self.buffer.clear();
        if let Err(e) = result {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: cannot write output: {e}");
            std::process::exit(2);
        }
    }
}
