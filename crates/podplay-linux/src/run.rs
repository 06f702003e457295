//! A Pod's life on this machine: podplay-core's driver on the real node,
//! on the real clock. Where the simulator jumps to the next instant
//! anything is due, this waits for it, or for the kernel to say that
//! something happened first (a process ended, a log line came, Ctrl-C).

use std::time::Instant;

use k8s_openapi::api::core::v1::{Node, Pod};
use podplay_core::driver::{Driver, Until};
use podplay_core::time::{Epoch, MonoDuration, MonoTime};
use podplay_core::trace::Step;

use crate::runtime::{LinuxNode, NodeOptions};

/// Why [`Run::run_until`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The point asked for was reached.
    Reached,
    /// Nothing more can happen (the Pod ended, or was deleted).
    Finished,
    /// SIGINT or SIGTERM came (how many).
    Interrupted(u32),
    /// The time limit passed.
    TimedOut,
}

/// The Pod on the real node.
pub struct Run {
    pub(crate) driver: Driver<LinuxNode>,
    start: Instant,
    /// Steps already handed to the caller.
    told: usize,
    /// `podplay kubectl`'s socket, once served.
    pub(crate) api: Option<crate::api::ApiServer>,
    /// The Pod's deletion has begun.
    pub(crate) deleting: bool,
}

impl Run {
    /// Creates the Pod, schedules it on `node` (this machine) and starts
    /// the kubelet. `options.epoch` should be the wall time now.
    pub fn start(pod: &Pod, node: Node, options: NodeOptions) -> Result<Run, String> {
        let start = Instant::now();
        let epoch = options.epoch;
        let boot = LinuxNode::prepare(options)?;
        let driver = Driver::new(pod, vec![node], epoch, boot);
        Ok(Run { driver, start, told: 0, api: None, deleting: false })
    }

    pub fn driver(&self) -> &Driver<LinuxNode> {
        &self.driver
    }

    pub fn driver_mut(&mut self) -> &mut Driver<LinuxNode> {
        &mut self.driver
    }

    pub fn epoch(&self) -> Epoch {
        self.driver.epoch()
    }

    fn now(&self) -> MonoTime {
        MonoTime(u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// Steps not yet handed out.
    pub fn new_steps(&mut self) -> &[Step] {
        let steps = self.driver.trace().steps();
        let from = self.told.min(steps.len());
        self.told = steps.len();
        &steps[from..]
    }

    /// Runs on the real clock until `until` holds, nothing more can
    /// happen, the user interrupts, or `limit` passes; `on_steps` gets the
    /// story as it is told.
    pub fn run_until(&mut self, until: Until, limit: Option<MonoTime>, on_steps: &mut dyn FnMut(&[Step])) -> Stopped {
        loop {
            let now = self.now();
            self.driver.advance_to(now);
            self.serve();
            on_steps(self.new_steps());
            let interrupts = self.driver.runtime_mut().map_or(0, LinuxNode::take_interrupts);
            if interrupts > 0 {
                return Stopped::Interrupted(interrupts);
            }
            if self.driver.reached(until) {
                return Stopped::Reached;
            }
            if self.driver.is_finished() {
                return Stopped::Finished;
            }
            if limit.is_some_and(|l| now >= l) {
                return Stopped::TimedOut;
            }
            self.wait(until, limit);
        }
    }

    /// Sleeps until the next instant anything is due (bounded by `until`
    /// and `limit`), or the runtime wakes up first.
    fn wait(&mut self, until: Until, limit: Option<MonoTime>) {
        let now = self.now();
        let due = [self.driver.next_wakeup(), limit, if let Until::Time(t) = until { Some(t) } else { None }]
            .into_iter()
            .flatten()
            .min();
        let timeout = due.map(|t| t.since(now).millis());
        let Run { driver, api, .. } = self;
        if let Some(node) = driver.runtime_mut() {
            let fds = api.as_ref().map(crate::api::ApiServer::fds).unwrap_or_default();
            node.wait(timeout, &fds);
        }
    }

    /// `kubectl exec`: runs the command in the container, waiting on the
    /// real clock for it (at most two minutes, as the simulator).
    pub fn exec(&mut self, container: &str, command: Vec<String>) -> Result<(i32, String), String> {
        let id = self.driver.start_exec(container, command)?;
        let limit = self.now() + podplay_core::driver::EXEC_LIMIT;
        loop {
            self.driver.advance_to(self.now());
            self.serve();
            if let Some(result) = self.driver.exec_result(id) {
                return result;
            }
            if self.now() >= limit {
                self.driver.abandon_exec(id);
                return Err("command did not finish within 2 minutes".into());
            }
            // Ctrl-C gives up on the command; the caller then deletes the Pod.
            if self.driver.runtime_mut().map_or(0, LinuxNode::take_interrupts) > 0 {
                self.driver.abandon_exec(id);
                return Err("interrupted".into());
            }
            self.wait(Until::Time(limit), Some(limit));
        }
    }

    /// `kubectl delete pod` with `grace` instead of the Pod's own grace
    /// period if given.
    pub fn delete(&mut self, grace: Option<MonoDuration>) {
        self.driver.advance_to(self.now());
        if self.deleting || self.driver.is_deleted() {
            return;
        }
        self.deleting = true;
        self.driver.delete(grace);
    }

    /// Whether the Pod's deletion has begun (by the runner or `kubectl delete`).
    pub fn is_deleting(&self) -> bool {
        self.deleting
    }

    /// `kubectl logs`: the instance the kubelet picks from the status.
    pub fn logs(&self, container: &str, previous: bool) -> Result<String, String> {
        let pod = self.driver.pod();
        let id = podplay_core::kubectl::logs::log_container_id(&pod, container, previous)?;
        let node = self.driver.runtime().ok_or("the Pod is not running on any node")?;
        let path = node.log_path(&id).ok_or_else(|| format!("no log for container {container}"))?;
        let raw = std::fs::read(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        Ok(crate::cri_log::text(&String::from_utf8_lossy(&raw)))
    }

    /// Kills whatever still runs and removes the run's state at once.
    pub fn kill_now(&mut self) {
        self.close_api();
        if let Some(node) = self.driver.runtime_mut() {
            node.kill_all();
        }
    }
}
