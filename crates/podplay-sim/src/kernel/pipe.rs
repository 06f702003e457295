//! Pipes: a buffer and counts of the ends processes hold.

use std::collections::VecDeque;

use super::Fd;
use super::state::State;

/// A pipe's buffer and ends.
#[derive(Clone, Debug, Default)]
pub(super) struct Pipe {
    pub(super) buffer: VecDeque<u8>,
    pub(super) writers: u32,
    pub(super) readers: u32,
}

impl State {
    /// A new pipe with `writers` and `readers` ends held; its id.
    pub(super) fn new_pipe(&mut self, writers: u32, readers: u32) -> u64 {
        let id = self.next_pipe;
        self.next_pipe += 1;
        self.pipes.insert(id, Pipe { buffer: VecDeque::new(), writers, readers });
        id
    }

    /// Releases a hold on a descriptor: a pipe with no ends left goes away.
    pub(super) fn close_fd(&mut self, fd: &Fd) {
        if let Fd::Pipe { id, write } = fd {
            if let Some(p) = self.pipes.get_mut(id) {
                if *write {
                    p.writers = p.writers.saturating_sub(1);
                } else {
                    p.readers = p.readers.saturating_sub(1);
                }
                if p.writers == 0 && p.readers == 0 {
                    self.pipes.remove(id);
                }
            }
        }
    }
}
