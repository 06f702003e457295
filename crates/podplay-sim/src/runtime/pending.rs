//! Calls in progress, and what the runtime notices after the kernel ran:
//! container exits, finished execs, expired grace periods.

use podplay_core::cri::{CallId, ContainerExit, CriReply};
use podplay_core::quote::go_quote;
use podplay_core::time::SimTime;
use podplay_core::trace::Note;

use super::{Container, ContainerState, Containerd, Notes};
use crate::images;
use crate::kernel::exec::{KernelEvent, NODE_STORE};
use crate::kernel::{Kernel, Pid, SIGKILL};

/// A call still in progress.
#[derive(Clone, Debug)]
pub(super) enum Pending {
    /// A reply decided already, handed over `at` (containerd's latency).
    Ready {
        call: CallId,
        at: SimTime,
        reply: CriReply,
    },
    Pull {
        call: CallId,
        image: String,
        at: SimTime,
        started: SimTime,
    },
    Exec {
        call: CallId,
        pid: Pid,
        capture: u64,
        deadline: SimTime,
        command_text: String,
    },
    Stop {
        call: CallId,
        container: String,
        kill_at: SimTime,
        killed: bool,
    },
    StopSandbox {
        call: CallId,
        sandbox: String,
    },
    Http {
        call: CallId,
        conn: u64,
        deadline: SimTime,
        url: String,
    },
}

impl Pending {
    /// When the call needs a look even if nothing else happens.
    fn due(&self) -> Option<SimTime> {
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
    pub fn next_wakeup(&self) -> Option<SimTime> {
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
        let termination_message = termination_message(kernel, c);
        let log_tail = log_tail(kernel, &c.id);
        notes.push_back(Note::ContainerExited { name: c.name.clone(), exit_code: code });
        self.exits.push_back(ContainerExit {
            container_id: c.id.clone(),
            exit_code: code,
            reason: None,
            termination_message,
            log_tail,
            finished_at: kernel.now(),
        });
    }

    /// Moves one pending call on; returns it if it is still pending.
    fn advance(&mut self, kernel: &mut Kernel, notes: &mut Notes, now: SimTime, p: Pending) -> Option<Pending> {
        match p {
            Pending::Ready { call, at, reply } if now >= at => self.reply(call, reply),
            Pending::Pull { call, image, at, started } if now >= at => {
                let found = images::lookup(&image);
                let (size_bytes, image_ref) =
                    found.as_ref().map_or((0, String::new()), |i| (i.size_bytes, i.image_ref()));
                if let Some(img) = found {
                    self.images.insert(img.reference.clone());
                    notes.push_back(Note::ImagePulled { reference: img.reference });
                }
                self.reply(call, CriReply::Pulled { image_ref, size_bytes, took: now.since(started) });
            }
            Pending::Exec { call, pid, capture, deadline, command_text } => {
                let status = kernel.state.borrow_mut().exited.remove(&pid);
                match status {
                    Some(status) => {
                        let output = take_capture(kernel, capture);
                        self.reply(call, CriReply::Exec { exit_code: status.code(), output });
                    }
                    None if now >= deadline => {
                        let _ = kernel.state.borrow_mut().signal(pid, SIGKILL);
                        let _ = take_capture(kernel, capture);
                        let message = format!("command {} timed out", go_quote(&command_text));
                        self.reply(call, CriReply::Error { message });
                    }
                    None => return Some(Pending::Exec { call, pid, capture, deadline, command_text }),
                }
            }
            Pending::Stop { call, container, kill_at, killed } => {
                return self.advance_stop(kernel, notes, now, call, container, kill_at, killed);
            }
            Pending::StopSandbox { call, sandbox } => {
                let alive = self
                    .sandboxes
                    .get(&sandbox)
                    .is_some_and(|sb| kernel.state.borrow().procs.contains_key(&sb.pause_pid));
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
    #[allow(clippy::too_many_arguments)]
    fn advance_stop(
        &mut self,
        kernel: &mut Kernel,
        notes: &mut Notes,
        now: SimTime,
        call: CallId,
        container: String,
        kill_at: SimTime,
        killed: bool,
    ) -> Option<Pending> {
        let running = self.containers.get(&container).filter(|c| c.state == ContainerState::Running);
        let Some((pid, name)) = running.and_then(|c| Some((c.init_pid?, c.name.clone()))) else {
            self.reply(call, CriReply::Stopped);
            return None;
        };
        if now >= kill_at && !killed {
            let _ = kernel.state.borrow_mut().signal(pid, SIGKILL);
            notes.push_back(Note::GraceExpired { container: name });
            return Some(Pending::Stop { call, container, kill_at, killed: true });
        }
        Some(Pending::Stop { call, container, kill_at, killed })
    }

    /// An HTTP request from the kubelet: answered, or timed out.
    fn advance_http(
        &mut self,
        kernel: &mut Kernel,
        now: SimTime,
        call: CallId,
        conn: u64,
        deadline: SimTime,
        url: String,
    ) -> Option<Pending> {
        let done = {
            let s = kernel.state.borrow();
            s.net.conns.get(&conn).map(|c| (c.response_done, c.response.clone(), s.procs.contains_key(&c.server)))
        };
        match done {
            Some((true, response, _)) => {
                kernel.state.borrow_mut().net.conns.remove(&conn);
                let (status, _) = crate::programs::http::parse_response(&response);
                self.reply(call, CriReply::Http { status });
            }
            Some((false, _, alive)) if alive && now < deadline => {
                return Some(Pending::Http { call, conn, deadline, url });
            }
            _ => {
                kernel.state.borrow_mut().net.conns.remove(&conn);
                let message = format!(
                    "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                );
                self.reply(call, CriReply::Error { message });
            }
        }
        None
    }
}

/// The termination-message file's content (at most 4096 bytes).
fn termination_message(kernel: &Kernel, c: &Container) -> String {
    let s = kernel.state.borrow();
    match s.stores.get(NODE_STORE).and_then(|st| st.nodes.get(&c.termination_log)) {
        Some(crate::kernel::FsNode::File { data, .. }) => {
            String::from_utf8_lossy(&data[..data.len().min(4096)]).into_owned()
        }
        _ => String::new(),
    }
}

/// The container's last log lines (80 lines, 2048 bytes at most), for
/// `FallbackToLogsOnError`.
fn log_tail(kernel: &Kernel, id: &str) -> String {
    let s = kernel.state.borrow();
    let Some(log) = s.logs.get(id) else {
        return String::new();
    };
    let lines: Vec<&str> = log.lines.iter().rev().take(80).map(|l| l.text.as_str()).collect();
    let mut text: String = lines.into_iter().rev().map(|l| format!("{l}\n")).collect();
    if text.len() > 2048 {
        // The last 2048 bytes, from a character boundary.
        let mut cut = text.len() - 2048;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        text = text[cut..].to_string();
    }
    text
}

/// An exec's captured output, and its pipe freed.
pub(super) fn take_capture(kernel: &mut Kernel, id: u64) -> String {
    let mut s = kernel.state.borrow_mut();
    let data: Vec<u8> = s.pipes.remove(&id).map(|p| p.buffer.into_iter().collect()).unwrap_or_default();
    String::from_utf8_lossy(&data).into_owned()
}
