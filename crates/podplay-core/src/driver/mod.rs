//! The driver: the scheduler, the kubelet and a container runtime on one
//! clock, and the story of what they did.
//!
//! Like quinn's `Pair` test driver, it moves time to the earliest wake-up
//! anyone asked for, delivers everything due at that instant until nothing
//! changes, and records what happened. It is generic over the [`Runtime`]:
//! podplay-sim's virtual Linux on a virtual clock, or a real one whose
//! caller passes the real monotonic time. Neither the kubelet nor the driver
//! learns which.

mod admit;
mod pump;
mod view;

use k8s_openapi::api::core::v1::{Node, Pod};

use crate::cri::{CallId, ContainerExit, CriReply};
use crate::kubelet::events::EventLog;
use crate::kubelet::types::PodPhase;
use crate::kubelet::{Kubelet, NodeContext};
use crate::runtime::Runtime;
use crate::scheduler::{self, ScheduleOutcome};
use crate::time::{Epoch, MonoDuration, MonoTime};
use crate::trace::{Step, Trace};

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
    /// A point in time.
    Time(MonoTime),
}

/// How long nothing may change before the Pod counts as stable.
pub const QUIET: MonoDuration = MonoDuration(30_000);
/// The longest a run goes without an explicit `Until::Time`.
pub const HORIZON: MonoDuration = MonoDuration(30 * 60 * 1000);
/// Most instants one `run_until` processes.
pub const MAX_INSTANTS: usize = 50_000;
/// Most rounds at one instant.
const MAX_ROUNDS: usize = 1_000;
/// The kubelet's PLEG relist period: how late it may notice a container exit.
pub const PLEG_PERIOD: MonoDuration = MonoDuration(1_000);

/// The PLEG's first relist after `at`, when the kubelet sees what changed
/// then (a container started or exited).
pub fn next_relist(at: MonoTime) -> MonoTime {
    MonoTime((at.0 / PLEG_PERIOD.0 + 1) * PLEG_PERIOD.0)
}
/// How long `kubectl exec` waits for its command.
pub const EXEC_LIMIT: MonoDuration = MonoDuration(120_000);

/// The node the Pod was bound to, as a runtime is booted for it.
pub struct NodeBoot<'a> {
    pub node: &'a Node,
    /// What the kubelet knows of the node (its name, IP, files, clock).
    pub context: &'a NodeContext,
    pub pod_cidr: String,
}

/// One node's machinery: the Pod's kubelet and the node's runtime.
struct NodeWorker<R> {
    runtime: R,
    kubelet: Kubelet,
    /// Calls the user made through the driver (`kubectl exec`), until
    /// their reply is taken: one or two at a time, so a list.
    user_calls: Vec<(CallId, Option<CriReply>)>,
    next_user_call: u64,
    /// Container exits the kubelet has not noticed yet (PLEG relists every second).
    pending_exits: Vec<(MonoTime, ContainerExit)>,
    events_seen: usize,
}

/// A Pod's life from creation on, on a runtime `R`.
pub struct Driver<R> {
    now: MonoTime,
    epoch: Epoch,
    pod: Pod,
    nodes: Vec<Node>,
    outcome: ScheduleOutcome,
    scheduler_events: EventLog,
    node: Option<NodeWorker<R>>,
    trace: Trace,
    /// The kubectl READY/STATUS/RESTARTS line last recorded.
    last_status: String,
    last_change: MonoTime,
    /// The kubelet refused the Pod on admission (nodeName set, predicates failed).
    rejected: Option<scheduler::AdmitRejection>,
    event_count: usize,
    /// Deleted before it was bound to a node: the API server removed it at
    /// once (no kubelet had anything to stop).
    removed: bool,
}

impl<R: Runtime> Driver<R> {
    /// Creates the Pod (defaulted and valid) in namespace `default`,
    /// schedules it on `nodes` and, once bound, boots the node's runtime
    /// with `boot` and admits the Pod to its kubelet. `epoch` is the wall
    /// time of the driver's time zero.
    pub fn new(pod: &Pod, nodes: Vec<Node>, epoch: Epoch, boot: impl FnOnce(NodeBoot<'_>) -> R) -> Driver<R> {
        admit::create(pod, nodes, epoch, boot)
    }

    pub fn now(&self) -> MonoTime {
        self.now
    }

    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The story's steps, moved out.
    pub fn take_steps(&mut self) -> Vec<Step> {
        self.trace.take_steps()
    }

    /// The runtime of the node the Pod runs on.
    pub fn runtime(&self) -> Option<&R> {
        self.node.as_ref().map(|n| &n.runtime)
    }

    /// The runtime, to act on it directly (a user killing a process);
    /// call [`Driver::settle`] afterwards.
    pub fn runtime_mut(&mut self) -> Option<&mut R> {
        self.node.as_mut().map(|n| &mut n.runtime)
    }

    pub fn kubelet(&self) -> Option<&Kubelet> {
        self.node.as_ref().map(|n| &n.kubelet)
    }

    /// True once the Pod is gone from the API: the kubelet finished its
    /// deletion, or it was deleted before it was bound.
    pub fn is_deleted(&self) -> bool {
        self.removed || self.node.as_ref().is_some_and(|n| n.kubelet.is_deleted())
    }

    /// True when nothing more can happen.
    pub fn is_finished(&self) -> bool {
        if self.removed {
            return true;
        }
        match &self.node {
            Some(n) => n.kubelet.is_done(),
            None => true,
        }
    }

    /// The next instant anything is due.
    pub fn next_wakeup(&self) -> Option<MonoTime> {
        let n = self.node.as_ref()?;
        [n.runtime.poll_timeout(), n.kubelet.poll_timeout(), n.pending_exits.iter().map(|(t, _)| *t).min()]
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
            if !self.advance(until) {
                return;
            }
        }
    }

    /// One instant of [`run_until`](Self::run_until): delivers the next
    /// instant anything is due, unless `until` already holds or nothing is
    /// due before it (or the horizon). False when there was none: a caller
    /// that must not block (the playground) runs a bounded number of these.
    pub fn advance(&mut self, until: Until) -> bool {
        if self.reached(until) {
            return false;
        }
        let Some(next) = self.next_wakeup() else {
            return false;
        };
        let limit = match until {
            Until::Time(t) => t,
            _ => MonoTime::ZERO + HORIZON,
        };
        if next > limit {
            if let Until::Time(t) = until {
                self.now = t;
            }
            return false;
        }
        self.now = next;
        self.settle();
        true
    }

    /// Whether `until` holds now.
    pub fn reached(&self, until: Until) -> bool {
        let terminal = || self.phase().is_terminal() || self.is_finished();
        match until {
            Until::Stable => {
                let terminating = self.node.as_ref().is_some_and(|n| n.kubelet.is_terminating());
                self.is_finished()
                    || (!terminating && self.now.since(self.last_change) >= QUIET && self.now > MonoTime::ZERO)
            }
            Until::Running => self.phase() != PodPhase::Pending || self.is_finished(),
            Until::Ready => self.is_ready() || terminal(),
            Until::Succeeded | Until::Failed => terminal(),
            Until::Time(t) => self.now >= t,
        }
    }

    // ---- user actions ----

    /// `kubectl delete pod`: graceful deletion, with `grace` instead of the
    /// Pod's `terminationGracePeriodSeconds` if given.
    pub fn delete(&mut self, grace: Option<MonoDuration>) {
        let now = self.now;
        let Some(n) = self.node.as_mut() else {
            // The pod strategy's `CheckGracefulDelete`: a Pod not bound to a
            // node is deleted at once, with a grace period of 0.
            self.removed = true;
            self.trace.step(
                now,
                crate::trace::Actor::Scheduler,
                crate::trace::StepKind::Status,
                "kubectl delete pod: the Pod was never bound to a node, so the API server removes it at once (grace period 0): no kubelet has anything to stop".into(),
            );
            return;
        };
        n.kubelet.delete(now, grace);
        self.trace.step(
            now,
            crate::trace::Actor::Scheduler,
            crate::trace::StepKind::Status,
            "kubectl delete pod: deletionTimestamp set, the kubelet starts graceful termination".into(),
        );
        self.settle();
    }

    /// `kubectl exec POD -c NAME -- CMD…`: runs the command in the
    /// container now (time passes while it runs, up to 2 minutes) and
    /// returns its exit code and output. On a runtime whose time is the
    /// real clock, use [`Driver::start_exec`] and [`Driver::exec_result`]
    /// and wait between them instead.
    pub fn exec(&mut self, container: &str, command: Vec<String>) -> Result<(i32, String), String> {
        let id = self.start_exec(container, command)?;
        let started = self.now;
        for _ in 0..MAX_INSTANTS {
            if let Some(result) = self.exec_result(id) {
                return result;
            }
            match self.next_wakeup() {
                Some(t) if t.since(started) <= EXEC_LIMIT => {
                    self.now = t;
                    self.settle();
                }
                _ => break,
            }
        }
        self.forget_user_call(id);
        Err("command did not finish within 2 minutes".into())
    }

    /// Starts `kubectl exec` in `container`: the call's id, to ask
    /// [`Driver::exec_result`] for its outcome once time has moved on.
    pub fn start_exec(&mut self, container: &str, command: Vec<String>) -> Result<CallId, String> {
        let pod_name = self.pod.metadata.name.clone().unwrap_or_default();
        let Some(n) = self.node.as_mut() else {
            return Err("the Pod is not running on any node".into());
        };
        let Some(container_id) = n.kubelet.container_id(container).map(str::to_string) else {
            return Err(format!("container {container} not found in pod {pod_name}"));
        };
        let call = crate::cri::CriCall::ExecSync { container_id, command, timeout: MonoDuration::from_secs(60) };
        Ok(self.user_call(call))
    }

    /// The outcome of an exec started with [`Driver::start_exec`], once the
    /// runtime replied: its exit code and output, or the runtime's error.
    pub fn exec_result(&mut self, id: CallId) -> Option<Result<(i32, String), String>> {
        Some(match self.take_user_reply(id)? {
            CriReply::Exec { exit_code, output } => Ok((exit_code, output)),
            CriReply::Error { message } => Err(message),
            other => Err(format!("unexpected reply from the runtime to ExecSync: {}", other.name())),
        })
    }

    /// Gives up on an exec: a late reply is dropped.
    pub fn abandon_exec(&mut self, id: CallId) {
        self.forget_user_call(id);
    }

    /// Moves the clock to `now` and delivers what is due, for a runtime on
    /// the real clock: its caller waits (for the next wake-up, or for the
    /// runtime's own events such as a process exiting) and then passes
    /// the time it woke at. A time earlier than the driver's is ignored.
    pub fn advance_to(&mut self, now: MonoTime) {
        self.now = self.now.max(now);
        self.settle();
    }
}
