//! Calls in progress, and what the runtime notices after the kernel ran:
//! container exits, finished execs, expired grace periods.

use podplay_core::cri::{CallId, ContainerExit, CriReply};
use podplay_core::quote::go_quote;
use podplay_core::time::MonoTime;
use podplay_core::trace::Note;

use super::{Container, ContainerState, Containerd, Notes};
use crate::images;
use crate::kernel::{Kernel, KernelEvent, Pid, ResponseState, SIGKILL};

/// A call still in progress.
#[derive(Clone, Debug)]
pub(super) enum Pending {
    /// A reply decided already, handed over `at` (containerd's latency).
    Ready {
        call: CallId,
        at: MonoTime,
        reply: CriReply,
    },
    Pull {
        call: CallId,
        image: String,
        at: MonoTime,
        started: MonoTime,
    },
    Exec {
        call: CallId,
        pid: Pid,
        capture: u64,
        deadline: MonoTime,
        command_text: String,
    },
    Stop {
        call: CallId,
        container: String,
        kill_at: MonoTime,
        killed: bool,
    },
    StopSandbox {
        call: CallId,
        sandbox: String,
    },
    Http {
        call: CallId,
        conn: u64,
        deadline: MonoTime,
        url: String,
    },
}

/// A `StopContainer` in progress, taken apart.
struct Stop {
    call: CallId,
    container: String,
    kill_at: MonoTime,
    killed: bool,
}

impl Pending {
    /// When the call needs a look even if nothing else happens.
    fn due(&self) -> Option<MonoTime> {
        match self {
            Pending::Ready { at, .. } | Pending::Pull { at, .. } => Some(*at),
            Pending::Exec { deadline, .. } | Pending::Http { deadline, .. } => Some(*deadline),
            Pending::Stop { kill_at, killed: false, .. } => Some(*kill_at),
            _ => None,
        }
    }
}

impl Containerd {
    /// The next instant a pending call completes or needs a step.
    pub fn next_wakeup(&self) -> Option<MonoTime> {
        self.pending.iter().filter_map(Pending::due).min()
    }

    /// Checks process exits and pending calls after the kernel ran.
    pub fn poll(&mut self, kernel: &mut Kernel, notes: &mut Notes, events: &[KernelEvent]) {
        for event in events {
            if let KernelEvent::Exited { pid, container_init: true, status, .. } = event {
                self.container_exited(kernel, notes, *pid, status.code());
            }
        }
        let now = kernel.now();
        for p in std::mem::take(&mut self.pending) {
            if let Some(still) = self.advance(kernel, notes, now, p) {
                self.pending.push(still);
            }
        }
    }

    fn container_exited(&mut self, kernel: &Kernel, notes: &mut Notes, pid: Pid, code: i32) {
        let found = self
            .containers
            .iter_mut()
            .map(|(_, c)| c)
            .find(|c| c.init_pid == Some(pid) && c.state == ContainerState::Running);
        let Some(c) = found else {
            return;
        };
        c.state = ContainerState::Exited(code);
        let c: &Container = c;
        // The termination message is at most 4096 bytes; the log tail (for
        // `FallbackToLogsOnError`) the last 80 lines, 2048 bytes at most.
        let termination_message = kernel.termination_message(&c.termination_log);
        let log_tail = kernel.container_log_tail(&c.id, 80, 2048).unwrap_or_default();
        notes.push(Note::ContainerExited { name: c.name.clone(), exit_code: code });
        // containerd's TaskOOM handler sets the reason once the shim saw the
        // cgroup's `oom_kill` count go up; it stays, whatever the exit code.
        let reason = (kernel.oom_kills(&c.id) > 0).then(|| "OOMKilled".to_string());
        self.exits.push(ContainerExit {
            container_id: c.id.clone(),
            exit_code: code,
            reason,
            termination_message,
            log_tail,
            finished_at: kernel.now(),
        });
    }

    /// Moves one pending call on; returns it if it is still pending.
    fn advance(&mut self, kernel: &mut Kernel, notes: &mut Notes, now: MonoTime, p: Pending) -> Option<Pending> {
        match p {
            Pending::Ready { call, at, reply } if now >= at => self.reply(call, reply),
            Pending::Pull { call, image, at, started } if now >= at => {
                // Pulls start only for images the catalog has.
                let reply = match images::lookup(&image) {
                    Some(img) => {
                        self.images.insert(img.reference.clone());
                        notes.push(Note::ImagePulled { reference: img.reference.clone() });
                        CriReply::Pulled { image: img.info(), took: now.since(started) }
                    }
                    None => CriReply::Error { message: format!("image {image} vanished from the registry") },
                };
                self.reply(call, reply);
            }
            Pending::Exec { call, pid, capture, deadline, command_text } => {
                let status = kernel.try_wait(pid);
                match status {
                    Some(status) => {
                        let output = kernel.take_capture(capture);
                        self.reply(call, CriReply::Exec { exit_code: status.code(), output });
                    }
                    None if now >= deadline => {
                        let _ = kernel.signal(pid, SIGKILL);
                        let _ = kernel.take_capture(capture);
                        let message = format!("command {} timed out", go_quote(&command_text));
                        self.reply(call, CriReply::Error { message });
                    }
                    None => return Some(Pending::Exec { call, pid, capture, deadline, command_text }),
                }
            }
            Pending::Stop { call, container, kill_at, killed } => {
                let stop = Stop { call, container, kill_at, killed };
                return self.advance_stop(kernel, notes, now, stop);
            }
            Pending::StopSandbox { call, sandbox } => {
                let alive = self.sandboxes.get(&sandbox).is_some_and(|sb| kernel.is_alive(sb.pause_pid));
                if alive {
                    return Some(Pending::StopSandbox { call, sandbox });
                }
                self.reply(call, CriReply::Stopped);
            }
            Pending::Http { call, conn, deadline, url } => {
                return self.advance_http(kernel, now, call, conn, deadline, url);
            }
            other => return Some(other),
        }
        None
    }

    /// A stop: SIGKILL once the grace period is over; done when the
    /// container no longer runs.
    fn advance_stop(&mut self, kernel: &mut Kernel, notes: &mut Notes, now: MonoTime, stop: Stop) -> Option<Pending> {
        let Stop { call, container, kill_at, killed } = stop;
        let running = self.containers.get(&container).filter(|c| c.state == ContainerState::Running);
        let Some((pid, name)) = running.and_then(|c| Some((c.init_pid?, c.name.clone()))) else {
            self.reply(call, CriReply::Stopped);
            return None;
        };
        if now >= kill_at && !killed {
            let _ = kernel.signal(pid, SIGKILL);
            notes.push(Note::GraceExpired { container: name });
            return Some(Pending::Stop { call, container, kill_at, killed: true });
        }
        Some(Pending::Stop { call, container, kill_at, killed })
    }

    /// An HTTP request from the kubelet: answered, or timed out.
    fn advance_http(
        &mut self,
        kernel: &mut Kernel,
        now: MonoTime,
        call: CallId,
        conn: u64,
        deadline: MonoTime,
        url: String,
    ) -> Option<Pending> {
        match kernel.poll_response(conn) {
            ResponseState::Answered(response) => {
                kernel.close_connection(conn);
                let (status, _) = crate::programs::http::parse_response(&response);
                self.reply(call, CriReply::Http { status });
            }
            ResponseState::Waiting if now < deadline => return Some(Pending::Http { call, conn, deadline, url }),
            _ => {
                kernel.close_connection(conn);
                let message = format!(
                    "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                );
                self.reply(call, CriReply::Error { message });
            }
        }
        None
    }
}
