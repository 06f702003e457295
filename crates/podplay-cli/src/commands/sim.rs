//! `podplay sim`: the Pod's life, step by step.

use std::path::Path;

use podplay_core::analyze_bytes;
use podplay_core::kubectl::{JsonReport, api_events};
use podplay_core::time::{MonoDuration, MonoTime};
use podplay_sim::{Simulation, Until};

use crate::args::{Output, SimArgs};
use crate::output::Out;

pub fn run(args: &SimArgs) -> u8 {
    let mut out = Out::default();
    let name = args.file.to_string_lossy().into_owned();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {name}: {e}");
            return 2;
        }
    };
    let until = match parse_until(args.until.as_deref()) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: --until: {e}");
            return 2;
        }
    };
    let analysis = analyze_bytes(&bytes);
    if !analysis.is_valid() {
        // The same report as `podplay validate`.
        super::validate::print_text(&mut out, &name, &analysis, false);
        out.flush();
        return 1;
    }
    let mut nodes: Vec<_> = analysis.valid_nodes().cloned().collect();
    if let Some(path) = &args.nodes {
        match read_nodes(path) {
            Ok(mut extra) => nodes.append(&mut extra),
            Err(code) => return code,
        }
    }
    if nodes.is_empty() {
        nodes = podplay_core::cluster::default_nodes();
    }
    let Some(pod) = analysis.valid_pods().next().cloned() else {
        eprintln!("error: {name}: no Pod to simulate");
        return 2;
    };
    let mut sim = Simulation::new(&pod, nodes);
    sim.run_until(until);
    if args.delete {
        sim.delete(None);
        sim.run_until(Until::Stable);
    }
    if let Some(container) = &args.exec {
        return match sim.exec(container, args.command.clone()) {
            Ok((code, output)) => {
                out.text(&output);
                out.flush();
                u8::try_from(code.clamp(0, 255)).unwrap_or(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        };
    }
    if let Some(container) = &args.logs {
        return match sim.logs(container, args.previous) {
            Ok(text) => {
                out.text(&text);
                out.flush();
                0
            }
            Err(e) => {
                eprintln!("Error from server (BadRequest): {e}");
                1
            }
        };
    }
    let pod = sim.pod();
    let events = sim.events();
    match args.output {
        Output::Json => {
            let report = JsonReport {
                status: serde_json::to_value(&pod.status).unwrap_or_default(),
                events: api_events(&pod, &events, sim.epoch()),
                steps: sim.trace().steps(),
            };
            out.line(&serde_json::to_string(&report).unwrap_or_default());
        }
        Output::Text => {
            let mut story = Story::default();
            for step in sim.trace().steps() {
                if args.verbose || story.shows(step) {
                    out.line(&format!("{:>9}  {:<12} {}", format_time(step.at), step.actor.label(), step.text));
                }
            }
            if story.hidden > 0 {
                out.line(&format!("          ({} routine steps not shown: child processes and repeats of periodic reads, writes and requests; --verbose shows them)", story.hidden));
            }
            if sim.trace().dropped() > 0 {
                out.line(&format!("… {} more steps not shown", sim.trace().dropped()));
            }
            out.line("");
            if sim.is_deleted() {
                // The API server removed the object: kubectl finds nothing.
                // Its last state follows.
                let name = pod.metadata.name.as_deref().unwrap_or("");
                out.line(&format!("Error from server (NotFound): pods \"{name}\" not found"));
                out.line("(the API server removed the Pod; what it last showed:)");
                out.line("");
            }
            out.text(&sim.get_wide());
            out.line("");
            out.text(&sim.describe());
        }
    }
    out.flush();
    0
}

fn read_nodes(path: &Path) -> Result<Vec<k8s_openapi::api::core::v1::Node>, u8> {
    let name = path.to_string_lossy().into_owned();
    let bytes = std::fs::read(path).map_err(|e| {
        eprintln!("error: {name}: {e}");
        2u8
    })?;
    let analysis = analyze_bytes(&bytes);
    if !analysis.is_valid() {
        let mut out = Out::default();
        for d in &analysis.diagnostics {
            out.line(&d.render(&name));
        }
        out.flush();
        return Err(1);
    }
    Ok(analysis.valid_nodes().cloned().collect())
}

/// `Running`, `Ready`, `Succeeded`, `Failed`, or a duration (`30s`, `2m`, `1h`, `500ms`).
fn parse_until(text: Option<&str>) -> Result<Until, String> {
    let Some(text) = text else {
        return Ok(Until::Stable);
    };
    Ok(match text {
        "Running" => Until::Running,
        "Ready" => Until::Ready,
        "Succeeded" => Until::Succeeded,
        "Failed" => Until::Failed,
        "Stable" => Until::Stable,
        d => Until::Time(
            MonoTime::ZERO
                + parse_duration(d)
                    .ok_or_else(|| format!("{d:?} is not Running, Ready, Succeeded, Failed or a duration like 30s"))?,
        ),
    })
}

fn parse_duration(text: &str) -> Option<MonoDuration> {
    let mut total = 0u64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            1
        } else {
            match c {
                'h' => 3_600_000,
                'm' => 60_000,
                's' => 1000,
                _ => return None,
            }
        };
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
        any = true;
    }
    if !number.is_empty() {
        return None;
    }
    any.then_some(MonoDuration(total))
}

fn format_time(t: MonoTime) -> String {
    format!("{}.{:03}s", t.0 / 1000, t.0 % 1000)
}

/// Keeps the default story readable: a container's short-lived child
/// processes (`sleep 1`, `date`) and the third and later repetitions of the
/// same periodic step are left out.
#[derive(Default)]
struct Story {
    seen: std::collections::BTreeMap<(String, String), usize>,
    hidden: usize,
}

impl Story {
    fn shows(&mut self, step: &podplay_core::trace::Step) -> bool {
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
