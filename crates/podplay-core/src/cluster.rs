//! podplay's default cluster: three Ready worker nodes, as a learner's
//! `kubectl get nodes` would show them on a small kubeadm/minikube cluster.
//!
//! | node   | InternalIP   | podCIDR       | extra label     |
//! |--------|--------------|---------------|-----------------|
//! | node-1 | 192.168.49.2 | 10.244.0.0/24 | `disktype=ssd`  |
//! | node-2 | 192.168.49.3 | 10.244.1.0/24 | `disktype=hdd`  |
//! | node-3 | 192.168.49.4 | 10.244.2.0/24 |                 |
//!
//! Every node has `kubernetes.io/hostname=<name>`, `kubernetes.io/os=linux`,
//! `kubernetes.io/arch=amd64` (and the legacy `beta.kubernetes.io/*` pair the
//! kubelet still sets), 2 CPUs, 4Gi of memory and room for 110 Pods.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::time::virtual_time;

/// The kubelet version the nodes report (`kubectl get nodes` VERSION).
pub const KUBELET_VERSION: &str = "v1.37.0";
/// `status.nodeInfo.containerRuntimeVersion`.
pub const CONTAINER_RUNTIME_VERSION: &str = "containerd://2.1.0";
pub const KERNEL_VERSION: &str = "6.8.0-podplay";
pub const OS_IMAGE: &str = "Debian GNU/Linux 12 (bookworm)";

/// The nodes' own `/etc/resolv.conf` (kubelet `--resolv-conf`): what
/// `dnsPolicy: Default` and hostNetwork Pods with `ClusterFirst` get. It has no
/// search line, so `ClusterFirst` Pods see only the cluster's search domains.
pub const NODE_RESOLV_CONF: &str = "nameserver 192.168.49.1\n";

/// (name, InternalIP, podCIDR, `disktype` label)
const DEFAULT_NODES: [(&str, &str, &str, Option<&str>); 3] = [
    ("node-1", "192.168.49.2", "10.244.0.0/24", Some("ssd")),
    ("node-2", "192.168.49.3", "10.244.1.0/24", Some("hdd")),
    ("node-3", "192.168.49.4", "10.244.2.0/24", None),
];

/// The `kubernetes` Service's cluster IP (the first address of the service
/// CIDR, `10.96.0.0/12` by default).
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";

/// The environment variables of the cluster's Services, as the kubelet
/// gives every container (`pkg/kubelet/envvars` `FromServices`). The
/// `kubernetes` Service in `default` is always there, even with
/// `enableServiceLinks: false`; podplay's cluster has no other Service.
pub fn service_env() -> Vec<(String, String)> {
    let ip = KUBERNETES_SERVICE_IP;
    [
        ("KUBERNETES_SERVICE_HOST", ip.to_string()),
        ("KUBERNETES_SERVICE_PORT", "443".to_string()),
        ("KUBERNETES_SERVICE_PORT_HTTPS", "443".to_string()),
        ("KUBERNETES_PORT", format!("tcp://{ip}:443")),
        ("KUBERNETES_PORT_443_TCP", format!("tcp://{ip}:443")),
        ("KUBERNETES_PORT_443_TCP_PROTO", "tcp".to_string()),
        ("KUBERNETES_PORT_443_TCP_PORT", "443".to_string()),
        ("KUBERNETES_PORT_443_TCP_ADDR", ip.to_string()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect()
}

/// The default cluster's nodes, in name order.
pub fn default_nodes() -> Vec<Node> {
    DEFAULT_NODES
        .iter()
        .enumerate()
        .map(|(i, (name, ip, cidr, disktype))| make_node(i, name, ip, cidr, *disktype))
        .collect()
}

fn make_node(index: usize, name: &str, ip: &str, cidr: &str, disktype: Option<&str>) -> Node {
    let mut labels = BTreeMap::new();
    labels.insert("beta.kubernetes.io/arch".to_string(), "amd64".to_string());
    labels.insert("beta.kubernetes.io/os".to_string(), "linux".to_string());
    labels.insert("kubernetes.io/arch".to_string(), "amd64".to_string());
    labels.insert("kubernetes.io/hostname".to_string(), name.to_string());
    labels.insert("kubernetes.io/os".to_string(), "linux".to_string());
    if let Some(d) = disktype {
        labels.insert("disktype".to_string(), d.to_string());
    }
    let resources = || {
        BTreeMap::from([
            ("cpu".to_string(), Quantity("2".to_string())),
            ("memory".to_string(), Quantity("4Gi".to_string())),
            ("pods".to_string(), Quantity("110".to_string())),
        ])
    };
    let t0 = virtual_time(0);
    let condition = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_heartbeat_time: Some(t0.clone()),
        last_transition_time: Some(t0.clone()),
    };
    Node {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            creation_timestamp: Some(t0.clone()),
            uid: Some(format!("00000000-0000-4000-8000-00000000000{}", index + 1)),
            ..Default::default()
        },
        spec: Some(NodeSpec {
            pod_cidr: Some(cidr.to_string()),
            pod_cidrs: Some(vec![cidr.to_string()]),
            ..Default::default()
        }),
        status: Some(NodeStatus {
            addresses: Some(vec![
                NodeAddress { type_: "InternalIP".to_string(), address: ip.to_string() },
                NodeAddress { type_: "Hostname".to_string(), address: name.to_string() },
            ]),
            capacity: Some(resources()),
            allocatable: Some(resources()),
            // The kubelet's order (`setNodeStatus`): MemoryPressure,
            // DiskPressure, PIDPressure, Ready.
            conditions: Some(vec![
                condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ]),
            node_info: Some(NodeSystemInfo {
                architecture: "amd64".to_string(),
                operating_system: "linux".to_string(),
                kubelet_version: KUBELET_VERSION.to_string(),
                kube_proxy_version: String::new(),
                container_runtime_version: CONTAINER_RUNTIME_VERSION.to_string(),
                kernel_version: KERNEL_VERSION.to_string(),
                os_image: OS_IMAGE.to_string(),
                boot_id: format!("podplay-boot-{}", index + 1),
                machine_id: format!("podplay-machine-{}", index + 1),
                system_uuid: format!("podplay-system-{}", index + 1),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// The node's name (`metadata.name`), empty if unset.
pub fn node_name(node: &Node) -> &str {
    node.metadata.name.as_deref().unwrap_or("")
}

/// The node's Pod CIDR: `spec.podCIDR`, else the first of `spec.podCIDRs`.
pub fn node_pod_cidr(node: &Node) -> Option<String> {
    let spec = node.spec.as_ref()?;
    spec.pod_cidr.clone().filter(|c| !c.is_empty()).or_else(|| spec.pod_cidrs.as_ref()?.first().cloned())
}

/// The annotation that carries the node's kubelet `--pod-max-pids`
/// (`podPidsLimit`), which a Node object has no field for: `podplay exec
/// --pod-max-pids` sets it, and a Node in the learner's YAML can too.
pub const POD_MAX_PIDS_ANNOTATION: &str = "podplay.dev/pod-max-pids";

/// The node kubelet's `--pod-max-pids`: -1 (no limit) unless annotated.
pub fn node_pod_max_pids(node: &Node) -> i64 {
    node.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(POD_MAX_PIDS_ANNOTATION))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

/// The node's `InternalIP` address (what `status.hostIP` of its Pods shows).
pub fn node_internal_ip(node: &Node) -> Option<String> {
    node.status.as_ref()?.addresses.as_ref()?.iter().find(|a| a.type_ == "InternalIP").map(|a| a.address.clone())
}

/// The node's allocatable amount of `resource` (10^`scale` units of its
/// base: millicores with `cpu, 3`, bytes with `memory, 0`); 0 when unset.
pub fn node_allocatable(node: &Node, resource: &str, scale: i32) -> i64 {
    node.status
        .as_ref()
        .and_then(|s| s.allocatable.as_ref())
        .and_then(|a| a.get(resource))
        .and_then(|q| crate::scheduler::parse_quantity_scaled(&q.0, scale))
        .unwrap_or(0)
}

/// The node's own `/etc/hosts`, as a container-based node (kind, minikube)
/// has it; hostNetwork Pods get it copied under the kubelet's header.
pub fn node_hosts_file(node: &Node) -> String {
    let mut out = String::from(
        "127.0.0.1\tlocalhost\n\
         ::1\tlocalhost ip6-localhost ip6-loopback\n\
         fe00::0\tip6-localnet\n\
         ff00::0\tip6-mcastprefix\n\
         ff02::1\tip6-allnodes\n\
         ff02::2\tip6-allrouters\n",
    );
    if let Some(ip) = node_internal_ip(node) {
        out.push_str(&format!("{ip}\t{}\n", node_name(node)));
    }
    out
}

/// The `Ready` condition's status (`True`, `False`, `Unknown`), if present.
pub fn node_ready_status(node: &Node) -> Option<&str> {
    node.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == "Ready").map(|c| c.status.as_str())
}

/// A Node from the learner's YAML, completed with what its kubelet reports
/// when it registers: the standard labels, an address, a pod CIDR, capacity,
/// and a Ready condition. What the YAML says wins. `index` numbers the node
/// in its cluster (for its address and pod CIDR).
pub fn registered(node: &Node, index: usize) -> Node {
    let name = node_name(node).to_string();
    let ip = format!("192.168.49.{}", 2 + index.min(200));
    let cidr = format!("10.244.{}.0/24", index.min(250));
    let base = make_node(index, &name, &ip, &cidr, None);
    let mut out = node.clone();
    let mut labels = base.metadata.labels.clone().unwrap_or_default();
    labels.extend(node.metadata.labels.clone().unwrap_or_default());
    out.metadata.labels = Some(labels);
    out.metadata.creation_timestamp = base.metadata.creation_timestamp.clone();
    out.metadata.uid.get_or_insert_with(|| base.metadata.uid.clone().unwrap_or_default());
    let spec = out.spec.get_or_insert_with(Default::default);
    if spec.pod_cidr.as_deref().unwrap_or("").is_empty() {
        spec.pod_cidr = Some(cidr.clone());
        spec.pod_cidrs = Some(vec![cidr]);
    }
    let base_status = base.status.unwrap_or_default();
    let status = out.status.get_or_insert_with(Default::default);
    if status.capacity.as_ref().is_none_or(|c| c.is_empty()) {
        status.capacity = base_status.capacity.clone();
    }
    if status.allocatable.as_ref().is_none_or(|c| c.is_empty()) {
        status.allocatable = status.capacity.clone().or(base_status.allocatable.clone());
    }
    if status.addresses.as_ref().is_none_or(|a| a.is_empty()) {
        status.addresses = base_status.addresses.clone();
    }
    if status.conditions.as_ref().is_none_or(|c| c.is_empty()) {
        status.conditions = base_status.conditions.clone();
    }
    if status.node_info.is_none() {
        status.node_info = base_status.node_info.clone();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_ready_nodes() {
        let nodes = default_nodes();
        let names: Vec<_> = nodes.iter().map(node_name).collect();
        assert_eq!(names, ["node-1", "node-2", "node-3"]);
        let labels = |i: usize| nodes[i].metadata.labels.clone().unwrap();
        assert_eq!(labels(0)["disktype"], "ssd");
        assert_eq!(labels(1)["disktype"], "hdd");
        assert!(!labels(2).contains_key("disktype"));
        for (i, node) in nodes.iter().enumerate() {
            let l = labels(i);
            assert_eq!(l["kubernetes.io/hostname"], node_name(node));
            assert_eq!(l["kubernetes.io/os"], "linux");
            assert_eq!(l["kubernetes.io/arch"], "amd64");
            assert_eq!(node_ready_status(node), Some("True"));
            let status = node.status.as_ref().unwrap();
            assert_eq!(status.allocatable.as_ref().unwrap()["cpu"].0, "2");
            assert_eq!(status.capacity.as_ref().unwrap()["memory"].0, "4Gi");
            assert_eq!(status.capacity.as_ref().unwrap()["pods"].0, "110");
            let info = status.node_info.as_ref().unwrap();
            assert_eq!(info.kubelet_version, "v1.37.0");
            assert_eq!(info.operating_system, "linux");
        }
        assert_eq!(node_pod_cidr(&nodes[0]).as_deref(), Some("10.244.0.0/24"));
        assert_eq!(node_pod_cidr(&nodes[2]).as_deref(), Some("10.244.2.0/24"));
        assert_eq!(node_internal_ip(&nodes[1]).as_deref(), Some("192.168.49.3"));
    }

    #[test]
    fn pod_cidr_falls_back_to_the_list() {
        let mut node = default_nodes().remove(1);
        node.spec.as_mut().unwrap().pod_cidr = None;
        assert_eq!(node_pod_cidr(&node).as_deref(), Some("10.244.1.0/24"));
        node.spec = None;
        assert_eq!(node_pod_cidr(&node), None);
    }

    #[test]
    fn nodes_serialize_like_the_api() {
        let json = serde_json::to_value(&default_nodes()[0]).unwrap();
        assert_eq!(json["spec"]["podCIDR"], "10.244.0.0/24");
        assert_eq!(json["status"]["addresses"][0]["type"], "InternalIP");
        assert_eq!(json["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
        assert!(node_hosts_file(&default_nodes()[0]).ends_with("192.168.49.2\tnode-1\n"));
    }
}
