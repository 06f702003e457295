//! The container runtime on the virtual kernel: it carries out the kubelet's
//! CRI calls the way containerd and runc would — a pause process owning new
//! namespaces, containers joining them, rootfs copies, volume and kubelet
//! file mounts, stop signals with a grace period — and reports container
//! exits and [`Note`]s of what it did.
//!
//! [`VirtualNode`] (the kernel plus this runtime) is what implements
//! podplay-core's [`podplay_core::runtime::Runtime`] trait.

mod calls;
mod container;
mod exec;
pub mod node;
mod pending;
mod sandbox;

use litemap::LiteMap;
use std::collections::BTreeSet;

use podplay_core::cri::{CallId, ContainerConfig, ContainerExit, CriReply, SandboxConfig};
use podplay_core::trace::Note;

use crate::images::{Image, PAUSE_IMAGE};
use crate::kernel::{Kernel, NsSet, Pid};

pub use node::VirtualNode;
use pending::Pending;

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

/// The runtime of one node, like containerd with runc: sandboxes,
/// containers, the images on the node and calls in progress.
pub struct Containerd {
    node_ip: String,
    /// `10.244.1` for a node with pod CIDR `10.244.1.0/24`.
    pod_net_prefix: String,
    /// The pod CIDR's prefix length (24 in `10.244.0.0/24`).
    pod_net_bits: u8,
    next_ip: u8,
    sandboxes: LiteMap<String, Sandbox>,
    containers: LiteMap<String, Container>,
    images: BTreeSet<String>,
    /// The node process that makes the kubelet's own network calls.
    kubelet_pid: Pid,
    pending: Vec<Pending>,
    // Outputs wait in arrival order, a few at a time: plain lists (a
    // `VecDeque` per item type only adds code to the playground).
    replies: Vec<(CallId, CriReply)>,
    exits: Vec<ContainerExit>,
    attempts: LiteMap<String, u32>,
}

/// Where the runtime's notes go, in order.
pub(crate) type Notes = Vec<Note>;

impl Containerd {
    pub fn new(node_ip: &str, pod_cidr: &str, kubelet_pid: Pid) -> Containerd {
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
        Containerd {
            node_ip: node_ip.to_string(),
            pod_net_prefix: prefix,
            pod_net_bits: pod_cidr.split_once('/').and_then(|(_, bits)| bits.parse().ok()).unwrap_or(24),
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

    /// The node process that makes the kubelet's own network calls.
    pub fn kubelet_pid(&self) -> Pid {
        self.kubelet_pid
    }

    /// The sandboxes that exist (created and not removed).
    pub fn sandboxes(&self) -> impl Iterator<Item = &Sandbox> {
        self.sandboxes.values()
    }

    /// Whether a sandbox exists (created and not removed).
    pub fn has_sandbox(&self) -> bool {
        !self.sandboxes.is_empty()
    }

    /// The container (by Kubernetes name) currently running in the sandbox.
    pub fn container_by_name(&self, name: &str) -> Option<&Container> {
        self.containers.values().filter(|c| c.name == name).max_by_key(|c| c.config.attempt)
    }

    /// Every instance of a container (by Kubernetes name), oldest first.
    pub fn instances(&self, name: &str) -> Vec<&Container> {
        let mut instances: Vec<&Container> = self.containers.values().filter(|c| c.name == name).collect();
        instances.sort_by_key(|c| c.config.attempt);
        instances
    }

    /// The Kubernetes name of a runtime id: a container's name, `pause`
    /// for a sandbox, else the id's short form.
    pub fn name_of(&self, id: &str) -> String {
        self.containers
            .get(id)
            .map(|c| c.name.clone())
            .or_else(|| self.sandboxes.contains_key(id).then(|| "pause".to_string()))
            .unwrap_or_else(|| podplay_core::trace::short_id(id).to_string())
    }

    /// The containerd shim (or containerd itself) parents container processes.
    fn shim_parent(&self, kernel: &Kernel) -> Pid {
        kernel.pidof("containerd").unwrap_or(1)
    }

    fn reply(&mut self, call: CallId, reply: CriReply) {
        self.replies.push((call, reply));
    }
}
