//! Container logs in the CRI format, where the kubelet keeps them:
//! `<RFC3339Nano time> <stream> <F|P> <text>` per line, `P` for a part of
//! a line longer than the runtime's buffer.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use podplay_core::time::{Epoch, MonoTime};

/// containerd's buffer: a longer line is written in `P` parts.
const MAX_LINE: usize = 16 * 1024;
/// What `FallbackToLogsOnError` keeps: the last 80 lines, 2 KiB at most.
const TAIL_LINES: usize = 80;
const TAIL_BYTES: usize = 2048;

/// One stream of a container, read without blocking.
pub struct Stream {
    pub name: &'static str,
    pub fd: OwnedFd,
    pending: Vec<u8>,
    pub open: bool,
}

impl Stream {
    pub fn new(name: &'static str, fd: OwnedFd) -> Stream {
        let _ = nix::fcntl::fcntl(fd.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK));
        Stream { name, fd, pending: Vec::new(), open: true }
    }
}

/// A container instance's log file and its streams.
pub struct ContainerLog {
    file: Option<File>,
    pub streams: Vec<Stream>,
    /// The text of the last lines, for the termination message fallback.
    tail: Vec<String>,
}

impl ContainerLog {
    pub fn create(path: &Path, streams: Vec<Stream>) -> Result<ContainerLog, String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        }
        let file = File::create(path).map_err(|e| format!("create log {}: {e}", path.display()))?;
        Ok(ContainerLog { file: Some(file), streams, tail: Vec::new() })
    }

    /// Reads what the streams have and writes it out; `closing` writes a
    /// last unterminated line too.
    pub fn pump(&mut self, now: MonoTime, epoch: Epoch, closing: bool) {
        let stamp = rfc3339_nano(epoch, now);
        for i in 0..self.streams.len() {
            let mut chunk = [0u8; 8192];
            loop {
                let stream = &mut self.streams[i];
                if !stream.open {
                    break;
                }
                match nix::unistd::read(stream.fd.as_raw_fd(), &mut chunk) {
                    Ok(0) => stream.open = false,
                    Ok(n) => stream.pending.extend_from_slice(&chunk[..n]),
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => break,
                }
            }
            self.write_lines(i, &stamp, closing || !self.streams[i].open);
        }
    }

    fn write_lines(&mut self, i: usize, stamp: &str, flush_partial: bool) {
        let name = self.streams[i].name;
        let pending = std::mem::take(&mut self.streams[i].pending);
        let mut rest: &[u8] = &pending;
        let mut out = Vec::new();
        loop {
            let (line, tag, consumed) = match rest.iter().position(|b| *b == b'\n') {
                Some(at) if at <= MAX_LINE => (&rest[..at], 'F', at + 1),
                _ if rest.len() > MAX_LINE => (&rest[..MAX_LINE], 'P', MAX_LINE),
                // Output that ends without a newline: containerd tags it P.
                _ if flush_partial && !rest.is_empty() => (rest, 'P', rest.len()),
                _ => break,
            };
            out.extend_from_slice(format!("{stamp} {name} {tag} ").as_bytes());
            out.extend_from_slice(line);
            out.push(b'\n');
            self.tail.push(String::from_utf8_lossy(line).into_owned());
            rest = &rest[consumed..];
        }
        self.streams[i].pending = rest.to_vec();
        if self.tail.len() > TAIL_LINES {
            self.tail.drain(..self.tail.len() - TAIL_LINES);
        }
        if let Some(file) = &mut self.file {
            let _ = file.write_all(&out);
        }
    }

    /// The last lines, at most 2 KiB, for `FallbackToLogsOnError`.
    pub fn tail(&self) -> String {
        let text = self.tail.join("\n");
        let start = text.len().saturating_sub(TAIL_BYTES);
        let start = (start..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text[start..].to_string()
    }
}

/// Go's `time.RFC3339Nano` of the wall time at `now`: trailing zeros of
/// the fraction dropped, as containerd writes its log lines.
pub fn rfc3339_nano(epoch: Epoch, now: MonoTime) -> String {
    let civil = podplay_core::time::civil::Civil::from_unix_millis(epoch.unix_millis_at(now));
    let mut text = civil.strftime("%Y-%m-%dT%H:%M:%S");
    let fraction = format!("{:09}", civil.nanosecond);
    let fraction = fraction.trim_end_matches('0');
    if !fraction.is_empty() {
        text.push('.');
        text.push_str(fraction);
    }
    text.push('Z');
    text
}
