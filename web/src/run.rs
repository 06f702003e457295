//! A simulation recorded instant by instant, so the learner can move
//! forwards and backwards through it (time travel without keeping live
//! state: the simulation is deterministic, so anything not recorded is
//! recomputed by simulating again up to that instant).

use k8s_openapi::api::core::v1::{Node, Pod};
use podplay_core::time::MonoTime;
use podplay_core::trace::{Flow, Step};
use podplay_sim::{Simulation, Until};

/// Most instants recorded (a crash loop would go on for ever).
pub const MAX_FRAMES: usize = 400;

/// What the picture and the panels show at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub at: MonoTime,
    /// How many trace steps had happened by then.
    pub steps: usize,
    pub status: String,
    pub phase: String,
    pub get_wide: String,
    pub describe: String,
    pub picture: Picture,
}

/// The Pod as the picture draws it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Picture {
    pub name: String,
    pub node: Option<String>,
    pub ip: Option<String>,
    pub host_network: bool,
    pub host_pid: bool,
    pub host_ipc: bool,
    pub share_pid: bool,
    pub sandbox: bool,
    pub containers: Vec<Box>,
    pub volumes: Vec<Volume>,
    /// Being deleted: milliseconds left of the grace period.
    pub grace_left_ms: Option<u64>,
    /// Deleted: the API object is gone (`kubectl get` says NotFound).
    pub deleted: bool,
}

impl Picture {
    /// The containers with a process to signal.
    pub fn running(&self) -> Vec<String> {
        self.containers.iter().filter(|c| c.tone == "running").map(|c| c.name.clone()).collect()
    }

    /// Whether `kubectl delete pod` would start something: not while the
    /// Pod is already terminating, nor once it is gone.
    pub fn deletable(&self) -> bool {
        !self.deleted && self.grace_left_ms.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Box {
    pub name: String,
    /// `init`, `sidecar` or `main`.
    pub kind: &'static str,
    /// `Running`, a waiting reason, or a terminated reason with its exit code.
    pub state: String,
    /// `running`, `waiting`, `done`, `failed`: the colour (always with a text label too).
    pub tone: &'static str,
    pub ready: bool,
    /// What the kubelet is doing to it that the status does not show.
    pub doing: Option<Doing>,
    /// The reason of the latest Warning event about it, while it is not
    /// running and ready (`FailedPostStartHook`, `BackOff`, `Unhealthy`).
    pub warning: Option<String>,
}

/// [`podplay_core::kubelet::Doing`], with the seconds left before SIGKILL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doing {
    PostStartHook,
    PreStopHook,
    Stopping { kill_in_ms: Option<u64> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Volume {
    pub name: String,
    pub kind: String,
    /// (container, mount path)
    pub mounts: Vec<(String, String)>,
}

/// Inside the Pod at one instant.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Inside {
    pub node_ps: String,
    pub container_ps: String,
    pub hosts: String,
    pub log: String,
}

/// Something the learner does to the running Pod ("break things").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intervention {
    /// `kubectl delete pod`.
    Delete,
    /// `kill -SIGNAL` the container's first process from the node.
    Kill { container: String, signal: i32 },
}

/// The recorded simulation of one Pod.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The text the Pod was read from: the simulator's worker reads it
    /// again to run a command or show an instant.
    pub source: std::rc::Rc<str>,
    pub pod: Pod,
    /// The cluster: the text's `kind: Node` documents, or podplay's default
    /// three nodes when it has none (as `podplay sim` does).
    pub nodes: Vec<Node>,
    /// What the learner did, and when.
    pub interventions: Vec<(MonoTime, Intervention)>,
    pub steps: Vec<Step>,
    pub frames: Vec<Frame>,
    /// The ends of data flows outside the Pod (a log store), in order of
    /// first appearance: the picture draws them beside it.
    pub outside: Vec<String>,
    /// The story folded once (`trace::story::fold`): the story at an
    /// instant is this cut at the instant's steps, the fold being stable
    /// under prefixes, so Play does not fold again at every instant.
    pub told: Vec<podplay_core::trace::story::Told>,
    /// Simulated: false for the Pod as written ([`Run::as_written`]).
    pub recorded: bool,
}

impl Run {
    /// Simulates `pod` on `nodes` until stable or terminal.
    pub fn record(source: &str, pod: &Pod, nodes: &[Node]) -> Run {
        Run::record_with(source, pod, nodes, Vec::new())
    }

    /// Simulates `pod` on `nodes`, applying each intervention at its instant,
    /// until the Pod is stable or finished.
    pub fn record_with(source: &str, pod: &Pod, nodes: &[Node], interventions: Vec<(MonoTime, Intervention)>) -> Run {
        Recording::new(source, pod, nodes, interventions).finish()
    }

    /// The Pod as written, before it is created: the first thing a visit
    /// shows, without the simulator (fetched when the learner first runs a
    /// Pod). One instant: the containers and volumes of the spec, no node.
    pub fn as_written(source: std::rc::Rc<str>, pod: &Pod, nodes: &[Node]) -> Run {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let not_found = format!("Error from server (NotFound): pods \"{name}\" not found\n");
        let picture = spec_picture(pod);
        let frame = Frame {
            at: MonoTime::ZERO,
            steps: 0,
            status: String::new(),
            phase: String::new(),
            get_wide: not_found.clone(),
            describe: not_found,
            picture,
        };
        Run {
            source,
            pod: pod.clone(),
            nodes: nodes.to_vec(),
            interventions: Vec::new(),
            steps: Vec::new(),
            frames: vec![frame],
            outside: Vec::new(),
            told: Vec::new(),
            recorded: false,
        }
    }

    /// The instant of frame `frame`.
    pub fn at(&self, frame: usize) -> MonoTime {
        self.frames.get(frame).map_or(MonoTime::ZERO, |f| f.at)
    }

    /// What the simulator needs to run this again: its text and the
    /// learner's interventions.
    pub fn scenario(&self) -> crate::simulator::Scenario {
        crate::simulator::Scenario { text: self.source.to_string(), interventions: self.interventions.clone() }
    }
}

/// Runs `command` in `container` at instant `at` of the run (simulating
/// again up to it): its output, and the data it moved (a `curl` to nginx:
/// the request, nginx reading the page from its volume, the answer), for
/// the picture.
pub fn exec_at(
    pod: &Pod,
    nodes: &[Node],
    interventions: &[(MonoTime, Intervention)],
    at: MonoTime,
    container: &str,
    command: &str,
) -> (String, Vec<Flow>) {
    let mut sim = sim_at(pod, nodes, interventions, at);
    let before = sim.trace().steps().len();
    let output = match sim.exec(container, vec!["sh".into(), "-c".into(), command.into()]) {
        Ok((0, output)) => output,
        Ok((code, output)) => format!("{output}[exit code {code}]\n"),
        Err(e) => format!("error: {e}\n"),
    };
    let mut flows: Vec<Flow> = Vec::new();
    for flow in sim.trace().steps().get(before..).unwrap_or_default().iter().filter_map(|s| s.flow.as_ref()) {
        if !flows.contains(flow) {
            flows.push(flow.clone());
        }
    }
    (output, flows)
}

/// What the "inside" panel shows at instant `at`: the processes as the
/// node sees them and as `container` sees them, its `/etc/hosts`, its log.
pub fn inside_at(
    pod: &Pod,
    nodes: &[Node],
    interventions: &[(MonoTime, Intervention)],
    at: MonoTime,
    container: &str,
) -> Inside {
    let mut sim = sim_at(pod, nodes, interventions, at);
    let hosts = match sim.exec(container, vec!["cat".into(), "/etc/hosts".into()]) {
        Ok((0, text)) => text,
        _ => String::from("(the container is not running)"),
    };
    Inside {
        node_ps: sim.ps(None).unwrap_or_else(|| "(no node yet)".into()),
        container_ps: sim.ps(Some(container)).unwrap_or_else(|| "(the container is not running)".into()),
        hosts,
        log: sim.logs(container, false).unwrap_or_default(),
    }
}

/// The simulation as it was at instant `at`: simulated again up to it,
/// which the determinism makes exact.
fn sim_at(pod: &Pod, nodes: &[Node], interventions: &[(MonoTime, Intervention)], at: MonoTime) -> Simulation {
    let mut sim = fresh(pod, nodes);
    replay(&mut sim, interventions, at);
    sim
}

/// A recording in progress, made a bounded piece at a time ([`step`]):
/// first a whole simulation to find where `podplay sim` would stop (stable
/// or finished, after the interventions), then one instant at a time.
///
/// [`step`]: Recording::step
pub struct Recording {
    source: std::rc::Rc<str>,
    pod: Pod,
    nodes: Vec<Node>,
    interventions: Vec<(MonoTime, Intervention)>,
    phase: Phase,
    sim: Simulation,
    frames: Vec<Frame>,
    /// The interventions not applied yet.
    pending: std::collections::VecDeque<(MonoTime, Intervention)>,
    /// The latest instant at which nothing the page shows changed, not
    /// kept as a frame (see [`Recording::keep`]).
    idle: Option<Frame>,
}

enum Phase {
    /// A first simulation finds where the run ends, an instant at a time
    /// as `Driver::run_until(Until::Stable)` goes (after the interventions
    /// `applied` so far).
    Probing { probe: std::boxed::Box<Simulation>, applied: usize, instants: usize },
    /// The instants up to `end` are recorded.
    Capturing { end: MonoTime },
}

impl Recording {
    pub fn new(source: &str, pod: &Pod, nodes: &[Node], interventions: Vec<(MonoTime, Intervention)>) -> Recording {
        let sim = fresh(pod, nodes);
        Recording {
            source: std::rc::Rc::from(source),
            pod: pod.clone(),
            nodes: nodes.to_vec(),
            pending: interventions.iter().cloned().collect(),
            interventions,
            phase: Phase::Probing { probe: std::boxed::Box::new(fresh(pod, nodes)), applied: 0, instants: 0 },
            frames: vec![capture(&sim)],
            sim,
            idle: None,
        }
    }

    /// The next piece of the recording (an instant of the run that finds
    /// the end, then an instant recorded); the run once it is complete.
    pub fn step(&mut self) -> Option<Run> {
        let end = match &mut self.phase {
            Phase::Probing { probe, applied, instants } => {
                if let Some(end) = probe_step(probe, &self.interventions, applied, instants) {
                    self.phase = Phase::Capturing { end };
                }
                return None;
            }
            Phase::Capturing { end } => *end,
        };
        if self.frames.len() >= MAX_FRAMES {
            return Some(self.complete());
        }
        if self.pending.front().is_some_and(|(at, _)| *at <= self.sim.now()) {
            if let Some((_, i)) = self.pending.pop_front() {
                apply(&mut self.sim, &i);
                // The learner's action is always a frame, and the idle one
                // before it is now history, not the run's end.
                self.idle = None;
                self.frames.push(capture(&self.sim));
            }
            return None;
        }
        let target = match (self.sim.next_wakeup(), self.pending.front().map(|(at, _)| *at)) {
            (Some(n), Some(a)) => n.min(a),
            (Some(n), None) if n <= end => n,
            (None, Some(a)) => a,
            _ => return Some(self.complete()),
        };
        self.sim.run_until(Until::Time(target));
        self.keep(capture(&self.sim));
        None
    }

    /// An instant at which nothing the page shows changed (no step, the
    /// same picture and status: a `sleep` waking inside a loop, a process
    /// hanging on its memory) is not a frame, so that Play and the slider
    /// skip idle time. If the run ends on such instants, the last is kept:
    /// the run ends when it does.
    fn keep(&mut self, frame: Frame) {
        let idle = self.frames.last().is_some_and(|last| {
            last.steps == frame.steps
                && last.picture == frame.picture
                && last.status == frame.status
                && last.phase == frame.phase
        });
        if idle {
            self.idle = Some(frame);
        } else {
            self.idle = None;
            self.frames.push(frame);
        }
    }

    /// The whole recording, at once.
    pub fn finish(mut self) -> Run {
        loop {
            if let Some(run) = self.step() {
                return run;
            }
        }
    }

    fn complete(&mut self) -> Run {
        if self.frames.len() < MAX_FRAMES {
            self.frames.extend(self.idle.take());
        }
        let steps = self.sim.take_steps();
        let outside = outside_ends(&self.pod, &steps);
        let told = podplay_core::trace::story::fold(&steps);
        Run {
            source: self.source.clone(),
            pod: self.pod.clone(),
            nodes: self.nodes.clone(),
            interventions: self.interventions.clone(),
            steps,
            frames: std::mem::take(&mut self.frames),
            outside,
            told,
            recorded: true,
        }
    }
}

/// One piece of the run that finds where a recording ends: the next
/// intervention (run up to its instant and applied), or the next instant
/// of `run_until(Until::Stable)`. The end once there.
fn probe_step(
    probe: &mut Simulation,
    interventions: &[(MonoTime, Intervention)],
    applied: &mut usize,
    instants: &mut usize,
) -> Option<MonoTime> {
    if let Some((at, intervention)) = interventions.get(*applied) {
        probe.run_until(Until::Time(*at));
        apply(probe, intervention);
        *applied += 1;
        return None;
    }
    *instants += 1;
    let more = *instants <= podplay_core::driver::MAX_INSTANTS && probe.advance(Until::Stable);
    (!more).then(|| probe.now())
}

/// The flows' ends that are not the Pod's containers or volumes (nor the
/// node itself).
fn outside_ends(pod: &Pod, steps: &[Step]) -> Vec<String> {
    let spec = pod.spec.as_ref();
    let containers = spec.into_iter().flat_map(|s| s.init_containers.iter().flatten().chain(s.containers.iter()));
    let mut inside: Vec<String> = containers.map(|c| c.name.clone()).collect();
    inside.extend(spec.into_iter().flat_map(|s| s.volumes.iter().flatten()).map(|v| format!("volume {}", v.name)));
    inside.push("node".into());
    let mut outside: Vec<String> = Vec::new();
    for flow in steps.iter().filter_map(|s| s.flow.as_ref()) {
        for end in [&flow.from, &flow.to] {
            if !inside.contains(end) && !outside.contains(end) {
                outside.push(end.clone());
            }
        }
    }
    outside
}

fn fresh(pod: &Pod, nodes: &[Node]) -> Simulation {
    Simulation::new(pod, nodes.to_vec())
}

fn apply(sim: &mut Simulation, intervention: &Intervention) {
    match intervention {
        Intervention::Delete => sim.delete(None),
        Intervention::Kill { container, signal } => {
            sim.kill_container(container, *signal);
        }
    }
}

/// Runs to `until`, applying the interventions on the way.
fn replay(sim: &mut Simulation, interventions: &[(MonoTime, Intervention)], until: MonoTime) {
    for (at, intervention) in interventions.iter().take_while(|(at, _)| *at <= until) {
        sim.run_until(Until::Time(*at));
        apply(sim, intervention);
    }
    sim.run_until(Until::Time(until));
}

fn capture(sim: &Simulation) -> Frame {
    let pod = sim.pod();
    let picture = picture(&pod, sim);
    Frame {
        at: sim.now(),
        steps: sim.trace().steps().len(),
        status: podplay_core::kubectl::kubectl_status_column(&pod),
        phase: pod.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_else(|| "Pending".into()),
        get_wide: sim.get_wide(),
        describe: sim.describe(),
        picture,
    }
}

fn picture(pod: &Pod, sim: &Simulation) -> Picture {
    let mut picture = spec_picture(pod);
    let status = pod.status.clone().unwrap_or_default();
    let events = sim.events();
    let kubelet = sim.kubelet();
    let now = sim.now();
    for b in &mut picture.containers {
        let (list, object) = match b.kind {
            "main" => (&status.container_statuses, "spec.containers"),
            _ => (&status.init_container_statuses, "spec.initContainers"),
        };
        let found = list.as_ref().and_then(|l| l.iter().find(|s| s.name == b.name).cloned());
        let mut with_status = boxed(&b.name, b.kind, found);
        with_status.doing = kubelet.and_then(|k| k.doing(&b.name)).map(|d| match d {
            podplay_core::kubelet::Doing::PostStartHook => Doing::PostStartHook,
            podplay_core::kubelet::Doing::PreStopHook => Doing::PreStopHook,
            podplay_core::kubelet::Doing::Stopping { kill_at } => {
                Doing::Stopping { kill_in_ms: kill_at.map(|t| t.0.saturating_sub(now.0)) }
            }
        });
        if !(with_status.tone == "running" && with_status.ready) {
            let path = format!("{object}{{{}}}", b.name);
            with_status.warning = events
                .iter()
                .rev()
                .find(|e| e.type_ == podplay_core::kubelet::events::EventType::Warning && e.field_path == path)
                .map(|e| e.reason.clone());
        }
        *b = with_status;
    }
    let deleted = sim.is_deleted();
    picture.grace_left_ms = kubelet
        .filter(|k| k.deletion_started().is_some() && !deleted)
        .and_then(|k| k.grace_ends())
        .map(|t| t.0.saturating_sub(now.0));
    picture.node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
    picture.ip = status.pod_ip.clone();
    // Drawn while its pause runs: a stopped sandbox waits for its removal
    // (a deleted Pod's, until the kubelet's next relist) with pause gone.
    picture.sandbox = match (sim.kernel(), sim.containerd()) {
        (Some(kernel), Some(containerd)) => containerd.sandboxes().any(|sb| kernel.is_alive(sb.pause_pid)),
        _ => false,
    };
    picture.deleted = deleted;
    picture
}

/// What the picture shows of the spec alone: the Pod's containers (no
/// status yet) and volumes, the namespaces it shares with the node.
fn spec_picture(pod: &Pod) -> Picture {
    let spec = pod.spec.clone().unwrap_or_default();
    let mut containers = Vec::new();
    for c in spec.init_containers.iter().flatten() {
        let kind = if c.restart_policy.as_deref() == Some("Always") { "sidecar" } else { "init" };
        containers.push(boxed(&c.name, kind, None));
    }
    for c in &spec.containers {
        containers.push(boxed(&c.name, "main", None));
    }
    let mut volumes = Vec::new();
    for v in spec.volumes.iter().flatten() {
        let kind = podplay_core::defaults::volume_sources(v).into_iter().next().unwrap_or_default();
        let mut mounts = Vec::new();
        for c in spec.init_containers.iter().flatten().chain(spec.containers.iter()) {
            for m in c.volume_mounts.iter().flatten().filter(|m| m.name == v.name) {
                mounts.push((c.name.clone(), m.mount_path.clone()));
            }
        }
        volumes.push(Volume { name: v.name.clone(), kind, mounts });
    }
    Picture {
        name: pod.metadata.name.clone().unwrap_or_default(),
        host_network: spec.host_network == Some(true),
        host_pid: spec.host_pid == Some(true),
        host_ipc: spec.host_ipc == Some(true),
        share_pid: spec.share_process_namespace == Some(true),
        containers,
        volumes,
        ..Picture::default()
    }
}

fn boxed(name: &str, kind: &'static str, status: Option<k8s_openapi::api::core::v1::ContainerStatus>) -> Box {
    let state = status.as_ref().and_then(|s| s.state.clone()).unwrap_or_default();
    let (label, tone) = if state.running.is_some() {
        ("Running".to_string(), "running")
    } else if let Some(t) = &state.terminated {
        let reason = t.reason.clone().unwrap_or_default();
        let tone = if t.exit_code == 0 { "done" } else { "failed" };
        (format!("{reason} (exit {})", t.exit_code), tone)
    } else if let Some(w) = &state.waiting {
        let reason = w.reason.clone().unwrap_or_else(|| "Waiting".into());
        let tone =
            if matches!(reason.as_str(), "ContainerCreating" | "PodInitializing") { "waiting" } else { "failed" };
        (reason, tone)
    } else {
        ("Pending".to_string(), "waiting")
    };
    Box {
        name: name.to_string(),
        kind,
        state: label,
        tone,
        ready: status.is_some_and(|s| s.ready),
        doing: None,
        warning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(file: &str) -> Run {
        let example = crate::examples::EXAMPLES.iter().find(|e| e.file == file).unwrap();
        let analysis = podplay_core::analyze(example.yaml);
        Run::record(example.yaml, analysis.valid_pods().next().unwrap(), &podplay_core::cluster::default_nodes())
    }

    /// Every step a runtime reported is told in 中文 too, with the same
    /// facts: the same numbers (PIDs, bytes, ids, ports, addresses).
    #[test]
    fn the_runtimes_steps_are_told_in_chinese_with_the_same_facts() {
        use podplay_core::trace::StepKind::*;
        let numbers = |text: &str| {
            let mut n: Vec<String> =
                text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(String::from).collect();
            n.sort();
            n
        };
        for example in crate::examples::EXAMPLES {
            let run = run_of(example.file);
            for step in &run.steps {
                let told = matches!(
                    step.kind,
                    Sandbox | Image | Mount | FileWrite | FileRead | Connect | Http | Listen | Ship
                );
                let Some(zh) = &step.zh else {
                    assert!(!told, "{}: no 中文 for {:?}", example.file, step.text);
                    continue;
                };
                assert_eq!(numbers(zh), numbers(&step.text), "{}: {:?} / {zh:?}", example.file, step.text);
                assert!(!zh.contains(" bytes") && !zh.contains(" started"), "English left in {zh:?}");
            }
        }
    }

    /// An intervention at the last instant (a SIGTERM the shell, PID 1,
    /// ignores: nothing else changes) stays the run's last frame: time and
    /// the story never go back.
    #[test]
    fn a_break_at_the_last_instant_is_the_last_frame() {
        let run = run_of("memory-limit");
        let at = run.frames.last().unwrap().at;
        let kill = Intervention::Kill { container: "stress".into(), signal: 15 };
        let broken = Run::record_with(&run.source, &run.pod, &run.nodes, vec![(at, kill)]);
        for pair in broken.frames.windows(2) {
            assert!(
                pair[1].at >= pair[0].at && pair[1].steps >= pair[0].steps,
                "{:?} then {:?}",
                pair[0].at,
                pair[1].at
            );
        }
        assert_eq!(broken.frames.last().unwrap().steps, broken.steps.len());
    }

    /// After a deletion, the sandbox is drawn gone as soon as pause has
    /// exited, before the kubelet removes it and the Pod object.
    #[test]
    fn a_stopped_sandbox_is_not_drawn_holding_the_namespaces() {
        let run = run_of("nginx-pod");
        let at = run.frames.last().unwrap().at;
        let deleted = Run::record_with(&run.source, &run.pod, &run.nodes, vec![(at, Intervention::Delete)]);
        let stopped = deleted.frames.iter().find(|f| f.phase == "Failed" && !f.picture.deleted);
        let stopped = stopped.expect("an instant between the sandbox's stop and the Pod's removal");
        assert!(!stopped.picture.sandbox, "{:?}", stopped.picture);
        assert!(deleted.frames.iter().any(|f| f.picture.grace_left_ms.is_some() && f.picture.sandbox));
    }

    /// A process hanging on its memory wakes every second and changes
    /// nothing: those instants are not frames, but the run still ends when
    /// it did.
    #[test]
    fn idle_instants_are_skipped_but_the_end_is_kept() {
        let run = run_of("memory-limit");
        assert!(run.frames.len() <= 8, "{} frames", run.frames.len());
        let last = run.frames.len() - 1;
        for (i, pair) in run.frames.windows(2).enumerate() {
            let moved = pair[1].steps != pair[0].steps || pair[1].picture != pair[0].picture;
            assert!(moved || i + 1 == last, "frame {} shows nothing new", i + 1);
        }
        assert!(run.frames[last].at.0 >= 30_000, "ends at {:?}", run.frames[last].at);
    }
}
