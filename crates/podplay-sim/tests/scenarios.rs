//! What a learner observes, for every concept of the course: each test
//! simulates a Pod and checks what `kubectl` (get, describe, logs, exec)
//! would show, and what the trace tells.

mod common;

use common::*;
use podplay_core::trace::StepKind;

#[test]
fn the_infra_container_comes_first_and_owns_the_shared_namespaces() {
    let mut sim = start(&example("nginx-pod"));
    sim.run_until(Until::Ready);
    // The first runtime action is the sandbox, before any container.
    let first_container = sim.trace().steps().iter().position(|s| s.kind == StepKind::Container).unwrap();
    let sandbox = sim.trace().steps().iter().position(|s| s.kind == StepKind::Sandbox).unwrap();
    assert!(sandbox < first_container);
    let (_, nginx) = exec(
        &mut sim,
        "nginx-container",
        &["sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/uts /proc/self/ns/pid"],
    );
    let (_, debian) = exec(
        &mut sim,
        "debian-container",
        &["sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/uts /proc/self/ns/pid"],
    );
    let n: Vec<&str> = nginx.lines().collect();
    let d: Vec<&str> = debian.lines().collect();
    assert_eq!(n.len(), 4, "{nginx}");
    assert_eq!(&n[..3], &d[..3], "net, ipc and uts are shared");
    assert_ne!(n[3], d[3], "each container has its own PID namespace");
    assert!(n[0].starts_with("net:[40265"), "{}", n[0]);
    // And they are the pause container's.
    let pause = sim.containerd().unwrap().sandboxes().next().unwrap().ns;
    assert_eq!(n[0], format!("net:[{}]", pause.net));
    assert_eq!(n[1], format!("ipc:[{}]", pause.ipc));
    assert_eq!(n[2], format!("uts:[{}]", pause.uts));
}

#[test]
fn host_path_volume_written_by_one_container_is_served_by_nginx_over_localhost() {
    let mut sim = start(&example("nginx-pod"));
    sim.run_until(Until::Ready);
    assert_eq!(sim.status_column(), "Running");
    let (code, page) = exec(&mut sim, "nginx-container", &["curl", "-s", "http://localhost/"]);
    assert_eq!((code, page.as_str()), (0, "Hello from the debian container\n"));
    // The write and the read through the volume are both in the trace.
    let writes = sim
        .trace()
        .steps()
        .iter()
        .filter(|s| s.kind == StepKind::FileWrite && s.text.contains("/pod-data/index.html"))
        .count();
    let reads =
        sim.trace().steps().iter().filter(|s| s.kind == StepKind::FileRead && s.text.contains("index.html")).count();
    assert!(writes >= 1 && reads >= 1, "writes {writes}, reads {reads}");
    let flow = sim.trace().steps().iter().find(|s| s.kind == StepKind::FileRead).and_then(|s| s.flow.clone()).unwrap();
    assert_eq!((flow.from.as_str(), flow.to.as_str()), ("volume shared-data", "nginx-container"));
    // nginx logged the request in its access log (stdout).
    let log = sim.logs("nginx-container", false).unwrap();
    assert!(log.contains("\"GET / HTTP/1.1\" 200"), "{log}");
}

#[test]
fn war_and_tomcat_the_init_container_copies_the_war_then_tomcat_serves_it() {
    let mut sim = start(&example("war-tomcat-pod"));
    sim.run_until(Until::Ready);
    let pod = sim.pod();
    let status = pod.status.unwrap();
    let init = &status.init_container_statuses.unwrap()[0];
    let done = init.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!((done.exit_code, done.reason.as_deref()), (0, Some("Completed")));
    // Tomcat started only after the init container finished.
    let war_exit = sim.trace().steps().iter().position(|s| s.text == "container war exited with code 0").unwrap();
    let tomcat_start = sim.trace().steps().iter().position(|s| s.text.starts_with("started tomcat")).unwrap();
    assert!(war_exit < tomcat_start);
    sim.run_until(at(15));
    let (code, page) = exec(&mut sim, "tomcat", &["curl", "-s", "http://localhost:8080/sample/"]);
    assert_eq!(code, 0);
    assert!(page.contains("served by Tomcat from sample.war"), "{page}");
    let log = sim.logs("tomcat", false).unwrap();
    assert!(
        log.contains("Deploying web application archive [/root/apache-tomcat-7.0.42-v2/webapps/sample.war]"),
        "{log}"
    );
}

#[test]
fn logging_sidecar_lines_reach_the_sidecar_and_the_outside_store() {
    let mut sim = start(&example("logging-sidecar"));
    sim.run_until(at(10));
    let shipper = sim.logs("log-shipper", false).unwrap();
    assert!(shipper.contains("INFO request 0 handled"), "{shipper}");
    assert!(shipper.contains("INFO request 5 handled"), "{shipper}");
    let store = sim.outside_store();
    assert!(store.len() >= 6, "{store:?}");
    assert!(store[0].ends_with("INFO request 0 handled"), "{store:?}");
    assert!(sim.trace().steps().iter().any(|s| {
        // The logs flow out: from the shipper to the store.
        s.kind == StepKind::Ship && s.flow.as_ref().is_some_and(|f| f.from == "log-shipper" && f.to == "elasticsearch")
    }));
}

#[test]
fn network_sidecar_talks_to_nginx_over_localhost() {
    let mut sim = start(&example("network-sidecar"));
    sim.run_until(at(15));
    let containers: Vec<String> = sim.pod().spec.unwrap().containers.iter().map(|c| c.name.clone()).collect();
    let sidecar = containers.iter().find(|c| c.as_str() != "nginx").unwrap().clone();
    let log = sim.logs(&sidecar, false).unwrap();
    assert!(log.contains("Welcome to nginx!"), "{log}");
    let connect = sim.trace().steps().iter().find(|s| s.kind == StepKind::Connect).unwrap();
    assert!(connect.text.contains("127.0.0.1:80 over the Pod's shared network namespace"), "{}", connect.text);
}

#[test]
fn node_selector_schedules_on_the_ssd_node() {
    let mut sim = start(&example("node-selector"));
    sim.run_until(Until::Running);
    assert_eq!(sim.pod().spec.unwrap().node_name.as_deref(), Some("node-1"));
    assert!(has_event(&sim, "Normal Scheduled Successfully assigned default/"));
}

#[test]
fn node_selector_that_no_node_matches_is_unschedulable() {
    let yaml = example("node-selector").replace("disktype: ssd", "disktype: nvme");
    let mut sim = start(&yaml);
    sim.run_until(Until::Stable);
    assert_eq!(sim.status_column(), "Pending");
    let message = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.";
    let e = events(&sim);
    assert!(e.iter().any(|e| e.starts_with("Warning FailedScheduling ") && e.contains(message)), "{e:?}");
    let cond = sim.pod().status.unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "PodScheduled").unwrap();
    assert_eq!((cond.status.as_str(), cond.reason.as_deref()), ("False", Some("Unschedulable")));
    assert!(cond.message.unwrap().starts_with(message));
}

#[test]
fn node_name_bypasses_the_scheduler() {
    let mut sim = start(&example("node-name"));
    sim.run_until(Until::Running);
    assert_eq!(sim.pod().spec.unwrap().node_name.as_deref(), Some("node-2"));
    assert!(!has_event(&sim, "Scheduled"), "{:?}", events(&sim));
    assert_eq!(sim.phase(), "Running");
}

#[test]
fn host_aliases_are_in_etc_hosts_exactly_as_the_kubelet_writes_them() {
    let mut sim = start(&example("host-aliases"));
    sim.run_until(Until::Stable);
    let ip = sim.pod().status.unwrap().pod_ip.unwrap();
    let log = sim.logs("cat-hosts", false).unwrap();
    let expected = format!(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{ip}\thost-aliases\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.remote\tbar.remote\n"
    );
    assert_eq!(log, expected);
    assert_eq!(sim.status_column(), "Completed");
}

#[test]
fn share_process_namespace_ps_shows_pause_as_pid_1_and_nginx() {
    let mut sim = start(&example("share-process-namespace"));
    sim.run_until(Until::Ready);
    let (code, ps) = exec(&mut sim, "shell", &["ps", "ax"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = ps.lines().collect();
    assert_eq!(lines[0], "PID   USER     TIME  COMMAND");
    assert_eq!(lines[1], "    1 65535     0:00 /pause");
    assert!(lines.iter().any(|l| l.ends_with(" root      0:00 nginx: master process nginx -g daemon off;")), "{ps}");
    assert!(lines.iter().any(|l| l.ends_with(" 101       0:00 nginx: worker process")), "{ps}");
    assert!(lines.iter().any(|l| l.ends_with(" root      0:00 sh")), "{ps}");
    assert!(lines.last().unwrap().ends_with(" root      0:00 ps ax"), "{ps}");
}

#[test]
fn without_share_process_namespace_each_container_sees_only_itself() {
    let yaml =
        example("share-process-namespace").replace("shareProcessNamespace: true", "shareProcessNamespace: false");
    let mut sim = start(&yaml);
    sim.run_until(Until::Ready);
    let (_, ps) = exec(&mut sim, "shell", &["ps", "ax"]);
    assert_eq!(ps, "PID   USER     TIME  COMMAND\n    1 root      0:00 sh\n    2 root      0:00 ps ax\n");
}

#[test]
fn host_namespaces_show_the_nodes_interfaces_processes_and_hosts_file() {
    let mut sim = start(&example("host-namespaces"));
    sim.run_until(Until::Ready);
    let (_, ip) = exec(&mut sim, "shell", &["ip", "addr"]);
    assert!(ip.contains("inet 192.168.49.2/24"), "{ip}");
    let (_, ps) = exec(&mut sim, "shell", &["ps", "ax"]);
    assert!(ps.contains("    1 root      0:00 /sbin/init\n"), "{ps}");
    assert!(ps.contains("/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml"), "{ps}");
    assert!(ps.contains("/pause"), "{ps}");
    let (_, hosts) = exec(&mut sim, "shell", &["cat", "/etc/hosts"]);
    assert!(hosts.starts_with("# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n"), "{hosts}");
    let (_, hostname) = exec(&mut sim, "shell", &["hostname"]);
    assert_eq!(hostname, "node-1\n");
    assert_eq!(sim.pod().status.unwrap().pod_ip.as_deref(), Some("192.168.49.2"));
}

#[test]
fn post_start_writes_the_message_and_pre_stop_quits_nginx_on_delete() {
    let mut sim = start(&example("lifecycle-hooks"));
    sim.run_until(Until::Ready);
    let (_, message) = exec(&mut sim, "lifecycle-demo-container", &["cat", "/usr/share/message"]);
    assert_eq!(message, "Hello from the postStart handler\n");
    sim.delete(None);
    // preStop's `nginx -s quit` ends nginx at once; the kubelet reads the
    // runtime's status right after StopContainer and stops the sandbox:
    // pause is gone at the same instant, the Pod shows its terminal phase
    // until it is removed.
    assert_eq!(sim.status_column(), "Completed");
    let stop = sim.trace().steps().iter().position(|s| s.text.starts_with("StopPodSandbox"));
    let exited =
        sim.trace().steps().iter().position(|s| s.text.starts_with("container lifecycle-demo-container exited"));
    assert!(stop.is_some() && stop > exited, "the sandbox stops after the container");
    assert_eq!(sim.trace().steps()[stop.unwrap()].at, sim.now());
    assert!(!sim.is_deleted(), "the API object goes at the next relist");
    sim.run_until(Until::Stable);
    assert!(sim.is_deleted());
    assert!(has_event(
        &sim,
        "Normal Killing spec.containers{lifecycle-demo-container}: Stopping container lifecycle-demo-container"
    ));
    assert!(!has_event(&sim, "FailedPreStopHook"));
    // nginx -s quit made nginx exit by itself, well within the grace period.
    let exit =
        sim.trace().steps().iter().find(|s| s.text.starts_with("container lifecycle-demo-container exited")).unwrap();
    assert_eq!(exit.text, "container lifecycle-demo-container exited with code 0");
    assert!(exit.at < MonoTime::ZERO + MonoDuration::from_secs(30));
    assert!(sim.is_finished());
}

#[test]
fn a_failing_post_start_kills_and_restarts_the_container() {
    let yaml =
        example("lifecycle-hooks").replace("echo Hello from the postStart handler > /usr/share/message", "exit 3");
    let mut sim = start(&yaml);
    sim.run_until(at(30));
    assert!(
        has_event(&sim, "Warning FailedPostStartHook spec.containers{lifecycle-demo-container}: PostStartHook failed"),
        "{:?}",
        events(&sim)
    );
    let restarts = sim.pod().status.unwrap().container_statuses.unwrap()[0].restart_count;
    assert!(restarts >= 1, "restarts {restarts}");
}

#[test]
fn image_pull_policies() {
    let mut sim = start(&example("container-fields"));
    sim.run_until(Until::Ready);
    let e = events(&sim);
    // Always: pulls even though the image is cached; IfNotPresent and Never use it.
    assert!(e.iter().any(|e| e == "Normal Pulling spec.containers{web}: Pulling image \"nginx:1.27\""), "{e:?}");
    assert!(
        e.iter().any(|e| e
            == "Normal Pulled spec.containers{reader}: Container image \"busybox:1.36\" already present on machine and can be accessed by the pod"),
        "{e:?}"
    );
    // Never with a missing image: ErrImageNeverPull.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: never\nspec:\n  containers:\n  - name: app\n    image: redis:7\n    imagePullPolicy: Never\n";
    let mut sim = start(yaml);
    sim.run_until(at(30));
    assert_eq!(sim.status_column(), "ErrImageNeverPull");
    assert!(has_event(
        &sim,
        "Warning ErrImageNeverPull spec.containers{app}: Container image \"redis:7\" is not present with pull policy of Never"
    ));
    assert!(has_event(&sim, "Warning Failed spec.containers{app}: Error: ErrImageNeverPull"));
}

#[test]
fn a_missing_image_goes_err_image_pull_then_image_pull_back_off() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:nope\n";
    let mut sim = start(yaml);
    sim.run_until(at(1));
    assert_eq!(sim.status_column(), "ErrImagePull");
    sim.run_until(at(5));
    assert_eq!(sim.status_column(), "ImagePullBackOff");
    let e = events(&sim);
    assert!(
        e.iter().any(|e| e.starts_with(
            "Warning Failed spec.containers{web}: Failed to pull image \"nginx:nope\": rpc error: code = NotFound"
        )),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e.starts_with("Normal BackOff spec.containers{web}: Back-off pulling image \"nginx:nope\": ErrImagePull: rpc error: code = NotFound")),
        "{e:?}"
    );
}

#[test]
fn restart_policy_never_ends_succeeded_or_failed_with_the_exit_code() {
    let mut ok = start(&example("pod-succeeded"));
    ok.run_until(Until::Stable);
    assert_eq!((ok.phase().as_str(), ok.status_column().as_str()), ("Succeeded", "Completed"));
    let mut bad = start(&example("pod-failed"));
    bad.run_until(Until::Stable);
    assert_eq!((bad.phase().as_str(), bad.status_column().as_str()), ("Failed", "Error"));
    let status = bad.pod().status.unwrap().container_statuses.unwrap()[0].clone();
    let t = status.state.unwrap().terminated.unwrap();
    assert_eq!(t.exit_code, 1);
    // FallbackToLogsOnError: the log becomes the termination message.
    assert!(t.message.unwrap().contains("error: database is unreachable, giving up"));
}

#[test]
fn crash_loop_back_off_follows_the_kubelet_sequence() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: crash\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"echo starting; exit 1\"]\n";
    let mut sim = start(yaml);
    sim.run_until(at(200));
    // Container starts: the first restart is immediate, then 10s, 20s, 40s, 80s.
    let starts: Vec<u64> =
        sim.trace().steps().iter().filter(|s| s.text.starts_with("started app:")).map(|s| s.at.0).collect();
    let first = starts[0];
    let gaps: Vec<u64> = starts.windows(2).map(|w| (w[1] - w[0]) / 1000).collect();
    // The kubelet notices an exit at its next relist (≤ 1 s), reports the
    // back-off in the sync after, and retries that failed sync every 10 s
    // (the pod worker's back-off period): a restart waits for the first
    // retry after the container's back-off, at most 10 s more.
    for (gap, expected) in gaps.iter().zip([0, 10, 20, 40, 80]) {
        assert!((expected..=expected + 12).contains(gap), "gaps {gaps:?}, starts at {starts:?} (first {first})");
    }
    // `doBackOff` records BackOff at every one of those syncs.
    let backoffs = sim.events().iter().find(|e| e.reason == "BackOff").map_or(0, |e| e.count);
    assert!(backoffs >= 15, "{backoffs}");
    assert_eq!(sim.status_column(), "CrashLoopBackOff");
    let status = sim.pod().status.unwrap().container_statuses.unwrap()[0].clone();
    let waiting = status.state.unwrap().waiting.unwrap();
    assert!(waiting.message.unwrap().starts_with("back-off 2m40s restarting failed container=app pod=crash_default("));
    assert_eq!(status.last_state.unwrap().terminated.unwrap().exit_code, 1);
    assert!(has_event(
        &sim,
        "Warning BackOff spec.containers{app}: Back-off restarting failed container app in pod crash_default("
    ));
}

#[test]
fn a_failing_init_container_shows_init_error_then_init_crash_loop_back_off() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: init-fails\nspec:\n  initContainers:\n  - name: setup\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"exit 2\"]\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sleep\", \"3600\"]\n";
    let mut sim = start(yaml);
    let mut seen = Vec::new();
    for s in 1..40 {
        sim.run_until(at(s));
        let status = sim.status_column();
        if seen.last() != Some(&status) {
            seen.push(status);
        }
    }
    assert!(seen.contains(&"Init:Error".to_string()), "{seen:?}");
    assert!(seen.contains(&"Init:CrashLoopBackOff".to_string()), "{seen:?}");
    assert_eq!(sim.phase(), "Pending");
    // With restartPolicy Never, the Pod fails instead.
    let mut never = start(&yaml.replace("spec:\n", "spec:\n  restartPolicy: Never\n"));
    never.run_until(Until::Stable);
    assert_eq!((never.phase().as_str(), never.status_column().as_str()), ("Failed", "Init:Error"));
}

#[test]
fn delete_a_shell_that_ignores_sigterm_waits_for_the_grace_period_then_sigkill() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleepy\nspec:\n  terminationGracePeriodSeconds: 10\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"sleep 3600\"]\n";
    let mut sim = start(yaml);
    sim.run_until(Until::Ready);
    let deleted_at = sim.now();
    sim.delete(None);
    assert_eq!(sim.status_column(), "Terminating");
    sim.run_until(Until::Stable);
    // PID 1 of the container ignores SIGTERM (no handler): SIGKILL after the grace period, exit 137.
    let exit = sim.trace().steps().iter().find(|s| s.text.starts_with("container app exited")).unwrap();
    assert_eq!(exit.text, "container app exited with code 137");
    assert_eq!(exit.at.since(deleted_at), MonoDuration::from_secs(10));
    assert!(sim.trace().steps().iter().any(|s| s.text == "grace period over: SIGKILL to app"));
    assert!(sim.is_finished());
}

#[test]
fn delete_a_shell_with_a_trap_exits_on_sigterm() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: polite\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"trap 'echo bye; exit 0' TERM; while true; do sleep 1; done\"]\n";
    let mut sim = start(yaml);
    sim.run_until(Until::Ready);
    let deleted_at = sim.now();
    sim.delete(None);
    sim.run_until(Until::Stable);
    let exit = sim.trace().steps().iter().find(|s| s.text.starts_with("container app exited")).unwrap();
    assert_eq!(exit.text, "container app exited with code 0");
    assert!(exit.at.since(deleted_at) <= MonoDuration::from_secs(1));
    assert_eq!(sim.logs("app", false).unwrap(), "bye\n");
}

#[test]
fn the_same_input_gives_the_same_trace() {
    let run = || {
        let mut sim = start(&example("logging-sidecar"));
        sim.run_until(at(20));
        serde_json::to_string(sim.trace().steps()).unwrap()
    };
    assert_eq!(run(), run());
}

#[test]
fn while_true_without_sleep_does_not_hang() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: busy\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"while true; do :; done\"]\n";
    let mut sim = start(yaml);
    sim.run_until(at(5));
    assert_eq!(sim.status_column(), "Running");
}

#[test]
fn native_sidecar_starts_before_the_app_and_keeps_running() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: with-sidecar\nspec:\n  initContainers:\n  - name: logshipper\n    image: busybox:1.36\n    restartPolicy: Always\n    command: [\"sh\", \"-c\", \"while true; do sleep 5; done\"]\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"echo working; sleep 3600\"]\n";
    let mut sim = start(yaml);
    sim.run_until(Until::Ready);
    assert_eq!(sim.status_column(), "Running");
    let status = sim.pod().status.unwrap();
    // READY counts the sidecar: 2/2.
    assert_eq!(podplay_core::kubectl::kubectl_ready_column(&sim.pod()), "2/2");
    let sidecar = &status.init_container_statuses.unwrap()[0];
    assert!(sidecar.state.as_ref().unwrap().running.is_some());
    let sidecar_start = sim.trace().steps().iter().position(|s| s.text.starts_with("started logshipper")).unwrap();
    let app_start = sim.trace().steps().iter().position(|s| s.text.starts_with("started app")).unwrap();
    assert!(sidecar_start < app_start);
}

#[test]
fn readiness_probe_gates_ready_and_liveness_failure_restarts() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: probed\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    readinessProbe:\n      httpGet:\n        path: /\n        port: 80\n      initialDelaySeconds: 5\n      periodSeconds: 5\n    livenessProbe:\n      exec:\n        command: [\"cat\", \"/tmp/healthy\"]\n      initialDelaySeconds: 5\n      periodSeconds: 5\n";
    let mut sim = start(yaml);
    sim.run_until(at(3));
    // Running but not yet ready: the first readiness probe has not passed.
    assert_eq!(podplay_core::kubectl::kubectl_ready_column(&sim.pod()), "0/1");
    // nginx started at 2.6 s: the readiness worker, ticking every 5 s since
    // the Pod was added, first probes at 10 s (7.6 s is within the delay).
    sim.run_until(at(9));
    assert_eq!(podplay_core::kubectl::kubectl_ready_column(&sim.pod()), "0/1");
    sim.run_until(at(10));
    assert_eq!(podplay_core::kubectl::kubectl_ready_column(&sim.pod()), "1/1");
    assert!(sim.is_ready());
    // /tmp/healthy does not exist: liveness fails 3 times, then the kubelet restarts the container.
    sim.run_until(at(40));
    assert!(
        has_event(
            &sim,
            "Warning Unhealthy spec.containers{web}: Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"
        ),
        "{:?}",
        events(&sim)
    );
    assert!(
        has_event(&sim, "Normal Killing spec.containers{web}: Container web failed liveness probe, will be restarted"),
        "{:?}",
        events(&sim)
    );
    let restarts = sim.pod().status.unwrap().container_statuses.unwrap()[0].restart_count;
    assert!(restarts >= 1);
}

#[test]
fn resolv_conf_and_hostname_are_the_kubelets() {
    let mut sim = start(&example("share-process-namespace"));
    sim.run_until(Until::Ready);
    let (_, resolv) = exec(&mut sim, "shell", &["cat", "/etc/resolv.conf"]);
    assert_eq!(
        resolv,
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
    );
    let (_, hostname) = exec(&mut sim, "shell", &["hostname"]);
    assert_eq!(hostname, "nginx\n");
    let (_, hostname_file) = exec(&mut sim, "shell", &["cat", "/etc/hostname"]);
    assert_eq!(hostname_file, "nginx\n");
}

#[test]
fn a_deleted_pod_ends_in_a_terminal_phase() {
    let mut sim = start(&example("lifecycle-hooks"));
    sim.run_until(Until::Ready);
    sim.delete(None);
    sim.run_until(Until::Stable);
    assert_eq!(sim.phase(), "Succeeded", "nginx -s quit: every container exited 0");
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleepy\nspec:\n  terminationGracePeriodSeconds: 3\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"sleep 3600\"]\n";
    let mut sim = start(yaml);
    sim.run_until(Until::Ready);
    sim.delete(None);
    sim.run_until(Until::Stable);
    assert_eq!(sim.phase(), "Failed", "SIGKILL: exit 137");
}

#[test]
fn node_name_with_a_node_selector_the_node_lacks_is_rejected_by_the_kubelet() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pinned\nspec:\n  nodeName: node-2\n  nodeSelector:\n    disktype: ssd\n  containers:\n  - name: app\n    image: nginx:1.27\n";
    let mut sim = start(yaml);
    sim.run_until(Until::Stable);
    assert_eq!((sim.phase().as_str(), sim.status_column().as_str()), ("Failed", "NodeAffinity"));
    let status = sim.pod().status.unwrap();
    assert!(status.message.unwrap().starts_with("Pod was rejected: Predicate NodeAffinity failed"));
    assert!(has_event(&sim, "Warning NodeAffinity Predicate NodeAffinity failed"), "{:?}", events(&sim));
}

#[test]
fn sidecars_stop_after_the_main_container_within_one_grace_period() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sc\nspec:\n  terminationGracePeriodSeconds: 20\n  initContainers:\n  - name: first\n    image: busybox:1.36\n    restartPolicy: Always\n    command: [\"sh\", \"-c\", \"sleep 3600\"]\n  - name: second\n    image: busybox:1.36\n    restartPolicy: Always\n    command: [\"sh\", \"-c\", \"sleep 3600\"]\n  containers:\n  - name: main\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"sleep 3600\"]\n";
    let mut sim = start(yaml);
    sim.run_until(Until::Ready);
    let deleted = sim.now();
    sim.delete(None);
    sim.run_until(Until::Stable);
    let exits: Vec<(String, u64)> = sim
        .trace()
        .steps()
        .iter()
        .filter_map(|s| {
            s.text
                .strip_prefix("container ")
                .and_then(|t| t.split_once(" exited"))
                .map(|(n, _)| (n.to_string(), s.at.since(deleted).secs()))
        })
        .collect();
    let names: Vec<&str> = exits.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["main", "second", "first"], "{exits:?}");
    // One shared 20 s budget (each later sidecar gets at least 2 s), not 20 s each.
    assert!(exits.iter().all(|(_, t)| *t <= 26), "{exits:?}");
    assert!(sim.is_finished());
}

#[test]
fn an_unknown_image_runs_a_generic_process_on_its_declared_ports_and_says_so() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cache\nspec:\n  containers:\n  - name: redis\n    image: redis:7\n    ports:\n    - containerPort: 6379\n  - name: client\n    image: busybox:1.36\n    command: [\"sleep\", \"3600\"]\n";
    let mut sim = start(yaml);
    sim.run_until(Until::Ready);
    let created = sim.trace().steps().iter().find(|s| s.text.starts_with("created container redis")).unwrap();
    assert!(
        created.text.contains(
            "image docker.io/library/redis:7 is not in podplay's catalog, so it runs a generic long-running process"
        ),
        "{}",
        created.text
    );
    let log = sim.logs("redis", false).unwrap();
    assert!(log.contains("listens on 6379"), "{log}");
    let (code, body) = exec(&mut sim, "client", &["wget", "-qO-", "http://localhost:6379/"]);
    assert_eq!((code, body.as_str()), (0, "podplay generic server for docker.io/library/redis:7\n"));
}

#[test]
fn a_script_found_on_path_gets_its_full_path_as_argument() {
    let mut sim = start(&example("nginx-pod"));
    sim.run_until(Until::Ready);
    let script = "mkdir -p /usr/local/bin && printf '#!/bin/sh\\necho \"$0 $1\"\\n' > /usr/local/bin/hi && chmod +x /usr/local/bin/hi && hi there";
    let (code, out) = exec(&mut sim, "debian-container", &["sh", "-c", script]);
    assert_eq!((code, out.as_str()), (0, "/usr/local/bin/hi there\n"));
}
