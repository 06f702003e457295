//! Command-line arguments (clap), one struct per subcommand.

use std::path::PathBuf;

#[derive(clap::Parser)]
#[command(
    name = "podplay",
    version,
    about = "Learn how a Kubernetes Pod really works: validate, explain, simulate and run Pods",
    long_about = "podplay reads Pod YAML exactly as the Kubernetes 1.37 API server would: strict fields, \
                  defaulting and validation, every mistake at its line and column."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Check Pod (and Node) YAML as `kubectl apply --validate=strict` and the API server would.
    Validate(ValidateArgs),
    /// Show the documentation of a field, like `kubectl explain`, offline.
    Explain(ExplainArgs),
    /// Simulate the Pod step by step: scheduler, kubelet, the pause container, namespaces, processes, files, network.
    Sim(SimArgs),
    /// Run the Pod for real on this machine (Linux, as root): a real pause process, namespaces, mounts and processes.
    Exec(ExecArgs),
    /// kubectl's commands for the Pods `podplay exec` runs, from another terminal: get, describe, logs, exec, delete.
    #[command(subcommand)]
    Kubectl(KubectlCommand),
    /// Remove what a `podplay exec` that was killed (SIGKILL) left behind: mounts and state.
    Gc {
        /// The state directory (default /run/podplay, or PODPLAY_ROOT).
        #[arg(long, env = "PODPLAY_ROOT", default_value = "/run/podplay")]
        root: PathBuf,
    },
    /// Manage the images `podplay exec` runs: import, list, remove.
    #[command(subcommand)]
    Image(ImageCommand),
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// YAML files to check (`-` reads standard input). A file may hold several documents.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: Output,
    /// Print each valid Pod as the API server would store it, with every default filled in.
    #[arg(long)]
    pub show_defaults: bool,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A resource and field path: `pod.spec.hostAliases`, `pods.spec.containers.lifecycle.preStop`.
    pub field: String,
    /// Print the fields of fields, as a tree.
    #[arg(long)]
    pub recursive: bool,
}

#[derive(clap::Args)]
pub struct SimArgs {
    /// The Pod YAML (it may also hold `kind: Node` documents that make up the cluster).
    pub file: PathBuf,
    /// A YAML file of `kind: Node` documents: the cluster (default: node-1 ssd, node-2 hdd, node-3).
    #[arg(long)]
    pub nodes: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// What `sim` and `exec` share: where to stop and what to show there.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Stop at: Running, Ready, Succeeded, Failed, or a time like 30s, 2m, 1h (sim: default stable or terminal;
    /// exec: default until the Pod ends or Ctrl-C, then the Pod is deleted gracefully and cleaned up).
    #[arg(long)]
    pub until: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: Output,
    /// Run a command in this container at the `--until` point (the command follows `--`); prints only its output.
    #[arg(long, requires = "command")]
    pub exec: Option<String>,
    /// Print this container's log at the `--until` point.
    #[arg(long)]
    pub logs: Option<String>,
    /// With --logs: the previous instance's log.
    #[arg(long)]
    pub previous: bool,
    /// Show every step (child processes, every repetition of a periodic read or request).
    #[arg(long, short)]
    pub verbose: bool,
    /// Delete the Pod at the `--until` point and follow its termination.
    #[arg(long)]
    pub delete: bool,
    /// The command for --exec.
    #[arg(last = true)]
    pub command: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExecArgs {
    /// The Pod YAML.
    pub file: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    /// The longest the whole run may take (like 30s, 5m); then the Pod is killed and cleaned up.
    #[arg(long)]
    pub timeout: Option<String>,
    /// The kubelet's --pod-max-pids: the most processes a Pod may have (pids.max of its cgroup); -1 for no limit.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub pod_max_pids: i64,
    /// A registry (`host:port`) image pulls speak plain HTTP to; loopback registries always are.
    #[arg(long = "insecure-registry")]
    pub insecure_registries: Vec<String>,
    /// The node's pod CIDR: the bridge takes its first address, Pods the next ones.
    #[arg(long, default_value = "10.244.0.0/24")]
    pub pod_cidr: String,
    /// The kubelet's --seccomp-profile-root: where `Localhost` seccomp profiles are.
    #[arg(long, default_value = "/var/lib/kubelet/seccomp")]
    pub seccomp_profile_root: PathBuf,
    /// The state directory (default /run/podplay, or PODPLAY_ROOT).
    #[arg(long, env = "PODPLAY_ROOT", default_value = "/run/podplay")]
    pub root: PathBuf,
    /// The image store (default /var/lib/podplay, or PODPLAY_IMAGES).
    #[arg(long, env = "PODPLAY_IMAGES", default_value = "/var/lib/podplay")]
    pub images: PathBuf,
}

#[derive(clap::Subcommand)]
pub enum ImageCommand {
    /// Import a docker-save archive, an OCI image layout (directory or tar), or a root filesystem (tar or directory).
    Import {
        path: PathBuf,
        /// The image's name (`busybox`, `example.com/app:1.0`); needed for a plain root filesystem.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, env = "PODPLAY_IMAGES", default_value = "/var/lib/podplay")]
        images: PathBuf,
    },
    /// Pull an image from a registry (the OCI distribution API): `podplay image pull nginx`.
    Pull {
        reference: String,
        /// A registry (`host:port`) to speak plain HTTP to; loopback registries always are.
        #[arg(long = "insecure-registry")]
        insecure_registries: Vec<String>,
        #[arg(long, env = "PODPLAY_IMAGES", default_value = "/var/lib/podplay")]
        images: PathBuf,
    },
    /// List the images in the store.
    Ls {
        #[arg(long, env = "PODPLAY_IMAGES", default_value = "/var/lib/podplay")]
        images: PathBuf,
    },
    /// Remove an image (its layers go when no other image uses them).
    Rm {
        reference: String,
        #[arg(long, env = "PODPLAY_IMAGES", default_value = "/var/lib/podplay")]
        images: PathBuf,
    },
}

/// The state directory `podplay exec` runs keep, as a flag.
#[derive(clap::Args, Clone)]
pub struct RootArg {
    /// The state directory of `podplay exec` (default /run/podplay, or PODPLAY_ROOT).
    #[arg(long, env = "PODPLAY_ROOT", default_value = "/run/podplay")]
    pub root: PathBuf,
}

/// kubectl's commands, answered by the `podplay exec` that runs the Pod.
#[derive(clap::Subcommand)]
pub enum KubectlCommand {
    /// `kubectl get pods [NAME] [-o wide|json]`.
    Get {
        /// `pods` (or `pod`, `po`).
        resource: String,
        name: Option<String>,
        /// `wide` or `json`.
        #[arg(short = 'o', long)]
        output: Option<String>,
        #[command(flatten)]
        root: RootArg,
    },
    /// `kubectl describe pod NAME`.
    Describe {
        resource: String,
        name: String,
        #[command(flatten)]
        root: RootArg,
    },
    /// `kubectl logs NAME [-c CONTAINER] [-p] [-f]`.
    Logs {
        name: String,
        #[arg(short = 'c', long)]
        container: Option<String>,
        /// The previous instance's log.
        #[arg(short = 'p', long)]
        previous: bool,
        /// Keep printing as the container writes, until it ends.
        #[arg(short = 'f', long)]
        follow: bool,
        #[command(flatten)]
        root: RootArg,
    },
    /// `kubectl exec NAME [-c CONTAINER] -- COMMAND…`.
    Exec {
        name: String,
        #[arg(short = 'c', long)]
        container: Option<String>,
        /// Pass stdin to the command.
        #[arg(short = 'i', long)]
        stdin: bool,
        /// Give the command a terminal (when stdin is one).
        #[arg(short = 't', long)]
        tty: bool,
        #[arg(last = true)]
        command: Vec<String>,
        #[command(flatten)]
        root: RootArg,
    },
    /// `kubectl top pod [NAME] [--containers]`: CPU and memory from the Pod's cgroups.
    Top {
        /// `pod` (or `pods`, `po`).
        resource: String,
        name: Option<String>,
        /// One line per container.
        #[arg(long)]
        containers: bool,
        #[command(flatten)]
        root: RootArg,
    },
    /// `kubectl delete pod NAME`: graceful deletion, answered once the Pod is gone.
    Delete {
        resource: String,
        name: String,
        #[command(flatten)]
        root: RootArg,
    },
}
