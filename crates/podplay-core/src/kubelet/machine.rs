//! The kubelet's pod worker as a sans-IO state machine.
//!
//! It follows quinn-proto's contract:
//! - inputs: [`Kubelet::handle_timeout`] (time passes), [`Kubelet::handle_reply`]
//!   (a runtime call finished), [`Kubelet::handle_exit`] (a container's
//!   process ended), [`Kubelet::delete`] (the user deleted the Pod);
//! - outputs: [`Kubelet::poll_call`] (runtime calls to make),
//!   [`Kubelet::poll_timeout`] (the next instant it needs to be woken),
//!   and the getters [`Kubelet::pod_status`] and [`Kubelet::events`].
//!
//! Inputs must come in non-decreasing time order. Extra `handle_timeout`
//! calls are harmless. The machine never reads a clock and does no I/O:
//! every effect is a [`CriCall`] the driver carries out.
//!
//! What it does, after the upstream kubelet (`SyncPod`, `computePodActions`,
//! `startContainer`, `killContainer`): the sandbox first; init containers one
//! at a time; sidecars (init containers with `restartPolicy: Always`) started
//! in order and kept running; regular containers in spec order, each with a
//! blocking postStart; images pulled by policy; restarts by restartPolicy
//! with the crash-loop back-off; probes; deletion with preStop, SIGTERM, the
//! grace period and SIGKILL.

use std::collections::{BTreeMap, VecDeque};

use k8s_openapi::api::core::v1::{Container, HostAlias, LifecycleHandler, Pod, PodIP, PodStatus, Probe};

use super::events::{EventLog, EventType};
use super::record::{ContainerRecord, Kind, RunState, Termination};
use super::types::{PodPhase, PullPolicy, RestartPolicy, WaitingReason};
use crate::cri::{
    CallId, Caller, ContainerConfig, ContainerExit, CriCall, CriReply, Mount, MountSource, PortMapping, SandboxConfig,
};
use crate::quote::go_quote;
use crate::time::{Epoch, MonoDuration, MonoTime};

/// The node-side facts the kubelet needs.
#[derive(Clone, Debug)]
pub struct NodeContext {
    pub node_name: String,
    pub node_ip: String,
    /// The node's own `/etc/hosts` (for hostNetwork Pods).
    pub node_hosts: String,
    /// The node's `/etc/resolv.conf` (for `Default` DNS and hostNetwork).
    pub node_resolv_conf: String,
    /// The node's allocatable CPU (millicores) and memory (bytes), which
    /// the downward API reads for limits a container does not set.
    pub allocatable_cpu_millis: i64,
    pub allocatable_memory_bytes: i64,
    /// The kubelet's `--pod-max-pids` (`podPidsLimit`): -1 for none.
    pub pod_pids_limit: i64,
    /// The wall-clock time of the node's monotonic zero: timestamps in the
    /// Pod's status are written from it.
    pub epoch: Epoch,
}

/// Why a container is being stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KillCause {
    Deletion,
    PostStartFailed,
    LivenessFailed,
    StartupFailed,
    /// The Pod finished (all regular containers done): sidecars go.
    PodCompleted,
}

/// What the kubelet is doing to a container beyond its status (see
/// [`Kubelet::doing`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doing {
    /// Its postStart hook runs; the pod worker waits for it.
    PostStartHook,
    /// Its preStop hook runs, before the stop signal.
    PreStopHook,
    /// The stop signal was sent (SIGKILL at `kill_at`, when known); the
    /// kubelet waits for the exit.
    Stopping { kill_at: Option<MonoTime> },
}

/// What to do when a call's reply arrives.
#[derive(Clone, Debug, PartialEq)]
enum Continuation {
    SandboxCreated,
    ImageStatus {
        record: usize,
    },
    Pulled {
        record: usize,
        started: MonoTime,
    },
    Created {
        record: usize,
    },
    Started {
        record: usize,
    },
    PostStart {
        record: usize,
    },
    PreStop {
        record: usize,
        cause: KillCause,
        started: MonoTime,
    },
    /// The runtime stops the container, with SIGKILL at `kill_at`.
    Stopped {
        record: usize,
        kill_at: MonoTime,
    },
    Probe {
        record: usize,
        probe: ProbeKind,
    },
    SandboxStopped,
    /// A deleted Pod's stopped sandbox is to be removed now.
    RemoveSandbox,
    SandboxRemoved,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    fn label(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
            ProbeKind::Startup => "Startup",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Sandbox {
    None,
    Creating,
    Ready {
        id: String,
        ip: String,
    },
    Stopping {
        id: String,
        ip: String,
    },
    /// Stopped (a finished Pod keeps its stopped sandbox and containers,
    /// so `kubectl logs` still works).
    Stopped {
        id: String,
        ip: String,
    },
    Removed {
        ip: String,
    },
}

/// The kubelet for one Pod on one node.
pub struct Kubelet {
    pod: Pod,
    node: NodeContext,
    now: MonoTime,
    start_time: Option<MonoTime>,
    records: Vec<ContainerRecord>,
    sandbox: Sandbox,
    outbox: VecDeque<(CallId, CriCall)>,
    next_call: u64,
    waiting: BTreeMap<CallId, Continuation>,
    /// What the kubelet does itself instead of calling the runtime (a
    /// `sleep` hook, a hook it cannot run): the outcome, due at a time.
    timers: Vec<Timer>,
    /// Replies that did not fit the call they answer: a runtime's mistake,
    /// reported by the driver (the call counts as failed).
    protocol_errors: Vec<String>,
    /// What the kubelet did itself, without a runtime call (a `sleep`
    /// hook), for the story.
    doings: Vec<String>,
    /// The Pod's containers were stopped to end it: `killPod` reads the
    /// runtime's status at once (`GetPodStatus` in `SyncTerminatingPod`),
    /// not at the next PLEG relist, and stops the sandbox right after.
    status_wanted: bool,
    /// The container in its start sequence: the pod worker starts one at a time.
    starting: Option<usize>,
    /// The next try to mount volumes that failed, and the delay before it.
    mount_retry: Option<(MonoTime, MonoDuration)>,
    deletion: Option<Deletion>,
    events: EventLog,
    /// Succeeded or Failed: no more starts.
    terminal_phase: Option<PodPhase>,
    /// The phase the Pod will end in, once what still runs (sidecars) has stopped.
    finishing: Option<PodPhase>,
    /// When the Pod's shared grace period ends (set when termination begins).
    termination_deadline: Option<MonoTime>,
    /// Why the kubelet failed the Pod itself (`status.reason`, `message`):
    /// its active deadline passed.
    evicted: Option<(&'static str, &'static str)>,
}

/// A kubelet-side action finishing at `due` with `outcome`.
#[derive(Clone, Debug)]
struct Timer {
    due: MonoTime,
    then: Continuation,
    outcome: CriReply,
}

#[derive(Clone, Copy, Debug)]
struct Deletion {
    at: MonoTime,
    grace: MonoDuration,
}

/// The kubelet's own minimum for the stop timeout after preStop.
const MINIMUM_GRACE: MonoDuration = MonoDuration(2_000);
/// The PLEG's relist period (the driver's `PLEG_PERIOD`): when the kubelet
/// notices what changed on its own.
const RELIST: MonoDuration = MonoDuration(1_000);
/// When the kubelet syncs again after noticing a crash it will back off.
const RESYNC_AFTER_EXIT: MonoDuration = MonoDuration(1_000);
/// Most rounds of kubelet-side results in one sync.
const MAX_LOCAL_ROUNDS: usize = 64;
/// How often the kubelet retries a start that failed without a crash
/// (`ErrImageNeverPull`, `CreateContainerError`): its resync period.
const RESYNC: MonoDuration = MonoDuration(10_000);

impl Kubelet {
    /// Admits a Pod bound to this node. `pod` must be defaulted and valid,
    /// with `metadata.uid` set.
    pub fn new(pod: Pod, node: NodeContext, now: MonoTime) -> Kubelet {
        let spec = pod.spec.clone().unwrap_or_default();
        let default_waiting = super::status::default_waiting_reason(&pod);
        let mut records = Vec::new();
        for (i, c) in spec.init_containers.iter().flatten().enumerate() {
            let kind = if super::status::is_sidecar(c) { Kind::Sidecar } else { Kind::Init };
            records.push(ContainerRecord::new(&c.name, kind, i, c.image.as_deref().unwrap_or(""), default_waiting));
        }
        for (i, c) in spec.containers.iter().enumerate() {
            records.push(ContainerRecord::new(
                &c.name,
                Kind::Regular,
                i,
                c.image.as_deref().unwrap_or(""),
                default_waiting,
            ));
        }
        let mut kubelet = Kubelet {
            pod,
            node,
            now,
            start_time: Some(now),
            records,
            sandbox: Sandbox::None,
            outbox: VecDeque::new(),
            next_call: 1,
            waiting: BTreeMap::new(),
            timers: Vec::new(),
            protocol_errors: Vec::new(),
            doings: Vec::new(),
            status_wanted: false,
            starting: None,
            mount_retry: None,
            deletion: None,
            events: EventLog::default(),
            terminal_phase: None,
            finishing: None,
            termination_deadline: None,
            evicted: None,
        };
        kubelet.sync();
        kubelet
    }

    // ---- (A) getters ----

    pub fn events(&self) -> &EventLog {
        &self.events
    }

    pub fn pod(&self) -> &Pod {
        &self.pod
    }

    pub fn records(&self) -> &[ContainerRecord] {
        &self.records
    }

    /// True once the Pod is finished and its sandbox is gone, or it was
    /// deleted: nothing will ever change again.
    pub fn is_done(&self) -> bool {
        let finished = match self.sandbox {
            Sandbox::Removed { .. } => true,
            Sandbox::Stopped { .. } => self.deletion.is_none(),
            _ => false,
        };
        finished && self.waiting.is_empty() && self.outbox.is_empty() && self.timers.is_empty()
    }

    pub fn is_deleted(&self) -> bool {
        self.deletion.is_some() && self.is_done()
    }

    /// Whether the Pod's containers are being stopped (deletion, a
    /// finished Pod's sidecars, a passed active deadline) and it is not done.
    pub fn is_terminating(&self) -> bool {
        (self.deletion.is_some() || self.finishing.is_some()) && !self.is_done()
    }

    pub fn deletion_started(&self) -> Option<MonoTime> {
        self.deletion.map(|d| d.at)
    }

    /// When the Pod's shared grace period ends, once termination began.
    pub fn grace_ends(&self) -> Option<MonoTime> {
        self.termination_deadline
    }

    /// What the kubelet is doing to a container that its status does not
    /// say: the status of a container in its postStart hook is still
    /// Waiting, and one being stopped is Running until it has exited.
    pub fn doing(&self, name: &str) -> Option<Doing> {
        let i = self.records.iter().position(|r| r.name == name)?;
        let pending = self.waiting.values().chain(self.timers.iter().map(|t| &t.then));
        let mut doing = None;
        for then in pending {
            match *then {
                Continuation::PostStart { record } if record == i => doing = Some(Doing::PostStartHook),
                Continuation::PreStop { record, .. } if record == i => doing = Some(Doing::PreStopHook),
                Continuation::Stopped { record, kill_at } if record == i => {
                    return Some(Doing::Stopping { kill_at: Some(kill_at) });
                }
                _ => {}
            }
        }
        doing.or(self.records[i].killing.then_some(Doing::Stopping { kill_at: None }))
    }

    pub fn sandbox_id(&self) -> Option<&str> {
        match &self.sandbox {
            Sandbox::Ready { id, .. } | Sandbox::Stopping { id, .. } | Sandbox::Stopped { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The current instance's runtime id of a container, by name.
    pub fn container_id(&self, name: &str) -> Option<&str> {
        self.records.iter().find(|r| r.name == name).and_then(|r| r.container_id.as_deref())
    }

    pub fn pod_ip(&self) -> Option<&str> {
        match &self.sandbox {
            Sandbox::Ready { ip, .. }
            | Sandbox::Stopping { ip, .. }
            | Sandbox::Stopped { ip, .. }
            | Sandbox::Removed { ip }
                if !ip.is_empty() =>
            {
                Some(ip)
            }
            _ => None,
        }
    }

    /// The Pod's status as the kubelet would write it to the API server.
    pub fn pod_status(&self) -> PodStatus {
        let api = |r: &ContainerRecord| match &r.shown {
            Some(shown) if r.seen_at.is_none_or(|t| self.now < t) => shown.clone(),
            _ => r.to_api(self.node.epoch),
        };
        let init: Vec<_> = self.records.iter().filter(|r| r.kind != Kind::Regular).map(api).collect();
        let regular: Vec<_> = self.records.iter().filter(|r| r.kind == Kind::Regular).map(api).collect();
        let mut status = PodStatus {
            host_ip: Some(self.node.node_ip.clone()),
            host_ips: Some(vec![k8s_openapi::api::core::v1::HostIP { ip: self.node.node_ip.clone() }]),
            start_time: self.start_time.map(|t| self.node.epoch.time(t)),
            init_container_statuses: (!init.is_empty()).then_some(init),
            container_statuses: Some(regular),
            qos_class: Some(super::qos_class(&self.pod)),
            ..Default::default()
        };
        if let Some(ip) = self.pod_ip() {
            status.pod_ip = Some(ip.to_string());
            status.pod_ips = Some(vec![PodIP { ip: ip.to_string() }]);
        }
        let mut phase = self.terminal_phase.unwrap_or_else(|| super::status::pod_phase(&self.pod, &status));
        if let Some((reason, message)) = self.evicted {
            // `generateAPIPodStatus`: an eviction fails the Pod at once,
            // while its containers are still being stopped.
            phase = PodPhase::Failed;
            status.reason = Some(reason.to_string());
            status.message = Some(message.to_string());
        }
        status.phase = Some(phase.as_str().to_string());
        let sandbox_ready = matches!(self.sandbox, Sandbox::Ready { .. });
        let now = self.node.epoch.time(self.now);
        status.conditions = Some(super::status::pod_conditions(&self.pod, &status, sandbox_ready, &now));
        status
    }

    /// The Pod with its status (and deletion timestamp), for kubectl views.
    pub fn pod_with_status(&self) -> Pod {
        let mut pod = self.pod.clone();
        if let Some(d) = self.deletion {
            pod.metadata.deletion_timestamp = Some(self.node.epoch.time(d.at));
            pod.metadata.deletion_grace_period_seconds = i64::try_from(d.grace.secs()).ok();
        }
        pod.status = Some(self.pod_status());
        pod
    }

    // ---- (B) inputs ----

    /// Time has reached `now`: back-offs end, probes are due.
    pub fn handle_timeout(&mut self, now: MonoTime) {
        self.advance(now);
        for i in 0..self.records.len() {
            self.maybe_probe(i);
        }
        self.sync();
    }

    /// A runtime call finished.
    pub fn handle_reply(&mut self, call: CallId, reply: CriReply, now: MonoTime) {
        self.advance(now);
        let Some(continuation) = self.waiting.remove(&call) else {
            return;
        };
        self.continue_with(continuation, reply);
        self.sync();
    }

    /// A container's process ended.
    pub fn handle_exit(&mut self, exit: ContainerExit, now: MonoTime) {
        self.advance(now);
        let Some(i) = self.records.iter().position(|r| r.container_id.as_deref() == Some(&exit.container_id)) else {
            return;
        };
        let started_at = match &self.records[i].state {
            RunState::Running { started_at } => Some(*started_at),
            _ => Some(now),
        };
        let policy = self.container_spec(i).and_then(|c| c.termination_message_policy.clone()).unwrap_or_default();
        let reason =
            exit.reason.clone().unwrap_or_else(|| if exit.exit_code == 0 { "Completed" } else { "Error" }.to_string());
        let mut message = exit.termination_message.clone();
        if message.is_empty() && exit.exit_code != 0 && policy == "FallbackToLogsOnError" {
            message = exit.log_tail.clone();
        }
        let record = &mut self.records[i];
        record.state = RunState::Terminated(Termination {
            exit_code: exit.exit_code,
            reason,
            message,
            started_at,
            finished_at: exit.finished_at.min(now),
            container_id: exit.container_id,
        });
        record.killing = false;
        // The PLEG has seen the instance by now (exits come at a relist).
        record.seen_at = Some(record.seen_at.unwrap_or(now).min(now));
        record.ready = record.kind == Kind::Init && exit.exit_code == 0;
        record.started = false;
        record.liveness = Default::default();
        record.readiness = Default::default();
        record.startup = Default::default();
        self.sync();
    }

    /// The Pod was deleted (`kubectl delete pod`): graceful termination with
    /// `grace` (default: `terminationGracePeriodSeconds`).
    pub fn delete(&mut self, now: MonoTime, grace: Option<MonoDuration>) {
        self.advance(now);
        if self.deletion.is_some() {
            return;
        }
        let spec_grace = self.pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30);
        let grace = grace.unwrap_or(MonoDuration::from_secs(u64::try_from(spec_grace).unwrap_or(0)));
        self.deletion = Some(Deletion { at: now, grace });
        self.sync();
    }

    // ---- (D) outputs ----

    /// The next runtime call to carry out.
    #[must_use]
    pub fn poll_call(&mut self) -> Option<(CallId, CriCall)> {
        self.outbox.pop_front()
    }

    /// The next reply that did not fit its call, as text for the driver to
    /// report (the kubelet treated the call as failed).
    #[must_use]
    pub fn poll_protocol_error(&mut self) -> Option<String> {
        // Rare and few: the front of a short list.
        (!self.protocol_errors.is_empty()).then(|| self.protocol_errors.remove(0))
    }

    /// Whether the kubelet reads the runtime's status now rather than at
    /// the next PLEG relist (it stopped containers to end the Pod): the
    /// driver then hands it every exit the runtime reported.
    #[must_use]
    pub fn reads_status_now(&self) -> bool {
        self.status_wanted
    }

    /// The next thing the kubelet did itself, without a runtime call (a
    /// `sleep` hook, a hook it cannot run), in words for the story.
    #[must_use]
    pub fn poll_doing(&mut self) -> Option<String> {
        (!self.doings.is_empty()).then(|| self.doings.remove(0))
    }

    /// The next instant at which [`Kubelet::handle_timeout`] has work.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<MonoTime> {
        if self.is_done() {
            return None;
        }
        let mut next: Option<MonoTime> = None;
        let mut consider = |t: MonoTime| next = Some(next.map_or(t, |n: MonoTime| n.min(t)));
        for r in &self.records {
            for p in [&r.liveness, &r.readiness, &r.startup] {
                if let Some(t) = p.next_at.filter(|_| !p.in_flight) {
                    consider(t);
                }
            }
            if let Some(t) = r.retry_at {
                consider(t);
            }
            if let Some(t) = r.seen_at.filter(|t| r.shown.is_some() && self.now < *t) {
                consider(t);
            }
        }
        for timer in &self.timers {
            consider(timer.due);
        }
        if let (Some((at, _)), Sandbox::None) = (self.mount_retry, &self.sandbox) {
            consider(at);
        }
        if let Some(t) = self.active_deadline().filter(|_| self.evicted.is_none() && self.finishing.is_none()) {
            consider(t);
        }
        next.map(|t| t.max(self.now))
    }

    // ---- the pod worker ----

    fn advance(&mut self, now: MonoTime) {
        self.now = self.now.max(now);
    }

    fn call(&mut self, call: CriCall, then: Continuation) {
        let id = CallId::new(Caller::Kubelet, self.next_call);
        self.next_call += 1;
        self.outbox.push_back((id, call));
        self.waiting.insert(id, then);
    }

    fn event(&mut self, type_: EventType, reason: &str, message: String, record: Option<usize>) {
        let field_path = record.map(|i| self.records[i].field_path()).unwrap_or_default();
        self.events.record(self.now, type_, reason, message, &field_path, "kubelet");
    }

    fn spec(&self) -> k8s_openapi::api::core::v1::PodSpec {
        self.pod.spec.clone().unwrap_or_default()
    }

    fn container_spec(&self, i: usize) -> Option<Container> {
        let spec = self.pod.spec.as_ref()?;
        let r = &self.records[i];
        match r.kind {
            Kind::Regular => spec.containers.get(r.spec_index).cloned(),
            _ => spec.init_containers.as_ref()?.get(r.spec_index).cloned(),
        }
    }

    fn restart_policy(&self) -> RestartPolicy {
        RestartPolicy::from_spec(self.pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()))
    }

    /// `podName_namespace(uid)`, as `format.Pod` prints a Pod in messages.
    fn pod_ref(&self) -> String {
        format!(
            "{}_{}({})",
            self.pod.metadata.name.as_deref().unwrap_or(""),
            super::files::pod_namespace(&self.pod),
            self.pod.metadata.uid.as_deref().unwrap_or("")
        )
    }

    /// A result the kubelet produces itself, delivered to `then` at `due`.
    fn after(&mut self, due: MonoTime, then: Continuation, outcome: CriReply) {
        self.timers.push(Timer { due, then, outcome });
    }

    /// Delivers the kubelet's own results that are due; true if any was.
    fn fire_due_timers(&mut self) -> bool {
        let now = self.now;
        if self.timers.iter().all(|t| t.due > now) {
            return false;
        }
        let (due, later): (Vec<Timer>, Vec<Timer>) =
            std::mem::take(&mut self.timers).into_iter().partition(|t| t.due <= now);
        self.timers = later;
        let fired = !due.is_empty();
        for timer in due {
            self.continue_with(timer.then, timer.outcome);
        }
        fired
    }

    /// Records a reply that does not fit its call; the caller treats the
    /// call as failed.
    fn unexpected(&mut self, call: &str, reply: &CriReply) {
        self.protocol_errors.push(format!("unexpected reply to {call}: {}", reply.name()));
    }

    /// Decides and starts the next actions (`computePodActions` + `SyncPod`).
    fn sync(&mut self) {
        // A sync may start work the kubelet finishes itself at once (a hook
        // it cannot run); that result may lead to more: bounded rounds.
        for _ in 0..MAX_LOCAL_ROUNDS {
            self.sync_pod();
            if !self.fire_due_timers() {
                break;
            }
        }
        // Conditions keep their lastTransitionTime while their status holds
        // (the status manager's updateLastTransitionTime): remember them.
        let conditions = self.pod_status().conditions;
        self.pod.status.get_or_insert_with(Default::default).conditions = conditions;
    }

    fn sync_pod(&mut self) {
        if self.is_done() {
            return;
        }
        self.check_active_deadline();
        if self.deletion.is_some() {
            self.sync_termination();
            return;
        }
        if self.finishing.is_some() {
            self.sync_termination();
            return;
        }
        if self.starting.is_some() {
            return;
        }
        match self.sandbox {
            Sandbox::None => {
                if !self.volumes_mounted() {
                    return;
                }
                self.create_sandbox();
                return;
            }
            Sandbox::Creating => return,
            Sandbox::Ready { .. } => {}
            Sandbox::Stopping { .. } | Sandbox::Stopped { .. } | Sandbox::Removed { .. } => return,
        }
        if self.sync_init_containers() {
            self.sync_regular_containers();
        }
        // Probes that are due now (a container that just started probes at once
        // when it has no initial delay).
        for i in 0..self.records.len() {
            self.maybe_probe(i);
        }
    }

    /// Returns true when every init container is done (or started, for
    /// sidecars) and regular containers may run.
    fn sync_init_containers(&mut self) -> bool {
        let policy = self.restart_policy();
        for i in 0..self.records.len() {
            let kind = self.records[i].kind;
            if kind == Kind::Regular {
                break;
            }
            match (&self.records[i].state, kind) {
                (RunState::Terminated(t), Kind::Init) if t.exit_code == 0 => continue,
                (RunState::Running { .. }, Kind::Init) => return false,
                (RunState::Running { .. }, Kind::Sidecar) => {
                    if self.records[i].started {
                        continue;
                    }
                    return false; // its startup probe gates the next one
                }
                (RunState::Terminated(_), Kind::Init) if policy == RestartPolicy::Never => {
                    self.finish_pod(PodPhase::Failed);
                    return false;
                }
                _ => {
                    self.try_start(i);
                    return false;
                }
            }
        }
        true
    }

    fn sync_regular_containers(&mut self) {
        // Sidecars that exited restart whatever the Pod's restartPolicy.
        for i in 0..self.records.len() {
            if self.starting.is_some() {
                return;
            }
            if self.records[i].kind == Kind::Sidecar && self.needs_start(i) {
                self.try_start(i);
            }
        }
        for i in 0..self.records.len() {
            if self.starting.is_some() {
                return;
            }
            if self.records[i].kind == Kind::Regular && self.needs_start(i) {
                self.try_start(i);
            }
        }
        if self.starting.is_none() {
            self.check_completion();
        }
    }

    /// `ShouldContainerBeRestarted` plus "never started yet".
    fn needs_start(&self, i: usize) -> bool {
        let r = &self.records[i];
        match &r.state {
            RunState::Running { .. } => false,
            RunState::Waiting { .. } => {
                r.container_id.is_none() || r.last_state.is_some() || r.instances == 0 || r.retry_at.is_some()
            }
            RunState::Terminated(t) => {
                if r.kind == Kind::Sidecar {
                    return true;
                }
                self.restart_policy().restarts(t.exit_code)
            }
        }
    }

    /// When `activeDeadlineSeconds` runs out, counted from the Pod's start.
    fn active_deadline(&self) -> Option<MonoTime> {
        let seconds = self.pod.spec.as_ref()?.active_deadline_seconds?;
        Some(self.start_time? + MonoDuration::from_secs(u64::try_from(seconds).unwrap_or(0)))
    }

    /// `activeDeadlineHandler.ShouldEvict`: past its deadline the Pod
    /// fails with `DeadlineExceeded` and what runs is stopped.
    fn check_active_deadline(&mut self) {
        let due = self.active_deadline().is_some_and(|t| self.now >= t);
        if !due || self.evicted.is_some() || self.finishing.is_some() || self.terminal_phase.is_some() {
            return;
        }
        const REASON: &str = "DeadlineExceeded";
        const MESSAGE: &str = "Pod was active on the node longer than the specified deadline";
        self.evicted = Some((REASON, MESSAGE));
        self.event(EventType::Normal, REASON, MESSAGE.to_string(), None);
        self.finish_pod(PodPhase::Failed);
    }

    /// When every regular container is done and none will restart, the Pod
    /// is finished: sidecars are stopped and the sandbox torn down.
    fn check_completion(&mut self) {
        let regular: Vec<&ContainerRecord> = self.records.iter().filter(|r| r.kind == Kind::Regular).collect();
        if regular.is_empty() {
            return;
        }
        let policy = self.restart_policy();
        let all_done = regular.iter().all(|r| match r.termination() {
            Some(t) => !policy.restarts(t.exit_code) && policy != RestartPolicy::Always,
            None => false,
        });
        if !all_done {
            return;
        }
        let succeeded = regular.iter().all(|r| r.termination().is_some_and(|t| t.exit_code == 0));
        self.finish_pod(if succeeded { PodPhase::Succeeded } else { PodPhase::Failed });
    }

    fn finish_pod(&mut self, phase: PodPhase) {
        if self.finishing.is_none() {
            self.finishing = Some(phase);
            self.sync_termination();
        }
    }

    /// Deletion or completion: stop what runs (regular containers first,
    /// then sidecars in reverse order), then the sandbox.
    fn sync_termination(&mut self) {
        if self.termination_deadline.is_none() {
            let grace = self
                .grace_for(None, if self.deletion.is_some() { KillCause::Deletion } else { KillCause::PodCompleted });
            let start = self.deletion.map_or(self.now, |d| d.at);
            self.termination_deadline = Some(start + grace);
        }
        let cause = if self.deletion.is_some() { KillCause::Deletion } else { KillCause::PodCompleted };
        let mains_running = self.records.iter().any(|r| r.kind != Kind::Sidecar && (r.is_running() || r.killing));
        for i in 0..self.records.len() {
            if self.records[i].kind != Kind::Sidecar && self.records[i].is_running() && !self.records[i].killing {
                self.kill(i, cause);
            }
        }
        if !mains_running {
            // Sidecars stop in reverse order, each after those declared after it.
            if let Some(i) = (0..self.records.len()).rev().find(|&i| {
                self.records[i].kind == Kind::Sidecar && (self.records[i].is_running() || self.records[i].killing)
            }) {
                if !self.records[i].killing {
                    self.kill(i, cause);
                }
                return;
            }
        }
        let anything_running = self.records.iter().any(|r| r.is_running() || r.killing) || self.starting.is_some();
        if anything_running {
            return;
        }
        self.status_wanted = false;
        // Everything has stopped: the phase is final now (a deleted Pod too,
        // since 1.27: Succeeded if every container exited 0, else Failed).
        if self.terminal_phase.is_none() {
            let regular = self.records.iter().filter(|r| r.kind == Kind::Regular);
            let all_zero = regular.clone().all(|r| r.termination().is_some_and(|t| t.exit_code == 0));
            let phase = match self.finishing {
                Some(p) => p,
                None if all_zero && regular.count() > 0 => PodPhase::Succeeded,
                None => PodPhase::Failed,
            };
            self.terminal_phase = Some(phase);
        }
        match self.sandbox.clone() {
            Sandbox::Ready { id, ip } => {
                self.sandbox = Sandbox::Stopping { id: id.clone(), ip };
                self.call(CriCall::StopPodSandbox { sandbox_id: id }, Continuation::SandboxStopped);
            }
            Sandbox::Stopped { id, ip } if self.deletion.is_some() => {
                self.sandbox = Sandbox::Stopping { id: id.clone(), ip };
                self.call(CriCall::RemovePodSandbox { sandbox_id: id }, Continuation::SandboxRemoved);
            }
            Sandbox::None => self.sandbox = Sandbox::Removed { ip: String::new() },
            _ => {}
        }
        // Containers that never ran are left waiting; once deleted, the Pod is gone.
    }

    /// `WaitForAttachAndMount`: false while a volume cannot be set up,
    /// with a `FailedMount` event at each try.
    fn volumes_mounted(&mut self) -> bool {
        let failed = super::volumes::unmountable(&self.spec());
        if failed.is_empty() {
            return true;
        }
        if self.mount_retry.is_none_or(|(at, _)| self.now >= at) {
            for message in failed {
                self.event(EventType::Warning, "FailedMount", message, None);
            }
            let delay = super::volumes::next_retry(self.mount_retry.map(|(_, d)| d));
            self.mount_retry = Some((self.now + delay, delay));
        }
        false
    }

    fn create_sandbox(&mut self) {
        let spec = self.spec();
        let name = self.pod.metadata.name.clone().unwrap_or_default();
        let namespace = self.pod.metadata.namespace.clone().unwrap_or_else(|| "default".into());
        // With setHostnameAsFQDN the kernel hostname is the FQDN.
        let hostname =
            super::files::kernel_hostname(&self.pod).unwrap_or_else(|_| super::files::pod_hostname(&self.pod).0);
        let host_network = spec.host_network == Some(true);
        let resolv_conf = super::files::resolv_conf(
            &namespace,
            spec.dns_policy.as_deref().unwrap_or("ClusterFirst"),
            host_network,
            spec.dns_config.as_ref(),
            &self.node.node_resolv_conf,
        );
        let mut ports = Vec::new();
        for c in spec.init_containers.iter().flatten().chain(spec.containers.iter()) {
            for p in c.ports.iter().flatten() {
                if let Some(host_port) = p.host_port.filter(|h| *h > 0) {
                    ports.push(PortMapping {
                        container_port: u16::try_from(p.container_port).unwrap_or(0),
                        host_port: u16::try_from(host_port).unwrap_or(0),
                        protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    });
                }
            }
        }
        let config = SandboxConfig {
            pod_name: name,
            namespace,
            uid: self.pod.metadata.uid.clone().unwrap_or_default(),
            hostname,
            host_network,
            host_pid: spec.host_pid == Some(true),
            host_ipc: spec.host_ipc == Some(true),
            share_process_namespace: spec.share_process_namespace == Some(true),
            resolv_conf,
            ports,
            cgroup_parent: super::resources::pod_cgroup_parent(&self.pod),
            resources: super::resources::pod_resources(&self.pod, self.node.pod_pids_limit),
        };
        self.sandbox = Sandbox::Creating;
        self.call(CriCall::RunPodSandbox(Box::new(config)), Continuation::SandboxCreated);
    }

    /// Begins `startContainer` for record `i`, unless a back-off holds it.
    fn try_start(&mut self, i: usize) {
        if self.starting.is_some() {
            return;
        }
        if let Some(retry) = self.records[i].retry_at {
            if self.now < retry {
                return;
            }
            self.records[i].retry_at = None;
        }
        // A crashed container waits out its back-off (`doBackOff`).
        if let Some(t) = self.records[i].last_termination().cloned() {
            if self.records[i].instances > 0 && !self.records[i].is_running() && self.records[i].container_id.is_some()
            {
                let record = &self.records[i];
                if record.backoff.in_backoff_since(t.finished_at, self.now) {
                    if !record.backoff_reported && record.termination().is_some() {
                        // The status written in the sync that saw the exit still
                        // shows it (`Error`); the next sync reports the back-off.
                        self.records[i].backoff_reported = true;
                        self.records[i].retry_at = Some(self.now + RESYNC_AFTER_EXIT);
                        return;
                    }
                    let delay = record.backoff.delay();
                    let message =
                        format!("back-off {delay} restarting failed container={} pod={}", record.name, self.pod_ref());
                    self.records[i].set_waiting(WaitingReason::CrashLoopBackOff, message);
                    // `doBackOff` records the event in every sync that finds
                    // the container backing off; the failed sync is retried
                    // after the pod worker's back-off period (10 s, to which
                    // the kubelet adds up to 50% random jitter: podplay none).
                    // So restarts wait for the first sync after the back-off.
                    let msg = format!(
                        "Back-off restarting failed container {} in pod {}",
                        self.records[i].name,
                        self.pod_ref()
                    );
                    self.event(EventType::Warning, "BackOff", msg, Some(i));
                    self.records[i].retry_at = Some(self.now + RESYNC);
                    return;
                }
                self.records[i].backoff.next(self.now);
            }
        }
        self.starting = Some(i);
        self.ensure_image(i);
    }

    fn ensure_image(&mut self, i: usize) {
        let image = self.records[i].image.clone();
        // `applyDefaultImageTag`: a name that is not a reference is never
        // pulled; the kubelet retries the sync and says so each time.
        if let Err(e) = crate::image_ref::check(&image) {
            let message = format!(
                "Failed to apply default image tag {}: couldn't parse image name {}: {e}",
                go_quote(&image),
                go_quote(&image)
            );
            self.records[i].set_waiting(WaitingReason::InvalidImageName, message.clone());
            self.event(EventType::Warning, "InspectFailed", message, Some(i));
            self.event(EventType::Warning, "Failed", "Error: InvalidImageName".into(), Some(i));
            self.retry_later(i);
            return;
        }
        let policy = PullPolicy::from_spec(self.container_spec(i).and_then(|c| c.image_pull_policy).as_deref());
        if let Some(failed_at) = self.records[i].pull_failed_at {
            if self.records[i].pull_backoff.in_backoff_since(failed_at, self.now) {
                let previous = self.records[i].pull_error.clone();
                let message = format!("Back-off pulling image {}: ErrImagePull: {previous}", go_quote(&image));
                self.records[i].set_waiting(WaitingReason::ImagePullBackOff, message.clone());
                self.event(EventType::Normal, "BackOff", message, Some(i));
                self.event(EventType::Warning, "Failed", "Error: ImagePullBackOff".into(), Some(i));
                self.records[i].retry_at = Some(self.records[i].pull_backoff.until(failed_at));
                self.starting = None;
                return;
            }
        }
        if policy == PullPolicy::Always {
            self.pull(i);
        } else {
            self.call(CriCall::ImageStatus { image }, Continuation::ImageStatus { record: i });
        }
    }

    /// Says once per container which of its securityContext settings no
    /// podplay runtime enforces yet: never dropped in silence.
    fn warn_unenforced(&mut self, i: usize) {
        if self.records[i].instances > 0 {
            return;
        }
        let Some(c) = self.container_spec(i) else { return };
        let fields = super::security::unenforced(&c, self.pod.spec.as_ref().and_then(|s| s.security_context.as_ref()));
        if !fields.is_empty() {
            let message = format!(
                "podplay does not enforce securityContext {} yet: the container runs without {}",
                fields.join(", "),
                if fields.len() == 1 { "it" } else { "them" }
            );
            self.event(EventType::Warning, "SecurityContextNotEnforced", message, Some(i));
        }
    }

    fn pull(&mut self, i: usize) {
        let image = self.records[i].image.clone();
        self.event(EventType::Normal, "Pulling", format!("Pulling image {}", go_quote(&image)), Some(i));
        let now = self.now;
        self.call(CriCall::PullImage { image }, Continuation::Pulled { record: i, started: now });
    }

    fn create(&mut self, i: usize) {
        let Some(sandbox_id) = self.sandbox_id().map(str::to_string) else {
            self.starting = None;
            return;
        };
        match self.container_config(i) {
            Ok(config) => {
                self.warn_unenforced(i);
                self.call(
                    CriCall::CreateContainer { sandbox_id, config: Box::new(config) },
                    Continuation::Created { record: i },
                )
            }
            Err(message) => {
                self.records[i].set_waiting(WaitingReason::CreateContainerConfigError, message.clone());
                self.event(EventType::Warning, "Failed", format!("Error: {message}"), Some(i));
                self.retry_later(i);
            }
        }
    }

    /// The container's CRI config (`generateContainerConfig`), or the
    /// error that makes it `CreateContainerConfigError`.
    fn container_config(&self, i: usize) -> Result<ContainerConfig, String> {
        let c = self.container_spec(i).unwrap_or_default();
        let spec = self.spec();
        let uid = self.pod.metadata.uid.clone().unwrap_or_default();
        let pod_dir = format!("/var/lib/kubelet/pods/{uid}");
        let context = super::env::EnvContext {
            pod: &self.pod,
            node_name: &self.node.node_name,
            node_ip: &self.node.node_ip,
            pod_ip: self.pod_ip().unwrap_or(""),
            allocatable_cpu_millis: self.node.allocatable_cpu_millis,
            allocatable_memory_bytes: self.node.allocatable_memory_bytes,
        };
        // `GenerateRunContainerOptions`: the environment, then the mounts
        // (a subPathExpr reads the environment).
        let env = super::env::container_env(&context, &c)?;
        let mut mounts = super::volumes::container_mounts(&context, &spec, &c, &env, &pod_dir)?;
        // The kubelet-managed /etc/hosts, unless the container mounts its own.
        if !mounts.iter().any(|m| m.container_path == "/etc/hosts") {
            if let Some(content) = self.hosts_file() {
                mounts.push(Mount {
                    container_path: "/etc/hosts".into(),
                    source: MountSource::KubeletFile { path: format!("{pod_dir}/etc-hosts"), content },
                    read_only: false,
                    sub_path: None,
                });
            }
        }
        let pod_security = spec.security_context.as_ref();
        let namespace = self.pod.metadata.namespace.as_deref().unwrap_or("default");
        let pod_desc = format!("{}_{namespace}({uid})", self.pod.metadata.name.as_deref().unwrap_or(""));
        let image_user = self.records[i].image_user.as_deref();
        super::security::verify_run_as_non_root(&c, pod_security, image_user, &pod_desc)?;
        let (command, args) = super::env::expand_command_and_args(&c, &env);
        let r = &self.records[i];
        Ok(ContainerConfig {
            name: c.name.clone(),
            image: r.image.clone(),
            command,
            args,
            working_dir: c.working_dir.clone(),
            env: env.into_vec(),
            mounts,
            stdin: c.stdin == Some(true),
            tty: c.tty == Some(true),
            attempt: r.instances,
            termination_message_path: c
                .termination_message_path
                .clone()
                .unwrap_or_else(|| "/dev/termination-log".into()),
            ports: c.ports.iter().flatten().filter_map(|p| u16::try_from(p.container_port).ok()).collect(),
            run_as_user: c
                .security_context
                .as_ref()
                .and_then(|s| s.run_as_user)
                .or_else(|| spec.security_context.as_ref().and_then(|s| s.run_as_user))
                .and_then(|u| u32::try_from(u).ok()),
            security: super::security::effective(&c, pod_security),
            resources: super::resources::container_resources(&c),
            log_path: format!(
                "/var/log/pods/{}_{}_{uid}/{}/{}.log",
                self.pod.metadata.namespace.as_deref().unwrap_or("default"),
                self.pod.metadata.name.as_deref().unwrap_or(""),
                c.name,
                r.instances
            ),
        })
    }

    fn hosts_file(&self) -> Option<String> {
        let spec = self.spec();
        let aliases: Vec<HostAlias> = spec.host_aliases.clone().unwrap_or_default();
        if spec.host_network == Some(true) {
            return Some(super::files::host_network_hosts_file(&self.node.node_hosts, &aliases));
        }
        let ip = self.pod_ip()?;
        Some(super::files::hosts_file(&self.pod, &[ip.to_string()], &aliases))
    }

    fn continue_with(&mut self, continuation: Continuation, reply: CriReply) {
        // Deleted while a container was starting: it is not started.
        if self.deletion.is_some()
            && matches!(
                continuation,
                Continuation::ImageStatus { .. } | Continuation::Pulled { .. } | Continuation::Created { .. }
            )
        {
            self.starting = None;
            return;
        }
        match continuation {
            Continuation::SandboxCreated => self.sandbox_created(reply),
            Continuation::ImageStatus { record } => self.image_status(record, reply),
            Continuation::Pulled { record, started } => self.pulled(record, started, reply),
            Continuation::Created { record } => self.created(record, reply),
            Continuation::Started { record } => self.started(record, reply),
            Continuation::PostStart { record } => self.post_start_done(record, reply),
            Continuation::PreStop { record, cause, started } => self.pre_stop_done(record, cause, started, reply),
            Continuation::Stopped { .. } => {
                // The container is stopped; `killing` stays set until its
                // exit reaches the kubelet, which clears it: at the next
                // PLEG relist, or at once when the Pod is ending
                // (`killPodWithSyncResult`, then `GetPodStatus`).
                if !matches!(reply, CriReply::Stopped | CriReply::Error { .. }) {
                    self.unexpected("StopContainer", &reply);
                }
                if self.finishing.is_some() || self.deletion.is_some() {
                    self.status_wanted = true;
                }
            }
            Continuation::Probe { record, probe } => self.probe_result(record, probe, reply),
            Continuation::SandboxStopped => self.sandbox_stopped(),
            Continuation::RemoveSandbox => {
                if let Sandbox::Stopping { id, .. } = self.sandbox.clone() {
                    self.call(CriCall::RemovePodSandbox { sandbox_id: id }, Continuation::SandboxRemoved);
                }
            }
            Continuation::SandboxRemoved => {
                if let Sandbox::Stopping { ip, .. } = self.sandbox.clone() {
                    self.sandbox = Sandbox::Removed { ip };
                }
            }
        }
    }

    fn sandbox_created(&mut self, reply: CriReply) {
        match reply {
            CriReply::SandboxReady { sandbox_id, ip } => {
                self.sandbox = Sandbox::Ready { id: sandbox_id, ip };
            }
            CriReply::Error { message } => {
                self.sandbox = Sandbox::None;
                let message = format!("Failed to create pod sandbox: {message}");
                self.event(EventType::Warning, "FailedCreatePodSandBox", message, None);
            }
            other => {
                // Not a sandbox: the kubelet tries again on its next sync.
                self.sandbox = Sandbox::None;
                self.unexpected("RunPodSandbox", &other);
            }
        }
    }

    fn image_status(&mut self, record: usize, reply: CriReply) {
        let image = self.records[record].image.clone();
        let policy = PullPolicy::from_spec(self.container_spec(record).and_then(|c| c.image_pull_policy).as_deref());
        match reply {
            CriReply::ImageStatus { image: Some(info) } => {
                self.records[record].image_user = info.user;
                self.records[record].image_id = info.id;
                self.records[record].image_reference = Some(info.reference);
                let message = format!(
                    "Container image {} already present on machine and can be accessed by the pod",
                    go_quote(&image)
                );
                self.event(EventType::Normal, "Pulled", message, Some(record));
                self.create(record);
            }
            CriReply::ImageStatus { image: None } | CriReply::Error { .. } if policy == PullPolicy::Never => {
                let message = format!("Container image {} is not present with pull policy of Never", go_quote(&image));
                self.records[record].set_waiting(WaitingReason::ErrImageNeverPull, message.clone());
                self.event(EventType::Warning, "ErrImageNeverPull", message, Some(record));
                self.event(EventType::Warning, "Failed", "Error: ErrImageNeverPull".into(), Some(record));
                self.records[record].retry_at = Some(self.now + RESYNC);
                self.starting = None;
            }
            CriReply::ImageStatus { image: None } | CriReply::Error { .. } => self.pull(record),
            other => {
                self.unexpected("ImageStatus", &other);
                self.retry_later(record);
            }
        }
    }

    fn pulled(&mut self, record: usize, started: MonoTime, reply: CriReply) {
        let image = self.records[record].image.clone();
        match reply {
            CriReply::Pulled { image: info, .. } => {
                let waited = self.now.since(started);
                let size_bytes = info.size_bytes;
                self.records[record].image_user = info.user;
                self.records[record].image_id = info.id;
                self.records[record].image_reference = Some(info.reference);
                self.records[record].pull_failed_at = None;
                let message = format!(
                    "Successfully pulled image {} in {waited} ({waited} including waiting). Image size: {size_bytes} bytes.",
                    go_quote(&image)
                );
                self.event(EventType::Normal, "Pulled", message, Some(record));
                self.create(record);
            }
            CriReply::Error { message } => {
                let event = format!("Failed to pull image {}: {message}", go_quote(&image));
                self.event(EventType::Warning, "Failed", event, Some(record));
                self.event(EventType::Warning, "Failed", "Error: ErrImagePull".into(), Some(record));
                self.records[record].pull_error = message.clone();
                self.records[record].set_waiting(WaitingReason::ErrImagePull, message);
                let r = &mut self.records[record];
                r.pull_backoff.next(self.now);
                r.pull_failed_at = Some(self.now);
                // The next sync (a moment later) finds the pull in back-off.
                r.retry_at = Some(self.now + MonoDuration(2_000));
                self.starting = None;
            }
            other => {
                self.unexpected("PullImage", &other);
                self.retry_later(record);
            }
        }
    }

    fn created(&mut self, record: usize, reply: CriReply) {
        match reply {
            CriReply::ContainerCreated { container_id } => {
                let waiting = super::status::default_waiting_reason(&self.pod);
                let epoch = self.node.epoch;
                let r = &mut self.records[record];
                r.shown = Some(r.to_api(epoch));
                r.seen_at = None;
                if let RunState::Terminated(t) = &r.state {
                    r.last_state = Some(t.clone());
                }
                // The new instance has not started yet; its status is its own.
                r.state = RunState::Waiting { reason: waiting, message: String::new() };
                r.backoff_reported = false;
                r.container_id = Some(container_id.clone());
                r.instances += 1;
                r.killing = false;
                self.event(EventType::Normal, "Created", "Container created".into(), Some(record));
                self.call(CriCall::StartContainer { container_id }, Continuation::Started { record });
            }
            CriReply::Error { message } => {
                self.records[record].set_waiting(WaitingReason::CreateContainerError, message.clone());
                self.event(EventType::Warning, "Failed", format!("Error: {message}"), Some(record));
                self.retry_later(record);
            }
            other => {
                self.unexpected("CreateContainer", &other);
                self.retry_later(record);
            }
        }
    }

    /// A start that failed without a crash is tried again at the next resync.
    fn retry_later(&mut self, record: usize) {
        self.records[record].retry_at = Some(self.now + RESYNC);
        self.starting = None;
    }

    fn started(&mut self, record: usize, reply: CriReply) {
        let message = match reply {
            CriReply::Started => {
                self.event(EventType::Normal, "Started", "Container started".into(), Some(record));
                let post_start = self.container_spec(record).and_then(|c| c.lifecycle).and_then(|l| l.post_start);
                match post_start {
                    // The status stays Waiting until the hook returns.
                    Some(handler) => self.run_handler(record, &handler, Continuation::PostStart { record }),
                    None => {
                        // The PLEG sees the new instance at its next relist.
                        self.records[record].seen_at = Some(crate::driver::next_relist(self.now));
                        self.mark_running(record);
                    }
                }
                return;
            }
            CriReply::Error { message } => message,
            other => {
                self.unexpected("StartContainer", &other);
                format!("unexpected reply from the runtime: {}", other.name())
            }
        };
        let id = self.records[record].container_id.clone().unwrap_or_default();
        let r = &mut self.records[record];
        r.shown = None;
        r.last_state = Some(Termination {
            exit_code: 128,
            reason: "StartError".into(),
            message: message.clone(),
            started_at: None,
            finished_at: self.now,
            container_id: id,
        });
        r.state = RunState::Waiting { reason: WaitingReason::RunContainerError, message: message.clone() };
        self.event(EventType::Warning, "Failed", format!("Error: {message}"), Some(record));
        self.starting = None;
    }

    fn post_start_done(&mut self, record: usize, reply: CriReply) {
        // The pod worker was blocked in the hook, and its next sync waits for
        // a relist newer than this one (`podCache.GetNewerThan`): until then
        // the status stays what it was before the start (ContainerCreating),
        // never a Running that the hook's failure is about to end.
        if self.handler_succeeded("postStart", &reply) {
            self.records[record].seen_at = Some(crate::driver::next_relist(self.now));
            self.mark_running(record);
            return;
        }
        self.event(EventType::Warning, "FailedPostStartHook", "PostStartHook failed".into(), Some(record));
        self.starting = None;
        if self.records[record].termination().is_none() {
            // `startContainer` kills the container before it returns, so the
            // status stays as it was until the exit is seen.
            self.records[record].seen_at = None;
            self.mark_running(record);
            self.kill(record, KillCause::PostStartFailed);
        }
    }

    fn pre_stop_done(&mut self, record: usize, cause: KillCause, started: MonoTime, reply: CriReply) {
        if !self.handler_succeeded("preStop", &reply) {
            self.event(EventType::Warning, "FailedPreStopHook", "PreStopHook failed".into(), Some(record));
        }
        let remaining = match self
            .termination_deadline
            .filter(|_| matches!(cause, KillCause::Deletion | KillCause::PodCompleted))
        {
            // The Pod's grace period is one budget shared by all its containers.
            Some(deadline) => whole_seconds(MonoDuration(deadline.0.saturating_sub(self.now.0))),
            None => {
                // executePreStopHook counts whole seconds spent in the hook.
                let grace = self.grace_for(Some(record), cause);
                let spent = self.now.since(started).secs();
                MonoDuration::from_secs(grace.secs().saturating_sub(spent))
            }
        };
        self.stop(record, remaining.max(MINIMUM_GRACE));
    }

    fn sandbox_stopped(&mut self) {
        if let Sandbox::Stopping { id, ip } = self.sandbox.clone() {
            if self.deletion.is_some() {
                // A deleted Pod is gone once its terminated Pod is synced
                // (volumes unmounted, the status manager's last update),
                // which the kubelet sees at its next relist: then its
                // sandbox is removed, and the API object with it.
                // (Still `Stopping` for the kubelet until it is removed.)
                self.sandbox = Sandbox::Stopping { id, ip };
                let relist = MonoTime((self.now.0 / RELIST.0 + 1) * RELIST.0);
                self.after(relist, Continuation::RemoveSandbox, CriReply::Stopped);
            } else {
                self.sandbox = Sandbox::Stopped { id, ip };
            }
        }
    }

    /// A hook's outcome: exec exit 0, HTTP 200–399. A reply of another
    /// kind is the runtime's mistake: reported, and the hook failed.
    fn handler_succeeded(&mut self, hook: &str, reply: &CriReply) -> bool {
        if !fits_probe_or_hook(reply) {
            self.unexpected(hook, reply);
        }
        probe_outcome(reply).0
    }

    fn mark_running(&mut self, i: usize) {
        let now = self.now;
        let spec = self.container_spec(i).unwrap_or_default();
        let r = &mut self.records[i];
        if r.termination().is_none() {
            r.state = RunState::Running { started_at: now };
            // Without probes, started and ready follow running.
            r.started = spec.startup_probe.is_none();
            // A classic init container is ready only once it has exited 0.
            r.ready = r.kind != Kind::Init && spec.readiness_probe.is_none() && r.started;
            r.retry_at = None;
            let started = r.started;
            // Probe workers read the status: nothing is probed before the
            // PLEG has seen the container running.
            let seen = r.seen_at.unwrap_or(now).max(now);
            let anchor = self.start_time.unwrap_or(now);
            let first = |p: &Probe, readiness: bool| first_probe(p, anchor, now, seen, readiness);
            let r = &mut self.records[i];
            r.startup.next_at = spec.startup_probe.as_ref().map(|p| first(p, false));
            r.liveness.next_at = spec.liveness_probe.as_ref().filter(|_| started).map(|p| first(p, false));
            r.readiness.next_at = spec.readiness_probe.as_ref().filter(|_| started).map(|p| first(p, true));
        }
        if self.starting == Some(i) {
            self.starting = None;
        }
    }

    /// `setTerminationGracePeriod`: the deletion's grace, else the Pod's;
    /// a liveness or startup kill takes the failing probe's own
    /// `terminationGracePeriodSeconds` when it sets one.
    fn grace_for(&self, record: Option<usize>, cause: KillCause) -> MonoDuration {
        let probe = match cause {
            KillCause::LivenessFailed => Some(ProbeKind::Liveness),
            KillCause::StartupFailed => Some(ProbeKind::Startup),
            _ => None,
        };
        let probe_grace = probe
            .zip(record)
            .and_then(|(kind, i)| self.probe_spec(i, kind))
            .and_then(|p| p.termination_grace_period_seconds);
        match (cause, self.deletion, probe_grace) {
            (KillCause::Deletion, Some(d), _) => d.grace,
            (_, _, Some(seconds)) => MonoDuration::from_secs(u64::try_from(seconds).unwrap_or(0)),
            _ => {
                let s = self.pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30);
                MonoDuration::from_secs(u64::try_from(s).unwrap_or(0))
            }
        }
    }

    /// `killContainer`: Killing event, preStop, then StopContainer.
    fn kill(&mut self, i: usize, cause: KillCause) {
        if self.records[i].killing {
            return;
        }
        self.records[i].killing = true;
        let name = self.records[i].name.clone();
        let message = match cause {
            KillCause::LivenessFailed => {
                format!("Container {name} failed liveness probe, will be restarted")
            }
            KillCause::StartupFailed => {
                format!("Container {name} failed startup probe, will be restarted")
            }
            KillCause::PostStartFailed => "FailedPostStartHook".to_string(),
            _ => format!("Stopping container {name}"),
        };
        self.event(EventType::Normal, "Killing", message, Some(i));
        let grace = match self
            .termination_deadline
            .filter(|_| matches!(cause, KillCause::Deletion | KillCause::PodCompleted))
        {
            Some(deadline) => MonoDuration(deadline.0.saturating_sub(self.now.0)),
            None => self.grace_for(Some(i), cause),
        };
        let pre_stop = self.container_spec(i).and_then(|c| c.lifecycle).and_then(|l| l.pre_stop);
        match pre_stop {
            Some(handler) => {
                let now = self.now;
                self.run_handler_with_timeout(
                    i,
                    &handler,
                    grace,
                    Continuation::PreStop { record: i, cause, started: now },
                );
            }
            _ => self.stop(i, grace.max(MINIMUM_GRACE)),
        }
    }

    fn stop(&mut self, i: usize, timeout: MonoDuration) {
        let Some(container_id) = self.records[i].container_id.clone() else {
            self.records[i].killing = false;
            return;
        };
        let kill_at = self.now + timeout;
        self.call(CriCall::StopContainer { container_id, timeout }, Continuation::Stopped { record: i, kill_at });
    }

    fn run_handler(&mut self, i: usize, handler: &LifecycleHandler, then: Continuation) {
        let grace = self.grace_for(Some(i), KillCause::Deletion);
        self.run_handler_with_timeout(i, handler, grace, then);
    }

    fn run_handler_with_timeout(
        &mut self,
        i: usize,
        handler: &LifecycleHandler,
        timeout: MonoDuration,
        then: Continuation,
    ) {
        let Some(container_id) = self.records[i].container_id.clone() else {
            return;
        };
        if let Some(exec) = &handler.exec {
            let command = exec.command.clone().unwrap_or_default();
            self.call(CriCall::ExecSync { container_id, command, timeout }, then);
        } else if let Some(http) = &handler.http_get {
            let host = http.host.clone().unwrap_or_else(|| self.pod_ip().unwrap_or("").to_string());
            let port = self.resolve_port(i, &http.port);
            let path = http.path.clone().unwrap_or_else(|| "/".into());
            self.call(CriCall::HttpGet { host, port, path, timeout }, then);
        } else if let Some(sleep) = &handler.sleep {
            // `runSleepHandler`: the kubelet itself waits, no runtime call;
            // a preStop sleep ends with the grace period at the latest.
            let _ = container_id;
            let seconds = MonoDuration::from_secs(u64::try_from(sleep.seconds).unwrap_or(0));
            let waited = seconds.min(timeout);
            let hook = hook_name(&then);
            let name = &self.records[i].name;
            self.doings
                .push(format!("{hook} of {name}: sleep {waited}, in the kubelet (nothing runs in the container)"));
            let due = self.now + waited;
            self.after(due, then, CriReply::Exec { exit_code: 0, output: String::new() });
        } else {
            // A tcpSocket hook is accepted by the API server but the
            // kubelet's handler runner has no case for it: the hook fails
            // (`Cannot run handler: invalid handler`), with no call made.
            let hook = hook_name(&then);
            let name = &self.records[i].name;
            self.doings.push(format!("{hook} of {name}: a tcpSocket hook, which the kubelet cannot run: it fails"));
            let now = self.now;
            let message = "Cannot run handler: invalid handler: tcpSocket is not supported as a lifecycle handler";
            self.after(now, then, CriReply::Error { message: message.into() });
        }
    }

    fn resolve_port(&self, i: usize, port: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> u16 {
        use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
        match port {
            IntOrString::Int(n) => u16::try_from(*n).unwrap_or(0),
            IntOrString::String(name) => self
                .container_spec(i)
                .and_then(|c| c.ports)
                .and_then(|ports| ports.into_iter().find(|p| p.name.as_deref() == Some(name)))
                .and_then(|p| u16::try_from(p.container_port).ok())
                .unwrap_or(0),
        }
    }

    // ---- probes ----

    fn probe_spec(&self, i: usize, kind: ProbeKind) -> Option<Probe> {
        let c = self.container_spec(i)?;
        match kind {
            ProbeKind::Liveness => c.liveness_probe,
            ProbeKind::Readiness => c.readiness_probe,
            ProbeKind::Startup => c.startup_probe,
        }
    }

    fn probe_state(&mut self, i: usize, kind: ProbeKind) -> &mut super::record::ProbeState {
        let r = &mut self.records[i];
        match kind {
            ProbeKind::Liveness => &mut r.liveness,
            ProbeKind::Readiness => &mut r.readiness,
            ProbeKind::Startup => &mut r.startup,
        }
    }

    fn maybe_probe(&mut self, i: usize) {
        if !self.records[i].is_running() || self.records[i].killing || self.deletion.is_some() {
            return;
        }
        let started = self.records[i].started;
        for kind in [ProbeKind::Startup, ProbeKind::Liveness, ProbeKind::Readiness] {
            // Liveness and readiness wait for the startup probe to succeed.
            if kind != ProbeKind::Startup && !started {
                continue;
            }
            if kind == ProbeKind::Startup && started {
                continue;
            }
            let now = self.now;
            let state = self.probe_state(i, kind);
            let due = state.next_at.is_some_and(|t| t <= now) && !state.in_flight;
            if !due {
                continue;
            }
            let Some(probe) = self.probe_spec(i, kind) else {
                continue;
            };
            let anchor = self.start_time.unwrap_or(now);
            let state = self.probe_state(i, kind);
            state.in_flight = true;
            state.next_at = Some(next_tick(&probe, anchor, now, true));
            let timeout = MonoDuration::from_secs(u64::try_from(probe.timeout_seconds.unwrap_or(1)).unwrap_or(1));
            let Some(container_id) = self.records[i].container_id.clone() else {
                continue;
            };
            let then = Continuation::Probe { record: i, probe: kind };
            if let Some(exec) = &probe.exec {
                let spec = self.container_spec(i).unwrap_or_default();
                let command = super::env::expand_probe_command(exec.command.as_deref().unwrap_or_default(), &spec);
                self.call(CriCall::ExecSync { container_id, command, timeout }, then);
            } else if let Some(http) = &probe.http_get {
                let host = http.host.clone().unwrap_or_else(|| self.pod_ip().unwrap_or("").to_string());
                let port = self.resolve_port(i, &http.port);
                let path = http.path.clone().unwrap_or_else(|| "/".into());
                self.call(CriCall::HttpGet { host, port, path, timeout }, then);
            } else if let Some(tcp) = &probe.tcp_socket {
                let host = tcp.host.clone().unwrap_or_else(|| self.pod_ip().unwrap_or("").to_string());
                let port = self.resolve_port(i, &tcp.port);
                self.call(CriCall::TcpConnect { host, port, timeout }, then);
            } else {
                // gRPC probes: treated as the port answering.
                let port = probe.grpc.as_ref().map_or(0, |g| u16::try_from(g.port).unwrap_or(0));
                let host = self.pod_ip().unwrap_or("").to_string();
                self.call(CriCall::TcpConnect { host, port, timeout }, then);
            }
        }
    }

    fn probe_result(&mut self, i: usize, kind: ProbeKind, reply: CriReply) {
        self.probe_state(i, kind).in_flight = false;
        if !self.records[i].is_running() || self.records[i].killing {
            return;
        }
        let Some(probe) = self.probe_spec(i, kind) else {
            return;
        };
        if !fits_probe_or_hook(&reply) {
            self.unexpected(kind.label(), &reply);
        }
        let (ok, output) = probe_outcome(&reply);
        let success_threshold = probe.success_threshold.unwrap_or(1).max(1);
        let failure_threshold = probe.failure_threshold.unwrap_or(3).max(1);
        let state = self.probe_state(i, kind);
        if ok {
            state.successes += 1;
            state.failures = 0;
        } else {
            state.failures += 1;
            state.successes = 0;
        }
        let (successes, failures) = (state.successes, state.failures);
        if !ok {
            self.event(EventType::Warning, "Unhealthy", format!("{} probe failed: {output}", kind.label()), Some(i));
        }
        match kind {
            ProbeKind::Startup => {
                if successes >= 1 {
                    // The liveness worker probes at its next tick; the
                    // readiness worker is triggered at once, as it has no
                    // result yet (`prober_manager` `UpdatePodStatus`).
                    let spec = self.container_spec(i).unwrap_or_default();
                    let (now, anchor) = (self.now, self.start_time.unwrap_or(self.now));
                    let r = &mut self.records[i];
                    r.started = true;
                    r.startup.next_at = None;
                    r.ready = spec.readiness_probe.is_none();
                    r.liveness.next_at = spec.liveness_probe.as_ref().map(|p| next_tick(p, anchor, now, true));
                    r.readiness.next_at = spec.readiness_probe.as_ref().map(|_| now);
                } else if failures >= failure_threshold {
                    self.kill(i, KillCause::StartupFailed);
                }
            }
            ProbeKind::Liveness => {
                if failures >= failure_threshold {
                    self.kill(i, KillCause::LivenessFailed);
                }
            }
            ProbeKind::Readiness => {
                if successes >= success_threshold {
                    self.records[i].ready = true;
                } else if failures >= failure_threshold {
                    self.records[i].ready = false;
                }
            }
        }
    }
}

/// `postStart` or `preStop`, for a hook's continuation.
fn hook_name(then: &Continuation) -> &'static str {
    match then {
        Continuation::PostStart { .. } => "postStart",
        _ => "preStop",
    }
}

/// Replies a probe or hook can get (the others are the runtime's mistake).
fn fits_probe_or_hook(reply: &CriReply) -> bool {
    matches!(reply, CriReply::Exec { .. } | CriReply::Http { .. } | CriReply::Connected | CriReply::Error { .. })
}

/// Probe semantics: exec exit 0; HTTP 200–399; a TCP connection.
fn probe_outcome(reply: &CriReply) -> (bool, String) {
    match reply {
        CriReply::Exec { exit_code: 0, output } => (true, output.clone()),
        CriReply::Exec { output, .. } => (false, output.trim_end().to_string()),
        CriReply::Http { status } if (200..400).contains(status) => (true, String::new()),
        CriReply::Http { status } => (false, format!("HTTP probe failed with statuscode: {status}")),
        CriReply::Connected => (true, String::new()),
        CriReply::Error { message } => (false, message.clone()),
        other => (false, format!("unexpected reply from the runtime: {}", other.name())),
    }
}

/// A prober worker ticks every `periodSeconds` from when the kubelet
/// added the Pod (`anchor`, `prober_manager.AddPod`): the first tick at or
/// after `from` (strictly after with `after`).
fn next_tick(probe: &Probe, anchor: MonoTime, from: MonoTime, after: bool) -> MonoTime {
    let period = u64::try_from(probe.period_seconds.unwrap_or(10)).unwrap_or(10).max(1) * 1_000;
    let since = from.0.saturating_sub(anchor.0);
    let ticks = if after { since / period + 1 } else { since.div_ceil(period) };
    MonoTime(anchor.0 + ticks * period)
}

/// A container's first probe (`worker.doProbe`): none before the status
/// shows it running (`seen`) nor before `initialDelaySeconds` have passed
/// since it started; then the worker's next tick, except readiness with no
/// initial delay, which the status update triggers at once.
fn first_probe(probe: &Probe, anchor: MonoTime, started_at: MonoTime, seen: MonoTime, readiness: bool) -> MonoTime {
    let delay = u64::try_from(probe.initial_delay_seconds.unwrap_or(0)).unwrap_or(0);
    if readiness && delay == 0 {
        return seen;
    }
    next_tick(probe, anchor, (started_at + MonoDuration::from_secs(delay)).max(seen), false)
}

/// CRI timeouts are whole seconds.
fn whole_seconds(d: MonoDuration) -> MonoDuration {
    MonoDuration::from_secs(d.secs())
}
