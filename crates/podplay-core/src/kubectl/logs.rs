//! Which container instance `kubectl logs` reads, as the kubelet decides
//! it from the Pod's status (`validateContainerLogStatus`).

use k8s_openapi::api::core::v1::Pod;

use crate::quote::go_quote;

/// The runtime id of the instance whose log `kubectl logs POD -c NAME
/// [--previous]` shows, or the error the API server returns. With
/// `--previous`, the last terminated instance; without, the running one,
/// else the one that ended. During CrashLoopBackOff both are the run that
/// just crashed: the next one has not started.
pub fn log_container_id(pod: &Pod, container: &str, previous: bool) -> Result<String, String> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    // Go's %q, as the kubelet formats these messages.
    let (c, p) = (go_quote(container), go_quote(pod_name));
    let spec = pod.spec.as_ref();
    let declared = spec.into_iter().flat_map(|s| s.containers.iter().chain(s.init_containers.iter().flatten()));
    if !declared.clone().any(|c| c.name == container) {
        return Err(format!("container {container} is not valid for pod {pod_name}"));
    }
    let status = pod.status.as_ref();
    let statuses = status
        .into_iter()
        .flat_map(|s| s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten()));
    let Some(found) = statuses.clone().find(|s| s.name == container) else {
        return Err(format!("container {c} in pod {p} is waiting to start: ContainerCreating"));
    };
    let state = found.state.clone().unwrap_or_default();
    let last = found.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    let last_id = last.and_then(|t| t.container_id.clone()).filter(|id| !id.is_empty());
    let id = if previous {
        last_id.ok_or_else(|| format!("previous terminated container {c} in pod {p} not found"))?
    } else if state.running.is_some() {
        found.container_id.clone().unwrap_or_default()
    } else if let Some(t) = &state.terminated {
        match t.container_id.clone().filter(|id| !id.is_empty()) {
            Some(id) => id,
            None => last_id.ok_or_else(|| format!("container {c} in pod {p} is terminated"))?,
        }
    } else if let Some(id) = last_id {
        id
    } else {
        let reason = state.waiting.and_then(|w| w.reason).unwrap_or_default();
        return Err(match reason.as_str() {
            "ErrImagePull" => {
                format!("container {c} in pod {p} is waiting to start: image can't be pulled")
            }
            "ImagePullBackOff" => {
                format!("container {c} in pod {p} is waiting to start: trying and failing to pull image")
            }
            _ => format!("container {c} in pod {p} is waiting to start: {reason}"),
        });
    };
    Ok(id.strip_prefix("containerd://").unwrap_or(&id).to_string())
}
