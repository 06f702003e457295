//! The picture: the node, the Pod with its IP, the pause (infra) container
//! holding the shared namespaces, each container joined to them, the
//! volumes with their mount paths, and the step's data flow. Every colour
//! also has a text label.

use podplay_core::trace::{Flow, Step};
use yew::prelude::*;

use crate::lessons::Lang;
use crate::run::Picture as Model;

#[derive(Properties, PartialEq)]
pub struct PictureProps {
    pub lang: Lang,
    pub model: Model,
    /// This instant's data-flow step, if any: its ends are highlighted and
    /// joined by an animated arrow.
    pub step: Option<Step>,
    /// The picture one instant earlier: what differs is marked as changed.
    pub previous: Option<Model>,
    pub stale: bool,
}

const BOX_W: i32 = 196;
const BOX_H: i32 = 64;
const GAP: i32 = 18;

#[function_component(Picture)]
pub fn picture(props: &PictureProps) -> Html {
    let m = &props.model;
    let n = m.containers.len().max(1) as i32;
    let width = (n * (BOX_W + GAP) + GAP + 40).max(560);
    let height = 360 + if m.volumes.is_empty() { 0 } else { 90 };
    let flow = props.step.as_ref().and_then(|s| s.flow.clone());
    let shared = shared_namespaces(m);
    let pause_changed = props.previous.as_ref().is_some_and(|p| p.sandbox != m.sandbox);
    let pod_changed = props.previous.as_ref().is_some_and(|p| p.node != m.node || p.ip != m.ip);
    let flow_text = flow.as_ref().map(|f| format!("{} → {} ({})", f.from, f.to, f.via)).unwrap_or_default();
    let title = format!(
        "Pod {} on {}{}",
        m.name,
        m.node.clone().unwrap_or_else(|| "no node yet".into()),
        m.ip.as_ref().map(|ip| format!(", IP {ip}")).unwrap_or_default()
    );
    html! {
        <figure class={if props.stale { "picture stale" } else { "picture" }}>
            <svg viewBox={format!("0 0 {width} {height}")} role="img" aria-label={spoken(m, &title, &shared, &flow_text)}>
                <defs>
                    <marker id="flow-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="flow-head" />
                    </marker>
                </defs>
                <rect class="node" x="10" y="10" width={(width - 20).to_string()} height={(height - 20).to_string()} rx="12" />
                <text x="24" y="34" class="node-name">{ format!("node {}", m.node.clone().unwrap_or_else(|| "(not scheduled)".into())) }</text>
                <rect class="pod" x="30" y="48" width={(width - 60).to_string()} height={(height - 76).to_string()} rx="10" />
                <text x="44" y="70" class={if pod_changed { "pod-name changed" } else { "pod-name" }}>
                    { if pod_changed { format!("{title} ✱") } else { title } }
                </text>
                <g class={classes!("pause", (!m.sandbox).then_some("absent"), pause_changed.then_some("changed"))}>
                    <rect x="44" y="84" width={(width - 88).to_string()} height="66" rx="8" />
                    <text x="56" y="106" class="name">{ props.lang.t("pause (infra container): holds the shared namespaces", "pause（infra 容器）：持有共享的命名空间") }</text>
                    <text x="56" y="130">{ shared }</text>
                </g>
                { containers(props.lang, m, props.previous.as_ref(), flow.as_ref()) }
                { volumes(m, flow.as_ref()) }
                { flow.as_ref().and_then(|f| arrow(m, f)) }
            </svg>
            <figcaption>
                { if props.stale { html!{ <strong class="stale-note">{ props.lang.t("Out of date: the YAML has errors; this is the last valid Pod. ", "已过期：YAML 有错误，这是上一个有效的 Pod。") }</strong> } } else { html!{} } }
                { if flow_text.is_empty() { html!{} } else { html!{ <span class="flow">{ format!("{}{flow_text}", props.lang.t("Data flow: ", "数据流：")) }</span> } } }
            </figcaption>
        </figure>
    }
}

/// Where the i-th container's box starts, left to right.
fn container_x(i: usize) -> i32 {
    40 + GAP + i as i32 * (BOX_W + GAP)
}

/// Where the i-th volume's box starts, left to right.
fn volume_x(i: usize) -> i32 {
    60 + i as i32 * 230
}

/// The namespaces the pause container holds, and which are the node's.
fn shared_namespaces(m: &Model) -> String {
    let mut v = Vec::new();
    v.push(if m.host_network { "net: node's" } else { "net" });
    v.push(if m.host_ipc { "ipc: node's" } else { "ipc" });
    v.push(if m.host_network { "uts: node's" } else { "uts" });
    if m.host_pid {
        v.push("pid: node's");
    } else if m.share_pid {
        v.push("pid");
    }
    v.join(" · ")
}

/// The containers' boxes, joined to the pause container: an end of the data
/// flow is highlighted, and what differs from `previous` is marked.
fn containers(lang: Lang, m: &Model, previous: Option<&Model>, flow: Option<&Flow>) -> Html {
    m.containers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x = container_x(i);
            let y = 200;
            let active = flow.is_some_and(|f| f.from == c.name || f.to == c.name);
            let changed = previous.is_some_and(|p| {
                !p.containers.iter().any(|before| before.name == c.name && before.state == c.state && before.ready == c.ready)
            });
            let class = format!(
                "container {} {}{}{}",
                c.kind,
                c.tone,
                if active { " active" } else { "" },
                if changed { " changed" } else { "" }
            );
            html! {
                <g class={class}>
                    <line class="joins" x1={(x + BOX_W / 2).to_string()} y1={y.to_string()} x2={(x + BOX_W / 2).to_string()} y2="150" />
                    <rect x={x.to_string()} y={y.to_string()} width={BOX_W.to_string()} height={BOX_H.to_string()} rx="8" />
                    <text x={(x + 10).to_string()} y={(y + 20).to_string()} class="name">{ format!("{} ({})", c.name, c.kind) }</text>
                    <text x={(x + 10).to_string()} y={(y + 40).to_string()} class="state">{ c.state.clone() }</text>
                    <text x={(x + 10).to_string()} y={(y + 56).to_string()} class="ready">{ if c.ready { lang.t("ready", "就绪") } else { lang.t("not ready", "未就绪") } }</text>
                    if changed {
                        <text x={(x + BOX_W - 8).to_string()} y={(y + 56).to_string()} class="changed-mark" text-anchor="end">{ lang.t("✱ changed", "✱ 有变化") }</text>
                    }
                </g>
            }
        })
        .collect()
}

/// The volumes' boxes, each with lines to the containers that mount it
/// labelled with the mount paths; an end of the data flow is highlighted.
fn volumes(m: &Model, flow: Option<&Flow>) -> Html {
    m.volumes
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = volume_x(i);
            let y = 300;
            let active = flow.is_some_and(|f| f.from == format!("volume {}", v.name) || f.to == format!("volume {}", v.name));
            let lines: Html = v
                .mounts
                .iter()
                .enumerate()
                .filter_map(|(j, (container, path))| {
                    let ci = m.containers.iter().position(|c| &c.name == container)?;
                    let cx = container_x(ci) + BOX_W / 2;
                    Some(html! {
                        <g class="mount">
                            <line x1={cx.to_string()} y1="264" x2={(x + 90).to_string()} y2={y.to_string()} />
                            <text x={(cx + 6).to_string()} y={(280 + 14 * j as i32).to_string()} class="mount-path">
                                <title>{ path.clone() }</title>
                                { shorten(path, 26) }
                            </text>
                        </g>
                    })
                })
                .collect();
            html! {
                <g class={if active { "volume active" } else { "volume" }}>
                    { lines }
                    <rect x={x.to_string()} y={y.to_string()} width="180" height="48" rx="6" />
                    <text x={(x + 10).to_string()} y={(y + 20).to_string()} class="name">{ format!("volume {}", v.name) }</text>
                    <text x={(x + 10).to_string()} y={(y + 38).to_string()}>{ v.kind.clone() }</text>
                </g>
            }
        })
        .collect()
}

/// The data flow's animated arrow, if both ends are in the picture.
fn arrow(m: &Model, flow: &Flow) -> Option<Html> {
    let ((x1, y1), (x2, y2)) = flow_ends(m, &flow.from, &flow.to)?;
    Some(html! {
        <line class="flow-arrow" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}
            marker-end="url(#flow-head)" />
    })
}

/// Where each end of a data flow sits, for the animated arrow: between two
/// containers, their facing sides; between a container and a volume, the
/// container's bottom edge and the volume's top edge. The arrow never
/// crosses a box's labels.
fn flow_ends(m: &Model, from: &str, to: &str) -> Option<((i32, i32), (i32, i32))> {
    let container_at = |end: &str| m.containers.iter().position(|c| c.name == end).map(container_x);
    let volume_at = |end: &str| m.volumes.iter().position(|v| format!("volume {}", v.name) == end).map(volume_x);
    match (container_at(from), container_at(to), volume_at(from), volume_at(to)) {
        (Some(a), Some(b), _, _) if a != b => {
            let y = 200 + BOX_H / 2;
            Some(if a < b { ((a + BOX_W, y), (b, y)) } else { ((a, y), (b + BOX_W, y)) })
        }
        (Some(c), _, _, Some(v)) => Some(((c + BOX_W / 2, 200 + BOX_H), (v + 90, 300))),
        (_, Some(c), Some(v), _) => Some(((v + 90, 300), (c + BOX_W / 2, 200 + BOX_H))),
        _ => None,
    }
}

/// What a screen reader says for the whole picture: the same facts as the
/// boxes, in words.
fn spoken(m: &Model, title: &str, shared: &str, flow_text: &str) -> String {
    let mut parts = vec![title.to_string()];
    parts.push(if m.sandbox { format!("pause container holds {shared}") } else { "no sandbox yet".into() });
    for c in &m.containers {
        parts.push(format!("{} ({}): {}, {}", c.name, c.kind, c.state, if c.ready { "ready" } else { "not ready" }));
    }
    for v in &m.volumes {
        let mounts: Vec<String> = v.mounts.iter().map(|(c, p)| format!("{c} at {p}")).collect();
        parts.push(format!("volume {} ({}) mounted by {}", v.name, v.kind, mounts.join(", ")));
    }
    if !flow_text.is_empty() {
        parts.push(format!("data flow {flow_text}"));
    }
    parts.join("; ")
}

/// A long path with its middle elided (`/root/apache-…/webapps`), so it fits
/// beside its container; the full path is in the element's title.
fn shorten(path: &str, max: usize) -> String {
    let chars: Vec<char> = path.chars().collect();
    if chars.len() <= max {
        return path.to_string();
    }
    let tail = max / 2;
    let head = max - tail - 1;
    chars[..head].iter().chain(['…'].iter()).chain(chars[chars.len() - tail..].iter()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_paths_keep_both_ends() {
        assert_eq!(super::shorten("/app", 26), "/app");
        let short = super::shorten("/root/apache-tomcat-7.0.42-v2/webapps", 26);
        assert_eq!(short.chars().count(), 26);
        assert!(short.starts_with("/root/apache") && short.ends_with("v2/webapps"), "{short}");
    }
}
