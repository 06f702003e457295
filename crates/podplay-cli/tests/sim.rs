//! `podplay sim` end to end: the story, the kubectl views, JSON, exec, logs
//! and exit codes.

use std::process::Command;

fn podplay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_podplay"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn text_output_tells_the_story_then_get_and_describe() {
    let (code, out, _) = podplay(&["sim", "examples/war-tomcat-pod.yaml"]);
    assert_eq!(code, 0);
    assert!(out.contains("scheduler    Successfully assigned default/javaweb-2 to node-1"), "{out}");
    assert!(out.contains("runtime      sandbox "), "{out}");
    assert!(out.contains("war          wrote 221 bytes to /app/sample.war (volume app-volume)"), "{out}");
    assert!(out.contains("\nNAME        READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\njavaweb-2   1/1     Running   0 "), "{out}");
    assert!(out.contains("Events:\n  Type    Reason     Age"), "{out}");
    assert!(out.contains("spec.initContainers{war}: Container created"), "{out}");
}

#[test]
fn json_output_has_status_events_and_steps() {
    let (code, out, _) = podplay(&["sim", "examples/pod-failed.yaml", "--output", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["status"]["phase"], "Failed");
    assert_eq!(v["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 1);
    let events = v["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["reason"] == "Started" && e["involvedObject"]["fieldPath"] == "spec.containers{task}")
    );
    assert!(events.iter().all(|e| e["type"].is_string() && e["message"].is_string()));
    assert!(v["steps"].as_array().unwrap().len() > 5);
}

#[test]
fn exec_prints_only_the_commands_output_and_its_status() {
    let (code, out, _) = podplay(&[
        "sim",
        "examples/share-process-namespace.yaml",
        "--until",
        "Ready",
        "--exec",
        "shell",
        "--",
        "sh",
        "-c",
        "ps ax | head -2; exit 3",
    ]);
    assert_eq!(code, 3);
    assert_eq!(out, "PID   USER     TIME  COMMAND\n    1 65535     0:00 /pause\n");
}

#[test]
fn logs_print_a_containers_output() {
    let (code, out, _) = podplay(&["sim", "examples/pod-succeeded.yaml", "--logs", "task"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("working on step 1 of 5\n"), "{out}");
    assert!(out.ends_with("all steps done\n"), "{out}");
}

#[test]
fn until_a_duration_stops_there() {
    let (code, out, _) = podplay(&["sim", "examples/logging-sidecar.yaml", "--until", "5s"]);
    assert_eq!(code, 0);
    assert!(out.contains("logging-sidecar   2/2     Running   0          5s "), "{out}");
}

#[test]
fn delete_follows_termination() {
    let (code, out, _) = podplay(&["sim", "examples/lifecycle-hooks.yaml", "--until", "Ready", "--delete"]);
    assert_eq!(code, 0);
    assert!(out.contains("ExecSync /usr/sbin/nginx -s quit"), "{out}");
    assert!(out.contains("Stopping container lifecycle-demo-container"), "{out}");
}

#[test]
fn nodes_file_replaces_the_default_cluster() {
    // Removed when dropped, on every path.
    let dir = tempfile::tempdir().unwrap();
    let nodes = dir.path().join("nodes.yaml");
    std::fs::write(&nodes, "apiVersion: v1\nkind: Node\nmetadata:\n  name: fast-1\n  labels:\n    disktype: ssd\n")
        .unwrap();
    let (code, out, _) =
        podplay(&["sim", "examples/node-selector.yaml", "--nodes", nodes.to_str().unwrap(), "--until", "Running"]);
    assert_eq!(code, 0);
    assert!(out.contains("Successfully assigned default/"), "{out}");
    assert!(out.contains(" to fast-1"), "{out}");
}

#[test]
fn invalid_spec_exits_one_and_usage_errors_two() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: x\n")
        .unwrap();
    let (code, out, _) = podplay(&["sim", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("spec.containers[0].image: Required value"), "{out}");
    let (code, _, err) = podplay(&["sim", "examples/pod-failed.yaml", "--until", "forever"]);
    assert_eq!(code, 2);
    assert!(err.contains("--until"), "{err}");
    let (code, _, _) = podplay(&["sim"]);
    assert_eq!(code, 2);
}
