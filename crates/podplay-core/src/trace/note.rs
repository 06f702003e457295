//! What a runtime reports it did, as data; [`Note::step`] words it.

use super::words::{self, one_line, short_id, show_argv, signal_name};
use super::{Actor, Flow, Step, StepKind};
use crate::time::{MonoDuration, MonoTime};

/// Who a process or a connection end belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// The node itself (its init, the runtime, the kubelet).
    Node,
    /// A container of the Pod, by Kubernetes name (`pause` for the
    /// sandbox), or by short id when the runtime no longer knows it.
    Container(String),
    /// A host outside the cluster (the log store, a web site), by name.
    Outside(String),
}

impl Who {
    /// The name shown at a data flow's end.
    pub fn name(&self) -> &str {
        match self {
            Who::Node => "node",
            Who::Container(name) | Who::Outside(name) => name,
        }
    }

    fn actor(&self) -> Actor {
        match self {
            Who::Node => Actor::Kernel,
            Who::Container(name) => Actor::Container(name.clone()),
            Who::Outside(_) => Actor::Outside,
        }
    }
}

/// Whose namespace a process is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NsOwner {
    /// The node's own (hostNetwork, hostIPC, hostPID).
    Node,
    /// The Pod's, held by the pause process.
    Pod,
    /// The container's own.
    Container,
}

/// One namespace of a process: its inode number and whose it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NsJoin {
    pub id: u64,
    pub owner: NsOwner,
}

/// What the CNI bridge plugin did for a sandbox: the host end of its veth
/// pair (on the bridge `cni0`), the address's prefix length and the
/// default route's gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CniAttach {
    pub host_veth: String,
    pub prefix: u8,
    pub gateway: String,
}

impl CniAttach {
    /// The host end's name as both runtimes make it: `veth` and the first
    /// 8 digits of the sandbox id.
    pub fn veth_name(sandbox_id: &str) -> String {
        format!("veth{}", sandbox_id.get(..8).unwrap_or(sandbox_id))
    }
}

/// Something a runtime did, for the story. The runtime reports facts
/// (ids, PIDs, argv, paths); the words are made in [`Note::step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// The node the Pod runs on is up.
    NodeUp {
        node: String,
        ip: String,
        pod_cidr: String,
    },
    /// `RunPodSandbox` made the pause process and the Pod's namespaces.
    SandboxCreated {
        sandbox_id: String,
        pod_name: String,
        pause_pid: u32,
        net: NsJoin,
        ipc: NsJoin,
        uts: NsJoin,
        pid: NsJoin,
        ip: String,
        /// The CNI ADD that gave the Pod its address (none with hostNetwork).
        network: Option<CniAttach>,
    },
    SandboxStopping {
        sandbox_id: String,
    },
    SandboxRemoved {
        sandbox_id: String,
    },
    ImagePulling {
        reference: String,
        size_bytes: u64,
    },
    ImagePulled {
        reference: String,
    },
    ContainerCreated {
        name: String,
        container_id: String,
        image: String,
        argv: Vec<String>,
        /// The image is not one the runtime knows (the simulator's
        /// catalog): it runs a generic long-running process.
        unknown_image: bool,
    },
    /// A mount in a container's mount namespace.
    Mounted {
        container: String,
        target: String,
        source: String,
        what: MountOf,
    },
    ContainerStarted {
        name: String,
        argv: Vec<String>,
        /// PID in the container's own PID namespace.
        pid_in_container: u32,
        pid_on_node: u32,
        net: NsJoin,
        uts: NsJoin,
        ipc: NsJoin,
        pid: NsJoin,
        mnt: u64,
    },
    ContainerExited {
        name: String,
        exit_code: i32,
    },
    /// The runtime starts a command in a container for the kubelet.
    ExecStarted {
        container: String,
        command: Vec<String>,
    },
    /// `StopContainer`: the stop signal, and SIGKILL after the timeout.
    StopSignalSent {
        container: String,
        signal: i32,
        timeout: MonoDuration,
    },
    GraceExpired {
        container: String,
    },
    /// A user's signal to a container's first process (`kill` on the node).
    SignalSentByUser {
        container: String,
        signal: i32,
    },
    /// A process started, as the node numbers it, running as `uid`.
    ProcessStarted {
        who: Who,
        pid: u32,
        argv: Vec<String>,
        uid: u32,
    },
    ProcessExited {
        who: Who,
        pid: u32,
        status: i32,
    },
    SignalDelivered {
        who: Who,
        pid: u32,
        signal: i32,
    },
    /// A container's memory cgroup went over its limit: the OOM killer
    /// killed `pid` (`process`, holding `process_bytes`) and, with
    /// `memory.oom.group`, the container's other processes.
    OomKilled {
        who: Who,
        pid: u32,
        process: String,
        process_bytes: u64,
        usage_bytes: u64,
        limit_bytes: u64,
    },
    /// Dropped by the kernel: PID 1 of a PID namespace has no handler.
    SignalIgnored {
        who: Who,
        pid: u32,
        signal: i32,
    },
    FileWritten {
        who: Who,
        volume: String,
        path: String,
        bytes: usize,
    },
    FileRead {
        who: Who,
        volume: String,
        path: String,
        bytes: usize,
    },
    Connected {
        from: Who,
        to: Who,
        ip: String,
        port: u16,
        same_netns: bool,
    },
    /// A server answered a request (`summary`: `GET / → 200`, …).
    Responded {
        server: Who,
        client: Who,
        port: u16,
        summary: String,
    },
    Listening {
        who: Who,
        port: u16,
    },
}

/// What a mount brings into a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountOf {
    Volume {
        name: String,
        read_only: bool,
    },
    /// A file the kubelet writes (`/etc/hosts`).
    KubeletFile,
}

impl Note {
    /// The note as a step of the story at `at`; `None` for notes that are
    /// not worth a step (an empty write).
    pub fn step(&self, at: MonoTime) -> Option<Step> {
        let mut step = self.step_in_english(at)?;
        step.zh = self.zh();
        Some(step)
    }

    fn step_in_english(&self, at: MonoTime) -> Option<Step> {
        let (actor, kind, text) = match self {
            Note::NodeUp { node, ip, pod_cidr } => (
                Actor::Kernel,
                StepKind::Process,
                format!(
                    "node {node} ({ip}, pod CIDR {pod_cidr}) is up: init, containerd and kubelet run in the node's namespaces"
                ),
            ),
            Note::SandboxCreated { .. } | Note::SandboxStopping { .. } | Note::SandboxRemoved { .. } => {
                (Actor::Runtime, StepKind::Sandbox, self.sandbox_text())
            }
            Note::ImagePulling { reference, size_bytes } => {
                (Actor::Runtime, StepKind::Image, format!("pulling {reference} ({size_bytes} bytes)"))
            }
            Note::ImagePulled { reference } => (Actor::Runtime, StepKind::Image, format!("pulled {reference}")),
            Note::ContainerCreated { name, container_id, image, argv, unknown_image } => {
                let mut text = format!(
                    "created container {name} ({}) from {image}: command {}",
                    short_id(container_id),
                    show_argv(argv)
                );
                if *unknown_image {
                    text.push_str(&format!(
                        " — image {image} is not in podplay's catalog, so it runs a generic long-running process"
                    ));
                }
                (Actor::Runtime, StepKind::Container, text)
            }
            Note::Mounted { container, target, source, what } => {
                let detail = match what {
                    MountOf::Volume { name, read_only } => {
                        format!("{target} → {source} (volume {name}){}", if *read_only { ", read-only" } else { "" })
                    }
                    MountOf::KubeletFile => format!("{target} → {source} (kubelet-managed)"),
                };
                (Actor::Runtime, StepKind::Mount, format!("{container}: mount {detail}"))
            }
            Note::ContainerStarted { .. } => (Actor::Runtime, StepKind::Container, self.started_text()),
            Note::ContainerExited { name, exit_code } => {
                (Actor::Runtime, StepKind::Process, format!("container {name} exited with code {exit_code}"))
            }
            Note::ExecStarted { container, command } => {
                (Actor::Kubelet, StepKind::Exec, format!("exec in {container}: {}", command.join(" ")))
            }
            Note::StopSignalSent { container, signal, timeout } => (
                Actor::Runtime,
                StepKind::Signal,
                format!("stop {container}: SIG{} to its first process, SIGKILL after {timeout}", signal_name(*signal)),
            ),
            Note::GraceExpired { container } => {
                (Actor::Runtime, StepKind::Signal, format!("grace period over: SIGKILL to {container}"))
            }
            Note::SignalSentByUser { container, signal } => (
                Actor::Kernel,
                StepKind::Signal,
                format!("SIG{} sent to {container}'s first process", signal_name(*signal)),
            ),
            _ => return self.process_step(at),
        };
        Some(Step { at, actor, kind, text, flow: None, zh: None })
    }

    fn sandbox_text(&self) -> String {
        match self {
            Note::SandboxCreated { sandbox_id, pod_name, pause_pid, net, ipc, uts, pid, ip, network } => {
                let held = |kind: &str, ns: &NsJoin| match ns.owner {
                    NsOwner::Node => format!("{kind}: the node's ({kind}:[{}])", ns.id),
                    _ => format!("{kind}:[{}]", ns.id),
                };
                let ip = if ip.is_empty() { "none: its network namespace has loopback only" } else { ip };
                let mut text = format!(
                    "sandbox {} for {pod_name}: pause process (PID {pause_pid} on the node) holds {}, {}, {}, {}; Pod IP {ip}",
                    short_id(sandbox_id),
                    held("net", net),
                    held("ipc", ipc),
                    held("uts", uts),
                    held("pid", pid),
                );
                if let Some(cni) = network {
                    text.push_str(&format!(
                        "; CNI bridge plugin: veth pair {} on cni0 ↔ eth0 in the Pod, {ip}/{} from host-local IPAM, default route via {}",
                        cni.host_veth, cni.prefix, cni.gateway
                    ));
                }
                text
            }
            Note::SandboxStopping { sandbox_id } => {
                format!("stopping sandbox {}: SIGTERM to pause", short_id(sandbox_id))
            }
            Note::SandboxRemoved { sandbox_id } => {
                format!("removed sandbox {} and its network namespace", short_id(sandbox_id))
            }
            _ => String::new(),
        }
    }

    fn started_text(&self) -> String {
        let Note::ContainerStarted { name, argv, pid_in_container, pid_on_node, net, uts, ipc, pid, mnt } = self else {
            return String::new();
        };
        let joined = match net.owner {
            NsOwner::Node => "the node's net and uts".to_string(),
            _ => format!("net:[{}], uts:[{}] of the pause container", net.id, uts.id),
        };
        let ipc = match ipc.owner {
            NsOwner::Node => "the node's ipc".to_string(),
            _ => format!("ipc:[{}]", ipc.id),
        };
        let pid_text = match pid.owner {
            NsOwner::Node => "the node's pid namespace".to_string(),
            NsOwner::Pod => format!("the Pod's shared pid:[{}] (pause is PID 1)", pid.id),
            NsOwner::Container => format!("its own pid:[{}]", pid.id),
        };
        format!(
            "started {name}: `{}` is PID {pid_in_container} in its PID namespace (PID {pid_on_node} on the node); joins {joined}, {ipc}; {pid_text}; own mnt:[{mnt}]",
            one_line(&argv.join(" "))
        )
    }

    /// Steps of processes, files and connections: the kernel's view.
    fn process_step(&self, at: MonoTime) -> Option<Step> {
        let plain = |who: &Who, kind, text| Some(Step { at, actor: who.actor(), kind, text, flow: None, zh: None });
        let flow = |who: &Who, kind, text, from: &str, to: &str, via: String| {
            let flow = Some(Flow { from: from.to_string(), to: to.to_string(), via });
            Some(Step { at, actor: who.actor(), kind, text, flow, zh: None })
        };
        match self {
            // The story follows the Pod's processes, not the node's or the outside world's.
            Note::ProcessStarted { who: Who::Node | Who::Outside(_), .. }
            | Note::ProcessExited { who: Who::Node | Who::Outside(_), .. }
            | Note::Listening { who: Who::Outside(_), .. } => None,
            Note::ProcessStarted { who, pid, argv, .. } => plain(
                who,
                StepKind::Process,
                format!("process {} started (PID {pid} on the node)", one_line(&argv.join(" "))),
            ),
            Note::ProcessExited { who, pid, status } => {
                plain(who, StepKind::Process, format!("process {pid} exited with status {status}"))
            }
            Note::SignalDelivered { who, pid, signal } => {
                plain(who, StepKind::Signal, format!("SIG{} delivered to PID {pid}", signal_name(*signal)))
            }
            Note::OomKilled { who, pid, process, process_bytes, usage_bytes, limit_bytes } => {
                let (usage, limit) = (words::bytes(*usage_bytes), words::bytes(*limit_bytes));
                let over = if usage == limit {
                    format!("more than its {limit} limit")
                } else {
                    format!("{usage}, over its {limit} limit")
                };
                plain(
                    who,
                    StepKind::Signal,
                    format!(
                        "out of memory: the memory cgroup would hold {over}; the OOM killer kills PID {pid} ({process}, holding {}) and, as memory.oom.group is set, every other process of the container (SIGKILL)",
                        words::bytes(*process_bytes)
                    ),
                )
            }
            Note::SignalIgnored { who, pid, signal } => plain(
                who,
                StepKind::Signal,
                format!(
                    "SIG{} to PID {pid} ignored: it is PID 1 of its PID namespace and has no handler for it",
                    signal_name(*signal)
                ),
            ),
            Note::FileWritten { bytes: 0, .. } => None,
            Note::FileWritten { who, volume, path, bytes } => flow(
                who,
                StepKind::FileWrite,
                format!("wrote {bytes} bytes to {path} (volume {volume})"),
                who.name(),
                &format!("volume {volume}"),
                path.clone(),
            ),
            Note::FileRead { who, volume, path, bytes } => flow(
                who,
                StepKind::FileRead,
                format!("read {bytes} bytes of {path} (volume {volume})"),
                &format!("volume {volume}"),
                who.name(),
                path.clone(),
            ),
            Note::Connected { from, to, ip, port, same_netns } => {
                let how =
                    if *same_netns { "over the Pod's shared network namespace" } else { "across network namespaces" };
                flow(
                    from,
                    StepKind::Connect,
                    format!("{} connected to {} at {ip}:{port} {how}", from.name(), to.name()),
                    from.name(),
                    to.name(),
                    format!("{ip}:{port}"),
                )
            }
            Note::Responded { server, client, port, summary } => {
                // An answer from outside the cluster is a log shipped out.
                let text = format!("{} answered {}: {summary}", server.name(), client.name());
                if matches!(server, Who::Outside(_)) {
                    // What moved is the client's request (the logs it ships
                    // out); the store only acknowledges.
                    let via = summary.clone();
                    flow(server, StepKind::Ship, text, client.name(), server.name(), via)
                } else {
                    flow(server, StepKind::Http, text, server.name(), client.name(), format!("port {port}"))
                }
            }
            Note::Listening { who, port } => plain(who, StepKind::Listen, format!("listening on port {port}")),
            _ => None,
        }
    }
}
