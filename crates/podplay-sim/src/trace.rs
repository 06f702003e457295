//! The story of a simulation: one step per thing a learner would want to
//! see, in time order, each naming its actor and, for data flow, both ends.

use serde::Serialize;

use podplay_core::time::SimTime;

/// Who did it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "actor", content = "name", rename_all = "lowercase")]
pub enum Actor {
    Scheduler,
    Kubelet,
    Runtime,
    Kernel,
    /// A process of a container (by Kubernetes container name).
    Container(String),
    /// The outside world (the log store).
    Outside,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::Scheduler => "scheduler".into(),
            Actor::Kubelet => "kubelet".into(),
            Actor::Runtime => "runtime".into(),
            Actor::Kernel => "kernel".into(),
            Actor::Container(name) => name.clone(),
            Actor::Outside => "outside".into(),
        }
    }
}

/// What kind of change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Schedule,
    Call,
    Sandbox,
    Image,
    Container,
    Mount,
    Process,
    Signal,
    Exec,
    Event,
    Status,
    FileWrite,
    FileRead,
    Connect,
    Http,
    Listen,
    Ship,
}

/// Both ends of a data flow (a file through a volume, a request over the
/// network, a log line shipped out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub from: String,
    pub to: String,
    /// The volume, port or store it went through.
    pub via: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Virtual milliseconds since the Pod was created.
    pub at: SimTime,
    #[serde(flatten)]
    pub actor: Actor,
    pub kind: StepKind,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
}

/// Collects steps, bounded.
#[derive(Clone, Debug, Default)]
pub struct Tracer {
    pub steps: Vec<Step>,
    pub dropped: usize,
}

/// Most steps kept in one simulation.
pub const MAX_STEPS: usize = 20_000;

impl Tracer {
    pub fn step(&mut self, at: SimTime, actor: Actor, kind: StepKind, text: String) {
        self.push(Step { at, actor, kind, text, flow: None });
    }

    pub fn flow(&mut self, at: SimTime, actor: Actor, kind: StepKind, text: String, flow: Flow) {
        self.push(Step { at, actor, kind, text, flow: Some(flow) });
    }

    fn push(&mut self, step: Step) {
        if self.steps.len() >= MAX_STEPS {
            self.dropped += 1;
            return;
        }
        self.steps.push(step);
    }
}
