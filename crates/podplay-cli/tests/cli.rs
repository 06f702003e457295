//! The `podplay` binary end to end: outputs and exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

fn podplay(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_podplay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const VALID: &str =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n";

#[test]
fn valid_pod_exits_zero() {
    let (code, out, _) = podplay(&["validate", "-"], VALID.as_bytes());
    assert_eq!(code, 0);
    assert_eq!(out, "-: valid (1 Pod, 0 Nodes)\n");
}

#[test]
fn invalid_pod_exits_one_with_located_lines_and_kubectl_summary() {
    let text = VALID.replace("    image: nginx\n", "");
    let (code, out, _) = podplay(&["validate", "-"], text.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "-:7:5: spec.containers[0].image: Required value\nThe Pod \"web\" is invalid: spec.containers[0].image: Required value\n"
    );
}

#[test]
fn json_output_is_one_object_per_file() {
    let text = VALID.replace("image:", "imagee:");
    let (code, out, _) = podplay(&["validate", "--output", "json", "-"], text.as_bytes());
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1);
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["file"], "-");
    assert_eq!(v["valid"], false);
    let d = &v["diagnostics"][0];
    assert_eq!(d["line"], 8);
    assert_eq!(d["column"], 5);
    assert_eq!(d["path"], "spec.containers[0].imagee");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["message"], "strict decoding error: unknown field \"spec.containers[0].imagee\"");
}

#[test]
fn show_defaults_prints_the_stored_pod() {
    let (code, out, _) = podplay(&["validate", "--show-defaults", "-"], VALID.as_bytes());
    assert_eq!(code, 0);
    for line in [
        "  dnsPolicy: ClusterFirst\n",
        "  restartPolicy: Always\n",
        "  schedulerName: default-scheduler\n",
        "  terminationGracePeriodSeconds: 30\n",
        "  enableServiceLinks: true\n",
        "    imagePullPolicy: Always\n",
        "    terminationMessagePath: /dev/termination-log\n",
        "    terminationMessagePolicy: File\n",
        "  securityContext: {}\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn missing_file_and_bad_usage_exit_two() {
    let (code, _, err) = podplay(&["validate", "/nonexistent/pod.yaml"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/pod.yaml"));
    let (code, _, _) = podplay(&["validate"], b"");
    assert_eq!(code, 2);
    let (code, _, _) = podplay(&["frobnicate"], b"");
    assert_eq!(code, 2);
}

#[test]
fn non_utf8_is_a_located_error() {
    let (code, out, _) = podplay(&["validate", "-"], b"apiVersion: v1\nkind: \xff\n");
    assert_eq!(code, 1);
    assert!(out.starts_with("-:2:7: yaml: invalid leading UTF-8 octet"), "{out}");
}

#[test]
fn explain_prints_kubectl_style_docs() {
    let (code, out, _) = podplay(&["explain", "pods.spec.containers.lifecycle.preStop"], b"");
    assert_eq!(code, 0);
    assert!(out.starts_with("KIND:       Pod\nVERSION:    v1\n\nFIELD: preStop <LifecycleHandler>\n"), "{out}");
    let (code, _, err) = podplay(&["explain", "pod.spec.nope"], b"");
    assert_eq!(code, 1);
    assert_eq!(err, "error: field \"nope\" does not exist\n");
}

#[test]
fn explain_recursive() {
    let (code, out, _) = podplay(&["explain", "--recursive", "pod.spec.hostAliases"], b"");
    assert_eq!(code, 0);
    assert!(out.contains("FIELDS:\n  hostnames\t<[]string>\n  ip\t<string> -required-\n"), "{out}");
}

#[test]
fn other_kinds_warn_but_do_not_fail() {
    let text = format!("{VALID}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n");
    let (code, out, _) = podplay(&["validate", "-"], text.as_bytes());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("-:11:7: warning: kind: podplay models Pods and Nodes; this Deployment is skipped"), "{out}");
}
