//! Simulating every example until it is stable or finished (what the
//! playground does when a learner picks an example), and single steps of a
//! busy Pod (what it does per frame while animating).

use std::path::Path;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use podplay_core::time::{MonoDuration, MonoTime};
use podplay_sim::{Simulation, Until};

fn examples() -> Vec<(String, k8s_openapi::api::core::v1::Pod)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "yaml"));
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let pod = podplay_core::analyze(&text).valid_pods().next()?.clone();
            Some((p.file_stem()?.to_string_lossy().into_owned(), pod))
        })
        .collect()
}

fn simulate(c: &mut Criterion) {
    let nodes = podplay_core::cluster::default_nodes();
    let examples = examples();
    let mut group = c.benchmark_group("simulate-to-stable");
    for (name, pod) in &examples {
        group.bench_with_input(BenchmarkId::from_parameter(name), pod, |b, pod| {
            b.iter(|| {
                let mut sim = Simulation::new(pod, nodes.clone());
                sim.run_until(Until::Stable);
                sim.trace().steps().len()
            })
        });
    }
    group.finish();
    let logging = examples.into_iter().find(|(n, _)| n == "logging-sidecar").map(|(_, p)| p);
    if let Some(pod) = logging {
        // By reference: the timing is the step alone, not dropping the
        // whole simulation afterwards (which the by-value form also timed).
        c.bench_function("step/logging-sidecar", |b| {
            b.iter_batched_ref(
                || {
                    let mut sim = Simulation::new(&pod, nodes.clone());
                    sim.run_until(Until::Time(MonoTime::ZERO + MonoDuration::from_secs(10)));
                    sim
                },
                |sim| sim.step(),
                BatchSize::LargeInput,
            )
        });
    }
}

criterion_group!(benches, simulate);
criterion_main!(benches);
