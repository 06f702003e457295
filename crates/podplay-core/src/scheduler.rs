//! kube-scheduler's decision for one Pod, and the kubelet's admission check
//! for Pods that bypass it with `spec.nodeName`.
//!
//! Modeled filter plugins, in the default profile's order (the first plugin
//! that rejects a node gives that node's reasons, as
//! `frameworkImpl.RunFilterPlugins` stops there):
//! 1. `NodeUnschedulable`: `node(s) were unschedulable` (cordoned node,
//!    unless the Pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`);
//! 2. `TaintToleration`: `node(s) had untolerated taint(s)` for a `NoSchedule`
//!    or `NoExecute` taint no toleration matches;
//! 3. `NodeAffinity`: `node(s) didn't match Pod's node affinity/selector`
//!    (`nodeSelector` and required node affinity);
//! 4. `NodeResourcesFit`: `Too many pods`, `Insufficient cpu`, `Insufficient
//!    memory`, `Insufficient ephemeral-storage`, `Insufficient <extended>`.
//!
//! Not modeled: host ports (`NodePorts`), inter-Pod (anti-)affinity,
//! topology spread, volumes, and the requests of Pods already on a node (only
//! their number is known here; see [`schedule`]).
//!
//! Messages are those of Kubernetes 1.37 (sources named at each constant).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodCondition, Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::cluster::node_name;

/// The scheduler's name; only Pods with this `spec.schedulerName` (the
/// defaulted value) are scheduled by it.
pub const SCHEDULER_NAME: &str = "default-scheduler";

/// Event reasons (`pkg/scheduler/schedule_one.go`).
pub const REASON_SCHEDULED: &str = "Scheduled";
pub const REASON_FAILED_SCHEDULING: &str = "FailedScheduling";

/// `PodScheduled` condition reasons (`k8s.io/api/core/v1` `PodReason*`).
pub const CONDITION_REASON_UNSCHEDULABLE: &str = "Unschedulable";
pub const CONDITION_REASON_SCHEDULING_GATED: &str = "SchedulingGated";

/// `plugins/nodeunschedulable` `ErrReasonUnschedulable`.
pub const REASON_NODE_UNSCHEDULABLE: &str = "node(s) were unschedulable";
/// `plugins/tainttoleration` `Filter`. Since kubernetes#134740 (1.35,
/// backported to 1.34) the taint's key and value are no longer shown; older
/// schedulers printed `node(s) had untolerated taint {key: value}`.
pub const REASON_UNTOLERATED_TAINT: &str = "node(s) had untolerated taint(s)";
/// `plugins/nodeaffinity` `ErrReasonPod`.
pub const REASON_NODE_AFFINITY: &str = "node(s) didn't match Pod's node affinity/selector";
/// `plugins/noderesources` `fitsRequest`.
pub const REASON_TOO_MANY_PODS: &str = "Too many pods";

/// `DefaultPreemption` for a node where evicting Pods cannot help.
pub const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// `DefaultPreemption` for a node with no lower-priority Pod to evict.
pub const NO_PREEMPTION_VICTIMS: &str = "No preemption victims found for incoming pod";
/// `DefaultPreemption` for a Pod with `preemptionPolicy: Never`.
pub const NOT_ELIGIBLE_PREEMPTION_NEVER: &str = "not eligible due to preemptionPolicy=Never.";
/// The `DynamicResources` plugin's `PostFilter` for a Pod without resource
/// claims. It runs before `DefaultPreemption` in every scheduler with DRA on
/// (GA and on by default since 1.34), so its words open the post-filter part.
pub const DRA_NO_CLAIMS: &str = "no new claims to deallocate";
/// `schedule_one.go` `ErrNoNodesAvailable`.
pub const NO_NODES_AVAILABLE: &str = "no nodes available to schedule pods";
/// `PodScheduled` message while `spec.schedulingGates` is non-empty.
pub const SCHEDULING_GATED_MESSAGE: &str = "Scheduling is blocked due to non-empty scheduling gates";
/// An event's message is cut to this many bytes (`truncateMessage`).
pub const EVENT_MESSAGE_LIMIT: usize = 1024;

/// The taint the `NodeUnschedulable` plugin asks Pods to tolerate.
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// What the scheduler does with a Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleOutcome {
    /// Bound to `node`. The scheduler records a Normal `Scheduled` event
    /// from `default-scheduler` with `event_message`
    /// (`Successfully assigned default/web to node-1`) and sets
    /// `PodScheduled=True`.
    Bound { node: String, event_message: String },
    /// `spec.nodeName` was set on create: the scheduler never sees the Pod
    /// (no `Scheduled` event). The kubelet of that node admits it
    /// ([`kubelet_admit`]) and sets `PodScheduled=True` itself.
    ///
    /// If no such node exists, nothing runs the Pod: it stays `Pending` with
    /// no conditions and no events, and the Pod garbage collector
    /// (kube-controller-manager) deletes it once the node has been missing
    /// for [`PODGC_QUARANTINE_SECONDS`] (checked every
    /// [`PODGC_PERIOD_SECONDS`]), first marking it `Failed` with the
    /// `DisruptionTarget` condition ([`podgc_condition`]). The Kubernetes
    /// docs: "If the named node does not exist, the Pod will not run, and in
    /// some situations may be automatically deleted."
    NodeNameSet { node: String, node_exists: bool },
    /// No node fits. Warning `FailedScheduling` event with `event_message`
    /// (= `message`, cut at 1024 bytes), and `PodScheduled=False`, reason
    /// `Unschedulable`, message `message`. The scheduler retries when the
    /// cluster changes.
    Unschedulable { message: String, event_message: String },
    /// `spec.schedulingGates` is non-empty: `PodScheduled=False`, reason
    /// `SchedulingGated`, no event; kubectl STATUS `SchedulingGated`.
    SchedulingGated,
    /// `spec.schedulerName` names another scheduler, which does not exist
    /// in podplay's cluster: the Pod stays `Pending` with no conditions and
    /// no events.
    OtherScheduler { scheduler_name: String },
}

impl ScheduleOutcome {
    /// The node the Pod runs on, if any: bound, or named by `spec.nodeName`
    /// and existing.
    pub fn node(&self) -> Option<&str> {
        match self {
            ScheduleOutcome::Bound { node, .. } => Some(node),
            ScheduleOutcome::NodeNameSet { node, node_exists: true } => Some(node),
            _ => None,
        }
    }

    /// The `PodScheduled` condition the scheduler writes, if it writes one.
    /// (For `NodeNameSet` the kubelet writes `PodScheduled=True` once it
    /// runs the Pod.)
    pub fn pod_scheduled_condition(&self, now: &Time) -> Option<PodCondition> {
        let condition = |status: &str, reason: Option<&str>, message: Option<&str>| PodCondition {
            type_: "PodScheduled".to_string(),
            status: status.to_string(),
            reason: reason.map(str::to_string),
            message: message.map(str::to_string),
            last_transition_time: Some(now.clone()),
            ..Default::default()
        };
        match self {
            ScheduleOutcome::Bound { .. } => Some(condition("True", None, None)),
            ScheduleOutcome::Unschedulable { message, .. } => {
                Some(condition("False", Some(CONDITION_REASON_UNSCHEDULABLE), Some(message)))
            }
            ScheduleOutcome::SchedulingGated => {
                Some(condition("False", Some(CONDITION_REASON_SCHEDULING_GATED), Some(SCHEDULING_GATED_MESSAGE)))
            }
            ScheduleOutcome::NodeNameSet { .. } | ScheduleOutcome::OtherScheduler { .. } => None,
        }
    }
}

/// PodGC deletes Pods bound to a missing node once it has been missing this
/// long (`pkg/controller/podgc` `quarantineTime`).
pub const PODGC_QUARANTINE_SECONDS: u64 = 40;
/// PodGC runs this often (`gcCheckPeriod`).
pub const PODGC_PERIOD_SECONDS: u64 = 20;

/// The condition PodGC adds before deleting a Pod whose node is gone
/// (the Pod's phase becomes `Failed`).
pub fn podgc_condition(now: &Time) -> PodCondition {
    PodCondition {
        type_: "DisruptionTarget".to_string(),
        status: "True".to_string(),
        reason: Some("DeletionByPodGC".to_string()),
        message: Some("PodGC: node no longer exists".to_string()),
        last_transition_time: Some(now.clone()),
        ..Default::default()
    }
}

/// Why one node was rejected: the failing plugin's reasons, and whether
/// evicting Pods could ever help (`UnschedulableAndUnresolvable` is not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRejection {
    pub reasons: Vec<String>,
    pub unresolvable: bool,
}

impl NodeRejection {
    fn unresolvable(reason: &str) -> NodeRejection {
        NodeRejection { reasons: vec![reason.to_string()], unresolvable: true }
    }
}

/// Schedules `pod` on one of `nodes`. `pods_per_node` counts the Pods already
/// bound to each node (missing = 0): it feeds the `pods` capacity check and
/// the tie-break.
///
/// Kubernetes scores the feasible nodes (spreading, least allocated, …) and
/// picks randomly among the best; podplay picks, deterministically, the
/// feasible node with the fewest Pods, then the first by name.
pub fn schedule(pod: &Pod, nodes: &[Node], pods_per_node: &BTreeMap<String, usize>) -> ScheduleOutcome {
    let spec = pod.spec.as_ref();
    if let Some(node) = spec.and_then(|s| s.node_name.as_deref()).filter(|n| !n.is_empty()) {
        return ScheduleOutcome::NodeNameSet {
            node: node.to_string(),
            node_exists: nodes.iter().any(|n| node_name(n) == node),
        };
    }
    let scheduler_name =
        spec.and_then(|s| s.scheduler_name.as_deref()).filter(|n| !n.is_empty()).unwrap_or(SCHEDULER_NAME);
    if scheduler_name != SCHEDULER_NAME {
        return ScheduleOutcome::OtherScheduler { scheduler_name: scheduler_name.to_string() };
    }
    if spec.is_some_and(|s| s.scheduling_gates.as_ref().is_some_and(|g| !g.is_empty())) {
        return ScheduleOutcome::SchedulingGated;
    }
    if nodes.is_empty() {
        return unschedulable(NO_NODES_AVAILABLE.to_string());
    }
    let count = |n: &Node| pods_per_node.get(node_name(n)).copied().unwrap_or(0);
    let mut rejections = Vec::new();
    let mut best: Option<(usize, &str)> = None;
    for node in nodes {
        match filter(pod, node, count(node)) {
            Ok(()) => {
                let key = (count(node), node_name(node));
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            Err(rejection) => rejections.push(rejection),
        }
    }
    if let Some((_, node)) = best {
        return ScheduleOutcome::Bound {
            node: node.to_string(),
            event_message: format!(
                "Successfully assigned {}/{} to {}",
                crate::kubelet::files::pod_namespace(pod),
                pod.metadata.name.as_deref().unwrap_or(""),
                node
            ),
        };
    }
    let preemption_never = spec.and_then(|s| s.preemption_policy.as_deref()) == Some("Never");
    unschedulable(fit_error_message(nodes.len(), &rejections, true, preemption_never))
}

fn unschedulable(message: String) -> ScheduleOutcome {
    ScheduleOutcome::Unschedulable { event_message: truncate_event_message(&message), message }
}

/// `FitError.Error()` (`pkg/scheduler/framework/types.go`) followed by the
/// post-filter plugins' message:
///
/// `0/<N> nodes are available: <histogram>.` then, with `dra` (Kubernetes
/// ≥ 1.34), ` no new claims to deallocate,`, then ` preemption: 0/<N> nodes
/// are available: <preemption histogram>.`
///
/// A histogram is `"<count> <reason>"` per distinct reason, **sorted as
/// strings** (Go `sort.Strings`, so `10 …` sorts before `2 …`), joined with
/// `, `. In the preemption histogram, unresolvable nodes count as
/// `Preemption is not helpful for scheduling` and the others as `No
/// preemption victims found for incoming pod` (podplay has no lower-priority
/// Pods to evict).
pub fn fit_error_message(num_nodes: usize, rejections: &[NodeRejection], dra: bool, preemption_never: bool) -> String {
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rejections {
        for reason in &r.reasons {
            *reasons.entry(reason.as_str()).or_default() += 1;
        }
    }
    let mut message = format!("0/{num_nodes} nodes are available:");
    let histogram = sorted_histogram(&reasons);
    if !histogram.is_empty() {
        message.push_str(&format!(" {histogram}."));
    }
    let preemption = if preemption_never {
        format!("preemption: {NOT_ELIGIBLE_PREEMPTION_NEVER}")
    } else {
        let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
        for r in rejections {
            let outcome = if r.unresolvable { PREEMPTION_NOT_HELPFUL } else { NO_PREEMPTION_VICTIMS };
            *outcomes.entry(outcome).or_default() += 1;
        }
        // Nodes without a status of their own (none here) count as "not
        // helpful" too.
        let absent = num_nodes.saturating_sub(rejections.len());
        if absent > 0 {
            *outcomes.entry(PREEMPTION_NOT_HELPFUL).or_default() += absent;
        }
        format!("preemption: 0/{num_nodes} nodes are available: {}.", sorted_histogram(&outcomes))
    };
    let post_filter = if dra { format!("{DRA_NO_CLAIMS}, {preemption}") } else { preemption };
    message.push(' ');
    message.push_str(&post_filter);
    message
}

fn sorted_histogram(reasons: &BTreeMap<&str, usize>) -> String {
    let mut entries: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    entries.sort();
    entries.join(", ")
}

/// The event copy of a long message: cut to 1024 bytes ending in ` ...`
/// (`truncateMessage`), at a character boundary.
pub fn truncate_event_message(message: &str) -> String {
    if message.len() <= EVENT_MESSAGE_LIMIT {
        return message.to_string();
    }
    let suffix = " ...";
    let mut end = EVENT_MESSAGE_LIMIT - suffix.len();
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &message[..end])
}

/// Runs the modeled filter plugins for one node, in order, stopping at the
/// first that rejects it.
pub fn filter(pod: &Pod, node: &Node, pods_on_node: usize) -> Result<(), NodeRejection> {
    let tolerations: &[Toleration] = pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or(&[]);
    let node_spec = node.spec.as_ref();
    // NodeUnschedulable
    if node_spec.and_then(|s| s.unschedulable) == Some(true) {
        let cordon =
            Taint { key: TAINT_NODE_UNSCHEDULABLE.to_string(), effect: "NoSchedule".to_string(), ..Default::default() };
        if !tolerations.iter().any(|t| tolerates(t, &cordon)) {
            return Err(NodeRejection::unresolvable(REASON_NODE_UNSCHEDULABLE));
        }
    }
    // TaintToleration
    let taints = node_spec.and_then(|s| s.taints.as_deref()).unwrap_or(&[]);
    if find_untolerated_taint(taints, tolerations, &["NoSchedule", "NoExecute"]).is_some() {
        return Err(NodeRejection::unresolvable(REASON_UNTOLERATED_TAINT));
    }
    // NodeAffinity
    if !node_affinity_matches(pod, node) {
        return Err(NodeRejection::unresolvable(REASON_NODE_AFFINITY));
    }
    // NodeResourcesFit
    let insufficient = insufficient_resources(pod, node, pods_on_node);
    if !insufficient.is_empty() {
        return Err(NodeRejection {
            unresolvable: insufficient.iter().any(|i| i.unresolvable),
            reasons: insufficient.into_iter().map(|i| i.reason).collect(),
        });
    }
    Ok(())
}

/// `Toleration.ToleratesTaint`: the effect (if set) and key (if set) must
/// equal the taint's; `Equal` (or no operator) compares values, `Exists`
/// matches any value. An empty key with `Exists` tolerates everything.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("") {
        "" | "Equal" => toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        "Exists" => true,
        // `Lt`/`Gt` (alpha `TaintTolerationComparisonOperators`) are off.
        _ => false,
    }
}

/// `FindMatchingUntoleratedTaint`: the first taint with one of `effects`
/// that no toleration tolerates.
pub fn find_untolerated_taint<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
    effects: &[&str],
) -> Option<&'a Taint> {
    taints
        .iter()
        .find(|taint| effects.contains(&taint.effect.as_str()) && !tolerations.iter().any(|t| tolerates(t, taint)))
}

/// `nodeSelector` (every pair equals a node label) and, if given, the
/// required node affinity (`nodeSelectorTerms` ORed; a term's
/// `matchExpressions` and `matchFields` ANDed; an empty term matches
/// nothing; a term that does not parse matches nothing).
pub fn node_affinity_matches(pod: &Pod, node: &Node) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return true;
    };
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    if let Some(selector) = &spec.node_selector {
        if !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            return false;
        }
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| na.required_during_scheduling_ignored_during_execution.as_ref());
    match required {
        None => true,
        Some(selector) => selector.node_selector_terms.iter().any(|term| node_selector_term_matches(term, node)),
    }
}

/// One `NodeSelectorTerm` against a node.
pub fn node_selector_term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or(&[]);
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    let name = node_name(node);
    expressions.iter().all(|r| requirement_matches(r, labels.get(&r.key).map(String::as_str)) == Some(true))
        && fields.iter().all(|r| {
            r.key == "metadata.name"
                && matches!(r.operator.as_str(), "In" | "NotIn")
                && requirement_matches(r, Some(name)) == Some(true)
        })
}

/// A `NodeSelectorRequirement` against the value of its key (`None` when
/// the node has no such label). `None` when the requirement does not parse
/// (In/NotIn without values, Exists/DoesNotExist with values, Gt/Lt without
/// exactly one integer, an unknown operator).
pub fn requirement_matches(req: &NodeSelectorRequirement, value: Option<&str>) -> Option<bool> {
    let values = req.values.as_deref().unwrap_or(&[]);
    match req.operator.as_str() {
        "In" | "NotIn" => {
            if values.is_empty() {
                return None;
            }
            let found = value.is_some_and(|v| values.iter().any(|x| x == v));
            Some(if req.operator == "In" { found } else { !found })
        }
        "Exists" | "DoesNotExist" => {
            if !values.is_empty() {
                return None;
            }
            Some(value.is_some() == (req.operator == "Exists"))
        }
        "Gt" | "Lt" => {
            let [bound] = values else {
                return None;
            };
            let bound: i64 = bound.parse().ok()?;
            let Some(v) = value.and_then(|v| v.parse::<i64>().ok()) else {
                return Some(false);
            };
            Some(if req.operator == "Gt" { v > bound } else { v < bound })
        }
        _ => None,
    }
}

/// One resource a node lacks (`noderesources.InsufficientResource`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsufficientResource {
    pub resource: String,
    /// `Too many pods`, `Insufficient cpu`, …
    pub reason: String,
    /// In the API's base units: millicores for cpu, bytes, Pods, counts.
    pub requested: i64,
    pub used: i64,
    pub capacity: i64,
    /// The request exceeds the node's allocatable: no eviction can help.
    pub unresolvable: bool,
}

/// `fitsRequest`: the Pods count first, then cpu, memory,
/// ephemeral-storage and extended resources. Pods already on the node count
/// only by number (their requests are taken as zero).
pub fn insufficient_resources(pod: &Pod, node: &Node, pods_on_node: usize) -> Vec<InsufficientResource> {
    let allocatable = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
    let alloc = |name: &str| -> i64 {
        allocatable.and_then(|a| a.get(name)).and_then(|q| resource_value(name, &q.0)).unwrap_or(0)
    };
    let mut out = Vec::new();
    let used_pods = i64::try_from(pods_on_node).unwrap_or(i64::MAX);
    let allowed_pods = alloc("pods");
    if used_pods.saturating_add(1) > allowed_pods {
        out.push(InsufficientResource {
            resource: "pods".to_string(),
            reason: REASON_TOO_MANY_PODS.to_string(),
            requested: 1,
            used: used_pods,
            capacity: allowed_pods,
            unresolvable: false,
        });
    }
    let requests = pod_requests(pod);
    let mut names: Vec<&String> = requests.keys().collect();
    let rank = |n: &str| match n {
        "cpu" => 0,
        "memory" => 1,
        "ephemeral-storage" => 2,
        _ => 3,
    };
    names.sort_by_key(|n| (rank(n), n.as_str()));
    for name in names {
        let requested = requests[name];
        if name == "pods" || requested <= 0 {
            continue;
        }
        let capacity = alloc(name);
        if requested > capacity {
            out.push(InsufficientResource {
                resource: name.clone(),
                reason: format!("Insufficient {name}"),
                requested,
                used: 0,
                capacity,
                unresolvable: true,
            });
        }
    }
    out
}

/// The Pod's effective requests (`resourcehelper.PodRequests`): regular
/// containers and sidecars summed, against the largest init-container step
/// (a classic init container runs beside the sidecars started before it),
/// plus `spec.overhead`; Pod-level `spec.resources.requests` win where set.
/// cpu in millicores, everything else in units (rounded up).
pub fn pod_requests(pod: &Pod) -> BTreeMap<String, i64> {
    let Some(spec) = pod.spec.as_ref() else {
        return BTreeMap::new();
    };
    let mut reqs: BTreeMap<String, i64> = BTreeMap::new();
    for c in &spec.containers {
        add(&mut reqs, &container_requests(c));
    }
    let mut sidecars: BTreeMap<String, i64> = BTreeMap::new();
    let mut init_max: BTreeMap<String, i64> = BTreeMap::new();
    for c in spec.init_containers.iter().flatten() {
        let own = container_requests(c);
        let step = if c.restart_policy.as_deref() == Some("Always") {
            add(&mut reqs, &own);
            add(&mut sidecars, &own);
            sidecars.clone()
        } else {
            let mut step = own;
            add(&mut step, &sidecars);
            step
        };
        for (k, v) in step {
            let e = init_max.entry(k).or_insert(0);
            *e = (*e).max(v);
        }
    }
    for (k, v) in init_max {
        let e = reqs.entry(k).or_insert(0);
        *e = (*e).max(v);
    }
    if let Some(overhead) = &spec.overhead {
        for (k, q) in overhead {
            if let Some(v) = resource_value(k, &q.0) {
                let e = reqs.entry(k.clone()).or_insert(0);
                *e = e.saturating_add(v);
            }
        }
    }
    if let Some(pod_level) = spec.resources.as_ref().and_then(|r| r.requests.as_ref()) {
        for (k, q) in pod_level {
            if let Some(v) = resource_value(k, &q.0) {
                reqs.insert(k.clone(), v);
            }
        }
    }
    reqs
}

fn container_requests(c: &Container) -> BTreeMap<String, i64> {
    let mut requests = BTreeMap::new();
    let declared = c.resources.as_ref().and_then(|r| r.requests.as_ref());
    requests.extend(
        declared.iter().flat_map(|r| r.iter()).filter_map(|(k, q)| Some((k.clone(), resource_value(k, &q.0)?))),
    );
    requests
}

fn add(into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>) {
    for (k, v) in from {
        let e = into.entry(k.clone()).or_insert(0);
        *e = e.saturating_add(*v);
    }
}

/// A quantity in the unit the scheduler compares: millicores for `cpu`
/// (`MilliValue`), whole units for the rest (`Value`), both rounded up.
pub fn resource_value(name: &str, quantity: &str) -> Option<i64> {
    parse_quantity_scaled(quantity, if name == "cpu" { 3 } else { 0 })
}

/// A Kubernetes Quantity times `10^scale`, rounded up (toward +∞) and
/// saturated to `i64`. `None` if it does not parse. Accepts decimal
/// (`m`, `k`, `M`, `G`, …), binary (`Ki`, `Mi`, …) and exponent (`1e3`)
/// suffixes.
pub fn parse_quantity_scaled(s: &str, scale: i32) -> Option<i64> {
    let s = s.trim();
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(split);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    let digits: String = format!("{int_part}{frac_part}").trim_start_matches('0').to_string();
    let (pow10, pow2): (i32, u32) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        exp if exp.len() > 1 && exp.starts_with(['e', 'E']) => {
            let e: i32 = exp[1..].parse().ok()?;
            (e, 0)
        }
        _ => return None,
    };
    if digits.is_empty() {
        return Some(0);
    }
    let saturated = if negative { i64::MIN } else { i64::MAX };
    if digits.len() > 30 {
        return Some(saturated);
    }
    let mantissa: i128 = digits.parse().ok()?;
    let frac_len = i32::try_from(frac_part.len()).unwrap_or(i32::MAX);
    let exp10 = pow10.saturating_add(scale).saturating_sub(frac_len);
    let mut value = mantissa;
    for _ in 0..pow2 {
        value = match value.checked_mul(2) {
            Some(v) => v,
            None => return Some(saturated),
        };
    }
    if exp10 >= 0 {
        for _ in 0..exp10.min(40) {
            value = match value.checked_mul(10) {
                Some(v) => v,
                None => return Some(saturated),
            };
        }
    } else {
        let mut divisor: i128 = 1;
        for _ in 0..exp10.unsigned_abs().min(40) {
            divisor = divisor.saturating_mul(10);
        }
        // Round away from zero for positives (ceil), toward zero for
        // negatives (also ceil).
        let q = value / divisor;
        value = if value % divisor != 0 && !negative { q + 1 } else { q };
    }
    let value = if negative { -value } else { value };
    Some(i64::try_from(value).unwrap_or(saturated))
}

/// Why the kubelet refused a Pod (`lifecycle.PodAdmitResult`). The kubelet
/// then records a Warning event (`reason`, `message`) and sets the Pod
/// `Failed` with `status.reason = reason` and `status.message = "Pod was
/// rejected: " + message`; kubectl STATUS shows the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmitRejection {
    pub reason: String,
    pub message: String,
}

impl AdmitRejection {
    /// `status.message` of the rejected Pod.
    pub fn status_message(&self) -> String {
        format!("Pod was rejected: {}", self.message)
    }
}

/// The kubelet's admission of a Pod bound to `node`
/// (`pkg/kubelet/lifecycle/predicate.go` `Admit`): OS checks, then the
/// scheduler's `AdmissionCheck` (resources, node affinity, node name) and
/// `NoExecute` taints; the first failure is reported.
///
/// `Predicate NodeAffinity failed: node(s) didn't match Pod's node
/// affinity/selector` (reason `NodeAffinity`); `Node didn't have enough
/// resource: cpu, requested: 3000, used: 0, capacity: 2000` (reason
/// `OutOfcpu`).
pub fn kubelet_admit(pod: &Pod, node: &Node, pods_on_node: usize) -> Result<(), AdmitRejection> {
    let reject = |reason: &str, message: String| Err(AdmitRejection { reason: reason.to_string(), message });
    let node_os = node.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/os")).map_or("linux", String::as_str);
    if let Some(pod_os) = pod.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/os")) {
        if pod_os != node_os {
            return reject(
                "PodOSSelectorNodeLabelDoesNotMatch",
                "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label".to_string(),
            );
        }
    }
    if let Some(os) = pod.spec.as_ref().and_then(|s| s.os.as_ref()) {
        if os.name != "linux" {
            return reject(
                "PodOSNotSupported",
                "Failed to admit pod as the OS field doesn't match node OS".to_string(),
            );
        }
    }
    if let Some(r) = insufficient_resources(pod, node, pods_on_node).into_iter().next() {
        let reason = format!("OutOf{}", r.resource);
        return reject(
            &reason,
            format!(
                "Node didn't have enough resource: {}, requested: {}, used: {}, capacity: {}",
                r.resource, r.requested, r.used, r.capacity
            ),
        );
    }
    if !node_affinity_matches(pod, node) {
        return reject("NodeAffinity", format!("Predicate NodeAffinity failed: {REASON_NODE_AFFINITY}"));
    }
    let tolerations = pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or(&[]);
    let taints = node.spec.as_ref().and_then(|s| s.taints.as_deref()).unwrap_or(&[]);
    if find_untolerated_taint(taints, tolerations, &["NoExecute"]).is_some() {
        return reject(
            "TaintToleration",
            "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate".to_string(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::default_nodes;

    use crate::test_support::pod;

    fn web(extra_spec: &str) -> Pod {
        pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n{extra_spec}  containers:\n  - name: web\n    image: nginx\n"
        ))
    }

    fn none() -> BTreeMap<String, usize> {
        BTreeMap::new()
    }

    const VECTOR_8: &str = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

    #[test]
    fn binds_to_the_emptiest_node_then_by_name() {
        let nodes = default_nodes();
        assert_eq!(
            schedule(&web(""), &nodes, &none()),
            ScheduleOutcome::Bound {
                node: "node-1".into(),
                event_message: "Successfully assigned default/web to node-1".into(),
            }
        );
        let counts = BTreeMap::from([("node-1".to_string(), 2), ("node-2".to_string(), 1)]);
        assert_eq!(schedule(&web(""), &nodes, &counts).node(), Some("node-3"));
        let counts = BTreeMap::from([("node-1".to_string(), 1), ("node-3".to_string(), 1)]);
        assert_eq!(schedule(&web(""), &nodes, &counts).node(), Some("node-2"));
    }

    #[test]
    fn node_selector() {
        let nodes = default_nodes();
        let p = web("  nodeSelector:\n    disktype: hdd\n");
        assert_eq!(schedule(&p, &nodes, &none()).node(), Some("node-2"));
        let p = web("  nodeSelector:\n    disktype: nvme\n");
        let outcome = schedule(&p, &nodes, &none());
        let ScheduleOutcome::Unschedulable { message, event_message } = &outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(
            message,
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
        assert_eq!(event_message, message);
        let condition = outcome.pod_scheduled_condition(&crate::time::virtual_time(0)).unwrap();
        assert_eq!(condition.status, "False");
        assert_eq!(condition.reason.as_deref(), Some("Unschedulable"));
        assert_eq!(condition.message.as_deref(), Some(message.as_str()));
    }

    #[test]
    fn vector_8_without_the_dra_clause() {
        let rejections = vec![NodeRejection::unresolvable(REASON_NODE_AFFINITY); 3];
        assert_eq!(fit_error_message(3, &rejections, false, false), VECTOR_8);
    }

    #[test]
    fn required_node_affinity_operators() {
        let nodes = default_nodes();
        let affinity = |exprs: &str| {
            web(&format!(
                "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n{exprs}"
            ))
        };
        let feasible = |p: &Pod| -> Vec<String> {
            nodes.iter().filter(|n| filter(p, n, 0).is_ok()).map(|n| node_name(n).to_string()).collect()
        };
        let p =
            affinity("        - matchExpressions:\n          - {key: disktype, operator: In, values: [ssd, hdd]}\n");
        assert_eq!(feasible(&p), ["node-1", "node-2"]);
        let p = affinity("        - matchExpressions:\n          - {key: disktype, operator: NotIn, values: [ssd]}\n");
        assert_eq!(feasible(&p), ["node-2", "node-3"]);
        let p = affinity("        - matchExpressions:\n          - {key: disktype, operator: Exists}\n");
        assert_eq!(feasible(&p), ["node-1", "node-2"]);
        let p = affinity("        - matchExpressions:\n          - {key: disktype, operator: DoesNotExist}\n");
        assert_eq!(feasible(&p), ["node-3"]);
        // Terms are ORed, expressions ANDed.
        let p = affinity(
            "        - matchExpressions:\n          - {key: disktype, operator: In, values: [ssd]}\n          - {key: kubernetes.io/hostname, operator: In, values: [node-2]}\n        - matchExpressions:\n          - {key: kubernetes.io/hostname, operator: In, values: [node-3]}\n",
        );
        assert_eq!(feasible(&p), ["node-3"]);
        let p = affinity("        - matchFields:\n          - {key: metadata.name, operator: In, values: [node-2]}\n");
        assert_eq!(feasible(&p), ["node-2"]);
    }

    #[test]
    fn gt_and_lt_compare_integers() {
        let req = |op: &str, v: &str| NodeSelectorRequirement {
            key: "gen".into(),
            operator: op.into(),
            values: Some(vec![v.into()]),
        };
        assert_eq!(requirement_matches(&req("Gt", "3"), Some("4")), Some(true));
        assert_eq!(requirement_matches(&req("Gt", "3"), Some("3")), Some(false));
        assert_eq!(requirement_matches(&req("Lt", "3"), Some("-1")), Some(true));
        assert_eq!(requirement_matches(&req("Lt", "3"), Some("x")), Some(false));
        assert_eq!(requirement_matches(&req("Lt", "3"), None), Some(false));
        assert_eq!(requirement_matches(&req("Gt", "three"), Some("4")), None);
        assert_eq!(requirement_matches(&req("Near", "3"), Some("4")), None);
    }

    #[test]
    fn cordon_and_taints_with_grouped_sorted_reasons() {
        let mut nodes = default_nodes();
        nodes[0].spec.as_mut().unwrap().unschedulable = Some(true);
        nodes[1].spec.as_mut().unwrap().taints = Some(vec![Taint {
            key: "dedicated".into(),
            value: Some("gpu".into()),
            effect: "NoSchedule".into(),
            ..Default::default()
        }]);
        let p = web("  nodeSelector:\n    kubernetes.io/os: linux\n    disktype: ssd\n");
        // node-1 fails NodeUnschedulable first (before its selector matches),
        // node-2 TaintToleration, node-3 NodeAffinity.
        let ScheduleOutcome::Unschedulable { message, .. } = schedule(&p, &nodes, &none()) else { panic!() };
        assert_eq!(
            message,
            "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
        // Tolerating the taint opens node-2.
        let p =
            web("  tolerations:\n  - key: dedicated\n    operator: Equal\n    value: gpu\n    effect: NoSchedule\n");
        assert_eq!(schedule(&p, &nodes, &none()).node(), Some("node-2"));
        // A toleration of the cordon taint opens node-1 too.
        let p = web("  tolerations:\n  - key: node.kubernetes.io/unschedulable\n    operator: Exists\n");
        assert_eq!(schedule(&p, &nodes, &none()).node(), Some("node-1"));
        // PreferNoSchedule never filters.
        nodes[1].spec.as_mut().unwrap().taints.as_mut().unwrap()[0].effect = "PreferNoSchedule".into();
        let counts = BTreeMap::from([("node-3".to_string(), 5)]);
        assert_eq!(schedule(&web(""), &nodes, &counts).node(), Some("node-2"));
    }

    #[test]
    fn histograms_sort_as_strings() {
        let mut rejections = vec![NodeRejection::unresolvable(REASON_NODE_AFFINITY); 10];
        rejections.extend(vec![NodeRejection::unresolvable(REASON_UNTOLERATED_TAINT); 2]);
        assert_eq!(
            fit_error_message(12, &rejections, false, false),
            "0/12 nodes are available: 10 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint(s). preemption: 0/12 nodes are available: 12 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn toleration_matching() {
        let taint =
            Taint { key: "k".into(), value: Some("v".into()), effect: "NoExecute".into(), ..Default::default() };
        let tol = |key: Option<&str>, op: Option<&str>, value: Option<&str>, effect: Option<&str>| Toleration {
            key: key.map(Into::into),
            operator: op.map(Into::into),
            value: value.map(Into::into),
            effect: effect.map(Into::into),
            ..Default::default()
        };
        assert!(tolerates(&tol(Some("k"), None, Some("v"), None), &taint));
        assert!(!tolerates(&tol(Some("k"), Some("Equal"), Some("w"), None), &taint));
        assert!(tolerates(&tol(Some("k"), Some("Exists"), None, Some("NoExecute")), &taint));
        assert!(!tolerates(&tol(Some("k"), Some("Exists"), None, Some("NoSchedule")), &taint));
        assert!(tolerates(&tol(None, Some("Exists"), None, None), &taint));
        assert!(!tolerates(&tol(Some("j"), Some("Exists"), None, None), &taint));
    }

    #[test]
    fn resources() {
        let nodes = default_nodes();
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: a\n    image: nginx\n    resources:\n      requests:\n        cpu: '3'\n        memory: 1Gi\n",
        );
        let ScheduleOutcome::Unschedulable { message, .. } = schedule(&p, &nodes, &none()) else { panic!() };
        assert_eq!(
            message,
            "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
        assert_eq!(
            kubelet_admit(&p, &nodes[0], 0),
            Err(AdmitRejection {
                reason: "OutOfcpu".into(),
                message: "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000".into(),
            })
        );
        // A full node: resolvable, so preemption looks for victims.
        let full = BTreeMap::from([("node-1".to_string(), 110), ("node-2".to_string(), 110)]);
        assert_eq!(schedule(&web(""), &nodes, &full).node(), Some("node-3"));
        let all_full: BTreeMap<String, usize> = nodes.iter().map(|n| (node_name(n).to_string(), 110)).collect();
        let ScheduleOutcome::Unschedulable { message, .. } = schedule(&web(""), &nodes, &all_full) else { panic!() };
        assert_eq!(
            message,
            "0/3 nodes are available: 3 Too many pods. no new claims to deallocate, preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        );
    }

    #[test]
    fn pod_requests_with_init_containers_and_sidecars() {
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n  - name: side\n    image: busybox\n    restartPolicy: Always\n    resources: {requests: {cpu: 100m}}\n  - name: init\n    image: busybox\n    resources: {requests: {cpu: '1', memory: 64Mi}}\n  containers:\n  - name: a\n    image: nginx\n    resources: {requests: {cpu: 250m, memory: 128Mi}}\n  - name: b\n    image: nginx\n    resources: {limits: {cpu: 250m, memory: 128Mi}}\n",
        );
        let r = pod_requests(&p);
        // regular 500m + sidecar 100m = 600m < init step 1000m + 100m.
        assert_eq!(r["cpu"], 1100);
        assert_eq!(r["memory"], 256 * 1024 * 1024);
    }

    #[test]
    fn quantities() {
        let milli = |s: &str| parse_quantity_scaled(s, 3);
        let units = |s: &str| parse_quantity_scaled(s, 0);
        assert_eq!(milli("2"), Some(2000));
        assert_eq!(milli("500m"), Some(500));
        assert_eq!(milli("0.5"), Some(500));
        assert_eq!(milli("1.0001"), Some(1001));
        assert_eq!(milli("1e3"), Some(1_000_000));
        assert_eq!(milli("100u"), Some(1));
        assert_eq!(units("4Gi"), Some(4 * 1024 * 1024 * 1024));
        assert_eq!(units("1.5Ki"), Some(1536));
        assert_eq!(units("128M"), Some(128_000_000));
        assert_eq!(units("1E"), Some(1_000_000_000_000_000_000));
        assert_eq!(units("100Ei"), Some(i64::MAX));
        assert_eq!(units("1e400"), Some(i64::MAX));
        assert_eq!(units("1e-400"), Some(1));
        assert_eq!(units("1e-2147483648"), Some(1));
        assert_eq!(units("9e2147483647"), Some(i64::MAX));
        assert_eq!(units("-1"), Some(-1));
        assert_eq!(units("0"), Some(0));
        assert_eq!(units("abc"), None);
        assert_eq!(units(""), None);
        assert_eq!(units("1.2.3"), None);
        assert_eq!(units("1Xi"), None);
    }

    #[test]
    fn node_name_bypasses_the_scheduler() {
        let nodes = default_nodes();
        let p = web("  nodeName: node-2\n");
        let outcome = schedule(&p, &nodes, &none());
        assert_eq!(outcome, ScheduleOutcome::NodeNameSet { node: "node-2".into(), node_exists: true });
        assert_eq!(outcome.pod_scheduled_condition(&crate::time::virtual_time(0)), None);
        let p = web("  nodeName: node-9\n");
        let outcome = schedule(&p, &nodes, &none());
        assert_eq!(outcome.node(), None);
        assert!(matches!(outcome, ScheduleOutcome::NodeNameSet { node_exists: false, .. }));
        // The kubelet re-checks what the scheduler would have.
        let p = web("  nodeName: node-3\n  nodeSelector:\n    disktype: ssd\n");
        let rejection = kubelet_admit(&p, &nodes[2], 0).unwrap_err();
        assert_eq!(rejection.reason, "NodeAffinity");
        assert_eq!(
            rejection.status_message(),
            "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
        );
        assert_eq!(kubelet_admit(&web("  nodeName: node-1\n"), &nodes[0], 3), Ok(()));
    }

    #[test]
    fn gates_other_schedulers_and_no_nodes() {
        let nodes = default_nodes();
        let p = web("  schedulingGates:\n  - name: example.com/wait\n");
        let outcome = schedule(&p, &nodes, &none());
        assert_eq!(outcome, ScheduleOutcome::SchedulingGated);
        let c = outcome.pod_scheduled_condition(&crate::time::virtual_time(0)).unwrap();
        assert_eq!(c.reason.as_deref(), Some("SchedulingGated"));
        let p = web("  schedulerName: my-scheduler\n");
        assert_eq!(
            schedule(&p, &nodes, &none()),
            ScheduleOutcome::OtherScheduler { scheduler_name: "my-scheduler".into() }
        );
        let ScheduleOutcome::Unschedulable { message, .. } = schedule(&web(""), &[], &none()) else { panic!() };
        assert_eq!(message, "no nodes available to schedule pods");
    }

    #[test]
    fn preemption_policy_never() {
        let nodes = default_nodes();
        let p = web("  preemptionPolicy: Never\n  nodeSelector:\n    disktype: nvme\n");
        let ScheduleOutcome::Unschedulable { message, .. } = schedule(&p, &nodes, &none()) else { panic!() };
        assert_eq!(
            message,
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never."
        );
    }

    #[test]
    fn long_event_messages_are_cut() {
        let long = "é".repeat(600);
        let cut = truncate_event_message(&long);
        assert!(cut.len() <= EVENT_MESSAGE_LIMIT);
        assert!(cut.ends_with(" ..."));
        assert_eq!(truncate_event_message("short"), "short");
    }
}
