//! Volumes the kubelet cannot mount here: a configMap or a secret lives in
//! the API server, and podplay has none, so such an object is never found.
//! The kubelet's volume manager then fails `MountVolume.SetUp` (a
//! `FailedMount` event, retried with back-off) and the Pod never gets a
//! sandbox: it stays `ContainerCreating`, as on a cluster without the
//! object. An `optional: true` source mounts empty instead.

use k8s_openapi::api::core::v1::PodSpec;

use crate::time::MonoDuration;

/// The operation executor's back-off for a failed mount: 500 ms, doubling,
/// at most 2 min 2 s.
pub const FIRST_RETRY: MonoDuration = MonoDuration(500);
pub const MAX_RETRY: MonoDuration = MonoDuration(122_000);

/// The `FailedMount` messages of the volumes that cannot be set up.
pub fn unmountable(spec: &PodSpec) -> Vec<String> {
    let mut failed = Vec::new();
    for v in spec.volumes.iter().flatten() {
        let missing = match (&v.config_map, &v.secret) {
            (Some(cm), _) if cm.optional != Some(true) => Some(format!("configmap \"{}\" not found", cm.name)),
            (_, Some(s)) if s.optional != Some(true) => {
                Some(format!("secret \"{}\" not found", s.secret_name.clone().unwrap_or_default()))
            }
            _ => None,
        };
        if let Some(why) = missing {
            failed.push(format!("MountVolume.SetUp failed for volume \"{}\" : {why}", v.name));
        }
    }
    failed
}

/// The next retry delay after `previous`.
pub fn next_retry(previous: Option<MonoDuration>) -> MonoDuration {
    match previous {
        None => FIRST_RETRY,
        Some(d) => MonoDuration((d.0 * 2).min(MAX_RETRY.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_maps_and_secrets_are_not_found_unless_optional() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes:\n  - {name: cfg, configMap: {name: app-config}}\n  - {name: opt, configMap: {name: maybe, optional: true}}\n  - {name: creds, secret: {secretName: db}}\n  - {name: scratch, emptyDir: {}}\n";
        let analysis = crate::analyze(yaml);
        let pod = analysis.valid_pods().next().unwrap();
        assert_eq!(
            unmountable(pod.spec.as_ref().unwrap()),
            vec![
                "MountVolume.SetUp failed for volume \"cfg\" : configmap \"app-config\" not found".to_string(),
                "MountVolume.SetUp failed for volume \"creds\" : secret \"db\" not found".to_string(),
            ]
        );
        assert_eq!(next_retry(None), MonoDuration(500));
        assert_eq!(next_retry(Some(MonoDuration(100_000))), MAX_RETRY);
    }
}
