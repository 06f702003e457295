//! The Pod status the kubelet derives from its containers' statuses (how
//! `kubectl get pods` prints it is in [`crate::kubectl`]).
//!
//! Sources: `pkg/kubelet/kubelet_pods.go` `getPhase`,
//! `generateAPIPodStatus`; `pkg/kubelet/status/generate.go`
//! (`GeneratePodInitializedCondition`, `GeneratePodReadyCondition`,
//! `GenerateContainersReadyCondition`); `pkg/kubelet/status/status_manager.go`
//! (`mergePodStatus`).

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::types::{PodPhase, RestartPolicy, WaitingReason};

/// Condition reasons (`pkg/kubelet/status/generate.go`).
pub const UNKNOWN_CONTAINER_STATUSES: &str = "UnknownContainerStatuses";
pub const POD_COMPLETED: &str = "PodCompleted";
pub const POD_FAILED: &str = "PodFailed";
pub const CONTAINERS_NOT_READY: &str = "ContainersNotReady";
pub const CONTAINERS_NOT_INITIALIZED: &str = "ContainersNotInitialized";
pub const READINESS_GATES_NOT_READY: &str = "ReadinessGatesNotReady";

/// The condition types the kubelet owns (`PodConditionByKubelet`), in the
/// order it writes them.
pub const KUBELET_CONDITIONS: [&str; 5] =
    ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];

pub(crate) fn is_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

fn find<'a>(statuses: &'a [ContainerStatus], name: &str) -> Option<&'a ContainerStatus> {
    statuses.iter().find(|s| s.name == name)
}

fn running(s: &ContainerStatus) -> bool {
    s.state.as_ref().is_some_and(|st| st.running.is_some())
}

fn terminated_exit(s: &ContainerStatus) -> Option<i32> {
    s.state.as_ref().and_then(|st| st.terminated.as_ref()).map(|t| t.exit_code)
}

fn waiting(s: &ContainerStatus) -> bool {
    s.state.as_ref().is_some_and(|st| st.waiting.is_some())
}

fn last_terminated_exit(s: &ContainerStatus) -> Option<i32> {
    s.last_state.as_ref().and_then(|st| st.terminated.as_ref()).map(|t| t.exit_code)
}

fn all_statuses(status: &PodStatus) -> (&[ContainerStatus], &[ContainerStatus]) {
    (status.init_container_statuses.as_deref().unwrap_or(&[]), status.container_statuses.as_deref().unwrap_or(&[]))
}

/// The Pod's phase from its status (`getPhase`), the Pod being torn down
/// (`podIsTerminal`) when it has a deletion timestamp.
pub fn pod_phase(pod: &Pod, status: &PodStatus) -> PodPhase {
    let (init, regular) = all_statuses(status);
    let terminal = pod.metadata.deletion_timestamp.is_some();
    let initialized = any_regular_container_ran(pod, regular);
    pod_phase_from(pod, init, regular, terminal, initialized)
}

/// Whether any regular container has run in this sandbox (it is running,
/// or has terminated now or before): the kubelet's
/// `HasAnyActiveRegularContainerStarted`, which `getPhase` takes as "the Pod
/// has been initialized".
pub fn any_regular_container_ran(pod: &Pod, regular: &[ContainerStatus]) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    spec.containers.iter().any(|c| {
        find(regular, &c.name)
            .is_some_and(|s| running(s) || terminated_exit(s).is_some() || last_terminated_exit(s).is_some())
    })
}

/// `getPhase`, exactly:
///
/// Init containers (classic) are pending without a status, while running,
/// or while waiting with no earlier termination; one that failed (now, or
/// before its current wait) fails the Pod under `restartPolicy: Never`.
/// Sidecars (`restartPolicy: Always` init containers) count as running
/// (pending until `started`), waiting (pending, unless they ran before), or
/// unknown; a stopped sidecar does not count. Regular containers count as
/// running, waiting (no earlier termination), stopped (terminated, or
/// waiting after a termination; succeeded if exit 0) or unknown (no status).
///
/// 1. `Pending` while classic init containers are pending, sidecars are
///    pending before the Pod initialized, or any container is waiting;
/// 2. `Running` if something runs and nothing is unknown;
/// 3. if all stopped (and none unknown): a terminal Pod is `Succeeded` if
///    all succeeded, else `Failed`; otherwise `Always` → `Running`, all
///    succeeded → `Succeeded`, `Never` → `Failed`, `OnFailure` → `Running`;
/// 4. else `Pending`.
pub fn pod_phase_from(
    pod: &Pod,
    init: &[ContainerStatus],
    regular: &[ContainerStatus],
    pod_is_terminal: bool,
    pod_has_initialized: bool,
) -> PodPhase {
    let Some(spec) = pod.spec.as_ref() else {
        return PodPhase::Pending;
    };
    let init_containers = spec.init_containers.as_deref().unwrap_or(&[]);
    let mut pending_regular_init = 0;
    let mut pending_sidecars = 0;
    let mut failed_initialization = 0;
    for c in init_containers.iter().filter(|c| !is_sidecar(c)) {
        let Some(s) = find(init, &c.name) else {
            pending_regular_init += 1;
            continue;
        };
        if running(s) {
            pending_regular_init += 1;
        } else if let Some(code) = terminated_exit(s) {
            if code != 0 {
                failed_initialization += 1;
            }
        } else if waiting(s) {
            match last_terminated_exit(s) {
                Some(code) if code != 0 => failed_initialization += 1,
                Some(_) => {}
                None => pending_regular_init += 1,
            }
        } else {
            pending_regular_init += 1;
        }
    }
    let (mut unknown, mut running_n, mut waiting_n, mut stopped, mut succeeded) = (0, 0, 0, 0, 0);
    for c in init_containers.iter().filter(|c| is_sidecar(c)) {
        let Some(s) = find(init, &c.name) else {
            unknown += 1;
            continue;
        };
        if running(s) {
            if s.started != Some(true) {
                pending_sidecars += 1;
            }
            running_n += 1;
        } else if terminated_exit(s).is_some() {
            // A stopped sidecar does not count.
        } else if waiting(s) {
            if last_terminated_exit(s).is_none() {
                pending_sidecars += 1;
                waiting_n += 1;
            }
        } else {
            pending_sidecars += 1;
            unknown += 1;
        }
    }
    for c in &spec.containers {
        let Some(s) = find(regular, &c.name) else {
            unknown += 1;
            continue;
        };
        if running(s) {
            running_n += 1;
        } else if let Some(code) = terminated_exit(s) {
            stopped += 1;
            if code == 0 {
                succeeded += 1;
            }
        } else if waiting(s) {
            if last_terminated_exit(s).is_some() {
                stopped += 1;
            } else {
                waiting_n += 1;
            }
        } else {
            unknown += 1;
        }
    }
    let policy = RestartPolicy::from_spec(spec.restart_policy.as_deref());
    if failed_initialization > 0 && policy == RestartPolicy::Never {
        return PodPhase::Failed;
    }
    if pending_regular_init > 0 || (pending_sidecars > 0 && !pod_has_initialized) || waiting_n > 0 {
        return PodPhase::Pending;
    }
    if running_n > 0 && unknown == 0 {
        return PodPhase::Running;
    }
    if running_n == 0 && stopped > 0 && unknown == 0 {
        if pod_is_terminal {
            return if stopped == succeeded { PodPhase::Succeeded } else { PodPhase::Failed };
        }
        if policy == RestartPolicy::Always {
            return PodPhase::Running;
        }
        if stopped == succeeded {
            return PodPhase::Succeeded;
        }
        if policy == RestartPolicy::Never {
            return PodPhase::Failed;
        }
        return PodPhase::Running;
    }
    PodPhase::Pending
}

/// The conditions the kubelet writes, in its order: `PodReadyToStartContainers`
/// (`sandbox_ready`), `Initialized`, `Ready`, `ContainersReady`,
/// `PodScheduled` (True), after the conditions it does not own (readiness
/// gates, `DisruptionTarget`, …) kept from `pod.status`.
///
/// The phase is `status.phase`, else computed with [`pod_phase`].
/// `lastTransitionTime` is kept from `pod.status` when a condition's status
/// did not change, else `now`.
pub fn pod_conditions(pod: &Pod, status: &PodStatus, sandbox_ready: bool, now: &Time) -> Vec<PodCondition> {
    let (init, regular) = all_statuses(status);
    let phase = status.phase.as_deref().and_then(PodPhase::parse).unwrap_or_else(|| pod_phase(pod, status));
    let old: &[PodCondition] = pod.status.as_ref().and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
    let mut out: Vec<PodCondition> =
        old.iter().filter(|c| !KUBELET_CONDITIONS.contains(&c.type_.as_str())).cloned().collect();
    let mut all: Vec<ContainerStatus> = init.to_vec();
    all.extend_from_slice(regular);
    let ready_to_start = PodCondition {
        type_: "PodReadyToStartContainers".to_string(),
        status: if sandbox_ready { "True" } else { "False" }.to_string(),
        ..Default::default()
    };
    let scheduled =
        PodCondition { type_: "PodScheduled".to_string(), status: "True".to_string(), ..Default::default() };
    let generated = [
        ready_to_start,
        initialized_condition(pod, &all, phase),
        ready_condition(pod, old, &all, phase),
        containers_ready_condition(pod, &all, phase),
        scheduled,
    ];
    for mut c in generated {
        c.observed_generation = pod.metadata.generation;
        c.last_transition_time = old
            .iter()
            .find(|o| o.type_ == c.type_ && o.status == c.status)
            .and_then(|o| o.last_transition_time.clone())
            .or_else(|| Some(now.clone()));
        out.push(c);
    }
    out
}

fn condition(type_: &str, status: &str, reason: Option<&str>, message: Option<String>) -> PodCondition {
    PodCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.map(str::to_string),
        message,
        ..Default::default()
    }
}

/// Go's `%s` of a `[]string`: `[a b]`.
fn go_list(names: &[&str]) -> String {
    format!("[{}]", names.join(" "))
}

/// `GeneratePodInitializedCondition`. True without init containers; a
/// classic init container is done when it is ready (exited 0), a sidecar when
/// `started`. Else False, `ContainersNotInitialized`, `containers with
/// incomplete status: [init-a]` (and/or `containers with unknown status:
/// […]`, joined with `, `). A `Succeeded` Pod: True, reason `PodCompleted`.
/// Once a regular container has started, True.
pub fn initialized_condition(pod: &Pod, statuses: &[ContainerStatus], phase: PodPhase) -> PodCondition {
    const TYPE: &str = "Initialized";
    let init_containers = pod.spec.as_ref().and_then(|s| s.init_containers.as_deref()).unwrap_or(&[]);
    if init_containers.is_empty() {
        // Nothing to wait for; a Succeeded Pod still says PodCompleted.
        let reason = (phase == PodPhase::Succeeded).then_some(POD_COMPLETED);
        return condition(TYPE, "True", reason, None);
    }
    let mut unknown = Vec::new();
    let mut incomplete = Vec::new();
    for c in init_containers {
        let Some(s) = find(statuses, &c.name) else {
            unknown.push(c.name.as_str());
            continue;
        };
        let done = if is_sidecar(c) {
            s.started == Some(true)
        } else {
            // The kubelet marks an init container ready once it exited 0.
            s.ready || terminated_exit(s) == Some(0)
        };
        if !done {
            incomplete.push(c.name.as_str());
        }
    }
    if phase == PodPhase::Succeeded && unknown.is_empty() {
        return condition(TYPE, "True", Some(POD_COMPLETED), None);
    }
    if has_any_regular_container_started(pod, statuses) {
        return condition(TYPE, "True", None, None);
    }
    let mut messages = Vec::new();
    if !unknown.is_empty() {
        messages.push(format!("containers with unknown status: {}", go_list(&unknown)));
    }
    if !incomplete.is_empty() {
        messages.push(format!("containers with incomplete status: {}", go_list(&incomplete)));
    }
    if messages.is_empty() {
        return condition(TYPE, "True", None, None);
    }
    condition(TYPE, "False", Some(CONTAINERS_NOT_INITIALIZED), Some(messages.join(", ")))
}

/// `HasAnyRegularContainerStarted` over API statuses: a regular container
/// is running or terminated.
pub fn has_any_regular_container_started(pod: &Pod, statuses: &[ContainerStatus]) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    spec.containers.iter().any(|c| find(statuses, &c.name).is_some_and(|s| running(s) || terminated_exit(s).is_some()))
}

/// `GenerateContainersReadyCondition`: True when every regular container
/// and every sidecar is ready. Else False, `ContainersNotReady`, `containers
/// with unready status: [app]` (after `containers with unknown status: […]`
/// if some have no status). A `Succeeded` Pod: False, `PodCompleted`; a
/// `Failed` Pod: False, `PodFailed`.
pub fn containers_ready_condition(pod: &Pod, statuses: &[ContainerStatus], phase: PodPhase) -> PodCondition {
    const TYPE: &str = "ContainersReady";
    let Some(spec) = pod.spec.as_ref() else {
        return condition(TYPE, "False", Some(UNKNOWN_CONTAINER_STATUSES), None);
    };
    let mut unknown = Vec::new();
    let mut unready = Vec::new();
    let sidecars = spec.init_containers.iter().flatten().filter(|c| is_sidecar(c));
    for c in sidecars.chain(spec.containers.iter()) {
        match find(statuses, &c.name) {
            Some(s) if !s.ready => unready.push(c.name.as_str()),
            Some(_) => {}
            None => unknown.push(c.name.as_str()),
        }
    }
    if (phase == PodPhase::Succeeded && unknown.is_empty()) || phase == PodPhase::Failed {
        let reason = if phase == PodPhase::Failed { POD_FAILED } else { POD_COMPLETED };
        return condition(TYPE, "False", Some(reason), None);
    }
    let mut messages = Vec::new();
    if !unknown.is_empty() {
        messages.push(format!("containers with unknown status: {}", go_list(&unknown)));
    }
    if !unready.is_empty() {
        messages.push(format!("containers with unready status: {}", go_list(&unready)));
    }
    if messages.is_empty() {
        return condition(TYPE, "True", None, None);
    }
    condition(TYPE, "False", Some(CONTAINERS_NOT_READY), Some(messages.join(", ")))
}

/// `GeneratePodReadyCondition`: ContainersReady's status, reason and message
/// when that is not True; otherwise False with `ReadinessGatesNotReady` if a
/// readiness gate's condition (looked up in `conditions`) is missing or not
/// True; otherwise True.
pub fn ready_condition(
    pod: &Pod,
    conditions: &[PodCondition],
    statuses: &[ContainerStatus],
    phase: PodPhase,
) -> PodCondition {
    const TYPE: &str = "Ready";
    let containers_ready = containers_ready_condition(pod, statuses, phase);
    if containers_ready.status != "True" {
        return PodCondition { type_: TYPE.to_string(), ..containers_ready };
    }
    let mut messages = Vec::new();
    let gates = pod.spec.as_ref().and_then(|s| s.readiness_gates.as_deref()).unwrap_or(&[]);
    for gate in gates {
        let gate_type = &gate.condition_type;
        match conditions.iter().find(|c| &c.type_ == gate_type) {
            None => messages.push(format!(
                "corresponding condition of pod readiness gate {} does not exist.",
                crate::quote::go_quote(gate_type)
            )),
            Some(c) if c.status != "True" => messages.push(format!(
                "the status of pod readiness gate {} is not \"True\", but {}",
                crate::quote::go_quote(gate_type),
                c.status
            )),
            Some(_) => {}
        }
    }
    if !messages.is_empty() {
        return condition(TYPE, "False", Some(READINESS_GATES_NOT_READY), Some(messages.join(", ")));
    }
    condition(TYPE, "True", None, None)
}

/// The waiting reason of a container that has not started yet
/// (`convertToAPIContainerStatuses`): `PodInitializing` when the Pod has init
/// containers, else `ContainerCreating`.
pub fn default_waiting_reason(pod: &Pod) -> WaitingReason {
    let has_init = pod.spec.as_ref().is_some_and(|s| s.init_containers.as_ref().is_some_and(|i| !i.is_empty()));
    if has_init { WaitingReason::PodInitializing } else { WaitingReason::ContainerCreating }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::get::*;
    use crate::time::virtual_time;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    };

    use crate::test_support::pod;

    /// `web` with containers `app` and `side`(car) and two init containers.
    fn two_init(policy: &str) -> Pod {
        pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  restartPolicy: {policy}\n  initContainers:\n  - name: init-a\n    image: busybox\n  - name: init-b\n    image: busybox\n  containers:\n  - name: app\n    image: nginx\n"
        ))
    }

    fn simple(policy: &str) -> Pod {
        pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  restartPolicy: {policy}\n  containers:\n  - name: app\n    image: nginx\n"
        ))
    }

    fn st(name: &str) -> ContainerStatus {
        ContainerStatus { name: name.into(), image: "img".into(), ..Default::default() }
    }

    fn waiting_s(name: &str, reason: &str) -> ContainerStatus {
        ContainerStatus {
            state: Some(ContainerState {
                waiting: Some(ContainerStateWaiting { reason: Some(reason.into()), message: None }),
                ..Default::default()
            }),
            ..st(name)
        }
    }

    fn running_s(name: &str, ready: bool) -> ContainerStatus {
        ContainerStatus {
            state: Some(ContainerState {
                running: Some(ContainerStateRunning { started_at: Some(virtual_time(0)) }),
                ..Default::default()
            }),
            ready,
            started: Some(true),
            ..st(name)
        }
    }

    fn terminated(code: i32, reason: &str) -> ContainerStateTerminated {
        ContainerStateTerminated {
            exit_code: code,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            finished_at: Some(virtual_time(30_000)),
            ..Default::default()
        }
    }

    fn terminated_s(name: &str, code: i32, reason: &str) -> ContainerStatus {
        ContainerStatus {
            state: Some(ContainerState { terminated: Some(terminated(code, reason)), ..Default::default() }),
            ready: false,
            started: Some(false),
            ..st(name)
        }
    }

    fn crash_looping(name: &str, restarts: i32, last_code: i32) -> ContainerStatus {
        ContainerStatus {
            restart_count: restarts,
            last_state: Some(ContainerState {
                terminated: Some(terminated(last_code, if last_code == 0 { "Completed" } else { "Error" })),
                ..Default::default()
            }),
            ..waiting_s(name, "CrashLoopBackOff")
        }
    }

    fn with_status(mut pod: Pod, init: Vec<ContainerStatus>, regular: Vec<ContainerStatus>) -> Pod {
        let mut status = PodStatus {
            init_container_statuses: (!init.is_empty()).then_some(init),
            container_statuses: Some(regular),
            ..Default::default()
        };
        let phase = pod_phase(&pod, &status);
        status.phase = Some(phase.to_string());
        let conditions = pod_conditions(&pod, &status, true, &virtual_time(1000));
        status.conditions = Some(conditions);
        pod.status = Some(status);
        pod
    }

    fn status_of(pod: &Pod) -> String {
        kubectl_status_column(pod)
    }

    fn phase_of(pod: &Pod) -> &str {
        pod.status.as_ref().unwrap().phase.as_deref().unwrap()
    }

    fn cond<'a>(pod: &'a Pod, type_: &str) -> &'a PodCondition {
        pod.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().find(|c| c.type_ == type_).unwrap()
    }

    #[test]
    fn vector_6_lifecycle_without_init_containers() {
        // Unscheduled: no status at all.
        let mut p = simple("Always");
        p.status = Some(PodStatus { phase: Some("Pending".into()), ..Default::default() });
        assert_eq!(status_of(&p), "Pending");
        assert_eq!(kubectl_ready_column(&p), "0/1");

        let p = with_status(simple("Always"), vec![], vec![waiting_s("app", "ContainerCreating")]);
        assert_eq!(phase_of(&p), "Pending");
        assert_eq!(status_of(&p), "ContainerCreating");

        let p = with_status(simple("Always"), vec![], vec![running_s("app", true)]);
        assert_eq!(phase_of(&p), "Running");
        assert_eq!(status_of(&p), "Running");
        assert_eq!(kubectl_ready_column(&p), "1/1");

        let p = with_status(simple("Always"), vec![], vec![waiting_s("app", "ErrImagePull")]);
        assert_eq!(status_of(&p), "ErrImagePull");
        let p = with_status(simple("Always"), vec![], vec![waiting_s("app", "ImagePullBackOff")]);
        assert_eq!(status_of(&p), "ImagePullBackOff");

        let p = with_status(simple("Always"), vec![], vec![crash_looping("app", 3, 1)]);
        assert_eq!(phase_of(&p), "Running");
        assert_eq!(status_of(&p), "CrashLoopBackOff");
        assert_eq!(kubectl_restarts_column(&p, &virtual_time(42_000)), "3 (12s ago)");

        let p = with_status(simple("Never"), vec![], vec![terminated_s("app", 0, "Completed")]);
        assert_eq!(phase_of(&p), "Succeeded");
        assert_eq!(status_of(&p), "Completed");
        let p = with_status(simple("Never"), vec![], vec![terminated_s("app", 1, "Error")]);
        assert_eq!(phase_of(&p), "Failed");
        assert_eq!(status_of(&p), "Error");
        let p = with_status(simple("Never"), vec![], vec![terminated_s("app", 137, "OOMKilled")]);
        assert_eq!(status_of(&p), "OOMKilled");
        let p = with_status(simple("OnFailure"), vec![], vec![terminated_s("app", 1, "Error")]);
        assert_eq!(phase_of(&p), "Running");
        let p = with_status(simple("OnFailure"), vec![], vec![terminated_s("app", 0, "Completed")]);
        assert_eq!(phase_of(&p), "Succeeded");
        let p = with_status(simple("Always"), vec![], vec![terminated_s("app", 0, "Completed")]);
        assert_eq!(phase_of(&p), "Running");
        let p = with_status(simple("Never"), vec![], vec![terminated_s("app", 2, "")]);
        assert_eq!(status_of(&p), "ExitCode:2");

        // Deleting.
        let mut p = with_status(simple("Always"), vec![], vec![running_s("app", true)]);
        p.metadata.deletion_timestamp = Some(virtual_time(5000));
        assert_eq!(status_of(&p), "Terminating");
        p.status.as_mut().unwrap().reason = Some("NodeLost".into());
        assert_eq!(status_of(&p), "Unknown");
        // A finished Pod being deleted keeps its status.
        let mut p = with_status(simple("Never"), vec![], vec![terminated_s("app", 0, "Completed")]);
        p.metadata.deletion_timestamp = Some(virtual_time(5000));
        assert_eq!(status_of(&p), "Completed");
    }

    #[test]
    fn vector_6_init_containers() {
        let p = with_status(
            two_init("Always"),
            vec![running_s("init-a", false), waiting_s("init-b", "PodInitializing")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(phase_of(&p), "Pending");
        assert_eq!(status_of(&p), "Init:0/2");
        let p = with_status(
            two_init("Always"),
            vec![terminated_s("init-a", 0, "Completed"), running_s("init-b", false)],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(status_of(&p), "Init:1/2");
        let p = with_status(
            two_init("Always"),
            vec![terminated_s("init-a", 0, "Completed"), terminated_s("init-b", 0, "Completed")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(phase_of(&p), "Pending");
        assert_eq!(status_of(&p), "PodInitializing");
        assert_eq!(cond(&p, "Initialized").status, "True");
        let p = with_status(
            two_init("Always"),
            vec![terminated_s("init-a", 0, "Completed"), terminated_s("init-b", 0, "Completed")],
            vec![running_s("app", true)],
        );
        assert_eq!(status_of(&p), "Running");

        // Failures.
        let p = with_status(
            two_init("Never"),
            vec![terminated_s("init-a", 1, "Error"), waiting_s("init-b", "PodInitializing")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(phase_of(&p), "Failed");
        assert_eq!(status_of(&p), "Init:Error");
        let p = with_status(
            two_init("Always"),
            vec![terminated_s("init-a", 1, "Error"), waiting_s("init-b", "PodInitializing")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(phase_of(&p), "Pending");
        assert_eq!(status_of(&p), "Init:Error");
        let p = with_status(
            two_init("Always"),
            vec![crash_looping("init-a", 2, 1), waiting_s("init-b", "PodInitializing")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(status_of(&p), "Init:CrashLoopBackOff");
        assert_eq!(kubectl_restarts_column(&p, &virtual_time(90_000)), "2 (60s ago)");
        let p = with_status(
            two_init("Always"),
            vec![waiting_s("init-a", "ImagePullBackOff")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(status_of(&p), "Init:ImagePullBackOff");
        let p = with_status(
            two_init("Never"),
            vec![terminated_s("init-a", 3, "")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(status_of(&p), "Init:ExitCode:3");
    }

    #[test]
    fn vector_6_reason_and_gates() {
        let mut p = simple("Always");
        p.status = Some(PodStatus {
            phase: Some("Failed".into()),
            reason: Some("NodeAffinity".into()),
            message: Some(
                "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
                    .into(),
            ),
            ..Default::default()
        });
        assert_eq!(status_of(&p), "NodeAffinity");
        p.status.as_mut().unwrap().reason = Some("OutOfcpu".into());
        assert_eq!(status_of(&p), "OutOfcpu");
        p.status = Some(PodStatus {
            phase: Some("Pending".into()),
            conditions: Some(vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("SchedulingGated".into()),
                ..Default::default()
            }]),
            ..Default::default()
        });
        assert_eq!(status_of(&p), "SchedulingGated");
    }

    #[test]
    fn completed_with_a_running_container() {
        let two = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  restartPolicy: Never\n  containers:\n  - name: job\n    image: busybox\n  - name: app\n    image: nginx\n    readinessProbe:\n      exec:\n        command: [cat, /ready]\n",
        );
        let p = with_status(two.clone(), vec![], vec![terminated_s("job", 0, "Completed"), running_s("app", true)]);
        // Ready is False (job is not ready), so NotReady.
        assert_eq!(status_of(&p), "NotReady");
        assert_eq!(kubectl_ready_column(&p), "1/2");
        let mut p = p;
        for c in p.status.as_mut().unwrap().conditions.as_mut().unwrap() {
            if c.type_ == "Ready" {
                c.status = "True".into();
            }
        }
        assert_eq!(status_of(&p), "Running");
    }

    #[test]
    fn vector_7_condition_messages() {
        // containers with unready status
        let p = with_status(simple("Always"), vec![], vec![running_s("app", false)]);
        let ready = cond(&p, "Ready");
        assert_eq!(ready.status, "False");
        assert_eq!(ready.reason.as_deref(), Some("ContainersNotReady"));
        assert_eq!(ready.message.as_deref(), Some("containers with unready status: [app]"));
        let cr = cond(&p, "ContainersReady");
        assert_eq!(cr.reason.as_deref(), Some("ContainersNotReady"));
        assert_eq!(cr.message.as_deref(), Some("containers with unready status: [app]"));

        // containers with incomplete status
        let p = with_status(
            two_init("Always"),
            vec![running_s("init-a", false), waiting_s("init-b", "PodInitializing")],
            vec![waiting_s("app", "PodInitializing")],
        );
        let init = cond(&p, "Initialized");
        assert_eq!(init.status, "False");
        assert_eq!(init.reason.as_deref(), Some("ContainersNotInitialized"));
        assert_eq!(init.message.as_deref(), Some("containers with incomplete status: [init-a init-b]"));
        let p = with_status(
            two_init("Always"),
            vec![terminated_s("init-a", 0, "Completed"), running_s("init-b", false)],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(cond(&p, "Initialized").message.as_deref(), Some("containers with incomplete status: [init-b]"));
        let p = with_status(two_init("Always"), vec![running_s("init-a", false)], vec![]);
        assert_eq!(
            cond(&p, "Initialized").message.as_deref(),
            Some("containers with unknown status: [init-b], containers with incomplete status: [init-a]")
        );
        assert_eq!(cond(&p, "ContainersReady").message.as_deref(), Some("containers with unknown status: [app]"));

        // PodCompleted
        let p = with_status(
            two_init("Never"),
            vec![terminated_s("init-a", 0, "Completed"), terminated_s("init-b", 0, "Completed")],
            vec![terminated_s("app", 0, "Completed")],
        );
        assert_eq!(phase_of(&p), "Succeeded");
        assert_eq!(cond(&p, "Initialized").reason.as_deref(), Some("PodCompleted"));
        assert_eq!(cond(&p, "Initialized").status, "True");
        assert_eq!(cond(&p, "Ready").reason.as_deref(), Some("PodCompleted"));
        assert_eq!(cond(&p, "Ready").status, "False");
        assert_eq!(cond(&p, "ContainersReady").reason.as_deref(), Some("PodCompleted"));
        // Without init containers too (`GeneratePodInitializedCondition`
        // has no early return for them).
        let p = with_status(simple("Never"), vec![], vec![terminated_s("app", 0, "Completed")]);
        assert_eq!(cond(&p, "Initialized").reason.as_deref(), Some("PodCompleted"));
        assert_eq!(cond(&p, "Initialized").status, "True");
        // PodFailed
        let p = with_status(simple("Never"), vec![], vec![terminated_s("app", 1, "Error")]);
        assert_eq!(cond(&p, "Ready").reason.as_deref(), Some("PodFailed"));
    }

    #[test]
    fn condition_order_and_times() {
        let p = with_status(simple("Always"), vec![], vec![running_s("app", true)]);
        let types: Vec<_> =
            p.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(types, KUBELET_CONDITIONS);
        assert!(p.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().all(|c| c.status == "True"));
        assert_eq!(cond(&p, "Ready").last_transition_time, Some(virtual_time(1000)));
        // Unchanged conditions keep their time; changed ones take `now`.
        let mut again = p.clone();
        let status = PodStatus {
            container_statuses: Some(vec![running_s("app", false)]),
            phase: Some("Running".into()),
            ..Default::default()
        };
        let conditions = pod_conditions(&again, &status, true, &virtual_time(9000));
        let get = |t: &str| conditions.iter().find(|c| c.type_ == t).unwrap().clone();
        assert_eq!(get("PodScheduled").last_transition_time, Some(virtual_time(1000)));
        assert_eq!(get("Ready").last_transition_time, Some(virtual_time(9000)));
        assert_eq!(get("Ready").status, "False");
        // Conditions the kubelet does not own come first and stay.
        again.status.as_mut().unwrap().conditions.as_mut().unwrap().push(PodCondition {
            type_: "example.com/gate".into(),
            status: "False".into(),
            ..Default::default()
        });
        let conditions = pod_conditions(&again, &status, false, &virtual_time(9000));
        assert_eq!(conditions[0].type_, "example.com/gate");
        assert_eq!(conditions[1].type_, "PodReadyToStartContainers");
        assert_eq!(conditions[1].status, "False");
        assert_eq!(conditions[1].reason, None);
    }

    #[test]
    fn readiness_gates() {
        let mut p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  readinessGates:\n  - conditionType: example.com/lb\n  containers:\n  - name: app\n    image: nginx\n",
        );
        let statuses = vec![running_s("app", true)];
        let r = ready_condition(&p, &[], &statuses, PodPhase::Running);
        assert_eq!(r.reason.as_deref(), Some("ReadinessGatesNotReady"));
        assert_eq!(
            r.message.as_deref(),
            Some("corresponding condition of pod readiness gate \"example.com/lb\" does not exist.")
        );
        let gate = PodCondition { type_: "example.com/lb".into(), status: "False".into(), ..Default::default() };
        let r = ready_condition(&p, std::slice::from_ref(&gate), &statuses, PodPhase::Running);
        assert_eq!(
            r.message.as_deref(),
            Some("the status of pod readiness gate \"example.com/lb\" is not \"True\", but False")
        );
        let ok = PodCondition { status: "True".into(), ..gate };
        assert_eq!(ready_condition(&p, &[ok], &statuses, PodPhase::Running).status, "True");
        p.status = None;
        assert_eq!(containers_ready_condition(&p, &statuses, PodPhase::Running).status, "True");
    }

    #[test]
    fn sidecars() {
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  restartPolicy: Never\n  initContainers:\n  - name: proxy\n    image: envoy\n    restartPolicy: Always\n  - name: migrate\n    image: busybox\n  containers:\n  - name: app\n    image: nginx\n",
        );
        // Sidecar running but not started yet: Pending, Init:0/2.
        let mut not_started = running_s("proxy", false);
        not_started.started = Some(false);
        let q = with_status(
            p.clone(),
            vec![not_started, waiting_s("migrate", "PodInitializing")],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(phase_of(&q), "Pending");
        assert_eq!(status_of(&q), "Init:0/2");
        assert_eq!(kubectl_ready_column(&q), "0/2");
        // Sidecar started: the next init container runs.
        let q = with_status(
            p.clone(),
            vec![running_s("proxy", true), running_s("migrate", false)],
            vec![waiting_s("app", "PodInitializing")],
        );
        assert_eq!(status_of(&q), "Init:1/2");
        assert_eq!(kubectl_ready_column(&q), "1/2");
        assert_eq!(cond(&q, "Initialized").message.as_deref(), Some("containers with incomplete status: [migrate]"));
        // All running.
        let q = with_status(
            p.clone(),
            vec![running_s("proxy", true), terminated_s("migrate", 0, "Completed")],
            vec![running_s("app", true)],
        );
        assert_eq!(phase_of(&q), "Running");
        assert_eq!(status_of(&q), "Running");
        assert_eq!(kubectl_ready_column(&q), "2/2");
        assert_eq!(cond(&q, "Ready").status, "True");
        // The app finished; the sidecar still runs: phase from regular containers.
        let q = with_status(
            p.clone(),
            vec![running_s("proxy", true), terminated_s("migrate", 0, "Completed")],
            vec![terminated_s("app", 0, "Completed")],
        );
        assert_eq!(phase_of(&q), "Running");
        // The sidecar stopped (exit 137 after SIGKILL): Succeeded all the same.
        let q = with_status(
            p.clone(),
            vec![terminated_s("proxy", 137, "Error"), terminated_s("migrate", 0, "Completed")],
            vec![terminated_s("app", 0, "Completed")],
        );
        assert_eq!(phase_of(&q), "Succeeded");
        assert_eq!(status_of(&q), "Completed");
        // A restarting sidecar after initialization keeps the Pod Running.
        let q = with_status(
            p,
            vec![crash_looping("proxy", 1, 1), terminated_s("migrate", 0, "Completed")],
            vec![running_s("app", true)],
        );
        assert_eq!(phase_of(&q), "Running");
        assert_eq!(kubectl_restarts_column(&q, &virtual_time(40_000)), "1 (10s ago)");
    }

    #[test]
    fn terminal_pods_being_deleted() {
        let mut p = simple("Always");
        p.metadata.deletion_timestamp = Some(virtual_time(0));
        let s =
            |code| PodStatus { container_statuses: Some(vec![terminated_s("app", code, "")]), ..Default::default() };
        assert_eq!(pod_phase(&p, &s(0)), "Succeeded");
        assert_eq!(pod_phase(&p, &s(143)), "Failed");
        assert_eq!(pod_phase(&simple("Always"), &s(143)), "Running");
        assert_eq!(pod_phase(&simple("Always"), &PodStatus::default()), "Pending");
    }

    #[test]
    fn rows_and_ages() {
        let mut p = with_status(simple("Always"), vec![], vec![running_s("app", true)]);
        p.metadata.creation_timestamp = Some(virtual_time(0));
        assert_eq!(
            kubectl_row(&p, &virtual_time(150_000)),
            KubectlPodRow {
                name: "web".into(),
                ready: "1/1".into(),
                status: "Running".into(),
                restarts: "0".into(),
                age: "2m30s".into(),
            }
        );
        p.metadata.creation_timestamp = None;
        assert_eq!(kubectl_age_column(&p, &virtual_time(0)), "<unknown>");
        // No pod status at all does not panic.
        let bare = Pod::default();
        assert_eq!(kubectl_status_column(&bare), "");
        assert_eq!(kubectl_ready_column(&bare), "0/0");
        assert_eq!(pod_phase(&bare, &PodStatus::default()), "Pending");
        assert_eq!(pod_conditions(&bare, &PodStatus::default(), false, &virtual_time(0)).len(), 5);
    }

    #[test]
    fn waiting_reason_before_start() {
        assert_eq!(default_waiting_reason(&simple("Always")), WaitingReason::ContainerCreating);
        assert_eq!(default_waiting_reason(&two_init("Always")), WaitingReason::PodInitializing);
    }
}
