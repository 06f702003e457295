//! Container rules: names, images, ports, env, mounts, probes, hooks.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Container, ContainerPort, LifecycleHandler, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::names::{PORT_RANGE_MESSAGE, dns1123_label, port_name};
use super::{BadValue, Errors, FieldError};
use crate::path::FieldPath;

/// Which list a container is in; the rules differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Regular,
    Init,
}

pub struct Context<'a> {
    /// Volume names defined in `spec.volumes`.
    pub volumes: &'a BTreeSet<String>,
    pub host_network: bool,
    pub grace_period: i64,
}

/// Rules shared by init and regular containers (`validateContainerCommon`).
pub fn validate_common(c: &Container, path: &FieldPath, ctx: &Context<'_>, errs: &mut Errors) {
    let name_path = path.child("name");
    if c.name.is_empty() {
        errs.push(FieldError::required(name_path, ""));
    } else {
        for detail in dns1123_label(&c.name) {
            errs.push(FieldError::invalid(name_path.clone(), BadValue::Str(c.name.clone()), &detail));
        }
    }
    let image = c.image.as_deref().unwrap_or("");
    if image.is_empty() {
        errs.push(FieldError::required(path.child("image"), ""));
    } else if image.trim() != image {
        errs.push(FieldError::invalid(
            path.child("image"),
            BadValue::Str(image.into()),
            "must not have leading or trailing whitespace",
        ));
    }
    validate_ports(c.ports.as_deref().unwrap_or(&[]), &path.child("ports"), errs);
    validate_env(c, &path.child("env"), errs);
    validate_volume_mounts(c, &path.child("volumeMounts"), ctx, errs);
    if let Some(policy) = c.image_pull_policy.as_deref() {
        if !["Always", "IfNotPresent", "Never"].contains(&policy) {
            errs.push(FieldError::not_supported(
                path.child("imagePullPolicy"),
                policy,
                &["Always", "IfNotPresent", "Never"],
            ));
        }
    }
    match c.termination_message_policy.as_deref() {
        Some("File" | "FallbackToLogsOnError") => {}
        Some("") | None => errs.push(FieldError::required(path.child("terminationMessagePolicy"), "")),
        Some(other) => errs.push(FieldError::not_supported(
            path.child("terminationMessagePolicy"),
            other,
            &["File", "FallbackToLogsOnError"],
        )),
    }
    validate_resources(c, &path.child("resources"), errs);
}

/// Lifecycle hooks and probes, where they are allowed.
pub fn validate_lifecycle_and_probes(
    c: &Container,
    path: &FieldPath,
    kind: ContainerKind,
    ctx: &Context<'_>,
    errs: &mut Errors,
) {
    let sidecar = c.restart_policy.as_deref() == Some("Always");
    if kind == ContainerKind::Init && !sidecar {
        let detail = "may not be set for init containers without restartPolicy=Always";
        if c.lifecycle.is_some() {
            errs.push(FieldError::forbidden(path.child("lifecycle"), detail));
        }
        for (field, probe) in [
            ("livenessProbe", &c.liveness_probe),
            ("readinessProbe", &c.readiness_probe),
            ("startupProbe", &c.startup_probe),
        ] {
            if probe.is_some() {
                errs.push(FieldError::forbidden(path.child(field), detail));
            }
        }
        return;
    }
    if let Some(lifecycle) = &c.lifecycle {
        let lp = path.child("lifecycle");
        if let Some(h) = &lifecycle.post_start {
            validate_handler(h, &lp.child("postStart"), ctx, errs);
        }
        if let Some(h) = &lifecycle.pre_stop {
            validate_handler(h, &lp.child("preStop"), ctx, errs);
        }
    }
    if let Some(p) = &c.liveness_probe {
        validate_probe(p, &path.child("livenessProbe"), true, errs);
    }
    if let Some(p) = &c.readiness_probe {
        validate_probe(p, &path.child("readinessProbe"), false, errs);
    }
    if let Some(p) = &c.startup_probe {
        validate_probe(p, &path.child("startupProbe"), true, errs);
    }
}

/// `checkHostPortConflicts`: one `<proto>/<hostIP>/<hostPort>` per Pod.
pub fn check_host_port_conflicts<'a>(containers: impl Iterator<Item = (FieldPath, &'a Container)>, errs: &mut Errors) {
    let mut seen = BTreeSet::new();
    for (path, c) in containers {
        for (j, port) in c.ports.iter().flatten().enumerate() {
            let host_port = port.host_port.unwrap_or(0);
            if host_port == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{}",
                port.protocol.as_deref().unwrap_or("TCP"),
                port.host_ip.as_deref().unwrap_or(""),
                host_port
            );
            if !seen.insert(key.clone()) {
                errs.push(FieldError::duplicate(path.child("ports").index(j).child("hostPort"), BadValue::Str(key)));
            }
        }
    }
}

/// `validatePodHostNetworkDeps`: with hostNetwork, hostPort must equal containerPort.
pub fn validate_host_network_ports(c: &Container, path: &FieldPath, errs: &mut Errors) {
    for (j, port) in c.ports.iter().flatten().enumerate() {
        if let Some(host_port) = port.host_port {
            if host_port != port.container_port {
                errs.push(FieldError::invalid(
                    path.child("ports").index(j).child("hostPort"),
                    BadValue::Int(host_port.into()),
                    "must match `containerPort` when `hostNetwork` is true",
                ));
            }
        }
    }
}

fn validate_ports(ports: &[ContainerPort], path: &FieldPath, errs: &mut Errors) {
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let pp = path.index(i);
        if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
            for detail in port_name(name) {
                errs.push(FieldError::invalid(pp.child("name"), BadValue::Str(name.into()), &detail));
            }
            if !names.insert(name.to_string()) {
                errs.push(FieldError::duplicate(pp.child("name"), BadValue::Str(name.into())));
            }
        }
        if port.container_port == 0 {
            errs.push(FieldError::required(pp.child("containerPort"), ""));
        } else if !(1..=65535).contains(&port.container_port) {
            errs.push(FieldError::invalid(
                pp.child("containerPort"),
                BadValue::Int(port.container_port.into()),
                PORT_RANGE_MESSAGE,
            ));
        }
        if let Some(host_port) = port.host_port.filter(|p| *p != 0) {
            if !(1..=65535).contains(&host_port) {
                errs.push(FieldError::invalid(
                    pp.child("hostPort"),
                    BadValue::Int(host_port.into()),
                    PORT_RANGE_MESSAGE,
                ));
            }
        }
        match port.protocol.as_deref() {
            Some("TCP" | "UDP" | "SCTP") => {}
            Some("") | None => errs.push(FieldError::required(pp.child("protocol"), "")),
            Some(other) => errs.push(FieldError::not_supported(pp.child("protocol"), other, &["SCTP", "TCP", "UDP"])),
        }
        if let Some(ip) = port.host_ip.as_deref().filter(|s| !s.is_empty()) {
            for detail in super::names::ip_address(ip) {
                errs.push(FieldError::invalid(pp.child("hostIP"), BadValue::Str(ip.into()), &detail));
            }
        }
    }
}

fn validate_env(c: &Container, path: &FieldPath, errs: &mut Errors) {
    for (i, env) in c.env.iter().flatten().enumerate() {
        let ep = path.index(i);
        if env.name.is_empty() {
            errs.push(FieldError::required(ep.child("name"), ""));
        } else if env.name.chars().any(|ch| !(' '..='~').contains(&ch) || ch == '=') {
            errs.push(FieldError::invalid(
                ep.child("name"),
                BadValue::Str(env.name.clone()),
                "a valid environment variable name must consist only of printable ASCII characters other than '='",
            ));
        }
        if let Some(from) = &env.value_from {
            if env.value.as_deref().is_some_and(|v| !v.is_empty()) {
                errs.push(FieldError::invalid(
                    ep.child("valueFrom"),
                    BadValue::Str(String::new()),
                    "may not be specified when `value` is not empty",
                ));
            }
            let sources = [
                from.field_ref.is_some(),
                from.resource_field_ref.is_some(),
                from.config_map_key_ref.is_some(),
                from.secret_key_ref.is_some(),
                from.file_key_ref.is_some(),
            ]
            .iter()
            .filter(|s| **s)
            .count();
            if sources == 0 {
                errs.push(FieldError::invalid(
                    ep.child("valueFrom"),
                    BadValue::Str(String::new()),
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
                ));
            } else if sources > 1 {
                errs.push(FieldError::invalid(
                    ep.child("valueFrom"),
                    BadValue::Str(String::new()),
                    "may not have more than one field specified at a time",
                ));
            }
        }
    }
}

fn validate_volume_mounts(c: &Container, path: &FieldPath, ctx: &Context<'_>, errs: &mut Errors) {
    let mut mount_paths = BTreeSet::new();
    for (i, mount) in c.volume_mounts.iter().flatten().enumerate() {
        let mp = path.index(i);
        if mount.name.is_empty() {
            errs.push(FieldError::required(mp.child("name"), ""));
        } else if !ctx.volumes.contains(&mount.name) {
            errs.push(FieldError::not_found(mp.child("name"), BadValue::Str(mount.name.clone())));
        }
        if mount.mount_path.is_empty() {
            errs.push(FieldError::required(mp.child("mountPath"), ""));
        } else if !mount_paths.insert(mount.mount_path.clone()) {
            errs.push(FieldError::invalid(
                mp.child("mountPath"),
                BadValue::Str(mount.mount_path.clone()),
                "must be unique",
            ));
        }
        if let Some(sub) = mount.sub_path.as_deref().filter(|s| !s.is_empty()) {
            validate_local_descending_path(sub, &mp.child("subPath"), errs);
        }
        if let Some(mode) = mount.mount_propagation.as_deref() {
            if !["None", "HostToContainer", "Bidirectional"].contains(&mode) {
                errs.push(FieldError::not_supported(
                    mp.child("mountPropagation"),
                    mode,
                    &["Bidirectional", "HostToContainer", "None"],
                ));
            }
        }
    }
}

/// `validateLocalDescendingPath`: relative, without `..`.
pub fn validate_local_descending_path(p: &str, path: &FieldPath, errs: &mut Errors) {
    if p.starts_with('/') {
        errs.push(FieldError::invalid(path.clone(), BadValue::Str(p.into()), "must be a relative path"));
    }
    if p.split('/').any(|part| part == "..") {
        errs.push(FieldError::invalid(path.clone(), BadValue::Str(p.into()), "must not contain '..'"));
    }
}

fn validate_resources(c: &Container, path: &FieldPath, errs: &mut Errors) {
    let Some(resources) = &c.resources else {
        return;
    };
    let mut limits = BTreeMap::new();
    limits.extend(resources.limits.iter().flatten());
    for (kind, map) in [("limits", &resources.limits), ("requests", &resources.requests)] {
        for (name, quantity) in map.iter().flatten() {
            let rp = path.child(kind).key(name);
            match parse_quantity(&quantity.0) {
                Some(v) if v < 0.0 => {
                    errs.push(FieldError::invalid(
                        rp,
                        BadValue::Str(quantity.0.clone()),
                        "must be greater than or equal to 0",
                    ));
                }
                _ => {}
            }
        }
    }
    for (name, request) in resources.requests.iter().flatten() {
        if let Some(limit) = limits.get(name) {
            if let (Some(r), Some(l)) = (parse_quantity(&request.0), parse_quantity(&limit.0)) {
                if r > l {
                    errs.push(FieldError::invalid(
                        path.child("requests").key(name),
                        BadValue::Str(request.0.clone()),
                        &format!("must be less than or equal to {name} limit of {}", limit.0),
                    ));
                }
            }
        }
    }
}

/// A Quantity's value as a float (enough to compare requests with limits).
pub fn parse_quantity(s: &str) -> Option<f64> {
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let n = crate::number::parse_f64(number)?;
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "u" => 1e-6,
        "n" => 1e-9,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * factor)
}

/// The handler kinds a probe or hook sets, in upstream's checking order.
fn handler_kinds(exec: bool, http: bool, tcp: bool, grpc: bool, sleep: bool) -> Vec<&'static str> {
    [("exec", exec), ("httpGet", http), ("tcpSocket", tcp), ("grpc", grpc), ("sleep", sleep)]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(k, _)| k)
        .collect()
}

fn validate_handler(h: &LifecycleHandler, path: &FieldPath, ctx: &Context<'_>, errs: &mut Errors) {
    let kinds = handler_kinds(h.exec.is_some(), h.http_get.is_some(), h.tcp_socket.is_some(), false, h.sleep.is_some());
    if kinds.is_empty() {
        errs.push(FieldError::required(path.clone(), "must specify a handler type"));
    }
    for extra in kinds.iter().skip(1) {
        errs.push(FieldError::forbidden(path.child(extra), "may not specify more than 1 handler type"));
    }
    if let Some(exec) = &h.exec {
        if exec.command.as_ref().is_none_or(Vec::is_empty) {
            errs.push(FieldError::required(path.child("exec").child("command"), ""));
        }
    }
    if let Some(http) = &h.http_get {
        validate_port_ref(&http.port, &path.child("httpGet").child("port"), errs);
        validate_scheme(http.scheme.as_deref(), &path.child("httpGet").child("scheme"), errs);
    }
    if let Some(tcp) = &h.tcp_socket {
        validate_port_ref(&tcp.port, &path.child("tcpSocket").child("port"), errs);
    }
    if let Some(sleep) = &h.sleep {
        if sleep.seconds < 0 || sleep.seconds > ctx.grace_period {
            errs.push(FieldError::invalid(
                path.child("sleep").child("seconds"),
                BadValue::Int(sleep.seconds),
                &format!("must be non-negative and less than terminationGracePeriodSeconds ({})", ctx.grace_period),
            ));
        }
    }
}

fn validate_probe(p: &Probe, path: &FieldPath, success_must_be_one: bool, errs: &mut Errors) {
    let kinds = handler_kinds(p.exec.is_some(), p.http_get.is_some(), p.tcp_socket.is_some(), p.grpc.is_some(), false);
    if kinds.is_empty() {
        errs.push(FieldError::required(path.clone(), "must specify a handler type"));
    }
    for extra in kinds.iter().skip(1) {
        errs.push(FieldError::forbidden(path.child(extra), "may not specify more than 1 handler type"));
    }
    if let Some(exec) = &p.exec {
        if exec.command.as_ref().is_none_or(Vec::is_empty) {
            errs.push(FieldError::required(path.child("exec").child("command"), ""));
        }
    }
    if let Some(http) = &p.http_get {
        validate_port_ref(&http.port, &path.child("httpGet").child("port"), errs);
        validate_scheme(http.scheme.as_deref(), &path.child("httpGet").child("scheme"), errs);
    }
    if let Some(tcp) = &p.tcp_socket {
        validate_port_ref(&tcp.port, &path.child("tcpSocket").child("port"), errs);
    }
    if let Some(grpc) = &p.grpc {
        if !(1..=65535).contains(&grpc.port) {
            errs.push(FieldError::invalid(
                path.child("grpc").child("port"),
                BadValue::Int(grpc.port.into()),
                PORT_RANGE_MESSAGE,
            ));
        }
    }
    let non_negative = [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("periodSeconds", p.period_seconds),
        ("successThreshold", p.success_threshold),
        ("failureThreshold", p.failure_threshold),
    ];
    for (field, value) in non_negative {
        if let Some(v) = value.filter(|v| *v < 0) {
            errs.push(FieldError::invalid(
                path.child(field),
                BadValue::Int(v.into()),
                "must be greater than or equal to 0",
            ));
        }
    }
    if success_must_be_one {
        if let Some(v) = p.success_threshold.filter(|v| *v != 1) {
            errs.push(FieldError::invalid(path.child("successThreshold"), BadValue::Int(v.into()), "must be 1"));
        }
    }
}

fn validate_scheme(scheme: Option<&str>, path: &FieldPath, errs: &mut Errors) {
    if let Some(s) = scheme {
        if s != "HTTP" && s != "HTTPS" {
            errs.push(FieldError::not_supported(path.clone(), s, &["HTTP", "HTTPS"]));
        }
    }
}

/// A port given by number (1–65535) or by name (IANA_SVC_NAME).
fn validate_port_ref(port: &IntOrString, path: &FieldPath, errs: &mut Errors) {
    match port {
        IntOrString::Int(n) => {
            if !(1..=65535).contains(n) {
                errs.push(FieldError::invalid(path.clone(), BadValue::Int((*n).into()), PORT_RANGE_MESSAGE));
            }
        }
        IntOrString::String(name) => {
            for detail in port_name(name) {
                errs.push(FieldError::invalid(path.clone(), BadValue::Str(name.clone()), &detail));
            }
        }
    }
}
