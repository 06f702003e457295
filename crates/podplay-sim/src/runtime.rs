//! The container runtime on the virtual kernel: it carries out the kubelet's
//! CRI calls the way containerd and runc would — a pause process owning new
//! namespaces, containers joining them, rootfs copies, volume and kubelet
//! file mounts, stop signals with a grace period — and reports container
//! exits.

use litemap::LiteMap;
use std::collections::BTreeSet;

use podplay_core::cri::{
    CallId, ContainerConfig, ContainerExit, CriCall, CriReply, HostPathCreate, MountSource, SandboxConfig,
};
use podplay_core::kubelet::machine::fake_digest;
use podplay_core::quote::go_quote;
use podplay_core::time::{SimDuration, SimTime};

use crate::images::{self, Image, PAUSE_IMAGE};
use crate::kernel::exec::{KernelEvent, NODE_STORE, SpawnSpec};
use crate::kernel::fs::{self, Mount};
use crate::kernel::{Fd, Kernel, NsSet, Owner, Pid, ResponseState, SIGKILL, SIGTERM, Store};
use crate::trace::{Actor, StepKind, Tracer};

/// A created sandbox.
#[derive(Clone, Debug)]
pub struct Sandbox {
    pub id: String,
    pub config: SandboxConfig,
    pub pause_pid: Pid,
    pub ns: NsSet,
    pub ip: String,
    pub pod_dir: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContainerState {
    Created,
    Running,
    Exited(i32),
}

#[derive(Clone, Debug)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub sandbox: String,
    pub config: ContainerConfig,
    pub image: Image,
    pub argv: Vec<String>,
    pub state: ContainerState,
    pub init_pid: Option<Pid>,
    pub mnt_ns: u64,
    pub pid_ns: u64,
    /// Where the termination-message file lives on the node.
    pub termination_log: String,
}

/// A call still in progress.
#[derive(Clone, Debug)]
enum Pending {
    Sandbox { call: CallId, ready_at: SimTime, reply: CriReply },
    Pull { call: CallId, image: String, ready_at: SimTime, started: SimTime },
    Exec { call: CallId, pid: Pid, capture: u64, deadline: SimTime, command_text: String },
    Sleep { call: CallId, until: SimTime },
    Stop { call: CallId, container: String, kill_at: SimTime, killed: bool },
    StopSandbox { call: CallId, sandbox: String },
    Http { call: CallId, conn: u64, deadline: SimTime, url: String },
}

/// The runtime of one node.
pub struct Runtime {
    pub node_name: String,
    pub node_ip: String,
    /// `10.244.1` for a node with pod CIDR `10.244.1.0/24`.
    pod_net_prefix: String,
    next_ip: u8,
    pub sandboxes: LiteMap<String, Sandbox>,
    pub containers: LiteMap<String, Container>,
    pub images: BTreeSet<String>,
    /// The node process that makes the kubelet's own network calls.
    pub kubelet_pid: Pid,
    pending: Vec<Pending>,
    replies: Vec<(CallId, CriReply)>,
    exits: Vec<ContainerExit>,
    attempts: LiteMap<String, u32>,
}

impl Runtime {
    pub fn new(node_name: &str, node_ip: &str, pod_cidr: &str, kubelet_pid: Pid) -> Runtime {
        let prefix = pod_cidr
            .split('/')
            .next()
            .unwrap_or("10.244.0.0")
            .rsplit_once('.')
            .map(|x| x.0)
            .unwrap_or("10.244.0")
            .to_string();
        let mut images = BTreeSet::new();
        images.insert(PAUSE_IMAGE.to_string());
        Runtime {
            node_name: node_name.to_string(),
            node_ip: node_ip.to_string(),
            pod_net_prefix: prefix,
            next_ip: 2,
            sandboxes: LiteMap::new(),
            containers: LiteMap::new(),
            images,
            kubelet_pid,
            pending: Vec::new(),
            replies: Vec::new(),
            exits: Vec::new(),
            attempts: LiteMap::new(),
        }
    }

    /// Replies ready to hand to the kubelet.
    pub fn take_replies(&mut self) -> Vec<(CallId, CriReply)> {
        std::mem::take(&mut self.replies)
    }

    pub fn take_exits(&mut self) -> Vec<ContainerExit> {
        std::mem::take(&mut self.exits)
    }

    /// The next instant a pending call completes or needs a step.
    pub fn next_wakeup(&self) -> Option<SimTime> {
        self.pending
            .iter()
            .filter_map(|p| match p {
                Pending::Sandbox { ready_at, .. } | Pending::Pull { ready_at, .. } => Some(*ready_at),
                Pending::Exec { deadline, .. } | Pending::Http { deadline, .. } => Some(*deadline),
                Pending::Sleep { until, .. } => Some(*until),
                Pending::Stop { kill_at, killed: false, .. } => Some(*kill_at),
                _ => None,
            })
            .min()
    }

    /// Starts a call.
    pub fn submit(&mut self, kernel: &mut Kernel, tracer: &mut Tracer, call: CallId, request: CriCall) {
        let now = kernel.now();
        match request {
            CriCall::RunPodSandbox(config) => {
                let reply = match self.run_sandbox(kernel, tracer, config) {
                    Ok(sandbox) => CriReply::SandboxReady { sandbox_id: sandbox.id, ip: sandbox.ip },
                    Err(message) => CriReply::Error { message },
                };
                // containerd + CNI take a moment.
                self.pending.push(Pending::Sandbox { call, ready_at: now + SimDuration(300), reply });
            }
            CriCall::ImageStatus { image } => {
                let full = crate::normalize_image(&image);
                let present = self.images.contains(&full);
                let size_bytes = if present { images::lookup(&image).map_or(0, |i| i.size_bytes) } else { 0 };
                self.replies.push((call, CriReply::ImageStatus { present, size_bytes }));
            }
            CriCall::PullImage { image } => match images::lookup(&image) {
                Some(found) => {
                    // A registry at ~40 MB/s, plus a round trip.
                    let took = SimDuration(400 + found.size_bytes / 40_000);
                    tracer.step(
                        now,
                        Actor::Runtime,
                        StepKind::Image,
                        format!("pulling {} ({} bytes)", found.reference, found.size_bytes),
                    );
                    self.pending.push(Pending::Pull { call, image, ready_at: now + took, started: now });
                }
                None => {
                    let full = crate::normalize_image(&image);
                    let message = format!(
                        "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
                    );
                    self.pending.push(Pending::Sandbox {
                        call,
                        ready_at: now + SimDuration(500),
                        reply: CriReply::Error { message },
                    });
                }
            },
            CriCall::CreateContainer { sandbox_id, config } => {
                let reply = match self.create_container(kernel, tracer, &sandbox_id, config) {
                    Ok(id) => CriReply::ContainerCreated { container_id: id },
                    Err(message) => CriReply::Error { message },
                };
                // containerd takes a moment to prepare the rootfs and spec.
                self.pending.push(Pending::Sandbox { call, ready_at: now + SimDuration(50), reply });
            }
            CriCall::StartContainer { container_id } => {
                let reply = match self.start_container(kernel, tracer, &container_id) {
                    Ok(()) => CriReply::Started,
                    Err(message) => CriReply::Error { message },
                };
                self.replies.push((call, reply));
            }
            CriCall::ExecSync { container_id, command, timeout } => {
                self.exec(kernel, tracer, call, &container_id, command, timeout)
            }
            CriCall::StopContainer { container_id, timeout } => self.stop(kernel, tracer, call, &container_id, timeout),
            CriCall::StopPodSandbox { sandbox_id } => {
                self.stop_sandbox(kernel, tracer, &sandbox_id);
                self.pending.push(Pending::StopSandbox { call, sandbox: sandbox_id });
            }
            CriCall::RemovePodSandbox { sandbox_id } => {
                if let Some(sb) = self.sandboxes.remove(&sandbox_id) {
                    // Container records stay: their logs remain readable in the simulator.
                    if !sb.config.host_network {
                        kernel.remove_net_ns(sb.ns.net);
                    }
                    tracer.step(
                        now,
                        Actor::Runtime,
                        StepKind::Sandbox,
                        format!("removed sandbox {} and its network namespace", short(&sandbox_id)),
                    );
                }
                self.replies.push((call, CriReply::Removed));
            }
            CriCall::HttpGet { host, port, path, timeout } => {
                let url = format!("http://{host}:{port}{path}");
                let sys = kernel.sys_for(self.kubelet_pid);
                match sys.connect(&host, port, crate::programs::http::request("GET", &host, &path, "")) {
                    Ok(conn) => self.pending.push(Pending::Http {
                        call,
                        conn,
                        deadline: now + timeout.max(SimDuration(1)),
                        url,
                    }),
                    Err(e) => {
                        let reason = if e == crate::kernel::exec::Errno::ConnRefused {
                            "connect: connection refused"
                        } else {
                            "connect: no route to host"
                        };
                        let message = format!("Get \"{url}\": dial tcp {host}:{port}: {reason}");
                        self.replies.push((call, CriReply::Error { message }));
                    }
                }
            }
            CriCall::TcpConnect { host, port, .. } => {
                let sys = kernel.sys_for(self.kubelet_pid);
                let reply = match sys.connect(&host, port, Vec::new()) {
                    Ok(conn) => {
                        // A bare connect: the server's accept queue sees it; drop it.
                        kernel.drop_connection(conn);
                        CriReply::Connected
                    }
                    Err(_) => {
                        CriReply::Error { message: format!("dial tcp {host}:{port}: connect: connection refused") }
                    }
                };
                self.replies.push((call, reply));
            }
        }
    }

    /// Checks pending calls and process exits after the kernel ran.
    pub fn poll(&mut self, kernel: &mut Kernel, tracer: &mut Tracer, events: &[KernelEvent]) {
        let now = kernel.now();
        for event in events {
            if let KernelEvent::Exited { pid, container_init: true, status, .. } = event {
                let found = self
                    .containers
                    .iter_mut()
                    .map(|(_, v)| v)
                    .find(|c| c.init_pid == Some(*pid) && c.state == ContainerState::Running);
                if let Some(c) = found {
                    let code = status.code();
                    c.state = ContainerState::Exited(code);
                    let id = c.id.clone();
                    let name = c.name.clone();
                    let termination_message = kernel.termination_message(&c.termination_log);
                    let log_tail = kernel.container_log_tail(&id, 80, 2048).unwrap_or_default();
                    tracer.step(
                        now,
                        Actor::Runtime,
                        StepKind::Process,
                        format!("container {name} exited with code {code}"),
                    );
                    self.exits.push(ContainerExit {
                        container_id: id,
                        exit_code: code,
                        reason: None,
                        termination_message,
                        log_tail,
                        finished_at: now,
                    });
                }
            }
        }
        let mut still = Vec::new();
        for p in std::mem::take(&mut self.pending) {
            match p {
                Pending::Sandbox { call, ready_at, reply } if now >= ready_at => self.replies.push((call, reply)),
                Pending::Pull { call, image, ready_at, started } if now >= ready_at => {
                    let found = images::lookup(&image);
                    let size = found.as_ref().map_or(0, |i| i.size_bytes);
                    if let Some(img) = found {
                        self.images.insert(img.reference.clone());
                        tracer.step(now, Actor::Runtime, StepKind::Image, format!("pulled {}", img.reference));
                    }
                    self.replies.push((call, CriReply::Pulled { size_bytes: size, took: now.since(started) }));
                }
                Pending::Exec { call, pid, capture, deadline, command_text } => {
                    let status = kernel.try_wait(pid);
                    match status {
                        Some(status) => {
                            let output = kernel.take_capture(capture);
                            self.replies.push((call, CriReply::Exec { exit_code: status.code(), output }));
                        }
                        None if now >= deadline => {
                            let _ = kernel.signal(pid, SIGKILL);
                            let _ = kernel.take_capture(capture);
                            self.replies.push((
                                call,
                                CriReply::Error { message: format!("command {} timed out", go_quote(&command_text)) },
                            ));
                        }
                        None => still.push(Pending::Exec { call, pid, capture, deadline, command_text }),
                    }
                }
                Pending::Sleep { call, until } if now >= until => {
                    self.replies.push((call, CriReply::Exec { exit_code: 0, output: String::new() }))
                }
                Pending::Stop { call, container, kill_at, killed } => {
                    let state = self.containers.get(&container).map(|c| (c.state.clone(), c.init_pid));
                    match state {
                        Some((ContainerState::Running, Some(pid))) => {
                            if now >= kill_at && !killed {
                                let _ = kernel.signal(pid, SIGKILL);
                                tracer.step(
                                    now,
                                    Actor::Runtime,
                                    StepKind::Signal,
                                    format!("grace period over: SIGKILL to {}", self.containers[&container].name),
                                );
                                still.push(Pending::Stop { call, container, kill_at, killed: true });
                            } else {
                                still.push(Pending::Stop { call, container, kill_at, killed });
                            }
                        }
                        _ => self.replies.push((call, CriReply::Stopped)),
                    }
                }
                Pending::StopSandbox { call, sandbox } => {
                    let alive = self.sandboxes.get(&sandbox).is_some_and(|sb| kernel.is_alive(sb.pause_pid));
                    if alive {
                        still.push(Pending::StopSandbox { call, sandbox });
                    } else {
                        self.replies.push((call, CriReply::Stopped));
                    }
                }
                Pending::Http { call, conn, deadline, url } => match kernel.poll_response(conn) {
                    ResponseState::Answered(response) => {
                        kernel.close_connection(conn);
                        let (status, _) = crate::programs::http::parse_response(&response);
                        self.replies.push((call, CriReply::Http { status }));
                    }
                    ResponseState::Waiting if now < deadline => still.push(Pending::Http { call, conn, deadline, url }),
                    _ => {
                        kernel.close_connection(conn);
                        let message = format!(
                            "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                        );
                        self.replies.push((call, CriReply::Error { message }));
                    }
                },
                other => still.push(other),
            }
        }
        self.pending = still;
    }

    fn run_sandbox(
        &mut self,
        kernel: &mut Kernel,
        tracer: &mut Tracer,
        config: SandboxConfig,
    ) -> Result<Sandbox, String> {
        let now = kernel.now();
        let attempt = {
            let a = self.attempts.entry(format!("sandbox-{}", config.uid)).or_insert(0);
            *a += 1;
            *a
        };
        let id = fake_digest(&format!("sandbox/{}/{attempt}", config.uid));
        let pod_dir = format!("/var/lib/kubelet/pods/{}", config.uid);
        let host = kernel.host_namespaces();
        let (net, ip) = if config.host_network {
            (host.net, self.node_ip.clone())
        } else {
            let ip = format!("{}.{}", self.pod_net_prefix, self.next_ip);
            self.next_ip = self.next_ip.wrapping_add(1).max(2);
            let ns = kernel.new_net_ns(&ip);
            (ns, ip)
        };
        let ipc = if config.host_ipc { host.ipc } else { kernel.new_ipc_ns() };
        let uts = if config.host_network { host.uts } else { kernel.new_uts_ns(&config.hostname) };
        let pid = if config.host_pid { host.pid } else { kernel.new_pid_ns(Some(host.pid)) };
        // The sandbox's own files, as containerd writes them.
        let sandbox_dir = format!("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{id}");
        let hostname_content = if config.host_network { kernel.node_hostname() } else { config.hostname.clone() };
        kernel.make_node_dir(&format!("{pod_dir}/volumes"));
        kernel.write_node_file(&format!("{sandbox_dir}/hostname"), format!("{hostname_content}\n").as_bytes(), 0o644);
        kernel.write_node_file(&format!("{sandbox_dir}/resolv.conf"), config.resolv_conf.as_bytes(), 0o644);
        let pause = images::lookup(PAUSE_IMAGE).ok_or("no pause image")?;
        let rootfs = kernel.new_store(pause.tree.clone());
        let mnt = kernel.new_mount_ns(vec![Mount {
            target: "/".into(),
            store: rootfs,
            source: "/".into(),
            read_only: true,
            label: "rootfs".into(),
        }]);
        let ns = NsSet { net, ipc, uts, pid, mnt };
        let mut fds = LiteMap::new();
        fds.insert(0, Fd::Null);
        fds.insert(1, Fd::Log { container: id.clone(), stderr: false });
        fds.insert(2, Fd::Log { container: id.clone(), stderr: true });
        let pause_pid = kernel
            .spawn(SpawnSpec {
                argv: vec!["/pause".into()],
                env: LiteMap::new(),
                cwd: "/".into(),
                ns,
                fds,
                owner: Owner::Container(id.clone()),
                parent: self.shim_parent(kernel),
                uid: 65535,
                container_init: false,
            })
            .map_err(|e| format!("failed to start sandbox container task: {}", e.text()))?;
        let ns_text = |kind: &str, id: u64, shared_with_host: bool| {
            if shared_with_host { format!("{kind}: the node's ({kind}:[{id}])") } else { format!("{kind}:[{id}]") }
        };
        tracer.step(
            now,
            Actor::Runtime,
            StepKind::Sandbox,
            format!(
                "sandbox {} for {}: pause process (PID {pause_pid} on the node) holds {}, {}, {}, {}; Pod IP {ip}",
                short(&id),
                config.pod_name,
                ns_text("net", net, config.host_network),
                ns_text("ipc", ipc, config.host_ipc),
                ns_text("uts", uts, config.host_network),
                ns_text("pid", pid, config.host_pid),
            ),
        );
        let sandbox = Sandbox { id: id.clone(), config, pause_pid, ns, ip, pod_dir };
        self.sandboxes.insert(id, sandbox.clone());
        Ok(sandbox)
    }

    /// The containerd shim (or containerd itself) parents container processes.
    fn shim_parent(&self, kernel: &Kernel) -> Pid {
        kernel.pidof("containerd").unwrap_or(1)
    }

    fn create_container(
        &mut self,
        kernel: &mut Kernel,
        tracer: &mut Tracer,
        sandbox_id: &str,
        config: ContainerConfig,
    ) -> Result<String, String> {
        let now = kernel.now();
        let sandbox =
            self.sandboxes.get(sandbox_id).cloned().ok_or_else(|| format!("sandbox {sandbox_id} not found"))?;
        let image = images::lookup(&config.image).ok_or_else(|| format!("image \"{}\" not found", config.image))?;
        let id = fake_digest(&format!("container/{}/{}/{}", sandbox.config.uid, config.name, config.attempt));
        let argv = if !config.command.is_empty() {
            config.command.iter().chain(config.args.iter()).cloned().collect::<Vec<_>>()
        } else {
            let args = if config.args.is_empty() { image.cmd.clone() } else { config.args.clone() };
            image.entrypoint.iter().cloned().chain(args).collect()
        };
        let rootfs = kernel.new_store(image.tree.clone());
        let mut mounts = vec![Mount {
            target: "/".into(),
            store: rootfs,
            source: "/".into(),
            read_only: false,
            label: "rootfs".into(),
        }];
        let sandbox_dir = format!("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{}", sandbox.id);
        let termination_log = format!("{}/containers/{}/{}", sandbox.pod_dir, config.name, &fake_digest(&id)[..8]);
        kernel.write_node_file(&termination_log, b"", 0o666);
        let mut described = Vec::new();
        for m in &config.mounts {
            match &m.source {
                MountSource::NodePath { path, create, volume } => {
                    let exists = kernel.node_path_exists(path);
                    match create {
                        HostPathCreate::MustExist if !exists => {
                            return Err(format!(
                                "failed to generate container spec: hostPath type check failed: {path} does not exist"
                            ));
                        }
                        HostPathCreate::File if !exists => kernel.write_node_file(path, b"", 0o644),
                        _ if !exists => kernel.make_node_dir(path),
                        _ => {}
                    }
                    let source = match &m.sub_path {
                        Some(sub) => {
                            let full = fs::join(path, sub);
                            if !kernel.node_path_exists(&full) {
                                kernel.make_node_dir(&full);
                            }
                            full
                        }
                        None => path.clone(),
                    };
                    described.push(format!(
                        "{} → {} (volume {volume}){}",
                        m.container_path,
                        source,
                        if m.read_only { ", read-only" } else { "" }
                    ));
                    mounts.push(Mount {
                        target: fs::normalize("/", &m.container_path),
                        store: NODE_STORE,
                        source,
                        read_only: m.read_only,
                        label: volume.clone(),
                    });
                }
                MountSource::KubeletFile { path, content } => {
                    kernel.write_node_file(path, content.as_bytes(), 0o644);
                    described.push(format!("{} → {path} (kubelet-managed)", m.container_path));
                    let label = if m.container_path == "/etc/hosts" { "etc-hosts" } else { "kubelet-file" };
                    mounts.push(Mount {
                        target: m.container_path.clone(),
                        store: NODE_STORE,
                        source: path.clone(),
                        read_only: false,
                        label: label.into(),
                    });
                }
            }
        }
        if !mounts.iter().any(|m| m.target == "/etc/hostname") {
            mounts.push(Mount {
                target: "/etc/hostname".into(),
                store: NODE_STORE,
                source: format!("{sandbox_dir}/hostname"),
                read_only: false,
                label: "etc-hostname".into(),
            });
        }
        if !mounts.iter().any(|m| m.target == "/etc/resolv.conf") {
            mounts.push(Mount {
                target: "/etc/resolv.conf".into(),
                store: NODE_STORE,
                source: format!("{sandbox_dir}/resolv.conf"),
                read_only: false,
                label: "resolv-conf".into(),
            });
        }
        mounts.push(Mount {
            target: fs::normalize("/", &config.termination_message_path),
            store: NODE_STORE,
            source: termination_log.clone(),
            read_only: false,
            label: "termination-log".into(),
        });
        // Mount points must exist in the image's tree to be listed.
        for m in mounts.iter().skip(1) {
            let parent = fs::parent(&m.target);
            kernel.make_store_dir(rootfs, &parent);
        }
        let mnt = kernel.new_mount_ns(mounts);
        let pid_ns = if sandbox.config.host_pid || sandbox.config.share_process_namespace {
            sandbox.ns.pid
        } else {
            let host_pid = kernel.host_namespaces().pid;
            kernel.new_pid_ns(Some(host_pid))
        };
        let mut detail = format!(
            "created container {} ({}) from {}: command {}",
            config.name,
            short(&id),
            image.reference,
            show_argv(&argv)
        );
        if !image.known {
            detail.push_str(&format!(
                " — image {} is not in podplay's catalog, so it runs a generic long-running process",
                image.reference
            ));
        }
        tracer.step(now, Actor::Runtime, StepKind::Container, detail);
        for d in described {
            tracer.step(now, Actor::Runtime, StepKind::Mount, format!("{}: mount {d}", config.name));
        }
        self.containers.insert(
            id.clone(),
            Container {
                id: id.clone(),
                name: config.name.clone(),
                sandbox: sandbox.id.clone(),
                config,
                image,
                argv,
                state: ContainerState::Created,
                init_pid: None,
                mnt_ns: mnt,
                pid_ns,
                termination_log,
            },
        );
        Ok(id)
    }

    fn start_container(&mut self, kernel: &mut Kernel, tracer: &mut Tracer, id: &str) -> Result<(), String> {
        let now = kernel.now();
        let c = self.containers.get(id).cloned().ok_or_else(|| format!("container {id} not found"))?;
        let sandbox = self.sandboxes.get(&c.sandbox).cloned().ok_or("sandbox gone")?;
        let ns = NsSet { net: sandbox.ns.net, ipc: sandbox.ns.ipc, uts: sandbox.ns.uts, pid: c.pid_ns, mnt: c.mnt_ns };
        let mut env = LiteMap::new();
        env.extend(c.image.env.iter().cloned());
        env.insert("HOSTNAME".into(), kernel.sys_for(sandbox.pause_pid).hostname());
        env.insert("KUBERNETES_SERVICE_HOST".into(), "10.96.0.1".into());
        env.insert("KUBERNETES_SERVICE_PORT".into(), "443".into());
        env.insert("KUBERNETES_PORT".into(), "tcp://10.96.0.1:443".into());
        for (k, v) in &c.config.env {
            env.insert(k.clone(), v.clone());
        }
        if !c.image.known {
            let ports = self.declared_ports(&c);
            env.insert("PODPLAY_PORTS".into(), ports);
        }
        let mut fds = LiteMap::new();
        fds.insert(0, if c.config.stdin { Fd::Tty } else { Fd::Null });
        fds.insert(1, Fd::Log { container: id.to_string(), stderr: false });
        fds.insert(2, Fd::Log { container: id.to_string(), stderr: true });
        let cwd = c.config.working_dir.clone().filter(|w| !w.is_empty()).unwrap_or_else(|| c.image.working_dir.clone());
        if c.config.working_dir.is_some() {
            kernel.make_dir_in_mount_ns(c.mnt_ns, &cwd);
        }
        let parent = self.shim_parent(kernel);
        let spawned = kernel.spawn(SpawnSpec {
            argv: c.argv.clone(),
            env,
            cwd,
            ns,
            fds,
            owner: Owner::Container(id.to_string()),
            parent,
            uid: c.image.user,
            container_init: true,
        });
        let pid = match spawned {
            Ok(pid) => pid,
            Err(e) => {
                let what = c.argv.first().cloned().unwrap_or_default();
                let why = match e {
                    crate::kernel::exec::Errno::NoEnt => {
                        format!("exec: \"{what}\": executable file not found in $PATH")
                    }
                    other => format!("exec: \"{what}\": {}", other.text().to_ascii_lowercase()),
                };
                return Err(format!(
                    "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {why}: unknown"
                ));
            }
        };
        let (ns_pid, ns_text) = {
            let ns_pid = kernel.pid_in(pid, c.pid_ns).unwrap_or(pid);
            let joined = if sandbox.config.host_network {
                "the node's net and uts".to_string()
            } else {
                format!("net:[{}], uts:[{}] of the pause container", ns.net, ns.uts)
            };
            let ipc = if sandbox.config.host_ipc { "the node's ipc".to_string() } else { format!("ipc:[{}]", ns.ipc) };
            let pid_text = if sandbox.config.host_pid {
                "the node's pid namespace".to_string()
            } else if sandbox.config.share_process_namespace {
                format!("the Pod's shared pid:[{}] (pause is PID 1)", ns.pid)
            } else {
                format!("its own pid:[{}]", ns.pid)
            };
            (ns_pid, format!("joins {joined}, {ipc}; {pid_text}; own mnt:[{}]", ns.mnt))
        };
        if let Some(cm) = self.containers.get_mut(id) {
            cm.state = ContainerState::Running;
            cm.init_pid = Some(pid);
        }
        tracer.step(
            now,
            Actor::Runtime,
            StepKind::Container,
            format!(
                "started {}: `{}` is PID {ns_pid} in its PID namespace (PID {pid} on the node); {ns_text}",
                c.name,
                crate::sim::one_line(&c.argv.join(" "))
            ),
        );
        Ok(())
    }

    /// `80,443`: the container's declared ports, for the generic stand-in.
    fn declared_ports(&self, c: &Container) -> String {
        c.config.ports.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",")
    }

    fn exec(
        &mut self,
        kernel: &mut Kernel,
        tracer: &mut Tracer,
        call: CallId,
        id: &str,
        command: Vec<String>,
        timeout: SimDuration,
    ) {
        let now = kernel.now();
        if command.first().map(String::as_str) == Some("__podplay_sleep") {
            let secs: u64 = command.get(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            self.pending.push(Pending::Sleep { call, until: now + SimDuration::from_secs(secs) });
            return;
        }
        let Some(c) = self.containers.get(id).cloned() else {
            self.replies.push((call, CriReply::Error { message: format!("container {id} not found") }));
            return;
        };
        let Some(init) = c.init_pid.filter(|_| c.state == ContainerState::Running) else {
            self.replies.push((call, CriReply::Error { message: "container is not running".into() }));
            return;
        };
        let Some(sandbox) = self.sandboxes.get(&c.sandbox) else {
            self.replies.push((call, CriReply::Error { message: "container is not running".into() }));
            return;
        };
        let ns = NsSet { net: sandbox.ns.net, ipc: sandbox.ns.ipc, uts: sandbox.ns.uts, pid: c.pid_ns, mnt: c.mnt_ns };
        let (capture, write) = kernel.open_capture_pipe();
        let env = kernel.sys_for(init).env();
        let mut fds = LiteMap::new();
        fds.insert(0, Fd::Null);
        fds.insert(1, write.clone());
        fds.insert(2, write);
        let spawned = kernel.spawn(SpawnSpec {
            argv: command.clone(),
            env,
            cwd: "/".into(),
            ns,
            fds,
            owner: Owner::Container(id.to_string()),
            parent: self.shim_parent(kernel),
            uid: c.image.user,
            container_init: false,
        });
        tracer.step(now, Actor::Kubelet, StepKind::Exec, format!("exec in {}: {}", c.name, command.join(" ")));
        match spawned {
            Ok(pid) => self.pending.push(Pending::Exec {
                call,
                pid,
                capture,
                deadline: now + timeout.max(SimDuration(1000)),
                command_text: command.join(" "),
            }),
            Err(e) => {
                let _ = kernel.take_capture(capture);
                let what = command.first().cloned().unwrap_or_default();
                let message = match e {
                    crate::kernel::exec::Errno::NoEnt => format!(
                        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{what}\": executable file not found in $PATH: unknown"
                    ),
                    other => other.text().to_string(),
                };
                self.replies.push((call, CriReply::Exec { exit_code: 126, output: message }));
            }
        }
    }

    fn stop(&mut self, kernel: &mut Kernel, tracer: &mut Tracer, call: CallId, id: &str, timeout: SimDuration) {
        let now = kernel.now();
        let Some(c) = self.containers.get(id).cloned() else {
            self.replies.push((call, CriReply::Stopped));
            return;
        };
        match (c.state, c.init_pid) {
            (ContainerState::Running, Some(pid)) => {
                let signal = c.image.stop_signal;
                let _ = kernel.signal(pid, signal);
                tracer.step(
                    now,
                    Actor::Runtime,
                    StepKind::Signal,
                    format!(
                        "stop {}: SIG{} to its first process, SIGKILL after {timeout}",
                        c.name,
                        crate::kernel::signal_name(signal)
                    ),
                );
                self.pending.push(Pending::Stop {
                    call,
                    container: id.to_string(),
                    kill_at: now + timeout,
                    killed: false,
                });
            }
            _ => self.replies.push((call, CriReply::Stopped)),
        }
    }

    fn stop_sandbox(&mut self, kernel: &mut Kernel, tracer: &mut Tracer, id: &str) {
        let now = kernel.now();
        let Some(sb) = self.sandboxes.get(id) else {
            return;
        };
        let pause = sb.pause_pid;
        let remaining: Vec<Pid> = self
            .containers
            .values()
            .filter(|c| c.sandbox == id && c.state == ContainerState::Running)
            .filter_map(|c| c.init_pid)
            .collect();
        for pid in remaining {
            let _ = kernel.signal(pid, SIGKILL);
        }
        let _ = kernel.signal(pause, SIGTERM);
        tracer.step(
            now,
            Actor::Runtime,
            StepKind::Sandbox,
            format!("stopping sandbox {}: SIGTERM to pause", short(id)),
        );
    }

    /// The container (by Kubernetes name) currently running in the sandbox.
    pub fn container_by_name(&self, name: &str) -> Option<&Container> {
        self.containers.values().filter(|c| c.name == name).max_by_key(|c| c.config.attempt)
    }
}

/// The first 13 characters of an id, as `crictl` shows them.
pub fn short(id: &str) -> &str {
    id.get(..13).unwrap_or(id)
}

/// A fresh root store with the node's own files.
pub fn node_root(hostname: &str, node_ip: &str) -> Store {
    let mut s = Store::new();
    for dir in [
        "/bin",
        "/etc",
        "/proc",
        "/root",
        "/tmp",
        "/usr/bin",
        "/var/lib/kubelet/pods",
        "/var/log/pods",
        "/var/lib/containerd",
        "/run",
    ] {
        s.mkdir_all(dir);
    }
    s.put(
        "/etc/hosts",
        format!("127.0.0.1\tlocalhost\n{node_ip}\t{hostname}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n").as_bytes(),
        0o644,
    );
    s.put("/etc/hostname", format!("{hostname}\n").as_bytes(), 0o644);
    s.put("/etc/resolv.conf", b"nameserver 192.168.49.1\noptions edns0 trust-ad\nsearch .\n", 0o644);
    s.put("/bin/busybox", &crate::kernel::exec::executable("busybox"), 0o755);
    for applet in crate::programs::busybox::linked_applets() {
        s.put(&format!("/bin/{applet}"), &crate::kernel::exec::executable("busybox"), 0o755);
    }
    s.put("/sbin/init", &crate::kernel::exec::executable("node-daemon"), 0o755);
    s.put("/usr/bin/containerd", &crate::kernel::exec::executable("node-daemon"), 0o755);
    s.put("/usr/bin/kubelet", &crate::kernel::exec::executable("node-daemon"), 0o755);
    s
}

/// An argument vector as JSON-ish text, newlines shown as ⏎.
pub fn show_argv(argv: &[String]) -> String {
    let parts: Vec<String> = argv.iter().map(|a| go_quote(a).replace("\\n", " ⏎ ")).collect();
    format!("[{}]", parts.join(", "))
}
