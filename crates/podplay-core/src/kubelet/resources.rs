//! What the kubelet asks of the node's cgroups: the cgroup a Pod lives in
//! (`kubepods`, its QoS class, `pod<uid>`) and the values written there
//! and in each container's cgroup, as `pkg/kubelet/cm/helpers_linux.go`
//! (`MilliCPUToShares`, `MilliCPUToQuota`, `ResourceConfigForPod`) and
//! `kuberuntime_container_linux.go` (`calculateLinuxResources`) compute
//! them. The runtime only writes them into files.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Serialize;

/// `MinShares`, `MaxShares` and `SharesPerCPU` of the kubelet's cm package.
const MIN_SHARES: u64 = 2;
const MAX_SHARES: u64 = 262_144;
const SHARES_PER_CPU: u64 = 1024;
/// `QuotaPeriod` (100 ms in µs) and `MinQuotaPeriod` (1 ms in µs).
pub const QUOTA_PERIOD: u64 = 100_000;
const MIN_QUOTA_PERIOD: i64 = 1000;

/// The cgroup values of a Pod or of one container, as CRI's
/// `LinuxContainerResources` and the kubelet's `ResourceConfig` carry them.
/// `None` leaves the cgroup's default (no limit).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LinuxResources {
    /// `cpu.shares` (cgroup v1); v2's `cpu.weight` is derived from it.
    pub cpu_shares: Option<u64>,
    /// `cpu.cfs_quota_us` / the first field of `cpu.max`, in µs per period.
    pub cpu_quota: Option<i64>,
    /// `cpu.cfs_period_us` / the second field of `cpu.max`.
    pub cpu_period: Option<u64>,
    /// `memory.limit_in_bytes` / `memory.max`.
    pub memory_limit_bytes: Option<u64>,
    /// `pids.max`: the kubelet's `--pod-max-pids`, on the Pod's cgroup only.
    pub pids_limit: Option<i64>,
    /// cgroup v2's `memory.oom.group`: the kubelet asks for it on every
    /// container (unless `singleProcessOOMKill`), so an OOM kill ends the
    /// whole container, not one of its processes.
    pub oom_group: bool,
}

/// `MilliCPUToShares`: 1024 shares per CPU, at least 2, at most 262144;
/// 2 when nothing is requested.
pub fn milli_cpu_to_shares(milli_cpu: i64) -> u64 {
    if milli_cpu <= 0 {
        return MIN_SHARES;
    }
    let shares = (milli_cpu as u64).saturating_mul(SHARES_PER_CPU) / 1000;
    shares.clamp(MIN_SHARES, MAX_SHARES)
}

/// `MilliCPUToQuota`: the µs of CPU per `period` a limit of `milli_cpu`
/// allows, at least 1 ms; `None` (no quota) without a limit.
pub fn milli_cpu_to_quota(milli_cpu: i64, period: u64) -> Option<i64> {
    if milli_cpu <= 0 {
        return None;
    }
    let quota = milli_cpu.saturating_mul(period as i64) / 1000;
    Some(quota.max(MIN_QUOTA_PERIOD))
}

/// The cgroup the Pod lives in, as the kubelet's cgroupfs driver names it
/// with cgroupsPerQOS: `/kubepods/<qos>/pod<uid>`, Guaranteed Pods right
/// under `/kubepods`.
pub fn pod_cgroup_parent(pod: &Pod) -> String {
    let uid = pod.metadata.uid.as_deref().unwrap_or_default();
    match super::qos_class(pod).as_str() {
        "Guaranteed" => format!("/kubepods/pod{uid}"),
        qos => format!("/kubepods/{}/pod{uid}", qos.to_ascii_lowercase()),
    }
}

/// `calculateLinuxResources` for one container: shares from the CPU
/// request (or the limit when only that is set), the quota from the CPU
/// limit over the 100 ms period, the memory limit in bytes.
pub fn container_resources(container: &Container) -> LinuxResources {
    let amounts = Amounts::of(container);
    let cpu_for_shares = if amounts.cpu_request == 0 { amounts.cpu_limit } else { amounts.cpu_request };
    LinuxResources {
        cpu_shares: Some(milli_cpu_to_shares(cpu_for_shares)),
        cpu_quota: milli_cpu_to_quota(amounts.cpu_limit, QUOTA_PERIOD),
        cpu_period: Some(QUOTA_PERIOD),
        memory_limit_bytes: u64::try_from(amounts.memory_limit).ok().filter(|b| *b > 0),
        pids_limit: None,
        oom_group: true,
    }
}

/// `ResourceConfigForPod`: the Pod cgroup's values by QoS class. Guaranteed
/// Pods get shares, quota and memory; Burstable ones shares, and quota or
/// memory only when every container limits that resource; BestEffort the
/// minimum shares. `pod_pids_limit` is the kubelet's `--pod-max-pids`
/// (-1, the default, leaves it unset).
pub fn pod_resources(pod: &Pod, pod_pids_limit: i64) -> LinuxResources {
    let Some(spec) = &pod.spec else {
        return LinuxResources::default();
    };
    let sidecar = |c: &&Container| c.restart_policy.as_deref() == Some("Always");
    let regular: Vec<Amounts> =
        spec.containers.iter().chain(spec.init_containers.iter().flatten().filter(sidecar)).map(Amounts::of).collect();
    let mut requests = Amounts::sum(&regular);
    let mut limits = requests;
    // An init container runs alone (beside the sidecars started before it):
    // the Pod needs the most of either.
    let mut sidecars_before = Amounts::default();
    for init in spec.init_containers.iter().flatten() {
        let own = Amounts::of(init);
        if sidecar(&init) {
            sidecars_before = Amounts::sum(&[sidecars_before, own]);
            continue;
        }
        let alone = Amounts::sum(&[sidecars_before, own]);
        requests = requests.max(alone);
        limits = limits.max(alone);
    }
    let every = |limited: fn(&Amounts) -> bool| {
        spec.containers.iter().chain(spec.init_containers.iter().flatten()).all(|c| limited(&Amounts::of(c)))
    };
    let pids_limit = (pod_pids_limit > 0).then_some(pod_pids_limit);
    let quota = milli_cpu_to_quota(limits.cpu_limit, QUOTA_PERIOD);
    let memory = u64::try_from(limits.memory_limit).ok().filter(|b| *b > 0);
    let shares = Some(milli_cpu_to_shares(requests.cpu_request));
    let mut out = LinuxResources { pids_limit, ..Default::default() };
    match super::qos_class(pod).as_str() {
        "Guaranteed" => {
            out.cpu_shares = shares;
            out.cpu_quota = quota;
            out.cpu_period = Some(QUOTA_PERIOD);
            out.memory_limit_bytes = memory;
        }
        "Burstable" => {
            out.cpu_shares = shares;
            if every(|a| a.cpu_limit > 0) {
                out.cpu_quota = quota;
                out.cpu_period = Some(QUOTA_PERIOD);
            }
            if every(|a| a.memory_limit > 0) {
                out.memory_limit_bytes = memory;
            }
        }
        _ => out.cpu_shares = Some(MIN_SHARES),
    }
    out
}

/// One container's CPU (millicores) and memory (bytes) requests and
/// limits; a request left out defaults to the limit, as the API server
/// defaults it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Amounts {
    cpu_request: i64,
    cpu_limit: i64,
    memory_request: i64,
    memory_limit: i64,
}

impl Amounts {
    fn of(container: &Container) -> Amounts {
        let resources = container.resources.as_ref();
        let read = |list: Option<&BTreeMap<String, Quantity>>, name: &str| {
            list.and_then(|l| l.get(name)).and_then(|q| crate::scheduler::resource_value(name, &q.0)).unwrap_or(0)
        };
        let limits = resources.and_then(|r| r.limits.as_ref());
        let requests = resources.and_then(|r| r.requests.as_ref());
        let cpu_limit = read(limits, "cpu");
        let memory_limit = read(limits, "memory");
        let or_limit = |name: &str, limit: i64| match requests.and_then(|l| l.get(name)) {
            Some(_) => read(requests, name),
            None => limit,
        };
        Amounts {
            cpu_request: or_limit("cpu", cpu_limit),
            cpu_limit,
            memory_request: or_limit("memory", memory_limit),
            memory_limit,
        }
    }

    fn sum(all: &[Amounts]) -> Amounts {
        all.iter().fold(Amounts::default(), |a, b| Amounts {
            cpu_request: a.cpu_request.saturating_add(b.cpu_request),
            cpu_limit: a.cpu_limit.saturating_add(b.cpu_limit),
            memory_request: a.memory_request.saturating_add(b.memory_request),
            memory_limit: a.memory_limit.saturating_add(b.memory_limit),
        })
    }

    fn max(self, other: Amounts) -> Amounts {
        Amounts {
            cpu_request: self.cpu_request.max(other.cpu_request),
            cpu_limit: self.cpu_limit.max(other.cpu_limit),
            memory_request: self.memory_request.max(other.memory_request),
            memory_limit: self.memory_limit.max(other.memory_limit),
        }
    }
}

/// cgroup v2's `cpu.weight` for the kubelet's own cgroups (Pod, QoS):
/// shares mapped linearly from [2, 262144] onto [1, 10000].
pub fn shares_to_weight(shares: u64) -> u64 {
    if shares >= MAX_SHARES {
        return 10_000;
    }
    1 + (shares.saturating_sub(2) * 9999) / 262_142
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(containers: &str) -> Pod {
        let yaml =
            format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: r\n  uid: u-1\nspec:\n  containers:\n{containers}");
        crate::test_support::pod(&yaml)
    }

    fn container(name: &str, resources: &str) -> String {
        format!("  - name: {name}\n    image: busybox\n    resources:\n{resources}")
    }

    #[test]
    fn the_kubelets_formulas() {
        assert_eq!(milli_cpu_to_shares(0), 2);
        assert_eq!(milli_cpu_to_shares(1), 2);
        assert_eq!(milli_cpu_to_shares(250), 256);
        assert_eq!(milli_cpu_to_shares(1000), 1024);
        assert_eq!(milli_cpu_to_shares(1_000_000), 262_144);
        assert_eq!(milli_cpu_to_quota(0, QUOTA_PERIOD), None);
        assert_eq!(milli_cpu_to_quota(5, QUOTA_PERIOD), Some(1000));
        assert_eq!(milli_cpu_to_quota(500, QUOTA_PERIOD), Some(50_000));
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(262_144), 10_000);
    }

    #[test]
    fn a_container_gets_shares_quota_and_its_memory_limit() {
        let p = pod(&container(
            "c",
            "      requests:\n        cpu: 250m\n      limits:\n        cpu: 500m\n        memory: 64Mi\n",
        ));
        let r = container_resources(&p.spec.as_ref().unwrap().containers[0]);
        assert_eq!(r.cpu_shares, Some(256));
        assert_eq!((r.cpu_quota, r.cpu_period), (Some(50_000), Some(100_000)));
        assert_eq!(r.memory_limit_bytes, Some(64 << 20));
        // A limit alone: shares from the limit.
        let p = pod(&container("c", "      limits:\n        cpu: \"1\"\n"));
        assert_eq!(container_resources(&p.spec.as_ref().unwrap().containers[0]).cpu_shares, Some(1024));
        // Nothing: the minimum shares, no quota, no memory limit.
        let p = pod("  - name: c\n    image: busybox\n");
        let r = container_resources(&p.spec.as_ref().unwrap().containers[0]);
        assert_eq!((r.cpu_shares, r.cpu_quota, r.memory_limit_bytes), (Some(2), None, None));
    }

    #[test]
    fn the_pod_cgroup_follows_the_qos_class() {
        let best = pod("  - name: c\n    image: busybox\n");
        assert_eq!(pod_cgroup_parent(&best), "/kubepods/besteffort/podu-1");
        assert_eq!(pod_resources(&best, -1), LinuxResources { cpu_shares: Some(2), ..Default::default() });
        assert_eq!(pod_resources(&best, 64).pids_limit, Some(64));

        let limits = "      limits:\n        cpu: 500m\n        memory: 64Mi\n";
        let guaranteed = pod(&format!("{}{}", container("a", limits), container("b", limits)));
        assert_eq!(pod_cgroup_parent(&guaranteed), "/kubepods/podu-1");
        let r = pod_resources(&guaranteed, -1);
        assert_eq!((r.cpu_shares, r.cpu_quota, r.memory_limit_bytes), (Some(1024), Some(100_000), Some(128 << 20)));

        // Burstable: memory limited everywhere, CPU not: no quota.
        let burstable = pod(&format!(
            "{}{}",
            container("a", "      limits:\n        memory: 64Mi\n      requests:\n        cpu: 100m\n"),
            container("b", "      limits:\n        memory: 32Mi\n")
        ));
        assert_eq!(pod_cgroup_parent(&burstable), "/kubepods/burstable/podu-1");
        let r = pod_resources(&burstable, -1);
        assert_eq!((r.cpu_shares, r.cpu_quota, r.memory_limit_bytes), (Some(102), None, Some(96 << 20)));
    }

    #[test]
    fn an_init_container_counts_alone_and_sidecars_add_up() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: r\n  uid: u\nspec:\n  initContainers:\n  - name: big\n    image: busybox\n    resources:\n      limits:\n        memory: 200Mi\n  - name: side\n    image: busybox\n    restartPolicy: Always\n    resources:\n      limits:\n        memory: 10Mi\n  containers:\n  - name: c\n    image: busybox\n    resources:\n      limits:\n        memory: 50Mi\n";
        let r = pod_resources(&crate::test_support::pod(yaml), -1);
        assert_eq!(r.memory_limit_bytes, Some(200 << 20));
    }
}
