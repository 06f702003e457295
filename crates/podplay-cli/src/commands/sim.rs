//! `podplay sim`: the Pod's life, step by step.

use std::path::Path;

use k8s_openapi::api::core::v1::{Node, Pod};
use podplay_core::analyze_bytes;
use podplay_core::kubectl::{JsonReport, api_events};
use podplay_core::time::{MonoDuration, MonoTime};
use podplay_sim::{Simulation, Until};

use crate::args::{Output, SimArgs};
use crate::output::Out;

pub fn run(args: &SimArgs) -> u8 {
    let mut out = Out::default();
    let until = match parse_until(args.run.until.as_deref()) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: --until: {e}");
            return 2;
        }
    };
    let (pod, mut nodes) = match read_pod(&args.file) {
        Ok(found) => found,
        Err(code) => return code,
    };
    if let Some(path) = &args.nodes {
        match read_nodes(path) {
            Ok(mut extra) => nodes.append(&mut extra),
            Err(code) => return code,
        }
    }
    if nodes.is_empty() {
        nodes = podplay_core::cluster::default_nodes();
    }
    let mut sim = Simulation::new(&pod, nodes);
    sim.run_until(until);
    if args.run.delete {
        sim.delete(None);
        sim.run_until(Until::Stable);
    }
    if let Some(container) = &args.run.exec {
        return match sim.exec(container, args.run.command.clone()) {
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
    if let Some(container) = &args.run.logs {
        return match sim.logs(container, args.run.previous) {
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
    match args.run.output {
        Output::Json => {
            let report = JsonReport {
                status: serde_json::to_value(&pod.status).unwrap_or_default(),
                events: api_events(&pod, &events, sim.epoch()),
                steps: sim.trace().steps(),
            };
            out.line(&serde_json::to_string(&report).unwrap_or_default());
        }
        Output::Text => {
            let mut story = super::story::Story::default();
            for step in sim.trace().steps() {
                if args.run.verbose || story.shows(step) {
                    out.line(&format!(
                        "{:>9}  {:<12} {}",
                        super::story::format_time(step.at),
                        step.actor.label(),
                        step.text
                    ));
                }
            }
            if story.hidden > 0 {
                out.line(&format!("          ({} routine steps not shown: child processes and repeats of periodic reads, writes and requests; --verbose shows them)", story.hidden));
            }
            if sim.trace().dropped() > 0 {
                out.line(&format!("… {} more steps not shown", sim.trace().dropped()));
            }
            out.line("");
            super::story::kubectl_views(&mut out, &sim);
        }
    }
    out.flush();
    0
}

/// The file's Pod (defaulted and valid) and the Nodes it also holds; a
/// file that is not valid gets `podplay validate`'s report (exit code 1).
pub(crate) fn read_pod(path: &Path) -> Result<(Pod, Vec<Node>), u8> {
    let (name, analysis) = read_valid(path, true)?;
    let nodes: Vec<_> = analysis.valid_nodes().cloned().collect();
    let Some(pod) = analysis.valid_pods().next().cloned() else {
        eprintln!("error: {name}: no Pod to run");
        return Err(2);
    };
    Ok((pod, nodes))
}

fn read_nodes(path: &Path) -> Result<Vec<Node>, u8> {
    let (_, analysis) = read_valid(path, false)?;
    Ok(analysis.valid_nodes().cloned().collect())
}

/// The file read and analysed, if valid; otherwise its diagnostics are
/// printed (with kubectl's summary when `summary`) and the exit code returned.
fn read_valid(path: &Path, summary: bool) -> Result<(String, podplay_core::Analysis), u8> {
    let name = path.to_string_lossy().into_owned();
    let bytes = std::fs::read(path).map_err(|e| {
        eprintln!("error: {name}: {e}");
        2u8
    })?;
    let analysis = analyze_bytes(&bytes);
    if analysis.is_valid() {
        return Ok((name, analysis));
    }
    let mut out = Out::default();
    if summary {
        super::validate::print_text(&mut out, &name, &analysis, false);
    } else {
        for d in &analysis.diagnostics {
            out.line(&d.render(&name));
        }
    }
    out.flush();
    Err(1)
}

/// `Running`, `Ready`, `Succeeded`, `Failed`, or a duration (`30s`, `2m`, `1h`, `500ms`).
pub(crate) fn parse_until(text: Option<&str>) -> Result<Until, String> {
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

pub(crate) fn parse_duration(text: &str) -> Option<MonoDuration> {
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
