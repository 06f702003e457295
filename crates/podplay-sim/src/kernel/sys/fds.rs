//! Descriptors and pipes.

use litemap::LiteMap;

use super::{Sys, poll_fn_state};
use crate::kernel::errno::Errno;
use crate::kernel::{Fd, limits};

impl Sys {
    pub fn fd(&self, n: i32) -> Option<Fd> {
        self.proc(|p| p.fds.get(&n).cloned()).flatten()
    }

    pub fn fds(&self) -> LiteMap<i32, Fd> {
        self.proc(|p| p.fds.clone()).unwrap_or_default()
    }

    /// Writes to a descriptor: the container log, a pipe, a file.
    pub fn write_fd(&self, n: i32, data: &[u8]) -> Result<(), Errno> {
        match self.fd(n) {
            None | Some(Fd::Null) => Ok(()),
            Some(Fd::Tty) => Ok(()),
            // stdout and stderr share the log, as `kubectl logs` shows it.
            Some(Fd::Log { container, .. }) => {
                self.with(|s| s.write_log(&container, data));
                Ok(())
            }
            Some(Fd::Pipe { id, .. }) => self.with(|s| {
                let pipe = s.pipes.get_mut(&id).ok_or(Errno::Again)?;
                if pipe.readers == 0 {
                    return Err(Errno::Again);
                }
                // The whole write goes in (Linux would block inside it until
                // the reader took the rest); the writer then waits at its
                // next tick while the pipe is full.
                let room = limits::PIPE_WRITE_BYTES.saturating_sub(pipe.buffer.len());
                pipe.buffer.extend(data.iter().take(room));
                s.bump();
                Ok(())
            }),
            Some(Fd::File { path, append }) => {
                let result = self.write_file(&path, data, append);
                // Later writes through the same descriptor append.
                self.proc_mut(|p| p.fds.insert(n, Fd::File { path, append: true }));
                result
            }
        }
    }

    /// Reads what is available from a descriptor, waiting for data; an empty
    /// result means end of file.
    pub async fn read_fd(&self, n: i32) -> Vec<u8> {
        match self.fd(n) {
            Some(Fd::Pipe { id, .. }) => {
                poll_fn_state(self, move |s| {
                    let Some(pipe) = s.pipes.get_mut(&id) else {
                        return Some(Vec::new());
                    };
                    if !pipe.buffer.is_empty() {
                        let data: Vec<u8> = pipe.buffer.drain(..).collect();
                        s.bump();
                        return Some(data);
                    }
                    (pipe.writers == 0).then(Vec::new)
                })
                .await
            }
            Some(Fd::File { path, .. }) => {
                // A file as stdin is read whole at once; later reads see EOF.
                let data = self.read_file(&path).unwrap_or_default();
                self.proc_mut(|p| p.fds.insert(n, Fd::Null));
                data
            }
            Some(Fd::Tty) => {
                // Nobody types: block forever (until a signal ends us).
                poll_fn_state(self, |_| None::<Vec<u8>>).await
            }
            _ => Vec::new(),
        }
    }

    /// A new pipe, both ends held by this process (release them with
    /// [`Sys::close`]): (read end, write end).
    pub fn pipe(&self) -> (Fd, Fd) {
        let id = self.with(|s| s.new_pipe(1, 1));
        (Fd::Pipe { id, write: false }, Fd::Pipe { id, write: true })
    }

    /// Releases this process's hold on a descriptor (pipes count their ends).
    pub fn close(&self, fd: &Fd) {
        self.with(|s| {
            s.close_fd(fd);
            s.bump();
        });
    }

    /// Replaces the process's descriptor table (the shell does this around
    /// builtins with redirections); returns the old one.
    pub fn set_fds(&self, fds: LiteMap<i32, Fd>) -> LiteMap<i32, Fd> {
        self.proc_mut(|p| std::mem::replace(&mut p.fds, fds)).unwrap_or_default()
    }
}
