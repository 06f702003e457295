//! Pod-level rules (`ValidatePodCreate`, `ValidatePodSpec`), in upstream's
//! order so that the kubectl-style summary lists errors as kubectl would.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::container::{
    ContainerKind, Context, check_host_port_conflicts, validate_common, validate_host_network_ports,
    validate_lifecycle_and_probes,
};
use super::names::{dns1123_label, dns1123_subdomain, ip_address, label_value, qualified_name};
use super::volume::validate_volumes;
use super::{BadValue, Errors, FieldError};
use crate::path::FieldPath;

/// Validates a defaulted Pod as the API server does on create.
pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    let mut errs = Errors::default();
    validate_metadata(&pod.metadata, &FieldPath::new("metadata"), &mut errs);
    let default_spec = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&default_spec);
    validate_spec(spec, &FieldPath::new("spec"), &mut errs);
    errs.0
}

fn validate_metadata(meta: &ObjectMeta, path: &FieldPath, errs: &mut Errors) {
    let name = meta.name.as_deref().unwrap_or("");
    let generate_name = meta.generate_name.as_deref().unwrap_or("");
    if name.is_empty() && generate_name.is_empty() {
        errs.push(FieldError::required(path.child("name"), "name or generateName is required"));
    }
    if !name.is_empty() {
        for detail in dns1123_subdomain(name) {
            errs.push(FieldError::invalid(path.child("name"), BadValue::Str(name.into()), &detail));
        }
    }
    if let Some(ns) = meta.namespace.as_deref().filter(|n| !n.is_empty()) {
        for detail in dns1123_label(ns) {
            errs.push(FieldError::invalid(path.child("namespace"), BadValue::Str(ns.into()), &detail));
        }
    }
    validate_labels(meta.labels.iter().flatten(), &path.child("labels"), errs);
    for key in meta.annotations.iter().flatten().map(|(k, _)| k) {
        for detail in qualified_name(&key.to_ascii_lowercase()) {
            errs.push(FieldError::invalid(path.child("annotations"), BadValue::Str(key.clone()), &detail));
        }
    }
    let annotations_size: usize = meta.annotations.iter().flatten().map(|(k, v)| k.len() + v.len()).sum();
    if annotations_size > 256 * 1024 {
        errs.push(FieldError::too_long(path.child("annotations"), 256 * 1024));
    }
}

fn validate_labels<'a>(labels: impl Iterator<Item = (&'a String, &'a String)>, path: &FieldPath, errs: &mut Errors) {
    for (key, value) in labels {
        for detail in qualified_name(key) {
            errs.push(FieldError::invalid(path.clone(), BadValue::Str(key.clone()), &detail));
        }
        for detail in label_value(value) {
            errs.push(FieldError::invalid(path.key(key), BadValue::Str(value.clone()), &detail));
        }
    }
}

fn validate_spec(spec: &PodSpec, path: &FieldPath, errs: &mut Errors) {
    let volumes = validate_volumes(spec.volumes.as_deref().unwrap_or(&[]), &path.child("volumes"), errs);
    let ctx = Context {
        volumes: &volumes,
        host_network: spec.host_network == Some(true),
        grace_period: spec.termination_grace_period_seconds.unwrap_or(30),
    };
    validate_containers(spec, path, &ctx, errs);
    validate_init_containers(spec, path, &ctx, errs);
    if spec.ephemeral_containers.as_ref().is_some_and(|e| !e.is_empty()) {
        errs.push(FieldError::forbidden(path.child("ephemeralContainers"), "cannot be set on create"));
    }
    if ctx.host_network {
        let init =
            spec.init_containers.iter().flatten().enumerate().map(|(i, c)| (path.child("initContainers").index(i), c));
        let regular = spec.containers.iter().enumerate().map(|(i, c)| (path.child("containers").index(i), c));
        for (cp, c) in regular.chain(init) {
            validate_host_network_ports(c, &cp, errs);
        }
    }
    match spec.restart_policy.as_deref() {
        Some("Always" | "OnFailure" | "Never") => {}
        Some("") | None => errs.push(FieldError::required(path.child("restartPolicy"), "")),
        Some(other) => {
            errs.push(FieldError::not_supported(path.child("restartPolicy"), other, &["Always", "OnFailure", "Never"]))
        }
    }
    match spec.dns_policy.as_deref() {
        Some("ClusterFirstWithHostNet" | "ClusterFirst" | "Default") => {}
        Some("None") => {
            if spec.dns_config.is_none() {
                errs.push(FieldError::required(
                    path.child("dnsConfig"),
                    "must provide `dnsConfig` when `dnsPolicy` is None",
                ));
            }
        }
        Some("") | None => errs.push(FieldError::required(path.child("dnsPolicy"), "")),
        Some(other) => errs.push(FieldError::not_supported(
            path.child("dnsPolicy"),
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    validate_labels(spec.node_selector.iter().flatten(), &path.child("nodeSelector"), errs);
    if spec.share_process_namespace == Some(true) && spec.host_pid == Some(true) {
        errs.push(FieldError::invalid(
            path.child("securityContext").child("shareProcessNamespace"),
            BadValue::Bool(true),
            "ShareProcessNamespace and HostPID cannot both be enabled",
        ));
    }
    if let Some(name) = spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        for detail in dns1123_subdomain(name) {
            errs.push(FieldError::invalid(path.child("nodeName"), BadValue::Str(name.into()), &detail));
        }
    }
    if let Some(seconds) = spec.active_deadline_seconds {
        if !(1..=i64::from(i32::MAX)).contains(&seconds) {
            errs.push(FieldError::invalid(
                path.child("activeDeadlineSeconds"),
                BadValue::Int(seconds),
                "must be between 1 and 2147483647, inclusive",
            ));
        }
    }
    for field in ["hostname", "subdomain"] {
        let value = if field == "hostname" { &spec.hostname } else { &spec.subdomain };
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            for detail in dns1123_label(v) {
                errs.push(FieldError::invalid(path.child(field), BadValue::Str(v.into()), &detail));
            }
        }
    }
    for (i, alias) in spec.host_aliases.iter().flatten().enumerate() {
        let ap = path.child("hostAliases").index(i);
        for detail in ip_address(&alias.ip) {
            errs.push(FieldError::invalid(ap.child("ip"), BadValue::Str(alias.ip.clone()), &detail));
        }
        for (j, hostname) in alias.hostnames.iter().flatten().enumerate() {
            for detail in dns1123_subdomain(hostname) {
                errs.push(FieldError::invalid(
                    ap.child("hostnames").index(j),
                    BadValue::Str(hostname.clone()),
                    &detail,
                ));
            }
        }
    }
    if let Some(seconds) = spec.termination_grace_period_seconds.filter(|s| *s < 0) {
        errs.push(FieldError::invalid(
            path.child("terminationGracePeriodSeconds"),
            BadValue::Int(seconds),
            "must be greater than or equal to 0",
        ));
    }
}

fn validate_containers(spec: &PodSpec, path: &FieldPath, ctx: &Context<'_>, errs: &mut Errors) {
    let cp = path.child("containers");
    if spec.containers.is_empty() {
        errs.push(FieldError::required(cp.clone(), ""));
    }
    let mut names = BTreeSet::new();
    for (i, c) in spec.containers.iter().enumerate() {
        let p = cp.index(i);
        if !c.name.is_empty() && !names.insert(c.name.clone()) {
            errs.push(FieldError::duplicate(p.child("name"), BadValue::Str(c.name.clone())));
        }
        validate_common(c, &p, ctx, errs);
        validate_lifecycle_and_probes(c, &p, ContainerKind::Regular, ctx, errs);
        if c.restart_policy.is_some() {
            errs.push(FieldError::forbidden(p.child("restartPolicy"), "may not be set for non-init containers"));
        }
    }
    check_host_port_conflicts(spec.containers.iter().enumerate().map(|(i, c)| (cp.index(i), c)), errs);
}

fn validate_init_containers(spec: &PodSpec, path: &FieldPath, ctx: &Context<'_>, errs: &mut Errors) {
    let ip = path.child("initContainers");
    let mut names = BTreeSet::new();
    names.extend(spec.containers.iter().map(|c| c.name.clone()));
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let p = ip.index(i);
        if !c.name.is_empty() && !names.insert(c.name.clone()) {
            errs.push(FieldError::duplicate(p.child("name"), BadValue::Str(c.name.clone())));
        }
        validate_common(c, &p, ctx, errs);
        if let Some(policy) = c.restart_policy.as_deref() {
            if policy != "Always" {
                errs.push(FieldError::not_supported(p.child("restartPolicy"), policy, &["Always"]));
            }
        }
        validate_lifecycle_and_probes(c, &p, ContainerKind::Init, ctx, errs);
        // Init containers run one at a time, so each is checked on its own.
        check_host_port_conflicts(std::iter::once((p.clone(), c)), errs);
    }
}

/// A Node as the cluster model reads it: a valid name and labels.
pub fn validate_node(node: &k8s_openapi::api::core::v1::Node) -> Vec<FieldError> {
    let mut errs = Errors::default();
    validate_metadata(&node.metadata, &FieldPath::new("metadata"), &mut errs);
    errs.0
}
