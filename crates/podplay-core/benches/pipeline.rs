//! Parse + default + validate, per example: the work the playground redoes
//! on every keystroke. Run with `cargo bench -p podplay-core`.
//!
//! The peer, in the same run: `serde_norway::from_str::<Pod>`, plain serde
//! YAML into the same k8s-openapi type with no locations, no strictness, no
//! defaults and no validation. The ratio says what podplay's extra work costs.

use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "yaml"));
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            Some((name, std::fs::read_to_string(&p).ok()?))
        })
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze");
    // The schema is parsed once per process; keep that out of the figures.
    let _ = podplay_core::schema::schema();
    for (name, text) in examples() {
        let lines = text.lines().count();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new(format!("podplay/{name}"), format!("{lines} lines")),
            &text,
            |b, text| b.iter(|| podplay_core::analyze(std::hint::black_box(text))),
        );
        group.bench_with_input(
            BenchmarkId::new(format!("serde_norway/{name}"), format!("{lines} lines")),
            &text,
            |b, text| b.iter(|| serde_norway::from_str::<k8s_openapi::api::core::v1::Pod>(std::hint::black_box(text))),
        );
    }
    group.finish();
    c.bench_function("schema/parse-embedded", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(include_str!("../data/k8s-schema.json")))
    });
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
