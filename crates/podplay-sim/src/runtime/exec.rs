//! `ExecSync` and `StopContainer`.

use litemap::LiteMap;

use podplay_core::cri::{CallId, CriReply};
use podplay_core::time::MonoDuration;
use podplay_core::trace::Note;

use super::pending::Pending;
use super::{ContainerState, Containerd, Notes};
use crate::kernel::{Errno, Fd, Kernel, NsSet, Owner, SpawnSpec};

impl Containerd {
    pub(super) fn exec(
        &mut self,
        kernel: &mut Kernel,
        notes: &mut Notes,
        call: CallId,
        id: &str,
        command: Vec<String>,
        timeout: MonoDuration,
    ) {
        let now = kernel.now();
        let Some(c) = self.containers.get(id).cloned() else {
            self.reply(call, CriReply::Error { message: format!("container {id} not found") });
            return;
        };
        let running = c.init_pid.filter(|_| c.state == ContainerState::Running);
        let (Some(_), Some(sandbox)) = (running, self.sandboxes.get(&c.sandbox)) else {
            self.reply(call, CriReply::Error { message: "container is not running".into() });
            return;
        };
        let ns = NsSet { net: sandbox.ns.net, ipc: sandbox.ns.ipc, uts: sandbox.ns.uts, pid: c.pid_ns, mnt: c.mnt_ns };
        let (capture, write) = kernel.open_capture_pipe();
        // `runc exec` runs the container's process spec: its env, user
        // and working directory (not what the init process changed since).
        let env = super::container::process_env(kernel, &c, sandbox);
        let cwd = super::container::process_cwd(&c);
        let mut fds = LiteMap::new();
        fds.insert(0, Fd::Null);
        fds.insert(1, write.clone());
        fds.insert(2, write);
        let spawned = kernel.spawn(SpawnSpec {
            argv: command.clone(),
            env,
            cwd,
            ns,
            fds,
            owner: Owner::Container(id.to_string()),
            parent: self.shim_parent(kernel),
            uid: c.config.run_as_user.unwrap_or(c.image.user),
            container_init: false,
        });
        notes.push(Note::ExecStarted { container: c.name.clone(), command: command.clone() });
        match spawned {
            Ok(pid) => self.pending.push(Pending::Exec {
                call,
                pid,
                capture,
                deadline: now + timeout.max(MonoDuration(1000)),
                command_text: command.join(" "),
            }),
            Err(e) => {
                let _ = kernel.take_capture(capture);
                let what = command.first().cloned().unwrap_or_default();
                let message = match e {
                    Errno::NoEnt => format!(
                        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{what}\": executable file not found in $PATH: unknown"
                    ),
                    other => other.text().to_string(),
                };
                self.reply(call, CriReply::Exec { exit_code: 126, output: message });
            }
        }
    }

    /// The image's stop signal to the first process; SIGKILL after `timeout`.
    pub(super) fn stop(
        &mut self,
        kernel: &mut Kernel,
        notes: &mut Notes,
        call: CallId,
        id: &str,
        timeout: MonoDuration,
    ) {
        let now = kernel.now();
        let Some(c) = self.containers.get(id).cloned() else {
            self.reply(call, CriReply::Stopped);
            return;
        };
        match (c.state, c.init_pid) {
            (ContainerState::Running, Some(pid)) => {
                let signal = c.image.stop_signal;
                let _ = kernel.signal(pid, signal);
                notes.push(Note::StopSignalSent { container: c.name.clone(), signal, timeout });
                let container = id.to_string();
                self.pending.push(Pending::Stop { call, container, kill_at: now + timeout, killed: false });
            }
            _ => self.reply(call, CriReply::Stopped),
        }
    }
}
