//! The virtual node as a runtime: its kernel (with the node's own
//! processes and the outside world) and [`Containerd`], behind podplay-core's
//! [`Runtime`] trait.

use litemap::LiteMap;

use podplay_core::cri::{CallId, ContainerExit, CriCall, CriReply};
use podplay_core::driver::NodeBoot;
use podplay_core::runtime::Runtime;
use podplay_core::time::MonoTime;
use podplay_core::trace::{Note, Who};

use super::{Containerd, Notes};
use crate::kernel::{Fd, Kernel, KernelEvent, Mount, NsSet, Owner, Pid, SpawnSpec, Store, executable};

/// The address of the stand-in for web sites outside the cluster.
pub const OUTSIDE_WEB_IP: &str = "188.184.67.127";
/// The outside log store's address, reached as `elasticsearch.logging.svc`.
pub const OUTSIDE_STORE_IP: &str = "10.96.200.10";

/// A node of the virtual cluster: the kernel and the container runtime.
pub struct VirtualNode {
    kernel: Kernel,
    containerd: Containerd,
    notes: Notes,
}

impl VirtualNode {
    /// Boots a node: its root filesystem, host namespaces, init,
    /// containerd and kubelet processes, and the outside world.
    pub fn boot(boot: NodeBoot<'_>) -> VirtualNode {
        let name = boot.context.node_name.clone();
        let ip = boot.context.node_ip.clone();
        let root = node_root(&name, &boot.context.node_hosts, &boot.context.node_resolv_conf);
        let mut kernel = Kernel::new(crate::programs::resolve, root, &name, &ip);
        kernel.set_node_memory(u64::try_from(boot.context.allocatable_memory_bytes).unwrap_or(0));
        let init = spawn_on_node(&mut kernel, &["/sbin/init"], 0);
        let _containerd = spawn_on_node(&mut kernel, &["/usr/bin/containerd"], init);
        let kubelet = [
            "/usr/bin/kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
            "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
        ];
        let kubelet_pid = spawn_on_node(&mut kernel, &kubelet, init);
        start_outside_world(&mut kernel);
        let notes = vec![Note::NodeUp { node: name, ip: ip.clone(), pod_cidr: boot.pod_cidr.clone() }];
        let containerd = Containerd::new(&ip, &boot.pod_cidr, kubelet_pid);
        VirtualNode { kernel, containerd, notes }
    }

    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    pub fn containerd(&self) -> &Containerd {
        &self.containerd
    }

    /// Sends `signal` to a container's first process, as `kill` on the node
    /// would; false if it does not run.
    pub fn kill_container(&mut self, name: &str, signal: i32) -> bool {
        let Some(pid) = self.containerd.container_by_name(name).and_then(|c| c.init_pid) else {
            return false;
        };
        let ok = self.kernel.signal(pid, signal).is_ok();
        self.notes.push(Note::SignalSentByUser { container: name.to_string(), signal });
        ok
    }

    /// Who a kernel event's process belongs to, in Kubernetes' names.
    fn who(&self, owner: &Owner) -> Who {
        match owner {
            Owner::Node => Who::Node,
            Owner::Container(id) => Who::Container(self.containerd.name_of(id)),
            Owner::Outside(host) => Who::Outside(host.clone()),
        }
    }

    /// The kernel's events as notes of what happened.
    fn note_kernel_events(&mut self, events: &[KernelEvent]) {
        for e in events {
            let note = match e {
                KernelEvent::Spawned { pid, owner, argv, uid } => {
                    Note::ProcessStarted { who: self.who(owner), pid: *pid, argv: argv.clone(), uid: *uid }
                }
                KernelEvent::Exited { pid, owner, status, .. } => {
                    Note::ProcessExited { who: self.who(owner), pid: *pid, status: status.code() }
                }
                KernelEvent::SignalIgnored { pid, owner, signal } => {
                    Note::SignalIgnored { who: self.who(owner), pid: *pid, signal: *signal }
                }
                KernelEvent::OomKill { owner, pid, name, victim_bytes, usage, limit } => Note::OomKilled {
                    who: self.who(owner),
                    pid: *pid,
                    process: name.clone(),
                    process_bytes: *victim_bytes,
                    usage_bytes: *usage,
                    limit_bytes: *limit,
                },
                KernelEvent::Signaled { pid, owner, signal } => {
                    Note::SignalDelivered { who: self.who(owner), pid: *pid, signal: *signal }
                }
                KernelEvent::VolumeWrite { owner, volume, path, bytes } => Note::FileWritten {
                    who: self.who(owner),
                    volume: volume.clone(),
                    path: path.clone(),
                    bytes: *bytes,
                },
                KernelEvent::VolumeRead { owner, volume, path, bytes } => {
                    Note::FileRead { who: self.who(owner), volume: volume.clone(), path: path.clone(), bytes: *bytes }
                }
                KernelEvent::Connected { from, to, ip, port, same_netns } => Note::Connected {
                    from: self.who(from),
                    to: self.who(to),
                    ip: ip.clone(),
                    port: *port,
                    same_netns: *same_netns,
                },
                KernelEvent::Responded { from, to, port, summary } => Note::Responded {
                    server: self.who(to),
                    client: self.who(from),
                    port: *port,
                    summary: summary.clone(),
                },
                KernelEvent::Listening { owner, port, .. } => Note::Listening { who: self.who(owner), port: *port },
            };
            self.notes.push(note);
        }
    }
}

impl Runtime for VirtualNode {
    fn submit(&mut self, now: MonoTime, id: CallId, call: CriCall) {
        // The runtime times its calls from the kernel's clock: move it first.
        self.kernel.advance(now);
        self.containerd.submit(&mut self.kernel, &mut self.notes, id, call);
    }

    fn handle_timeout(&mut self, now: MonoTime) -> bool {
        self.kernel.advance(now);
        self.kernel.run(now);
        let events = self.kernel.take_events();
        self.note_kernel_events(&events);
        self.containerd.poll(&mut self.kernel, &mut self.notes, &events);
        // The runtime may have signalled processes (a stop, a SIGKILL): the
        // kernel has more to do at this instant.
        !events.is_empty() || self.kernel.has_events()
    }

    fn poll_timeout(&self) -> Option<MonoTime> {
        [self.kernel.next_wakeup(), self.containerd.next_wakeup()].into_iter().flatten().min()
    }

    fn poll_reply(&mut self) -> Option<(CallId, CriReply)> {
        first(&mut self.containerd.replies)
    }

    fn poll_exit(&mut self) -> Option<ContainerExit> {
        first(&mut self.containerd.exits)
    }

    fn poll_note(&mut self) -> Option<Note> {
        first(&mut self.notes)
    }
}

/// The oldest of a short list of outputs, taken out.
fn first<T>(list: &mut Vec<T>) -> Option<T> {
    (!list.is_empty()).then(|| list.remove(0))
}

/// A process of the node itself, in the host namespaces, output discarded.
fn spawn_on_node(kernel: &mut Kernel, argv: &[&str], parent: Pid) -> Pid {
    let host = kernel.host_namespaces();
    let mut fds = LiteMap::new();
    fds.insert(0, Fd::Null);
    fds.insert(1, Fd::Null);
    fds.insert(2, Fd::Null);
    kernel
        .spawn(SpawnSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            env: LiteMap::new(),
            cwd: "/".into(),
            ns: host,
            fds,
            owner: Owner::Node,
            parent,
            uid: 0,
            container_init: false,
        })
        .unwrap_or(0)
}

/// The log store and the web outside the cluster, each in its own namespaces.
fn start_outside_world(kernel: &mut Kernel) {
    let store_names = [
        "elasticsearch",
        "elasticsearch.logging.svc",
        "elasticsearch.logging",
        "mongodb.logging.svc",
        "logs.example.com",
    ];
    outside_host(kernel, OUTSIDE_STORE_IP, "elasticsearch", &store_names, "/usr/share/elasticsearch/bin/elasticsearch");
    let web_names = ["info.cern.ch", "example.com", "www.example.com", "kubernetes.io"];
    outside_host(kernel, OUTSIDE_WEB_IP, "outside-web", &web_names, "/usr/sbin/httpd");
}

/// A host outside the cluster, in its own namespaces, running `program`.
fn outside_host(kernel: &mut Kernel, ip: &str, program: &str, names: &[&str], path: &str) {
    let net = kernel.new_net_ns(ip);
    for name in names {
        kernel.add_dns_name(name, ip);
    }
    let pid = kernel.new_pid_ns(None);
    let mut store = Store::new();
    store.put(path, &executable(program), 0o755);
    let root = kernel.new_store(store);
    let mnt = kernel.new_mount_ns(vec![Mount {
        target: "/".into(),
        store: root,
        source: "/".into(),
        read_only: false,
        label: "rootfs".into(),
    }]);
    let ipc = kernel.new_ipc_ns();
    let host = names.first().copied().unwrap_or(program);
    let uts = kernel.new_uts_ns(host);
    let ns = NsSet { net, ipc, uts, pid, mnt };
    let mut fds = LiteMap::new();
    fds.insert(0, Fd::Null);
    fds.insert(1, Fd::Null);
    fds.insert(2, Fd::Null);
    let _ = kernel.spawn(SpawnSpec {
        argv: vec![path.into()],
        env: LiteMap::new(),
        cwd: "/".into(),
        ns,
        fds,
        owner: Owner::Outside(host.to_string()),
        parent: 0,
        uid: 1000,
        container_init: false,
    });
}

/// A fresh root store with the node's own files: its `/etc/hosts` and
/// `/etc/resolv.conf` are the ones the kubelet knows (hostNetwork Pods get
/// copies of them).
fn node_root(hostname: &str, hosts: &str, resolv_conf: &str) -> Store {
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
    s.put("/etc/hosts", hosts.as_bytes(), 0o644);
    s.put("/etc/resolv.conf", resolv_conf.as_bytes(), 0o644);
    s.put("/etc/hostname", format!("{hostname}\n").as_bytes(), 0o644);
    crate::programs::busybox::install(&mut s, &[]);
    s.put("/sbin/init", &executable("node-daemon"), 0o755);
    s.put("/usr/bin/containerd", &executable("node-daemon"), 0o755);
    s.put("/usr/bin/kubelet", &executable("node-daemon"), 0o755);
    s
}
