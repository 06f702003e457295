//! The runner answering `podplay kubectl`: each request served from the
//! driver's views at the instant it comes, between two steps of the run.

use std::path::Path;

use podplay_core::kubectl::kubectl_row;

use std::os::fd::AsFd;

use crate::api::{self, ApiServer, Request, Response, Row, Waiting};
use crate::init::spec::TerminalSize;
use crate::run::Run;
use crate::runtime::AttachIo;

impl Run {
    /// Starts answering `podplay kubectl` at `path`.
    pub fn serve_api(&mut self, path: &Path) -> Result<(), String> {
        self.api = Some(ApiServer::bind(path)?);
        Ok(())
    }

    /// Answers every request that came, and those whose answer is ready.
    pub(crate) fn serve(&mut self) {
        let Some(mut server) = self.api.take() else { return };
        while let Some((stream, request, fds)) = server.accept() {
            match request {
                Ok(Request::Attach { container, command, terminal }) => {
                    match self.attach(&container, command, fds, terminal) {
                        Ok((ticket, None)) => server.waiting.push(Waiting::Attach { stream, ticket }),
                        Ok((ticket, Some(master))) => {
                            // Without its terminal the caller cannot go on; the
                            // command's end is still answered (or not read).
                            let _ = api::answer_with_fd(&stream, &Response::Terminal, master.as_fd());
                            server.waiting.push(Waiting::Attach { stream, ticket });
                        }
                        Err(e) => api::answer(stream, &Response::Error(e)),
                    }
                }
                Ok(Request::Exec { container, command }) => match self.driver.start_exec(&container, command) {
                    Ok(call) => server.waiting.push(Waiting::Exec { stream, call }),
                    Err(e) => api::answer(stream, &Response::Error(e)),
                },
                Ok(Request::Delete) => {
                    if !self.driver.is_deleted() && !self.deleting {
                        self.delete(None);
                    }
                    server.waiting.push(Waiting::Delete { stream });
                }
                Ok(Request::Top) => {
                    let now = self.driver.now();
                    let usage = self.driver.runtime_mut().map(|node| node.usage(now)).unwrap_or_default();
                    api::answer(stream, &Response::Usage(usage))
                }
                Ok(other) => api::answer(stream, &self.view(other)),
                Err(e) => api::answer(stream, &Response::Error(e)),
            }
        }
        self.answer_waiting(&mut server, false);
        self.api = Some(server);
    }

    /// Answers the waiting requests that are done; `closing`: all of them,
    /// as the runner is about to end.
    pub(crate) fn answer_waiting(&mut self, server: &mut ApiServer, closing: bool) {
        for waiting in std::mem::take(&mut server.waiting) {
            match waiting {
                Waiting::Exec { stream, call } => match self.driver.exec_result(call) {
                    Some(Ok((exit_code, output))) => api::answer(stream, &Response::Exec { exit_code, output }),
                    Some(Err(e)) => api::answer(stream, &Response::Error(e)),
                    None if closing => api::answer(stream, &Response::Error("the Pod was removed".into())),
                    None => server.waiting.push(Waiting::Exec { stream, call }),
                },
                Waiting::Attach { stream, ticket } if !closing && client_gone(&stream) => {
                    if let Some(node) = self.driver.runtime_mut() {
                        node.abandon_attached(ticket);
                    }
                }
                Waiting::Attach { stream, ticket } => {
                    match self.driver.runtime_mut().and_then(|node| node.attached_exit(ticket)) {
                        Some(exit_code) => api::answer(stream, &Response::Exec { exit_code, output: String::new() }),
                        None if closing => api::answer(stream, &Response::Error("the Pod was removed".into())),
                        None => server.waiting.push(Waiting::Attach { stream, ticket }),
                    }
                }
                Waiting::Delete { stream } if self.driver.is_deleted() || closing => {
                    api::answer(stream, &Response::Deleted)
                }
                waiting @ Waiting::Delete { .. } => server.waiting.push(waiting),
            }
        }
    }

    /// Starts `kubectl exec -i/-t`: on the caller's stdin, stdout and
    /// stderr, or on a new terminal whose master side is returned.
    fn attach(
        &mut self,
        container: &str,
        command: Vec<String>,
        fds: Vec<std::os::fd::OwnedFd>,
        terminal: Option<TerminalSize>,
    ) -> Result<(u64, Option<std::os::fd::OwnedFd>), String> {
        if command.is_empty() {
            return Err("you must specify at least one command for the container".into());
        }
        let io = match terminal {
            Some(size) => AttachIo::Terminal(size),
            None => AttachIo::Descriptors(
                fds.try_into().map_err(|fds: Vec<_>| format!("expected 3 descriptors, got {}", fds.len()))?,
            ),
        };
        let node = self.driver.runtime_mut().ok_or("the Pod is not running on any node")?;
        node.start_attached_exec(container, command, io)
    }

    /// Stops serving, answering what still waits.
    pub fn close_api(&mut self) {
        if let Some(mut server) = self.api.take() {
            self.answer_waiting(&mut server, true);
        }
    }

    fn view(&self, request: Request) -> Response {
        let driver = &self.driver;
        let pod = driver.pod();
        match request {
            Request::Get => {
                let row = kubectl_row(&pod, &driver.epoch().time(driver.now()));
                let status = pod.status.as_ref();
                let ip = status.and_then(|s| s.pod_ip.clone()).unwrap_or_else(|| "<none>".into());
                let node = pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_else(|| "<none>".into());
                let (name, ready, status, restarts, age) = (row.name, row.ready, row.status, row.restarts, row.age);
                Response::Row(Row { name, ready, status, restarts, age, ip, node })
            }
            Request::Pod => Response::Pod(serde_json::to_value(&pod).unwrap_or_default()),
            Request::Describe => Response::Text(driver.describe()),
            Request::Logs { container, previous, offset } => match self.logs(&container, previous) {
                Ok(text) => {
                    let from = (offset.min(text.len())..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                    let done = previous || driver.is_finished() || !container_running(&pod, &container);
                    Response::Logs { text: text[from..].to_string(), next: text.len(), done }
                }
                Err(e) => Response::Error(e),
            },
            Request::Exec { .. } | Request::Attach { .. } | Request::Top | Request::Delete => {
                Response::Error("answered elsewhere".into())
            }
        }
    }
}

/// Whether the container's current instance runs (more log may come).
fn container_running(pod: &k8s_openapi::api::core::v1::Pod, name: &str) -> bool {
    let status = pod.status.as_ref();
    let all = status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten()));
    all.filter(|c| c.name == name).any(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
}

/// Whether the client of a waiting attach hung up (a `kubectl exec -i`
/// interrupted with Ctrl-C). Anything it sent is read and dropped.
fn client_gone(stream: &std::os::unix::net::UnixStream) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(stream.as_fd(), PollFlags::POLLIN)];
    if poll(&mut fds, PollTimeout::ZERO).unwrap_or(0) == 0 {
        return false;
    }
    let events = fds[0].revents().unwrap_or(PollFlags::empty());
    if events.intersects(PollFlags::POLLHUP | PollFlags::POLLERR) {
        return true;
    }
    let mut sink = [0u8; 512];
    matches!(
        nix::sys::socket::recv(
            std::os::fd::AsRawFd::as_raw_fd(stream),
            &mut sink,
            nix::sys::socket::MsgFlags::MSG_DONTWAIT
        ),
        Ok(0)
    )
}
