//! A Pod on the virtual node: podplay-core's [`Driver`] (scheduler,
//! kubelet, the story) on [`VirtualNode`], plus what only a virtual node
//! can show: `ps` as the node and containers see it, container logs, the
//! outside log store, and signals sent by hand.

use std::ops::{Deref, DerefMut};

use k8s_openapi::api::core::v1::{Node, Pod};

use podplay_core::driver::Driver;
use podplay_core::time::Epoch;

use crate::kernel::Kernel;
use crate::runtime::{Containerd, VirtualNode};

pub use crate::runtime::node::{OUTSIDE_STORE_IP, OUTSIDE_WEB_IP};
pub use podplay_core::driver::{HORIZON, MAX_INSTANTS, PLEG_PERIOD, QUIET, Until};

/// A Pod simulated from creation on. It is the driver (`Deref`), on the
/// virtual node, with the virtual node's extra views.
pub struct Simulation {
    driver: Driver<VirtualNode>,
}

impl Deref for Simulation {
    type Target = Driver<VirtualNode>;
    fn deref(&self) -> &Driver<VirtualNode> {
        &self.driver
    }
}

impl DerefMut for Simulation {
    fn deref_mut(&mut self) -> &mut Driver<VirtualNode> {
        &mut self.driver
    }
}

impl Simulation {
    /// Creates the Pod (defaulted and valid) in namespace `default` and
    /// schedules it on `nodes`; the virtual node's clock starts at
    /// 2026-01-01T00:00:00Z.
    pub fn new(pod: &Pod, nodes: Vec<Node>) -> Simulation {
        Simulation { driver: Driver::new(pod, nodes, Epoch::VIRTUAL, VirtualNode::boot) }
    }

    /// The kernel of the node the Pod runs on.
    pub fn kernel(&self) -> Option<&Kernel> {
        self.driver.runtime().map(VirtualNode::kernel)
    }

    /// The container runtime of the node the Pod runs on.
    pub fn containerd(&self) -> Option<&Containerd> {
        self.driver.runtime().map(VirtualNode::containerd)
    }

    /// Sends `signal` to a container's first process (as `kill` on the
    /// node would); false if it does not run.
    pub fn kill_container(&mut self, name: &str, signal: i32) -> bool {
        let Some(node) = self.driver.runtime_mut() else {
            return false;
        };
        let ok = node.kill_container(name, signal);
        self.driver.settle();
        ok
    }

    /// `kubectl logs`: the log of the instance the kubelet picks from the
    /// Pod's status (`previous`: the last terminated one), or its error.
    pub fn logs(&self, container: &str, previous: bool) -> Result<String, String> {
        let pod = self.driver.pod();
        let id = podplay_core::kubectl::logs::log_container_id(&pod, container, previous)?;
        let node = self.driver.runtime().ok_or("the Pod is not running on any node")?;
        Ok(node.kernel().container_log(&id).unwrap_or_default())
    }

    /// `ps ax` as the node sees it (`None`) or as a container sees it: the
    /// same processes, numbered in each PID namespace.
    pub fn ps(&self, container: Option<&str>) -> Option<String> {
        let node = self.driver.runtime()?;
        let pid = match container {
            None => node.containerd().kubelet_pid(),
            Some(name) => node.containerd().container_by_name(name)?.init_pid?,
        };
        if !node.kernel().is_alive(pid) {
            return None;
        }
        let sys = node.kernel().sys_for(pid);
        let mut text = String::from("PID   USER     TIME  COMMAND\n");
        for p in sys.processes() {
            let user = match p.uid {
                0 => "root".to_string(),
                other => other.to_string(),
            };
            text.push_str(&format!("{:>5} {:<8} {:>5} {}\n", p.pid, user, "0:00", p.cmdline));
        }
        Some(text)
    }

    /// Documents the outside log store received.
    pub fn outside_store(&self) -> Vec<String> {
        self.kernel().map(Kernel::outside_store_documents).unwrap_or_default()
    }
}
