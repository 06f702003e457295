//! `podplay exec`: the Pod run for real on this machine, its story printed
//! as it happens, in the simulator's words.

#[cfg(not(target_os = "linux"))]
pub fn run(_args: &crate::args::ExecArgs) -> u8 {
    eprintln!(
        "error: podplay exec runs Pods with Linux namespaces, so it needs Linux; `podplay sim` shows the same Pod simulated"
    );
    2
}

#[cfg(target_os = "linux")]
pub use linux::{gc, run};

#[cfg(not(target_os = "linux"))]
pub fn gc(_root: &std::path::Path) -> u8 {
    eprintln!("error: podplay gc cleans up after podplay exec, which needs Linux");
    2
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use podplay_core::driver::Until;
    use podplay_core::kubectl::{JsonReport, api_events};
    use podplay_core::time::{Epoch, MonoDuration, MonoTime};
    use podplay_core::trace::Step;
    use podplay_linux::image::ImageStore;
    use podplay_linux::run::{Run, Stopped};
    use podplay_linux::runtime::NodeOptions;

    use super::super::sim::{parse_duration, parse_until, read_pod};
    use super::super::story::{Story, format_time};
    use crate::args::{ExecArgs, Output};
    use crate::output::Out;

    /// How long a graceful deletion at the end of a run may take before
    /// everything is killed.
    const CLEANUP_LIMIT: MonoDuration = MonoDuration(60_000);

    pub fn run(args: &ExecArgs) -> u8 {
        if !nix::unistd::Uid::effective().is_root() {
            eprintln!(
                "error: podplay exec makes namespaces, mounts and processes for the Pod, which needs root: try `sudo podplay exec {}`, or `podplay sim {}` to simulate it without root",
                args.file.display(),
                args.file.display()
            );
            return 2;
        }
        let until = match args.run.until.as_deref().map(|u| parse_until(Some(u))).transpose() {
            Ok(u) => u,
            Err(e) => {
                eprintln!("error: --until: {e}");
                return 2;
            }
        };
        let limit = match args.timeout.as_deref().map(|t| parse_duration(t).ok_or(t)).transpose() {
            Ok(l) => l.map(|d| MonoTime::ZERO + d),
            Err(t) => {
                eprintln!("error: --timeout: {t:?} is not a duration like 30s or 5m");
                return 2;
            }
        };
        let (pod, _) = match read_pod(&args.file) {
            Ok(found) => found,
            Err(code) => return code,
        };
        let images = match ImageStore::open(&args.images) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: image store {}: {e}", args.images.display());
                return 2;
            }
        };
        let name = pod.metadata.name.clone().unwrap_or_default();
        let state = match claim_state(&args.root, &name) {
            Ok(dir) => dir,
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        };
        let socket = state.join(podplay_linux::api::SOCKET);
        let state_dir = state.clone();
        let seccomp_root = args.seccomp_profile_root.clone();
        let pull = podplay_linux::image::PullOptions {
            insecure_registries: args.insecure_registries.clone(),
            ..Default::default()
        };
        let options = NodeOptions { state, helper: helper_path(), images, epoch: wall_epoch(), seccomp_root, pull };
        let mut node = podplay_linux::node::this_node();
        if let Some(spec) = node.spec.as_mut() {
            spec.pod_cidr = Some(args.pod_cidr.clone());
        }
        if args.pod_max_pids > 0 {
            let annotations = node.metadata.annotations.get_or_insert_with(Default::default);
            annotations.insert(podplay_core::cluster::POD_MAX_PIDS_ANNOTATION.into(), args.pod_max_pids.to_string());
        }
        let mut run = match Run::start(&pod, node, options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                let _ = remove_state(&state_dir);
                return 2;
            }
        };
        for warning in run.driver().runtime().map(|node| node.warnings()).unwrap_or_default() {
            eprintln!("warning: {warning}");
        }
        if let Err(e) = run.serve_api(&socket) {
            eprintln!("warning: podplay kubectl cannot reach this Pod: {e}");
        }
        let mut printer = Printer::new(args);
        let code = drive(&mut run, args, until, limit, &mut printer);
        run.kill_now();
        drop(run);
        // A Pod never bound to this node had no runtime to remove the state.
        let _ = remove_state(&state_dir);
        code
    }

    /// The run from start to clean-up: the `--until` point, what to do
    /// there, then the graceful deletion.
    fn drive(
        run: &mut Run,
        args: &ExecArgs,
        until: Option<Until>,
        limit: Option<MonoTime>,
        printer: &mut Printer,
    ) -> u8 {
        // Without --until the runner stays until the Pod ends (or Ctrl-C).
        let target = until.unwrap_or(Until::Failed);
        let stopped = run.run_until(target, limit, &mut |steps| printer.steps(steps));
        let mut code = 0;
        // What the user follows after the point: the termination (with
        // --delete, or after Ctrl-C), or nothing but the clean-up.
        let mut follow_deletion = args.run.delete;
        match stopped {
            Stopped::Interrupted(n) if n > 1 => return 130,
            Stopped::Interrupted(_) => {
                printer.note("Ctrl-C: deleting the Pod gracefully (Ctrl-C again kills it now)");
                follow_deletion = true;
                code = 130;
            }
            Stopped::TimedOut => {
                printer.note("--timeout reached: killing the Pod");
                return 124;
            }
            Stopped::Reached | Stopped::Finished => {
                if let Some(c) = &args.run.exec {
                    code = exec_in(run, c, args.run.command.clone(), printer);
                } else if let Some(c) = &args.run.logs {
                    code = print_logs(run, c, args.run.previous, printer);
                } else if !follow_deletion {
                    printer.report(run);
                }
            }
        }
        printer.quiet_story |= !follow_deletion;
        run.delete(None);
        let cleanup_limit = run.driver().now() + CLEANUP_LIMIT;
        let limit = Some(limit.map_or(cleanup_limit, |l| l.max(cleanup_limit)));
        let ended = run.run_until(Until::Stable, limit, &mut |steps| printer.steps(steps));
        if let Stopped::Interrupted(_) = ended {
            return 130;
        }
        if follow_deletion && !printer.quiet_story {
            printer.report(run);
        }
        code
    }

    fn exec_in(run: &mut Run, container: &str, command: Vec<String>, printer: &mut Printer) -> u8 {
        match run.exec(container, command) {
            Ok((code, output)) => {
                printer.raw(&output);
                u8::try_from(code.clamp(0, 255)).unwrap_or(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        }
    }

    fn print_logs(run: &mut Run, container: &str, previous: bool, printer: &mut Printer) -> u8 {
        match run.logs(container, previous) {
            Ok(text) => {
                printer.raw(&text);
                0
            }
            Err(e) => {
                eprintln!("Error from server (BadRequest): {e}");
                1
            }
        }
    }

    /// Prints the story as it happens (text), or keeps it for the report
    /// (JSON); with `--exec`/`--logs` only their output goes to stdout.
    struct Printer {
        json: bool,
        verbose: bool,
        /// Only the command's output or the log is wanted on stdout.
        quiet_story: bool,
        story: Story,
        closed: bool,
    }

    impl Printer {
        fn new(args: &ExecArgs) -> Printer {
            Printer {
                json: args.run.output == Output::Json,
                verbose: args.run.verbose,
                quiet_story: args.run.exec.is_some() || args.run.logs.is_some(),
                story: Story::default(),
                closed: false,
            }
        }

        fn steps(&mut self, steps: &[Step]) {
            if self.json || self.quiet_story {
                return;
            }
            let mut text = String::new();
            for step in steps {
                if self.verbose || self.story.shows(step) {
                    text.push_str(&format!("{:>9}  {:<12} {}\n", format_time(step.at), step.actor.label(), step.text));
                }
            }
            self.raw(&text);
        }

        fn note(&mut self, text: &str) {
            if !self.json {
                eprintln!("{text}");
            }
        }

        /// Writes at once; a closed pipe stops the printing, not the run
        /// (which must still clean up).
        fn raw(&mut self, text: &str) {
            if self.closed || text.is_empty() {
                return;
            }
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                self.closed = true;
            }
        }

        /// `kubectl get -o wide` and `describe` (text), or the JSON report.
        fn report(&mut self, run: &Run) {
            let driver = run.driver();
            let pod = driver.pod();
            let mut out = Out::default();
            if self.json {
                let report = JsonReport {
                    status: serde_json::to_value(&pod.status).unwrap_or_default(),
                    events: api_events(&pod, &driver.events(), driver.epoch()),
                    steps: driver.trace().steps(),
                };
                out.line(&serde_json::to_string(&report).unwrap_or_default());
            } else {
                if self.story.hidden > 0 && !self.verbose {
                    out.line(&format!(
                        "          ({} routine steps not shown; --verbose shows them)",
                        self.story.hidden
                    ));
                }
                out.line("");
                super::super::story::kubectl_views(&mut out, driver);
            }
            let text = out.take();
            self.raw(&text);
        }
    }

    /// This run's state directory, `<root>/default_<pod name>`: refused
    /// while another runner has it; a stale one (its runner is gone) is
    /// removed, mounts first.
    pub(crate) fn claim_state(root: &Path, name: &str) -> Result<PathBuf, String> {
        let dir = root.join(format!("default_{name}"));
        if let Some(pid) = live_runner(&dir) {
            return Err(format!(
                "Error from server (AlreadyExists): pods \"{name}\" already exists (podplay exec PID {pid} runs it)"
            ));
        }
        if dir.exists() {
            let removed = remove_state(&dir).map_err(|e| format!("error: stale state: {e}"))?;
            eprintln!("an earlier run of pod {name:?} ended without cleaning up; removed its state:");
            for line in removed {
                eprintln!("  {line}");
            }
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("error: create {}: {e}", dir.display()))?;
        // The path the kernel's mount table names (no symlink, no `..`):
        // teardown finds the mounts under it by that name.
        let dir = dir.canonicalize().map_err(|e| format!("error: resolve {}: {e}", dir.display()))?;
        let pid_file = dir.join("runner.pid");
        std::fs::write(&pid_file, std::process::id().to_string())
            .map_err(|e| format!("error: write {}: {e}", pid_file.display()))?;
        Ok(dir)
    }

    /// What a run left: the cgroups it wrote down (killing what is still
    /// in them), then the directory, mounts first.
    fn remove_state(dir: &Path) -> Result<Vec<String>, String> {
        let mut said = podplay_linux::runtime::remove_recorded_cgroups(dir);
        said.extend(podplay_linux::runtime::remove_tree(dir)?);
        Ok(said)
    }

    /// The runner that holds a state directory, if it still runs.
    fn live_runner(dir: &Path) -> Option<i32> {
        let pid: i32 = std::fs::read_to_string(dir.join("runner.pid")).ok()?.trim().parse().ok()?;
        let alive = pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
        // A PID reused by another program is not a runner.
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        (alive && cmdline.windows(4).any(|w| w == b"exec")).then_some(pid)
    }

    /// `podplay gc`: removes the state of runs whose runner is gone (a
    /// SIGKILLed `podplay exec`), and says what it removed.
    pub fn gc(root: &Path) -> u8 {
        let Ok(entries) = std::fs::read_dir(root) else {
            println!("nothing to collect in {}", root.display());
            return 0;
        };
        let mut code = 0;
        let mut any = false;
        // The shared Pod network (`.network`) is the network's own to collect.
        let runs = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir());
        for dir in runs.filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))) {
            if live_runner(&dir).is_some() {
                continue;
            }
            any = true;
            match remove_state(&dir) {
                Ok(removed) => removed.iter().for_each(|line| println!("{line}")),
                Err(e) => {
                    eprintln!("error: {e}");
                    code = 1;
                }
            }
        }
        for line in podplay_linux::runtime::collect_network(root) {
            any = true;
            println!("{line}");
        }
        if !any {
            println!("nothing to collect in {}", root.display());
        }
        code
    }

    /// The binary to re-execute as pause and container init: this one.
    fn helper_path() -> PathBuf {
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe"))
    }

    fn wall_epoch() -> Epoch {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Epoch::from_unix_millis(i64::try_from(now.as_millis()).unwrap_or(0))
    }
}
