//! A new runtime is added by implementing the `Runtime` trait, nothing
//! else: a scripted fake here (no kernel, no processes) runs examples
//! through the same driver as the virtual Linux, with the same kubelet,
//! scheduler, trace and kubectl views.

use std::collections::VecDeque;

use podplay_core::cri::{CallId, ContainerExit, CriCall, CriReply, ImageInfo};
use podplay_core::driver::{Driver, NodeBoot, Until};
use podplay_core::kubectl::{describe_events, get_wide};
use podplay_core::runtime::Runtime;
use podplay_core::time::{Epoch, MonoDuration, MonoTime};
use podplay_core::trace::{Actor, Note, NsJoin, NsOwner, StepKind};

/// Answers every call after a fixed latency; containers named in `exits`
/// end with that code a second after they start.
#[derive(Default)]
struct Scripted {
    now: MonoTime,
    latency: MonoDuration,
    due: Vec<(MonoTime, CallId, CriReply)>,
    replies: VecDeque<(CallId, CriReply)>,
    exits: VecDeque<ContainerExit>,
    exiting: Vec<(MonoTime, ContainerExit)>,
    notes: VecDeque<Note>,
    script: Vec<(String, i32)>,
    next_id: u32,
    /// A reply of the wrong kind for every ExecSync (a broken runtime).
    broken_exec: bool,
    calls: Vec<String>,
}

impl Scripted {
    fn answer(&mut self, call: &CriCall) -> CriReply {
        match call {
            CriCall::RunPodSandbox(config) => {
                let ns = |id| NsJoin { id, owner: NsOwner::Pod };
                self.notes.push_back(Note::SandboxCreated {
                    sandbox_id: "sandbox-0123456789".into(),
                    pod_name: config.pod_name.clone(),
                    pause_pid: 100,
                    net: ns(1),
                    ipc: ns(2),
                    uts: ns(3),
                    pid: ns(4),
                    ip: "10.244.9.9".into(),
                    network: None,
                });
                CriReply::SandboxReady { sandbox_id: "sandbox-0123456789".into(), ip: "10.244.9.9".into() }
            }
            CriCall::ImageStatus { .. } => CriReply::ImageStatus { image: None },
            CriCall::PullImage { image } => CriReply::Pulled {
                image: ImageInfo {
                    reference: format!("fake.registry/{image}"),
                    id: format!("fake.registry/{image}@sha256:feed"),
                    size_bytes: 42,
                    user: None,
                },
                took: self.latency,
            },
            CriCall::CreateContainer { config, .. } => {
                self.next_id += 1;
                CriReply::ContainerCreated { container_id: format!("{}-{:08}", config.name, self.next_id) }
            }
            CriCall::StartContainer { container_id } => {
                let name = container_id.rsplit_once('-').map_or("", |(n, _)| n).to_string();
                if let Some((_, code)) = self.script.iter().find(|(n, _)| *n == name) {
                    let exit = ContainerExit {
                        container_id: container_id.clone(),
                        exit_code: *code,
                        reason: None,
                        termination_message: String::new(),
                        log_tail: String::new(),
                        finished_at: self.now + MonoDuration::from_secs(1),
                    };
                    self.exiting.push((exit.finished_at, exit));
                }
                CriReply::Started
            }
            CriCall::ExecSync { .. } if self.broken_exec => CriReply::Removed,
            CriCall::ExecSync { .. } => CriReply::Exec { exit_code: 0, output: "ok\n".into() },
            CriCall::StopContainer { container_id, .. } => {
                let exit = ContainerExit {
                    container_id: container_id.clone(),
                    exit_code: 137,
                    reason: None,
                    termination_message: String::new(),
                    log_tail: String::new(),
                    finished_at: self.now,
                };
                self.exiting.push((self.now, exit));
                CriReply::Stopped
            }
            CriCall::StopPodSandbox { .. } => CriReply::Stopped,
            CriCall::RemovePodSandbox { .. } => CriReply::Removed,
            CriCall::HttpGet { .. } => CriReply::Http { status: 200 },
            CriCall::TcpConnect { .. } => CriReply::Connected,
        }
    }
}

impl Runtime for Scripted {
    fn submit(&mut self, now: MonoTime, id: CallId, call: CriCall) {
        self.now = now;
        self.calls.push(podplay_core::trace::describe_call(&call));
        let reply = self.answer(&call);
        self.due.push((now + self.latency, id, reply));
    }

    fn handle_timeout(&mut self, now: MonoTime) -> bool {
        self.now = now;
        let before = self.replies.len() + self.exits.len();
        let (ready, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.due).into_iter().partition(|d| d.0 <= now);
        self.due = later;
        self.replies.extend(ready.into_iter().map(|(_, id, reply)| (id, reply)));
        let (ended, running): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.exiting).into_iter().partition(|e| e.0 <= now);
        self.exiting = running;
        self.exits.extend(ended.into_iter().map(|(_, exit)| exit));
        self.replies.len() + self.exits.len() > before
    }

    fn poll_timeout(&self) -> Option<MonoTime> {
        self.due.iter().map(|d| d.0).chain(self.exiting.iter().map(|e| e.0)).min()
    }

    fn poll_reply(&mut self) -> Option<(CallId, CriReply)> {
        self.replies.pop_front()
    }

    fn poll_exit(&mut self) -> Option<ContainerExit> {
        self.exits.pop_front()
    }

    fn poll_note(&mut self) -> Option<Note> {
        self.notes.pop_front()
    }
}

fn example(name: &str) -> k8s_openapi::api::core::v1::Pod {
    let path = format!("{}/../../examples/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let analysis = podplay_core::analyze(&std::fs::read_to_string(path).unwrap());
    assert!(analysis.is_valid(), "{:?}", analysis.diagnostics);
    analysis.valid_pods().next().unwrap().clone()
}

fn start(name: &str, runtime: Scripted) -> Driver<Scripted> {
    Driver::new(&example(name), podplay_core::cluster::default_nodes(), Epoch::VIRTUAL, |_: NodeBoot<'_>| runtime)
}

/// Steps the driver until `until`, failing (as quinn-proto's
/// `drive_bounded`) instead of stopping quietly if it takes too long.
fn drive_bounded(driver: &mut Driver<Scripted>, until: Until) {
    for _ in 0..1_000 {
        if driver.reached(until) {
            return;
        }
        assert!(driver.step(), "nothing left to happen and {until:?} never held: {:?}", driver.trace().steps());
    }
    panic!("{until:?} not reached in 1,000 steps: a livelock?");
}

#[test]
fn an_example_runs_to_running_on_a_scripted_runtime() {
    let mut driver = start("nginx-pod", Scripted { latency: MonoDuration(100), ..Default::default() });
    drive_bounded(&mut driver, Until::Running);
    assert_eq!(driver.phase(), "Running");
    drive_bounded(&mut driver, Until::Ready);
    assert_eq!(driver.status_column(), "Running");
    let pod = driver.pod();
    let status = pod.status.clone().unwrap();
    assert_eq!(status.pod_ip.as_deref(), Some("10.244.9.9"));
    // The image id is the runtime's, not one the kubelet made up.
    let statuses = status.container_statuses.unwrap();
    assert!(statuses.iter().all(|s| s.image_id.starts_with("fake.registry/")), "{statuses:?}");
    assert!(statuses.iter().all(|s| s.image.starts_with("fake.registry/")), "{statuses:?}");
    // The scheduler, the kubelet's calls and the runtime's notes are one story.
    let steps = driver.trace().steps();
    assert_eq!(steps[0].actor, Actor::Scheduler);
    assert!(steps.iter().any(|s| s.kind == StepKind::Call && s.text.starts_with("RunPodSandbox for two-containers")));
    let sandbox = steps.iter().find(|s| s.kind == StepKind::Sandbox).unwrap();
    assert_eq!(
        sandbox.text,
        "sandbox sandbox-01234 for two-containers: pause process (PID 100 on the node) holds net:[1], ipc:[2], uts:[3], pid:[4]; Pod IP 10.244.9.9"
    );
    let wide = get_wide(&pod, &driver.epoch().time(driver.now()));
    assert!(wide.contains("10.244.9.9"), "{wide}");
    let events = describe_events(&driver.events(), driver.now());
    assert!(events.contains("Successfully pulled image \"nginx:1.27\" in 100ms"), "{events}");
}

#[test]
fn user_exec_has_its_own_call_ids_and_deletion_finishes() {
    let mut driver = start("lifecycle-hooks", Scripted { latency: MonoDuration(10), ..Default::default() });
    drive_bounded(&mut driver, Until::Ready);
    let out = driver.exec("lifecycle-demo-container", vec!["true".into()]);
    assert_eq!(out, Ok((0, "ok\n".into())));
    assert_eq!(driver.exec("nope", vec!["true".into()]).unwrap_err(), "container nope not found in pod lifecycle-demo");
    driver.delete(None);
    drive_bounded(&mut driver, Until::Stable);
    assert!(driver.is_finished());
    let calls = &driver.runtime().unwrap().calls;
    let tail: Vec<&str> = calls.iter().rev().take(2).map(String::as_str).collect();
    assert_eq!(tail, ["RemovePodSandbox sandbox-01234", "StopPodSandbox sandbox-01234"]);
}

#[test]
fn a_reply_of_the_wrong_kind_is_reported_and_fails_the_hook() {
    let runtime = Scripted { latency: MonoDuration(10), broken_exec: true, ..Default::default() };
    let mut driver = start("lifecycle-hooks", runtime);
    drive_bounded(&mut driver, Until::Time(MonoTime::from_secs(20)));
    let steps = driver.trace().steps();
    let error = steps.iter().find(|s| s.text.starts_with("runtime protocol error")).unwrap();
    assert_eq!(error.text, "runtime protocol error: unexpected reply to postStart: Removed");
    let events = describe_events(&driver.events(), driver.now());
    assert!(events.contains("FailedPostStartHook"), "{events}");
}

#[test]
fn a_crash_looping_container_backs_off_through_the_driver() {
    let runtime =
        Scripted { latency: MonoDuration(10), script: vec![("nginx-container".into(), 1)], ..Default::default() };
    let mut driver = start("nginx-pod", runtime);
    drive_bounded(&mut driver, Until::Time(MonoTime::from_secs(45)));
    assert_eq!(driver.status_column(), "CrashLoopBackOff");
    let events = describe_events(&driver.events(), driver.now());
    assert!(events.contains("Back-off restarting failed container nginx-container"), "{events}");
}
