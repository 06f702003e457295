//! Behaviours the simulator must show as real Kubernetes (kubelet +
//! containerd + runc) and Linux do; each test names the upstream code whose
//! behaviour it restates.

mod common;

use common::*;

fn pod(containers: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  restartPolicy: Never\n  containers:\n{containers}"
    )
}

/// kubelet `ExpandContainerCommandAndArgs`: `$(VAR)` in `args` is the
/// kubelet's, before any shell (the docs' "define a command" page);
/// `$$(VAR)` reaches the process as `$(VAR)`.
#[test]
fn command_and_args_references_are_expanded_by_the_kubelet() {
    let yaml = pod(concat!(
        "  - name: c\n",
        "    image: debian\n",
        "    env:\n",
        "    - {name: MESSAGE, value: hello world}\n",
        "    command: [/bin/echo]\n",
        "    args: ['$(MESSAGE)', '$$(MESSAGE)']\n",
    ));
    let mut sim = start(&yaml);
    sim.run_until(Until::Succeeded);
    assert_eq!(sim.logs("c", false).as_deref(), Some("hello world $(MESSAGE)\n"));
}

/// The docs' dependent-envars Pod prints what its page says.
#[test]
fn dependent_environment_variables_doc_pod() {
    let path =
        format!("{}/../podplay-core/tests/k8s-docs/pods__inject__dependent-envars.yaml", env!("CARGO_MANIFEST_DIR"));
    let mut sim = start(&std::fs::read_to_string(path).unwrap());
    sim.run_until(at(5));
    let logs = sim.logs("dependent-envars-demo", false).unwrap();
    assert!(logs.contains("UNCHANGED_REFERENCE=$(PROTOCOL)://172.17.0.1:80\n"), "{logs}");
    assert!(logs.contains("SERVICE_ADDRESS=https://172.17.0.1:80\n"), "{logs}");
}

/// containerd's env order (`PATH`, `HOSTNAME`, the image's, the kubelet's)
/// and runc's `setupUser`, which adds `HOME` from the image's /etc/passwd
/// (`/` for a user it does not list); `id` names only what /etc/passwd and
/// /etc/group list, and a user it does not list has group 0.
#[test]
fn the_environment_has_home_and_the_kubelets_variables() {
    let yaml = pod(
        "  - name: c\n    image: busybox\n    command: [sleep, 1d]\n  - name: u\n    image: busybox\n    command: [sleep, 1d]\n    securityContext: {runAsUser: 1000}\n",
    );
    let mut sim = start(&yaml);
    sim.run_until(Until::Running);
    let (_, env) = exec(&mut sim, "c", &["env"]);
    for line in [
        "HOME=/root",
        "HOSTNAME=p",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "KUBERNETES_SERVICE_HOST=10.96.0.1",
        "KUBERNETES_PORT_443_TCP_PROTO=tcp",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} in {env}");
    }
    assert_eq!(env.lines().filter(|l| l.starts_with("KUBERNETES_")).count(), 8, "{env}");
    assert_eq!(exec(&mut sim, "c", &["id"]).1, "uid=0(root) gid=0(root) groups=0(root)\n");
    assert_eq!(exec(&mut sim, "u", &["id"]).1, "uid=1000 gid=0(root) groups=0(root)\n");
    assert_eq!(exec(&mut sim, "u", &["sh", "-c", "echo $HOME"]).1, "/\n");
}

/// kubelet `makeEnvironmentVariables`: a ConfigMap that does not exist
/// fails the container with `CreateContainerConfigError`, retried.
#[test]
fn a_missing_configmap_is_create_container_config_error() {
    let yaml = pod(
        "  - name: c\n    image: busybox\n    env:\n    - name: K\n      valueFrom: {configMapKeyRef: {name: special-config, key: k}}\n",
    );
    let mut sim = start(&yaml);
    sim.run_until(at(30));
    assert_eq!(sim.status_column(), "CreateContainerConfigError");
    assert!(
        has_event(&sim, "Warning Failed spec.containers{c}: Error: configmap \"special-config\" not found"),
        "{:?}",
        events(&sim)
    );
}
