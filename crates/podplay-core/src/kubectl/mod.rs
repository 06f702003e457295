//! kubectl's views of a Pod, as the driver and both runtimes show them:
//! `kubectl get pod -o wide`, the `Events:` table of `kubectl describe pod`,
//! events as the API writes them, and podplay's JSON report.

pub mod describe;
pub mod get;
pub mod logs;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::Serialize;

use crate::kubelet::events::{Event, EventType};
use crate::time::{Epoch, MonoTime, human_duration};
use crate::trace::Step;

pub use get::{
    KubectlPodRow, kubectl_age_column, kubectl_ready_column, kubectl_restarts_column, kubectl_row,
    kubectl_status_column,
};

/// `kubectl get pod -o wide`, header and row.
pub fn get_wide(pod: &Pod, now: &Time) -> String {
    let row = kubectl_row(pod, now);
    let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap_or_else(|| "<none>".into());
    let node = pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_else(|| "<none>".into());
    let headers = ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"];
    let values = [row.name, row.ready, row.status, row.restarts, row.age, ip, node, "<none>".into(), "<none>".into()];
    let widths: Vec<usize> = headers.iter().zip(values.iter()).map(|(h, v)| h.len().max(v.len())).collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{:<w$}   ", c, w = widths[i]));
            }
        }
        out.trim_end().to_string()
    };
    format!("{}\n{}\n", line(headers.to_vec()), line(values.iter().map(String::as_str).collect()))
}

/// The lines of `kubectl describe pod` podplay models, before its Events:
fn type_text(e: &Event) -> &'static str {
    if e.type_ == EventType::Warning { "Warning" } else { "Normal" }
}

/// The `Events:` table of `kubectl describe pod` (1.35+ form: the object's
/// field path prefixes the message).
pub fn describe_events(events: &[Event], now: MonoTime) -> String {
    if events.is_empty() {
        return "Events:  <none>\n".into();
    }
    let age = |since: MonoTime| human_duration(now.since(since).0 as i64);
    let rows: Vec<[String; 5]> = events
        .iter()
        .map(|e| {
            let age = if e.count > 1 {
                format!("{} (x{} over {})", age(e.last_timestamp), e.count, age(e.first_timestamp))
            } else {
                age(e.first_timestamp)
            };
            let message =
                if e.field_path.is_empty() { e.message.clone() } else { format!("{}: {}", e.field_path, e.message) };
            [type_text(e).to_string(), e.reason.clone(), age, e.source.clone(), message]
        })
        .collect();
    let headers = ["Type", "Reason", "Age", "From", "Message"];
    let rules = ["----", "------", "----", "----", "-------"];
    let mut widths = rules.map(str::len);
    for (w, h) in widths.iter_mut().zip(headers) {
        *w = (*w).max(h.len());
    }
    for r in &rows {
        for (i, c) in r.iter().enumerate().take(4) {
            widths[i] = widths[i].max(c.len());
        }
    }
    let [w0, w1, w2, w3, _] = widths;
    let fmt_row = |c: [&str; 5]| format!("  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}\n", c[0], c[1], c[2], c[3], c[4]);
    let mut out = String::from("Events:\n");
    out.push_str(&fmt_row(headers));
    out.push_str(&fmt_row(rules));
    for r in &rows {
        out.push_str(&fmt_row([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}

/// Events as the Kubernetes API writes them.
pub fn api_events(pod: &Pod, events: &[Event], epoch: Epoch) -> Vec<serde_json::Value> {
    events
        .iter()
        .map(|e| {
            serde_json::json!({
                "type": type_text(e),
                "reason": e.reason,
                "message": e.message,
                "count": e.count,
                "firstTimestamp": epoch.time(e.first_timestamp),
                "lastTimestamp": epoch.time(e.last_timestamp),
                "source": { "component": e.source },
                "involvedObject": {
                    "kind": "Pod",
                    "namespace": pod.metadata.namespace,
                    "name": pod.metadata.name,
                    "uid": pod.metadata.uid,
                    "apiVersion": "v1",
                    "fieldPath": e.field_path,
                },
            })
        })
        .collect()
}

/// The JSON form of `podplay sim --output json`: the Pod's status, its
/// events and the story's steps.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub status: serde_json::Value,
    pub events: Vec<serde_json::Value>,
    pub steps: &'a [Step],
}
