//! A container's environment and command line as the kubelet makes them:
//! `$(VAR)` references expanded (`third_party/forked/golang/expansion`),
//! the env built in `makeEnvironmentVariables`' order, the downward API's
//! values, and `ExpandContainerCommandAndArgs`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, EnvVar, Pod};

use crate::quote::go_quote;
use crate::scheduler::parse_quantity_scaled;

/// What the env needs to know about the Pod's place: its node and address.
pub struct EnvContext<'a> {
    pub pod: &'a Pod,
    pub node_name: &'a str,
    pub node_ip: &'a str,
    pub pod_ip: &'a str,
    /// The node's allocatable CPU (millicores) and memory (bytes): what
    /// `limits.*` read through the downward API when a container sets none
    /// (`defaultPodLimitsForDownwardAPI`).
    pub allocatable_cpu_millis: i64,
    pub allocatable_memory_bytes: i64,
}

/// An ordered list of variables; a later `set` of a name replaces its value
/// in place, as Go's map assignment does to a key (the order itself is
/// podplay's: Go's map iteration is random, so declaration order it is).
/// Indexed by name, so that a container with thousands of variables is not
/// quadratic to build.
#[derive(Default)]
pub struct EnvList {
    vars: Vec<(String, String)>,
    index: BTreeMap<String, usize>,
}

impl EnvList {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.index.get(name).and_then(|&i| self.vars.get(i)).map(|(_, v)| v.as_str())
    }

    fn set(&mut self, name: &str, value: String) {
        match self.index.get(name).and_then(|&i| self.vars.get_mut(i)) {
            Some(slot) => slot.1 = value,
            None => {
                self.index.insert(name.to_string(), self.vars.len());
                self.vars.push((name.to_string(), value));
            }
        }
    }

    /// The variables, in declaration order.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.vars
    }
}

impl FromIterator<(String, String)> for EnvList {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(vars: I) -> EnvList {
        let mut env = EnvList::default();
        for (name, value) in vars {
            env.set(&name, value);
        }
        env
    }
}

/// `expansion.Expand`: `$(NAME)` becomes what `lookup` gives for `NAME`,
/// or stays as written when it gives nothing; `$$` is one `$`; any other `$`
/// is kept with the character after it; an unclosed `$(` is kept as is.
pub fn expand(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(next) = after.chars().next() else {
            // A `$` at the very end is kept.
            out.push('$');
            rest = after;
            break;
        };
        match next {
            '$' => {
                out.push('$');
                rest = &after[1..];
            }
            '(' => match after.find(')') {
                Some(close) => {
                    let name = &after[1..close];
                    match lookup(name) {
                        Some(value) => out.push_str(&value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = &after[1..];
                }
            },
            other => {
                out.push('$');
                out.push(other);
                rest = &after[other.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `makeEnvironmentVariables`: `envFrom` first, then `env` in order (each
/// `value` expanded against the variables declared before it and the
/// services'), then the services' variables the container did not set.
/// A missing ConfigMap or Secret is the kubelet's error (podplay's cluster
/// has none), unless the reference is `optional`.
pub fn container_env(ctx: &EnvContext, c: &Container) -> Result<EnvList, String> {
    let services = crate::cluster::service_env();
    let mut env = EnvList::default();
    for from in c.env_from.iter().flatten() {
        if let Some(cm) = &from.config_map_ref {
            if cm.optional != Some(true) {
                return Err(format!("configmap {} not found", go_quote(&cm.name)));
            }
        }
        if let Some(secret) = &from.secret_ref {
            if secret.optional != Some(true) {
                return Err(format!("secret {} not found", go_quote(&secret.name)));
            }
        }
    }
    for var in c.env.iter().flatten() {
        let value = match var.value.as_deref() {
            Some(value) if !value.is_empty() => {
                let lookup = |name: &str| {
                    env.get(name)
                        .map(str::to_string)
                        .or_else(|| services.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
                };
                expand(value, &lookup)
            }
            _ => match value_from(ctx, c, var)? {
                Some(value) => value,
                // An optional reference to what does not exist: no variable.
                None => continue,
            },
        };
        env.set(&var.name, value);
    }
    for (name, value) in services {
        if env.get(&name).is_none() {
            env.set(&name, value);
        }
    }
    Ok(env)
}

/// The value a `valueFrom` names; `None` for an optional reference to a
/// ConfigMap or Secret that does not exist.
fn value_from(ctx: &EnvContext, c: &Container, var: &EnvVar) -> Result<Option<String>, String> {
    let Some(from) = &var.value_from else {
        return Ok(Some(String::new()));
    };
    if let Some(field) = &from.field_ref {
        return Ok(Some(pod_field(ctx, &field.field_path)));
    }
    if let Some(resource) = &from.resource_field_ref {
        let divisor = resource.divisor.as_ref().map(|q| q.0.as_str());
        return Ok(Some(resource_value(ctx, c, &resource.resource, divisor)));
    }
    if let Some(key) = &from.config_map_key_ref {
        return if key.optional == Some(true) {
            Ok(None)
        } else {
            Err(format!("configmap {} not found", go_quote(&key.name)))
        };
    }
    if let Some(key) = &from.secret_key_ref {
        return if key.optional == Some(true) {
            Ok(None)
        } else {
            Err(format!("secret {} not found", go_quote(&key.name)))
        };
    }
    Ok(Some(String::new()))
}

/// `podFieldSelectorRuntimeValue` and `fieldpath.ExtractFieldPathAsString`.
pub fn pod_field(ctx: &EnvContext, path: &str) -> String {
    let meta = &ctx.pod.metadata;
    let spec = ctx.pod.spec.as_ref();
    let keyed = |prefix: &str| path.strip_prefix(prefix).and_then(|k| k.strip_suffix("']"));
    match path {
        "metadata.name" => meta.name.clone().unwrap_or_default(),
        "metadata.namespace" => meta.namespace.clone().unwrap_or_else(|| "default".into()),
        "metadata.uid" => meta.uid.clone().unwrap_or_default(),
        "metadata.labels" => format_map(meta.labels.as_ref()),
        "metadata.annotations" => format_map(meta.annotations.as_ref()),
        "spec.nodeName" => ctx.node_name.to_string(),
        "spec.serviceAccountName" => {
            spec.and_then(|s| s.service_account_name.clone()).unwrap_or_else(|| "default".into())
        }
        "status.hostIP" | "status.hostIPs" => ctx.node_ip.to_string(),
        "status.podIP" | "status.podIPs" => ctx.pod_ip.to_string(),
        _ => {
            if let Some(key) = keyed("metadata.labels['") {
                meta.labels.as_ref().and_then(|l| l.get(key)).cloned().unwrap_or_default()
            } else if let Some(key) = keyed("metadata.annotations['") {
                meta.annotations.as_ref().and_then(|a| a.get(key)).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// `fieldpath.FormatMap`: `key="value"` lines, sorted by key.
fn format_map(map: Option<&std::collections::BTreeMap<String, String>>) -> String {
    let lines: Vec<String> = map.into_iter().flatten().map(|(k, v)| format!("{k}={}", go_quote(v))).collect();
    lines.join("\n")
}

/// `resource.ExtractContainerResourceValue`: the amount divided by the
/// divisor and rounded up; an unset limit reads the node's allocatable.
pub(crate) fn resource_value(ctx: &EnvContext, c: &Container, resource: &str, divisor: Option<&str>) -> String {
    let resources = c.resources.as_ref();
    let (which, name) = resource.split_once('.').unwrap_or(("", resource));
    let amounts = match which {
        "limits" => resources.and_then(|r| r.limits.as_ref()),
        _ => resources.and_then(|r| r.requests.as_ref()),
    };
    let amount = amounts.and_then(|m| m.get(name)).map(|q| q.0.as_str());
    // CPU in millicores, the rest in bytes; the divisor in the same unit.
    let scale = if name == "cpu" { 3 } else { 0 };
    let value = match (amount.and_then(|a| parse_quantity_scaled(a, scale)), which, name) {
        (Some(v), _, _) => v,
        (None, "limits", "cpu") => ctx.allocatable_cpu_millis,
        (None, "limits", "memory") => ctx.allocatable_memory_bytes,
        _ => 0,
    };
    let divisor = divisor.and_then(|d| parse_quantity_scaled(d, scale)).filter(|d| *d > 0).unwrap_or(if scale == 3 {
        1000
    } else {
        1
    });
    let rounded_up = value.saturating_add(divisor - 1).div_euclid(divisor);
    rounded_up.to_string()
}

/// `ExpandContainerCommandAndArgs`: `$(VAR)` in `command` and `args`
/// against the container's final environment.
pub fn expand_command_and_args(c: &Container, env: &EnvList) -> (Vec<String>, Vec<String>) {
    let lookup = |name: &str| env.get(name).map(str::to_string);
    let expand_all = |words: &Option<Vec<String>>| words.iter().flatten().map(|w| expand(w, &lookup)).collect();
    (expand_all(&c.command), expand_all(&c.args))
}

/// `ExpandContainerCommandOnlyStatic`: a probe's exec command sees only the
/// container's literal `env` values, unexpanded, and no services.
pub fn expand_probe_command(command: &[String], c: &Container) -> Vec<String> {
    let lookup =
        |name: &str| c.env.iter().flatten().rev().find(|e| e.name == name).map(|e| e.value.clone().unwrap_or_default());
    command.iter().map(|w| expand(w, &lookup)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "A" => Some("1".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    /// The cases of `expansion_test.go` `TestMapReference`/`TestMapping`,
    /// read and restated: escapes, unknown names, unclosed references.
    #[test]
    fn expands_like_the_kubelet() {
        for (input, want) in [
            ("$(A)", "1"),
            ("x$(A)y", "x1y"),
            ("$(A)$(A)", "11"),
            ("$$(A)", "$(A)"),
            ("$$$(A)", "$1"),
            ("$$$$(A)", "$$(A)"),
            ("$(B)", "$(B)"),
            ("$(EMPTY)-", "-"),
            ("$(A", "$(A"),
            ("$A", "$A"),
            ("$", "$"),
            ("a$", "a$"),
            ("$()", "$()"),
            ("($(A))", "(1)"),
            ("$é$(A)", "$é1"),
            ("no refs", "no refs"),
        ] {
            assert_eq!(expand(input, &lookup), want, "{input}");
        }
    }

    fn env_of(yaml: &str) -> Result<Vec<(String, String)>, String> {
        let pod = crate::test_support::pod(yaml);
        let c = pod.spec.clone().unwrap().containers[0].clone();
        let ctx = EnvContext {
            pod: &pod,
            node_name: "node-1",
            node_ip: "192.168.49.2",
            pod_ip: "10.244.0.5",
            allocatable_cpu_millis: 2_000,
            allocatable_memory_bytes: 4 << 30,
        };
        container_env(&ctx, &c).map(EnvList::into_vec)
    }

    fn pod_with(container: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: web\nspec:\n  containers:\n  - name: c\n    image: busybox\n{container}"
        )
    }

    /// `makeEnvironmentVariables`: a value sees the variables declared
    /// before it and the services', never the ones after it (the docs'
    /// "dependent environment variables" page); the services' variables
    /// follow the container's own, which win over them.
    #[test]
    fn env_values_see_what_is_declared_before_them() {
        let env = env_of(&pod_with(concat!(
            "    env:\n",
            "    - {name: SERVICE_IP, value: 172.17.0.1}\n",
            "    - {name: UNCHANGED_REFERENCE, value: '$(PROTOCOL)://$(SERVICE_IP)'}\n",
            "    - {name: PROTOCOL, value: https}\n",
            "    - {name: SERVICE_ADDRESS, value: '$(PROTOCOL)://$(SERVICE_IP)'}\n",
            "    - {name: ESCAPED_REFERENCE, value: '$$(PROTOCOL)://$(SERVICE_IP)'}\n",
            "    - {name: API, value: '$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)'}\n",
            "    - {name: KUBERNETES_SERVICE_PORT, value: '8443'}\n",
        )))
        .unwrap();
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("UNCHANGED_REFERENCE"), Some("$(PROTOCOL)://172.17.0.1"));
        assert_eq!(get("SERVICE_ADDRESS"), Some("https://172.17.0.1"));
        assert_eq!(get("ESCAPED_REFERENCE"), Some("$(PROTOCOL)://172.17.0.1"));
        assert_eq!(get("API"), Some("10.96.0.1:443"));
        // The container's value wins, and the variable is there once.
        assert_eq!(get("KUBERNETES_SERVICE_PORT"), Some("8443"));
        assert_eq!(env.iter().filter(|(n, _)| n == "KUBERNETES_SERVICE_PORT").count(), 1);
        assert_eq!(env.len(), 7 + 7);
        assert_eq!(env[0].0, "SERVICE_IP");
    }

    /// `podFieldSelectorRuntimeValue`, `ExtractContainerResourceValue`
    /// (an unset limit reads the node's allocatable; amounts round up to
    /// the divisor), and a missing ConfigMap or Secret failing the container
    /// unless `optional`.
    #[test]
    fn value_from_reads_the_downward_api_and_fails_on_missing_objects() {
        let env = env_of(&pod_with(concat!(
            "    resources: {limits: {memory: 100Mi}, requests: {cpu: 250m}}\n",
            "    env:\n",
            "    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n",
            "    - {name: APP, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}\n",
            "    - {name: CPU_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}\n",
            "    - {name: CPU_REQUEST, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}\n",
            "    - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}\n",
            "    - {name: OPT, valueFrom: {configMapKeyRef: {name: cfg, key: k, optional: true}}}\n",
        )))
        .unwrap();
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("IP"), Some("10.244.0.5"));
        assert_eq!(get("APP"), Some("web"));
        assert_eq!(get("CPU_LIMIT"), Some("2"));
        assert_eq!(get("CPU_REQUEST"), Some("250"));
        assert_eq!(get("MEM_MI"), Some("100"));
        assert_eq!(get("OPT"), None);
        let missing = env_of(&pod_with(
            "    env:\n    - {name: K, valueFrom: {configMapKeyRef: {name: special-config, key: k}}}\n",
        ));
        assert_eq!(missing, Err("configmap \"special-config\" not found".into()));
        let missing = env_of(&pod_with("    envFrom:\n    - secretRef: {name: creds}\n"));
        assert_eq!(missing, Err("secret \"creds\" not found".into()));
    }

    /// `ExpandContainerCommandAndArgs` (the docs' "define a command":
    /// `args: ["$(MESSAGE)"]`), and `ExpandContainerCommandOnlyStatic` for
    /// a probe, which sees only literal `env` values.
    #[test]
    fn command_and_args_are_expanded_against_the_env() {
        let yaml = pod_with(concat!(
            "    command: [/bin/echo, '$(GREETING)']\n",
            "    args: ['$(MESSAGE)', '$$(MESSAGE)', '$(NOPE)']\n",
            "    env:\n",
            "    - {name: MESSAGE, value: hello world}\n",
            "    - {name: GREETING, value: '$(MESSAGE)!'}\n",
        ));
        let pod = crate::test_support::pod(&yaml);
        let c = pod.spec.clone().unwrap().containers[0].clone();
        let env: EnvList = env_of(&yaml).unwrap().into_iter().collect();
        let (command, args) = expand_command_and_args(&c, &env);
        assert_eq!(command, ["/bin/echo", "hello world!"]);
        assert_eq!(args, ["hello world", "$(MESSAGE)", "$(NOPE)"]);
        let probe = expand_probe_command(&["cat".into(), "$(GREETING)".into(), "$(KUBERNETES_PORT)".into()], &c);
        assert_eq!(probe, ["cat", "$(MESSAGE)!", "$(KUBERNETES_PORT)"]);
    }
}
