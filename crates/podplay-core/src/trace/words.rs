//! Small pieces of the story's wording shared by the driver and the notes.

use crate::cri::CriCall;
use crate::quote::go_quote;

/// Bytes for people: `512 B`, `64 KiB`, `100 MiB`, `1.5 GiB`.
pub fn bytes(n: u64) -> String {
    let units = [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in units {
        if n >= size {
            let tenths = (n * 10 + size / 2) / size;
            return if tenths % 10 == 0 {
                format!("{} {unit}", tenths / 10)
            } else {
                format!("{}.{} {unit}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{n} B")
}

/// The first 13 characters of an id, as `crictl` shows them.
pub fn short_id(id: &str) -> &str {
    id.get(..13).unwrap_or(id)
}

/// Multi-line scripts shown on one line (newlines as ⏎).
pub fn one_line(text: &str) -> String {
    text.trim_end().replace('\n', " ⏎ ")
}

/// An argument vector as JSON-ish text, newlines shown as ⏎.
pub fn show_argv(argv: &[String]) -> String {
    let parts: Vec<String> = argv.iter().map(|a| go_quote(a).replace("\\n", " ⏎ ")).collect();
    format!("[{}]", parts.join(", "))
}

/// A signal's name without `SIG` (Linux numbering, as on x86-64 and arm64).
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        1 => "HUP",
        2 => "INT",
        3 => "QUIT",
        9 => "KILL",
        10 => "USR1",
        15 => "TERM",
        _ => "?",
    }
}

/// A kubelet call in the story.
pub fn describe_call(call: &CriCall) -> String {
    match call {
        CriCall::RunPodSandbox(c) => format!(
            "RunPodSandbox for {} (hostNetwork={}, hostPID={}, hostIPC={}, shareProcessNamespace={})",
            c.pod_name, c.host_network, c.host_pid, c.host_ipc, c.share_process_namespace
        ),
        CriCall::ImageStatus { image } => format!("ImageStatus {image}"),
        CriCall::PullImage { image } => format!("PullImage {image}"),
        CriCall::CreateContainer { config, .. } => {
            format!("CreateContainer {} (attempt {})", config.name, config.attempt)
        }
        CriCall::StartContainer { container_id } => format!("StartContainer {}", short_id(container_id)),
        CriCall::ExecSync { command, .. } => format!("ExecSync {}", command.join(" ")),
        CriCall::StopContainer { container_id, timeout } => {
            format!("StopContainer {} (timeout {timeout})", short_id(container_id))
        }
        CriCall::StopPodSandbox { sandbox_id } => format!("StopPodSandbox {}", short_id(sandbox_id)),
        CriCall::RemovePodSandbox { sandbox_id } => format!("RemovePodSandbox {}", short_id(sandbox_id)),
        CriCall::HttpGet { host, port, path, .. } => format!("HTTP GET http://{host}:{port}{path} (probe or hook)"),
        CriCall::TcpConnect { host, port, .. } => format!("TCP connect {host}:{port} (probe)"),
    }
}
