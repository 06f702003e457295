//! `CreateContainer` and `StartContainer`: a rootfs copy, the mounts, and
//! the container's first process joining the sandbox's namespaces.

use litemap::LiteMap;

use podplay_core::cri::{ContainerConfig, HostPathCreate, MountSource, SeccompProfile};
use podplay_core::ids::stable_hex;
use podplay_core::trace::{MountOf, Note, NsJoin, NsOwner};

use super::{Container, ContainerState, Containerd, Notes, Sandbox};
use crate::images::{self, Image};
use crate::kernel::fs::{self, Mount};
use crate::kernel::{Errno, Fd, Kernel, NODE_STORE, NsSet, Owner, SpawnSpec};

/// containerd's default `PATH` (`WithDefaultPathEnv`).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl Containerd {
    pub(super) fn create_container(
        &mut self,
        kernel: &mut Kernel,
        notes: &mut Notes,
        sandbox_id: &str,
        config: ContainerConfig,
    ) -> Result<String, String> {
        let sandbox =
            self.sandboxes.get(sandbox_id).cloned().ok_or_else(|| format!("sandbox {sandbox_id} not found"))?;
        let image = images::lookup(&config.image).ok_or_else(|| format!("image \"{}\" not found", config.image))?;
        // The virtual node has no seccomp profile files: containerd fails
        // to load a Localhost one, as on a node where the file is missing.
        if let (SeccompProfile::Localhost(path), false) = (&config.security.seccomp, config.security.privileged) {
            return Err(format!(
                "failed to generate seccomp spec opts: cannot load seccomp profile \"{path}\": open {path}: no such file or directory"
            ));
        }
        let id = stable_hex(&format!("container/{}/{}/{}", sandbox.config.uid, config.name, config.attempt));
        let argv = process_args(&config, &image);
        let termination_log = format!("{}/containers/{}/{}", sandbox.pod_dir, config.name, &stable_hex(&id)[..8]);
        let rootfs = kernel.new_store(with_dev(image.tree.clone()));
        kernel.write_node_file(&termination_log, b"", 0o666);
        let (volumes, mounted) = volume_mounts(kernel, &config)?;
        let mut mounts = vec![Mount {
            target: "/".into(),
            store: rootfs,
            source: "/".into(),
            read_only: false,
            label: "rootfs".into(),
        }];
        mounts.extend(volumes);
        runtime_mounts(&mut mounts, &sandbox, &config, &termination_log);
        // Mount points must exist in the image's tree to be listed.
        for m in mounts.iter().skip(1) {
            kernel.make_store_dir(rootfs, &fs::parent(&m.target));
        }
        let mnt = kernel.new_mount_ns(mounts);
        if let Some(limit) = config.resources.memory_limit_bytes {
            kernel.set_memory_limit(&id, limit);
        }
        let pid_ns = if sandbox.config.host_pid || sandbox.config.share_process_namespace {
            sandbox.ns.pid
        } else {
            let host_pid = kernel.host_namespaces().pid;
            kernel.new_pid_ns(Some(host_pid))
        };
        notes.push(Note::ContainerCreated {
            name: config.name.clone(),
            container_id: id.clone(),
            image: image.reference.clone(),
            argv: argv.clone(),
            unknown_image: !image.known,
        });
        for (target, source, what) in mounted {
            notes.push(Note::Mounted { container: config.name.clone(), target, source, what });
        }
        let container = Container {
            id: id.clone(),
            name: config.name.clone(),
            sandbox: sandbox.id.clone(),
            config,
            image,
            argv,
            state: ContainerState::Created,
            init_pid: None,
            mnt_ns: mnt,
            pid_ns,
            termination_log,
        };
        self.containers.insert(id.clone(), container);
        Ok(id)
    }

    pub(super) fn start_container(&mut self, kernel: &mut Kernel, notes: &mut Notes, id: &str) -> Result<(), String> {
        let c = self.containers.get(id).cloned().ok_or_else(|| format!("container {id} not found"))?;
        let sandbox = self.sandboxes.get(&c.sandbox).cloned().ok_or("sandbox gone")?;
        let ns = NsSet { net: sandbox.ns.net, ipc: sandbox.ns.ipc, uts: sandbox.ns.uts, pid: c.pid_ns, mnt: c.mnt_ns };
        let env = process_env(kernel, &c, &sandbox);
        let mut fds = LiteMap::new();
        fds.insert(0, if c.config.stdin { Fd::Tty } else { Fd::Null });
        fds.insert(1, Fd::Log { container: id.to_string(), stderr: false });
        fds.insert(2, Fd::Log { container: id.to_string(), stderr: true });
        let cwd = process_cwd(&c);
        if c.config.working_dir.is_some() {
            kernel.make_dir_in_mount_ns(c.mnt_ns, &cwd);
        }
        let parent = self.shim_parent(kernel);
        let spawned = kernel.spawn(SpawnSpec {
            argv: c.argv.clone(),
            env,
            cwd,
            ns,
            fds,
            owner: Owner::Container(id.to_string()),
            parent,
            uid: c.config.run_as_user.unwrap_or(c.image.user),
            container_init: true,
        });
        let pid = spawned.map_err(|e| start_error(&c.argv, e))?;
        let pid_in_container = kernel.pid_in(pid, c.pid_ns).unwrap_or(pid);
        if let Some(cm) = self.containers.get_mut(id) {
            cm.state = ContainerState::Running;
            cm.init_pid = Some(pid);
        }
        let config = &sandbox.config;
        let with = |node: bool| NsJoin { id: 0, owner: if node { NsOwner::Node } else { NsOwner::Pod } };
        let pid_owner = match (config.host_pid, config.share_process_namespace) {
            (true, _) => NsOwner::Node,
            (false, true) => NsOwner::Pod,
            (false, false) => NsOwner::Container,
        };
        notes.push(Note::ContainerStarted {
            name: c.name.clone(),
            argv: c.argv.clone(),
            pid_in_container,
            pid_on_node: pid,
            net: NsJoin { id: ns.net, ..with(config.host_network) },
            uts: NsJoin { id: ns.uts, ..with(config.host_network) },
            ipc: NsJoin { id: ns.ipc, ..with(config.host_ipc) },
            pid: NsJoin { id: ns.pid, owner: pid_owner },
            mnt: ns.mnt,
        });
        Ok(())
    }
}

/// The process's argv (`WithProcessArgs`): `command` replaces the image's
/// entrypoint, `args` its cmd.
fn process_args(config: &ContainerConfig, image: &Image) -> Vec<String> {
    if !config.command.is_empty() {
        return config.command.iter().chain(config.args.iter()).cloned().collect();
    }
    let args = if config.args.is_empty() { image.cmd.clone() } else { config.args.clone() };
    image.entrypoint.iter().cloned().chain(args).collect()
}

/// The process's environment, in containerd's order (later wins): `PATH`,
/// `HOSTNAME`, the image's `Env`, then the kubelet's (services and the
/// container's own).
pub(super) fn process_env(kernel: &Kernel, c: &Container, sandbox: &Sandbox) -> LiteMap<String, String> {
    let mut env = LiteMap::new();
    env.insert("PATH".to_string(), DEFAULT_PATH.to_string());
    env.insert("HOSTNAME".into(), kernel.sys_for(sandbox.pause_pid).hostname());
    env.extend(c.image.env.iter().cloned());
    for (k, v) in &c.config.env {
        env.insert(k.clone(), v.clone());
    }
    // runc's `setupUser`: without a `HOME`, the user's home from the
    // image's /etc/passwd, or `/` for a user it does not list.
    if !env.contains_key("HOME") {
        env.insert("HOME".into(), home_of(&c.image, c.config.run_as_user.unwrap_or(c.image.user)));
    }
    if !c.image.known {
        // The generic stand-in listens on the ports the container declares.
        let ports = c.config.ports.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",");
        env.insert("PODPLAY_PORTS".into(), ports);
    }
    env
}

/// The home directory of `uid` in the image's /etc/passwd (`user.GetExecUser`).
fn home_of(image: &Image, uid: u32) -> String {
    let passwd = image.tree.file("/etc/passwd").map(String::from_utf8_lossy).unwrap_or_default();
    fs::id_entry(&passwd, uid).and_then(|f| f.get(5).map(|home| home.to_string())).unwrap_or_else(|| "/".into())
}

/// The container's `/dev`: containerd mounts a tmpfs there (hiding the
/// image's) with the standard character devices and the `pts`, `shm` and
/// `mqueue` mounts (`oci.populateDefaultUnixSpec`).
fn with_dev(mut tree: crate::kernel::Store) -> crate::kernel::Store {
    tree.remove_tree("/dev");
    for device in ["null", "zero", "full", "random", "urandom", "tty", "ptmx"] {
        tree.put(&format!("/dev/{device}"), b"", 0o666);
    }
    for dir in ["/dev/pts", "/dev/shm", "/dev/mqueue"] {
        tree.mkdir_all(dir);
    }
    tree
}

/// The process's working directory: `workingDir`, else the image's.
pub(super) fn process_cwd(c: &Container) -> String {
    c.config.working_dir.clone().filter(|w| !w.is_empty()).unwrap_or_else(|| c.image.working_dir.clone())
}

/// runc's error when the first process cannot start.
fn start_error(argv: &[String], e: Errno) -> String {
    let what = argv.first().cloned().unwrap_or_default();
    let why = match e {
        Errno::NoEnt => format!("exec: \"{what}\": executable file not found in $PATH"),
        other => format!("exec: \"{what}\": {}", other.text().to_ascii_lowercase()),
    };
    format!(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {why}: unknown"
    )
}

/// What a mount note says: target, source, and what it brings.
type Mounted = (String, String, MountOf);

/// The volume and kubelet-file mounts of `config`, creating hostPath and
/// emptyDir directories as the kubelet and runtime do.
fn volume_mounts(kernel: &mut Kernel, config: &ContainerConfig) -> Result<(Vec<Mount>, Vec<Mounted>), String> {
    let mut mounts = Vec::new();
    let mut mounted = Vec::new();
    for m in &config.mounts {
        match &m.source {
            MountSource::NodePath { path, create, volume, .. } => {
                let exists = kernel.node_path_exists(path);
                match create {
                    HostPathCreate::MustExist if !exists => {
                        return Err(format!(
                            "failed to generate container spec: hostPath type check failed: {path} does not exist"
                        ));
                    }
                    HostPathCreate::File if !exists => kernel.write_node_file(path, b"", 0o644),
                    _ if !exists => kernel.make_node_dir(path),
                    _ => {}
                }
                let source = match &m.sub_path {
                    Some(sub) => {
                        let full = fs::join(path, sub);
                        if !kernel.node_path_exists(&full) {
                            kernel.make_node_dir(&full);
                        }
                        full
                    }
                    None => path.clone(),
                };
                let what = MountOf::Volume { name: volume.clone(), read_only: m.read_only };
                mounted.push((m.container_path.clone(), source.clone(), what));
                mounts.push(Mount {
                    target: fs::normalize("/", &m.container_path),
                    store: NODE_STORE,
                    source,
                    read_only: m.read_only,
                    label: volume.clone(),
                });
            }
            MountSource::VolumeFiles { path, volume, files } => {
                // The kubelet's atomic writer keeps the files behind a
                // `..data` symlink; the virtual kernel has no symlinks, so
                // they are written in place, with the same bytes and modes.
                kernel.make_node_dir(path);
                for file in files {
                    let at = fs::join(path, &file.path);
                    if let Some((parent, _)) = at.rsplit_once('/') {
                        kernel.make_node_dir(parent);
                    }
                    kernel.write_node_file(&at, file.content.as_bytes(), file.mode);
                }
                let what = MountOf::Volume { name: volume.clone(), read_only: true };
                mounted.push((m.container_path.clone(), path.clone(), what));
                mounts.push(Mount {
                    target: fs::normalize("/", &m.container_path),
                    store: NODE_STORE,
                    source: path.clone(),
                    read_only: true,
                    label: volume.clone(),
                });
            }
            MountSource::KubeletFile { path, content } => {
                kernel.write_node_file(path, content.as_bytes(), 0o644);
                mounted.push((m.container_path.clone(), path.clone(), MountOf::KubeletFile));
                let label = if m.container_path == "/etc/hosts" { "etc-hosts" } else { "kubelet-file" };
                mounts.push(Mount {
                    target: m.container_path.clone(),
                    store: NODE_STORE,
                    source: path.clone(),
                    read_only: false,
                    label: label.into(),
                });
            }
        }
    }
    Ok((mounts, mounted))
}

/// The runtime's own mounts: `/etc/hostname` and `/etc/resolv.conf` from
/// the sandbox (unless the container mounts its own) and the termination
/// log.
fn runtime_mounts(mounts: &mut Vec<Mount>, sandbox: &Sandbox, config: &ContainerConfig, termination_log: &str) {
    let sandbox_dir = format!("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{}", sandbox.id);
    for (target, file, label) in
        [("/etc/hostname", "hostname", "etc-hostname"), ("/etc/resolv.conf", "resolv.conf", "resolv-conf")]
    {
        if !mounts.iter().any(|m| m.target == target) {
            mounts.push(Mount {
                target: target.into(),
                store: NODE_STORE,
                source: format!("{sandbox_dir}/{file}"),
                read_only: false,
                label: label.into(),
            });
        }
    }
    mounts.push(Mount {
        target: fs::normalize("/", &config.termination_message_path),
        store: NODE_STORE,
        source: termination_log.to_string(),
        read_only: false,
        label: "termination-log".into(),
    });
}
