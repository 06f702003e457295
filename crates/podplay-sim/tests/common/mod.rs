//! What the simulation tests share: examples, a started Pod, kubectl's views.
#![allow(dead_code)]

use podplay_core::analyze;
pub use podplay_core::time::{MonoDuration, MonoTime};
pub use podplay_sim::{Simulation, Until};

pub fn example(name: &str) -> String {
    let path = format!("{}/../../examples/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn start(yaml: &str) -> Simulation {
    let analysis = analyze(yaml);
    assert!(analysis.is_valid(), "{:?}", analysis.diagnostics);
    let pod = analysis.valid_pods().next().expect("a Pod").clone();
    let mut nodes: Vec<_> = analysis.valid_nodes().cloned().collect();
    if nodes.is_empty() {
        nodes = podplay_core::cluster::default_nodes();
    }
    Simulation::new(&pod, nodes)
}

pub fn at(seconds: u64) -> Until {
    Until::Time(MonoTime::ZERO + MonoDuration::from_secs(seconds))
}

pub fn exec(sim: &mut Simulation, container: &str, cmd: &[&str]) -> (i32, String) {
    sim.exec(container, cmd.iter().map(|s| s.to_string()).collect()).unwrap_or_else(|e| panic!("exec failed: {e}"))
}

pub fn events(sim: &Simulation) -> Vec<String> {
    sim.events()
        .iter()
        .map(|e| {
            let object = if e.field_path.is_empty() { String::new() } else { format!("{}: ", e.field_path) };
            format!("{:?} {} {object}{}", e.type_, e.reason, e.message)
        })
        .collect()
}

pub fn has_event(sim: &Simulation, needle: &str) -> bool {
    events(sim).iter().any(|e| e.contains(needle))
}
