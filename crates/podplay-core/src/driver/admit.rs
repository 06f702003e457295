//! Creating the Pod: the API server's fields, the scheduler's decision and
//! its events, the node's boot and the kubelet's admission.

use k8s_openapi::api::core::v1::{Node, Pod};

use super::{Driver, NodeBoot, NodeWorker};
use crate::cluster;
use crate::kubelet::events::{EventLog, EventType};
use crate::kubelet::{Kubelet, NodeContext};
use crate::runtime::Runtime;
use crate::scheduler::{self, ScheduleOutcome};
use crate::time::{Epoch, MonoTime};
use crate::trace::{Actor, StepKind, Trace};

pub(super) fn create<R: Runtime>(
    pod: &Pod,
    nodes: Vec<Node>,
    epoch: Epoch,
    boot: impl FnOnce(NodeBoot<'_>) -> R,
) -> Driver<R> {
    // Nodes written by hand get what their kubelet would report.
    let nodes: Vec<Node> = nodes.iter().enumerate().map(|(i, n)| cluster::registered(n, i)).collect();
    let mut pod = pod.clone();
    let name = pod.metadata.name.clone().unwrap_or_default();
    pod.metadata.namespace.get_or_insert_with(|| "default".to_string());
    pod.metadata.uid.get_or_insert_with(|| crate::ids::pod_uid(&name));
    pod.metadata.creation_timestamp = Some(epoch.time(MonoTime::ZERO));
    let now = MonoTime::ZERO;
    let mut trace = Trace::default();
    let mut scheduler_events = EventLog::default();
    let outcome = scheduler::schedule(&pod, &nodes, &std::collections::BTreeMap::new());
    record_schedule(&outcome, now, &mut scheduler_events, &mut trace);
    let mut driver = Driver {
        now,
        epoch,
        pod,
        nodes,
        outcome,
        scheduler_events,
        node: None,
        trace,
        last_status: String::new(),
        rejected: None,
        last_change: now,
        event_count: 0,
        removed: false,
    };
    driver.bind(boot);
    driver.settle();
    driver
}

/// The scheduler's decision as an event (if the scheduler made one) and a step.
fn record_schedule(outcome: &ScheduleOutcome, now: MonoTime, events: &mut EventLog, trace: &mut Trace) {
    let text = match outcome {
        ScheduleOutcome::Bound { event_message, .. } => {
            let reason = scheduler::REASON_SCHEDULED;
            events.record(now, EventType::Normal, reason, event_message.clone(), "", "default-scheduler");
            format!("{event_message} (nodeSelector and affinity matched)")
        }
        ScheduleOutcome::NodeNameSet { node, node_exists: true } => {
            format!("spec.nodeName is {node}: the scheduler never sees this Pod; the kubelet on {node} takes it")
        }
        ScheduleOutcome::NodeNameSet { node, node_exists: false } => {
            format!("spec.nodeName is {node}, but no such node exists: nothing will run this Pod")
        }
        ScheduleOutcome::Unschedulable { event_message, .. } => {
            let reason = scheduler::REASON_FAILED_SCHEDULING;
            events.record(now, EventType::Warning, reason, event_message.clone(), "", "default-scheduler");
            event_message.clone()
        }
        ScheduleOutcome::SchedulingGated => "the Pod has scheduling gates: the scheduler waits".into(),
        ScheduleOutcome::OtherScheduler { scheduler_name } => {
            format!("spec.schedulerName is {scheduler_name}: default-scheduler leaves it alone")
        }
    };
    trace.step(now, Actor::Scheduler, StepKind::Schedule, text);
}

impl<R: Runtime> Driver<R> {
    /// Binds the Pod to the node the scheduler chose (or `spec.nodeName`);
    /// a Pod that bypassed the scheduler is checked by the kubelet on
    /// admission. Boots the node's runtime and the Pod's kubelet.
    fn bind(&mut self, boot: impl FnOnce(NodeBoot<'_>) -> R) {
        let now = self.now;
        let Some(node_name) = self.outcome.node().map(str::to_string) else {
            return;
        };
        let Some(node) = self.nodes.iter().find(|n| cluster::node_name(n) == node_name).cloned() else {
            return;
        };
        self.pod.spec.get_or_insert_with(Default::default).node_name = Some(node_name.clone());
        let admitted = match &self.outcome {
            ScheduleOutcome::NodeNameSet { .. } => scheduler::kubelet_admit(&self.pod, &node, 0),
            _ => Ok(()),
        }
        .and_then(|()| self.pod.spec.as_ref().map_or(Ok(()), crate::kubelet::volumes::admit));
        if let Err(rejection) = admitted {
            let message = rejection.message.clone();
            self.scheduler_events.record(now, EventType::Warning, &rejection.reason, message, "", "kubelet");
            let text =
                format!("the kubelet on {node_name} rejects the Pod: {} ({})", rejection.message, rejection.reason);
            self.trace.step(now, Actor::Kubelet, StepKind::Status, text);
            self.rejected = Some(rejection);
            return;
        }
        let context = NodeContext {
            node_name: node_name.clone(),
            node_ip: cluster::node_internal_ip(&node).unwrap_or_else(|| "192.168.49.2".into()),
            node_hosts: cluster::node_hosts_file(&node),
            node_resolv_conf: cluster::NODE_RESOLV_CONF.to_string(),
            allocatable_cpu_millis: cluster::node_allocatable(&node, "cpu", 3),
            allocatable_memory_bytes: cluster::node_allocatable(&node, "memory", 0),
            pod_pids_limit: cluster::node_pod_max_pids(&node),
            epoch: self.epoch,
        };
        let pod_cidr = cluster::node_pod_cidr(&node).unwrap_or_else(|| "10.244.0.0/24".into());
        let mut runtime = boot(NodeBoot { node: &node, context: &context, pod_cidr });
        while let Some(note) = runtime.poll_note() {
            self.trace.note(now, &note);
        }
        let kubelet = Kubelet::new(self.pod.clone(), context, now);
        self.node = Some(NodeWorker {
            runtime,
            kubelet,
            user_calls: Vec::new(),
            next_user_call: 1,
            pending_exits: Vec::new(),
            events_seen: 0,
        });
    }
}
