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

use std::cell::RefCell;

use k8s_openapi::api::core::v1::{Container, DownwardAPIVolumeFile, PodSpec, Volume, VolumeMount};

use super::env::{EnvContext, EnvList, expand, pod_field, resource_value};
use crate::cri::{HostPathCreate, Mount, MountSource, VolumeFile};
use crate::defaults::volume_sources;
use crate::scheduler::AdmitRejection;
use crate::scheduler::parse_quantity_scaled;
use crate::time::MonoDuration;

/// The admission reason of a Pod with a volume podplay cannot provide.
pub const UNSUPPORTED_VOLUME: &str = "UnsupportedVolume";

/// The kubelet's admission of the Pod's volumes: the first one whose type
/// needs what podplay lacks refuses the Pod.
pub fn admit(spec: &PodSpec) -> Result<(), AdmitRejection> {
    for v in spec.volumes.iter().flatten() {
        let mut kind = volume_sources(v).into_iter().find(|k| !SUPPORTED.contains(&k.as_str()));
        // Plain loops: the playground's WebAssembly pays for each iterator
        // adapter chain.
        for source in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if kind.is_none() {
                if source.service_account_token.is_some() {
                    kind = Some("projected serviceAccountToken".into());
                } else if source.cluster_trust_bundle.is_some() {
                    kind = Some("projected clusterTrustBundle".into());
                } else if source.pod_certificate.is_some() {
                    kind = Some("projected podCertificate".into());
                }
            }
        }
        if let Some(kind) = kind {
            let message = format!(
                "volume \"{}\" is a {kind} volume, which needs {}: podplay has none (emptyDir, hostPath and downwardAPI volumes work)",
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
    let mut items: Vec<(&DownwardAPIVolumeFile, Option<i32>)> = Vec::new();
    if let Some(d) = &volume.downward_api {
        for item in d.items.iter().flatten() {
            items.push((item, d.default_mode));
        }
    } else {
        let p = volume.projected.as_ref()?;
        for d in p.sources.iter().flatten().filter_map(|s| s.downward_api.as_ref()) {
            for item in d.items.iter().flatten() {
                items.push((item, p.default_mode));
            }
        }
    }
    let mut files = Vec::new();
    for (item, default_mode) in items {
        let mut content = String::new();
        if let Some(field) = &item.field_ref {
            content = pod_field(ctx, &field.field_path);
        } else if let Some(r) = &item.resource_field_ref {
            let name = r.container_name.as_deref().unwrap_or("");
            let divisor = r.divisor.as_ref().map(|q| q.0.as_str());
            let init = spec.init_containers.iter().flatten();
            if let Some(c) = spec.containers.iter().chain(init).find(|c| c.name == name) {
                content = resource_value(ctx, c, &r.resource, divisor);
            }
        }
        let mode = item.mode.or(default_mode).unwrap_or(0o644);
        files.push(VolumeFile { path: item.path.clone(), content, mode: u32::try_from(mode).unwrap_or(0o644) & 0o777 });
    }
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

/// The container's volume mounts as the CRI carries them (`makeMounts`):
/// each volume's node directory (or files), read-only where the kubelet
/// forces it, and the subPath (a subPathExpr expanded from `env`).
pub fn container_mounts(
    ctx: &EnvContext,
    spec: &PodSpec,
    c: &Container,
    env: &EnvList,
    pod_dir: &str,
) -> Result<Vec<Mount>, String> {
    let mut mounts = Vec::new();
    for m in c.volume_mounts.iter().flatten() {
        let Some(volume) = spec.volumes.iter().flatten().find(|v| v.name == m.name) else {
            continue;
        };
        let source = mount_source(ctx, spec, volume, pod_dir);
        // Since 1.10 the kubelet mounts downwardAPI and projected volumes
        // read-only, whatever the volumeMount says.
        let read_only = m.read_only == Some(true) || matches!(source, MountSource::VolumeFiles { .. });
        let sub_path = sub_path(m, env)?;
        mounts.push(Mount { container_path: m.mount_path.clone(), source, read_only, sub_path });
    }
    Ok(mounts)
}

fn mount_source(ctx: &EnvContext, spec: &PodSpec, volume: &Volume, pod_dir: &str) -> MountSource {
    let name = volume.name.clone();
    if let Some(hp) = &volume.host_path {
        let create = match hp.type_.as_deref().unwrap_or("") {
            "DirectoryOrCreate" => HostPathCreate::Directory,
            "FileOrCreate" => HostPathCreate::File,
            "" => HostPathCreate::Unchecked,
            _ => HostPathCreate::MustExist,
        };
        return MountSource::NodePath { path: hp.path.clone(), create, volume: name, memory: None };
    }
    if let Some(files) = volume_files(ctx, spec, volume) {
        let plugin = if volume.projected.is_some() { "kubernetes.io~projected" } else { "kubernetes.io~downward-api" };
        return MountSource::VolumeFiles { path: format!("{pod_dir}/volumes/{plugin}/{name}"), volume: name, files };
    }
    let plugin = if volume.empty_dir.is_some() { "kubernetes.io~empty-dir" } else { "kubernetes.io~other" };
    let memory = volume
        .empty_dir
        .as_ref()
        .filter(|e| e.medium.as_deref() == Some("Memory"))
        .map(|e| memory_volume_size(ctx, spec, e.size_limit.as_ref().map(|q| q.0.as_str())));
    MountSource::NodePath {
        path: format!("{pod_dir}/volumes/{plugin}/{name}"),
        create: HostPathCreate::Directory,
        volume: name,
        memory,
    }
}

/// `calculateEmptyDirMemorySize`: a memory emptyDir's tmpfs is as large as
/// the node's allocatable memory, or the Pod's memory limit if smaller, or
/// the volume's sizeLimit if smaller still.
fn memory_volume_size(ctx: &EnvContext, spec: &PodSpec, size_limit: Option<&str>) -> u64 {
    let mut size = u64::try_from(ctx.allocatable_memory_bytes).unwrap_or(0);
    let smaller = |size: u64, bound: Option<u64>| match bound {
        Some(b) if b > 0 && b <= size => b,
        _ => size,
    };
    size = smaller(size, pod_memory_limit(spec));
    smaller(size, size_limit.and_then(|q| parse_quantity_scaled(q, 0)).and_then(|b| u64::try_from(b).ok()))
}

/// The Pod's memory limit as its cgroup gets it (`ResourceConfigForPod`):
/// only when every container declares one; the sum of the containers',
/// or the largest init container's if that is more.
fn pod_memory_limit(spec: &PodSpec) -> Option<u64> {
    let limit = |c: &Container| {
        let limits = c.resources.as_ref().and_then(|r| r.limits.as_ref())?;
        let bytes = parse_quantity_scaled(&limits.get("memory")?.0, 0)?;
        u64::try_from(bytes).ok()
    };
    let mut sum = 0u64;
    for c in &spec.containers {
        sum = sum.saturating_add(limit(c)?);
    }
    let mut largest_init = 0u64;
    for c in spec.init_containers.iter().flatten() {
        largest_init = largest_init.max(limit(c)?);
    }
    Some(sum.max(largest_init))
}

/// The mount's subPath: `subPathExpr` expanded with the container's
/// environment (`ExpandContainerVolumeMounts`: every variable it names must
/// have a value), else `subPath`; then `makeMounts`' checks.
fn sub_path(m: &VolumeMount, env: &EnvList) -> Result<Option<String>, String> {
    let sub = match m.sub_path_expr.as_deref().filter(|e| !e.is_empty()) {
        Some(expr) => {
            let missing = RefCell::new(Vec::new());
            let expanded = expand(expr, &|key: &str| {
                let value = env.get(key).map(str::to_string);
                if value.as_deref().is_none_or(str::is_empty) {
                    missing.borrow_mut().push(key.to_string());
                }
                value
            });
            let mut missing = missing.into_inner();
            if !missing.is_empty() {
                missing.sort();
                missing.dedup();
                return Err(format!("missing value for {}", missing.join(", ")));
            }
            expanded
        }
        None => m.sub_path.clone().unwrap_or_default(),
    };
    if sub.is_empty() {
        return Ok(None);
    }
    if sub.starts_with('/') {
        return Err(format!("error SubPath `{sub}` must not be an absolute path"));
    }
    if sub.split('/').any(|part| part == "..") {
        return Err(format!("unable to provision SubPath `{sub}`: must not contain '..'"));
    }
    Ok(Some(sub))
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

    /// The Pod on node-1 (1 GiB, 2 CPUs allocatable) at 10.244.0.2.
    fn context(pod: &k8s_openapi::api::core::v1::Pod) -> EnvContext<'_> {
        EnvContext {
            pod,
            node_name: "node-1",
            node_ip: "192.168.49.2",
            pod_ip: "10.244.0.2",
            allocatable_cpu_millis: 2000,
            allocatable_memory_bytes: 1 << 30,
        }
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
        let ctx = context(&pod);
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

    #[test]
    fn memory_empty_dirs_are_sized_and_sub_path_exprs_expand_from_the_env() {
        let pod = pod_of(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    env:\n    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n    - {name: EMPTY, value: ''}\n    resources: {limits: {memory: 64Mi}}\n    volumeMounts:\n    - {name: cache, mountPath: /cache}\n    - {name: small, mountPath: /small}\n    - {name: logs, mountPath: /logs, subPathExpr: $(POD_NAME)/app}\n  volumes:\n  - {name: cache, emptyDir: {medium: Memory}}\n  - {name: small, emptyDir: {medium: Memory, sizeLimit: 16Mi}}\n  - {name: logs, emptyDir: {}}\n",
        );
        let spec = pod.spec.as_ref().unwrap();
        let ctx = context(&pod);
        let c = &spec.containers[0];
        let env = super::super::env::container_env(&ctx, c).unwrap();
        let mounts = container_mounts(&ctx, spec, c, &env, "/var/lib/kubelet/pods/u").unwrap();
        let memory: Vec<Option<u64>> = mounts
            .iter()
            .map(|m| match &m.source {
                MountSource::NodePath { memory, .. } => *memory,
                _ => None,
            })
            .collect();
        // The Pod's limit (64 MiB) under the node's 1 GiB; the sizeLimit under both.
        assert_eq!(memory, vec![Some(64 << 20), Some(16 << 20), None]);
        assert_eq!(mounts[2].sub_path.as_deref(), Some("web/app"));

        let mut bad = c.clone();
        let expr = |e: &str| {
            Some(vec![VolumeMount {
                name: "logs".into(),
                mount_path: "/l".into(),
                sub_path_expr: Some(e.into()),
                ..Default::default()
            }])
        };
        bad.volume_mounts = expr("$(EMPTY)/$(NOPE)");
        assert_eq!(container_mounts(&ctx, spec, &bad, &env, "/p").unwrap_err(), "missing value for EMPTY, NOPE");
        bad.volume_mounts = expr("$(POD_NAME)/../..");
        assert_eq!(
            container_mounts(&ctx, spec, &bad, &env, "/p").unwrap_err(),
            "unable to provision SubPath `web/../..`: must not contain '..'"
        );
    }
}
