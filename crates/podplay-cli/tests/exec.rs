//! `podplay exec` on this machine: real pause, namespaces, mounts and
//! processes, through the `podplay` binary as a user runs it. Root only;
//! in CI (`CI=true`) a missing privilege fails instead of skipping.
//!
//! Every test has its own state and image roots in a temporary directory,
//! and checks afterwards that nothing of its run is left: no mount under
//! its directory, no process the story named, no state directory.

#![cfg(target_os = "linux")]

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;

use podplay_linux::image::ImageRunConfig;
use podplay_linux::image::testing::busybox_images;

/// The tests run one at a time: each starts Pods, and two would only
/// compete for the two cores.
static SERIAL: Mutex<()> = Mutex::new(());

struct Machine {
    dir: tempfile::TempDir,
    images: PathBuf,
    root: PathBuf,
    /// The machine's network interfaces before the test: a run adds none.
    links: Vec<String>,
}

fn links() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

impl Machine {
    /// A temporary machine with the busybox image imported, or `None` when
    /// not root outside CI.
    fn new() -> Option<Machine> {
        if !nix::unistd::Uid::effective().is_root() {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "podplay exec tests need root in CI");
            eprintln!("skipped: podplay exec needs root");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let images = dir.path().join("images");
        let root = dir.path().join("run");
        let archives = busybox_images(
            dir.path(),
            "busybox",
            &ImageRunConfig {
                cmd: vec!["sh".into()],
                env: vec!["PATH=/usr/sbin:/usr/bin:/sbin:/bin".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let machine = Machine { dir, images, root, links: links() };
        let out = machine.podplay(&["image", "import", archives.docker_save.to_str().unwrap()]);
        assert!(out.status.success(), "import: {}", text(&out.stderr));
        Some(machine)
    }

    fn podplay(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_podplay"))
            .args(args)
            .env("PODPLAY_ROOT", &self.root)
            .env("PODPLAY_IMAGES", &self.images)
            .output()
            .unwrap()
    }

    /// `podplay exec POD.yaml ARGS…`, with a time limit.
    fn exec(&self, yaml: &str, args: &[&str]) -> Output {
        let file = self.dir.path().join("pod.yaml");
        std::fs::write(&file, yaml).unwrap();
        let mut all = vec!["exec", file.to_str().unwrap(), "--timeout", "60s"];
        all.extend_from_slice(args);
        let out = self.podplay(&all);
        self.assert_clean(&out);
        out
    }

    /// Nothing of the run is left: mounts, processes, state.
    fn assert_clean(&self, out: &Output) {
        let path = self.dir.path().to_str().unwrap();
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let left: Vec<&str> = mounts.lines().filter(|l| l.contains(path)).collect();
        assert!(left.is_empty(), "mounts left: {left:#?}");
        for pid in pids_named(&text(&out.stdout)) {
            assert!(!alive(pid), "PID {pid} is still running:\n{}", text(&out.stdout));
        }
        let state: Vec<_> =
            std::fs::read_dir(&self.root).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        assert!(state.is_empty(), "state left: {state:?}");
        assert_eq!(links(), self.links, "the machine's network interfaces changed");
        assert_eq!(node_cgroups(), Vec::<PathBuf>::new(), "cgroups left");
    }
}

/// podplay's node cgroups below this process's own, in every hierarchy
/// (the tests run one at a time: none may be there between runs).
fn node_cgroups() -> Vec<PathBuf> {
    let hierarchies = podplay_linux::sys::cgroup::discover().unwrap();
    hierarchies.iter().map(|h| h.own.join("podplay")).filter(|p| p.exists()).collect()
}

/// The Pod's cgroup directories (`…/podplay/kubepods/…/pod<uid>`) in the
/// hierarchy that has `controller`.
fn pod_cgroups(controller: podplay_linux::sys::cgroup::Controller) -> Vec<PathBuf> {
    let hierarchies = podplay_linux::sys::cgroup::discover().unwrap();
    let mut found = Vec::new();
    let v1 = hierarchies.iter().find(|h| h.controllers.contains(&controller));
    for h in v1.into_iter() {
        let mut todo = vec![h.own.join("podplay")];
        while let Some(dir) = todo.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with("pod") {
                        found.push(entry.path());
                    } else {
                        todo.push(entry.path());
                    }
                }
            }
        }
    }
    found
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The PIDs the story names (`PID 1234 on the node`).
fn pids_named(story: &str) -> Vec<u32> {
    story
        .split("PID ")
        .skip(1)
        .filter_map(|rest| {
            let (number, after) = rest.split_once(' ')?;
            after.starts_with("on the node").then(|| number.parse().ok()).flatten()
        })
        .collect()
}

/// Alive and not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
}

fn pod(name: &str, share: bool, containers: &[(&str, &str)]) -> String {
    let mut yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  restartPolicy: Never\n  shareProcessNamespace: {share}\n  terminationGracePeriodSeconds: 2\n  containers:\n"
    );
    for (c, script) in containers {
        yaml.push_str(&format!(
            "  - name: {c}\n    image: busybox\n    imagePullPolicy: Never\n    command: [\"sh\", \"-c\", {script:?}]\n"
        ));
    }
    yaml
}

#[test]
fn with_a_shared_pid_namespace_pause_is_pid_1_and_every_container_is_seen() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("shared", true, &[("app", "sleep 3600"), ("side", "sleep 1800")]);
    let out = m.exec(&yaml, &["--until", "Running", "--exec", "app", "--", "ps"]);
    let ps = text(&out.stdout);
    assert!(out.status.success(), "{ps}\n{}", text(&out.stderr));
    let first = ps.lines().nth(1).unwrap_or("");
    assert!(first.trim_start().starts_with("1 ") && first.ends_with("/pause"), "{ps}");
    assert!(ps.contains("sleep 3600") && ps.contains("sleep 1800"), "{ps}");
}

#[test]
fn with_its_own_pid_namespace_the_command_is_pid_1() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("own", false, &[("app", "sleep 3600"), ("side", "sleep 1800")]);
    let out = m.exec(&yaml, &["--until", "Running", "--exec", "app", "--", "ps"]);
    let ps = text(&out.stdout);
    let first = ps.lines().nth(1).unwrap_or("");
    assert!(first.trim_start().starts_with("1 ") && first.ends_with("sleep 3600"), "{ps}");
    assert!(!ps.contains("pause") && !ps.contains("sleep 1800"), "{ps}");
}

#[test]
fn containers_share_net_ipc_uts_with_pause_but_not_with_the_node() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let script = "for n in net ipc uts mnt; do readlink /proc/self/ns/$n; done; hostname; sleep 3600";
    let yaml = pod("nsid", false, &[("a", script), ("b", script)]);
    let out = m.exec(
        &yaml,
        &[
            "--until",
            "Running",
            "--exec",
            "a",
            "--",
            "sh",
            "-c",
            "cat /proc/1/environ >/dev/null; for n in net ipc uts; do readlink /proc/self/ns/$n; done",
        ],
    );
    let from_a = text(&out.stdout);
    let mine = |n: &str| std::fs::read_link(format!("/proc/self/ns/{n}")).unwrap().display().to_string();
    let lines: Vec<&str> = from_a.lines().collect();
    assert_eq!(lines.len(), 3, "{from_a}");
    for (line, kind) in lines.iter().zip(["net", "ipc", "uts"]) {
        assert!(line.starts_with(&format!("{kind}:[")), "{from_a}");
        assert_ne!(*line, mine(kind), "{kind} is the node's");
    }
    // The logs of both containers: the same net/ipc/uts, their own mnt.
    let a = m.exec(&yaml, &["--until", "Running", "--logs", "a"]);
    let b = m.exec(&yaml, &["--until", "Running", "--logs", "b"]);
    let (a, b) = (text(&a.stdout), text(&b.stdout));
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    assert_eq!(la.len(), 5, "{a}");
    assert_eq!(la[4], "nsid", "the Pod's hostname");
    assert_ne!(la[3], mine("mnt"));
    // Two runs are two Pods: within one run the two containers agree.
    let story = m.exec(&yaml, &["--until", "Running", "-v"]);
    let story = text(&story.stdout);
    let started: Vec<&str> = story.lines().filter(|l| l.contains("runtime      started ")).collect();
    assert_eq!(started.len(), 2, "{story}");
    // "joins net:[…], uts:[…] of the pause container, ipc:[…]; its own pid…"
    let joins = |l: &str| l.split("joins ").nth(1).unwrap_or("").split(';').next().unwrap_or("").to_string();
    assert_eq!(joins(started[0]), joins(started[1]), "{story}");
    assert_eq!(lb.len(), 5, "{b}");
}

#[test]
fn logs_are_read_back_and_exit_codes_decide_the_phase() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let ok = pod("done", false, &[("app", "echo one; echo two; exit 0")]);
    let out = m.exec(&ok, &["--until", "Succeeded", "--logs", "app"]);
    assert_eq!(text(&out.stdout), "one\ntwo\n", "{}", text(&out.stderr));
    let failing = pod("fails", false, &[("app", "echo bye; exit 3")]);
    let out = m.exec(&failing, &["--until", "Failed", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"]["phase"], "Failed", "{report}");
    let terminated = &report["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(terminated["exitCode"], 3, "{report}");
    assert_eq!(terminated["reason"], "Error", "{report}");
}

#[test]
fn an_empty_dir_carries_a_file_from_one_container_to_another() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vol\nspec:\n  terminationGracePeriodSeconds: 1\n  volumes:\n  - name: shared\n    emptyDir: {}\n  containers:\n  - name: writer\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'echo written by writer > /data/msg; sleep 3600']\n    volumeMounts:\n    - {name: shared, mountPath: /data}\n  - name: reader\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    volumeMounts:\n    - {name: shared, mountPath: /in, readOnly: true}\n";
    let out = m.exec(
        yaml,
        &[
            "--until",
            "Running",
            "--exec",
            "reader",
            "--",
            "sh",
            "-c",
            "sleep 0.3; cat /in/msg; touch /in/x 2>&1 || true",
        ],
    );
    let seen = text(&out.stdout);
    assert!(seen.starts_with("written by writer\n"), "{seen}");
    assert!(seen.contains("Read-only file system"), "{seen}");
}

#[test]
fn deletion_stops_the_containers_and_removes_the_sandbox() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("bye", true, &[("app", "trap 'echo TERM; exit 0' TERM; while true; do sleep 1; done")]);
    let out = m.exec(&yaml, &["--until", "Running", "--delete"]);
    let story = text(&out.stdout);
    assert!(out.status.success(), "{story}\n{}", text(&out.stderr));
    for expected in [
        "StopContainer",
        "SIGTERM to its first process",
        "container app exited with code 0",
        "StopPodSandbox",
        "removed sandbox",
    ] {
        assert!(story.contains(expected), "no {expected:?} in:\n{story}");
    }
    assert!(story.contains("Error from server (NotFound): pods \"bye\" not found"), "{story}");
}

#[test]
fn a_missing_image_with_pull_policy_never_is_err_image_never_pull() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("noimage", false, &[("app", "true")]).replace("image: busybox", "image: example.com/missing:1.0");
    let out = m.exec(&yaml, &["--until", "3s"]);
    let story = text(&out.stdout);
    assert!(story.contains("ErrImageNeverPull"), "{story}");
}

#[test]
fn without_root_it_refuses_at_once_and_says_why() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let file = m.dir.path().join("pod.yaml");
    std::fs::write(&file, pod("x", false, &[("app", "true")])).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_podplay")).args(["exec", file.to_str().unwrap()]).uid(65534).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("needs root") && err.contains("sudo") && err.contains("podplay sim"), "{err}");
}

#[test]
fn images_import_from_docker_save_and_oci_layouts_and_are_listed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let archives = busybox_images(m.dir.path(), "example.com/tools/bb:2", &ImageRunConfig::default()).unwrap();
    for (path, name) in [(&archives.oci_dir, "oci-dir"), (&archives.oci_tar, "oci-tar")] {
        let out = m.podplay(&["image", "import", path.to_str().unwrap(), "--name", name]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let ls = text(&m.podplay(&["image", "ls"]).stdout);
    for name in
        ["docker.io/library/busybox:latest", "docker.io/library/oci-dir:latest", "docker.io/library/oci-tar:latest"]
    {
        assert!(ls.contains(name), "{ls}");
    }
    let out = m.podplay(&["image", "rm", "oci-dir"]);
    assert!(out.status.success());
    assert!(!text(&m.podplay(&["image", "ls"]).stdout).contains("oci-dir"));
}

/// Starts `podplay exec` in a process group of its own and waits until its
/// story says the Pod runs: the child, and the story so far.
type Rest = std::thread::JoinHandle<String>;

/// A runner a test started: if the test fails while it still runs, it is
/// SIGKILLed and `podplay gc` collects what it leaves, so that the next
/// test starts clean.
struct Runner<'a> {
    child: std::process::Child,
    machine: &'a Machine,
}

impl std::ops::Deref for Runner<'_> {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.child
    }
}

impl std::ops::DerefMut for Runner<'_> {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.child
    }
}

impl Drop for Runner<'_> {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            std::thread::sleep(std::time::Duration::from_millis(200));
            let _ = self.machine.podplay(&["gc"]);
        }
    }
}

fn start_until_running(m: &Machine, yaml: &str) -> (std::process::Child, String, Rest) {
    use std::io::BufRead;
    let file = m.dir.path().join("pod.yaml");
    std::fs::write(&file, yaml).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_podplay"))
        .args(["exec", file.to_str().unwrap(), "--timeout", "60s"])
        .env("PODPLAY_ROOT", &m.root)
        .env("PODPLAY_IMAGES", &m.images)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut story = String::new();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        story.push_str(&line);
        story.push('\n');
        if line.contains("STATUS Running") {
            break;
        }
    }
    // Keep reading in the background so the runner never blocks on a full pipe.
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
    (child, story, rest)
}

#[test]
fn ctrl_c_deletes_the_pod_gracefully_and_the_pod_never_sees_the_signal() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("ctrlc", false, &[("app", "trap 'exit 7' INT; trap 'exit 0' TERM; while true; do sleep 1; done")]);
    let (mut child, story, rest) = start_until_running(&m, &yaml);
    assert!(story.contains("STATUS Running"), "{story}");
    // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
    let group = nix::unistd::Pid::from_raw(-(child.id() as i32));
    nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("Ctrl-C: deleting the Pod gracefully"), "{err}");
    // The container's trap for SIGINT would exit 7: it got the kubelet's
    // SIGTERM only.
    let rest = rest.join().unwrap();
    assert!(rest.contains("container app exited with code 0"), "{rest}");
    let out = Output { status, stdout: format!("{story}{rest}").into_bytes(), stderr: Vec::new() };
    m.assert_clean(&out);
}

#[test]
fn a_sigkilled_runner_takes_its_pod_along_and_gc_removes_what_is_left() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("killed", true, &[("app", "sleep 3600"), ("side", "sleep 1800")]);
    let (mut child, story, rest) = start_until_running(&m, &yaml);
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = rest.join();
    let pids = pids_named(&story);
    assert_eq!(pids.len(), 3, "pause and two containers: {story}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for pid in &pids {
        assert!(!alive(*pid), "PID {pid} outlived its runner");
    }
    assert!(!node_cgroups().is_empty(), "the SIGKILLed runner could not remove its cgroups");
    let gc = m.podplay(&["gc"]);
    let said = text(&gc.stdout);
    assert!(said.contains("unmounted ") && said.contains("/shm") && said.contains("removed "), "{said}");
    assert!(said.contains("removed cgroup ") && said.contains("/podplay/kubepods/besteffort/pod"), "{said}");
    m.assert_clean(&Output { status: gc.status, stdout: story.into_bytes(), stderr: Vec::new() });
}

#[test]
fn init_containers_hooks_and_liveness_probes_run_as_the_kubelet_runs_them() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: life\nspec:\n  terminationGracePeriodSeconds: 3\n  volumes:\n  - {name: work, emptyDir: {}}\n  initContainers:\n  - name: prepare\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'echo prepared > /work/index.html']\n    volumeMounts: [{name: work, mountPath: /work}]\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'cat /work/index.html; cat /work/hook; trap \"exit 0\" TERM; while true; do sleep 1; done']\n    volumeMounts: [{name: work, mountPath: /work}]\n    lifecycle:\n      postStart:\n        exec: {command: [sh, -c, 'echo poststart >> /work/hook']}\n      preStop:\n        exec: {command: [sh, -c, 'echo prestop >> /work/hook']}\n    livenessProbe:\n      exec: {command: [cat, /work/healthy]}\n      initialDelaySeconds: 1\n      periodSeconds: 1\n      failureThreshold: 2\n";
    let out = m.exec(yaml, &["--until", "9s", "--logs", "app", "--previous"]);
    let log = text(&out.stdout);
    // The init container wrote the page before app started; postStart ran;
    // the previous instance's log is the first one's.
    assert!(log.starts_with("prepared\n"), "{log}");
    let out = m.exec(yaml, &["--until", "9s", "-v"]);
    let story = text(&out.stdout);
    let at = |s: &str| story.find(s).unwrap_or_else(|| panic!("no {s:?} in:\n{story}"));
    assert!(at("container prepare exited with code 0") < at("CreateContainer app"), "{story}");
    at("Liveness probe failed: cat: can't open '/work/healthy': No such file or directory");
    at("Container app failed liveness probe, will be restarted");
    assert!(at("ExecSync sh -c echo prestop") < at("stop app: SIGTERM"), "{story}");
    at("CreateContainer app (attempt 1)");
}

#[test]
fn security_contexts_are_enforced_as_containerd_and_runc_do() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sec\nspec:\n  terminationGracePeriodSeconds: 1\n  securityContext:\n    fsGroup: 2000\n    supplementalGroups: [4000]\n  volumes:\n  - {name: data, emptyDir: {}}\n  containers:\n  - name: plain\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n  - name: locked\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    volumeMounts: [{name: data, mountPath: /data}]\n    securityContext:\n      runAsUser: 1000\n      runAsGroup: 3000\n      readOnlyRootFilesystem: true\n      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}\n";
    let script = "grep -E '^Cap(Eff|Bnd)|NoNewPrivs' /proc/self/status; id; ls /sys/firmware | wc -l; (echo x > /proc/sys/kernel/domainname) 2>/dev/null || echo proc-sys-ro; touch /x 2>/dev/null && echo root-rw || echo root-ro";
    let plain = text(&m.exec(yaml, &["--until", "Running", "--exec", "plain", "--", "sh", "-c", script]).stdout);
    // containerd's 14 default capabilities, as docker's 0xa80425fb.
    assert!(plain.contains("CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t0\n"), "{plain}");
    assert!(plain.contains("uid=0(root) gid=0(root) groups=0(root),2000,4000\n0\n"), "{plain}");
    assert!(plain.contains("proc-sys-ro\nroot-rw\n"), "masked /sys/firmware, read-only /proc/sys: {plain}");
    let script = "grep -E '^Cap(Eff|Bnd)|NoNewPrivs' /proc/self/status; id; touch /x 2>/dev/null && echo root-rw || echo root-ro; touch /data/f && stat -c '%u:%g %a' /data /data/f";
    let locked = text(&m.exec(yaml, &["--until", "Running", "--exec", "locked", "--", "sh", "-c", script]).stdout);
    assert!(locked.contains("CapEff:\t0000000000000000\nCapBnd:\t0000000000000400\nNoNewPrivs:\t1\n"), "{locked}");
    assert!(locked.contains("uid=1000 gid=3000 groups=2000,3000,4000\n"), "{locked}");
    assert!(locked.contains("root-ro\n0:2000 2777\n1000:2000 644\n"), "fsGroup owns the emptyDir: {locked}");
}

#[test]
fn run_as_non_root_refuses_an_image_that_runs_as_root() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("nonroot", false, &[("app", "true")]).replace(
        "  terminationGracePeriodSeconds: 2\n",
        "  terminationGracePeriodSeconds: 2\n  securityContext: {runAsNonRoot: true}\n",
    );
    let story = text(&m.exec(&yaml, &["--until", "3s"]).stdout);
    assert!(story.contains("CreateContainerConfigError"), "{story}");
    assert!(
        story.contains("Error: container has runAsNonRoot and image will run as root (pod: \"nonroot_default("),
        "{story}"
    );
}

#[test]
fn pause_runs_from_a_sealed_copy_and_a_sub_path_cannot_follow_a_symlink_out() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("exe", true, &[("app", "sleep 3600")])
        .replace("    command:", "    securityContext: {privileged: true}\n    command:");
    let seen = text(
        &m.exec(
            &yaml,
            &[
                "--until",
                "Running",
                "--exec",
                "app",
                "--",
                "sh",
                "-c",
                "readlink /proc/1/exe; echo x >> /proc/1/exe || echo not-writable",
            ],
        )
        .stdout,
    );
    assert!(seen.starts_with("/memfd:podplay (deleted)\n") && seen.ends_with("not-writable\n"), "{seen}");
    // An init container leaves a symlink to /etc in the volume; a subPath
    // through it would mount the node's /etc.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: escape\nspec:\n  terminationGracePeriodSeconds: 1\n  volumes:\n  - {name: data, emptyDir: {}}\n  initContainers:\n  - name: link\n    image: busybox\n    imagePullPolicy: Never\n    command: [ln, -s, /etc, /data/etc]\n    volumeMounts: [{name: data, mountPath: /data}]\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    volumeMounts: [{name: data, mountPath: /host-etc, subPath: etc}]\n";
    let story = text(&m.exec(yaml, &["--until", "4s"]).stdout);
    assert!(
        story.contains("it leads out of the volume (subpath") && story.contains("not within volume path"),
        "{story}"
    );
    assert!(!story.contains("started app"), "{story}");
    // A subPath that stays inside: made if missing, a directory and a file.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sub\nspec:\n  terminationGracePeriodSeconds: 1\n  volumes:\n  - {name: data, emptyDir: {}}\n  initContainers:\n  - name: seed\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'echo seeded > /data/config.txt; ln -s logs /data/current']\n    volumeMounts: [{name: data, mountPath: /data}]\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'echo from app > /logs/app.log; sleep 3600']\n    volumeMounts:\n    - {name: data, mountPath: /logs, subPath: logs/app}\n    - {name: data, mountPath: /etc/app.conf, subPath: config.txt}\n    - {name: data, mountPath: /current, subPath: current}\n  - name: reader\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    volumeMounts: [{name: data, mountPath: /all}]\n";
    let out = m.exec(
        yaml,
        &[
            "--until",
            "Running",
            "--exec",
            "app",
            "--",
            "sh",
            "-c",
            "sleep 0.3; cat /etc/app.conf /logs/app.log /current/app/app.log",
        ],
    );
    // A link that stays inside the volume is followed, as the kubelet does.
    assert_eq!(text(&out.stdout), "seeded\nfrom app\nfrom app\n", "{}", text(&out.stderr));
}

#[test]
fn kubectl_from_another_terminal_gets_describes_logs_execs_and_deletes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("remote", true, &[("app", "echo hello from app; sleep 3600"), ("side", "sleep 1800")]);
    let (mut child, story, rest) = start_until_running(&m, &yaml);
    let kubectl = |args: &[&str]| {
        let mut all = vec!["kubectl"];
        all.extend_from_slice(args);
        let out = m.podplay(&all);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let socket = m.root.join("default_remote").join("kubectl.sock");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&socket).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "root only");
    let (_, get, _) = kubectl(&["get", "pods"]);
    assert!(
        get.starts_with("NAME     READY   STATUS    RESTARTS   AGE\nremote   2/2     Running   0          "),
        "{get}"
    );
    let (_, wide, _) = kubectl(&["get", "pod", "remote", "-o", "wide"]);
    assert!(wide.contains("IP           NODE") && wide.contains("10.244.0.2   "), "{wide}");
    let (_, json, _) = kubectl(&["get", "pod", "remote", "-o", "json"]);
    let pod: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(pod["status"]["phase"], "Running", "{json}");
    let (_, describe, _) = kubectl(&["describe", "pod", "remote"]);
    assert!(describe.starts_with("Name:             remote\n") && describe.contains("Events:"), "{describe}");
    let (code, logs, err) = kubectl(&["logs", "remote"]);
    assert_eq!((code, logs.as_str()), (Some(0), "hello from app\n"), "{err}");
    assert!(err.contains("Defaulted container \"app\" out of: app, side"), "{err}");
    let (code, out, err) = kubectl(&["exec", "remote", "-c", "side", "--", "sh", "-c", "hostname; exit 3"]);
    assert_eq!((code, out.as_str()), (Some(3), "remote\n"), "{err}");
    assert!(err.contains("command terminated with exit code 3"), "{err}");
    let (code, _, err) = kubectl(&["get", "pod", "nope"]);
    assert_eq!((code, err.as_str()), (Some(1), "Error from server (NotFound): pods \"nope\" not found\n"));
    let (code, out, _) = kubectl(&["delete", "pod", "remote"]);
    assert_eq!((code, out.as_str()), (Some(0), "pod \"remote\" deleted\n"));
    let status = child.wait().unwrap();
    assert!(status.success());
    let rest = rest.join().unwrap();
    assert!(rest.contains("kubectl delete pod: deletionTimestamp set"), "{rest}");
    m.assert_clean(&Output { status, stdout: format!("{story}{rest}").into_bytes(), stderr: Vec::new() });
    let (_, _, err) = kubectl(&["get", "pods"]);
    assert_eq!(err, "No resources found in default namespace.\n");
}

#[test]
fn host_namespaces_termination_messages_and_crash_loop_back_off() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: host\nspec:\n  hostNetwork: true\n  hostPID: true\n  hostIPC: true\n  restartPolicy: OnFailure\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'for n in net ipc uts pid; do readlink /proc/self/ns/$n; done; echo bye > /dev/termination-log; exit 2']\n";
    let logs = text(&m.exec(yaml, &["--until", "3s", "--logs", "app"]).stdout);
    let node: String = ["net", "ipc", "uts", "pid"]
        .iter()
        .map(|n| format!("{}\n", std::fs::read_link(format!("/proc/self/ns/{n}")).unwrap().display()))
        .collect();
    assert_eq!(logs, node, "hostNetwork, hostIPC and hostPID are the node's namespaces");
    // OnFailure restarts with the kubelet's back-off: 10 s, then 20 s.
    let out = m.exec(yaml, &["--until", "25s", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = &report["status"]["containerStatuses"][0];
    assert_eq!(status["restartCount"], 2, "{status}");
    assert_eq!(status["state"]["waiting"]["reason"], "CrashLoopBackOff", "{status}");
    assert!(
        status["state"]["waiting"]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("back-off 20s restarting failed container=app"),
        "{status}"
    );
    let last = &status["lastState"]["terminated"];
    assert_eq!((last["exitCode"].as_i64(), last["message"].as_str()), (Some(2), Some("bye\n")), "{status}");
}

#[test]
fn a_pod_no_node_takes_is_unschedulable_and_leaves_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("picky", false, &[("app", "true")]).replace("spec:\n", "spec:\n  nodeSelector: {disktype: ssd}\n");
    let out = m.exec(&yaml, &["--until", "2s"]);
    let story = text(&out.stdout);
    assert!(story.contains("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."), "{story}");
}

#[test]
fn an_empty_dir_is_writable_by_any_user_and_an_image_symlink_cannot_send_a_mount_to_the_node() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: anyone\nspec:\n  terminationGracePeriodSeconds: 1\n  volumes:\n  - {name: scratch, emptyDir: {}}\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    securityContext: {runAsUser: 1000}\n    volumeMounts: [{name: scratch, mountPath: /scratch}]\n";
    let out = text(
        &m.exec(
            yaml,
            &[
                "--until",
                "Running",
                "--exec",
                "app",
                "--",
                "sh",
                "-c",
                "touch /scratch/f && stat -c '%a %u' /scratch /scratch/f",
            ],
        )
        .stdout,
    );
    assert_eq!(out, "777 0\n644 1000\n");
    // An image whose /etc/hostname points at a node path: the mount point
    // is resolved inside the container's root, never on the node.
    use podplay_linux::image::testing::{
        DockerSaveLayout, Entry, ImageSpec, busybox_layer, layer_tar, write_docker_save,
    };
    let canary = format!("/etc/podplay-canary-{}", std::process::id());
    let trap = layer_tar(&[Entry::dir("etc"), Entry::symlink("etc/hostname", &canary)]).unwrap();
    let spec = ImageSpec {
        name: Some("trap".into()),
        layers: vec![busybox_layer().unwrap(), trap],
        run: ImageRunConfig::default(),
        zstd: false,
    };
    let archive = m.dir.path().join("trap.tar");
    write_docker_save(&spec, &archive, DockerSaveLayout::Blobs).unwrap();
    assert!(m.podplay(&["image", "import", archive.to_str().unwrap()]).status.success());
    let yaml = pod("trapped", false, &[("app", "sleep 3600")]).replace("image: busybox", "image: trap");
    let seen = text(&m.exec(&yaml, &["--until", "Running", "--exec", "app", "--", "cat", &canary]).stdout);
    assert_eq!(seen, "trapped\n", "the hostname file, inside the container");
    assert!(!std::path::Path::new(&canary).exists(), "{canary} was made on the node");
}

#[test]
fn a_container_that_blocks_its_own_setup_cannot_stall_the_runner() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    // Reading the container's /etc/passwd before exec would block forever.
    let yaml = pod("fifo", false, &[("app", "rm /etc/passwd; mkfifo /etc/passwd; sleep 3600")]);
    let out = m.exec(&yaml, &["--until", "Running", "--exec", "app", "--", "sh", "-c", "sleep 1; true"]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(126), "{said}");
    assert!(said.contains("the process did not start within 10s"), "{said}");
}

#[test]
fn without_a_pid_namespace_of_its_own_what_a_container_leaves_is_killed_with_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    // `app` leaves a background sleep behind and ends; in the Pod's shared
    // PID namespace nothing else would end it (containerd kills it).
    let yaml = pod("leftover", true, &[("app", "sleep 1111 & sleep 0.5; exit 0"), ("side", "sleep 3600")]);
    let ps = text(&m.exec(&yaml, &["--until", "3s", "--exec", "side", "--", "ps"]).stdout);
    assert!(ps.contains("sleep 3600") && !ps.contains("sleep 1111"), "{ps}");
}

#[test]
fn the_image_user_reaches_the_process_as_the_cri_carries_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let run = ImageRunConfig { user: Some("nobody:0".into()), ..Default::default() };
    let archives = busybox_images(m.dir.path(), "example.com/as-nobody:1", &run).unwrap();
    assert!(m.podplay(&["image", "import", archives.docker_save.to_str().unwrap()]).status.success());
    // The group half of USER is lost on the way (CRI carries the user only):
    // the group comes from the container's /etc/passwd.
    let yaml =
        pod("nobody", false, &[("app", "id; sleep 3600")]).replace("image: busybox", "image: example.com/as-nobody:1");
    let id = text(&m.exec(&yaml, &["--until", "Running", "--logs", "app"]).stdout);
    assert_eq!(id, "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n");
    // runAsUser wins, with its own group from passwd (runAsGroup, tested
    // above, would win over that).
    let yaml = yaml.replace("    command:", "    securityContext: {runAsUser: 0}\n    command:");
    let id = text(&m.exec(&yaml, &["--until", "Running", "--logs", "app"]).stdout);
    assert_eq!(id, "uid=0(root) gid=0(root) groups=0(root)\n");
}

#[test]
fn a_pod_has_its_own_address_and_the_kubelet_probes_it_over_the_pod_network() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: web\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'mkdir /www; echo hello > /www/index.html; exec httpd -f -p 80 -h /www']\n    readinessProbe:\n      httpGet: {path: /, port: 80}\n      periodSeconds: 1\n    livenessProbe:\n      tcpSocket: {port: 80}\n      periodSeconds: 1\n  - name: idle\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    readinessProbe:\n      httpGet: {path: /healthz, port: 8080}\n      periodSeconds: 1\n";
    let out = m.exec(
        yaml,
        &[
            "--until",
            "4s",
            "--exec",
            "idle",
            "--",
            "sh",
            "-c",
            "ip -4 addr show eth0; ip route; wget -qO- http://10.244.0.2/",
        ],
    );
    let seen = text(&out.stdout);
    assert!(seen.contains("inet 10.244.0.2/24"), "{seen}");
    assert!(seen.contains("default via 10.244.0.1 dev eth0"), "{seen}");
    assert!(seen.contains("hello"), "{seen}");
    let out = m.exec(yaml, &["--until", "4s", "-v"]);
    let story = text(&out.stdout);
    assert!(story.contains("Pod IP 10.244.0.2"), "{story}");
    // CNI ADD in the simulator's words.
    assert!(
        story.contains("; CNI bridge plugin: veth pair veth")
            && story.contains(
                " on cni0 ↔ eth0 in the Pod, 10.244.0.2/24 from host-local IPAM, default route via 10.244.0.1"
            ),
        "{story}"
    );
    assert!(story.contains("STATUS Running READY 1/2"), "{story}");
    assert!(
        story.contains(
            "Readiness probe failed: Get \"http://10.244.0.2:8080/healthz\": dial tcp 10.244.0.2:8080: connect: connection refused"
        ),
        "{story}"
    );
    assert!(!story.contains("Liveness probe failed"), "{story}");
}

#[test]
fn hosts_hostname_and_resolv_conf_are_the_bytes_the_simulator_writes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: files\nspec:\n  terminationGracePeriodSeconds: 1\n  hostAliases:\n  - ip: 127.0.0.1\n    hostnames: [foo.local, bar.local]\n  - ip: 10.1.2.3\n    hostnames: [db]\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n";
    // The simulated node pulls busybox from its registry; this one has it.
    let file = m.dir.path().join("files.yaml");
    std::fs::write(&file, yaml.replace("imagePullPolicy: Never", "imagePullPolicy: IfNotPresent")).unwrap();
    for path in ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"] {
        let real = m.exec(yaml, &["--until", "Running", "--exec", "app", "--", "cat", path]);
        let sim = m.podplay(&["sim", file.to_str().unwrap(), "--until", "Running", "--exec", "app", "--", "cat", path]);
        assert!(sim.status.success(), "{}", text(&sim.stderr));
        assert_eq!(text(&real.stdout), text(&sim.stdout), "{path}");
        assert!(!real.stdout.is_empty(), "{path}");
    }
}

#[test]
fn downward_api_volumes_hold_the_pods_fields_and_cluster_volumes_are_refused() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dapi\n  labels: {zone: us-est-coast, cluster: test-cluster1}\n  annotations: {builder: john-doe}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: client\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    resources:\n      limits: {cpu: 250m}\n    volumeMounts:\n    - {name: podinfo, mountPath: /etc/podinfo}\n  volumes:\n  - name: podinfo\n    downwardAPI:\n      items:\n      - {path: labels, fieldRef: {fieldPath: metadata.labels}}\n      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}\n      - {path: cpu_limit, resourceFieldRef: {containerName: client, resource: limits.cpu, divisor: 1m}}\n";
    let out = m.exec(
        yaml,
        &[
            "--until",
            "Running",
            "--exec",
            "client",
            "--",
            "sh",
            "-c",
            "cat /etc/podinfo/labels; echo; cat /etc/podinfo/cpu_limit; echo; ls -la /etc/podinfo; touch /etc/podinfo/x 2>&1 || true",
        ],
    );
    let seen = text(&out.stdout);
    assert!(seen.starts_with("cluster=\"test-cluster1\"\nzone=\"us-est-coast\"\n250\n"), "{seen}");
    assert!(seen.contains("labels -> ..data/labels"), "{seen}");
    assert!(seen.contains("..data -> ..20"), "{seen}");
    assert!(seen.contains("Read-only file system"), "{seen}");

    let pvc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: claim\nspec:\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    volumeMounts:\n    - {name: data, mountPath: /data}\n  volumes:\n  - name: data\n    persistentVolumeClaim: {claimName: task-pv-claim}\n";
    let out = m.exec(pvc, &["--until", "3s"]);
    let story = text(&out.stdout);
    assert!(story.contains("UnsupportedVolume"), "{story}");
    assert!(story.contains("volume \"data\" is a persistentVolumeClaim volume"), "{story}");
    assert!(!story.contains("RunPodSandbox"), "{story}");
}

#[test]
fn kubectl_exec_passes_stdin_on_and_gives_a_terminal_made_in_the_container() {
    use std::io::{Read, Write};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = pod("attach", false, &[("app", "sleep 3600")]);
    let (mut child, story, rest) = start_until_running(&m, &yaml);
    let kubectl = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_podplay"));
        command.env("PODPLAY_ROOT", &m.root).env("PODPLAY_IMAGES", &m.images).args(["kubectl", "exec"]);
        command
    };
    // -i: the command reads this process's stdin.
    let mut piped = kubectl()
        .args(["-i", "attach", "--", "sh", "-c", "read line; echo got $line; exit 3"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    piped.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = piped.wait_with_output().unwrap();
    assert_eq!((out.status.code(), text(&out.stdout).as_str()), (Some(3), "got hello\n"), "{}", text(&out.stderr));
    // -it on a terminal: keys go in, and the command's terminal is one of
    // the container's own, of this terminal's size.
    let size = nix::pty::Winsize { ws_row: 33, ws_col: 111, ws_xpixel: 0, ws_ypixel: 0 };
    let pty = nix::pty::openpty(Some(&size), None).unwrap();
    let slave = std::fs::File::from(pty.slave);
    let mut tty = kubectl()
        .args(["-it", "attach", "--", "sh"])
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let mut master = std::fs::File::from(pty.master);
    master.write_all(b"tty; stty size; exit 7\n").unwrap();
    let status = tty.wait().unwrap();
    let mut seen = Vec::new();
    let _ = nix::fcntl::fcntl(
        std::os::fd::AsRawFd::as_raw_fd(&master),
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    );
    let _ = master.read_to_end(&mut seen);
    let seen = text(&seen);
    assert_eq!(status.code(), Some(7), "{seen}");
    assert!(seen.contains("/dev/pts/0\r\n"), "{seen}");
    assert!(seen.contains("33 111\r\n"), "{seen}");
    assert!(seen.contains("command terminated with exit code 7"), "{seen}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    m.assert_clean(&Output { status, stdout: format!("{story}{rest}").into_bytes(), stderr: Vec::new() });
}

#[test]
fn a_pre_stop_sleep_holds_deletion_and_unenforced_settings_are_a_warning() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleepy\nspec:\n  terminationGracePeriodSeconds: 10\n  securityContext:\n    seLinuxOptions: {level: 's0:c1,c2'}\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    lifecycle:\n      preStop:\n        sleep: {seconds: 2}\n";
    let started = std::time::Instant::now();
    let out = m.exec(yaml, &["--until", "Running", "--delete"]);
    let took = started.elapsed();
    let story = text(&out.stdout);
    assert!(out.status.success(), "{story}\n{}", text(&out.stderr));
    assert!(story.contains("preStop of app: sleep 2s, in the kubelet (nothing runs in the container)"), "{story}");
    assert!(took >= std::time::Duration::from_secs(2), "{took:?}");
    // The sleep comes before the SIGTERM.
    let slept = story.find("preStop of app: sleep").unwrap();
    let term = story.find("SIGTERM to its first process").unwrap();
    assert!(slept < term, "{story}");
    assert!(
        story.contains(
            "Warning SecurityContextNotEnforced — spec.containers{app}: podplay does not enforce securityContext seLinuxOptions yet: the container runs without it"
        ),
        "{story}"
    );
}

/// Every path under `dir`, sorted: what a failed import must leave as it was.
fn tree(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(path.clone());
            }
            all.push(path);
        }
    }
    all.sort();
    all
}

#[test]
fn bad_archives_are_refused_with_what_and_where_and_leave_the_store_as_it_was() {
    use podplay_linux::image::testing::{self, Entry};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let before = tree(&m.images);
    let archives = busybox_images(m.dir.path(), "whole", &ImageRunConfig::default()).unwrap();
    let bytes = std::fs::read(&archives.docker_save).unwrap();
    let half = m.dir.path().join("half.tar");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    // A layer blob of the OCI layout whose bytes are not its digest's.
    let blobs = archives.oci_dir.join("blobs/sha256");
    let layer = std::fs::read_dir(&blobs)
        .unwrap()
        .flatten()
        .max_by_key(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .unwrap()
        .path();
    let mut tampered = std::fs::read(&layer).unwrap();
    let last = tampered.len() - 9;
    tampered[last] ^= 0xff;
    std::fs::write(&layer, &tampered).unwrap();
    // A layer that climbs out with `..`, and one through an absolute symlink.
    let canary = m.dir.path().join("canary");
    std::fs::create_dir(&canary).unwrap();
    let climbs = m.dir.path().join("climbs.tar");
    std::fs::write(&climbs, testing::layer_tar(&[Entry::file("../../../../../canary/x", b"x")]).unwrap()).unwrap();
    let through = m.dir.path().join("through.tar");
    let outside = canary.display().to_string();
    let entries = [Entry::symlink("etc", &outside), Entry::file("etc/passwd", b"root::0:0::/:/bin/sh\n")];
    std::fs::write(&through, testing::layer_tar(&entries).unwrap()).unwrap();
    for (path, name, expected) in [
        (&half, "half", vec!["half.tar", "truncated"]),
        (&archives.oci_dir, "tampered", vec!["blobs/sha256/", "expected sha256"]),
        (&climbs, "climbs", vec!["climbs.tar", "`..`"]),
        (&through, "through", vec!["through.tar", "etc is a symbolic link"]),
    ] {
        let out = m.podplay(&["image", "import", path.to_str().unwrap(), "--name", name]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{name}: {err}");
        for words in expected {
            assert!(err.contains(words), "{name}: no {words:?} in {err}");
        }
        assert_eq!(tree(&m.images), before, "{name} left something in the store");
        assert_eq!(std::fs::read_dir(&canary).unwrap().count(), 0, "{name} wrote outside its layer");
    }
    // A Pod that names one of them: the image is not there.
    let yaml = pod("bad", false, &[("app", "true")]).replace("image: busybox", "image: half");
    let story = text(&m.exec(&yaml, &["--until", "3s"]).stdout);
    assert!(story.contains("ErrImageNeverPull"), "{story}");
}

#[test]
fn the_source_materials_three_examples_run_on_real_linux() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    // Example 1 (nginx-pod.yaml): two containers share the node's /data by
    // hostPath; one writes index.html, the other serves it, and they talk
    // over localhost.
    let data = m.dir.path().join("data");
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: two-containers\nspec:\n  terminationGracePeriodSeconds: 1\n  volumes:\n  - name: shared-data\n    hostPath: {{path: {}, type: DirectoryOrCreate}}\n  containers:\n  - name: nginx-container\n    image: busybox\n    imagePullPolicy: Never\n    command: [httpd, -f, -p, '80', -h, /usr/share/nginx/html]\n    volumeMounts: [{{name: shared-data, mountPath: /usr/share/nginx/html}}]\n  - name: debian-container\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'echo Hello from the debian container > /pod-data/index.html; sleep 3600']\n    volumeMounts: [{{name: shared-data, mountPath: /pod-data}}]\n",
        data.display()
    );
    let out = m.exec(
        &yaml,
        &[
            "--until",
            "Running",
            "--exec",
            "debian-container",
            "--",
            "sh",
            "-c",
            "sleep 0.3; wget -qO- http://localhost/",
        ],
    );
    assert_eq!(text(&out.stdout), "Hello from the debian container\n", "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(data.join("index.html")).unwrap(), "Hello from the debian container\n");

    // Example 2 (war-tomcat-pod.yaml): the init container copies the WAR
    // into the shared volume before the server starts.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: javaweb-2\nspec:\n  terminationGracePeriodSeconds: 1\n  initContainers:\n  - name: war\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'echo war-bytes > /sample.war; cp /sample.war /app']\n    volumeMounts: [{name: app-volume, mountPath: /app}]\n  containers:\n  - name: tomcat\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'ls /root/apache-tomcat/webapps; sleep 3600']\n    volumeMounts: [{name: app-volume, mountPath: /root/apache-tomcat/webapps}]\n  volumes:\n  - {name: app-volume, emptyDir: {}}\n";
    let out = m.exec(yaml, &["--until", "Running", "--logs", "tomcat"]);
    assert_eq!(text(&out.stdout), "sample.war\n", "{}", text(&out.stderr));

    // Example 3: the app writes its log to a volume on /var/log; a sidecar
    // reads it from its own /var/log.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: logging\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'i=0; while true; do i=$((i+1)); echo \"line $i\" >> /var/log/app.log; sleep 0.2; done']\n    volumeMounts: [{name: varlog, mountPath: /var/log}]\n  - name: sidecar\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'tail -n +1 -f /var/log/app.log']\n    volumeMounts: [{name: varlog, mountPath: /var/log}]\n  volumes:\n  - {name: varlog, emptyDir: {}}\n";
    let out = m.exec(yaml, &["--until", "3s", "--logs", "sidecar"]);
    let logs = text(&out.stdout);
    assert!(logs.starts_with("line 1\nline 2\nline 3\n"), "{logs}");
}

#[test]
fn a_memory_empty_dir_is_a_sized_tmpfs_and_a_sub_path_expr_reads_the_env() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: mem\nspec:\n  terminationGracePeriodSeconds: 1\n  volumes:\n  - {name: cache, emptyDir: {medium: Memory, sizeLimit: 16Mi}}\n  - {name: logs, emptyDir: {}}\n  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'echo hi > /logs/out; sleep 3600']\n    env:\n    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n    volumeMounts:\n    - {name: cache, mountPath: /cache}\n    - {name: logs, mountPath: /logs, subPathExpr: $(POD_NAME)}\n  - name: reader\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    volumeMounts: [{name: logs, mountPath: /all}]\n";
    let out = m.exec(
        yaml,
        &["--until", "Running", "--exec", "app", "--", "sh", "-c", "grep ' /cache ' /proc/mounts; stat -c %a /cache"],
    );
    let seen = text(&out.stdout);
    assert!(seen.starts_with("tmpfs /cache tmpfs rw,") && seen.contains("size=16384k"), "{seen}");
    assert!(seen.ends_with("1777\n"), "{seen}");
    let out =
        m.exec(yaml, &["--until", "Running", "--exec", "reader", "--", "sh", "-c", "sleep 0.3; cat /all/mem/out"]);
    assert_eq!(text(&out.stdout), "hi\n", "{}", text(&out.stderr));
}

#[test]
fn a_container_past_its_memory_limit_is_oom_killed_with_exit_code_137() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hungry\nspec:\n  restartPolicy: Never\n  containers:\n  - name: eat\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'head -c 200m /dev/zero | tail']\n    resources:\n      limits: {memory: 64Mi}\n";
    let out = m.exec(yaml, &[]);
    let story = text(&out.stdout);
    assert!(story.contains("container eat exited with code 137"), "{story}\n{}\n{:?}", text(&out.stderr), out.status);
    assert!(story.contains("kubectl get pod: STATUS OOMKilled READY 0/1 (phase Failed)"), "{story}");
    assert!(story.contains("Reason:       OOMKilled") && story.contains("Exit Code:    137"), "{story}");
    // The kubelet records no event for a container's OOM kill.
    assert!(!story.contains("Warning OOM"), "{story}");
}

#[test]
fn requests_and_limits_are_in_the_cgroup_files_and_top_reads_them_back() {
    use podplay_linux::sys::cgroup::Controller;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: limited\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: spin\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'while true; do :; done']\n    resources:\n      requests: {cpu: 100m}\n      limits: {cpu: 250m, memory: 64Mi}\n  - name: idle\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'head -c 20m /dev/zero > /dev/shm/x; sleep 3600']\n";
    let file = m.dir.path().join("pod.yaml");
    std::fs::write(&file, yaml).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_podplay"))
        .args(["exec", file.to_str().unwrap(), "--timeout", "60s", "--pod-max-pids", "64"])
        .env("PODPLAY_ROOT", &m.root)
        .env("PODPLAY_IMAGES", &m.images)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut child = Runner { child, machine: &m };
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let story: String = lines.by_ref().map_while(Result::ok).take_while(|l| !l.contains("STATUS Running")).collect();
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
    // Burstable: the spin container limits CPU, the idle one nothing.
    let pods = pod_cgroups(Controller::Cpu);
    assert_eq!(pods.len(), 1, "{pods:?} {story}");
    assert!(pods[0].parent().unwrap().ends_with("podplay/kubepods/burstable"), "{pods:?}");
    let read = |dir: &std::path::Path, file: &str| std::fs::read_to_string(dir.join(file)).unwrap().trim().to_string();
    // Not every container limits CPU: the Pod gets shares, no quota.
    assert_eq!(read(&pods[0], "cpu.shares"), "102");
    assert_eq!(read(&pods[0], "cpu.cfs_quota_us"), "-1");
    let containers: Vec<PathBuf> = std::fs::read_dir(&pods[0])
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.path())
        .collect();
    let quotas: Vec<String> = containers.iter().map(|c| read(c, "cpu.cfs_quota_us")).collect();
    assert!(quotas.contains(&"25000".to_string()), "{quotas:?}");
    assert_eq!(containers.len(), 3, "pause and two containers: {containers:?}");
    let pids = pod_cgroups(Controller::Pids);
    assert_eq!(read(&pids[0], "pids.max"), "64");
    let memory = pod_cgroups(Controller::Memory);
    let limits: Vec<String> = std::fs::read_dir(&memory[0])
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| read(&e.path(), "memory.limit_in_bytes"))
        .collect();
    assert!(limits.contains(&(64u64 << 20).to_string()), "{limits:?}");
    // `kubectl top` after a second of spinning: the quota holds it at 250m.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = m.podplay(&["kubectl", "top", "pod"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let top = m.podplay(&["kubectl", "top", "pod", "limited", "--containers"]);
    let table = text(&top.stdout);
    assert!(table.starts_with("POD       NAME   CPU(cores)   MEMORY(bytes)\n"), "{table}");
    let spin = table.lines().find(|l| l.contains(" spin ")).expect(&table);
    let millicores: u64 = spin.split_whitespace().nth(2).unwrap().trim_end_matches('m').parse().unwrap();
    assert!((150..=270).contains(&millicores), "{table}");
    let idle = table.lines().find(|l| l.contains(" idle ")).expect(&table);
    let mib: u64 = idle.split_whitespace().nth(3).unwrap().trim_end_matches("Mi").parse().unwrap();
    assert!((20..=30).contains(&mib), "the Pod's /dev/shm is charged to the container that wrote it: {table}");
    let delete = m.podplay(&["kubectl", "delete", "pod", "limited"]);
    assert!(delete.status.success());
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    m.assert_clean(&Output { status, stdout: format!("{story}{rest}").into_bytes(), stderr: Vec::new() });
}

/// One container running `script` to its end with `security` as its
/// securityContext (and the Pod's `pod_security`); its log.
fn run_confined(m: &Machine, name: &str, pod_security: &str, security: &str, script: &str) -> String {
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  restartPolicy: Never\n  securityContext: {pod_security}\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: Never\n    securityContext: {security}\n    command: [sh, -c, {script:?}]\n"
    );
    let out = m.exec(&yaml, &["--until", "Succeeded", "--logs", "c"]);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn runtime_default_seccomp_blocks_what_containerds_profile_blocks_and_privileged_is_unconfined() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    // personality(ADDR_NO_RANDOMIZE) is outside the profile whatever the
    // capabilities; unshare needs CAP_SYS_ADMIN in the bounding set.
    let script = "grep Seccomp: /proc/self/status; busybox linux64 -R true; echo personality $?; busybox unshare -n true; echo unshare $?";
    let runtime_default = "{seccompProfile: {type: RuntimeDefault}}";
    let confined = run_confined(&m, "confined", runtime_default, "{}", script);
    assert!(confined.contains("Seccomp:\t2\n"), "{confined}");
    assert!(confined.contains("Operation not permitted") && confined.contains("personality 1"), "{confined}");
    assert!(confined.contains("unshare 1"), "{confined}");
    // The same Pod, its container privileged: unconfined, as in containerd.
    let privileged = run_confined(&m, "privileged", runtime_default, "{privileged: true}", script);
    assert!(privileged.contains("Seccomp:\t0\n"), "{privileged}");
    assert!(privileged.contains("personality 0") && privileged.contains("unshare 0"), "{privileged}");
    // Unset: the kubelet's default is Unconfined (seccompDefault is off).
    let unset = run_confined(&m, "unset", "{}", "{}", script);
    assert!(unset.contains("Seccomp:\t0\n") && unset.contains("personality 0"), "{unset}");
}

#[test]
fn a_localhost_seccomp_profile_is_loaded_from_the_profile_root_and_a_missing_one_fails_creation() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let root = m.dir.path().join("seccomp");
    std::fs::create_dir_all(root.join("profiles")).unwrap();
    std::fs::write(
        root.join("profiles/no-mkdir.json"),
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}"#,
    )
    .unwrap();
    let profile = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: local\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: Never\n    securityContext:\n      seccompProfile: {{type: Localhost, localhostProfile: {name}}}\n    command: [sh, -c, 'mkdir /made; echo mkdir $?; touch /touched; echo touch $?']\n"
        )
    };
    let file = m.dir.path().join("pod.yaml");
    let run = |yaml: &str, extra: &[&str]| {
        std::fs::write(&file, yaml).unwrap();
        let mut args =
            vec!["exec", file.to_str().unwrap(), "--timeout", "60s", "--seccomp-profile-root", root.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = m.podplay(&args);
        m.assert_clean(&out);
        out
    };
    let out = run(&profile("profiles/no-mkdir.json"), &["--until", "Succeeded", "--logs", "c"]);
    let log = text(&out.stdout);
    assert!(log.contains("Permission denied") && log.contains("mkdir 1") && log.contains("touch 0"), "{log}");
    let out = run(&profile("profiles/missing.json"), &["--until", "3s"]);
    let story = text(&out.stdout);
    assert!(
        story.contains("cannot load seccomp profile \"/var/lib/kubelet/seccomp/profiles/missing.json\": open ")
            && story.contains("missing.json: no such file or directory"),
        "{story}"
    );
}

/// A registry of the test's own with the busybox image pushed as
/// `busybox:1.0`; its manifest digest.
fn registry_with_busybox(
    m: &Machine,
    htpasswd: Option<&std::path::Path>,
    creds: Option<&str>,
) -> (podplay_linux::image::testing::TestRegistry, String) {
    use podplay_linux::image::testing::{TestRegistry, busybox_images};
    let run = ImageRunConfig {
        cmd: vec!["sh".into()],
        env: vec!["PATH=/usr/sbin:/usr/bin:/sbin:/bin".into()],
        ..Default::default()
    };
    std::fs::create_dir_all(m.dir.path().join("push")).unwrap();
    let images = busybox_images(&m.dir.path().join("push"), "busybox", &run).unwrap();
    let registry =
        TestRegistry::start(m.dir.path(), htpasswd).expect("docker-registry starts (apt install docker-registry)");
    registry.push(&images.oci_dir, "busybox:1.0", creds).expect("skopeo pushes (apt install skopeo)");
    let mut inspect = Command::new("skopeo");
    inspect.args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"]);
    if let Some(creds) = creds {
        inspect.args(["--creds", creds]);
    }
    let digest = inspect.arg(format!("docker://{}/busybox:1.0", registry.host)).output().unwrap();
    (registry, text(&digest.stdout).trim().to_string())
}

fn image_pod(name: &str, image: &str, policy: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: {image}\n    imagePullPolicy: {policy}\n    command: [sh, -c, 'echo pulled and ran']\n"
    )
}

#[test]
fn images_are_pulled_by_tag_and_by_digest_and_the_pull_policy_decides_when() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let (registry, digest) = registry_with_busybox(&m, None, None);
    assert!(digest.starts_with("sha256:"), "{digest}");
    let image = format!("{}/busybox:1.0", registry.host);
    // IfNotPresent and missing: pulled, with the kubelet's events.
    let out = m.exec(&image_pod("fresh", &image, "IfNotPresent"), &["--until", "Succeeded"]);
    let story = text(&out.stdout);
    assert!(story.contains(&format!("Normal Pulling — spec.containers{{c}}: Pulling image \"{image}\"")), "{story}");
    let pulled = format!("Normal Pulled — spec.containers{{c}}: Successfully pulled image \"{image}\" in ");
    assert!(story.contains(&pulled) && story.contains("including waiting). Image size: "), "{story}");
    assert!(story.contains("container c exited with code 0"), "{story}");
    // Present now: IfNotPresent does not pull; Always does.
    let story = text(&m.exec(&image_pod("again", &image, "IfNotPresent"), &["--until", "Succeeded"]).stdout);
    assert!(story.contains(&format!("Container image \"{image}\" already present on machine")), "{story}");
    let story = text(&m.exec(&image_pod("always", &image, "Always"), &["--until", "Succeeded"]).stdout);
    assert!(story.contains(&pulled), "{story}");
    // By digest: the manifest pulled by tag is that one (containerd's CRI
    // finds an image by its digest too); Always fetches it by digest.
    let by_digest = format!("{}/busybox@{digest}", registry.host);
    let story = text(&m.exec(&image_pod("digest", &by_digest, "IfNotPresent"), &["--until", "Succeeded"]).stdout);
    assert!(story.contains(&format!("Container image \"{by_digest}\" already present on machine")), "{story}");
    let story = text(&m.exec(&image_pod("digest2", &by_digest, "Always"), &["--until", "Succeeded"]).stdout);
    assert!(story.contains(&format!("Successfully pulled image \"{by_digest}\"")), "{story}");
    assert!(story.contains("container c exited with code 0"), "{story}");
    // `podplay image pull` from a terminal's point of view.
    let out = m.podplay(&["image", "pull", &image]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!("pulled {image} (")) && said.contains("0 bytes fetched"),
        "the layer is in the store already: {said}"
    );
    // A tag the registry does not have: ErrImagePull with its words, then the back-off.
    let missing = format!("{}/busybox:nope", registry.host);
    let story = text(&m.exec(&image_pod("missing", &missing, "Always"), &["--until", "12s"]).stdout);
    assert!(
        story.contains(&format!("Failed to pull image \"{missing}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{missing}\": failed to resolve reference \"{missing}\": {missing}: not found")),
        "{story}"
    );
    assert!(story.contains("STATUS ErrImagePull") && story.contains("STATUS ImagePullBackOff"), "{story}");
    assert!(story.contains(&format!("Back-off pulling image \"{missing}\"")), "{story}");
}

/// Every path under `dir` with its size.
fn sizes(dir: &std::path::Path) -> Vec<(PathBuf, u64)> {
    tree(dir)
        .into_iter()
        .map(|p| {
            let len = std::fs::symlink_metadata(&p).map(|m| m.len()).unwrap_or(0);
            (p, len)
        })
        .collect()
}

#[test]
fn a_blob_whose_digest_does_not_match_is_refused_and_nothing_is_stored() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let (registry, _) = registry_with_busybox(&m, None, None);
    // The registry's copy of the layer (the largest blob) changed on disk.
    let blobs = m.dir.path().join("registry-data/docker/registry/v2/blobs/sha256");
    let layer = tree(&blobs)
        .into_iter()
        .filter(|p| p.ends_with("data"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&layer).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&layer, bytes).unwrap();
    let before = sizes(&m.images);
    let out = m.podplay(&["image", "pull", &format!("{}/busybox:1.0", registry.host)]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(said.contains("failed to pull and unpack image") && said.to_lowercase().contains("digest"), "{said}");
    assert_eq!(sizes(&m.images), before, "the store is as it was");
}

#[test]
fn a_registry_behind_basic_auth_takes_the_docker_config_credentials() {
    use base64::Engine;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let htpasswd = m.dir.path().join("htpasswd");
    std::fs::write(&htpasswd, format!("learner:{}\n", bcrypt::hash("s3cret", 5).unwrap())).unwrap();
    let (registry, _) = registry_with_busybox(&m, Some(&htpasswd), Some("learner:s3cret"));
    let image = format!("{}/busybox:1.0", registry.host);
    let anonymous = m.podplay(&["image", "pull", &image]);
    assert_eq!(anonymous.status.code(), Some(1), "{}", text(&anonymous.stdout));
    let auth = base64::engine::general_purpose::STANDARD.encode("learner:s3cret");
    let config = m.dir.path().join("auth.json");
    std::fs::write(&config, format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, registry.host)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_podplay"))
        .args(["image", "pull", &image])
        .env("PODPLAY_IMAGES", &m.images)
        .env("REGISTRY_AUTH_FILE", &config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn an_interrupted_pull_leaves_nothing_in_the_store() {
    use podplay_linux::image::testing::{TestRegistry, layered_image};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    // A 64 MiB layer through a proxy that passes 8 MiB/s: still pulling after a second.
    let layout = layered_image(m.dir.path(), 2, 64 << 20).unwrap();
    let registry = TestRegistry::start(m.dir.path(), None).unwrap();
    registry.push(&layout, "big:1", None).unwrap();
    let proxy = slow_proxy(&registry.host, 8 << 20);
    let before = sizes(&m.images);
    let child = Command::new(env!("CARGO_BIN_EXE_podplay"))
        .args(["image", "pull", &format!("{proxy}/big:1")])
        .env("PODPLAY_IMAGES", &m.images)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("interrupted; nothing was stored"), "{}", text(&out.stderr));
    assert_eq!(sizes(&m.images), before, "no partial blob, no pull directory");
}

/// A TCP proxy on loopback to `target` that passes at most `rate` bytes
/// a second each way; returns its `host:port`. Its threads end with the
/// test process.
fn slow_proxy(target: &str, rate: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let target = target.to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(&target) else { continue };
            for (mut from, mut to) in [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)] {
                std::thread::spawn(move || {
                    let mut chunk = vec![0u8; rate / 100];
                    while let Ok(n) = from.read(&mut chunk) {
                        if n == 0 || to.write_all(&chunk[..n]).is_err() {
                            break;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(10));
                    }
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        }
    });
    address
}

#[test]
fn pods_of_two_runners_on_one_state_root_reach_each_other_and_the_last_takes_the_network_along() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let web = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: web\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'mkdir /www; echo hello from web > /www/index.html; exec httpd -f -p 80 -h /www']\n    readinessProbe:\n      httpGet: {path: /, port: 80}\n      periodSeconds: 1\n";
    let (child, story, rest) = start_until_running(&m, web);
    let mut child = Runner { child, machine: &m };
    let ip = story.split("Pod IP ").nth(1).and_then(|s| s.split([' ', ';']).next()).expect(&story).to_string();
    assert!(m.root.join(".network/leases").join(&ip).exists(), "the lease of {ip} is written down");
    // A second runner, from "another terminal", on the same state root.
    let client = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: client\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'ip -4 addr show eth0 | grep inet; wget -qO- http://{ip}/']\n"
    );
    let file = m.dir.path().join("client.yaml");
    std::fs::write(&file, client).unwrap();
    let out = m.podplay(&["exec", file.to_str().unwrap(), "--timeout", "60s", "--until", "Succeeded", "--logs", "c"]);
    let logs = text(&out.stdout);
    assert!(logs.contains("hello from web"), "{logs}\n{}", text(&out.stderr));
    assert!(logs.contains("inet 10.244.0.") && !logs.contains(&format!("inet {ip}/")), "its own address: {logs}");
    // The client's runner is gone, its lease with it; the web's stays.
    let leases: Vec<String> = std::fs::read_dir(m.root.join(".network/leases"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "last_reserved_ip")
        .collect();
    assert_eq!(leases, std::slice::from_ref(&ip));
    let delete = m.podplay(&["kubectl", "delete", "pod", "web"]);
    assert!(delete.status.success(), "{}", text(&delete.stderr));
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    // The last runner took the network along: no namespace mount, no lease, no directory.
    m.assert_clean(&Output { status, stdout: format!("{story}{rest}").into_bytes(), stderr: Vec::new() });
}

#[test]
fn a_host_port_is_reachable_on_the_node_address_and_closes_with_the_pod() {
    use std::io::{Read, Write};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let web = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: web\n    image: busybox\n    imagePullPolicy: Never\n    command: [sh, -c, 'mkdir /www; echo hello on the node > /www/index.html; exec httpd -f -p 80 -h /www']\n    ports:\n    - {{containerPort: 80, hostPort: {port}}}\n    readinessProbe:\n      httpGet: {{path: /, port: 80}}\n      periodSeconds: 1\n"
    );
    let (child, story, rest) = start_until_running(&m, &web);
    let mut child = Runner { child, machine: &m };
    // From the machine itself, on the node address (the machine's loopback).
    let mut answer = String::new();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect(&story);
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.") && answer.contains("hello on the node"), "{answer}");
    let delete = m.podplay(&["kubectl", "delete", "pod", "web"]);
    assert!(delete.status.success(), "{}", text(&delete.stderr));
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the port closed with the Pod");
    m.assert_clean(&Output { status, stdout: format!("{story}{rest}").into_bytes(), stderr: Vec::new() });
}

#[test]
fn a_tcp_socket_liveness_probe_on_a_closed_port_restarts_the_container() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = Machine::new() else { return };
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: closed\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: Never\n    command: [sleep, '3600']\n    livenessProbe:\n      tcpSocket: {port: 81}\n      periodSeconds: 1\n      failureThreshold: 1\n";
    let story = text(&m.exec(yaml, &["--until", "6s"]).stdout);
    assert!(story.contains("Liveness probe failed: dial tcp 10.244.0.2:81: connect: connection refused"), "{story}");
    assert!(story.contains("Container c failed liveness probe, will be restarted"), "{story}");
    assert!(story.contains("Restart Count:  1"), "{story}");
}
