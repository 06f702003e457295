//! Golden stories: `podplay sim`'s whole output for two examples, checked in
//! and read by hand against the facts sheets. They guard the story's words
//! across refactorings: a change shows up as a diff to review, not as a
//! silent drift. `PODPLAY_BLESS=1 cargo test -p podplay-cli --test golden`
//! rewrites them after a deliberate change.

use std::path::Path;
use std::process::Command;

fn check(name: &str, args: &[&str]) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new(env!("CARGO_BIN_EXE_podplay")).args(args).current_dir(root).output().unwrap();
    assert!(out.status.success(), "podplay {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    let actual = String::from_utf8(out.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("PODPLAY_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let first = actual.lines().zip(expected.lines()).position(|(a, e)| a != e);
        panic!(
            "{name} differs from the golden file (first different line: {first:?}); \
             review the change and bless it with PODPLAY_BLESS=1\n--- actual ---\n{actual}"
        );
    }
}

#[test]
fn war_sidecar_deleted() {
    check("war-tomcat-pod.delete.txt", &["sim", "examples/war-tomcat-pod.yaml", "--delete"]);
}

#[test]
fn lifecycle_hooks_verbose() {
    check("lifecycle-hooks.verbose.txt", &["sim", "examples/lifecycle-hooks.yaml", "--verbose"]);
}

#[test]
fn lifecycle_hooks_json() {
    check("lifecycle-hooks.json", &["sim", "examples/lifecycle-hooks.yaml", "--output", "json"]);
}
