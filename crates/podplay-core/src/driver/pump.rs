//! The pump: at one instant, kubelet calls go to the runtime and replies,
//! exits and notes come back, round after round until nothing changes.

use super::{Driver, MAX_ROUNDS, NodeWorker, next_relist};
use crate::cri::{CallId, Caller, CriCall, CriReply};
use crate::kubectl::kubectl_row;
use crate::kubelet::events::EventType;
use crate::runtime::Runtime;
use crate::time::MonoTime;
use crate::trace::{Actor, StepKind, Trace, describe_call};

impl<R: Runtime> Driver<R> {
    /// Delivers everything due at the current instant until nothing
    /// changes. Call it after acting on the runtime directly.
    pub fn settle(&mut self) {
        let now = self.now;
        let Some(n) = self.node.as_mut() else {
            self.note_status();
            return;
        };
        n.kubelet.handle_timeout(now);
        for _ in 0..MAX_ROUNDS {
            if !n.round(now, &mut self.trace) {
                break;
            }
        }
        n.report_kubelet(now, &mut self.trace);
        self.note_status();
    }

    /// Submits a call of the user's own (`kubectl exec`) and settles.
    pub(super) fn user_call(&mut self, call: CriCall) -> CallId {
        let now = self.now;
        let Some(n) = self.node.as_mut() else {
            return CallId::new(Caller::User, 0);
        };
        let id = CallId::new(Caller::User, n.next_user_call);
        n.next_user_call += 1;
        n.user_calls.push((id, None));
        n.runtime.submit(now, id, call);
        drain_notes(&mut n.runtime, now, &mut self.trace);
        self.settle();
        id
    }

    /// The reply to a user call, once it came; the call is forgotten then.
    pub(super) fn take_user_reply(&mut self, id: CallId) -> Option<CriReply> {
        let n = self.node.as_mut()?;
        let at = n.user_calls.iter().position(|(call, reply)| *call == id && reply.is_some())?;
        n.user_calls.swap_remove(at).1
    }

    /// Gives up on a user call: a late reply is dropped.
    pub(super) fn forget_user_call(&mut self, id: CallId) {
        if let Some(n) = self.node.as_mut() {
            n.user_calls.retain(|(call, _)| *call != id);
        }
    }

    /// Records a step when the kubectl STATUS column changes, and notes
    /// the time of any change (status or events) for `Until::Stable`.
    fn note_status(&mut self) {
        let pod = self.pod();
        let row = kubectl_row(&pod, &self.epoch.time(self.now));
        // The restart count, not its age ("3 (12s ago)"), which changes
        // with every sync.
        let restarts = row.restarts.split(' ').next().unwrap_or("");
        let line = format!("{} {} {restarts}", row.ready, row.status);
        // Only the total matters here: no copy or sort of the event lists.
        let kubelet_events = self.node.iter().flat_map(|n| n.kubelet.events().all());
        let events = self.scheduler_events.all().iter().chain(kubelet_events).map(|e| e.count as usize).sum::<usize>();
        if line != self.last_status || events != self.event_count {
            self.last_change = self.now;
        }
        if line != self.last_status {
            let phase = pod.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
            self.trace.step(
                self.now,
                Actor::Kubelet,
                StepKind::Status,
                format!("kubectl get pod: STATUS {} READY {} (phase {phase})", row.status, row.ready),
            );
            self.last_status = line;
        }
        self.event_count = events;
    }
}

impl<R: Runtime> NodeWorker<R> {
    /// One round at `now`; true when anything happened.
    fn round(&mut self, now: MonoTime, trace: &mut Trace) -> bool {
        let mut progressed = false;
        // What the kubelet did itself comes before the calls that followed it.
        self.report_doings(now, trace);
        while let Some((id, call)) = self.kubelet.poll_call() {
            progressed = true;
            trace.step(now, Actor::Kubelet, StepKind::Call, describe_call(&call));
            self.runtime.submit(now, id, call);
            drain_notes(&mut self.runtime, now, trace);
        }
        progressed |= self.runtime.handle_timeout(now);
        drain_notes(&mut self.runtime, now, trace);
        while let Some((id, reply)) = self.runtime.poll_reply() {
            progressed = true;
            match id.caller {
                Caller::User => {
                    // A reply to a call the user gave up on is dropped.
                    if let Some((_, slot)) = self.user_calls.iter_mut().find(|(call, _)| *call == id) {
                        *slot = Some(reply);
                    }
                }
                Caller::Kubelet => self.kubelet.handle_reply(id, reply, now),
            }
        }
        // The kubelet learns of exits at its next PLEG relist (every second),
        // or at once when it reads the runtime's status to end the Pod.
        while let Some(exit) = self.runtime.poll_exit() {
            progressed = true;
            let due = next_relist(exit.finished_at);
            self.pending_exits.push((due, exit));
        }
        let read_now = self.kubelet.reads_status_now();
        let (due, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.pending_exits).into_iter().partition(|(t, _)| read_now || *t <= now);
        self.pending_exits = later;
        for (_, exit) in due {
            progressed = true;
            self.kubelet.handle_exit(exit, now);
        }
        progressed
    }

    /// The kubelet's own actions (no runtime call) become steps.
    fn report_doings(&mut self, now: MonoTime, trace: &mut Trace) {
        while let Some(doing) = self.kubelet.poll_doing() {
            trace.step(now, Actor::Kubelet, StepKind::Call, doing);
        }
    }

    /// The kubelet's new events and any reply that did not fit its call
    /// become steps.
    fn report_kubelet(&mut self, now: MonoTime, trace: &mut Trace) {
        self.report_doings(now, trace);
        while let Some(error) = self.kubelet.poll_protocol_error() {
            trace.step(now, Actor::Kubelet, StepKind::Status, format!("runtime protocol error: {error}"));
        }
        let events = self.kubelet.events().all();
        for e in &events[self.events_seen.min(events.len())..] {
            let kind = if e.type_ == EventType::Warning { "Warning" } else { "Normal" };
            let object = if e.field_path.is_empty() { String::new() } else { format!("{}: ", e.field_path) };
            trace.step(
                e.first_timestamp.max(now),
                Actor::Kubelet,
                StepKind::Event,
                format!("{kind} {} — {object}{}", e.reason, e.message),
            );
        }
        self.events_seen = events.len();
    }
}

/// The runtime's notes, in the story's words.
fn drain_notes<R: Runtime>(runtime: &mut R, now: MonoTime, trace: &mut Trace) {
    while let Some(note) = runtime.poll_note() {
        trace.note(now, &note);
    }
}
