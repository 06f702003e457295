//! What the kubelet knows about each container of the Pod, and how that
//! becomes a `ContainerStatus`.

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
};

use super::backoff::Backoff;
use super::types::WaitingReason;
use crate::time::{Epoch, MonoTime};

/// Which list a container is in, and how it behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A classic init container: runs to completion, one at a time.
    Init,
    /// An init container with `restartPolicy: Always` (native sidecar).
    Sidecar,
    Regular,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Termination {
    pub exit_code: i32,
    pub reason: String,
    pub message: String,
    pub started_at: Option<MonoTime>,
    pub finished_at: MonoTime,
    pub container_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    Waiting { reason: WaitingReason, message: String },
    Running { started_at: MonoTime },
    Terminated(Termination),
}

/// Probe bookkeeping for one probe of one container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProbeState {
    pub next_at: Option<MonoTime>,
    pub in_flight: bool,
    pub successes: i32,
    pub failures: i32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerRecord {
    pub name: String,
    pub kind: Kind,
    /// Index within `spec.initContainers` or `spec.containers`.
    pub spec_index: usize,
    pub image: String,
    pub state: RunState,
    pub last_state: Option<Termination>,
    /// Instances created so far (the next one's `attempt`).
    pub instances: u32,
    pub ready: bool,
    pub started: bool,
    /// The current instance, once created.
    pub container_id: Option<String>,
    pub image_id: String,
    /// The runtime's full reference of the image, once it has it.
    pub image_reference: Option<String>,
    /// The image's `USER`, from the runtime (for `runAsNonRoot`).
    pub image_user: Option<String>,
    pub backoff: Backoff,
    pub pull_backoff: Backoff,
    /// When the last image pull failed (for `ImagePullBackOff`).
    pub pull_failed_at: Option<MonoTime>,
    /// Retry time after a start failure that is not a crash (`ErrImageNeverPull`).
    pub retry_at: Option<MonoTime>,
    /// Set once the kubelet decided to kill this instance (probe failure,
    /// failed postStart, deletion): the exit that follows is expected.
    pub killing: bool,
    /// The last image pull error (shown with `ImagePullBackOff`).
    pub pull_error: String,
    /// The sync that saw a crash has passed (the next one reports `CrashLoopBackOff`).
    pub backoff_reported: bool,
    pub liveness: ProbeState,
    pub readiness: ProbeState,
    pub startup: ProbeState,
    /// What the API status showed for this container before its newest
    /// instance was created, shown until the PLEG sees that instance
    /// (`seen_at`): a container that crashes within a relist is never
    /// reported Running.
    pub shown: Option<ContainerStatus>,
    pub seen_at: Option<MonoTime>,
}

impl ContainerRecord {
    pub fn new(
        name: &str,
        kind: Kind,
        spec_index: usize,
        image: &str,
        waiting_reason: WaitingReason,
    ) -> ContainerRecord {
        ContainerRecord {
            name: name.to_string(),
            kind,
            spec_index,
            image: image.to_string(),
            state: RunState::Waiting { reason: waiting_reason, message: String::new() },
            last_state: None,
            instances: 0,
            ready: false,
            started: false,
            container_id: None,
            image_id: String::new(),
            image_reference: None,
            image_user: None,
            backoff: Backoff::default(),
            pull_backoff: Backoff::default(),
            pull_failed_at: None,
            retry_at: None,
            killing: false,
            pull_error: String::new(),
            backoff_reported: false,
            liveness: ProbeState::default(),
            readiness: ProbeState::default(),
            startup: ProbeState::default(),
            shown: None,
            seen_at: None,
        }
    }

    /// `spec.containers{web}` / `spec.initContainers{war}`: the event's object.
    pub fn field_path(&self) -> String {
        match self.kind {
            Kind::Regular => format!("spec.containers{{{}}}", self.name),
            Kind::Init | Kind::Sidecar => format!("spec.initContainers{{{}}}", self.name),
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running { .. })
    }

    pub fn termination(&self) -> Option<&Termination> {
        match &self.state {
            RunState::Terminated(t) => Some(t),
            _ => None,
        }
    }

    /// The most recent termination: the current state's, else the last state's.
    pub fn last_termination(&self) -> Option<&Termination> {
        self.termination().or(self.last_state.as_ref())
    }

    pub fn set_waiting(&mut self, reason: WaitingReason, message: String) {
        if let RunState::Terminated(t) = &self.state {
            self.last_state = Some(t.clone());
        }
        self.state = RunState::Waiting { reason, message };
        self.ready = false;
        self.started = false;
    }

    /// The API form of this record.
    pub fn to_api(&self, epoch: Epoch) -> ContainerStatus {
        ContainerStatus {
            name: self.name.clone(),
            // The spec's image until the runtime has a container, then the
            // runtime's name for it.
            image: match (&self.container_id, &self.image_reference) {
                (Some(_), Some(reference)) => reference.clone(),
                _ => self.image.clone(),
            },
            image_id: self.image_id.clone(),
            container_id: self.container_id.as_ref().map(|id| format!("containerd://{id}")),
            ready: self.ready,
            started: Some(self.started),
            restart_count: i32::try_from(self.instances.saturating_sub(1)).unwrap_or(i32::MAX),
            state: Some(state_to_api(&self.state, epoch)),
            last_state: Some(match &self.last_state {
                Some(t) => ContainerState { terminated: Some(termination_to_api(t, epoch)), ..Default::default() },
                None => ContainerState::default(),
            }),
            ..Default::default()
        }
    }
}

fn state_to_api(state: &RunState, epoch: Epoch) -> ContainerState {
    match state {
        RunState::Waiting { reason, message } => ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some(reason.as_str().to_string()),
                message: (!message.is_empty()).then(|| message.clone()),
            }),
            ..Default::default()
        },
        RunState::Running { started_at } => ContainerState {
            running: Some(ContainerStateRunning { started_at: Some(epoch.time(*started_at)) }),
            ..Default::default()
        },
        RunState::Terminated(t) => {
            ContainerState { terminated: Some(termination_to_api(t, epoch)), ..Default::default() }
        }
    }
}

fn termination_to_api(t: &Termination, epoch: Epoch) -> ContainerStateTerminated {
    ContainerStateTerminated {
        exit_code: t.exit_code,
        reason: Some(t.reason.clone()),
        message: (!t.message.is_empty()).then(|| t.message.clone()),
        started_at: t.started_at.map(|at| epoch.time(at)),
        finished_at: Some(epoch.time(t.finished_at)),
        container_id: Some(format!("containerd://{}", t.container_id)),
        signal: None,
    }
}
