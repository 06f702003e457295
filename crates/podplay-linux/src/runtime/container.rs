//! `CreateContainer`, `StartContainer`, `StopContainer` and a container's
//! exit: a root filesystem of the image's layers, the mounts, and the first
//! process joining the sandbox's namespaces.

use std::os::fd::BorrowedFd;
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::sys::signal::Signal;

use podplay_core::cri::{CallId, ContainerConfig, ContainerExit, CriReply, HostPathCreate, MountSource};
use podplay_core::time::{Epoch, MonoDuration, MonoTime};
use podplay_core::trace::{MountOf, Note, NsJoin, NsOwner};

use super::logs::{ContainerLog, Stream};
use super::{LinuxNode, paths, spawn};
use crate::image::Image;
use crate::init::spec::{BindMount, Command, ContainerSetup, InitSpec, Role, User};
use crate::sys::ns::{NsKind, ns_inode, ns_path};
use crate::sys::process;

/// The termination message is cut at 4096 bytes, as the kubelet does.
const MAX_TERMINATION_MESSAGE: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Created,
    /// The first process, and the helper that is its parent.
    Running {
        pid: u32,
        helper: u32,
    },
    Exited,
}

pub(super) struct Container {
    pub sandbox_id: String,
    config: ContainerConfig,
    image: Image,
    argv: Vec<String>,
    dir: PathBuf,
    mounts: Vec<BindMount>,
    state: State,
    log: Option<ContainerLog>,
    pub log_path: PathBuf,
    /// The `StopContainer` calls under way, the SIGKILL time, and whether
    /// it was sent.
    stop: Option<(Vec<CallId>, MonoTime, bool)>,
    /// The container's mount namespace, once it runs, and whether its PID
    /// namespace is shared (the Pod's or the node's): then what its first
    /// process leaves behind is killed when it ends.
    mnt_ns: u64,
    shares_pid_ns: bool,
    /// Who the first process runs as, with its capabilities: an exec'd
    /// command runs the same way, as runc's exec takes the process spec.
    pub identity: Option<Command>,
    /// Its cgroup below the Pod's, made with it, removed when it ends.
    pub cgroup: Option<super::cgroups::Cgroup>,
    /// Its capability set and seccomp filters, made when it was created.
    capabilities: Result<Vec<String>, String>,
    seccomp: super::SeccompPrograms,
    /// The CPU time it had used at the last `top` (or 0 at its start),
    /// and when: `top`'s rate is over the time since.
    cpu_sample: (MonoTime, u64),
    _lease: crate::image::Lease,
}

impl Container {
    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn running_pid(&self) -> Option<u32> {
        match self.state {
            State::Running { pid, .. } => Some(pid),
            _ => None,
        }
    }

    /// The helper whose exit tells the first process's status.
    pub fn helper_pid(&self) -> Option<u32> {
        match self.state {
            State::Running { helper, .. } => Some(helper),
            _ => None,
        }
    }

    /// A child of the runner ended: if it was this container's helper,
    /// the container no longer runs.
    pub fn forget_helper(&mut self, helper: u32) {
        if self.helper_pid() == Some(helper) {
            self.state = State::Exited;
        }
    }

    /// Where its processes (the first one, exec'd commands) join its cgroup.
    pub fn cgroup_procs(&self) -> Vec<PathBuf> {
        self.cgroup.as_ref().map(super::cgroups::Cgroup::procs_files).unwrap_or_default()
    }

    pub fn kill_at(&self) -> Option<MonoTime> {
        self.stop.as_ref().filter(|(_, _, killed)| !killed).map(|(_, at, _)| *at)
    }

    /// Kills what the container's first process left running, when it has
    /// no PID namespace of its own to take them along.
    pub fn kill_leftovers(&self) {
        if self.shares_pid_ns && self.mnt_ns != 0 {
            crate::sys::process::kill_mount_namespace(self.mnt_ns);
        }
    }

    pub fn open_streams(&self) -> Vec<BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.log.iter().flat_map(|l| l.streams.iter().filter(|s| s.open).map(|s| s.fd.as_fd())).collect()
    }

    pub fn pump_log(&mut self, now: MonoTime, epoch: Epoch, closing: bool) {
        if let Some(log) = &mut self.log {
            log.pump(now, epoch, closing);
        }
    }
}

impl LinuxNode {
    pub(super) fn create_container(&mut self, sandbox_id: &str, config: ContainerConfig) -> Result<String, String> {
        let sandbox = self.sandboxes.get(sandbox_id).ok_or_else(|| format!("sandbox {sandbox_id} not found"))?;
        let image = self
            .images
            .resolve(&config.image)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("failed to get image \"{}\": not found", config.image))?;
        let argv = process_args(&config, &image);
        if argv.is_empty() {
            return Err("failed to generate container spec: no command specified".into());
        }
        // While the container lives, `podplay image rm` or a re-import
        // leaves its layers in place (containerd's leases).
        let lease = self.images.lease(&image).map_err(|e| e.to_string())?;
        let id = paths::new_id();
        let dir = self.dirs.container(&id);
        // The final capability set (an unknown name fails the start, as in
        // containerd), and the seccomp profile for it as containerd builds it.
        let security = &config.security;
        let capabilities = crate::sys::caps::container_set(
            security.privileged,
            &security.capabilities_add,
            &security.capabilities_drop,
        );
        let bounding = capabilities.as_deref().unwrap_or_default();
        let seccomp = super::seccomp::programs(&security.seccomp, security.privileged, bounding, &self.seccomp_root)?;
        let made = self.container_dirs(&dir, &config, sandbox.dir.as_path());
        // containerd's `filepath.Join(cgroup_parent, id)`.
        let cgroup_path = format!("{}/{id}", sandbox.config.cgroup_parent);
        let made = made.and_then(|m| Ok((m, self.cgroups.create(&cgroup_path, &config.resources)?)));
        let (mounts, cgroup) = match made {
            Ok(m) => m,
            Err(e) => {
                let _ = paths::remove_tree(&dir);
                return Err(e);
            }
        };
        self.notes.push_back(Note::ContainerCreated {
            name: config.name.clone(),
            container_id: id.clone(),
            image: image.record.reference.clone(),
            argv: argv.clone(),
            unknown_image: false,
        });
        self.note_mounts(&config);
        let log_path = self.dirs.node_path(&config.log_path);
        let container = Container {
            sandbox_id: sandbox_id.to_string(),
            config,
            image,
            argv,
            dir,
            mounts,
            state: State::Created,
            log: None,
            log_path,
            stop: None,
            identity: None,
            mnt_ns: 0,
            shares_pid_ns: false,
            cgroup: Some(cgroup),
            capabilities,
            seccomp,
            cpu_sample: (MonoTime::ZERO, 0),
            _lease: lease,
        };
        self.containers.insert(id.clone(), container);
        Ok(id)
    }

    /// The container's directories and its bind mounts: volumes, the
    /// kubelet's files, containerd's hostname and resolv.conf, and the
    /// termination log.
    fn container_dirs(
        &self,
        dir: &Path,
        config: &ContainerConfig,
        sandbox_dir: &Path,
    ) -> Result<Vec<BindMount>, String> {
        for sub in ["rootfs", "upper", "work"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path).map_err(|e| format!("create {}: {e}", path.display()))?;
        }
        let log = dir.join("termination-log");
        write_file(&log, b"", 0o666)?;
        let mut mounts = self.volume_mounts(config, &dir.join("volume-subpaths"))?;
        // containerd's own binds turn read-only with a read-only root.
        let read_only = config.security.read_only_root;
        for (target, file) in [("/etc/hostname", "hostname"), ("/etc/resolv.conf", "resolv.conf")] {
            if !mounts.iter().any(|m| m.target == target) {
                mounts.push(BindMount { source: sandbox_dir.join(file), target: target.into(), read_only });
            }
        }
        mounts.push(BindMount { source: log, target: config.termination_message_path.clone(), read_only: false });
        Ok(mounts)
    }

    /// The volumes' binds; a subPath is pinned and bound first under
    /// `subpaths` (the kubelet's `volume-subpaths`), in the node's namespace.
    fn volume_mounts(&self, config: &ContainerConfig, subpaths: &Path) -> Result<Vec<BindMount>, String> {
        let mut mounts = Vec::new();
        for (i, m) in config.mounts.iter().enumerate() {
            let pinned = subpaths.join(i.to_string());
            let source = match &m.source {
                MountSource::NodePath { path, create, memory, .. } => {
                    let node = self.dirs.node_path(path);
                    let new_empty_dir = path.contains("/kubernetes.io~empty-dir/") && !node.exists();
                    prepare_node_path(&node, path, *create)?;
                    if new_empty_dir {
                        // The kubelet makes an emptyDir 0777, for any user.
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o777))
                            .map_err(|e| format!("chmod {}: {e}", node.display()))?;
                        if let Some(bytes) = memory {
                            memory_empty_dir(&node, *bytes)?;
                        }
                    }
                    if let (Some(group), true) = (config.security.fs_group, path.contains("/kubernetes.io~empty-dir/"))
                    {
                        own_by_fs_group(&node, group)?;
                    }
                    match &m.sub_path {
                        Some(sub) => super::subpath::bind(&node, sub, &pinned)?,
                        None => node,
                    }
                }
                MountSource::VolumeFiles { path, files, .. } => {
                    let node = self.dirs.node_path(path);
                    let unix_millis = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
                    let now = podplay_core::time::civil::Civil::from_unix_millis(unix_millis);
                    super::atomic_writer::write_once(&node, files, now, config.security.fs_group)?;
                    match &m.sub_path {
                        Some(sub) => super::subpath::bind(&node, sub, &pinned)?,
                        None => node,
                    }
                }
                MountSource::KubeletFile { path, content } => {
                    let node = self.dirs.node_path(path);
                    if let Some(parent) = node.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
                    }
                    write_file(&node, content.as_bytes(), 0o644)?;
                    node
                }
            };
            mounts.push(BindMount { source, target: m.container_path.clone(), read_only: m.read_only });
        }
        Ok(mounts)
    }

    fn note_mounts(&mut self, config: &ContainerConfig) {
        for m in &config.mounts {
            let (source, what) = match &m.source {
                MountSource::NodePath { path, volume, .. } => {
                    (path.clone(), MountOf::Volume { name: volume.clone(), read_only: m.read_only })
                }
                MountSource::VolumeFiles { path, volume, .. } => {
                    (path.clone(), MountOf::Volume { name: volume.clone(), read_only: true })
                }
                MountSource::KubeletFile { path, .. } => (path.clone(), MountOf::KubeletFile),
            };
            let source = match &m.sub_path {
                Some(sub) => format!("{}/{sub}", source.trim_end_matches('/')),
                None => source,
            };
            let container = config.name.clone();
            self.notes.push_back(Note::Mounted { container, target: m.container_path.clone(), source, what });
        }
    }

    pub(super) fn start_container(&mut self, id: &str, now: MonoTime) -> Result<(), String> {
        let c = self.containers.get(id).ok_or_else(|| format!("container {id} not found"))?;
        let sandbox = self.sandboxes.get(&c.sandbox_id).ok_or("sandbox gone")?;
        let security = &c.config.security;
        let capabilities = c.capabilities.clone().map_err(|e| start_error(&e))?;
        let pause = sandbox.pause_pid;
        let sc = &sandbox.config;
        let mut join = Vec::new();
        if !sc.host_network {
            join.extend([(NsKind::Net, ns_path(pause, NsKind::Net)), (NsKind::Uts, ns_path(pause, NsKind::Uts))]);
        }
        if !sc.host_ipc {
            join.push((NsKind::Ipc, ns_path(pause, NsKind::Ipc)));
        }
        let shared_pid = sc.share_process_namespace && !sc.host_pid;
        if shared_pid {
            join.push((NsKind::Pid, ns_path(pause, NsKind::Pid)));
        }
        let mut unshare = vec![NsKind::Mnt];
        if !sc.host_pid && !shared_pid {
            unshare.push(NsKind::Pid);
        }
        let setup = ContainerSetup {
            rootfs: c.dir.join("rootfs"),
            layers: c.image.layers.iter().rev().cloned().collect(),
            upper: c.dir.join("upper"),
            work: c.dir.join("work"),
            mounts: c.mounts.clone(),
            shm: sandbox.shm.clone(),
            read_only_root: security.read_only_root,
            privileged: security.privileged,
            command: Command {
                argv: c.argv.clone(),
                env: process_env(c, &sandbox_hostname(sandbox)),
                cwd: process_cwd(c),
                user: User {
                    uid: c.config.run_as_user,
                    gid: security.run_as_group,
                    image_user: c.image.config.user.clone(),
                    supplemental_groups: security.supplemental_groups.clone(),
                },
                capabilities: Some(capabilities),
                no_new_privs: security.no_new_privs,
                seccomp: c.seccomp.clone(),
                tty: None,
            },
        };
        let identity = setup.command.clone();
        let pid_owner = match (sc.host_pid, sc.share_process_namespace) {
            (true, _) => NsOwner::Node,
            (false, true) => NsOwner::Pod,
            (false, false) => NsOwner::Container,
        };
        let owners = (sc.host_network, sc.host_ipc);
        let shares_pid_ns = sc.host_pid || sc.share_process_namespace;
        let (stdout_r, stdout_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))?;
        let (stderr_r, stderr_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))?;
        let streams = vec![Stream::new("stdout", stdout_r), Stream::new("stderr", stderr_r)];
        let log_path = c.log_path.clone();
        let spec = InitSpec { join, unshare, cgroup_procs: c.cgroup_procs(), role: Role::Container(Box::new(setup)) };
        let output = spawn::Output { stdout: stdout_w, stderr: stderr_w };
        let mut log = ContainerLog::create(&log_path, streams)?;
        let spawn::Spawned { pid, helper } =
            spawn::spawn(&self.helper, &spec, Some(output)).map_err(|e| start_error(&e))?;
        log.pump(now, self.epoch, false);
        let note = Note::ContainerStarted {
            name: c.config.name.clone(),
            argv: c.argv.clone(),
            pid_in_container: pid_in_namespace(pid).unwrap_or(pid),
            pid_on_node: pid,
            net: NsJoin { id: ns_inode(pid, NsKind::Net).unwrap_or(0), owner: owner(owners.0) },
            uts: NsJoin { id: ns_inode(pid, NsKind::Uts).unwrap_or(0), owner: owner(owners.0) },
            ipc: NsJoin { id: ns_inode(pid, NsKind::Ipc).unwrap_or(0), owner: owner(owners.1) },
            pid: NsJoin { id: ns_inode(pid, NsKind::Pid).unwrap_or(0), owner: pid_owner },
            mnt: ns_inode(pid, NsKind::Mnt).unwrap_or(0),
        };
        self.notes.push_back(note);
        if let Some(c) = self.containers.get_mut(id) {
            c.state = State::Running { pid, helper };
            c.log = Some(log);
            c.identity = Some(identity);
            c.mnt_ns = ns_inode(pid, NsKind::Mnt).unwrap_or(0);
            c.shares_pid_ns = shares_pid_ns;
            c.cpu_sample = (now, 0);
        }
        Ok(())
    }

    /// `kubectl top`: each running container's CPU rate since the last
    /// look (at least a second back; else since the one before) and its
    /// working set, read from its cgroup.
    pub fn usage(&mut self, now: MonoTime) -> Vec<crate::api::ContainerUsage> {
        let mut out = Vec::new();
        for c in self.containers.values_mut().filter(|c| c.running_pid().is_some()) {
            let Some(cgroup) = &c.cgroup else { continue };
            let cpu = cgroup.cpu_usage_ns().unwrap_or(0);
            let (since, before) = c.cpu_sample;
            let elapsed_ms = now.0.saturating_sub(since.0).max(1);
            let cpu_millicores = cpu.saturating_sub(before) / 1000 / elapsed_ms;
            if elapsed_ms >= 1000 {
                c.cpu_sample = (now, cpu);
            }
            let memory_bytes = cgroup.memory_working_set().unwrap_or(0);
            out.push(crate::api::ContainerUsage { name: c.config.name.clone(), cpu_millicores, memory_bytes });
        }
        out
    }

    /// The stop signal now (SIGTERM), SIGKILL after `timeout`; the reply
    /// comes once the process is gone.
    pub(super) fn stop_container(&mut self, call: CallId, id: &str, now: MonoTime, timeout: MonoDuration) {
        let Some(c) = self.containers.get_mut(id) else {
            self.reply(call, CriReply::Stopped);
            return;
        };
        let Some(pid) = c.running_pid() else {
            self.reply(call, CriReply::Stopped);
            return;
        };
        if let Some((calls, at, _)) = &mut c.stop {
            // Another stop of the same container: answered with the first,
            // with the earlier SIGKILL time.
            calls.push(call);
            *at = (*at).min(now + timeout);
            return;
        }
        process::kill(pid, Signal::SIGTERM);
        c.stop = Some((vec![call], now + timeout, false));
        let name = c.config.name.clone();
        self.notes.push_back(Note::StopSignalSent { container: name, signal: Signal::SIGTERM as i32, timeout });
    }

    /// SIGKILL for stops whose grace period is over; timed-out execs.
    pub(super) fn expire(&mut self, now: MonoTime) {
        let mut grace_over = Vec::new();
        for c in self.containers.values_mut() {
            let pid = c.running_pid();
            if let (Some((_, at, killed @ false)), Some(pid)) = (&mut c.stop, pid) {
                if now >= *at {
                    process::kill(pid, Signal::SIGKILL);
                    *killed = true;
                    grace_over.push(c.config.name.clone());
                }
            }
        }
        for container in grace_over {
            self.notes.push_back(Note::GraceExpired { container });
        }
        self.expire_execs(now);
    }

    pub(super) fn container_exited(&mut self, id: &str, code: i32, now: MonoTime) {
        let epoch = self.epoch;
        let Some(c) = self.containers.get_mut(id) else {
            return;
        };
        c.state = State::Exited;
        c.kill_leftovers();
        // containerd's TaskOOM: the cgroup's `oom_kill` count went up.
        let oom = c.cgroup.as_ref().is_some_and(|g| g.oom_kills() > 0);
        // The task is deleted: its cgroup goes (a restart makes a new one).
        if let Some(cgroup) = c.cgroup.take() {
            cgroup.remove();
        }
        // Its pinned subPaths are no longer needed on the node (a restart
        // makes its own): none piles up through a crash loop.
        let _ = super::paths::unmount_under(&c.dir.join("volume-subpaths"));
        c.pump_log(now, epoch, true);
        let log_tail = c.log.as_ref().map(ContainerLog::tail).unwrap_or_default();
        c.log = None;
        let termination_message = read_termination_message(&c.dir.join("termination-log"));
        let stop_calls = c.stop.take().map(|(calls, _, _)| calls).unwrap_or_default();
        self.notes.push_back(Note::ContainerExited { name: c.config.name.clone(), exit_code: code });
        self.exits.push_back(ContainerExit {
            container_id: id.to_string(),
            exit_code: code,
            reason: oom.then(|| "OOMKilled".to_string()),
            termination_message,
            log_tail,
            finished_at: now,
        });
        for call in stop_calls {
            self.reply(call, CriReply::Stopped);
        }
    }
}

fn owner(with_node: bool) -> NsOwner {
    if with_node { NsOwner::Node } else { NsOwner::Pod }
}

fn sandbox_hostname(sandbox: &super::Sandbox) -> String {
    if sandbox.config.host_network { super::sandbox::node_hostname() } else { sandbox.config.hostname.clone() }
}

/// The command as containerd makes it from the image and the kubelet's
/// `command`/`args`.
fn process_args(config: &ContainerConfig, image: &Image) -> Vec<String> {
    if !config.command.is_empty() {
        return config.command.iter().chain(config.args.iter()).cloned().collect();
    }
    let args = if config.args.is_empty() { image.config.cmd.clone() } else { config.args.clone() };
    image.config.entrypoint.iter().cloned().chain(args).collect()
}

/// containerd's environment: the default PATH, HOSTNAME, the image's
/// variables, then the container's (which win), and HOME from the
/// container's passwd entry if nobody set it (runc does that last part,
/// in the container; here it is `/root` or `/`).
fn process_env(c: &Container, hostname: &str) -> Vec<String> {
    let mut env: Vec<(String, String)> =
        vec![("PATH".into(), crate::DEFAULT_PATH.into()), ("HOSTNAME".into(), hostname.into())];
    let mut set = |k: &str, v: &str| match env.iter_mut().find(|(key, _)| key == k) {
        Some(slot) => slot.1 = v.to_string(),
        None => env.push((k.to_string(), v.to_string())),
    };
    for pair in &c.image.config.env {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        set(k, v);
    }
    for (k, v) in &c.config.env {
        set(k, v);
    }
    if !env.iter().any(|(k, _)| k == "HOME") {
        let root = c.config.run_as_user.unwrap_or(0) == 0 && c.image.config.user.as_deref().unwrap_or("").is_empty();
        env.push(("HOME".into(), if root { "/root".into() } else { "/".into() }));
    }
    env.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
}

fn process_cwd(c: &Container) -> String {
    c.config
        .working_dir
        .clone()
        .filter(|w| !w.is_empty())
        .or_else(|| c.image.config.working_dir.clone().filter(|w| !w.is_empty()))
        .unwrap_or_else(|| "/".into())
}

/// runc's words for a container that could not start.
fn start_error(why: &str) -> String {
    format!(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {why}: unknown"
    )
}

/// The hostPath `type` checks and the directories the kubelet makes.
fn prepare_node_path(node: &Path, as_named: &str, create: HostPathCreate) -> Result<(), String> {
    let exists = node.exists();
    match create {
        HostPathCreate::MustExist if !exists => {
            Err(format!("failed to generate container spec: hostPath type check failed: {as_named} does not exist"))
        }
        HostPathCreate::File if !exists => {
            if let Some(parent) = node.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
            }
            write_file(node, b"", 0o644)
        }
        _ if !exists => std::fs::create_dir_all(node).map_err(|e| format!("create {}: {e}", node.display())),
        _ => Ok(()),
    }
}

/// `medium: Memory`: the emptyDir is a tmpfs of `bytes` (`setupTmpfs`),
/// mounted in the node's namespace under the state directory, which is
/// unmounted with it.
fn memory_empty_dir(dir: &Path, bytes: u64) -> Result<(), String> {
    let data = format!("size={bytes}");
    crate::sys::mount::special("tmpfs", dir, nix::mount::MsFlags::empty(), Some(&data))
        .map_err(|e| format!("MountVolume.SetUp failed: {e}"))
}

/// `fsGroup` on an emptyDir: the group owns it, may write it, and new
/// files inherit the group (setgid), as the kubelet's volume ownership does.
fn own_by_fs_group(dir: &Path, group: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    nix::unistd::chown(dir, None, Some(nix::unistd::Gid::from_raw(group)))
        .map_err(|e| format!("chown {} to group {group}: {e}", dir.display()))?;
    let mode = std::fs::metadata(dir).map(|m| m.permissions().mode()).unwrap_or(0o777);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode((mode & 0o7777) | 0o2770))
        .map_err(|e| format!("chmod {}: {e}", dir.display()))
}

fn write_file(path: &Path, content: &[u8], mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).map_err(|e| format!("write {}: {e}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", path.display()))
}

/// The last 4096 bytes of the file, as the kubelet keeps them (the
/// container may have written far more).
fn read_termination_message(path: &Path) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else { return String::new() };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(MAX_TERMINATION_MESSAGE as u64)));
    let mut bytes = Vec::new();
    let _ = file.take(MAX_TERMINATION_MESSAGE as u64).read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The process's PID in its own (innermost) PID namespace: the last
/// number of `NSpid` in `/proc/<pid>/status`.
fn pid_in_namespace(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("NSpid:"))?;
    line.split_whitespace().last()?.parse().ok()
}
