//! The CRI server: each call carried out on the kernel, at once or as a
//! [`Pending`] call that finishes later.

use podplay_core::cri::{CallId, CriCall, CriReply};
use podplay_core::quote::go_quote;
use podplay_core::time::{MonoDuration, MonoTime};
use podplay_core::trace::Note;

use super::pending::Pending;
use super::{Containerd, Notes};
use crate::images;
use crate::kernel::Kernel;

impl Containerd {
    /// Starts a call.
    pub fn submit(&mut self, kernel: &mut Kernel, notes: &mut Notes, call: CallId, request: CriCall) {
        let now = kernel.now();
        match request {
            CriCall::RunPodSandbox(config) => {
                let reply = match self.run_sandbox(kernel, notes, *config) {
                    Ok(sandbox) => CriReply::SandboxReady { sandbox_id: sandbox.id, ip: sandbox.ip },
                    Err(message) => CriReply::Error { message },
                };
                // containerd + CNI take a moment.
                self.pending.push(Pending::Ready { call, at: now + MonoDuration(300), reply });
            }
            CriCall::ImageStatus { image } => {
                let reply = self.image_status(&image);
                self.reply(call, reply);
            }
            CriCall::PullImage { image } => self.pull(now, notes, call, image),
            CriCall::CreateContainer { sandbox_id, config } => {
                let reply = match self.create_container(kernel, notes, &sandbox_id, *config) {
                    Ok(id) => CriReply::ContainerCreated { container_id: id },
                    Err(message) => CriReply::Error { message },
                };
                // containerd takes a moment to prepare the rootfs and spec.
                self.pending.push(Pending::Ready { call, at: now + MonoDuration(50), reply });
            }
            CriCall::StartContainer { container_id } => {
                let reply = match self.start_container(kernel, notes, &container_id) {
                    Ok(()) => CriReply::Started,
                    Err(message) => CriReply::Error { message },
                };
                self.reply(call, reply);
            }
            CriCall::ExecSync { container_id, command, timeout } => {
                self.exec(kernel, notes, call, &container_id, command, timeout)
            }
            CriCall::StopContainer { container_id, timeout } => self.stop(kernel, notes, call, &container_id, timeout),
            CriCall::StopPodSandbox { sandbox_id } => {
                self.stop_sandbox(kernel, notes, &sandbox_id);
                self.pending.push(Pending::StopSandbox { call, sandbox: sandbox_id });
            }
            CriCall::RemovePodSandbox { sandbox_id } => {
                self.remove_sandbox(kernel, notes, &sandbox_id);
                self.reply(call, CriReply::Removed);
            }
            CriCall::HttpGet { host, port, path, timeout } => self.http_get(kernel, call, host, port, path, timeout),
            CriCall::TcpConnect { host, port, .. } => {
                let reply = self.tcp_connect(kernel, &host, port);
                self.reply(call, reply);
            }
        }
    }

    fn image_status(&self, image: &str) -> CriReply {
        let full = crate::normalize_image(image);
        // Only an image on the node is looked up: a lookup builds its tree.
        let found = self.images.contains(&full).then(|| images::lookup(image)).flatten();
        CriReply::ImageStatus { image: found.as_ref().map(images::Image::info) }
    }

    fn pull(&mut self, now: MonoTime, notes: &mut Notes, call: CallId, image: String) {
        match images::lookup(&image) {
            Some(found) => {
                // A registry at ~40 MB/s, plus a round trip.
                let took = MonoDuration(400 + found.size_bytes / 40_000);
                notes.push(Note::ImagePulling { reference: found.reference.clone(), size_bytes: found.size_bytes });
                self.pending.push(Pending::Pull { call, image, at: now + took, started: now });
            }
            None => {
                let full = crate::normalize_image(&image);
                let q = go_quote(&full);
                // No such repository: Docker Hub answers as for a private one.
                let message = if images::misspelt(&full).is_some() {
                    format!(
                        "rpc error: code = Unknown desc = failed to pull and unpack image {q}: failed to resolve reference {q}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
                    )
                } else {
                    format!(
                        "rpc error: code = NotFound desc = failed to pull and unpack image {q}: failed to resolve reference {q}: {full}: not found"
                    )
                };
                let reply = CriReply::Error { message };
                self.pending.push(Pending::Ready { call, at: now + MonoDuration(500), reply });
            }
        }
    }

    fn http_get(
        &mut self,
        kernel: &mut Kernel,
        call: CallId,
        host: String,
        port: u16,
        path: String,
        timeout: MonoDuration,
    ) {
        let now = kernel.now();
        let url = format!("http://{host}:{port}{path}");
        let sys = kernel.sys_for(self.kubelet_pid);
        match sys.connect(&host, port, crate::programs::http::request("GET", &host, &path, "")) {
            Ok(conn) => {
                let deadline = now + timeout.max(MonoDuration(1));
                self.pending.push(Pending::Http { call, conn, deadline, url });
            }
            Err(e) => {
                let reason = if e == crate::kernel::Errno::ConnRefused {
                    "connect: connection refused"
                } else {
                    "connect: no route to host"
                };
                let message = format!("Get \"{url}\": dial tcp {host}:{port}: {reason}");
                self.reply(call, CriReply::Error { message });
            }
        }
    }

    fn tcp_connect(&mut self, kernel: &mut Kernel, host: &str, port: u16) -> CriReply {
        let sys = kernel.sys_for(self.kubelet_pid);
        match sys.connect(host, port, Vec::new()) {
            Ok(conn) => {
                // A bare connect: the server's accept queue sees it; drop it.
                kernel.drop_connection(conn);
                CriReply::Connected
            }
            Err(_) => CriReply::Error { message: format!("dial tcp {host}:{port}: connect: connection refused") },
        }
    }
}
