//! The simulator apart from the page. The page's first download holds the
//! editor, the spec pipeline and the drawing; the virtual node (podplay-sim,
//! the kubelet, the driver) is a second WebAssembly module in a web worker
//! (`src/bin/podplay-worker.rs`), fetched when the learner first runs a Pod.
//! The two exchange these messages, in `wire`'s form: the page sends the
//! text of the Pod (the worker reads it with the same pipeline, so both
//! pick the same Pod and cluster) and what the learner did to it; the
//! worker answers with the recorded run, a command's output, or the inside
//! of a container at an instant.

use k8s_openapi::api::core::v1::{Node, Pod};
use podplay_core::time::MonoTime;
use podplay_core::trace::Flow;
use podplay_core::trace::story::Told;

use crate::run::{Frame, Inside, Intervention, Run};
use crate::wire::{Reader, Wire, Writer};

mod page;
mod server;

pub use page::{READY, Simulator};
pub use server::Server;

/// The Pod a text is about, and its cluster: the first valid Pod of a
/// valid text; the text's Nodes, or podplay's default three (as for
/// `podplay sim`).
pub fn subject(analysis: &podplay_core::Analysis) -> Option<(Pod, Vec<Node>)> {
    let pod = analysis.valid_pods().next().filter(|_| analysis.is_valid())?;
    let mut nodes: Vec<Node> = analysis.valid_nodes().cloned().collect();
    if nodes.is_empty() {
        nodes = podplay_core::cluster::default_nodes();
    }
    Some((pod.clone(), nodes))
}

/// The run of a Pod: its text, and what the learner did to it and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub text: String,
    pub interventions: Vec<(MonoTime, Intervention)>,
}

/// What the page asks.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Record the run from creation until it is stable or finished.
    Record(Scenario),
    /// Run `sh -c command` in a container at an instant of the run.
    Exec { scenario: Scenario, at: MonoTime, container: String, command: String },
    /// The processes, `/etc/hosts` and log of a container at an instant.
    Inside { scenario: Scenario, at: MonoTime, container: String },
}

impl Request {
    /// Whether this request makes `other`, not sent yet, moot: a newer
    /// recording or inside view replaces an older one; every command runs.
    pub fn replaces(&self, other: &Request) -> bool {
        matches!(
            (self, other),
            (Request::Record(_), Request::Record(_)) | (Request::Inside { .. }, Request::Inside { .. })
        )
    }
}

/// What the worker answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Recorded(Recorded),
    Executed {
        output: String,
        flows: Vec<Flow>,
    },
    Inside(Inside),
    /// It could not be done: the text holds no valid Pod (for the worker),
    /// or the worker could not be started or stopped (for the page).
    Failed(String),
}

/// A recorded run, without what the page already has (the Pod, the
/// cluster, the interventions).
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub steps: Vec<podplay_core::trace::Step>,
    pub frames: Vec<Frame>,
    pub outside: Vec<String>,
    pub told: Vec<Told>,
}

impl Recorded {
    /// The run, with the Pod and cluster the page read from the text.
    pub fn into_run(self, scenario: Scenario, pod: Pod, nodes: Vec<Node>) -> Run {
        Run {
            source: std::rc::Rc::from(scenario.text),
            interventions: scenario.interventions,
            pod,
            nodes,
            steps: self.steps,
            frames: self.frames,
            outside: self.outside,
            told: self.told,
            recorded: true,
        }
    }
}

impl Wire for Scenario {
    fn put(&self, w: &mut Writer) {
        self.text.put(w);
        self.interventions.put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        Some(Scenario { text: Wire::take(r)?, interventions: Wire::take(r)? })
    }
}

impl Wire for Request {
    fn put(&self, w: &mut Writer) {
        match self {
            Request::Record(scenario) => {
                0u8.put(w);
                scenario.put(w);
            }
            Request::Exec { scenario, at, container, command } => {
                1u8.put(w);
                scenario.put(w);
                at.put(w);
                container.put(w);
                command.put(w);
            }
            Request::Inside { scenario, at, container } => {
                2u8.put(w);
                scenario.put(w);
                at.put(w);
                container.put(w);
            }
        }
    }
    fn take(r: &mut Reader) -> Option<Self> {
        Some(match u8::take(r)? {
            0 => Request::Record(Wire::take(r)?),
            1 => Request::Exec {
                scenario: Wire::take(r)?,
                at: Wire::take(r)?,
                container: Wire::take(r)?,
                command: Wire::take(r)?,
            },
            2 => Request::Inside { scenario: Wire::take(r)?, at: Wire::take(r)?, container: Wire::take(r)? },
            _ => return None,
        })
    }
}

impl Wire for Reply {
    fn put(&self, w: &mut Writer) {
        match self {
            Reply::Recorded(recorded) => {
                0u8.put(w);
                recorded.steps.put(w);
                recorded.frames.put(w);
                recorded.outside.put(w);
                recorded.told.put(w);
            }
            Reply::Executed { output, flows } => {
                1u8.put(w);
                output.put(w);
                flows.put(w);
            }
            Reply::Inside(inside) => {
                2u8.put(w);
                inside.put(w);
            }
            Reply::Failed(why) => {
                3u8.put(w);
                why.put(w);
            }
        }
    }
    fn take(r: &mut Reader) -> Option<Self> {
        Some(match u8::take(r)? {
            0 => Reply::Recorded(Recorded {
                steps: Wire::take(r)?,
                frames: Wire::take(r)?,
                outside: Wire::take(r)?,
                told: Wire::take(r)?,
            }),
            1 => Reply::Executed { output: Wire::take(r)?, flows: Wire::take(r)? },
            2 => Reply::Inside(Wire::take(r)?),
            3 => Reply::Failed(Wire::take(r)?),
            _ => return None,
        })
    }
}

/// Answers the state's requests in the test itself, through the wire both
/// ways as in the browser, until none is left.
#[cfg(test)]
pub(crate) fn settle(state: crate::state::State) -> crate::state::State {
    use yew::Reducible;
    let mut state = std::rc::Rc::new(state);
    let mut server = Server::default();
    for _ in 0..100 {
        let Some((id, request)) = state.requests().into_iter().next() else { break };
        let answer = server.answer(&crate::wire::encode(&(id, request))).expect("a request the worker reads");
        let (id, reply) = crate::wire::decode(&answer).expect("an answer the page reads");
        state = state.reduce(crate::state::Action::Simulated(id, reply));
    }
    std::rc::Rc::unwrap_or_clone(state)
}
