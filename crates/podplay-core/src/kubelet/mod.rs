//! The kubelet: the sans-IO pod worker ([`machine`]) and the Kubernetes facts
//! it relies on (files it writes, status it computes, back-off, events).

pub mod backoff;
pub mod events;
pub mod files;
pub mod machine;
pub mod record;
pub mod status;
pub mod types;

pub use machine::{Kubelet, NodeContext};

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

/// The Pod's QoS class (`Guaranteed`, `Burstable`, `BestEffort`), from its
/// containers' requests and limits, as `pkg/apis/core/v1/helper/qos`
/// `ComputePodQOS` decides it: only `cpu` and `memory` count, and only
/// positive amounts; requests and limits are summed over all containers and
/// compared as quantities (`cpu: 1` equals `cpu: 1000m`). Guaranteed needs
/// every container to limit both, and the sums of requests and limits to
/// be equal for each resource.
pub fn qos_class(pod: &Pod) -> String {
    let Some(spec) = &pod.spec else {
        return "BestEffort".into();
    };
    let mut requests: BTreeMap<&str, i64> = BTreeMap::new();
    let mut limits: BTreeMap<&str, i64> = BTreeMap::new();
    let mut guaranteed = true;
    for c in spec.init_containers.iter().flatten().chain(spec.containers.iter()) {
        let resources = c.resources.as_ref();
        for (name, quantity) in resources.and_then(|r| r.requests.as_ref()).into_iter().flatten() {
            if let Some((name, amount)) = qos_amount(name, &quantity.0) {
                let sum = requests.entry(name).or_insert(0);
                *sum = sum.saturating_add(amount);
            }
        }
        let mut limited = Vec::new();
        for (name, quantity) in resources.and_then(|r| r.limits.as_ref()).into_iter().flatten() {
            if let Some((name, amount)) = qos_amount(name, &quantity.0) {
                limited.push(name);
                let sum = limits.entry(name).or_insert(0);
                *sum = sum.saturating_add(amount);
            }
        }
        if !(limited.contains(&"cpu") && limited.contains(&"memory")) {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort".into();
    }
    let equal = requests.len() == limits.len() && requests.iter().all(|(name, r)| limits.get(name) == Some(r));
    if guaranteed && equal { "Guaranteed".into() } else { "Burstable".into() }
}

/// A QoS resource (`cpu` in nanocores, `memory` in millibytes) with a
/// positive amount; `None` for other resources, zero or unreadable ones.
fn qos_amount(name: &str, quantity: &str) -> Option<(&'static str, i64)> {
    let (name, scale) = match name {
        "cpu" => ("cpu", 9),
        "memory" => ("memory", 3),
        _ => return None,
    };
    crate::scheduler::parse_quantity_scaled(quantity, scale).filter(|v| *v > 0).map(|v| (name, v))
}

#[cfg(test)]
mod tests {
    use super::qos_class;

    fn qos(resources: &str) -> String {
        let yaml = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: q\nspec:\n  containers:\n  - name: c\n    image: nginx\n    resources:\n{resources}"
        );
        qos_class(&crate::test_support::pod(&yaml))
    }

    #[test]
    fn quantities_compare_as_quantities() {
        let same = "      requests:\n        cpu: 1\n        memory: 1Gi\n      limits:\n        cpu: 1000m\n        memory: 1024Mi\n";
        assert_eq!(qos(same), "Guaranteed");
        let more = "      requests:\n        cpu: 500m\n        memory: 1Gi\n      limits:\n        cpu: 1\n        memory: 1Gi\n";
        assert_eq!(qos(more), "Burstable");
        // Limits only: the API server defaults requests to the limits.
        assert_eq!(qos("      limits:\n        cpu: \"2\"\n        memory: 64Mi\n"), "Guaranteed");
        assert_eq!(qos("      limits:\n        cpu: \"2\"\n"), "Burstable");
        assert_eq!(qos("      requests:\n        cpu: \"0\"\n"), "BestEffort");
        assert_eq!(qos("      requests:\n        ephemeral-storage: 1Gi\n"), "BestEffort");
    }
}
