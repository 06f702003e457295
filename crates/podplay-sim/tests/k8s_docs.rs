//! Every Pod manifest of the Kubernetes documentation (the corpus in
//! podplay-core's tests) simulates to a status without a panic, and the ones
//! the course leans on tell what the docs say they do.

use std::path::Path;

use podplay_core::analyze;
use podplay_core::time::{MonoDuration, MonoTime};
use podplay_sim::{Simulation, Until};

fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../podplay-core/tests/k8s-docs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

fn simulate(yaml: &str, seconds: u64) -> Simulation {
    let analysis = analyze(yaml);
    let pod = analysis.valid_pods().next().expect("a valid Pod").clone();
    let mut sim = Simulation::new(&pod, podplay_core::cluster::default_nodes());
    sim.run_until(Until::Time(MonoTime::ZERO + MonoDuration::from_secs(seconds)));
    sim
}

fn doc(name: &str) -> String {
    corpus().into_iter().find(|(n, _)| n == name).map(|(_, t)| t).unwrap_or_else(|| panic!("{name} not in corpus"))
}

#[test]
fn every_documentation_pod_simulates_to_a_status() {
    let mut statuses = Vec::new();
    for (name, yaml) in corpus() {
        let sim = simulate(&yaml, 60);
        let status = sim.status_column();
        assert!(!status.is_empty(), "{name}");
        statuses.push(format!("{name}: {status}"));
    }
    assert!(statuses.len() >= 100, "{}", statuses.len());
}

#[test]
fn init_container_doc_pod_fetches_a_page_that_nginx_then_serves() {
    // The init container downloads http://info.cern.ch into the shared
    // volume before nginx starts.
    let mut sim = simulate(&doc("pods__init-containers.yaml"), 30);
    assert_eq!(sim.status_column(), "Running");
    let (_, page) = sim.exec("nginx", vec!["curl".into(), "-s".into(), "http://localhost/".into()]).unwrap();
    assert!(page.contains("home of the first website"), "{page}");
}

#[test]
fn two_container_doc_pod_shares_a_volume() {
    let mut sim = simulate(&doc("pods__two-container-pod.yaml"), 10);
    // The debian container wrote index.html and exited (restartPolicy: Never).
    let (code, page) =
        sim.exec("nginx-container", vec!["curl".into(), "-s".into(), "http://localhost/".into()]).unwrap();
    assert_eq!((code, page.as_str()), (0, "Hello from the debian container\n"));
}

#[test]
fn lifecycle_events_doc_pod_runs_its_post_start_hook() {
    let mut sim = simulate(&doc("pods__lifecycle-events.yaml"), 10);
    let (_, message) = sim.exec("lifecycle-demo-container", vec!["cat".into(), "/usr/share/message".into()]).unwrap();
    assert_eq!(message, "Hello from the postStart handler\n");
}

#[test]
fn share_process_namespace_doc_pod_shows_pause_as_pid_1() {
    let mut sim = simulate(&doc("pods__share-process-namespace.yaml"), 10);
    let (_, ps) = sim.exec("shell", vec!["ps".into(), "ax".into()]).unwrap();
    assert!(ps.lines().nth(1).unwrap().ends_with(" 0:00 /pause"), "{ps}");
    assert!(ps.contains("nginx: master process"), "{ps}");
}

#[test]
fn host_aliases_doc_pod_prints_its_hosts_file() {
    let sim = simulate(&doc("service__networking__hostaliases-pod.yaml"), 10);
    let log = sim.logs("cat-hosts", false).unwrap();
    assert!(
        log.contains(
            "# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\tbar.remote\n"
        ),
        "{log}"
    );
}

#[test]
fn commands_and_env_doc_pods_print_what_the_docs_show() {
    let sim = simulate(&doc("pods__commands.yaml"), 10);
    assert_eq!(sim.logs("command-demo-container", false).unwrap(), "command-demo\ntcp://10.96.0.1:443\n");
    let sim = simulate(&doc("pods__inject__dapi-envars-pod.yaml"), 12);
    let log = sim.logs("test-container", false).unwrap();
    assert!(log.contains("node-1") || log.contains("node-"), "{log}");
}

#[test]
fn counter_logging_doc_pod_writes_numbered_lines() {
    let sim = simulate(&doc("debug__counter-pod.yaml"), 5);
    let log = sim.logs("count", false).unwrap();
    assert!(log.starts_with("0: Thu Jan  1 00:00:"), "{log}");
    assert!(log.lines().count() >= 4, "{log}");
}
