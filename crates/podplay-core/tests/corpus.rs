//! Specs that must validate: every file of `examples/` (one per concept of
//! the course), and the real Pod manifests of the Kubernetes documentation
//! (`tests/k8s-docs/`, see its PROVENANCE.md), which the real API server
//! accepts.

use std::path::{Path, PathBuf};

use podplay_core::analyze;

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

fn assert_all_valid(files: &[PathBuf]) {
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let analysis = analyze(&text);
        if !analysis.is_valid() || analysis.valid_pods().count() == 0 {
            let name = file.display().to_string();
            let lines: Vec<String> = analysis.diagnostics.iter().map(|d| d.render(&name)).collect();
            failures.push(format!("{name}: no valid Pod\n{}", lines.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_example_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let files = yaml_files(&dir);
    assert!(files.len() >= 13, "one example per concept of the course: {}", files.len());
    assert_all_valid(&files);
}

#[test]
fn kubernetes_documentation_pods_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/k8s-docs");
    let files = yaml_files(&dir);
    assert!(files.len() >= 30, "the docs corpus: {}", files.len());
    assert_all_valid(&files);
}
