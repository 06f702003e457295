//! The picture: the node, the Pod with its IP, the pause (infra) container
//! holding the shared namespaces, each container joined to them, the
//! volumes with their mount paths, the stores outside the Pod, and every
//! data flow of the instant as a labelled arrow. Every colour also has a
//! text label.

use podplay_core::trace::Flow;
use yew::AttrValue;
use yew::prelude::*;

use crate::lessons::Lang;
use crate::run::{Box as ContainerBox, Doing, Picture as Model};

#[derive(Properties, PartialEq)]
pub struct PictureProps {
    pub lang: Lang,
    pub model: Model,
    /// The data flows since the previous instant: each is drawn as an
    /// animated arrow from its source to its destination, with its label.
    pub flows: Vec<Flow>,
    /// Ends of the run's flows that are neither a container nor a volume:
    /// stores and services outside the Pod, drawn beside it.
    pub outside: Vec<String>,
    /// The picture one instant earlier: what differs is marked as changed.
    pub previous: Option<Model>,
    pub stale: bool,
}

const BOX_W: i32 = 196;
const BOX_H: i32 = 84;
const GAP: i32 = 18;
const CONTAINER_Y: i32 = 200;
/// Where arrows between boxes run: between the pause box and the containers.
const LANE_Y: i32 = 176;
const VOLUME_Y: i32 = 350;
const VOLUME_W: i32 = 200;
const OUTSIDE_W: i32 = 170;
/// Characters that fit in a container box's width at the picture's size.
const BOX_CHARS: usize = 25;

/// Where things are: computed once per drawing.
struct Layout {
    pod_w: i32,
    height: i32,
    /// The left edge of the outside column (right of the node).
    outside_x: i32,
}

impl Layout {
    fn of(m: &Model) -> Layout {
        let n = m.containers.len().max(1) as i32;
        let containers = n * (BOX_W + GAP) + GAP;
        let volumes = m.volumes.len() as i32 * (VOLUME_W + 30) + 30;
        let pod_w = containers.max(volumes).max(520);
        let height = if m.volumes.is_empty() { 330 } else { 440 };
        let outside_x = pod_w + 90;
        Layout { pod_w, height, outside_x }
    }

    fn width(&self, outside: usize) -> i32 {
        self.pod_w + 80 + if outside > 0 { OUTSIDE_W + 40 } else { 0 }
    }
}

/// Where the i-th container's box starts, left to right.
fn container_x(i: usize) -> i32 {
    40 + GAP + i as i32 * (BOX_W + GAP)
}

/// Where the i-th volume's box starts, left to right.
fn volume_x(i: usize) -> i32 {
    58 + i as i32 * (VOLUME_W + 30)
}

/// Where the i-th outside store's box starts, top to bottom.
fn outside_y(i: usize) -> i32 {
    LANE_Y - 40 + i as i32 * 90
}

#[function_component(Picture)]
pub fn picture(props: &PictureProps) -> Html {
    let m = &props.model;
    let lang = props.lang;
    let title = pod_title(lang, m);
    let flows_text: Vec<String> = props.flows.iter().map(flow_text).collect();
    let shared = shared_namespaces(lang, m);
    // The drawing is SVG markup made as one string: far less code in the
    // first load than a virtual-DOM node per shape, and one DOM update per
    // instant. Every text from the learner's YAML is escaped.
    let svg = Html::from_html_unchecked(AttrValue::from(draw(props, &title, &shared, &flows_text)));
    let class = classes!("picture", props.stale.then_some("stale"), m.deleted.then_some("deleted"));
    html! {
        <figure class={class}>
            { svg }
            <figcaption>
                if props.stale {
                    <strong class="stale-note">{ lang.t("Out of date: the YAML has errors; this is the last valid Pod. ", "已过期：YAML 有错误，这是上一个有效的 Pod。") }</strong>
                }
                if !flows_text.is_empty() {
                    <span class="flow">{ format!("{}{}", lang.t("Data flow: ", "数据流："), flows_text.join(" · ")) }</span>
                }
            </figcaption>
        </figure>
    }
}

/// The whole drawing, as SVG markup.
fn draw(props: &PictureProps, title: &str, shared: &str, flows_text: &[String]) -> String {
    let m = &props.model;
    let lang = props.lang;
    let layout = Layout::of(m);
    let (width, height) = (layout.width(props.outside.len()), layout.height);
    let pause_changed = props.previous.as_ref().is_some_and(|p| p.sandbox != m.sandbox);
    let pod_changed = props.previous.as_ref().is_some_and(|p| {
        p.node != m.node
            || p.ip != m.ip
            || p.deleted != m.deleted
            || p.grace_left_ms.is_some() != m.grace_left_ms.is_some()
    });
    let mut svg = Svg::default();
    // At most 125% of its own size (a unit is a CSS pixel) where there is
    // room, so a wide screen keeps room for the story beside it, and never
    // under 85%, so that its smallest text stays readable (11 px labels at
    // no less than 9.35 px): a narrow screen scrolls the figure sideways
    // instead. Whole pixels: no float formatting in the wasm.
    let (most, least) = (width * 5 / 4, width * 17 / 20);
    svg.raw(&format!(
        r#"<svg viewBox="0 0 {width} {height}" style="width:{most}px;max-width:100%;min-width:{least}px" role="img" aria-label=""#
    ));
    svg.escaped(&spoken(lang, m, title, shared, flows_text));
    svg.raw(r#""><defs><marker id="flow-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="flow-head"/></marker></defs>"#);
    svg.rect("node", 10, 10, layout.pod_w + 60, height - 20, 12);
    svg.text("node-name", 24, 34, "", &node_label(lang, m), None);
    if let Some(grace) = grace_label(lang, m) {
        svg.text("grace", layout.pod_w + 50, 34, "end", &grace, None);
    }
    svg.rect("pod", 30, 48, layout.pod_w + 20, height - 76, 10);
    let pod_title = if pod_changed { format!("{title} ✱") } else { title.to_string() };
    svg.text(if pod_changed { "pod-name changed" } else { "pod-name" }, 44, 70, "", &pod_title, None);
    let pause_class = match (m.sandbox, pause_changed) {
        (true, false) => "pause",
        (true, true) => "pause changed",
        (false, false) => "pause absent",
        (false, true) => "pause absent changed",
    };
    svg.open(pause_class);
    svg.rect("", 44, 84, layout.pod_w - 8, 66, 8);
    let holds =
        lang.t("pause (infra container): holds the shared namespaces", "pause（Infra 容器）：持有共享的 Namespace");
    svg.text("name", 56, 106, "", holds, None);
    svg.text("", 56, 130, "", if m.sandbox { shared } else { lang.t("no sandbox", "没有沙箱") }, None);
    svg.close();
    for (i, c) in m.containers.iter().enumerate() {
        container(&mut svg, lang, i, c, props.previous.as_ref(), &props.flows);
    }
    volumes(&mut svg, lang, m, &props.flows);
    for (i, name) in props.outside.iter().enumerate() {
        outside_box(&mut svg, lang, &layout, i, name, &props.flows);
    }
    draw_arrows(&mut svg, m, &layout, &props.outside, &props.flows);
    svg.raw("</svg>");
    svg.0
}

/// SVG markup, written shape by shape.
#[derive(Default)]
struct Svg(String);

impl Svg {
    fn raw(&mut self, markup: &str) {
        self.0.push_str(markup);
    }

    /// Text as element content or an attribute value.
    fn escaped(&mut self, text: &str) {
        crate::markup::escape_into(&mut self.0, text);
    }

    fn open(&mut self, class: &str) {
        self.raw(&format!(r#"<g class="{class}">"#));
    }

    fn close(&mut self) {
        self.raw("</g>");
    }

    fn rect(&mut self, class: &str, x: i32, y: i32, w: i32, h: i32, rx: i32) {
        self.raw(&format!(r#"<rect class="{class}" x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}"/>"#));
    }

    fn line(&mut self, class: &str, (x1, y1): (i32, i32), (x2, y2): (i32, i32)) {
        self.raw(&format!(r#"<line class="{class}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>"#));
    }

    /// A text (`anchor`: `start` when empty), with a tooltip when `title`
    /// is given (the full text of a shortened one).
    fn text(&mut self, class: &str, x: i32, y: i32, anchor: &str, text: &str, title: Option<&str>) {
        let anchor = if anchor.is_empty() { "start" } else { anchor };
        self.raw(&format!(r#"<text class="{class}" x="{x}" y="{y}" text-anchor="{anchor}">"#));
        if let Some(title) = title {
            self.raw("<title>");
            self.escaped(title);
            self.raw("</title>");
        }
        self.escaped(text);
        self.raw("</text>");
    }
}

/// `from → to (via)`, as the caption and screen readers say a flow.
fn flow_text(f: &Flow) -> String {
    format!("{} → {} ({})", f.from, f.to, f.via)
}

fn node_label(lang: Lang, m: &Model) -> String {
    match &m.node {
        Some(node) => format!("{} {node}", lang.t("node", "节点")),
        None => lang.t("node (not scheduled)", "节点（尚未调度）").to_string(),
    }
}

/// The Pod's line: its name, node and IP; being deleted with the grace
/// period left; or gone.
fn pod_title(lang: Lang, m: &Model) -> String {
    if m.deleted {
        return lang.pick(
            format!("Pod {}: deleted (kubectl get pod: NotFound)", m.name),
            format!("Pod {}：已删除（kubectl get pod：NotFound）", m.name),
        );
    }
    let mut title = format!(
        "Pod {} {} {}{}",
        m.name,
        lang.t("on", "位于"),
        m.node.clone().unwrap_or_else(|| lang.t("no node yet", "尚无节点").into()),
        m.ip.as_ref().map(|ip| format!(", IP {ip}")).unwrap_or_default()
    );
    if m.grace_left_ms.is_some() {
        title.push_str(" · Terminating");
    }
    title
}

/// The grace period's countdown while the Pod is being deleted.
fn grace_label(lang: Lang, m: &Model) -> Option<String> {
    let secs = m.grace_left_ms?.div_ceil(1000);
    Some(lang.pick(format!("Terminating: {secs} s of grace left"), format!("Terminating：宽限期还剩 {secs} 秒")))
}

/// The namespaces the pause container holds, and which are the node's.
fn shared_namespaces(lang: Lang, m: &Model) -> String {
    let nodes = lang.t(": node's", "：节点的");
    let mut v = Vec::new();
    let ns = |name: &str, node: bool| if node { format!("{name}{nodes}") } else { name.to_string() };
    v.push(ns("net", m.host_network));
    v.push(ns("ipc", m.host_ipc));
    v.push(ns("uts", m.host_network));
    if m.host_pid {
        v.push(ns("pid", true));
    } else if m.share_pid {
        v.push(ns("pid", false));
    }
    v.join(" · ")
}

/// What the kubelet is doing to a container, or its latest warning.
fn doing_label(lang: Lang, c: &ContainerBox) -> Option<(String, &'static str)> {
    let doing = match c.doing? {
        Doing::PostStartHook => lang.t("postStart hook running…", "postStart 钩子运行中…").to_string(),
        Doing::PreStopHook => lang.t("preStop hook running…", "preStop 钩子运行中…").to_string(),
        Doing::Stopping { kill_in_ms: Some(ms) } => {
            let secs = ms.div_ceil(1000);
            lang.pick(format!("stopping: SIGKILL in {secs} s"), format!("停止中：{secs} 秒后 SIGKILL"))
        }
        Doing::Stopping { kill_in_ms: None } => lang.t("stopping…", "停止中…").to_string(),
    };
    Some((doing, "doing"))
}

/// A container's box, joined to the pause container: an end of a data flow
/// is highlighted, and what differs from `previous` is marked.
fn container(svg: &mut Svg, lang: Lang, i: usize, c: &ContainerBox, previous: Option<&Model>, flows: &[Flow]) {
    let x = container_x(i);
    let y = CONTAINER_Y;
    let active = flows.iter().any(|f| f.from == c.name || f.to == c.name);
    let changed = previous.is_some_and(|p| {
        !p.containers.iter().any(|b| b.name == c.name && b.state == c.state && b.ready == c.ready && b.doing == c.doing)
    });
    let class = format!(
        "container {} {}{}{}",
        c.kind,
        c.tone,
        if active { " active" } else { "" },
        if changed { " changed" } else { "" }
    );
    let kind = match c.kind {
        "init" => "init",
        "sidecar" => lang.t("sidecar", "sidecar"),
        _ => lang.t("main", "主"),
    };
    let full = format!("{} ({kind})", c.name);
    let name = format!("{} ({kind})", shorten(&c.name, BOX_CHARS.saturating_sub(kind.chars().count() + 3)));
    svg.open(&class);
    svg.line("joins", (x + BOX_W / 2, y), (x + BOX_W / 2, 150));
    svg.rect("", x, y, BOX_W, BOX_H, 8);
    svg.text("name", x + 10, y + 20, "", &name, Some(&full));
    svg.text("state", x + 10, y + 38, "", &shorten(&c.state, BOX_CHARS), Some(&c.state));
    svg.text(
        "ready",
        x + 10,
        y + 56,
        "",
        if c.ready { lang.t("ready", "就绪") } else { lang.t("not ready", "未就绪") },
        None,
    );
    if changed {
        svg.text("changed-mark", x + BOX_W - 8, y + 56, "end", lang.t("✱ changed", "✱ 有变化"), None);
    }
    let note = doing_label(lang, c).or_else(|| c.warning.as_ref().map(|w| (format!("⚠ {w}"), "warning")));
    if let Some((text, class)) = note {
        svg.text(class, x + 10, y + 74, "", &shorten(&text, BOX_CHARS), Some(&text));
    }
    svg.close();
}

/// The volumes' boxes, each with lines to the containers that mount it
/// labelled with the mount paths; an end of a data flow is highlighted.
fn volumes(svg: &mut Svg, lang: Lang, m: &Model, flows: &[Flow]) {
    for (i, v) in m.volumes.iter().enumerate() {
        let x = volume_x(i);
        let end = format!("volume {}", v.name);
        let active = flows.iter().any(|f| f.from == end || f.to == end);
        svg.open(if active { "volume active" } else { "volume" });
        for (container, path) in &v.mounts {
            let Some(ci) = m.containers.iter().position(|c| &c.name == container) else { continue };
            let cx = container_x(ci) + BOX_W / 2;
            // The path sits under its container, on the side the line
            // leaves free, cut to the room there.
            let label_y = CONTAINER_Y + BOX_H + 16 + 14 * (i as i32);
            let leftwards = x + VOLUME_W / 2 < cx;
            let (label_x, anchor) = if leftwards { (cx + 6, "start") } else { (cx - 6, "end") };
            let room = if leftwards { BOX_W / 2 } else { cx - 40 } - 10;
            svg.open("mount");
            svg.line("", (cx, CONTAINER_Y + BOX_H), (x + VOLUME_W / 2, VOLUME_Y));
            svg.text(
                "mount-path",
                label_x,
                label_y,
                anchor,
                &shorten(path, (room / 7).clamp(8, 26) as usize),
                Some(path),
            );
            svg.close();
        }
        svg.rect("", x, VOLUME_Y, VOLUME_W, 48, 6);
        let name = format!("{} {}", lang.t("volume", "Volume"), shorten(&v.name, 18));
        svg.text("name", x + 10, VOLUME_Y + 20, "", &name, Some(&v.name));
        svg.text("", x + 10, VOLUME_Y + 38, "", &v.kind, None);
        svg.close();
    }
}

/// A store or service outside the Pod (the log store, a web site).
fn outside_box(svg: &mut Svg, lang: Lang, layout: &Layout, i: usize, name: &str, flows: &[Flow]) {
    let (x, y) = (layout.outside_x, outside_y(i));
    let active = flows.iter().any(|f| f.from == name || f.to == name);
    svg.open(if active { "outside active" } else { "outside" });
    svg.rect("", x, y, OUTSIDE_W, 60, 8);
    svg.text("name", x + 10, y + 22, "", &shorten(name, 20), Some(name));
    svg.text("", x + 10, y + 42, "", lang.t("outside the Pod", "Pod 之外"), None);
    svg.close();
}

/// Where an end of a flow is.
#[derive(Clone, Copy, PartialEq)]
enum End {
    Container(i32),
    Volume(i32),
    Outside(i32),
}

fn end_of(m: &Model, outside: &[String], name: &str) -> Option<End> {
    if let Some(i) = m.containers.iter().position(|c| c.name == name) {
        return Some(End::Container(container_x(i)));
    }
    if let Some(i) = m.volumes.iter().position(|v| name.strip_prefix("volume ") == Some(v.name.as_str())) {
        return Some(End::Volume(volume_x(i)));
    }
    outside.iter().position(|o| o == name).map(|i| End::Outside(outside_y(i)))
}

/// One arrow for the flows between two ends: a request and its answer
/// make one arrow with two heads; flows the same way share one, with
/// their labels joined.
struct Arrow {
    from: End,
    to: End,
    both_ways: bool,
    label: String,
    /// The flows, in words (the tooltip).
    text: String,
}

fn arrows(m: &Model, outside: &[String], flows: &[Flow]) -> Vec<Arrow> {
    let mut arrows: Vec<Arrow> = Vec::new();
    for f in flows {
        let (Some(from), Some(to)) = (end_of(m, outside, &f.from), end_of(m, outside, &f.to)) else { continue };
        match arrows.iter_mut().find(|a| (a.from, a.to) == (from, to) || (a.from, a.to) == (to, from)) {
            Some(a) => {
                if (a.from, a.to) == (from, to) && from != to {
                    a.label = format!("{} · {}", a.label, f.via);
                } else {
                    a.both_ways = true;
                }
                a.text = format!("{}, {}", a.text, flow_text(f));
            }
            None => arrows.push(Arrow { from, to, both_ways: false, label: f.via.clone(), text: flow_text(f) }),
        }
    }
    arrows
}

/// Whether an arrow runs along the lane above the containers.
fn on_lane(a: &Arrow) -> bool {
    !matches!((a.from, a.to), (End::Volume(_), _) | (_, End::Volume(_)))
}

/// The arrows and their labels. Arrows between containers and to the
/// outside run along the lane above the containers (never across a box),
/// one lane each; arrows to and from a volume run between the container's
/// bottom and the volume's top.
fn draw_arrows(svg: &mut Svg, m: &Model, layout: &Layout, outside: &[String], flows: &[Flow]) {
    let mut lanes = 0;
    let mut volume_arrows = 0;
    for a in arrows(m, outside, flows) {
        // A label next to an outside box ends at its edge.
        let anchor =
            if matches!((a.from, a.to), (End::Outside(_), _) | (_, End::Outside(_))) { "end" } else { "middle" };
        let (points, label) = if on_lane(&a) {
            lanes += 1;
            lane_route(&a, layout, LANE_Y - 10 * (lanes - 1))
        } else {
            volume_arrows += 1;
            volume_route(&a, 12 * (volume_arrows - 1))
        };
        let d: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
        let start = if a.both_ways { r#" marker-start="url(#flow-head)""# } else { "" };
        svg.open("flow");
        svg.raw(&format!(
            r#"<polyline class="flow-arrow" points="{}" marker-end="url(#flow-head)"{start}/>"#,
            d.join(" ")
        ));
        svg.text("flow-label", label.0, label.1, anchor, &shorten(&a.label, 40), Some(&a.text));
        svg.close();
    }
}

type Route = (Vec<(i32, i32)>, (i32, i32));

fn lane_route(a: &Arrow, layout: &Layout, lane: i32) -> Route {
    let top = |x: i32| (x + BOX_W / 2, CONTAINER_Y);
    match (a.from, a.to) {
        (End::Container(x), End::Container(y)) if x == y => {
            // A request to a server in the same container (an exec'd curl).
            let (x, y) = top(x);
            (vec![(x - 30, y), (x - 30, lane), (x + 30, lane), (x + 30, y)], (x, lane - 6))
        }
        (End::Container(p), End::Container(q)) => {
            let ((x1, y1), (x2, y2)) = (top(p), top(q));
            (vec![(x1, y1), (x1, lane), (x2, lane), (x2, y2)], ((x1 + x2) / 2, lane - 6))
        }
        (End::Container(c), End::Outside(_)) | (End::Outside(_), End::Container(c)) => {
            let (x, y) = top(c);
            let path = vec![(x, y), (x, lane), (layout.outside_x, lane)];
            let path = if matches!(a.from, End::Container(_)) { path } else { path.into_iter().rev().collect() };
            (path, (layout.outside_x - 8, lane - 6))
        }
        _ => (Vec::new(), (0, 0)),
    }
}

fn volume_route(a: &Arrow, shift: i32) -> Route {
    let (c, v) = match (a.from, a.to) {
        (End::Container(c), End::Volume(v)) | (End::Volume(v), End::Container(c)) => (c, v),
        _ => return (Vec::new(), (0, 0)),
    };
    let near_container = (c + BOX_W / 2 + shift, CONTAINER_Y + BOX_H);
    let near_volume = (v + VOLUME_W / 2 + shift, VOLUME_Y);
    let line = if matches!(a.from, End::Container(_)) {
        vec![near_container, near_volume]
    } else {
        vec![near_volume, near_container]
    };
    (line, (near_volume.0 + 8, VOLUME_Y - 8 - shift))
}

/// What a screen reader says for the whole picture: the same facts as the
/// boxes, in words.
fn spoken(lang: Lang, m: &Model, title: &str, shared: &str, flows: &[String]) -> String {
    let mut parts = vec![title.to_string()];
    parts.extend(grace_label(lang, m));
    parts.push(if m.sandbox {
        format!("{} {shared}", lang.t("pause container holds", "pause 容器持有"))
    } else {
        lang.t("no sandbox", "没有沙箱").into()
    });
    for c in &m.containers {
        let ready = if c.ready { lang.t("ready", "就绪") } else { lang.t("not ready", "未就绪") };
        let mut part = format!("{} ({}): {}, {ready}", c.name, c.kind, c.state);
        if let Some((text, _)) = doing_label(lang, c) {
            part.push_str(&format!(", {text}"));
        } else if let Some(w) = &c.warning {
            part.push_str(&format!(", {w}"));
        }
        parts.push(part);
    }
    for v in &m.volumes {
        let mounts: Vec<String> = v.mounts.iter().map(|(c, p)| format!("{c}: {p}")).collect();
        parts.push(format!("{} {} ({}): {}", lang.t("volume", "Volume"), v.name, v.kind, mounts.join(", ")));
    }
    if !flows.is_empty() {
        parts.push(format!("{}{}", lang.t("data flow: ", "数据流："), flows.join(", ")));
    }
    parts.join("; ")
}

/// A long text with its middle elided (`/root/apache-…/webapps`), so it fits
/// its box; the full text is in the element's title.
fn shorten(path: &str, max: usize) -> String {
    let chars: Vec<char> = path.chars().collect();
    if chars.len() <= max || max < 3 {
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
