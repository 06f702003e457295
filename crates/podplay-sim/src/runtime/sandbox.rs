//! `RunPodSandbox`, `StopPodSandbox`, `RemovePodSandbox`: the pause process
//! and the Pod's shared namespaces.

use litemap::LiteMap;

use podplay_core::cri::SandboxConfig;
use podplay_core::ids::stable_hex;
use podplay_core::trace::{CniAttach, Note, NsJoin, NsOwner};

use super::{ContainerState, Containerd, Notes, Sandbox};
use crate::images::{self, PAUSE_IMAGE};
use crate::kernel::{Fd, Kernel, Mount, NsId, NsSet, Owner, Pid, SIGKILL, SIGTERM, SpawnSpec};

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
                owner: Owner::Container(id.clone()),
                parent: self.shim_parent(kernel),
                uid: 65535,
                container_init: false,
            })
            .map_err(|e| format!("failed to start sandbox container task: {}", e.text()))?;
        notes.push(Note::SandboxCreated {
            sandbox_id: id.clone(),
            pod_name: config.pod_name.clone(),
            pause_pid,
            net: join(ns.net, config.host_network),
            ipc: join(ns.ipc, config.host_ipc),
            uts: join(ns.uts, config.host_network),
            pid: join(ns.pid, config.host_pid),
            ip: ip.clone(),
            network: (!config.host_network).then(|| CniAttach {
                host_veth: CniAttach::veth_name(&id),
                prefix: self.pod_net_bits,
                gateway: format!("{}.1", self.pod_net_prefix),
            }),
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
        let host = kernel.host_namespaces();
        let (net, ip) = if config.host_network {
            (host.net, self.node_ip.clone())
        } else {
            let ip = format!("{}.{}", self.pod_net_prefix, self.next_ip);
            self.next_ip = self.next_ip.wrapping_add(1).max(2);
            (kernel.new_net_ns(&ip), ip)
        };
        let ipc = if config.host_ipc { host.ipc } else { kernel.new_ipc_ns() };
        let uts = if config.host_network { host.uts } else { kernel.new_uts_ns(&config.hostname) };
        let pid = if config.host_pid { host.pid } else { kernel.new_pid_ns(Some(host.pid)) };
        let sandbox_dir = format!("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{id}");
        let hostname_content = if config.host_network { kernel.node_hostname() } else { config.hostname.clone() };
        kernel.make_node_dir(&format!("{pod_dir}/volumes"));
        kernel.write_node_file(&format!("{sandbox_dir}/hostname"), format!("{hostname_content}\n").as_bytes(), 0o644);
        kernel.write_node_file(&format!("{sandbox_dir}/resolv.conf"), config.resolv_conf.as_bytes(), 0o644);
        let pause = images::lookup(PAUSE_IMAGE).ok_or("no pause image")?;
        let rootfs = kernel.new_store(pause.tree.clone());
        let root =
            Mount { target: "/".into(), store: rootfs, source: "/".into(), read_only: true, label: "rootfs".into() };
        let mnt = kernel.new_mount_ns(vec![root]);
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
        for pid in remaining {
            let _ = kernel.signal(pid, SIGKILL);
        }
        let _ = kernel.signal(pause, SIGTERM);
        notes.push(Note::SandboxStopping { sandbox_id: id.to_string() });
    }

    /// Container records stay: their logs remain readable in the simulator.
    pub(super) fn remove_sandbox(&mut self, kernel: &mut Kernel, notes: &mut Notes, id: &str) {
        if let Some(sb) = self.sandboxes.remove(id) {
            if !sb.config.host_network {
                kernel.remove_net_ns(sb.ns.net);
            }
            notes.push(Note::SandboxRemoved { sandbox_id: id.to_string() });
        }
    }
}
