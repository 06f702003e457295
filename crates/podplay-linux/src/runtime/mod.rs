//! The real node: CRI calls carried out with real processes, namespaces
//! and mounts, behind podplay-core's [`Runtime`] trait.
//!
//! The trait is sans-IO in its time: every call gets `now`, and what the
//! runtime noticed (a process ended, a log line came) is handed over when
//! the driver calls [`Runtime::handle_timeout`]. The one blocking call is
//! [`LinuxNode::wait`], made by the loop that owns the real clock
//! ([`crate::run`]) between two instants.

mod atomic_writer;
mod cgroups;
mod container;
mod dial;
mod exec;
mod hostport;
mod images;
mod logs;
mod network;
mod paths;
mod sandbox;
mod seccomp;
mod seccomp_default;
mod spawn;
mod subpath;

use std::collections::{BTreeMap, VecDeque};
use std::os::fd::AsFd;
use std::path::PathBuf;

use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use podplay_core::cri::{CallId, ContainerExit, CriCall, CriReply, SandboxConfig};
use podplay_core::driver::NodeBoot;
use podplay_core::runtime::Runtime;
use podplay_core::time::{Epoch, MonoTime};
use podplay_core::trace::Note;

use crate::image::ImageStore;
pub use cgroups::remove_recorded as remove_recorded_cgroups;
pub use exec::AttachIo;
pub use network::collect as collect_network;
pub use paths::{StateDirs, remove_tree};
pub use seccomp::{Programs as SeccompPrograms, install as install_seccomp};

/// What a run of the real node is given.
pub struct NodeOptions {
    /// This run's state directory (logs, volumes, root filesystems).
    pub state: PathBuf,
    /// The podplay binary, re-executed as pause and as each container's
    /// first process.
    pub helper: PathBuf,
    pub images: ImageStore,
    pub epoch: Epoch,
    /// Where `Localhost` seccomp profiles are (the kubelet's
    /// `--seccomp-profile-root`, `/var/lib/kubelet/seccomp` by default).
    pub seccomp_root: PathBuf,
    /// How images are pulled (insecure registries, credentials).
    pub pull: crate::image::PullOptions,
}

/// A Pod's sandbox: the pause process holding its namespaces.
struct Sandbox {
    config: SandboxConfig,
    pause_pid: u32,
    /// Pause's parent, the runner's child.
    pause_helper: u32,
    /// The Pod's `/dev/shm` as containers reach it.
    shm: Option<PathBuf>,
    dir: PathBuf,
    /// `StopPodSandbox` calls waiting for pause to be gone.
    stopping: Vec<CallId>,
    pause_gone: bool,
    /// Pause's cgroup, then the Pod's.
    cgroups: Vec<cgroups::Cgroup>,
    /// Its `hostPort` forwarders, closed with it.
    host_ports: Vec<hostport::HostPort>,
}

/// The real node's runtime.
pub struct LinuxNode {
    dirs: StateDirs,
    /// `/proc/self/fd/N` of `_sealed_helper`.
    helper: PathBuf,
    _sealed_helper: std::os::fd::OwnedFd,
    images: ImageStore,
    epoch: Epoch,
    seccomp_root: PathBuf,
    /// pause's filters, compiled at the first sandbox.
    pause_seccomp: Option<SeccompPrograms>,
    pull: crate::image::PullOptions,
    /// Set when the node goes: pulls under way stop.
    pull_cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sandboxes: BTreeMap<String, Sandbox>,
    containers: BTreeMap<String, container::Container>,
    execs: Vec<exec::Exec>,
    /// `kubectl exec -i/-t` processes, and the exit codes of those that ended.
    attached: Vec<exec::Attached>,
    attached_done: BTreeMap<u64, i32>,
    /// Attached commands whose client went away: their end is not kept.
    abandoned: std::collections::BTreeSet<u64>,
    next_ticket: u64,
    replies: VecDeque<(CallId, CriReply)>,
    exits: VecDeque<ContainerExit>,
    notes: VecDeque<Note>,
    signals: SignalFd,
    /// The Pod network, made while the node boots.
    network: network::Slot,
    cgroups: cgroups::NodeCgroups,
    node_ip: String,
    dialer: dial::Dialer,
    interrupts: u32,
    /// A SIGCHLD was read and its children not reaped yet: `wait` must not
    /// block on a signal that has already been taken.
    children_changed: bool,
}

/// The signals the runner takes through its signal descriptor: children
/// ending, and the user asking it to stop.
fn runner_signals() -> SigSet {
    let mut set = SigSet::empty();
    for sig in [Signal::SIGCHLD, Signal::SIGINT, Signal::SIGTERM] {
        set.add(sig);
    }
    set
}

impl LinuxNode {
    /// Prepares the runner process (a subreaper that takes its signals
    /// through a descriptor) and the state directory; then
    /// [`LinuxNode::boot`] makes the node for the driver.
    pub fn prepare(options: NodeOptions) -> Result<impl FnOnce(NodeBoot<'_>) -> LinuxNode, String> {
        crate::sys::process::become_subreaper().map_err(|e| e.to_string())?;
        let set = runner_signals();
        sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None).map_err(|e| format!("block signals: {e}"))?;
        let signals = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
            .map_err(|e| format!("signalfd: {e}"))?;
        std::fs::create_dir_all(&options.state)
            .map_err(|e| format!("create the state directory {}: {e}", options.state.display()))?;
        let sealed = crate::sys::process::sealed_copy(&options.helper).map_err(|e| e.to_string())?;
        let helper = PathBuf::from(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&sealed)));
        let dialer = dial::Dialer::new().map_err(|e| format!("socketpair: {e}"))?;
        let cgroups = cgroups::NodeCgroups::discover(&options.state);
        // The runs of one state root (`<root>/default_<pod>`) share the node network.
        let network_root = options.state.parent().map_or_else(|| options.state.clone(), std::path::Path::to_path_buf);
        Ok(move |boot: NodeBoot<'_>| {
            let mut node = LinuxNode {
                dirs: StateDirs { root: options.state },
                helper,
                _sealed_helper: sealed,
                images: options.images,
                epoch: options.epoch,
                seccomp_root: options.seccomp_root,
                pause_seccomp: None,
                pull: options.pull,
                pull_cancel: Default::default(),
                sandboxes: BTreeMap::new(),
                containers: BTreeMap::new(),
                execs: Vec::new(),
                attached: Vec::new(),
                attached_done: BTreeMap::new(),
                abandoned: std::collections::BTreeSet::new(),
                next_ticket: 0,
                replies: VecDeque::new(),
                exits: VecDeque::new(),
                notes: VecDeque::new(),
                signals,
                network: network::Slot::start(&network_root, &boot.pod_cidr),
                cgroups,
                node_ip: boot.context.node_ip.clone(),
                dialer,
                interrupts: 0,
                children_changed: false,
            };
            node.notes.push_back(Note::NodeUp {
                node: boot.context.node_name.clone(),
                ip: boot.context.node_ip.clone(),
                pod_cidr: boot.pod_cidr.clone(),
            });
            node
        })
    }

    /// What the node cannot enforce on this machine (a cgroup controller
    /// missing), for the user to be told once.
    pub fn warnings(&self) -> &[String] {
        &self.cgroups.missing
    }

    /// The state directory of this run.
    pub fn state_dir(&self) -> &std::path::Path {
        &self.dirs.root
    }

    /// Blocks until a child ends, a log has something to read, the user
    /// sends SIGINT/SIGTERM, one of `also` is readable or hung up (a kubectl
    /// connection, or a client waiting on an attached command), or
    /// `timeout_ms` passes (`None`: no limit).
    pub fn wait(&mut self, timeout_ms: Option<u64>, also: &[std::os::fd::BorrowedFd<'_>]) {
        self.read_signals();
        if self.children_changed {
            return;
        }
        let mut fds = vec![
            PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
            PollFd::new(self.dialer.wake_fd(), PollFlags::POLLIN),
        ];
        fds.extend(also.iter().map(|fd| PollFd::new(*fd, PollFlags::POLLIN)));
        let streams: Vec<_> = self.containers.values().flat_map(|c| c.open_streams()).collect();
        let exec_streams: Vec<_> = self.execs.iter().filter_map(|e| e.stream()).collect();
        for fd in streams.iter().chain(exec_streams.iter()) {
            fds.push(PollFd::new(*fd, PollFlags::POLLIN));
        }
        let timeout = match timeout_ms {
            Some(ms) => PollTimeout::try_from(ms.min(60_000) as i32).unwrap_or(PollTimeout::MAX),
            None => PollTimeout::NONE,
        };
        let _ = nix::poll::poll(&mut fds, timeout);
        self.read_signals();
    }

    fn read_signals(&mut self) {
        while let Ok(Some(info)) = self.signals.read_signal() {
            if info.ssi_signo == Signal::SIGINT as u32 || info.ssi_signo == Signal::SIGTERM as u32 {
                self.interrupts += 1;
            } else if info.ssi_signo == Signal::SIGCHLD as u32 {
                self.children_changed = true;
            }
        }
    }

    /// SIGINT/SIGTERM received since the last call (Ctrl-C).
    pub fn take_interrupts(&mut self) -> u32 {
        self.read_signals();
        std::mem::take(&mut self.interrupts)
    }

    /// The log file of a container instance, by container id.
    pub fn log_path(&self, container_id: &str) -> Option<PathBuf> {
        self.containers.get(container_id).map(|c| c.log_path.clone())
    }

    /// The node PID of a running container's first process, by name.
    pub fn container_pid(&self, name: &str) -> Option<u32> {
        self.containers.values().filter(|c| c.name() == name).find_map(|c| c.running_pid())
    }

    /// The pause process of the (first) sandbox still up.
    pub fn pause_pid(&self) -> Option<u32> {
        self.sandboxes.values().find(|s| !s.pause_gone).map(|s| s.pause_pid)
    }

    /// Kills everything still running and removes the state: the last
    /// step of every way out (an error, Ctrl-C twice, `--timeout`).
    pub fn kill_all(&mut self) {
        self.pull_cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        for c in self.containers.values() {
            if let Some(pid) = c.running_pid() {
                crate::sys::process::kill(pid, Signal::SIGKILL);
                // Only while it runs: the namespace holds its inode number,
                // which a later namespace may reuse.
                c.kill_leftovers();
            }
        }
        for e in &self.execs {
            crate::sys::process::kill(e.pid, Signal::SIGKILL);
        }
        for a in &self.attached {
            crate::sys::process::kill(a.pid, Signal::SIGKILL);
        }
        for s in self.sandboxes.values() {
            if !s.pause_gone {
                crate::sys::process::kill(s.pause_pid, Signal::SIGKILL);
            }
            // The Pod's shm lives in the node's mount namespace.
            let _ = paths::unmount_under(&s.dir);
        }
        // Whatever is still in a cgroup of the run goes with it.
        for c in self.containers.values_mut() {
            if let Some(cgroup) = c.cgroup.take() {
                cgroup.remove();
            }
        }
        // Wait for them, so no zombie and no mount namespace outlives the run.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.any_alive() && std::time::Instant::now() < deadline {
            while let Some((pid, _)) = crate::sys::process::reap_one() {
                self.mark_gone(pid);
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    fn any_alive(&self) -> bool {
        self.containers.values().any(|c| c.running_pid().is_some())
            || self.sandboxes.values().any(|s| !s.pause_gone)
            || !self.execs.is_empty()
            || !self.attached.is_empty()
    }

    /// A child of the runner (a helper) ended.
    fn mark_gone(&mut self, helper: u32) {
        for c in self.containers.values_mut() {
            c.forget_helper(helper);
        }
        self.execs.retain(|e| e.helper != helper);
        self.attached.retain(|a| a.helper != helper);
        for s in self.sandboxes.values_mut() {
            if s.pause_helper == helper {
                s.pause_gone = true;
            }
        }
    }

    /// Reaps every child that ended and tells who it was.
    fn reap(&mut self, now: MonoTime) {
        self.children_changed = false;
        while let Some((pid, code)) = crate::sys::process::reap_one() {
            // Each child is a helper, whose exit status is its process's.
            if let Some(id) =
                self.containers.iter().find(|(_, c)| c.helper_pid() == Some(pid)).map(|(id, _)| id.clone())
            {
                self.container_exited(&id, code, now);
            } else if let Some(at) = self.execs.iter().position(|e| e.helper == pid) {
                let done = self.execs.swap_remove(at);
                self.exec_finished(done, code, now);
            } else if let Some(at) = self.attached.iter().position(|a| a.helper == pid) {
                let done = self.attached.swap_remove(at);
                if !self.abandoned.remove(&done.ticket) {
                    self.attached_done.insert(done.ticket, code);
                }
            } else if let Some(sb) = self.sandboxes.values_mut().find(|s| s.pause_helper == pid) {
                sb.pause_gone = true;
                for call in std::mem::take(&mut sb.stopping) {
                    self.replies.push_back((call, CriReply::Stopped));
                }
            }
            // Anything else was a helper whose process failed to start, an
            // exec given up on, or pause itself, orphaned by its helper.
        }
    }

    fn reply(&mut self, call: CallId, reply: CriReply) {
        self.replies.push_back((call, reply));
    }

    /// A kubelet call over the network: to a Pod address from the node side
    /// of the Pod network, to loopback from the runner's namespace, and
    /// nowhere else.
    fn dial(&mut self, call: CallId, host: &str, port: u16, ask: dial::Ask, timeout: podplay_core::time::MonoDuration) {
        let from = match (dial::resolve(host), self.network.ready()) {
            // Loopback, or the node's own address (a hostNetwork Pod's).
            (Some(ip), _) if ip.is_loopback() || ip.to_string() == self.node_ip => Ok((ip, None)),
            (Some(ip @ std::net::IpAddr::V4(v4)), Some(net)) if net.contains(v4) => {
                net.netns().try_clone_to_owned().map(|ns| (ip, Some(ns))).map_err(|e| format!("dup: {e}"))
            }
            _ => Err("podplay's runner dials only loopback and the Pod network".to_string()),
        };
        match from {
            Ok((ip, netns)) => {
                let target = dial::Target { ip, host: host.to_string(), port };
                self.dialer.dial(call, target, ask, timeout, netns)
            }
            Err(why) => {
                let message = format!("dial tcp {host}:{port}: {why}");
                self.reply(call, CriReply::Error { message });
            }
        }
    }
}

impl Runtime for LinuxNode {
    fn submit(&mut self, now: MonoTime, id: CallId, call: CriCall) {
        match call {
            CriCall::RunPodSandbox(config) => {
                let reply = match self.run_sandbox(*config) {
                    Ok((sandbox_id, ip)) => CriReply::SandboxReady { sandbox_id, ip },
                    Err(message) => CriReply::Error { message },
                };
                self.reply(id, reply);
            }
            CriCall::ImageStatus { image } => {
                let reply = self.image_status(&image);
                self.reply(id, reply);
            }
            CriCall::PullImage { image } => self.pull_image(id, image),
            CriCall::CreateContainer { sandbox_id, config } => {
                let reply = match self.create_container(&sandbox_id, *config) {
                    Ok(container_id) => CriReply::ContainerCreated { container_id },
                    Err(message) => CriReply::Error { message },
                };
                self.reply(id, reply);
            }
            CriCall::StartContainer { container_id } => {
                let reply = match self.start_container(&container_id, now) {
                    Ok(()) => CriReply::Started,
                    Err(message) => CriReply::Error { message },
                };
                self.reply(id, reply);
            }
            CriCall::ExecSync { container_id, command, timeout } => {
                self.start_exec(id, &container_id, command, now + timeout.max(podplay_core::time::MonoDuration(1000)))
            }
            CriCall::StopContainer { container_id, timeout } => self.stop_container(id, &container_id, now, timeout),
            CriCall::StopPodSandbox { sandbox_id } => self.stop_sandbox(id, &sandbox_id),
            CriCall::RemovePodSandbox { sandbox_id } => {
                self.remove_sandbox(&sandbox_id);
                self.reply(id, CriReply::Removed);
            }
            CriCall::HttpGet { host, port, path, timeout } => {
                self.dial(id, &host, port, dial::Ask::HttpGet { path }, timeout)
            }
            CriCall::TcpConnect { host, port, timeout } => self.dial(id, &host, port, dial::Ask::Connect, timeout),
        }
    }

    fn handle_timeout(&mut self, now: MonoTime) -> bool {
        let before = (self.replies.len(), self.exits.len(), self.notes.len());
        for c in self.containers.values_mut() {
            c.pump_log(now, self.epoch, false);
        }
        for e in &mut self.execs {
            e.read_output();
        }
        let dialled = self.dialer.finished();
        self.replies.extend(dialled);
        self.reap(now);
        self.expire(now);
        before != (self.replies.len(), self.exits.len(), self.notes.len())
    }

    fn poll_timeout(&self) -> Option<MonoTime> {
        let stops = self.containers.values().filter_map(|c| c.kill_at());
        let execs = self.execs.iter().map(|e| e.deadline);
        stops.chain(execs).min()
    }

    fn poll_reply(&mut self) -> Option<(CallId, CriReply)> {
        self.replies.pop_front()
    }

    fn poll_exit(&mut self) -> Option<ContainerExit> {
        self.exits.pop_front()
    }

    fn poll_note(&mut self) -> Option<Note> {
        self.notes.pop_front()
    }
}

impl Drop for LinuxNode {
    fn drop(&mut self) {
        self.kill_all();
        for s in self.sandboxes.values() {
            s.cgroups.iter().for_each(|g| drop(g.remove()));
        }
        self.cgroups.remove_node_levels();
        let _ = paths::remove_tree(&self.dirs.root);
    }
}
