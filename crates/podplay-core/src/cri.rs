//! The runtime interface the kubelet speaks, shaped after the Kubernetes
//! Container Runtime Interface (CRI). The kubelet state machine emits
//! [`CriCall`]s and receives [`CriReply`]s and [`ContainerExit`]s; a runtime
//! (podplay-sim's virtual Linux, later the real Linux runner) executes them.
//! The kubelet never learns which runtime it talks to.
//!
//! Besides CRI proper, two calls stand for what the kubelet does itself over
//! the node's network: HTTP and TCP probes and HTTP hooks ([`CriCall::HttpGet`],
//! [`CriCall::TcpConnect`]). The trait a runtime implements is
//! [`crate::runtime::Runtime`].

use serde::Serialize;

use crate::time::MonoDuration;

/// Identifies one call; its reply carries the same id. Each caller numbers
/// its own calls, so the kubelet's and the user's never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CallId {
    pub caller: Caller,
    pub seq: u64,
}

/// Who made a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Caller {
    /// The kubelet's pod worker.
    Kubelet,
    /// The user, through the driver (`kubectl exec`).
    User,
}

impl CallId {
    pub fn new(caller: Caller, seq: u64) -> CallId {
        CallId { caller, seq }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "call")]
pub enum CriCall {
    /// Creates the sandbox: the pause container and the Pod's shared
    /// namespaces; returns its id and the Pod IP.
    RunPodSandbox(Box<SandboxConfig>),
    /// Is the image on the node?
    ImageStatus {
        image: String,
    },
    PullImage {
        image: String,
    },
    CreateContainer {
        sandbox_id: String,
        /// Boxed: it is by far the largest call.
        config: Box<ContainerConfig>,
    },
    StartContainer {
        container_id: String,
    },
    /// Runs a command in a running container and waits for it (hooks, probes,
    /// `kubectl exec`).
    ExecSync {
        container_id: String,
        command: Vec<String>,
        timeout: MonoDuration,
    },
    /// Sends the stop signal, waits up to `timeout`, then SIGKILL.
    StopContainer {
        container_id: String,
        timeout: MonoDuration,
    },
    StopPodSandbox {
        sandbox_id: String,
    },
    RemovePodSandbox {
        sandbox_id: String,
    },
    /// An HTTP GET from the node (probes, httpGet hooks).
    HttpGet {
        host: String,
        port: u16,
        path: String,
        timeout: MonoDuration,
    },
    /// A TCP connect from the node (tcpSocket probes).
    TcpConnect {
        host: String,
        port: u16,
        timeout: MonoDuration,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "reply")]
pub enum CriReply {
    SandboxReady {
        sandbox_id: String,
        ip: String,
    },
    /// The image as the node has it; `None` when it is not there.
    ImageStatus {
        image: Option<ImageInfo>,
    },
    Pulled {
        image: ImageInfo,
        took: MonoDuration,
    },
    ContainerCreated {
        container_id: String,
    },
    Started,
    Exec {
        exit_code: i32,
        output: String,
    },
    Http {
        status: u16,
    },
    Connected,
    Stopped,
    Removed,
    /// The call failed; `message` is the runtime's error text.
    Error {
        message: String,
    },
}

impl CriReply {
    /// The reply's kind, as CRI names its responses (for errors about a
    /// reply that does not fit its call).
    pub fn name(&self) -> &'static str {
        match self {
            CriReply::SandboxReady { .. } => "SandboxReady",
            CriReply::ImageStatus { .. } => "ImageStatus",
            CriReply::Pulled { .. } => "Pulled",
            CriReply::ContainerCreated { .. } => "ContainerCreated",
            CriReply::Started => "Started",
            CriReply::Exec { .. } => "Exec",
            CriReply::Http { .. } => "Http",
            CriReply::Connected => "Connected",
            CriReply::Stopped => "Stopped",
            CriReply::Removed => "Removed",
            CriReply::Error { .. } => "Error",
        }
    }
}

/// An image on the node, as the runtime knows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImageInfo {
    /// The full reference it was pulled by (`docker.io/library/nginx:1.27`):
    /// a container status's `image`.
    pub reference: String,
    /// Its id, as CRI's `imageRef` (`docker.io/library/nginx@sha256:…`): a
    /// container status's `imageID`.
    pub id: String,
    pub size_bytes: u64,
    /// The image's `USER` (CRI's `uid`/`username`), if it sets one.
    pub user: Option<String>,
}

/// The Pod-level settings of `RunPodSandbox`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SandboxConfig {
    pub pod_name: String,
    pub namespace: String,
    pub uid: String,
    /// The kernel hostname (ignored with hostNetwork).
    pub hostname: String,
    pub host_network: bool,
    pub host_pid: bool,
    pub host_ipc: bool,
    pub share_process_namespace: bool,
    /// Content of `/etc/resolv.conf` (the runtime writes it, as containerd does).
    pub resolv_conf: String,
    pub ports: Vec<PortMapping>,
    /// The Pod's cgroup as the kubelet names it (`/kubepods/besteffort/
    /// pod<uid>`), under the node's cgroup root; the sandbox and the
    /// containers go below it (CRI's `cgroup_parent`).
    pub cgroup_parent: String,
    /// The Pod cgroup's values (the kubelet's `ResourceConfigForPod`).
    pub resources: crate::kubelet::resources::LinuxResources,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortMapping {
    pub container_port: u16,
    pub host_port: u16,
    pub protocol: String,
}

/// One container's settings for `CreateContainer`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContainerConfig {
    pub name: String,
    pub image: String,
    /// The entrypoint override (`command`); empty keeps the image's.
    pub command: Vec<String>,
    /// `args`; empty keeps the image's.
    pub args: Vec<String>,
    pub working_dir: Option<String>,
    pub env: Vec<(String, String)>,
    pub mounts: Vec<Mount>,
    pub stdin: bool,
    pub tty: bool,
    /// 0 for the first instance, then one more per restart.
    pub attempt: u32,
    pub termination_message_path: String,
    /// Log file path on the node (`/var/log/pods/<ns>_<pod>_<uid>/<name>/<attempt>.log`).
    pub log_path: String,
    /// The ports the container declares (`ports[].containerPort`).
    pub ports: Vec<u16>,
    /// `securityContext.runAsUser` (the container's, else the Pod's); the
    /// image's user when unset.
    pub run_as_user: Option<u32>,
    /// The rest of the security context, as CRI's
    /// `LinuxContainerSecurityContext`.
    pub security: ContainerSecurity,
    /// The container cgroup's values (`calculateLinuxResources`).
    pub resources: crate::kubelet::resources::LinuxResources,
}

/// What the runtime enforces for one container (built by
/// `kubelet::security::effective`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ContainerSecurity {
    /// All capabilities, host devices, no masked paths, sysfs read-write.
    pub privileged: bool,
    /// `capabilities.add`/`drop` as written (`NET_ADMIN`, `ALL`).
    pub capabilities_add: Vec<String>,
    pub capabilities_drop: Vec<String>,
    /// `allowPrivilegeEscalation: false`.
    pub no_new_privs: bool,
    pub read_only_root: bool,
    /// `runAsGroup` (the container's, else the Pod's).
    pub run_as_group: Option<u32>,
    /// fsGroup, then `supplementalGroups`.
    pub supplemental_groups: Vec<u32>,
    /// The Pod's `fsGroup`: emptyDir volumes are owned by it.
    pub fs_group: Option<u32>,
    /// `seccompProfile`, the container's over the Pod's.
    pub seccomp: SeccompProfile,
}

/// CRI's `SecurityProfile` for seccomp, as the kubelet fills it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub enum SeccompProfile {
    /// No filter (the kubelet's default without `seccompDefault`).
    #[default]
    Unconfined,
    /// The runtime's own profile (containerd's default profile).
    RuntimeDefault,
    /// A profile file on the node, by absolute path
    /// (`<seccompProfileRoot>/<localhostProfile>`).
    Localhost(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mount {
    pub container_path: String,
    pub source: MountSource,
    pub read_only: bool,
    /// `subPath` within the volume, if any.
    pub sub_path: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum MountSource {
    /// A directory on the node (hostPath, or the kubelet's emptyDir
    /// directory): the path on the node's filesystem. `memory`: an emptyDir
    /// with `medium: Memory`, a tmpfs of that many bytes.
    NodePath { path: String, create: HostPathCreate, volume: String, memory: Option<u64> },
    /// A file the kubelet writes on the node and bind-mounts
    /// (`/etc/hosts`): its node path and content.
    KubeletFile { path: String, content: String },
    /// A downwardAPI or projected volume: a directory on the node the
    /// kubelet fills with these files (always mounted read-only).
    VolumeFiles { path: String, volume: String, files: Vec<VolumeFile> },
}

/// One file of a downwardAPI or projected volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VolumeFile {
    /// Relative to the volume (validation keeps it free of `..`).
    pub path: String,
    pub content: String,
    /// `items[].mode`, else the volume's `defaultMode` (0644).
    pub mode: u32,
}

/// What to do when a hostPath does not exist (`hostPath.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum HostPathCreate {
    /// emptyDir and `DirectoryOrCreate`: create the directory.
    Directory,
    /// `FileOrCreate`.
    File,
    /// `""` (no check) for hostPath: created as a directory, as the runtime
    /// does; checked types (`Directory`, `File`, …) must exist.
    MustExist,
    Unchecked,
}

/// A container's process ended (the runtime's event, like CRI container
/// events / PLEG).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContainerExit {
    pub container_id: String,
    pub exit_code: i32,
    /// `OOMKilled` when the runtime saw an OOM kill; otherwise derived from
    /// the exit code by the kubelet (`Completed`/`Error`).
    pub reason: Option<String>,
    /// The termination message file's content (at most 4096 bytes).
    pub termination_message: String,
    /// The container's last log lines (for `FallbackToLogsOnError`).
    pub log_tail: String,
    /// When the process ended (the kubelet may learn of it later).
    pub finished_at: crate::time::MonoTime,
}
