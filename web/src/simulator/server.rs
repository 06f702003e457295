//! The worker's side of the simulator.

use k8s_openapi::api::core::v1::{Node, Pod};

use super::{Recorded, Reply, Request, subject};
use crate::run::Run;

/// The Pod and cluster a text is about, if it is valid.
type Subject = Option<(Pod, Vec<Node>)>;

/// The worker's side: answers requests, keeping the last text's reading
/// (an instant's inside is asked for at every step while playing).
#[derive(Default)]
pub struct Server {
    read: Option<(String, Subject)>,
}

impl Server {
    /// A message in, its answer out (`None`: not a message of ours).
    pub fn answer(&mut self, message: &str) -> Option<String> {
        let (id, request): (u64, Request) = crate::wire::decode(message)?;
        Some(crate::wire::encode(&(id, self.serve(request))))
    }

    fn serve(&mut self, request: Request) -> Reply {
        let scenario = match &request {
            Request::Record(s) | Request::Exec { scenario: s, .. } | Request::Inside { scenario: s, .. } => s,
        };
        let Some((pod, nodes)) = self.read(&scenario.text) else {
            return Reply::Failed("the text holds no valid Pod".into());
        };
        match request {
            Request::Record(s) => {
                let run = Run::record_with(&s.text, &pod, &nodes, s.interventions);
                Reply::Recorded(Recorded { steps: run.steps, frames: run.frames, outside: run.outside, told: run.told })
            }
            Request::Exec { scenario, at, container, command } => {
                let (output, flows) =
                    crate::run::exec_at(&pod, &nodes, &scenario.interventions, at, &container, &command);
                Reply::Executed { output, flows }
            }
            Request::Inside { scenario, at, container } => {
                Reply::Inside(crate::run::inside_at(&pod, &nodes, &scenario.interventions, at, &container))
            }
        }
    }

    fn read(&mut self, text: &str) -> Subject {
        if self.read.as_ref().is_none_or(|(t, _)| t != text) {
            let read = subject(&podplay_core::analyze(text));
            self.read = Some((text.to_string(), read));
        }
        self.read.as_ref().and_then(|(_, read)| read.clone())
    }
}
