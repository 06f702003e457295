//! The story of a Pod's life: one step per thing a learner would want to
//! see, in time order, each naming its actor and, for data flow, both ends.
//!
//! The trace is runtime-independent. A runtime reports what it did as
//! structured [`Note`]s (a namespace created, a process started, a file
//! written through a volume…); [`Note::step`] turns them into the story's
//! words here, in one place, so the virtual and the real runtime tell the
//! same story in the same words. The driver adds the scheduler's and the
//! kubelet's steps (calls, events, status changes).

mod note;
pub mod story;
mod words;
mod zh;

use serde::Serialize;

use crate::time::MonoTime;

pub use note::{CniAttach, MountOf, Note, NsJoin, NsOwner, Who};
pub use words::{describe_call, one_line, short_id, show_argv, signal_name};

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
    /// Milliseconds since the Pod was created.
    pub at: MonoTime,
    #[serde(flatten)]
    pub actor: Actor,
    pub kind: StepKind,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// The text in 中文, for a runtime's steps (`Note::zh`); the
    /// scheduler's and kubelet's steps are Kubernetes' own words.
    #[serde(skip)]
    pub zh: Option<String>,
}

/// Collects steps, bounded.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    steps: Vec<Step>,
    dropped: usize,
}

/// Most steps kept in one run.
pub const MAX_STEPS: usize = 20_000;

impl Trace {
    pub fn step(&mut self, at: MonoTime, actor: Actor, kind: StepKind, text: String) {
        self.push(Step { at, actor, kind, text, flow: None, zh: None });
    }

    /// A runtime's note, in the story's words.
    pub fn note(&mut self, at: MonoTime, note: &Note) {
        if let Some(step) = note.step(at) {
            self.push(step);
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The steps, moved out (the trace is left empty).
    pub fn take_steps(&mut self) -> Vec<Step> {
        std::mem::take(&mut self.steps)
    }

    /// Steps not kept because the trace was full.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    fn push(&mut self, step: Step) {
        if self.steps.len() >= MAX_STEPS {
            self.dropped += 1;
            return;
        }
        self.steps.push(step);
    }
}
