//! The story as the terminal prints it: one line per step, routine steps
//! left out unless `--verbose`.

use podplay_core::driver::Driver;
use podplay_core::runtime::Runtime;
use podplay_core::time::MonoTime;

use crate::output::Out;

pub fn format_time(t: MonoTime) -> String {
    format!("{}.{:03}s", t.0 / 1000, t.0 % 1000)
}

/// Keeps the default story readable: a container's short-lived child
/// processes (`sleep 1`, `date`) and the third and later repetitions of the
/// same periodic step are left out.
#[derive(Default)]
pub struct Story {
    seen: std::collections::BTreeMap<(String, String), usize>,
    pub hidden: usize,
}

impl Story {
    pub fn shows(&mut self, step: &podplay_core::trace::Step) -> bool {
        use podplay_core::trace::{Actor, StepKind};
        let routine_process = step.kind == StepKind::Process && matches!(step.actor, Actor::Container(_));
        let repeatable = matches!(
            step.kind,
            StepKind::FileWrite | StepKind::FileRead | StepKind::Connect | StepKind::Http | StepKind::Ship
        );
        let show = if routine_process {
            false
        } else if repeatable {
            let shape: String = step.text.chars().filter(|c| !c.is_ascii_digit()).collect();
            let count = self.seen.entry((step.actor.label(), shape)).or_insert(0);
            *count += 1;
            *count <= 2
        } else {
            true
        };
        if !show {
            self.hidden += 1;
        }
        show
    }
}

/// What both `sim` and `exec` print after the story: `kubectl get -o wide`
/// and `kubectl describe pod`, under kubectl's NotFound when the API
/// server has removed the Pod (its last state follows).
pub fn kubectl_views<R: Runtime>(out: &mut Out, driver: &Driver<R>) {
    if driver.is_deleted() {
        let pod = driver.pod();
        let name = pod.metadata.name.as_deref().unwrap_or("");
        out.line(&format!("Error from server (NotFound): pods \"{name}\" not found"));
        out.line("(the API server removed the Pod; what it last showed:)");
        out.line("");
    }
    out.text(&driver.get_wide());
    out.line("");
    out.text(&driver.describe());
}
