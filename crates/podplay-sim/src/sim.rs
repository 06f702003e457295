//! The simulation driver: the scheduler, podplay-core's kubelet and the
//! virtual runtime, on one virtual clock.
//!
//! Like quinn's `Pair` test driver, it moves time to the earliest wake-up
//! anyone asked for, delivers everything due at that instant until nothing
//! changes, and records what happened. The kubelet never knows it is
//! simulated: it sees CRI calls and replies only.

use litemap::LiteMap;

use k8s_openapi::api::core::v1::{Node, Pod};
use serde::Serialize;

use podplay_core::cluster;
use podplay_core::cri::{CallId, CriCall, CriReply};
use podplay_core::kubelet::events::{Event, EventLog, EventType};
use podplay_core::kubelet::{Kubelet, NodeContext, status};
use podplay_core::scheduler::{self, ScheduleOutcome};
use podplay_core::time::{SimDuration, SimTime};

use crate::kernel::exec::{KernelEvent, SpawnSpec, executable};
use crate::kernel::{Fd, Kernel, Mount, NsSet, Owner, Pid, Store};
use crate::runtime::{Runtime, node_root};
use crate::trace::{Actor, Flow, StepKind, Tracer};

/// When to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// Stable (nothing changes for a while) or terminal.
    Stable,
    /// Phase Running.
    Running,
    /// The Ready condition is True.
    Ready,
    Succeeded,
    Failed,
    /// A point in virtual time.
    Time(SimTime),
}

/// How long nothing may change before the Pod counts as stable.
pub const QUIET: SimDuration = SimDuration(30_000);
/// The longest a simulation runs without an explicit `--until` time.
pub const HORIZON: SimDuration = SimDuration(30 * 60 * 1000);
/// Most instants one `run_until` processes.
pub const MAX_INSTANTS: usize = 50_000;
/// Most rounds at one instant.
const MAX_ROUNDS: usize = 1_000;
/// The address of the stand-in for web sites outside the cluster.
pub const OUTSIDE_WEB_IP: &str = "188.184.67.127";
/// The kubelet's PLEG relist period: how late it may notice a container exit.
pub const PLEG_PERIOD: SimDuration = SimDuration(1_000);
/// The outside log store's address, reached as `elasticsearch.logging.svc`.
pub const OUTSIDE_STORE_IP: &str = "10.96.200.10";

/// One node's machinery: its kernel, runtime and the Pod's kubelet.
struct NodeSim {
    kernel: Kernel,
    runtime: Runtime,
    kubelet: Kubelet,
    /// Runtime calls the simulation itself made (`kubectl exec`).
    own_calls: LiteMap<CallId, Option<CriReply>>,
    /// Container exits the kubelet has not noticed yet (PLEG relists every second).
    pending_exits: Vec<(SimTime, podplay_core::cri::ContainerExit)>,
    next_own_call: CallId,
    events_seen: usize,
}

/// A Pod simulated from creation on.
pub struct Simulation {
    now: SimTime,
    pod: Pod,
    nodes: Vec<Node>,
    outcome: ScheduleOutcome,
    scheduler_events: EventLog,
    node: Option<NodeSim>,
    pub tracer: Tracer,
    last_status: String,
    last_change: SimTime,
    /// The kubelet refused the Pod on admission (nodeName set, predicates failed).
    rejected: Option<scheduler::AdmitRejection>,
    event_count: usize,
}

impl Simulation {
    /// Creates the Pod (defaulted and valid) in namespace `default` and
    /// schedules it on `nodes`.
    pub fn new(pod: &Pod, nodes: Vec<Node>) -> Simulation {
        // Nodes written by hand get what their kubelet would report.
        let nodes: Vec<Node> = nodes.iter().enumerate().map(|(i, n)| cluster::registered(n, i)).collect();
        let mut pod = pod.clone();
        let name = pod.metadata.name.clone().unwrap_or_default();
        pod.metadata.namespace.get_or_insert_with(|| "default".to_string());
        pod.metadata.uid.get_or_insert_with(|| uid_for(&name));
        pod.metadata.creation_timestamp = Some(SimTime::ZERO.to_k8s());
        let now = SimTime::ZERO;
        let mut tracer = Tracer::default();
        let mut scheduler_events = EventLog::default();
        let outcome = scheduler::schedule(&pod, &nodes, &std::collections::BTreeMap::new());
        match &outcome {
            ScheduleOutcome::Bound { node, event_message } => {
                scheduler_events.record(
                    now,
                    EventType::Normal,
                    scheduler::REASON_SCHEDULED,
                    event_message.clone(),
                    "",
                    "default-scheduler",
                );
                tracer.step(
                    now,
                    Actor::Scheduler,
                    StepKind::Schedule,
                    format!("{event_message} (nodeSelector and affinity matched)"),
                );
                let _ = node;
            }
            ScheduleOutcome::NodeNameSet { node, node_exists } => {
                let text = if *node_exists {
                    format!(
                        "spec.nodeName is {node}: the scheduler never sees this Pod; the kubelet on {node} takes it"
                    )
                } else {
                    format!("spec.nodeName is {node}, but no such node exists: nothing will run this Pod")
                };
                tracer.step(now, Actor::Scheduler, StepKind::Schedule, text);
            }
            ScheduleOutcome::Unschedulable { event_message, .. } => {
                scheduler_events.record(
                    now,
                    EventType::Warning,
                    scheduler::REASON_FAILED_SCHEDULING,
                    event_message.clone(),
                    "",
                    "default-scheduler",
                );
                tracer.step(now, Actor::Scheduler, StepKind::Schedule, event_message.clone());
            }
            ScheduleOutcome::SchedulingGated => {
                tracer.step(
                    now,
                    Actor::Scheduler,
                    StepKind::Schedule,
                    "the Pod has scheduling gates: the scheduler waits".into(),
                );
            }
            ScheduleOutcome::OtherScheduler { scheduler_name } => {
                tracer.step(
                    now,
                    Actor::Scheduler,
                    StepKind::Schedule,
                    format!("spec.schedulerName is {scheduler_name}: default-scheduler leaves it alone"),
                );
            }
        }
        let mut sim = Simulation {
            now,
            pod: pod.clone(),
            nodes: nodes.clone(),
            outcome: outcome.clone(),
            scheduler_events,
            node: None,
            tracer,
            last_status: String::new(),
            rejected: None,
            last_change: now,
            event_count: 0,
        };
        if let Some(node_name) = outcome.node() {
            if let Some(node) = nodes.iter().find(|n| cluster::node_name(n) == node_name) {
                let mut bound = pod;
                bound.spec.get_or_insert_with(Default::default).node_name = Some(node_name.to_string());
                sim.pod = bound.clone();
                // A Pod that bypassed the scheduler is checked by the kubelet on admission.
                let admitted = match &outcome {
                    ScheduleOutcome::NodeNameSet { .. } => scheduler::kubelet_admit(&bound, node, 0),
                    _ => Ok(()),
                };
                match admitted {
                    Ok(()) => sim.node = Some(boot_node(node, bound, &mut sim.tracer, now)),
                    Err(rejection) => {
                        sim.scheduler_events.record(
                            now,
                            EventType::Warning,
                            &rejection.reason,
                            rejection.message.clone(),
                            "",
                            "kubelet",
                        );
                        sim.tracer.step(
                            now,
                            Actor::Kubelet,
                            StepKind::Status,
                            format!(
                                "the kubelet on {node_name} rejects the Pod: {} ({})",
                                rejection.message, rejection.reason
                            ),
                        );
                        sim.rejected = Some(rejection);
                    }
                }
            }
        }
        sim.settle();
        sim
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The Pod as `kubectl get pod -o yaml` would show it.
    pub fn pod(&self) -> Pod {
        match &self.node {
            Some(n) => {
                let mut pod = n.kubelet.pod_with_status();
                if let Some(status) = &mut pod.status {
                    let mut conditions = status.conditions.clone().unwrap_or_default();
                    if let Some(c) = self.outcome.pod_scheduled_condition(&SimTime::ZERO.to_k8s()) {
                        if let Some(existing) = conditions.iter_mut().find(|x| x.type_ == "PodScheduled") {
                            *existing = c;
                        } else {
                            conditions.push(c);
                        }
                    }
                    status.conditions = Some(conditions);
                }
                pod
            }
            None if self.rejected.is_some() => {
                let mut pod = self.pod.clone();
                let rejection = self
                    .rejected
                    .clone()
                    .unwrap_or_else(|| scheduler::AdmitRejection { reason: String::new(), message: String::new() });
                pod.status = Some(k8s_openapi::api::core::v1::PodStatus {
                    phase: Some("Failed".into()),
                    reason: Some(rejection.reason.clone()),
                    message: Some(rejection.status_message()),
                    ..Default::default()
                });
                pod
            }
            None => {
                let mut pod = self.pod.clone();
                let mut status =
                    k8s_openapi::api::core::v1::PodStatus { phase: Some("Pending".into()), ..Default::default() };
                if let Some(c) = self.outcome.pod_scheduled_condition(&SimTime::ZERO.to_k8s()) {
                    status.conditions = Some(vec![c]);
                }
                pod.status = Some(status);
                pod
            }
        }
    }

    /// All events (scheduler and kubelet), oldest first.
    pub fn events(&self) -> Vec<Event> {
        let mut all: Vec<Event> = self.scheduler_events.all().to_vec();
        if let Some(n) = &self.node {
            all.extend(n.kubelet.events().all().iter().cloned());
        }
        // kubectl describe sorts by the last time each event was seen.
        all.sort_by_key(|e| e.last_timestamp);
        all
    }

    pub fn phase(&self) -> String {
        self.pod().status.and_then(|s| s.phase).unwrap_or_else(|| "Pending".into())
    }

    pub fn is_ready(&self) -> bool {
        self.pod()
            .status
            .and_then(|s| s.conditions)
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    }

    /// The STATUS column of `kubectl get pods`.
    pub fn status_column(&self) -> String {
        status::kubectl_status_column(&self.pod())
    }

    /// True when nothing more can happen.
    pub fn is_finished(&self) -> bool {
        match &self.node {
            Some(n) => n.kubelet.is_done(),
            None => true,
        }
    }

    /// The next instant anything is due.
    pub fn next_wakeup(&self) -> Option<SimTime> {
        let n = self.node.as_ref()?;
        [
            n.kernel.next_wakeup(),
            n.runtime.next_wakeup(),
            n.kubelet.poll_timeout(),
            n.pending_exits.iter().map(|(t, _)| *t).min(),
        ]
        .into_iter()
        .flatten()
        .filter(|t| *t > self.now)
        .min()
    }

    /// Moves to the next instant anything is due and delivers it; false
    /// when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        match self.next_wakeup() {
            Some(next) => {
                self.now = next;
                self.settle();
                true
            }
            None => false,
        }
    }

    /// Runs until `until` holds, the Pod is finished, or it is stable.
    pub fn run_until(&mut self, until: Until) {
        for _ in 0..MAX_INSTANTS {
            if self.reached(until) {
                return;
            }
            let Some(next) = self.next_wakeup() else {
                return;
            };
            let limit = match until {
                Until::Time(t) => t,
                _ => SimTime::ZERO + HORIZON,
            };
            if next > limit {
                if let Until::Time(t) = until {
                    self.now = t;
                }
                return;
            }
            self.now = next;
            self.settle();
        }
    }

    fn reached(&self, until: Until) -> bool {
        match until {
            Until::Stable => {
                let terminating = self.node.as_ref().is_some_and(|n| n.kubelet.deletion_started().is_some());
                self.is_finished()
                    || (!terminating && self.now.since(self.last_change) >= QUIET && self.now > SimTime::ZERO)
            }
            Until::Running => self.phase() != "Pending" || self.is_finished(),
            Until::Ready => {
                self.is_ready() || matches!(self.phase().as_str(), "Succeeded" | "Failed") || self.is_finished()
            }
            Until::Succeeded | Until::Failed => {
                matches!(self.phase().as_str(), "Succeeded" | "Failed") || self.is_finished()
            }
            Until::Time(t) => self.now >= t,
        }
    }

    /// Delivers everything due at the current instant until nothing changes.
    fn settle(&mut self) {
        let now = self.now;
        let Some(n) = self.node.as_mut() else {
            self.note_status();
            return;
        };
        // The runtime times its calls from the kernel's clock: move it first.
        n.kernel.advance(now);
        n.kubelet.handle_timeout(now);
        for _ in 0..MAX_ROUNDS {
            let mut progressed = false;
            while let Some((id, call)) = n.kubelet.poll_call() {
                progressed = true;
                self.tracer.step(now, Actor::Kubelet, StepKind::Call, describe_call(&call));
                n.runtime.submit(&mut n.kernel, &mut self.tracer, id, call);
            }
            n.kernel.run(now);
            let events = n.kernel.take_events();
            if !events.is_empty() {
                progressed = true;
            }
            trace_kernel_events(&mut self.tracer, &n.runtime, now, &events);
            n.runtime.poll(&mut n.kernel, &mut self.tracer, &events);
            for (id, reply) in n.runtime.take_replies() {
                progressed = true;
                if let Some(slot) = n.own_calls.get_mut(&id) {
                    *slot = Some(reply);
                    continue;
                }
                n.kubelet.handle_reply(id, reply, now);
            }
            // The kubelet learns of exits at its next PLEG relist (every second).
            for exit in n.runtime.take_exits() {
                progressed = true;
                let due = SimTime((exit.finished_at.0 / PLEG_PERIOD.0 + 1) * PLEG_PERIOD.0);
                n.pending_exits.push((due, exit));
            }
            let (due, later): (Vec<_>, Vec<_>) =
                std::mem::take(&mut n.pending_exits).into_iter().partition(|(t, _)| *t <= now);
            n.pending_exits = later;
            for (_, exit) in due {
                progressed = true;
                n.kubelet.handle_exit(exit, now);
            }
            // The runtime may have signalled processes (a stop, a SIGKILL).
            if n.kernel.has_events() {
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
        // New kubelet events become steps.
        let events = n.kubelet.events().all();
        for e in &events[n.events_seen.min(events.len())..] {
            let kind = if e.type_ == EventType::Warning { "Warning" } else { "Normal" };
            let object = if e.field_path.is_empty() { String::new() } else { format!("{}: ", e.field_path) };
            self.tracer.step(
                e.first_timestamp.max(now),
                Actor::Kubelet,
                StepKind::Event,
                format!("{kind} {} — {object}{}", e.reason, e.message),
            );
        }
        n.events_seen = events.len();
        self.note_status();
    }

    /// Records a step when the kubectl STATUS column changes.
    fn note_status(&mut self) {
        let pod = self.pod();
        let row = status::kubectl_row(&pod, &self.now.to_k8s());
        let line = format!("{} {} {}", row.ready, row.status, row.restarts);
        // Only the total matters here: no copy or sort of the event lists.
        let kubelet_events = self.node.iter().flat_map(|n| n.kubelet.events().all());
        let events = self.scheduler_events.all().iter().chain(kubelet_events).map(|e| e.count as usize).sum::<usize>();
        if line != self.last_status || events != self.event_count {
            self.last_change = self.now;
        }
        if line != self.last_status {
            let phase = pod.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
            self.tracer.step(
                self.now,
                Actor::Kubelet,
                StepKind::Status,
                format!("kubectl get pod: STATUS {} READY {} (phase {phase})", row.status, row.ready),
            );
            self.last_status = line;
        }
        self.event_count = events;
    }

    // ---- user actions ----

    /// `kubectl delete pod`: graceful deletion.
    pub fn delete(&mut self, grace: Option<SimDuration>) {
        let now = self.now;
        self.tracer.step(
            now,
            Actor::Scheduler,
            StepKind::Status,
            "kubectl delete pod: deletionTimestamp set, the kubelet starts graceful termination".into(),
        );
        if let Some(n) = self.node.as_mut() {
            n.kubelet.delete(now, grace);
        }
        self.settle();
    }

    /// Kills a container's first process (as `kill -9` on the node would).
    pub fn kill_container(&mut self, name: &str, signal: i32) -> bool {
        let Some(n) = self.node.as_mut() else {
            return false;
        };
        let Some(pid) = n.runtime.container_by_name(name).and_then(|c| c.init_pid) else {
            return false;
        };
        let ok = n.kernel.signal(pid, signal).is_ok();
        self.tracer.step(
            self.now,
            Actor::Kernel,
            StepKind::Signal,
            format!("SIG{} sent to {name}'s first process", crate::kernel::signal_name(signal)),
        );
        self.settle();
        ok
    }

    /// `kubectl exec POD -c NAME -- CMD…`: runs the command in the
    /// container now (virtual time passes while it runs) and returns its
    /// exit code and output.
    pub fn exec(&mut self, container: &str, command: Vec<String>) -> Result<(i32, String), String> {
        let Some(n) = self.node.as_mut() else {
            return Err("the Pod is not running on any node".into());
        };
        let Some(id) = n.kubelet.container_id(container).map(str::to_string) else {
            return Err(format!(
                "container {container} not found in pod {}",
                self.pod.metadata.name.as_deref().unwrap_or("")
            ));
        };
        let call = n.next_own_call;
        n.next_own_call += 1;
        n.own_calls.insert(call, None);
        let now = self.now;
        n.runtime.submit(
            &mut n.kernel,
            &mut self.tracer,
            call,
            CriCall::ExecSync { container_id: id, command, timeout: SimDuration::from_secs(60) },
        );
        self.settle();
        for _ in 0..MAX_INSTANTS {
            if let Some(reply) = self.node.as_mut().and_then(|n| n.own_calls.get(&call).cloned().flatten()) {
                return match reply {
                    CriReply::Exec { exit_code, output } => Ok((exit_code, output)),
                    CriReply::Error { message } => Err(message),
                    _ => Err("unexpected reply to ExecSync".to_string()),
                };
            }
            match self.next_wakeup() {
                Some(t) if t.since(now) <= SimDuration::from_secs(120) => {
                    self.now = t;
                    self.settle();
                }
                _ => break,
            }
        }
        Err("command did not finish within 2 minutes".into())
    }

    /// The log of a container's current (or, with `previous`, last) instance.
    pub fn logs(&self, container: &str, previous: bool) -> Option<String> {
        let n = self.node.as_ref()?;
        let mut instances: Vec<&crate::runtime::Container> =
            n.runtime.containers.values().filter(|c| c.name == container).collect();
        instances.sort_by_key(|c| c.config.attempt);
        let c = if previous { instances.iter().rev().nth(1)? } else { instances.last()? };
        n.kernel.container_log(&c.id)
    }

    /// `ps ax` as the node sees it (`None`) or as a container sees it: the
    /// same processes, numbered in each PID namespace.
    pub fn ps(&self, container: Option<&str>) -> Option<String> {
        let n = self.node.as_ref()?;
        let pid = match container {
            None => n.runtime.kubelet_pid,
            Some(name) => n.runtime.container_by_name(name)?.init_pid?,
        };
        if !n.kernel.is_alive(pid) {
            return None;
        }
        let sys = n.kernel.sys_for(pid);
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
        self.node.as_ref().map(|n| n.kernel.outside_store_documents()).unwrap_or_default()
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn kernel(&self) -> Option<&Kernel> {
        self.node.as_ref().map(|n| &n.kernel)
    }

    pub fn runtime(&self) -> Option<&Runtime> {
        self.node.as_ref().map(|n| &n.runtime)
    }
}

/// A Pod UID derived from its name: random in Kubernetes, fixed here so
/// traces are reproducible.
fn uid_for(name: &str) -> String {
    let d = podplay_core::kubelet::machine::fake_digest(&format!("uid/{name}"));
    format!("{}-{}-4{}-a{}-{}", &d[0..8], &d[8..12], &d[13..16], &d[17..20], &d[20..32])
}

/// Starts a node: its root filesystem, host namespaces, init, containerd,
/// kubelet; the outside world's log store; and the Pod's kubelet.
fn boot_node(node: &Node, pod: Pod, tracer: &mut Tracer, now: SimTime) -> NodeSim {
    let name = cluster::node_name(node).to_string();
    let ip = cluster::node_internal_ip(node).unwrap_or_else(|| "192.168.49.2".into());
    let cidr = cluster::node_pod_cidr(node).unwrap_or_else(|| "10.244.0.0/24".into());
    let hosts = cluster::node_hosts_file(node);
    let mut root = node_root(&name, &ip);
    root.put("/etc/hosts", hosts.as_bytes(), 0o644);
    root.put("/etc/resolv.conf", cluster::NODE_RESOLV_CONF.as_bytes(), 0o644);
    let mut kernel = Kernel::new(crate::programs::resolve, root, &name, &ip);
    let host = kernel.host_namespaces();
    let mut spawn_node = |argv: &[&str], parent: Pid| -> Pid {
        let mut fds = LiteMap::new();
        fds.insert(0, Fd::Null);
        fds.insert(1, Fd::Null);
        fds.insert(2, Fd::Null);
        kernel
            .spawn(SpawnSpec {
                argv: argv.iter().map(|s| s.to_string()).collect(),
                env: LiteMap::new(),
                cwd: "/".into(),
                ns: host,
                fds,
                owner: Owner::Node,
                parent,
                uid: 0,
                container_init: false,
            })
            .unwrap_or(0)
    };
    let init = spawn_node(&["/sbin/init"], 0);
    let _containerd = spawn_node(&["/usr/bin/containerd"], init);
    let kubelet_pid = spawn_node(
        &[
            "/usr/bin/kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
            "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
        ],
        init,
    );
    start_outside_world(&mut kernel);
    tracer.step(
        now,
        Actor::Kernel,
        StepKind::Process,
        format!("node {name} ({ip}, pod CIDR {cidr}) is up: init, containerd and kubelet run in the node's namespaces"),
    );
    let runtime = Runtime::new(&name, &ip, &cidr, kubelet_pid);
    let context = NodeContext {
        node_name: name,
        node_ip: ip,
        node_hosts: hosts,
        node_resolv_conf: cluster::NODE_RESOLV_CONF.to_string(),
    };
    let kubelet = Kubelet::new(pod, context, now);
    NodeSim {
        kernel,
        runtime,
        kubelet,
        own_calls: LiteMap::new(),
        pending_exits: Vec::new(),
        next_own_call: 1_000_000,
        events_seen: 0,
    }
}

/// The log store outside the cluster, in its own namespaces.
fn start_outside_world(kernel: &mut Kernel) {
    outside_host(
        kernel,
        OUTSIDE_STORE_IP,
        "elasticsearch",
        &[
            "elasticsearch",
            "elasticsearch.logging.svc",
            "elasticsearch.logging",
            "mongodb.logging.svc",
            "logs.example.com",
        ],
        "/usr/share/elasticsearch/bin/elasticsearch",
    );
    outside_host(
        kernel,
        OUTSIDE_WEB_IP,
        "outside-web",
        &["info.cern.ch", "example.com", "www.example.com", "kubernetes.io"],
        "/usr/sbin/httpd",
    );
}

/// A host outside the cluster, in its own namespaces, running `program`.
fn outside_host(kernel: &mut Kernel, ip: &str, program: &str, names: &[&str], path: &str) {
    let ns = {
        let net = kernel.new_net_ns(ip);
        for name in names {
            kernel.add_dns_name(name, ip);
        }
        let pid = kernel.new_pid_ns(None);
        let mut store = Store::new();
        store.put(path, &executable(program), 0o755);
        let root = kernel.new_store(store);
        let mnt = kernel.new_mount_ns(vec![Mount {
            target: "/".into(),
            store: root,
            source: "/".into(),
            read_only: false,
            label: "rootfs".into(),
        }]);
        let ipc = kernel.new_ipc_ns();
        let uts = kernel.new_uts_ns(names.first().copied().unwrap_or(program));
        NsSet { net, ipc, uts, pid, mnt }
    };
    let mut fds = LiteMap::new();
    fds.insert(0, Fd::Null);
    fds.insert(1, Fd::Null);
    fds.insert(2, Fd::Null);
    let _ = kernel.spawn(SpawnSpec {
        argv: vec![path.into()],
        env: LiteMap::new(),
        cwd: "/".into(),
        ns,
        fds,
        owner: Owner::Outside(names.first().copied().unwrap_or(program).to_string()),
        parent: 0,
        uid: 1000,
        container_init: false,
    });
}

fn describe_call(call: &CriCall) -> String {
    match call {
        CriCall::RunPodSandbox(c) => format!(
            "RunPodSandbox for {} (hostNetwork={}, hostPID={}, hostIPC={}, shareProcessNamespace={})",
            c.pod_name, c.host_network, c.host_pid, c.host_ipc, c.share_process_namespace
        ),
        CriCall::ImageStatus { image } => format!("ImageStatus {image}"),
        CriCall::PullImage { image } => format!("PullImage {image}"),
        CriCall::CreateContainer { config, .. } => {
            format!("CreateContainer {} (attempt {})", config.name, config.attempt)
        }
        CriCall::StartContainer { container_id } => {
            format!("StartContainer {}", crate::runtime::short(container_id))
        }
        CriCall::ExecSync { command, .. } => format!("ExecSync {}", command.join(" ")),
        CriCall::StopContainer { container_id, timeout } => {
            format!("StopContainer {} (timeout {timeout})", crate::runtime::short(container_id))
        }
        CriCall::StopPodSandbox { sandbox_id } => {
            format!("StopPodSandbox {}", crate::runtime::short(sandbox_id))
        }
        CriCall::RemovePodSandbox { sandbox_id } => {
            format!("RemovePodSandbox {}", crate::runtime::short(sandbox_id))
        }
        CriCall::HttpGet { host, port, path, .. } => format!("HTTP GET http://{host}:{port}{path} (probe or hook)"),
        CriCall::TcpConnect { host, port, .. } => format!("TCP connect {host}:{port} (probe)"),
    }
}

/// Container name for a runtime id (or the outside host / the node).
fn who(runtime: &Runtime, owner: &Owner) -> String {
    match owner {
        Owner::Node => "node".into(),
        Owner::Outside(host) => host.clone(),
        Owner::Container(id) => runtime
            .containers
            .get(id)
            .map(|c| c.name.clone())
            .or_else(|| runtime.sandboxes.contains_key(id).then(|| "pause".to_string()))
            .unwrap_or_else(|| crate::runtime::short(id).to_string()),
    }
}

fn actor(runtime: &Runtime, owner: &Owner) -> Actor {
    match owner {
        Owner::Node => Actor::Kernel,
        Owner::Outside(_) => Actor::Outside,
        Owner::Container(_) => Actor::Container(who(runtime, owner)),
    }
}

fn trace_kernel_events(tracer: &mut Tracer, runtime: &Runtime, now: SimTime, events: &[KernelEvent]) {
    for e in events {
        match e {
            KernelEvent::Spawned { pid, owner, argv } => {
                if owner.is_container() {
                    tracer.step(
                        now,
                        actor(runtime, owner),
                        StepKind::Process,
                        format!("process {} started (PID {pid} on the node)", one_line(&argv.join(" "))),
                    );
                }
            }
            KernelEvent::Exited { pid, owner, status, .. } => {
                if owner.is_container() {
                    tracer.step(
                        now,
                        actor(runtime, owner),
                        StepKind::Process,
                        format!("process {pid} exited with status {}", status.code()),
                    );
                }
            }
            KernelEvent::SignalIgnored { pid, owner, signal } => {
                tracer.step(
                    now,
                    actor(runtime, owner),
                    StepKind::Signal,
                    format!(
                        "SIG{} to PID {pid} ignored: it is PID 1 of its PID namespace and has no handler for it",
                        crate::kernel::signal_name(*signal)
                    ),
                );
            }
            KernelEvent::Signaled { pid, owner, signal } => {
                tracer.step(
                    now,
                    actor(runtime, owner),
                    StepKind::Signal,
                    format!("SIG{} delivered to PID {pid}", crate::kernel::signal_name(*signal)),
                );
            }
            KernelEvent::VolumeWrite { bytes: 0, .. } => {}
            KernelEvent::VolumeWrite { owner, volume, path, bytes } => {
                let from = who(runtime, owner);
                tracer.flow(
                    now,
                    actor(runtime, owner),
                    StepKind::FileWrite,
                    format!("wrote {bytes} bytes to {path} (volume {volume})"),
                    Flow { from, to: format!("volume {volume}"), via: path.clone() },
                );
            }
            KernelEvent::VolumeRead { owner, volume, path, bytes } => {
                let to = who(runtime, owner);
                tracer.flow(
                    now,
                    actor(runtime, owner),
                    StepKind::FileRead,
                    format!("read {bytes} bytes of {path} (volume {volume})"),
                    Flow { from: format!("volume {volume}"), to, via: path.clone() },
                );
            }
            KernelEvent::Connected { from, to, ip, port, same_netns } => {
                let a = who(runtime, from);
                let b = who(runtime, to);
                let how =
                    if *same_netns { "over the Pod's shared network namespace" } else { "across network namespaces" };
                tracer.flow(
                    now,
                    actor(runtime, from),
                    StepKind::Connect,
                    format!("{a} connected to {b} at {ip}:{port} {how}"),
                    Flow { from: a, to: b, via: format!("{ip}:{port}") },
                );
            }
            KernelEvent::Responded { from, to, port, summary } => {
                let server = who(runtime, to);
                let client = who(runtime, from);
                let kind = if to.is_outside() { StepKind::Ship } else { StepKind::Http };
                tracer.flow(
                    now,
                    actor(runtime, to),
                    kind,
                    format!("{server} answered {client}: {summary}"),
                    Flow { from: server, to: client, via: format!("port {port}") },
                );
            }
            KernelEvent::Listening { owner, port, .. } => {
                if !owner.is_outside() {
                    tracer.step(now, actor(runtime, owner), StepKind::Listen, format!("listening on port {port}"));
                }
            }
        }
    }
}

/// `kubectl get pod -o wide`, header and row.
pub fn get_wide(pod: &Pod, now: SimTime) -> String {
    let row = status::kubectl_row(pod, &now.to_k8s());
    let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap_or_else(|| "<none>".into());
    let node = pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_else(|| "<none>".into());
    let headers = ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"];
    let values = [row.name, row.ready, row.status, row.restarts, row.age, ip, node, "<none>".into(), "<none>".into()];
    let widths: Vec<usize> = headers.iter().zip(values.iter()).map(|(h, v)| h.len().max(v.len())).collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{:<w$}   ", c, w = widths[i]));
            }
        }
        out.trim_end().to_string()
    };
    format!("{}\n{}\n", line(headers.to_vec()), line(values.iter().map(String::as_str).collect()))
}

/// The `Events:` table of `kubectl describe pod` (1.35+ form: the object's
/// field path prefixes the message).
pub fn describe_events(events: &[Event], now: SimTime) -> String {
    if events.is_empty() {
        return "Events:  <none>\n".into();
    }
    let rows: Vec<[String; 5]> = events
        .iter()
        .map(|e| {
            let age = if e.count > 1 {
                format!(
                    "{} (x{} over {})",
                    podplay_core::time::human_duration(now.since(e.last_timestamp).0 as i64),
                    e.count,
                    podplay_core::time::human_duration(now.since(e.first_timestamp).0 as i64)
                )
            } else {
                podplay_core::time::human_duration(now.since(e.first_timestamp).0 as i64)
            };
            let kind = if e.type_ == EventType::Warning { "Warning" } else { "Normal" };
            let message =
                if e.field_path.is_empty() { e.message.clone() } else { format!("{}: {}", e.field_path, e.message) };
            [kind.to_string(), e.reason.clone(), age, e.source.clone(), message]
        })
        .collect();
    let headers = ["Type", "Reason", "Age", "From", "Message"];
    let mut widths = ["----", "------", "----", "----", "-------"].map(str::len);
    for (w, h) in widths.iter_mut().zip(headers) {
        *w = (*w).max(h.len());
    }
    for r in &rows {
        for (i, c) in r.iter().enumerate().take(4) {
            widths[i] = widths[i].max(c.len());
        }
    }
    let mut out = String::from("Events:\n");
    let fmt_row = |cells: [&str; 5]| {
        format!(
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}\n",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
    };
    out.push_str(&fmt_row(headers));
    out.push_str(&fmt_row(["----", "------", "----", "----", "-------"]));
    for r in &rows {
        out.push_str(&fmt_row([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}

/// The JSON form of `podplay sim --output json`.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub status: serde_json::Value,
    pub events: Vec<serde_json::Value>,
    pub steps: &'a [crate::trace::Step],
}

/// Events as the Kubernetes API writes them.
pub fn api_events(pod: &Pod, events: &[Event]) -> Vec<serde_json::Value> {
    events
        .iter()
        .map(|e| {
            serde_json::json!({
                "type": if e.type_ == EventType::Warning { "Warning" } else { "Normal" },
                "reason": e.reason,
                "message": e.message,
                "count": e.count,
                "firstTimestamp": e.first_timestamp.to_k8s(),
                "lastTimestamp": e.last_timestamp.to_k8s(),
                "source": { "component": e.source },
                "involvedObject": {
                    "kind": "Pod",
                    "namespace": pod.metadata.namespace,
                    "name": pod.metadata.name,
                    "uid": pod.metadata.uid,
                    "apiVersion": "v1",
                    "fieldPath": e.field_path,
                },
            })
        })
        .collect()
}

/// Multi-line scripts shown on one line (newlines as ⏎).
pub fn one_line(text: &str) -> String {
    text.trim_end().replace('\n', " ⏎ ")
}
