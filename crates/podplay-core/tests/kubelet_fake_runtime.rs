//! The kubelet state machine against a scripted fake runtime: no virtual
//! Linux, just replies chosen by the test. It proves the kubelet's order of
//! calls and its status without any simulator.

use podplay_core::analyze;
use podplay_core::cri::{ContainerExit, CriCall, CriReply, ImageInfo};
use podplay_core::kubectl::kubectl_status_column;
use podplay_core::kubelet::{Kubelet, NodeContext};
use podplay_core::time::{Epoch, MonoDuration, MonoTime};

fn pod(yaml: &str) -> k8s_openapi::api::core::v1::Pod {
    let analysis = analyze(yaml);
    assert!(analysis.is_valid(), "{:?}", analysis.diagnostics);
    let mut pod = analysis.valid_pods().next().unwrap().clone();
    pod.metadata.uid = Some("uid-1".into());
    pod.metadata.namespace = Some("default".into());
    pod
}

fn node() -> NodeContext {
    NodeContext {
        node_name: "node-1".into(),
        node_ip: "192.168.49.2".into(),
        node_hosts: "127.0.0.1\tlocalhost\n".into(),
        node_resolv_conf: "nameserver 192.168.49.1\n".into(),
        allocatable_cpu_millis: 2_000,
        allocatable_memory_bytes: 4 << 30,
        pod_pids_limit: -1,
        epoch: Epoch::VIRTUAL,
    }
}

/// The fake registry's image: `fake/<image>`, digest `<digest>`.
fn info(image: &str, digest: &str) -> ImageInfo {
    ImageInfo {
        reference: format!("fake/{image}"),
        id: format!("fake/{image}@sha256:{digest}"),
        size_bytes: 1,
        user: None,
    }
}

/// A fake runtime: answers every call at once, the way the test script says.
struct Fake {
    log: Vec<String>,
    next_id: u32,
    /// Exit code each container's process ends with right after it starts.
    exits: Vec<(String, i32)>,
    images_present: bool,
}

impl Fake {
    fn new(exits: Vec<(String, i32)>, images_present: bool) -> Fake {
        Fake { log: Vec::new(), next_id: 0, exits, images_present }
    }

    /// Answers calls until the kubelet has none left; fails, as
    /// quinn-proto's `drive_bounded` does, if it never stops asking.
    fn drive(&mut self, kubelet: &mut Kubelet, now: MonoTime) {
        for _ in 0..100 {
            let Some((id, call)) = kubelet.poll_call() else {
                return;
            };
            let (entry, reply, exit) = self.answer(&call);
            self.log.push(entry);
            kubelet.handle_reply(id, reply, now);
            if let Some(exit) = exit {
                kubelet.handle_exit(exit, now);
            }
        }
        panic!("the kubelet still makes calls after 100: a livelock? log: {:?}", self.log);
    }

    fn answer(&mut self, call: &CriCall) -> (String, CriReply, Option<ContainerExit>) {
        match call {
            CriCall::RunPodSandbox(c) => (
                format!("RunPodSandbox {}", c.pod_name),
                CriReply::SandboxReady { sandbox_id: "sb".into(), ip: "10.244.1.5".into() },
                None,
            ),
            CriCall::ImageStatus { image } => (
                format!("ImageStatus {image}"),
                CriReply::ImageStatus { image: self.images_present.then(|| info(image, "0")) },
                None,
            ),
            CriCall::PullImage { image } => (
                format!("PullImage {image}"),
                CriReply::Pulled { image: info(image, "1"), took: MonoDuration(1) },
                None,
            ),
            CriCall::CreateContainer { config, .. } => {
                self.next_id += 1;
                let id = format!("{}-{}", config.name, self.next_id);
                (format!("CreateContainer {}", config.name), CriReply::ContainerCreated { container_id: id }, None)
            }
            CriCall::StartContainer { container_id } => {
                let name = container_id.rsplit_once('-').map_or("", |(n, _)| n).to_string();
                let exit = self.exits.iter().find(|(n, _)| *n == name).map(|(_, code)| ContainerExit {
                    container_id: container_id.clone(),
                    exit_code: *code,
                    reason: None,
                    termination_message: String::new(),
                    log_tail: String::new(),
                    finished_at: MonoTime::ZERO,
                });
                (format!("StartContainer {name}"), CriReply::Started, exit)
            }
            CriCall::ExecSync { command, .. } => (
                format!("ExecSync {}", command.join(" ")),
                CriReply::Exec { exit_code: 0, output: String::new() },
                None,
            ),
            CriCall::StopContainer { container_id, .. } => {
                (format!("StopContainer {container_id}"), CriReply::Stopped, None)
            }
            CriCall::StopPodSandbox { .. } => ("StopPodSandbox".into(), CriReply::Stopped, None),
            CriCall::RemovePodSandbox { .. } => ("RemovePodSandbox".into(), CriReply::Removed, None),
            CriCall::HttpGet { .. } => ("HttpGet".into(), CriReply::Http { status: 200 }, None),
            CriCall::TcpConnect { .. } => ("TcpConnect".into(), CriReply::Connected, None),
        }
    }
}

const INIT_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  initContainers:\n  - name: first\n    image: busybox:1.36\n  - name: second\n    image: busybox:1.36\n  containers:\n  - name: web\n    image: nginx:1.27\n    lifecycle:\n      postStart:\n        exec:\n          command: [\"touch\", \"/ready\"]\n  - name: side\n    image: busybox:1.36\n";

#[test]
fn sandbox_first_then_init_containers_one_by_one_then_containers_in_order() {
    let mut kubelet = Kubelet::new(pod(INIT_POD), node(), MonoTime::ZERO);
    let mut fake = Fake::new(vec![("first".into(), 0), ("second".into(), 0)], false);
    fake.drive(&mut kubelet, MonoTime::ZERO);
    assert_eq!(
        fake.log,
        [
            "RunPodSandbox web",
            "ImageStatus busybox:1.36",
            "PullImage busybox:1.36",
            "CreateContainer first",
            "StartContainer first",
            "ImageStatus busybox:1.36",
            "PullImage busybox:1.36",
            "CreateContainer second",
            "StartContainer second",
            "ImageStatus nginx:1.27",
            "PullImage nginx:1.27",
            "CreateContainer web",
            "StartContainer web",
            // postStart blocks: `side` is created only after the hook returns.
            "ExecSync touch /ready",
            "ImageStatus busybox:1.36",
            "PullImage busybox:1.36",
            "CreateContainer side",
            "StartContainer side",
        ]
    );
    // Until the PLEG's next relist has seen `side` running, the status
    // shows what it showed before it was created.
    assert_eq!(kubectl_status_column(&kubelet.pod_with_status()), "PodInitializing");
    kubelet.handle_timeout(MonoTime(1_000));
    let pod = kubelet.pod_with_status();
    assert_eq!(kubectl_status_column(&pod), "Running");
    let status = pod.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Running"));
    assert_eq!(status.pod_ip.as_deref(), Some("10.244.1.5"));
    let conditions: Vec<(String, String)> =
        status.conditions.unwrap().into_iter().map(|c| (c.type_, c.status)).collect();
    assert!(conditions.contains(&("Initialized".into(), "True".into())));
    assert!(conditions.contains(&("Ready".into(), "True".into())));
}

#[test]
fn a_failing_init_container_blocks_the_rest_and_never_fails_the_pod_with_always() {
    let mut kubelet = Kubelet::new(pod(INIT_POD), node(), MonoTime::ZERO);
    let mut fake = Fake::new(vec![("first".into(), 1)], true);
    fake.drive(&mut kubelet, MonoTime::ZERO);
    // First failure: restarted at once; second: back-off.
    assert_eq!(fake.log.iter().filter(|l| *l == "StartContainer first").count(), 2);
    assert!(!fake.log.iter().any(|l| l.contains("second")));
    // The sync that saw the exit still shows it; the next one (1 s later) the back-off.
    assert_eq!(kubectl_status_column(&kubelet.pod_with_status()), "Init:Error");
    assert_eq!(kubelet.poll_timeout(), Some(MonoTime(1_000)));
    kubelet.handle_timeout(MonoTime(1_000));
    assert_eq!(kubectl_status_column(&kubelet.pod_with_status()), "Init:CrashLoopBackOff");
    // The failed sync is retried after the pod worker's back-off period
    // (10 s); the container's own back-off (10 s from the exit) is over by then.
    assert_eq!(kubelet.poll_timeout(), Some(MonoTime(11_000)));
    kubelet.handle_timeout(MonoTime(11_000));
    fake.drive(&mut kubelet, MonoTime(11_000));
    assert_eq!(fake.log.iter().filter(|l| *l == "StartContainer first").count(), 3);
}

#[test]
fn pull_policy_never_with_a_missing_image_reports_err_image_never_pull() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    imagePullPolicy: Never\n";
    let mut kubelet = Kubelet::new(pod(yaml), node(), MonoTime::ZERO);
    let mut fake = Fake::new(Vec::new(), false);
    fake.drive(&mut kubelet, MonoTime::ZERO);
    assert_eq!(fake.log, ["RunPodSandbox web", "ImageStatus nginx:1.27"]);
    assert_eq!(kubectl_status_column(&kubelet.pod_with_status()), "ErrImageNeverPull");
    let messages: Vec<String> = kubelet.events().all().iter().map(|e| format!("{} {}", e.reason, e.message)).collect();
    assert_eq!(
        messages,
        [
            "ErrImageNeverPull Container image \"nginx:1.27\" is not present with pull policy of Never",
            "Failed Error: ErrImageNeverPull"
        ]
    );
}

#[test]
fn deletion_runs_pre_stop_then_stops_then_tears_down_the_sandbox() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    lifecycle:\n      preStop:\n        exec:\n          command: [\"nginx\", \"-s\", \"quit\"]\n";
    let mut kubelet = Kubelet::new(pod(yaml), node(), MonoTime::ZERO);
    let mut fake = Fake::new(Vec::new(), true);
    fake.drive(&mut kubelet, MonoTime::ZERO);
    fake.log.clear();
    kubelet.delete(MonoTime(5_000), None);
    assert_eq!(kubectl_status_column(&kubelet.pod_with_status()), "Terminating");
    fake.drive(&mut kubelet, MonoTime(5_000));
    assert_eq!(fake.log, ["ExecSync nginx -s quit", "StopContainer web-1"]);
    // The runtime reports the exit; then the sandbox goes.
    kubelet.handle_exit(
        ContainerExit {
            container_id: "web-1".into(),
            exit_code: 0,
            reason: None,
            termination_message: String::new(),
            log_tail: String::new(),
            finished_at: MonoTime(5_000),
        },
        MonoTime(5_500),
    );
    fake.drive(&mut kubelet, MonoTime(5_500));
    assert_eq!(fake.log[2..], ["StopPodSandbox"]);
    // The terminated Pod is synced at the next relist: the sandbox and the
    // API object go then.
    assert!(!kubelet.is_deleted());
    assert_eq!(kubelet.poll_timeout(), Some(MonoTime(6_000)));
    kubelet.handle_timeout(MonoTime(6_000));
    fake.drive(&mut kubelet, MonoTime(6_000));
    assert_eq!(fake.log[2..], ["StopPodSandbox", "RemovePodSandbox"]);
    assert!(kubelet.is_deleted());
}

#[test]
fn a_sleep_hook_is_the_kubelet_waiting_with_no_runtime_call() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    lifecycle:\n      preStop:\n        sleep:\n          seconds: 5\n";
    let mut kubelet = Kubelet::new(pod(yaml), node(), MonoTime::ZERO);
    let mut fake = Fake::new(Vec::new(), true);
    fake.drive(&mut kubelet, MonoTime::ZERO);
    fake.log.clear();
    kubelet.delete(MonoTime(1_000), None);
    fake.drive(&mut kubelet, MonoTime(1_000));
    assert!(fake.log.is_empty(), "nothing is asked of the runtime while the kubelet sleeps: {:?}", fake.log);
    assert_eq!(
        kubelet.poll_doing().as_deref(),
        Some("preStop of web: sleep 5s, in the kubelet (nothing runs in the container)")
    );
    assert_eq!(kubelet.poll_timeout(), Some(MonoTime(6_000)));
    kubelet.handle_timeout(MonoTime(6_000));
    fake.drive(&mut kubelet, MonoTime(6_000));
    // The grace period left after 5 s of sleep: 30 s − 5 s.
    assert_eq!(fake.log, ["StopContainer web-1"]);
    assert!(!kubelet.events().all().iter().any(|e| e.reason == "FailedPreStopHook"));
}

#[test]
fn a_tcp_socket_hook_fails_as_the_kubelet_cannot_run_it() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    lifecycle:\n      postStart:\n        tcpSocket:\n          port: 80\n";
    let mut kubelet = Kubelet::new(pod(yaml), node(), MonoTime::ZERO);
    let mut fake = Fake::new(Vec::new(), true);
    fake.drive(&mut kubelet, MonoTime::ZERO);
    // No exec, no connect: the hook fails at once and the container is killed.
    assert_eq!(
        fake.log,
        [
            "RunPodSandbox web",
            "ImageStatus nginx:1.27",
            "CreateContainer web",
            "StartContainer web",
            "StopContainer web-1"
        ]
    );
    let reasons: Vec<&str> = kubelet.events().all().iter().map(|e| e.reason.as_str()).collect();
    assert!(reasons.contains(&"FailedPostStartHook"), "{reasons:?}");
    assert_eq!(
        kubelet.poll_doing().as_deref(),
        Some("postStart of web: a tcpSocket hook, which the kubelet cannot run: it fails")
    );
}

#[test]
fn the_kubelet_gives_containers_the_service_variables_and_the_runtime_image_id() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    env:\n    - name: KUBERNETES_SERVICE_PORT\n      value: \"8443\"\n";
    let mut kubelet = Kubelet::new(pod(yaml), node(), MonoTime::ZERO);
    let mut config = None;
    let mut fake = Fake::new(Vec::new(), true);
    for _ in 0..10 {
        let Some((id, call)) = kubelet.poll_call() else { break };
        if let CriCall::CreateContainer { config: c, .. } = &call {
            config = Some(c.clone());
        }
        let (_, reply, _) = fake.answer(&call);
        kubelet.handle_reply(id, reply, MonoTime::ZERO);
    }
    let env = config.unwrap().env;
    let get = |name: &str| env.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(get("KUBERNETES_SERVICE_HOST"), Some("10.96.0.1"));
    assert_eq!(get("KUBERNETES_PORT_443_TCP"), Some("tcp://10.96.0.1:443"));
    // The container's own value wins over the service's (it comes later).
    assert_eq!(get("KUBERNETES_SERVICE_PORT"), Some("8443"));
    kubelet.handle_timeout(MonoTime(1_000));
    let status = kubelet.pod_status().container_statuses.unwrap();
    // Image and image id are the runtime's, not the kubelet's guesses.
    assert_eq!(status[0].image, "fake/nginx:1.27");
    assert_eq!(status[0].image_id, "fake/nginx:1.27@sha256:0");
}
