//! Data-driven: every file in `tests/invalid/` states, in its header, each
//! diagnostic podplay must give (`# expect: LINE:COL PATH: MESSAGE`) and the
//! summary kubectl would print (`# kubectl: …`, for a file named `pod.yaml`).
//! The test fails on any difference, extra or missing line.

use std::path::Path;

use podplay_core::analyze;

#[test]
fn every_invalid_spec_gets_its_exact_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 40, "at least 40 invalid specs, found {}", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let expected: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        let expected_kubectl: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# kubectl: ")).collect();
        assert!(!expected.is_empty(), "{}: no `# expect:` lines", file.display());
        let analysis = analyze(&text);
        assert!(!analysis.is_valid(), "{} should be invalid", file.display());
        let actual: Vec<String> = analysis
            .diagnostics
            .iter()
            .map(|d| format!("{}:{} {}: {}", d.line, d.column, d.path, d.message).trim_end().to_string())
            .collect();
        let summary = analysis.kubectl_summary("pod.yaml");
        let actual_kubectl: Vec<&str> = summary.lines().collect();
        if actual != expected || actual_kubectl != expected_kubectl {
            failures.push(format!(
                "{}:\n  expected {expected:#?}\n  actual   {actual:#?}\n  expected kubectl {expected_kubectl:#?}\n  actual kubectl   {actual_kubectl:#?}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
