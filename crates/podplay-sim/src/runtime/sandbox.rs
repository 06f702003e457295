//! `RunPodSandbox`, `StopPodSandbox`, `RemovePodSandbox`: the pause process
//! and the Pod's shared namespaces.

use litemap::LiteMap;

use podplay_core::cri::SandboxConfig;
use podplay_core::ids::stable_hex;
use podplay_core::trace::{Note, NsJoin, NsOwner};

use super::{ContainerState, Containerd, Notes, Sandbox};
use crate::images::{self, PAUSE_IMAGE};
use crate::kernel::exec::{NODE_STORE, SpawnSpec};
use crate::kernel::fs::{Mount, MountTable};
use crate::kernel::net::Interface;
use crate::kernel::{Fd, Kernel, NsId, NsSet, Pid, SIGKILL, SIGTERM};

fn join(id: NsId, with_node: bool) -> NsJoin {
    NsJoin { id, owner: if with_node { NsOwner::Node } else { NsOwner::Pod } }
}

impl Containerd {
    pub(super) fn run_sandbox(
        &mut self,
        kernel: &mut Kernel,
        notes: &mut Notes,
        config: SandboxConfig,
    ) -> Result<Sandbox, String> {
        let attempt = {
            let a = self.attempts.entry(format!("sandbox-{}", config.uid)).or_insert(0);
            *a += 1;
            *a
        };
        let id = stable_hex(&format!("sandbox/{}/{attempt}", config.uid));
        let pod_dir = format!("/var/lib/kubelet/pods/{}", config.uid);
        let (ns, ip) = self.sandbox_namespaces(kernel, &config, &id, &pod_dir)?;
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
                container: Some(id.clone()),
                parent: self.shim_parent(kernel),
                uid: 65535,
                container_init: false,
            })
            .map_err(|e| format!("failed to start sandbox container task: {}", e.text()))?;
        notes.push_back(Note::SandboxCreated {
            sandbox_id: id.clone(),
            pod_name: config.pod_name.clone(),
            pause_pid,
            net: join(ns.net, config.host_network),
            ipc: join(ns.ipc, config.host_ipc),
            uts: join(ns.uts, config.host_network),
            pid: join(ns.pid, config.host_pid),
            ip: ip.clone(),
        });
        let sandbox = Sandbox { id: id.clone(), config, pause_pid, ns, ip, pod_dir };
        self.sandboxes.insert(id, sandbox.clone());
        Ok(sandbox)
    }

    /// The sandbox's namespaces (new ones, or the node's with hostNetwork,
    /// hostIPC, hostPID), its files as containerd writes them, and the
    /// pause image's root; returns the namespaces and the Pod IP.
    fn sandbox_namespaces(
        &mut self,
        kernel: &mut Kernel,
        config: &SandboxConfig,
        id: &str,
        pod_dir: &str,
    ) -> Result<(NsSet, String), String> {
        let state = kernel.state.clone();
        let mut s = state.borrow_mut();
        let host = s.host_ns;
        let (net, ip) = if config.host_network {
            (host.net, self.node_ip.clone())
        } else {
            let ip = format!("{}.{}", self.pod_net_prefix, self.next_ip);
            self.next_ip = self.next_ip.wrapping_add(1).max(2);
            let ns = s.new_net_ns(vec![
                Interface { name: "lo".into(), ip: "127.0.0.1".into(), mac: "00:00:00:00:00:00".into() },
                Interface { name: "eth0".into(), ip: ip.clone(), mac: crate::kernel::exec::mac_for(&ip) },
            ]);
            (ns, ip)
        };
        let ipc = if config.host_ipc { host.ipc } else { s.new_ns_id() };
        let uts = if config.host_network {
            host.uts
        } else {
            let uts = s.new_ns_id();
            s.hostnames.insert(uts, config.hostname.clone());
            uts
        };
        let pid = if config.host_pid { host.pid } else { s.new_pid_ns(Some(host.pid)) };
        let mnt = s.new_ns_id();
        let sandbox_dir = format!("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{id}");
        let hostname_content = if config.host_network {
            s.hostnames.get(&host.uts).cloned().unwrap_or_default()
        } else {
            config.hostname.clone()
        };
        let node = &mut s.stores[NODE_STORE];
        node.mkdir_all(&format!("{pod_dir}/volumes"));
        node.put(&format!("{sandbox_dir}/hostname"), format!("{hostname_content}\n").as_bytes(), 0o644);
        node.put(&format!("{sandbox_dir}/resolv.conf"), config.resolv_conf.as_bytes(), 0o644);
        let pause = images::lookup(PAUSE_IMAGE).ok_or("no pause image")?;
        let rootfs = s.new_store(pause.tree.clone());
        let root =
            Mount { target: "/".into(), store: rootfs, source: "/".into(), read_only: true, label: "rootfs".into() };
        s.mount_ns.insert(mnt, MountTable { mounts: vec![root] });
        Ok((NsSet { net, ipc, uts, pid, mnt }, ip))
    }

    /// Kills what still runs in the sandbox, then SIGTERM to pause.
    pub(super) fn stop_sandbox(&mut self, kernel: &mut Kernel, notes: &mut Notes, id: &str) {
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
        let mut s = kernel.state.borrow_mut();
        for pid in remaining {
            let _ = s.signal(pid, SIGKILL);
        }
        let _ = s.signal(pause, SIGTERM);
        drop(s);
        notes.push_back(Note::SandboxStopping { sandbox_id: id.to_string() });
    }

    /// Container records stay: their logs remain readable in the simulator.
    pub(super) fn remove_sandbox(&mut self, kernel: &mut Kernel, notes: &mut Notes, id: &str) {
        if let Some(sb) = self.sandboxes.remove(id) {
            if !sb.config.host_network {
                kernel.state.borrow_mut().net.namespaces.remove(&sb.ns.net);
            }
            notes.push_back(Note::SandboxRemoved { sandbox_id: id.to_string() });
        }
    }
}
