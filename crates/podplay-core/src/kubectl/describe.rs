//! `kubectl describe pod`, in kubectl's order and layout
//! (`pkg/describe/describe.go` `describePod`): written with tabs as kubectl
//! writes them, then aligned by [`tabwrite`], Go's `text/tabwriter` with
//! kubectl's settings (padding 2, spaces).

use k8s_openapi::api::core::v1::{Container, ContainerState, ContainerStatus, Pod, Probe, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::time::civil::rfc1123z;

/// The text of `kubectl describe pod` before its `Events:` table (which
/// [`super::describe_events`] writes): head, containers, conditions,
/// volumes, QoS, node selectors and tolerations. `no_events` adds kubectl's
/// `Events: <none>`, which its tab writer aligns with the lines above.
pub fn describe_pod(pod: &Pod, now: &Time, no_events: bool) -> String {
    let mut w = String::new();
    head(&mut w, pod, now);
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        containers(&mut w, "Init Containers", init, status.init_container_statuses.as_deref().unwrap_or(&[]), pod);
    }
    containers(&mut w, "Containers", &spec.containers, status.container_statuses.as_deref().unwrap_or(&[]), pod);
    if let Some(conditions) = status.conditions.as_ref().filter(|c| !c.is_empty()) {
        w.push_str("Conditions:\n  Type\tStatus\n");
        for c in conditions {
            w.push_str(&format!("  {} \t{} \n", c.type_, c.status));
        }
    }
    volumes(&mut w, spec.volumes.as_deref().unwrap_or(&[]));
    let qos = status.qos_class.clone().unwrap_or_else(|| crate::kubelet::qos_class(pod));
    kv(&mut w, "QoS Class:", &qos);
    let selectors: Vec<String> = spec.node_selector.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    multiline(&mut w, "Node-Selectors", &selectors);
    let mut tolerations = spec.tolerations.clone().unwrap_or_default();
    tolerations.sort_by(|a, b| a.key.cmp(&b.key));
    let tolerations: Vec<String> = tolerations.iter().map(toleration).collect();
    multiline(&mut w, "Tolerations", &tolerations);
    if no_events {
        w.push_str("Events:\t<none>\n");
    }
    tabwrite(&w)
}

fn head(w: &mut String, pod: &Pod, now: &Time) {
    let meta = &pod.metadata;
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    kv(w, "Name:", meta.name.as_deref().unwrap_or(""));
    kv(w, "Namespace:", meta.namespace.as_deref().unwrap_or("default"));
    if let Some(p) = spec.priority {
        kv(w, "Priority:", &p.to_string());
    }
    if let Some(sa) = spec.service_account_name.as_ref().filter(|s| !s.is_empty()) {
        kv(w, "Service Account:", sa);
    }
    match &spec.node_name {
        Some(node) => w.push_str(&format!("Node:\t{node}/{}\n", status.host_ip.as_deref().unwrap_or(""))),
        None => w.push_str("Node:\t<none>\n"),
    }
    if let Some(start) = &status.start_time {
        kv(w, "Start Time:", &rfc1123z(start));
    }
    let pairs = |m: &Option<std::collections::BTreeMap<String, String>>| -> Vec<String> {
        m.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect()
    };
    multiline(w, "Labels", &pairs(&meta.labels));
    multiline(w, "Annotations", &pairs(&meta.annotations));
    let phase = status.phase.clone().unwrap_or_default();
    match &meta.deletion_timestamp {
        Some(deleted) if phase != "Failed" && phase != "Succeeded" => {
            let lasts = crate::time::translate_timestamp_since(Some(deleted), now);
            put(w, &["Status:\tTerminating (lasts ", &lasts, ")\n"]);
            let grace = meta.deletion_grace_period_seconds.unwrap_or(0);
            w.push_str(&format!("Termination Grace Period:\t{grace}s\n"));
        }
        _ => kv(w, "Status:", &phase),
    }
    if let Some(reason) = status.reason.as_ref().filter(|r| !r.is_empty()) {
        kv(w, "Reason:", reason);
    }
    if let Some(message) = status.message.as_ref().filter(|m| !m.is_empty()) {
        kv(w, "Message:", message);
    }
    kv(w, "IP:", status.pod_ip.as_deref().unwrap_or(""));
    match status.pod_ips.as_ref().filter(|ips| !ips.is_empty()) {
        Some(ips) => {
            w.push_str("IPs:\n");
            for ip in ips {
                kv(w, "  IP:", &ip.ip);
            }
        }
        None => w.push_str("IPs:\t<none>\n"),
    }
}

/// A `label<TAB>value` line (plain pushes: a `format!` per line costs the
/// page more).
fn kv(w: &mut String, label: &str, value: &str) {
    w.push_str(label);
    w.push('\t');
    w.push_str(value);
    w.push('\n');
}

/// Pieces of a line, pushed as they are.
fn put(w: &mut String, parts: &[&str]) {
    for part in parts {
        w.push_str(part);
    }
}

/// `printLabelsMultiline`: the first value after the title, the others
/// below it in the value column; `<none>` for none.
fn multiline(w: &mut String, title: &str, values: &[String]) {
    if values.is_empty() {
        put(w, &[title, ":\t<none>\n"]);
        return;
    }
    for (i, v) in values.iter().enumerate() {
        if i == 0 {
            put(w, &[title, ":\t", v, "\n"]);
        } else {
            put(w, &["\t", v, "\n"]);
        }
    }
}

fn toleration(t: &k8s_openapi::api::core::v1::Toleration) -> String {
    let mut s = t.key.clone().unwrap_or_default();
    if let Some(v) = t.value.as_ref().filter(|v| !v.is_empty()) {
        s.push_str(&format!("={v}"));
    }
    if let Some(e) = t.effect.as_ref().filter(|e| !e.is_empty()) {
        s.push_str(&format!(":{e}"));
    }
    if t.operator.as_deref() == Some("Exists") && t.value.as_deref().unwrap_or("").is_empty() {
        s.push_str(if s.is_empty() { "op=Exists" } else { " op=Exists" });
    }
    if let Some(secs) = t.toleration_seconds {
        s.push_str(&format!(" for {secs}s"));
    }
    s
}

fn containers(w: &mut String, label: &str, list: &[Container], statuses: &[ContainerStatus], pod: &Pod) {
    w.push_str(&format!("{label}:{}\n", if list.is_empty() { " <none>" } else { "" }));
    for c in list {
        let status = statuses.iter().find(|s| s.name == c.name);
        w.push_str(&format!("  {}:\n", c.name));
        if let Some(s) = status {
            kv(w, "    Container ID:", s.container_id.as_deref().unwrap_or(""));
        }
        kv(w, "    Image:", c.image.as_deref().unwrap_or(""));
        if let Some(s) = status {
            kv(w, "    Image ID:", &s.image_id);
        }
        let ports = c.ports.as_deref().unwrap_or(&[]);
        let port = |number: i32, p: &k8s_openapi::api::core::v1::ContainerPort| {
            let mut text = format!("{number}/{}", p.protocol.as_deref().unwrap_or("TCP"));
            if let Some(name) = p.name.as_ref().filter(|n| !n.is_empty()) {
                text.push_str(&format!(" ({name})"));
            }
            text
        };
        let container_ports: Vec<String> = ports.iter().map(|p| port(p.container_port, p)).collect();
        let host_ports: Vec<String> = ports.iter().map(|p| port(p.host_port.unwrap_or(0), p)).collect();
        for (one, many, values) in [("Port", "Ports", container_ports), ("Host Port", "Host Ports", host_ports)] {
            let joined = values.join(", ");
            let label = if joined.contains(',') { many } else { one };
            w.push_str(&format!("    {label}:\t{}\n", if joined.is_empty() { "<none>" } else { &joined }));
        }
        for (title, words) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(words) = words.as_ref().filter(|w| !w.is_empty()) {
                put(w, &["    ", title, ":\n"]);
                for line in words.iter().flat_map(|word| word.split('\n')) {
                    put(w, &["      ", line, "\n"]);
                }
            }
        }
        if let Some(s) = status {
            state(w, "State", s.state.as_ref());
            if let Some(last) = s.last_state.as_ref().filter(|l| l.terminated.is_some()) {
                state(w, "Last State", Some(last));
            }
            kv(w, "    Ready:", if s.ready { "True" } else { "False" });
            kv(w, "    Restart Count:", &s.restart_count.to_string());
        }
        resources(w, c);
        for (title, probe) in
            [("Liveness", &c.liveness_probe), ("Readiness", &c.readiness_probe), ("Startup", &c.startup_probe)]
        {
            if let Some(p) = probe {
                w.push_str(&format!("    {title}:\t{}\n", describe_probe(p)));
            }
        }
        environment(w, c, pod);
        mounts(w, c);
    }
}

/// `describeStatus`: the state's name, then its reason and times below it.
fn state(w: &mut String, name: &str, state: Option<&ContainerState>) {
    let state = state.cloned().unwrap_or_default();
    if let Some(r) = state.running {
        put(w, &["    ", name, ":\tRunning\n"]);
        kv(w, "      Started:", &r.started_at.as_ref().map(rfc1123z).unwrap_or_default());
    } else if let Some(t) = state.terminated {
        put(w, &["    ", name, ":\tTerminated\n"]);
        if let Some(reason) = t.reason.as_ref().filter(|r| !r.is_empty()) {
            kv(w, "      Reason:", reason);
        }
        if let Some(message) = t.message.as_ref().filter(|m| !m.is_empty()) {
            kv(w, "      Message:", message);
        }
        kv(w, "      Exit Code:", &t.exit_code.to_string());
        if let Some(signal) = t.signal.filter(|s| *s > 0) {
            kv(w, "      Signal:", &signal.to_string());
        }
        kv(w, "      Started:", &t.started_at.as_ref().map(rfc1123z).unwrap_or_default());
        kv(w, "      Finished:", &t.finished_at.as_ref().map(rfc1123z).unwrap_or_default());
    } else {
        put(w, &["    ", name, ":\tWaiting\n"]);
        if let Some(reason) = state.waiting.and_then(|wt| wt.reason).filter(|r| !r.is_empty()) {
            kv(w, "      Reason:", &reason);
        }
    }
}

fn resources(w: &mut String, c: &Container) {
    let r = c.resources.clone().unwrap_or_default();
    for (title, amounts) in [("Limits", r.limits), ("Requests", r.requests)] {
        let amounts = amounts.unwrap_or_default();
        if !amounts.is_empty() {
            put(w, &["    ", title, ":\n"]);
        }
        for (name, q) in &amounts {
            w.push_str(&format!("      {name}:\t{}\n", q.0));
        }
    }
}

/// `DescribeProbe`.
fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s successThreshold={} failureThreshold={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    let port = |port: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString| match port {
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
    };
    if let Some(exec) = &p.exec {
        format!("exec [{}] {attrs}", exec.command.as_deref().unwrap_or(&[]).join(" "))
    } else if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_ascii_lowercase();
        let host = h.host.as_deref().unwrap_or("");
        format!("http-get {scheme}://{host}:{}{} {attrs}", port(&h.port), h.path.as_deref().unwrap_or(""))
    } else if let Some(t) = &p.tcp_socket {
        format!("tcp-socket {}:{} {attrs}", t.host.as_deref().unwrap_or(""), port(&t.port))
    } else if let Some(g) = &p.grpc {
        format!("grpc <pod>:{} {} {attrs}", g.port, g.service.as_deref().unwrap_or(""))
    } else {
        format!("unknown {attrs}")
    }
}

fn environment(w: &mut String, c: &Container, pod: &Pod) {
    let env = c.env.as_deref().unwrap_or(&[]);
    w.push_str(if env.is_empty() { "    Environment:\t<none>\n" } else { "    Environment:\n" });
    for e in env {
        let Some(from) = &e.value_from else {
            for (i, line) in e.value.as_deref().unwrap_or("").split('\n').enumerate() {
                let name = if i == 0 { format!("{}:", e.name) } else { String::new() };
                put(w, &["      ", &name, "\t", line, "\n"]);
            }
            continue;
        };
        let line = if let Some(f) = &from.field_ref {
            let value = field_value(pod, &f.field_path);
            format!("{value} ({}:{})", f.api_version.as_deref().unwrap_or("v1"), f.field_path)
        } else if let Some(r) = &from.resource_field_ref {
            format!("({})", r.resource)
        } else if let Some(k) = &from.secret_key_ref {
            format!("<set to the key '{}' in secret '{}'>\tOptional: {}", k.key, k.name, k.optional == Some(true))
        } else if let Some(k) = &from.config_map_key_ref {
            format!("<set to the key '{}' of config map '{}'>\tOptional: {}", k.key, k.name, k.optional == Some(true))
        } else {
            String::new()
        };
        w.push_str(&format!("      {}:\t{line}\n", e.name));
    }
}

/// `EnvValueRetriever`: the field's value as the stored Pod has it (the
/// kubelet's own reading, with the node and addresses from the status).
fn field_value(pod: &Pod, path: &str) -> String {
    let status = pod.status.clone().unwrap_or_default();
    let context = crate::kubelet::env::EnvContext {
        pod,
        node_name: pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).unwrap_or(""),
        node_ip: status.host_ip.as_deref().unwrap_or(""),
        pod_ip: status.pod_ip.as_deref().unwrap_or(""),
        allocatable_cpu_millis: 0,
        allocatable_memory_bytes: 0,
    };
    crate::kubelet::env::pod_field(&context, path)
}

fn mounts(w: &mut String, c: &Container) {
    let mut list = c.volume_mounts.clone().unwrap_or_default();
    w.push_str(if list.is_empty() { "    Mounts:\t<none>\n" } else { "    Mounts:\n" });
    list.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    for m in list {
        let mut flags = String::from(if m.read_only == Some(true) { "ro" } else { "rw" });
        if let Some(sub) = m.sub_path.as_ref().filter(|s| !s.is_empty()) {
            flags.push_str(&format!(",path={}", crate::quote::go_quote(sub)));
        }
        w.push_str(&format!("      {} from {} ({flags})\n", m.mount_path, m.name));
    }
}

/// `describeVolumes` for the volume types podplay runs; the others by name.
fn volumes(w: &mut String, list: &[Volume]) {
    if list.is_empty() {
        w.push_str("Volumes:\t<none>\n");
        return;
    }
    w.push_str("Volumes:\n");
    for v in list {
        w.push_str(&format!("  {}:\n", v.name));
        if let Some(h) = &v.host_path {
            let kind = h.type_.as_deref().filter(|t| !t.is_empty()).unwrap_or("<none>");
            w.push_str(&format!(
                "    Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{kind}\n",
                h.path
            ));
        } else if let Some(e) = &v.empty_dir {
            let limit = e.size_limit.as_ref().map(|q| q.0.clone()).filter(|q| !q.is_empty() && q != "0");
            w.push_str(&format!(
                "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{}\n",
                e.medium.as_deref().unwrap_or(""),
                limit.as_deref().unwrap_or("<unset>")
            ));
        } else if let Some(c) = &v.config_map {
            w.push_str(&format!(
                "    Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                c.name,
                c.optional == Some(true)
            ));
        } else if let Some(s) = &v.secret {
            w.push_str(&format!(
                "    Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                s.secret_name.as_deref().unwrap_or(""),
                s.optional == Some(true)
            ));
        } else {
            w.push_str("    <unknown>\n");
        }
    }
}

/// Go's `text/tabwriter` as kubectl sets it up (`minwidth 0, tabwidth 8,
/// padding 2, padchar ' '`): a cell is text ended by a tab; the cells of a
/// column, over consecutive lines that have one, are padded to the widest
/// plus two. A line without a tab ends every column.
pub fn tabwrite(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split_inclusive('\n').map(|l| l.split('\t').collect()).collect();
    let mut widths = Vec::new();
    let mut out = String::with_capacity(text.len() * 2);
    format_block(&lines, 0, lines.len(), &mut widths, &mut out);
    out
}

/// `Writer.format`: lines `from..to` at column `widths.len()`.
fn format_block(lines: &[Vec<&str>], from: usize, to: usize, widths: &mut Vec<usize>, out: &mut String) {
    let column = widths.len();
    let mut start = from;
    let mut this = from;
    while this < to {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, start, this, widths, out);
        start = this;
        let mut width = 0;
        while this < to && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + 2);
            this += 1;
        }
        widths.push(width);
        format_block(lines, start, this, widths, out);
        widths.pop();
        start = this;
    }
    write_lines(lines, start, to, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for cells in &lines[from..to] {
        for (j, cell) in cells.iter().enumerate() {
            if j + 1 < cells.len() && j < widths.len() {
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', widths[j].saturating_sub(cell.chars().count())));
            } else {
                out.push_str(cell);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tabwrite;

    /// Blocks end at a line without a tab; each column pads to its widest
    /// cell plus two (`tabwriter_test.go`'s cases, restated).
    #[test]
    fn tabwrite_aligns_like_go() {
        assert_eq!(tabwrite("a:\tb\nlonger:\tc\nbreak\nx:\ty\n"), "a:       b\nlonger:  c\nbreak\nx:  y\n");
        assert_eq!(
            tabwrite(
                "    Limits:\n      memory:\t100Mi\n    Requests:\n      memory:\t50Mi\n    Environment:\t<none>\n"
            ),
            "    Limits:\n      memory:  100Mi\n    Requests:\n      memory:     50Mi\n    Environment:  <none>\n"
        );
        assert_eq!(tabwrite("  Type\tStatus\n  Ready \tTrue \n"), "  Type    Status\n  Ready   True \n");
    }
}
