//! This machine as the cluster's one Node, as its kubelet would register
//! it: its hostname, CPUs and memory.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeAddress, NodeSpec, NodeStatus};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The Node for this machine. Until the Pod network exists, its address
/// is loopback.
pub fn this_node() -> Node {
    let name = node_name();
    let mut labels = BTreeMap::new();
    labels.insert("kubernetes.io/hostname".to_string(), name.clone());
    let mut capacity = BTreeMap::new();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    capacity.insert("cpu".to_string(), Quantity(cpus.to_string()));
    if let Some(kib) = mem_total_kib() {
        capacity.insert("memory".to_string(), Quantity(format!("{kib}Ki")));
    }
    capacity.insert("pods".to_string(), Quantity("110".into()));
    Node {
        metadata: ObjectMeta { name: Some(name), labels: Some(labels), ..Default::default() },
        spec: Some(NodeSpec { pod_cidr: Some("10.244.0.0/24".into()), ..Default::default() }),
        status: Some(NodeStatus {
            capacity: Some(capacity.clone()),
            allocatable: Some(capacity),
            addresses: Some(vec![NodeAddress { type_: "InternalIP".into(), address: "127.0.0.1".into() }]),
            ..Default::default()
        }),
    }
}

/// The machine's hostname, lowercased, as the kubelet registers a node
/// (`--hostname-override` aside).
fn node_name() -> String {
    let host = nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_default();
    let host = host.to_ascii_lowercase();
    if host.is_empty() { "podplay-node".into() } else { host }
}

fn mem_total_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
