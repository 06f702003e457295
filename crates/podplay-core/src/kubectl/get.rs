//! `kubectl get pods`: the READY, STATUS, RESTARTS and AGE columns, after
//! `pkg/printers/internalversion/printers.go` `printPod`.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::kubelet::status::is_sidecar;
use crate::time::translate_timestamp_since;

/// One row of `kubectl get pods`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubectlPodRow {
    pub name: String,
    /// `1/2`
    pub ready: String,
    /// `Running`, `Init:0/2`, `CrashLoopBackOff`, …
    pub status: String,
    /// `0`, `3 (12s ago)`
    pub restarts: String,
    /// `5s`, `2m30s`, `<unknown>`
    pub age: String,
}

struct Printed {
    ready: usize,
    total: usize,
    reason: String,
    restarts: i64,
    last_restart: Option<Time>,
}

fn later<'a>(current: Option<&'a Time>, candidate: Option<&'a Time>) -> Option<&'a Time> {
    match (current, candidate) {
        (Some(c), Some(n)) if n.0 > c.0 => Some(n),
        (None, Some(n)) => Some(n),
        (c, _) => c,
    }
}

fn last_finished(s: &ContainerStatus) -> Option<&Time> {
    s.last_state.as_ref().and_then(|st| st.terminated.as_ref()).and_then(|t| t.finished_at.as_ref())
}

fn condition_true(pod: &Pod, type_: &str) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

/// `printPod`'s READY, STATUS and RESTARTS logic.
fn print_pod(pod: &Pod) -> Printed {
    let empty_status = PodStatus::default();
    let status = pod.status.as_ref().unwrap_or(&empty_status);
    let spec_init = pod.spec.as_ref().and_then(|s| s.init_containers.as_deref()).unwrap_or(&[]);
    let phase = status.phase.as_deref().unwrap_or("");
    let mut reason = phase.to_string();
    if let Some(r) = status.reason.as_deref().filter(|r| !r.is_empty()) {
        reason = r.to_string();
    }
    let conditions = status.conditions.as_deref().unwrap_or(&[]);
    if conditions.iter().any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated")) {
        reason = "SchedulingGated".to_string();
    }
    let total =
        pod.spec.as_ref().map_or(0, |s| s.containers.len()) + spec_init.iter().filter(|c| is_sidecar(c)).count();
    let mut ready = 0;
    let mut restarts: i64 = 0;
    let mut sidecar_restarts: i64 = 0;
    let mut last_restart: Option<&Time> = None;
    let mut last_sidecar_restart: Option<&Time> = None;
    let is_sidecar_named = |name: &str| spec_init.iter().any(|c| c.name == name && is_sidecar(c));
    let mut initializing = false;
    for (i, c) in status.init_container_statuses.iter().flatten().enumerate() {
        restarts += i64::from(c.restart_count);
        last_restart = later(last_restart, last_finished(c));
        let sidecar = is_sidecar_named(&c.name);
        if sidecar {
            sidecar_restarts += i64::from(c.restart_count);
            last_sidecar_restart = later(last_sidecar_restart, last_finished(c));
        }
        let state = c.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason =
            state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref()).filter(|r| !r.is_empty());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && c.started == Some(true) {
            if c.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|s| *s != 0) {
                    Some(sig) => format!("Init:Signal:{sig}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(w) = waiting_reason.filter(|r| *r != "PodInitializing") {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{}", spec_init.len());
        }
        initializing = true;
        break;
    }
    if !initializing || condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for c in status.container_statuses.iter().flatten().rev() {
            restarts += i64::from(c.restart_count);
            last_restart = later(last_restart, last_finished(c));
            let state = c.state.as_ref();
            let terminated = state.and_then(|s| s.terminated.as_ref());
            let waiting_reason =
                state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref()).filter(|r| !r.is_empty());
            if let Some(w) = waiting_reason {
                reason = w.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => match t.signal.filter(|s| *s != 0) {
                        Some(sig) => format!("Signal:{sig}"),
                        None => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if c.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(pod, "Ready") { "Running".to_string() } else { "NotReady".to_string() };
        }
    }
    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some("NodeLost") {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }
    Printed { ready, total, reason, restarts, last_restart: last_restart.cloned() }
}

/// The STATUS column of `kubectl get pods` (`printPod`): the phase, or
/// `status.reason` (`Evicted`, `NodeAffinity`, `OutOfcpu`), or
/// `SchedulingGated`; then the first init container not done (`Init:0/2`,
/// `Init:Error`, `Init:CrashLoopBackOff`, `Init:ExitCode:3`); then the
/// regular container with the lowest index that has a waiting or terminated
/// reason (`ContainerCreating`, `PodInitializing`, `CrashLoopBackOff`,
/// `ErrImagePull`, `Completed`, `Error`, `OOMKilled`, `ExitCode:1`), where
/// `Completed` with a container still running and ready becomes `Running` or
/// `NotReady`; finally `Terminating` (`Unknown` for `NodeLost`) while being
/// deleted.
pub fn kubectl_status_column(pod: &Pod) -> String {
    print_pod(pod).reason
}

/// The READY column: ready regular containers (and started, ready sidecars)
/// over regular containers plus sidecars, e.g. `1/2`.
pub fn kubectl_ready_column(pod: &Pod) -> String {
    let p = print_pod(pod);
    format!("{}/{}", p.ready, p.total)
}

/// The RESTARTS column: the init containers' restarts while initializing,
/// else the sidecars' and regular containers'; with the time since the
/// latest `lastState.terminated.finishedAt` when non-zero: `3 (12s ago)`.
pub fn kubectl_restarts_column(pod: &Pod, now: &Time) -> String {
    let p = print_pod(pod);
    restarts_text(&p, now)
}

fn restarts_text(p: &Printed, now: &Time) -> String {
    match &p.last_restart {
        Some(t) if p.restarts != 0 => {
            format!("{} ({} ago)", p.restarts, translate_timestamp_since(Some(t), now))
        }
        _ => p.restarts.to_string(),
    }
}

/// The AGE column: time since `metadata.creationTimestamp`.
pub fn kubectl_age_column(pod: &Pod, now: &Time) -> String {
    translate_timestamp_since(pod.metadata.creation_timestamp.as_ref(), now)
}

/// A whole `kubectl get pods` row.
pub fn kubectl_row(pod: &Pod, now: &Time) -> KubectlPodRow {
    let p = print_pod(pod);
    let restarts = restarts_text(&p, now);
    KubectlPodRow {
        name: pod.metadata.name.clone().unwrap_or_default(),
        ready: format!("{}/{}", p.ready, p.total),
        status: p.reason,
        restarts,
        age: kubectl_age_column(pod, now),
    }
}
