//! The API server's defaulting for Pods (`pkg/apis/core/v1/defaults.go`),
//! applied before validation as the API server applies it on create.

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, HTTPGetAction, LifecycleHandler, Pod, PodSecurityContext, PodSpec, Probe, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Fills in every default the API server would, in place.
pub fn default_pod(pod: &mut Pod) {
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    let _: &mut ObjectMeta = &mut pod.metadata;
    set_if_none(&mut spec.dns_policy, "ClusterFirst");
    set_if_none(&mut spec.restart_policy, "Always");
    set_if_none(&mut spec.scheduler_name, "default-scheduler");
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.security_context.get_or_insert_with(PodSecurityContext::default);
    spec.enable_service_links.get_or_insert(true);
    let host_network = spec.host_network == Some(true);
    for container in spec.init_containers.iter_mut().flatten().chain(spec.containers.iter_mut()) {
        default_container(container, host_network);
    }
    for volume in spec.volumes.iter_mut().flatten() {
        default_volume(volume);
    }
    admit(spec);
}

/// What the API server's default admission plugins add on create, which
/// every stored Pod shows: `Priority` (0 without a priority class, and its
/// preemption policy), `ServiceAccount` (the `default` account; its token
/// volume is not modelled) and `DefaultTolerationSeconds` (tolerate a
/// not-ready or unreachable node for 300 s).
fn admit(spec: &mut PodSpec) {
    if spec.priority_class_name.as_deref().unwrap_or("").is_empty() {
        spec.priority.get_or_insert(0);
    }
    set_if_none(&mut spec.preemption_policy, "PreemptLowerPriority");
    if spec.service_account_name.as_deref().unwrap_or("").is_empty() {
        spec.service_account_name = Some("default".into());
    }
    let account = spec.service_account_name.clone();
    spec.service_account = account;
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
        let tolerated = tolerations.iter().any(|t| {
            t.key.as_deref() == Some(key) && matches!(t.effect.as_deref(), None | Some("") | Some("NoExecute"))
        }) || tolerations.iter().any(|t| t.key.is_none() && t.operator.as_deref() == Some("Exists"));
        if !tolerated {
            tolerations.push(k8s_openapi::api::core::v1::Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
    }
}

/// `Always` for `:latest` or no tag, `IfNotPresent` otherwise (also for a
/// reference that does not parse, as `parsers.ParseImageName` fails then).
pub fn default_pull_policy(image: &str) -> &'static str {
    match image_tag(image) {
        Some(tag) if tag == "latest" => "Always",
        _ => "IfNotPresent",
    }
}

/// The tag of an image reference as the kubelet's image parser sees it:
/// `latest` when neither tag nor digest is given; `None` when the reference
/// does not parse or has only a digest.
pub fn image_tag(image: &str) -> Option<String> {
    if image.is_empty() || image.trim() != image {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last_segment_start = name.rfind('/').map_or(0, |i| i + 1);
    if crate::image_ref::check(image).is_err() {
        return None; // not a valid reference: ParseImageName fails
    }
    match name[last_segment_start..].split_once(':') {
        Some((_, tag)) => Some(tag.to_string()),
        None if digest.is_some() => None,
        None => Some("latest".to_string()),
    }
}

fn default_container(c: &mut Container, host_network: bool) {
    if c.image_pull_policy.as_deref().unwrap_or("").is_empty() {
        c.image_pull_policy = Some(default_pull_policy(c.image.as_deref().unwrap_or("")).to_string());
    }
    set_if_none(&mut c.termination_message_path, "/dev/termination-log");
    set_if_none(&mut c.termination_message_policy, "File");
    for port in c.ports.iter_mut().flatten() {
        default_port(port, host_network);
    }
    for probe in [&mut c.liveness_probe, &mut c.readiness_probe, &mut c.startup_probe].into_iter().flatten() {
        default_probe(probe);
    }
    if let Some(lifecycle) = &mut c.lifecycle {
        for handler in [&mut lifecycle.post_start, &mut lifecycle.pre_stop].into_iter().flatten() {
            default_handler(handler);
        }
    }
    // SetDefaults_Pod: requests default to limits when only limits are given.
    if let Some(resources) = &mut c.resources {
        if let Some(limits) = resources.limits.clone() {
            let requests = resources.requests.get_or_insert_with(Default::default);
            for (name, quantity) in limits {
                requests.entry(name).or_insert(quantity);
            }
        }
    }
}

fn default_port(port: &mut ContainerPort, host_network: bool) {
    set_if_none(&mut port.protocol, "TCP");
    if host_network && port.host_port.unwrap_or(0) == 0 {
        port.host_port = Some(port.container_port);
    }
}

fn default_probe(probe: &mut Probe) {
    probe.timeout_seconds.get_or_insert(1);
    probe.period_seconds.get_or_insert(10);
    probe.success_threshold.get_or_insert(1);
    probe.failure_threshold.get_or_insert(3);
    if let Some(http) = &mut probe.http_get {
        default_http_get(http);
    }
}

fn default_handler(handler: &mut LifecycleHandler) {
    if let Some(http) = &mut handler.http_get {
        default_http_get(http);
    }
}

fn default_http_get(http: &mut HTTPGetAction) {
    set_if_none(&mut http.path, "/");
    set_if_none(&mut http.scheme, "HTTP");
}

fn default_volume(volume: &mut Volume) {
    if volume_source_count(volume) == 0 {
        volume.empty_dir = Some(Default::default());
    }
    if let Some(host_path) = &mut volume.host_path {
        host_path.type_.get_or_insert_with(String::new);
    }
    const DEFAULT_MODE: i32 = 0o644;
    if let Some(v) = &mut volume.config_map {
        v.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(v) = &mut volume.secret {
        v.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(v) = &mut volume.downward_api {
        v.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(v) = &mut volume.projected {
        v.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(v) = &mut volume.image {
        if v.pull_policy.as_deref().unwrap_or("").is_empty() {
            v.pull_policy = Some(default_pull_policy(v.reference.as_deref().unwrap_or("")).to_string());
        }
    }
}

/// The volume source fields that are set, in the JSON names of the API and
/// in their alphabetical order (the order the API serializes them in).
///
/// Listed by hand rather than found by serializing the volume: `Volume`'s
/// `Serialize` costs the playground's WebAssembly about 20 KB. A test checks
/// the list against the API's field list.
pub fn volume_sources(volume: &Volume) -> Vec<String> {
    let v = volume;
    let set = [
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("cephfs", v.cephfs.is_some()),
        ("cinder", v.cinder.is_some()),
        ("configMap", v.config_map.is_some()),
        ("csi", v.csi.is_some()),
        ("downwardAPI", v.downward_api.is_some()),
        ("emptyDir", v.empty_dir.is_some()),
        ("ephemeral", v.ephemeral.is_some()),
        ("fc", v.fc.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("flocker", v.flocker.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("hostPath", v.host_path.is_some()),
        ("image", v.image.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("nfs", v.nfs.is_some()),
        ("persistentVolumeClaim", v.persistent_volume_claim.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("projected", v.projected.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("rbd", v.rbd.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("secret", v.secret.is_some()),
        ("storageos", v.storageos.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
    ];
    set.into_iter().filter(|(_, is_set)| *is_set).map(|(name, _)| name.to_string()).collect()
}

fn volume_source_count(volume: &Volume) -> usize {
    volume_sources(volume).len()
}

fn set_if_none(field: &mut Option<String>, value: &str) {
    if field.is_none() {
        *field = Some(value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_sources_names_every_source_the_api_has() {
        // Every source set at once: the list must name each field the API
        // serializes, in the same order.
        let mut json = serde_json::Map::new();
        for (name, def) in crate::schema::schema().definition("io.k8s.api.core.v1.Volume").unwrap().properties.iter() {
            let value = match crate::schema::schema().object(&def.ty) {
                Some(_) => serde_json::json!({}),
                None => serde_json::json!("x"),
            };
            json.insert(name.clone(), value);
        }
        let volume: Volume = serde_json::from_value(serde_json::Value::Object(json)).unwrap();
        let serialized: Vec<String> = match serde_json::to_value(&volume).unwrap() {
            serde_json::Value::Object(map) => map.into_iter().map(|(k, _)| k).filter(|k| k != "name").collect(),
            _ => unreachable!(),
        };
        assert_eq!(serialized.len(), 30);
        assert_eq!(volume_sources(&volume), serialized);
        assert!(volume_sources(&Volume::default()).is_empty());
    }

    #[test]
    fn pull_policy_by_tag() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(default_pull_policy("nginx@sha256:abc"), "IfNotPresent");
        let digest = "sha256:a3e0b17f83b5cb9e3bd5b4d7c2b8a1d1c0f2e6d4b9a8c7e6f5d4c3b2a1908070";
        assert_eq!(default_pull_policy(&format!("nginx:latest@{digest}")), "Always");
        // `parsers.ParseImageName` fails on a short digest: no tag, IfNotPresent.
        assert_eq!(default_pull_policy("nginx:latest@sha256:abc"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/nginx"), "Always");
        assert_eq!(default_pull_policy("localhost:5000/nginx:v2"), "IfNotPresent");
        assert_eq!(default_pull_policy("geektime/tomcat:7.0"), "IfNotPresent");
    }

    /// The `Priority`, `ServiceAccount` and `DefaultTolerationSeconds`
    /// admission plugins' additions (`plugin/pkg/admission/…`), which a
    /// stored Pod and `kubectl describe` show; a toleration the Pod already
    /// has for the key is kept as written.
    #[test]
    fn admission_adds_priority_service_account_and_tolerations() {
        let pod = crate::test_support::pod(concat!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  tolerations:\n",
            "  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60}\n",
            "  containers:\n  - name: c\n    image: nginx\n",
        ));
        let spec = pod.spec.unwrap();
        assert_eq!(spec.priority, Some(0));
        assert_eq!(spec.preemption_policy.as_deref(), Some("PreemptLowerPriority"));
        assert_eq!(spec.service_account_name.as_deref(), Some("default"));
        assert_eq!(spec.service_account.as_deref(), Some("default"));
        let tolerations: Vec<_> =
            spec.tolerations.unwrap().into_iter().map(|t| (t.key.unwrap_or_default(), t.toleration_seconds)).collect();
        assert_eq!(
            tolerations,
            [
                ("node.kubernetes.io/unreachable".to_string(), Some(60)),
                ("node.kubernetes.io/not-ready".to_string(), Some(300))
            ]
        );
    }
}
