//! The kubelet: the sans-IO pod worker ([`machine`]) and the Kubernetes facts
//! it relies on (files it writes, status it computes, back-off, events).

pub mod backoff;
pub mod events;
pub mod files;
pub mod machine;
pub mod record;
pub mod status;

pub use machine::{Kubelet, NodeContext};

use k8s_openapi::api::core::v1::Pod;

/// The Pod's QoS class (`Guaranteed`, `Burstable`, `BestEffort`), from its
/// containers' requests and limits (`pkg/apis/core/helper/qos`).
pub fn qos_class(pod: &Pod) -> String {
    let Some(spec) = &pod.spec else {
        return "BestEffort".into();
    };
    let containers: Vec<_> = spec.init_containers.iter().flatten().chain(spec.containers.iter()).collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let requests = c.resources.as_ref().and_then(|r| r.requests.clone()).unwrap_or_default();
        let limits = c.resources.as_ref().and_then(|r| r.limits.clone()).unwrap_or_default();
        if !requests.is_empty() || !limits.is_empty() {
            any = true;
        }
        for resource in ["cpu", "memory"] {
            match (requests.get(resource), limits.get(resource)) {
                (Some(r), Some(l)) if r == l => {}
                _ => guaranteed = false,
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort".into(),
        (true, true) => "Guaranteed".into(),
        (true, false) => "Burstable".into(),
    }
}
