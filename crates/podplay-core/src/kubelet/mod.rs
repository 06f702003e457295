//! The kubelet: the sans-IO pod worker ([`machine`]) and the Kubernetes facts
//! it relies on (files it writes, status it computes, back-off, events).

pub mod backoff;
pub mod env;
pub mod events;
pub mod files;
pub mod machine;
pub mod record;
pub mod resources;
pub mod security;
pub mod status;
pub mod types;
pub mod volumes;

pub use machine::{Doing, Kubelet, NodeContext};

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
    // Sums per QoS resource (cpu, memory); `None` until a positive amount.
    let mut requests = [None::<i64>; 2];
    let mut limits = [None::<i64>; 2];
    let mut guaranteed = true;
    for c in spec.init_containers.iter().flatten().chain(spec.containers.iter()) {
        let resources = c.resources.as_ref();
        add_qos_amounts(&mut requests, resources.and_then(|r| r.requests.as_ref()));
        let limited = add_qos_amounts(&mut limits, resources.and_then(|r| r.limits.as_ref()));
        if limited != [true, true] {
            guaranteed = false;
        }
    }
    if requests == [None, None] && limits == [None, None] {
        return "BestEffort".into();
    }
    // Every resource requested has an equal limit, and the other way round.
    if guaranteed && requests == limits { "Guaranteed".into() } else { "Burstable".into() }
}

/// Adds a container's positive `cpu` (nanocores) and `memory` (millibytes)
/// amounts to `sums`; returns which of the two it had.
fn add_qos_amounts(
    sums: &mut [Option<i64>; 2],
    amounts: Option<&std::collections::BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> [bool; 2] {
    let mut found = [false; 2];
    for (name, quantity) in amounts.into_iter().flatten() {
        let (slot, scale) = match name.as_str() {
            "cpu" => (0, 9),
            "memory" => (1, 3),
            _ => continue,
        };
        let Some(amount) = crate::scheduler::parse_quantity_scaled(&quantity.0, scale).filter(|v| *v > 0) else {
            continue;
        };
        found[slot] = true;
        sums[slot] = Some(sums[slot].unwrap_or(0).saturating_add(amount));
    }
    found
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
