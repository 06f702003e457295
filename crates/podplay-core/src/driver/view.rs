//! The Pod as the API server would return it, and its events.

use k8s_openapi::api::core::v1::{Pod, PodStatus};

use super::Driver;
use crate::kubelet::events::Event;
use crate::kubelet::types::PodPhase;
use crate::runtime::Runtime;
use crate::time::MonoTime;

impl<R: Runtime> Driver<R> {
    /// The Pod as `kubectl get pod -o yaml` would show it.
    pub fn pod(&self) -> Pod {
        let scheduled = self.outcome.pod_scheduled_condition(&self.epoch.time(MonoTime::ZERO));
        if let Some(n) = &self.node {
            let mut pod = n.kubelet.pod_with_status();
            if let (Some(status), Some(c)) = (&mut pod.status, scheduled) {
                let conditions = status.conditions.get_or_insert_with(Vec::new);
                match conditions.iter_mut().find(|x| x.type_ == "PodScheduled") {
                    Some(existing) => *existing = c,
                    None => conditions.push(c),
                }
            }
            return pod;
        }
        let mut pod = self.pod.clone();
        pod.status = Some(match &self.rejected {
            // Rejected on admission: the kubelet fails the Pod at once.
            Some(rejection) => PodStatus {
                phase: Some(PodPhase::Failed.as_str().into()),
                reason: Some(rejection.reason.clone()),
                message: Some(rejection.status_message()),
                ..Default::default()
            },
            None => PodStatus {
                phase: Some(PodPhase::Pending.as_str().into()),
                conditions: scheduled.map(|c| vec![c]),
                ..Default::default()
            },
        });
        pod
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

    /// The Pod's phase as the API shows it.
    pub fn phase(&self) -> PodPhase {
        self.pod().status.and_then(|s| s.phase).as_deref().and_then(PodPhase::parse).unwrap_or(PodPhase::Pending)
    }

    pub fn is_ready(&self) -> bool {
        self.pod()
            .status
            .and_then(|s| s.conditions)
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    }

    /// `kubectl get pod -o wide` now.
    pub fn get_wide(&self) -> String {
        crate::kubectl::get_wide(&self.pod(), &self.epoch.time(self.now))
    }

    /// `kubectl describe pod` now: the summary lines podplay models, then
    /// the Events table.
    pub fn describe(&self) -> String {
        let events = self.events();
        let mut text =
            crate::kubectl::describe::describe_pod(&self.pod(), &self.epoch.time(self.now), events.is_empty());
        if !events.is_empty() {
            text.push_str(&crate::kubectl::describe_events(&events, self.now));
        }
        text
    }

    /// The STATUS column of `kubectl get pods`.
    pub fn status_column(&self) -> String {
        crate::kubectl::kubectl_status_column(&self.pod())
    }
}
