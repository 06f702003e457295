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
    assert_eq!(sim.logs("c", false).as_deref(), Ok("hello world $(MESSAGE)\n"));
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

/// kubelet `volumemanager` `WaitForAttachAndMount` and the configmap
/// plugin's `SetUpAt`: a configMap or secret volume whose object does not
/// exist never mounts, so the Pod gets no sandbox and stays
/// ContainerCreating, with `FailedMount` retried with back-off; an
/// optional one mounts empty.
#[test]
fn a_volume_of_a_missing_configmap_or_secret_never_mounts() {
    let yaml = pod("  - name: c\n    image: busybox\n    command: [sleep, '3600']\n")
        + "  volumes:\n  - {name: cfg, configMap: {name: app-config}}\n  - {name: creds, secret: {secretName: db}}\n";
    let mut sim = start(&yaml);
    sim.run_until(at(30));
    assert_eq!(sim.status_column(), "ContainerCreating");
    for message in [
        "Warning FailedMount MountVolume.SetUp failed for volume \"cfg\" : configmap \"app-config\" not found",
        "Warning FailedMount MountVolume.SetUp failed for volume \"creds\" : secret \"db\" not found",
    ] {
        assert!(has_event(&sim, message), "{:?}", events(&sim));
    }
    assert!(sim.trace().steps().iter().all(|s| !s.text.starts_with("RunPodSandbox")), "no sandbox");
    let optional = pod("  - name: c\n    image: busybox\n    command: [sleep, '3600']\n")
        + "  volumes:\n  - {name: cfg, configMap: {name: app-config, optional: true}}\n";
    let mut sim = start(&optional);
    sim.run_until(at(10));
    assert_eq!(sim.status_column(), "Running");
}

/// kubelet `prober/worker.go` `doProbe`: liveness and readiness wait for
/// the startup probe, which keeps probing every period until it succeeds;
/// then readiness runs at once (`UpdatePodStatus` triggers it) and liveness
/// at its worker's next tick.
#[test]
fn a_startup_probe_hands_over_to_readiness_and_liveness() {
    let probe = |kind: &str| {
        format!(
            "    {kind}:\n      exec: {{command: [cat, /tmp/ready]}}\n      periodSeconds: 5\n      failureThreshold: 30\n"
        )
    };
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [sh, -c, 'sleep 22; touch /tmp/ready; sleep 1d']\n{}{}{}",
        probe("startupProbe"),
        probe("livenessProbe"),
        probe("readinessProbe")
    );
    let mut sim = start(&yaml);
    let started = |sim: &Simulation| sim.pod().status.unwrap().container_statuses.unwrap()[0].started;
    sim.run_until(at(24));
    assert_eq!(started(&sim), Some(false));
    assert_eq!(podplay_core::kubectl::kubectl_ready_column(&sim.pod()), "0/1");
    // Startup probes at 5, 10, 15, 20 failed; 25 succeeds; readiness at once.
    sim.run_until(at(25));
    assert_eq!(started(&sim), Some(true));
    assert_eq!(podplay_core::kubectl::kubectl_ready_column(&sim.pod()), "1/1");
    let execs = |sim: &Simulation| sim.trace().steps().iter().filter(|s| s.text == "ExecSync cat /tmp/ready").count();
    assert_eq!(execs(&sim), 6);
    // From 30 s on, liveness and readiness each probe every 5 s.
    sim.run_until(at(40));
    assert_eq!(execs(&sim), 6 + 3 * 2);
    assert_eq!(events(&sim).iter().filter(|e| e.contains("Startup probe failed")).count(), 1, "{:?}", events(&sim));
}

/// kubelet `setTerminationGracePeriod`: a liveness kill uses the probe's
/// own `terminationGracePeriodSeconds` over the Pod's.
#[test]
fn a_liveness_kill_takes_the_probes_grace_period() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  terminationGracePeriodSeconds: 60\n  containers:\n  - name: app\n    image: busybox\n    command: [sh, -c, \"trap '' TERM; sleep 1d\"]\n    livenessProbe:\n      exec: {command: [cat, /tmp/healthy]}\n      periodSeconds: 5\n      failureThreshold: 1\n      terminationGracePeriodSeconds: 3\n";
    let mut sim = start(yaml);
    sim.run_until(at(20));
    let killing = sim.trace().steps().iter().find(|s| s.text.contains("failed liveness probe")).map(|s| s.at).unwrap();
    let status = sim.pod().status.unwrap().container_statuses.unwrap()[0].clone();
    let last = status.last_state.unwrap().terminated.unwrap();
    assert_eq!(last.exit_code, 137);
    let killed =
        sim.trace().steps().iter().find(|s| s.text.starts_with("grace period over: SIGKILL")).map(|s| s.at).unwrap();
    assert_eq!(killed.since(killing), MonoDuration::from_secs(3));
}

/// kubelet `active_deadline.go` `ShouldEvict` and `generateAPIPodStatus`:
/// past `activeDeadlineSeconds` from its start the Pod is Failed with
/// reason `DeadlineExceeded` at once (a Normal event says why), its
/// containers are stopped with the Pod's grace period, and kubectl's STATUS
/// says DeadlineExceeded until the container's own `Error` replaces it.
#[test]
fn active_deadline_fails_the_pod_with_deadline_exceeded() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  activeDeadlineSeconds: 20\n  terminationGracePeriodSeconds: 5\n  containers:\n  - name: app\n    image: busybox\n    command: [sh, -c, 'sleep 1d']\n";
    let mut sim = start(yaml);
    sim.run_until(at(19));
    assert_eq!(sim.status_column(), "Running");
    sim.run_until(at(20));
    let status = sim.pod().status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Failed"));
    assert_eq!(status.reason.as_deref(), Some("DeadlineExceeded"));
    assert_eq!(status.message.as_deref(), Some("Pod was active on the node longer than the specified deadline"));
    assert_eq!(sim.status_column(), "DeadlineExceeded");
    assert!(has_event(&sim, "Normal DeadlineExceeded Pod was active on the node longer than the specified deadline"));
    assert!(has_event(&sim, "Normal Killing spec.containers{app}: Stopping container app"));
    sim.run_until(Until::Stable);
    // sh as PID 1 ignores SIGTERM: SIGKILL after the 5 s grace period.
    let app = sim.pod().status.unwrap().container_statuses.unwrap()[0].clone();
    assert_eq!(app.state.unwrap().terminated.unwrap().exit_code, 137);
    assert_eq!(sim.status_column(), "Error");
    assert_eq!(app.restart_count, 0);
}

/// `GeneratePodInitializedCondition`: a Succeeded Pod says PodCompleted on
/// Initialized, init containers or not.
#[test]
fn a_succeeded_pod_without_init_containers_is_initialized_with_pod_completed() {
    let mut sim = start(&pod("  - name: c\n    image: busybox\n    command: ['true']\n"));
    sim.run_until(Until::Succeeded);
    let conditions = sim.pod().status.unwrap().conditions.unwrap();
    let initialized = conditions.iter().find(|c| c.type_ == "Initialized").unwrap();
    assert_eq!((initialized.status.as_str(), initialized.reason.as_deref()), ("True", Some("PodCompleted")));
}

/// kubelet `validateContainerLogStatus`: during CrashLoopBackOff the
/// container is waiting and `lastState` is the run that just crashed, so
/// `kubectl logs` and `kubectl logs --previous` both show that run.
#[test]
fn logs_previous_during_crash_loop_back_off_is_the_run_that_just_crashed() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [sh, -c, 'echo run at $(date +%s); exit 1']\n";
    let mut sim = start(yaml);
    sim.run_until(at(20));
    assert_eq!(sim.status_column(), "CrashLoopBackOff");
    let restarts = sim.pod().status.unwrap().container_statuses.unwrap()[0].restart_count;
    assert_eq!(restarts, 2);
    let current = sim.logs("app", false).unwrap();
    assert_eq!(sim.logs("app", true).unwrap(), current);
    // It is the third run's log (runs at about 1 s, 1.5 s and 13.5 s on a
    // clock that starts at 1767225600).
    assert_eq!(current, "run at 1767225613\n");
    // Before any restart there is no previous instance.
    let mut fresh = start(&pod("  - name: app\n    image: busybox\n    command: [sleep, 1d]\n"));
    fresh.run_until(at(5));
    assert_eq!(fresh.logs("app", true), Err("previous terminated container \"app\" in pod \"p\" not found".into()));
    assert_eq!(fresh.logs("nope", false), Err("container nope is not valid for pod p".into()));
}

/// The PLEG (`GenericPLEG.relist`, every second) reports a container the
/// kubelet started only at its next relist: one that crashes before it is
/// never shown Running, so a crash loop reads Error, CrashLoopBackOff, …
#[test]
fn a_crash_loop_never_shows_running_between_restarts() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [sh, -c, 'exit 1']\n";
    let mut sim = start(yaml);
    sim.run_until(at(120));
    let statuses: Vec<&str> = sim
        .trace()
        .steps()
        .iter()
        .filter_map(|s| s.text.strip_prefix("kubectl get pod: STATUS "))
        .map(|t| t.split(' ').next().unwrap())
        .collect();
    assert!(!statuses.contains(&"Running"), "{statuses:?}");
    assert_eq!(statuses[..4], ["ContainerCreating", "Error", "Error", "CrashLoopBackOff"]);
}

/// POSIX `wait` ("the reception of a signal for which a trap has been set
/// shall cause wait to return immediately with an exit status >128"), as
/// busybox ash does it: the graceful-shutdown idiom exits on SIGTERM at
/// once, and the Pod is deleted without waiting for SIGKILL.
#[test]
fn a_trapped_sigterm_interrupts_wait() {
    let yaml = pod(
        "  - name: app\n    image: busybox\n    command: [sh, -c, \"trap 'echo got TERM after $?; exit 0' TERM; sleep 1000 & wait; echo not here\"]\n",
    );
    let mut sim = start(&yaml);
    sim.run_until(at(5));
    sim.delete(None);
    sim.run_until(Until::Stable);
    let app = sim.pod().status.unwrap().container_statuses.unwrap()[0].clone();
    let t = app.state.unwrap().terminated.unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (0, Some("Completed")));
    assert_eq!(t.finished_at, Some(sim.epoch().time(MonoTime::ZERO + MonoDuration::from_secs(5))));
    assert_eq!(sim.logs("app", false).unwrap(), "got TERM after 143\n");
    assert_eq!(sim.phase().as_str(), "Succeeded");
}

/// The docs' memory-demo-2 (`stress --vm-bytes 250M` under a 100Mi limit):
/// containerd reports `OOMKilled` with exit code 137 (its TaskOOM handler),
/// the kubelet restarts it with back-off, and kubectl's STATUS says
/// OOMKilled, then CrashLoopBackOff. No event is recorded for the OOM.
#[test]
fn exceeding_the_memory_limit_is_oom_killed() {
    let path = format!(
        "{}/../podplay-core/tests/k8s-docs/pods__resource__memory-request-limit-2.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut sim = start(&std::fs::read_to_string(path).unwrap());
    sim.run_until(at(1));
    assert_eq!(sim.status_column(), "OOMKilled");
    sim.run_until(at(40));
    assert_eq!(sim.status_column(), "CrashLoopBackOff");
    let status = sim.pod().status.unwrap().container_statuses.unwrap()[0].clone();
    let last = status.last_state.unwrap().terminated.unwrap();
    assert_eq!((last.reason.as_deref(), last.exit_code), (Some("OOMKilled"), 137));
    assert!(status.restart_count >= 3);
    assert!(!events(&sim).iter().any(|e| e.contains("OOM")), "{:?}", events(&sim));
    let oom = sim.trace().steps().iter().find(|s| s.text.starts_with("out of memory")).unwrap();
    assert!(oom.text.contains("250 MiB, over its 100 MiB limit"), "{}", oom.text);
    // Under the limit the same program runs.
    let fits = std::fs::read_to_string(format!(
        "{}/../podplay-core/tests/k8s-docs/pods__resource__memory-request-limit.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut sim = start(&fits);
    sim.run_until(at(30));
    assert_eq!(sim.status_column(), "Running");
}

/// What buffers is charged to the cgroup: `dd`'s block, `tail` on a stream
/// without newlines, a shell variable that keeps doubling.
#[test]
fn programs_that_buffer_are_oom_killed_past_the_limit() {
    for (command, victim) in [
        ("dd if=/dev/zero of=/dev/null bs=200M count=1", "dd"),
        ("yes | tr -d '\\n' | tail -n 1", "tail"),
        ("s=x; while true; do s=$s$s; done", "sh"),
    ] {
        let yaml = pod(&format!(
            "  - name: app\n    image: busybox\n    command: [sh, -c, {command:?}]\n    resources:\n      limits:\n        memory: 64Mi\n"
        ));
        let mut sim = start(&yaml);
        sim.run_until(Until::Failed);
        let t = sim.pod().status.unwrap().container_statuses.unwrap()[0].state.clone().unwrap().terminated.unwrap();
        assert_eq!((t.reason.as_deref(), t.exit_code), (Some("OOMKilled"), 137), "{command}");
        let oom = sim.trace().steps().iter().find(|s| s.text.starts_with("out of memory")).unwrap();
        assert!(oom.text.contains(&format!("({victim}, holding")), "{command}: {}", oom.text);
    }
    // Without a limit, dd's 200 MiB block fits the node's 4 GiB.
    let yaml =
        pod("  - name: app\n    image: busybox\n    command: [dd, if=/dev/zero, of=/dev/null, bs=200M, count=1]\n");
    let mut sim = start(&yaml);
    sim.run_until(Until::Succeeded);
    assert!(sim.logs("app", false).unwrap().contains("209715200 bytes (200.0MB) copied"));
}

/// A pipe holds 64 KiB; a writer past that waits for the reader instead of
/// losing data (pipe(7)).
#[test]
fn pipes_carry_more_than_64_kib() {
    let mut sim = start(&pod("  - name: c\n    image: busybox\n    command: [sleep, 1d]\n"));
    sim.run_until(Until::Running);
    assert_eq!(exec(&mut sim, "c", &["sh", "-c", "seq 1 100000 | wc -l"]).1.trim(), "100000");
    let (_, bytes) = exec(&mut sim, "c", &["sh", "-c", "yes 0123456789abcdef | head -n 20000 | cat | wc -c"]);
    assert_eq!(bytes.trim(), "340000");
}

/// kubelet `applyDefaultImageTag` (`reference.ParseNormalizedNamed`): a
/// name that is not a reference is never pulled; the container waits with
/// InvalidImageName and the kubelet says why at every sync.
#[test]
fn an_image_name_that_is_not_a_reference_is_invalid_image_name() {
    for (image, why) in [
        ("NGINX:Latest", "invalid reference format: repository name (library/NGINX) must be lowercase"),
        ("'nginx 1.27'", "invalid reference format"),
        ("nginx:1.27@sha256:abc", "invalid reference format"),
    ] {
        let mut sim = start(&pod(&format!("  - name: c\n    image: {image}\n")));
        sim.run_until(at(30));
        assert_eq!(sim.status_column(), "InvalidImageName", "{image}");
        let shown = image.trim_matches('\'');
        let message =
            format!("Failed to apply default image tag \"{shown}\": couldn't parse image name \"{shown}\": {why}");
        assert!(
            has_event(&sim, &format!("Warning InspectFailed spec.containers{{c}}: {message}")),
            "{:?}",
            events(&sim)
        );
        assert!(has_event(&sim, "Warning Failed spec.containers{c}: Error: InvalidImageName"));
        assert!(!events(&sim).iter().any(|e| e.contains("Pulling")), "{image}");
    }
}

/// What a learner reads inside a container while chasing memory: the
/// cgroup v2 files (`memory.max`, `memory.current`, `memory.events`), a
/// process's `VmRSS`, and `/proc/meminfo`, which shows the node's memory,
/// not the limit (containers do not virtualize it).
#[test]
fn memory_is_visible_from_inside_the_container() {
    let path = format!("{}/../../examples/memory-limit.yaml", env!("CARGO_MANIFEST_DIR"));
    let mut sim = start(&std::fs::read_to_string(path).unwrap());
    sim.run_until(at(10));
    let read = |sim: &mut Simulation, file: &str| exec(sim, "stress", &["cat", file]).1;
    assert_eq!(read(&mut sim, "/sys/fs/cgroup/memory.max"), "104857600\n");
    assert_eq!(read(&mut sim, "/sys/fs/cgroup/memory.current"), "52428800\n");
    assert!(read(&mut sim, "/sys/fs/cgroup/memory.events").contains("oom_kill 0\n"));
    assert!(read(&mut sim, "/proc/2/status").contains("VmRSS:\t   51200 kB\n"));
    assert!(read(&mut sim, "/proc/meminfo").starts_with("MemTotal:        4194304 kB\n"));
    assert_eq!(exec(&mut sim, "stress", &["ls", "/sys/fs/cgroup"]).1, "memory.current\nmemory.events\nmemory.max\n");
    // busybox free reads /proc/meminfo: the node's 4 GiB, not the 100Mi limit.
    let free = exec(&mut sim, "stress", &["free", "-m"]).1;
    assert!(free.lines().nth(1).unwrap().split_whitespace().take(3).eq(["Mem:", "4096", "50"]), "{free}");
}

/// A misspelt official image (`ngnix`) is no repository on Docker Hub:
/// the pull is denied (containerd's resolver error), ErrImagePull, then
/// ImagePullBackOff; it is never run as a stand-in.
#[test]
fn a_misspelt_image_is_denied_by_the_registry() {
    let mut sim = start(&pod("  - name: c\n    image: ngnix:1.27\n"));
    sim.run_until(at(30));
    assert_eq!(sim.status_column(), "ImagePullBackOff");
    assert!(
        has_event(
            &sim,
            "Warning Failed spec.containers{c}: Failed to pull image \"ngnix:1.27\": rpc error: code = Unknown desc = failed to pull and unpack image \"docker.io/library/ngnix:1.27\": failed to resolve reference \"docker.io/library/ngnix:1.27\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
        ),
        "{:?}",
        events(&sim)
    );
    assert_eq!(podplay_sim::images::misspelt("docker.io/library/busyboxx:latest"), Some("busybox"));
    assert_eq!(podplay_sim::images::misspelt("docker.io/library/redis:7"), None);
    assert_eq!(podplay_sim::images::misspelt("docker.io/geektime/ngnix:1"), None);
}

/// The pod strategy's `CheckGracefulDelete`: a Pod no node was bound to is
/// deleted at once (grace period 0); nothing waits for a kubelet.
#[test]
fn deleting_a_pod_that_was_never_scheduled_removes_it_at_once() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  nodeSelector:\n    disktype: nvme\n  containers:\n  - name: c\n    image: busybox\n";
    let mut sim = start(yaml);
    sim.run_until(at(5));
    assert_eq!(sim.status_column(), "Pending");
    assert!(!sim.is_deleted());
    sim.delete(None);
    assert!(sim.is_deleted() && sim.is_finished());
    assert!(
        sim.trace()
            .steps()
            .iter()
            .any(|s| s.text.contains("never bound to a node, so the API server removes it at once"))
    );
}

/// kubelet `startContainer` runs postStart synchronously inside the pod
/// worker's sync, and the next sync waits for a PLEG relist newer than the
/// last (`podCache.GetNewerThan`): a container whose postStart fails is
/// never reported Running, and one whose hook succeeds is Running only
/// from the relist after the hook.
#[test]
fn a_post_start_hook_keeps_the_container_waiting_until_it_returns() {
    let hooked = |script: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [sleep, '3600']\n    lifecycle:\n      postStart:\n        exec:\n          command: [sh, -c, '{script}']\n"
        )
    };
    let statuses = |sim: &Simulation| -> Vec<(u64, String)> {
        sim.trace()
            .steps()
            .iter()
            .filter_map(|s| {
                Some((s.at.0, s.text.strip_prefix("kubectl get pod: STATUS ")?.split(' ').next()?.to_string()))
            })
            .collect()
    };
    let mut failing = start(&hooked("sleep 2; exit 1"));
    failing.run_until(at(40));
    assert!(has_event(&failing, "Warning FailedPostStartHook"), "{:?}", events(&failing));
    let seen = statuses(&failing);
    assert!(seen.iter().all(|(_, s)| s != "Running"), "{seen:?}");
    // `sleep` as PID 1 ignores SIGTERM: the kill waits out the 30 s grace
    // period, and all that time the pod worker is inside the failed start.
    assert_eq!(seen[..2], [(0, "ContainerCreating".to_string()), (33_000, "Error".to_string())]);

    let mut fine = start(&hooked("sleep 2"));
    fine.run_until(at(10));
    let seen = statuses(&fine);
    let running = seen.iter().find(|(_, s)| s == "Running").map(|(t, _)| *t).expect("Running");
    let hook_end =
        fine.trace().steps().iter().find(|s| s.text.contains("exec in app: sh -c sleep 2")).unwrap().at.0 + 2000;
    assert_eq!(running, podplay_core::driver::next_relist(MonoTime(hook_end)).0, "{seen:?}");
}

/// busybox `head -c` takes the suffixes b, k and m (`head_suffixes`), and
/// refuses the rest with the number quoted, as on real Linux.
#[test]
fn head_counts_bytes_with_busybox_suffixes() {
    let mut sim = start(&pod("  - name: c\n    image: busybox\n    command: [sleep, 1d]\n"));
    sim.run_until(Until::Running);
    for (count, bytes) in [("2k", "2048"), ("2b", "1024"), ("1m", "1048576")] {
        let (_, out) = exec(&mut sim, "c", &["sh", "-c", &format!("head -c {count} /dev/zero | wc -c")]);
        assert_eq!(out.trim(), bytes, "{count}");
    }
    let (code, out) = exec(&mut sim, "c", &["sh", "-c", "head -c 2M /dev/zero"]);
    assert_eq!((code, out.as_str()), (1, "head: invalid number '2M'\n"));
}

/// containerd's `WithSeccompProfile`: a Localhost profile the node does
/// not have fails CreateContainer (the virtual node has no profile files);
/// a privileged container never gets a profile, so it runs.
#[test]
fn a_localhost_seccomp_profile_missing_on_the_node_is_create_container_error() {
    let localhost = "    securityContext:\n      seccompProfile: {type: Localhost, localhostProfile: audit.json}\n";
    let mut sim = start(&pod(&format!("  - name: c\n    image: busybox\n    command: [sleep, 1d]\n{localhost}")));
    sim.run_until(Until::Time(podplay_core::time::MonoTime(5_000)));
    assert_eq!(sim.status_column(), "CreateContainerError");
    assert!(has_event(
        &sim,
        "Warning Failed spec.containers{c}: Error: failed to generate seccomp spec opts: cannot load seccomp profile \"/var/lib/kubelet/seccomp/audit.json\": open /var/lib/kubelet/seccomp/audit.json: no such file or directory"
    ));
    let privileged =
        format!("  - name: c\n    image: busybox\n    command: [sleep, 1d]\n{localhost}      privileged: true\n");
    let mut sim = start(&pod(&privileged));
    sim.run_until(Until::Running);
    assert_eq!(sim.status_column(), "Running");
}
