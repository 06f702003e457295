//! `RunPodSandbox`, `StopPodSandbox`, `RemovePodSandbox`: the pause
//! process and the Pod's shared namespaces.

use nix::sys::signal::Signal;

use podplay_core::cri::{CallId, CriReply, SandboxConfig};
use podplay_core::trace::{Note, NsJoin, NsOwner};

use super::{LinuxNode, Sandbox, paths, spawn};
use crate::init::spec::{InitSpec, PauseSetup, Role};
use crate::sys::ns::{NsKind, ns_inode};
use crate::sys::process;

impl LinuxNode {
    /// Starts pause in new namespaces (or the node's, for hostNetwork,
    /// hostIPC, hostPID), with the files containerd writes for a sandbox.
    /// Returns the sandbox's id and the Pod IP.
    pub(super) fn run_sandbox(&mut self, config: SandboxConfig) -> Result<(String, String), String> {
        let id = paths::new_id();
        let dir = self.dirs.sandbox(&id);
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let hostname = if config.host_network { node_hostname() } else { config.hostname.clone() };
        let write = |name: &str, content: &str| {
            let path = dir.join(name);
            std::fs::write(&path, content).map_err(|e| format!("write {}: {e}", path.display()))
        };
        write("hostname", &format!("{hostname}\n"))?;
        write("resolv.conf", &config.resolv_conf)?;
        // No mount namespace of its own: pause never looks at a file, and
        // a private copy of the node's mounts would keep them alive.
        let mut unshare = Vec::new();
        if !config.host_network {
            unshare.extend([NsKind::Net, NsKind::Uts]);
        }
        if !config.host_ipc {
            unshare.push(NsKind::Ipc);
        }
        if !config.host_pid {
            unshare.push(NsKind::Pid);
        }
        // hostIPC: the node's own /dev/shm; otherwise a tmpfs of the Pod's,
        // as containerd mounts it (a bind mount cannot reach into another
        // mount namespace, so it lives in the runner's, until teardown).
        let shm = if config.host_ipc {
            std::path::PathBuf::from("/dev/shm")
        } else {
            let at = dir.join("shm");
            if let Err(e) = pod_shm(&at) {
                let _ = paths::remove_tree(&dir);
                return Err(e.to_string());
            }
            at
        };
        let seccomp = self.pause_seccomp().inspect_err(|_| {
            let _ = paths::remove_tree(&dir);
        })?;
        let setup = PauseSetup {
            hostname: (!config.host_network).then(|| config.hostname.clone()),
            loopback: !config.host_network,
            seccomp,
        };
        // The Pod's cgroup (the kubelet's pod container manager makes it
        // before the sandbox), and pause's own below it, as containerd puts
        // the sandbox container there.
        let cgroups = self.sandbox_cgroups(&config, &id).map_err(|e| {
            let _ = paths::remove_tree(&dir);
            format!("failed to create containerd task: {e}")
        })?;
        let cgroup_procs = cgroups.first().map(super::cgroups::Cgroup::procs_files).unwrap_or_default();
        let spec = InitSpec { join: Vec::new(), unshare, cgroup_procs, role: Role::Pause(setup) };
        let started = spawn::spawn(&self.helper, &spec, None);
        let (pause_pid, pause_helper) = match started {
            Ok(spawned) => (spawned.pid, spawned.helper),
            Err(e) => {
                let _ = paths::remove_tree(&dir);
                cgroups.iter().for_each(|g| drop(g.remove()));
                return Err(format!("failed to start sandbox container task \"{id}\": {e}"));
            }
        };
        let network = self.pod_ip(&config, pause_pid, &id).and_then(|ip| Ok((self.host_ports(&config, &ip)?, ip)));
        let (host_ports, ip) = match network {
            Ok(found) => found,
            Err(e) => {
                process::kill(pause_pid, Signal::SIGKILL);
                let _ = paths::remove_tree(&dir);
                cgroups.iter().for_each(|g| drop(g.remove()));
                if let Ok(network) = self.network.get() {
                    network.release(&id);
                }
                return Err(format!("failed to setup network for sandbox \"{id}\": {e}"));
            }
        };
        let shm = Some(shm);
        self.notes.push_back(Note::SandboxCreated {
            sandbox_id: id.clone(),
            pod_name: config.pod_name.clone(),
            pause_pid,
            net: ns_join(pause_pid, NsKind::Net, config.host_network),
            ipc: ns_join(pause_pid, NsKind::Ipc, config.host_ipc),
            uts: ns_join(pause_pid, NsKind::Uts, config.host_network),
            pid: ns_join(pause_pid, NsKind::Pid, config.host_pid),
            ip: ip.clone(),
            network: self.network.ready().filter(|_| !config.host_network).map(|net| net.attached(&id)),
        });
        let sandbox = Sandbox {
            config,
            pause_pid,
            pause_helper,
            shm,
            dir,
            stopping: Vec::new(),
            pause_gone: false,
            cgroups,
            host_ports,
        };
        self.sandboxes.insert(id.clone(), sandbox);
        Ok((id, ip))
    }

    /// The sandbox always asks for the runtime's default profile, for
    /// containerd's default capabilities: the same filters for every
    /// sandbox, compiled once.
    fn pause_seccomp(&mut self) -> Result<super::SeccompPrograms, String> {
        if let Some(compiled) = &self.pause_seccomp {
            return Ok(compiled.clone());
        }
        let caps = crate::sys::caps::container_set(false, &[], &[]).unwrap_or_default();
        let profile = podplay_core::cri::SeccompProfile::RuntimeDefault;
        let compiled = super::seccomp::programs(&profile, false, &caps, &self.seccomp_root)?;
        self.pause_seccomp = Some(compiled.clone());
        Ok(compiled)
    }

    /// The Pod's cgroup with the kubelet's values, and pause's below it
    /// (pause's first: it goes first).
    fn sandbox_cgroups(&self, config: &SandboxConfig, id: &str) -> Result<Vec<super::cgroups::Cgroup>, String> {
        let pod = self.cgroups.create(&config.cgroup_parent, &config.resources)?;
        let pause = self.cgroups.create(&format!("{}/{id}", config.cgroup_parent), &Default::default());
        match pause {
            Ok(pause) => Ok(vec![pause, pod]),
            Err(e) => {
                pod.remove();
                Err(e)
            }
        }
    }

    /// The portmap plugin's part: each TCP `hostPort` of a Pod on the Pod
    /// network forwarded from the node's address (hostNetwork Pods listen
    /// there themselves).
    fn host_ports(&mut self, config: &SandboxConfig, ip: &str) -> Result<Vec<super::hostport::HostPort>, String> {
        let wanted: Vec<_> = config
            .ports
            .iter()
            .filter(|p| p.host_port > 0 && p.protocol.eq_ignore_ascii_case("TCP") && !config.host_network)
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let node: std::net::Ipv4Addr = self.node_ip.parse().map_err(|_| format!("node address {:?}", self.node_ip))?;
        let pod: std::net::Ipv4Addr = ip.parse().map_err(|_| format!("Pod address {ip:?}"))?;
        let network = self.network.get()?;
        let mut opened = Vec::new();
        for port in wanted {
            let netns = network.netns().try_clone_to_owned().map_err(|e| format!("dup: {e}"))?;
            let target = std::net::SocketAddrV4::new(pod, port.container_port);
            opened.push(super::hostport::HostPort::open(node, port.host_port, target, netns)?);
        }
        Ok(opened)
    }

    /// The node's address for hostNetwork; otherwise the Pod's own, on the
    /// Pod network.
    fn pod_ip(&mut self, config: &SandboxConfig, pause_pid: u32, id: &str) -> Result<String, String> {
        if config.host_network {
            return Ok(self.node_ip.clone());
        }
        self.network.get()?.attach(pause_pid, id).map(|ip| ip.to_string())
    }

    /// Kills what still runs in the sandbox, then SIGTERM to pause; the
    /// reply comes when pause is gone.
    pub(super) fn stop_sandbox(&mut self, call: CallId, id: &str) {
        let running: Vec<u32> =
            self.containers.values().filter(|c| c.sandbox_id == id).filter_map(|c| c.running_pid()).collect();
        for pid in running {
            process::kill(pid, Signal::SIGKILL);
        }
        let Some(sb) = self.sandboxes.get_mut(id) else {
            self.reply(call, CriReply::Stopped);
            return;
        };
        // The network is torn down with the sandbox's stop (CNI DEL).
        sb.host_ports.clear();
        if sb.pause_gone {
            self.reply(call, CriReply::Stopped);
            return;
        }
        process::kill(sb.pause_pid, Signal::SIGTERM);
        sb.stopping.push(call);
        self.notes.push_back(Note::SandboxStopping { sandbox_id: id.to_string() });
    }

    /// Removes the sandbox's files and its containers' root filesystems
    /// (their mounts went with their namespaces); logs stay until the run
    /// ends, as `kubectl logs` may still read them.
    pub(super) fn remove_sandbox(&mut self, id: &str) {
        let Some(sb) = self.sandboxes.remove(id) else {
            return;
        };
        if !sb.pause_gone {
            process::kill(sb.pause_pid, Signal::SIGKILL);
        }
        if let Ok(network) = self.network.get() {
            network.release(id);
        }
        let _ = paths::remove_tree(&sb.dir);
        let ids: Vec<String> =
            self.containers.iter().filter(|(_, c)| c.sandbox_id == id).map(|(k, _)| k.clone()).collect();
        for cid in ids {
            let _ = paths::remove_tree(&self.dirs.container(&cid));
            if let Some(cgroup) = self.containers.get_mut(&cid).and_then(|c| c.cgroup.take()) {
                cgroup.remove();
            }
        }
        for cgroup in &sb.cgroups {
            cgroup.remove();
        }
        self.notes.push_back(Note::SandboxRemoved { sandbox_id: id.to_string() });
    }
}

/// The Pod's `/dev/shm`: containerd's tmpfs (`mode=1777,size=64m`).
fn pod_shm(at: &std::path::Path) -> Result<(), crate::sys::SysError> {
    use nix::mount::MsFlags;
    crate::sys::mount::make_mount_point(at, false)?;
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    crate::sys::mount::special("tmpfs", at, flags, Some("mode=1777,size=65536k"))
}

fn ns_join(pid: u32, kind: NsKind, with_node: bool) -> NsJoin {
    NsJoin { id: ns_inode(pid, kind).unwrap_or(0), owner: if with_node { NsOwner::Node } else { NsOwner::Pod } }
}

/// The machine's hostname, for a Pod in the node's UTS namespace.
pub(super) fn node_hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".into())
}
