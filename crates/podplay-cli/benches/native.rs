//! `cargo xtask bench-native`: a Pod of pause and three busybox containers
//! with requests and limits, run for real through `podplay exec`'s runtime
//! (the Pod network, cgroups and the seccomp default for pause), 20 times:
//! how long until every container runs, how long each container takes to
//! start, how long deletion takes (grace period 0) until the containers'
//! processes are gone, until pause is gone too, and until the Pod is
//! removed, and pause's memory. Then a pull of a 5-layer image from a
//! registry on loopback into an empty store, 5 times. Root only.
//!
//! The median and p95 are printed; `docs/benchmarks.md` keeps the figures
//! with the machine they came from.

use std::path::Path;
use std::time::{Duration, Instant};

use podplay_core::driver::Until;
use podplay_core::time::{Epoch, MonoDuration, MonoTime};
use podplay_linux::image::testing::busybox_images;
use podplay_linux::image::{ImageRunConfig, ImageStore};
use podplay_linux::run::Run;
use podplay_linux::runtime::NodeOptions;

const RUNS: usize = 20;
/// `sleep` as PID 1 of its own namespace would ignore SIGTERM and wait for
/// the kubelet's minimum grace period (2 s, even for 0): with a shared PID
/// namespace pause is PID 1 and SIGTERM ends `sleep` at once.
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bench\nspec:\n  terminationGracePeriodSeconds: 0\n  shareProcessNamespace: true\n  containers:\n  - {name: a, image: busybox, imagePullPolicy: Never, command: [sleep, '3600'], resources: {limits: {cpu: 100m, memory: 32Mi}}}\n  - {name: b, image: busybox, imagePullPolicy: Never, command: [sleep, '3600'], resources: {limits: {cpu: 100m, memory: 32Mi}}}\n  - {name: c, image: busybox, imagePullPolicy: Never, command: [sleep, '3600'], resources: {limits: {cpu: 100m, memory: 32Mi}}}\n";
/// The pulled image: busybox and four layers of this many incompressible bytes.
const PULL_LAYER_BYTES: usize = 8 << 20;
const PULLS: usize = 5;

struct Sample {
    to_running: Duration,
    gone: Duration,
    /// Pause too: every process of the Pod.
    all_gone: Duration,
    removed: Duration,
    pause_rss_kib: u64,
}

fn main() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("bench-native needs root (it runs real Pods)");
        if std::env::var("CI").as_deref() == Ok("true") {
            std::process::exit(1);
        }
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let images = ImageStore::open(&dir.path().join("images")).expect("an image store");
    let archives = busybox_images(dir.path(), "busybox", &ImageRunConfig::default()).expect("the busybox image");
    images.import(&archives.docker_save, None).expect("import");
    let pod = podplay_core::analyze(POD).valid_pods().next().cloned().expect("a valid Pod");
    // `cargo bench` passes --bench; `cargo test --all-targets` runs it once,
    // as a smoke test.
    let runs = if std::env::args().any(|a| a == "--bench") { RUNS } else { 1 };
    let samples: Vec<Sample> =
        (0..runs).map(|i| one_run(&pod, dir.path(), &dir.path().join(format!("run{i}")))).collect();
    report(&samples);
    pulls(dir.path(), if runs == 1 { 1 } else { PULLS });
}

/// `podplay image pull` of a 5-layer image from a loopback registry into
/// an empty store: the time and the rate over the bytes fetched.
fn pulls(dir: &Path, runs: usize) {
    use podplay_linux::image::testing::{TestRegistry, layered_image};
    let layout = layered_image(dir, 5, PULL_LAYER_BYTES).expect("the layered image");
    let registry = TestRegistry::start(dir, None).expect("docker-registry starts");
    registry.push(&layout, "layered:5", None).expect("skopeo pushes");
    let reference = format!("{}/layered:5", registry.host);
    let mut times = Vec::new();
    let mut bytes = 0;
    for i in 0..runs {
        let store = ImageStore::open(&dir.join(format!("pull-store-{i}"))).expect("a store");
        let pulled = store.pull(&reference, &Default::default(), &mut |_| {}).expect("the pull");
        bytes = pulled.fetched_bytes;
        times.push(pulled.took.as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{:<44} median {:>8.1} ms   {} bytes, {:.0} MB/s",
        format!("pull of 5 layers from loopback ({runs} runs)"),
        median * 1000.0,
        bytes,
        bytes as f64 / median / 1e6
    );
}

fn one_run(pod: &k8s_openapi::api::core::v1::Pod, root: &Path, state: &Path) -> Sample {
    let images = ImageStore::open(&root.join("images")).expect("the image store");
    let epoch = Epoch::from_unix_millis(0);
    let options = NodeOptions {
        state: state.to_path_buf(),
        helper: env!("CARGO_BIN_EXE_podplay").into(),
        images,
        epoch,
        seccomp_root: podplay_core::kubelet::security::SECCOMP_PROFILE_ROOT.into(),
        pull: Default::default(),
    };
    let started = Instant::now();
    // The kubelet creates and starts every container in the first instant.
    let mut run = Run::start(pod, podplay_linux::node::this_node(), options).expect("the Pod starts");
    let to_running = started.elapsed();
    let names = ["a", "b", "c"];
    let node = run.driver().runtime().expect("a node");
    assert!(names.iter().all(|n| node.container_pid(n).is_some()), "every container runs");
    let mut pids: Vec<u32> = names.iter().filter_map(|n| node.container_pid(n)).collect();
    let pause = node.pause_pid().expect("pause runs");
    pids.push(pause);
    let pause_rss_kib = rss_kib(pause);
    let deleting = Instant::now();
    run.delete(Some(MonoDuration(0)));
    let limit = Some(run.driver().now() + MonoDuration(10_000));
    let mut gone = None;
    let mut all_gone = None;
    while !run.driver().is_deleted() {
        run.run_until(Until::Time(run.driver().now() + MonoDuration(1)), limit, &mut |_| {});
        if gone.is_none() && pids[..3].iter().all(|p| !alive(*p)) {
            gone = Some(deleting.elapsed());
        }
        if all_gone.is_none() && pids.iter().all(|p| !alive(*p)) {
            all_gone = Some(deleting.elapsed());
        }
        if run.driver().now() > MonoTime(u64::MAX / 2) {
            break;
        }
    }
    let removed = deleting.elapsed();
    drop(run);
    Sample { to_running, gone: gone.unwrap_or(removed), all_gone: all_gone.unwrap_or(removed), removed, pause_rss_kib }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn report(samples: &[Sample]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let stats = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let pick = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
        (pick(0.5), pick(0.95))
    };
    let row = |name: &str, v: Vec<f64>| {
        let (median, p95) = stats(v);
        println!("{name:<44} median {median:>8.1} ms   p95 {p95:>8.1} ms");
    };
    println!("podplay exec, pause + 3 busybox containers, {} runs", samples.len());
    row("to every container running", samples.iter().map(|s| ms(s.to_running)).collect());
    row("per container (pause counted as one)", samples.iter().map(|s| ms(s.to_running) / 4.0).collect());
    row("deletion (grace 0) to every container gone", samples.iter().map(|s| ms(s.gone)).collect());
    row("deletion (grace 0) to pause gone too", samples.iter().map(|s| ms(s.all_gone)).collect());
    row("deletion (grace 0) to the Pod removed", samples.iter().map(|s| ms(s.removed)).collect());
    let (rss, rss_p95) = stats(samples.iter().map(|s| s.pause_rss_kib as f64).collect());
    println!("{:<44} median {rss:>8.0} KiB  p95 {rss_p95:>8.0} KiB", "pause RSS");
}
