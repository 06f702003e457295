//! Kubernetes Events as the kubelet and the scheduler record them, with the
//! API's aggregation of repeats (`count`, first and last timestamps).

use serde::Serialize;

use crate::time::MonoTime;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EventType {
    Normal,
    Warning,
}

/// One Event (`kubectl describe` shows them; `--output json` prints them).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(rename = "type")]
    pub type_: EventType,
    pub reason: String,
    pub message: String,
    /// `spec.containers{web}`, `spec.initContainers{war}`, or empty for the Pod.
    pub field_path: String,
    /// `kubelet` or `default-scheduler`.
    pub source: String,
    pub first_timestamp: MonoTime,
    pub last_timestamp: MonoTime,
    pub count: u32,
}

/// The Pod's events, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EventLog {
    events: Vec<Event>,
}

impl EventLog {
    /// Records an event; a repeat of an existing one (same type, reason,
    /// message and object) bumps its count, as the API's event correlator does.
    pub fn record(
        &mut self,
        now: MonoTime,
        type_: EventType,
        reason: &str,
        message: String,
        field_path: &str,
        source: &str,
    ) {
        if let Some(e) = self
            .events
            .iter_mut()
            .find(|e| e.type_ == type_ && e.reason == reason && e.message == message && e.field_path == field_path)
        {
            e.count += 1;
            e.last_timestamp = now;
            return;
        }
        self.events.push(Event {
            type_,
            reason: reason.to_string(),
            message,
            field_path: field_path.to_string(),
            source: source.to_string(),
            first_timestamp: now,
            last_timestamp: now,
            count: 1,
        });
    }

    pub fn all(&self) -> &[Event] {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
