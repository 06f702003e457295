//! Volumes the kubelet cannot mount here: a configMap or a secret lives in
//! the API server, and podplay has none, so such an object is never found.
//! The kubelet's volume manager then fails `MountVolume.SetUp` (a
//! `FailedMount` event, retried with back-off) and the Pod never gets a
//! sandbox: it stays `ContainerCreating`, as on a cluster without the
//! object. An `optional: true` source mounts empty instead.
//!
//! downwardAPI volumes (and projected ones made of downwardAPI items) are
//! files the kubelet writes from the Pod's own fields. Every other type
//! needs something podplay does not have (an API server to bind a claim, a
//! storage server, a cloud provider): the kubelet refuses such a Pod at
//! admission, naming the volume and its type, rather than mount an empty
//! directory in its place.

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, PodSpec, Volume};

use super::env::{EnvContext, pod_field, resource_value};
use crate::cri::VolumeFile;
use crate::defaults::volume_sources;
use crate::scheduler::AdmitRejection;
use crate::time::MonoDuration;

/// The admission reason of a Pod with a volume podplay cannot provide.
pub const UNSUPPORTED_VOLUME: &str = "UnsupportedVolume";

/// The kubelet's admission of the Pod's volumes: the first one whose type
/// needs what podplay lacks refuses the Pod.
pub fn admit(spec: &PodSpec) -> Result<(), AdmitRejection> {
    for v in spec.volumes.iter().flatten() {
        let projected = v.projected.iter().flat_map(|p| p.sources.iter().flatten()).find_map(|s| {
            [
                ("serviceAccountToken", s.service_account_token.is_some()),
                ("clusterTrustBundle", s.cluster_trust_bundle.is_some()),
                ("podCertificate", s.pod_certificate.is_some()),
            ]
            .into_iter()
            .find(|(_, set)| *set)
            .map(|(kind, _)| format!("projected {kind}"))
        });
        let kind = volume_sources(v).into_iter().find(|k| !SUPPORTED.contains(&k.as_str())).or(projected);
        if let Some(kind) = kind {
            let message = format!(
                "volume {:?} is a {kind} volume, which needs {}: podplay has none (emptyDir, hostPath and downwardAPI volumes work)",
                v.name,
                what_it_needs(&kind)
            );
            return Err(AdmitRejection { reason: UNSUPPORTED_VOLUME.to_string(), message });
        }
    }
    Ok(())
}

/// The types podplay sets up (configMap and secret wait for their object).
const SUPPORTED: &[&str] = &["configMap", "downwardAPI", "emptyDir", "hostPath", "projected", "secret"];

fn what_it_needs(kind: &str) -> &'static str {
    match kind {
        "persistentVolumeClaim" | "ephemeral" => "an API server to bind a PersistentVolume",
        "csi" | "flexVolume" => "a storage driver on the node",
        "gitRepo" => "git and the network (the plugin is deprecated)",
        "image" => "an image volume from the runtime",
        "projected serviceAccountToken" | "projected clusterTrustBundle" | "projected podCertificate" => {
            "an API server to issue it"
        }
        _ => "a storage server or a cloud provider",
    }
}

/// The files of a downwardAPI volume, or of a projected volume's
/// downwardAPI sources (`None` for other types). Each item's value is read
/// as `fieldRef`/`resourceFieldRef` read it for env.
pub fn volume_files(ctx: &EnvContext, spec: &PodSpec, volume: &Volume) -> Option<Vec<VolumeFile>> {
    let items: Vec<(&DownwardAPIVolumeFile, Option<i32>)> = if let Some(d) = &volume.downward_api {
        d.items.iter().flatten().map(|i| (i, d.default_mode)).collect()
    } else {
        let p = volume.projected.as_ref()?;
        let sources = p.sources.iter().flatten().filter_map(|s| s.downward_api.as_ref());
        sources.flat_map(|d| d.items.iter().flatten()).map(|i| (i, p.default_mode)).collect()
    };
    let files = items
        .into_iter()
        .map(|(item, default_mode)| {
            let content = if let Some(field) = &item.field_ref {
                pod_field(ctx, &field.field_path)
            } else if let Some(r) = &item.resource_field_ref {
                let name = r.container_name.as_deref().unwrap_or("");
                let all = spec.containers.iter().chain(spec.init_containers.iter().flatten());
                let divisor = r.divisor.as_ref().map(|q| q.0.as_str());
                all.clone()
                    .find(|c| c.name == name)
                    .map(|c| resource_value(ctx, c, &r.resource, divisor))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            let mode = item.mode.or(default_mode).unwrap_or(0o644);
            VolumeFile { path: item.path.clone(), content, mode: u32::try_from(mode).unwrap_or(0o644) & 0o777 }
        })
        .collect();
    Some(files)
}

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
            // A projected volume fails on its first missing source.
            _ => v.projected.iter().flat_map(|p| p.sources.iter().flatten()).find_map(|s| {
                match (&s.config_map, &s.secret) {
                    (Some(cm), _) if cm.optional != Some(true) => Some(format!("configmap \"{}\" not found", cm.name)),
                    (_, Some(sec)) if sec.optional != Some(true) => Some(format!("secret \"{}\" not found", sec.name)),
                    _ => None,
                }
            }),
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

    fn pod_of(yaml: &str) -> k8s_openapi::api::core::v1::Pod {
        let analysis = crate::analyze(yaml);
        let pod = analysis.valid_pods().next().cloned();
        pod.unwrap_or_else(|| panic!("{:?}", analysis.diagnostics))
    }

    #[test]
    fn volumes_that_need_a_cluster_are_refused_at_admission_naming_their_type() {
        let pvc = pod_of(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes:\n  - {name: scratch, emptyDir: {}}\n  - {name: data, persistentVolumeClaim: {claimName: task-pv-claim}}\n",
        );
        let rejection = admit(pvc.spec.as_ref().unwrap()).unwrap_err();
        assert_eq!(rejection.reason, UNSUPPORTED_VOLUME);
        assert_eq!(
            rejection.message,
            "volume \"data\" is a persistentVolumeClaim volume, which needs an API server to bind a PersistentVolume: podplay has none (emptyDir, hostPath and downwardAPI volumes work)"
        );
        let nfs = pod_of(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes:\n  - {name: share, nfs: {server: nfs.example.com, path: /exports}}\n",
        );
        assert!(
            admit(nfs.spec.as_ref().unwrap()).unwrap_err().message.contains("nfs volume, which needs a storage server")
        );
        let token = pod_of(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes:\n  - name: token\n    projected:\n      sources:\n      - serviceAccountToken: {path: token}\n",
        );
        assert!(admit(token.spec.as_ref().unwrap()).unwrap_err().message.contains("projected serviceAccountToken"));
        let fine = pod_of(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes:\n  - {name: a, emptyDir: {}}\n  - {name: b, hostPath: {path: /tmp}}\n  - {name: c, configMap: {name: x}}\n  - name: d\n    downwardAPI:\n      items: [{path: name, fieldRef: {fieldPath: metadata.name}}]\n",
        );
        assert_eq!(admit(fine.spec.as_ref().unwrap()), Ok(()));
    }

    #[test]
    fn downward_api_files_read_the_pods_fields_and_resources() {
        let pod = pod_of(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubernetes-downwardapi-volume-example\n  labels: {zone: us-est-coast, cluster: test-cluster1}\n  annotations: {build: two}\nspec:\n  containers:\n  - name: client\n    image: busybox\n    resources:\n      limits: {cpu: 500m, memory: 64Mi}\n  volumes:\n  - name: podinfo\n    downwardAPI:\n      items:\n      - {path: labels, fieldRef: {fieldPath: metadata.labels}}\n      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}, mode: 0400}\n      - {path: cpu_limit, resourceFieldRef: {containerName: client, resource: limits.cpu, divisor: 1m}}\n      - {path: mem/limit, resourceFieldRef: {containerName: client, resource: limits.memory, divisor: 1Mi}}\n  - name: all\n    projected:\n      defaultMode: 0440\n      sources:\n      - downwardAPI:\n          items: [{path: name, fieldRef: {fieldPath: metadata.name}}]\n      - configMap: {name: maybe, optional: true}\n",
        );
        let spec = pod.spec.as_ref().unwrap();
        let ctx = EnvContext {
            pod: &pod,
            node_name: "node-1",
            node_ip: "192.168.49.2",
            pod_ip: "10.244.0.2",
            allocatable_cpu_millis: 2000,
            allocatable_memory_bytes: 1 << 30,
        };
        let vols = spec.volumes.as_ref().unwrap();
        let files = volume_files(&ctx, spec, &vols[0]).unwrap();
        let got: Vec<(&str, &str, u32)> = files.iter().map(|f| (f.path.as_str(), f.content.as_str(), f.mode)).collect();
        assert_eq!(
            got,
            vec![
                ("labels", "cluster=\"test-cluster1\"\nzone=\"us-est-coast\"", 0o644),
                ("annotations", "build=\"two\"", 0o400),
                ("cpu_limit", "500", 0o644),
                ("mem/limit", "64", 0o644),
            ]
        );
        let projected = volume_files(&ctx, spec, &vols[1]).unwrap();
        assert_eq!(
            projected,
            vec![VolumeFile {
                path: "name".into(),
                content: "kubernetes-downwardapi-volume-example".into(),
                mode: 0o440
            }]
        );
        assert!(unmountable(spec).is_empty());
    }
}
