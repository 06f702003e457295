//! Containers' logs (what `kubectl logs` shows) and the outside log
//! store's documents, both capped.

use std::collections::VecDeque;

use super::limits;
use super::state::State;

/// A container's log: its complete lines, oldest first, at most
/// [`limits::LOG_BYTES`] of them; and the line being written.
#[derive(Clone, Debug, Default)]
pub(super) struct ContainerLog {
    lines: VecDeque<String>,
    /// Output after the last newline.
    partial: String,
    /// Bytes `lines` take, a newline each.
    bytes: usize,
}

impl ContainerLog {
    /// Appends output line by line; the oldest lines go past the cap.
    fn append(&mut self, data: &[u8]) {
        let mut text = std::mem::take(&mut self.partial);
        text.push_str(&String::from_utf8_lossy(data));
        // In one pass (draining line by line from the front would copy the
        // rest for every line); lines older than the log keeps are skipped.
        let mut rest = text.as_str();
        if rest.len() > 2 * limits::LOG_BYTES {
            let from = rest.len() - limits::LOG_BYTES;
            if let Some(nl) = rest.as_bytes()[from..].iter().position(|b| *b == b'\n') {
                rest = &rest[from + nl + 1..];
            }
        }
        while let Some(nl) = rest.find('\n') {
            self.push_line(rest[..nl].to_string());
            rest = &rest[nl + 1..];
        }
        self.partial = rest.to_string();
        // A writer that never ends its line still shows up in the log.
        if self.partial.len() > 4096 {
            let text = std::mem::take(&mut self.partial);
            self.push_line(text);
        }
    }

    /// Ends the line being written: its writer exited.
    pub(super) fn end_partial_line(&mut self) {
        if !self.partial.is_empty() {
            let text = std::mem::take(&mut self.partial);
            self.push_line(text);
        }
    }

    fn push_line(&mut self, line: String) {
        self.bytes += line.len() + 1;
        self.lines.push_back(line);
        while self.bytes > limits::LOG_BYTES {
            match self.lines.pop_front() {
                Some(old) => self.bytes -= old.len() + 1,
                None => break,
            }
        }
    }

    /// The complete lines, each with its newline.
    pub(super) fn text(&self) -> String {
        self.lines.iter().map(|l| format!("{l}\n")).collect()
    }

    /// The last `lines` lines, cut to the last `bytes` bytes (from a
    /// character boundary).
    pub(super) fn tail(&self, lines: usize, bytes: usize) -> String {
        let tail: Vec<&str> = self.lines.iter().rev().take(lines).map(String::as_str).collect();
        let mut text: String = tail.into_iter().rev().map(|l| format!("{l}\n")).collect();
        if text.len() > bytes {
            let mut cut = text.len() - bytes;
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            text = text[cut..].to_string();
        }
        text
    }
}

impl State {
    /// Appends output to a container's log.
    pub(super) fn write_log(&mut self, container: &str, data: &[u8]) {
        self.logs.entry(container.to_string()).or_default().append(data);
        self.bump();
    }

    /// The outside log store receives a document; like a log, it keeps the
    /// newest ones.
    pub(super) fn store_document(&mut self, doc: String) {
        let now = self.now;
        self.outside_bytes += doc.len();
        self.outside_store.push((now, doc));
        if self.outside_bytes > limits::STORE_BYTES {
            let mut drop = 0;
            while self.outside_bytes > limits::STORE_BYTES / 2 && drop < self.outside_store.len() {
                self.outside_bytes -= self.outside_store[drop].1.len();
                drop += 1;
            }
            self.outside_store.drain(..drop);
        }
        self.bump();
    }
}
