//! The story's words in 中文: [`Note::zh`] says what [`Note::step`] says,
//! with the glossary's terms (Volume, Namespace, 节点, 镜像, 容器). The
//! facts are the same; kubectl's and the CRI's own words (events, calls,
//! states) stay as Kubernetes prints them.

use super::note::{MountOf, Note, NsJoin, NsOwner};
use super::words::{self, one_line, short_id, show_argv, signal_name};

impl Note {
    /// The step's text in 中文 ([`Note::step`] uses it only where it makes
    /// a step).
    pub fn zh(&self) -> Option<String> {
        Some(match self {
            Note::NodeUp { node, ip, pod_cidr } => {
                format!(
                    "节点 {node}（{ip}，Pod CIDR {pod_cidr}）已启动：init、containerd 和 kubelet 运行在节点自己的 Namespace 里"
                )
            }
            Note::SandboxCreated { sandbox_id, pod_name, pause_pid, net, ipc, uts, pid, ip, network } => {
                let held = |kind: &str, ns: &NsJoin| match ns.owner {
                    NsOwner::Node => format!("{kind}：节点的（{kind}:[{}]）", ns.id),
                    _ => format!("{kind}:[{}]", ns.id),
                };
                let ip = if ip.is_empty() { "无：其网络命名空间只有回环接口" } else { ip };
                let mut text = format!(
                    "为 {pod_name} 创建沙箱 {}：pause 进程（节点上的 PID {pause_pid}）持有 {}、{}、{}、{}；Pod IP {ip}",
                    short_id(sandbox_id),
                    held("net", net),
                    held("ipc", ipc),
                    held("uts", uts),
                    held("pid", pid),
                );
                if let Some(cni) = network {
                    text.push_str(&format!(
                        "；CNI bridge 插件：veth 对 {}（接在 cni0 上）↔ Pod 里的 eth0，host-local IPAM 分配 {ip}/{}，默认路由经 {}",
                        cni.host_veth, cni.prefix, cni.gateway
                    ));
                }
                text
            }
            Note::SandboxStopping { sandbox_id } => format!("停止沙箱 {}：向 pause 发送 SIGTERM", short_id(sandbox_id)),
            Note::SandboxRemoved { sandbox_id } => format!("已删除沙箱 {} 及其网络 Namespace", short_id(sandbox_id)),
            Note::ImagePulling { reference, size_bytes } => format!("正在拉取镜像 {reference}（{size_bytes} 字节）"),
            Note::ImagePulled { reference } => format!("已拉取镜像 {reference}"),
            Note::ContainerCreated { name, container_id, image, argv, unknown_image } => {
                let mut text =
                    format!("从镜像 {image} 创建容器 {name}（{}）：命令 {}", short_id(container_id), show_argv(argv));
                if *unknown_image {
                    text.push_str(&format!(" — 镜像 {image} 不在 podplay 的目录中，因此运行一个通用的常驻进程"));
                }
                text
            }
            Note::Mounted { container, target, source, what } => match what {
                MountOf::Volume { name, read_only } => {
                    format!(
                        "{container}：挂载 {target} → {source}（Volume {name}）{}",
                        if *read_only { "，只读" } else { "" }
                    )
                }
                MountOf::KubeletFile => format!("{container}：挂载 {target} → {source}（由 kubelet 管理）"),
            },
            Note::ContainerStarted { .. } => self.started_zh(),
            Note::ContainerExited { name, exit_code } => format!("容器 {name} 退出，退出码 {exit_code}"),
            Note::ExecStarted { container, command } => format!("在 {container} 中执行：{}", command.join(" ")),
            Note::StopSignalSent { container, signal, timeout } => {
                format!("停止 {container}：向它的第一个进程发送 SIG{}，{timeout} 后发送 SIGKILL", signal_name(*signal))
            }
            Note::GraceExpired { container } => format!("宽限期结束：向 {container} 发送 SIGKILL"),
            Note::SignalSentByUser { container, signal } => {
                format!("向 {container} 的第一个进程发送 SIG{}", signal_name(*signal))
            }
            _ => return self.process_zh(),
        })
    }

    fn started_zh(&self) -> String {
        let Note::ContainerStarted { name, argv, pid_in_container, pid_on_node, net, uts, ipc, pid, mnt } = self else {
            return String::new();
        };
        let joined = match net.owner {
            NsOwner::Node => "节点的 net 和 uts".to_string(),
            _ => format!("pause 容器的 net:[{}]、uts:[{}]", net.id, uts.id),
        };
        let ipc = match ipc.owner {
            NsOwner::Node => "节点的 ipc".to_string(),
            _ => format!("ipc:[{}]", ipc.id),
        };
        let pid_text = match pid.owner {
            NsOwner::Node => "节点的 PID Namespace".to_string(),
            NsOwner::Pod => format!("Pod 共享的 pid:[{}]（pause 是 PID 1）", pid.id),
            NsOwner::Container => format!("自己的 pid:[{}]", pid.id),
        };
        format!(
            "启动 {name}：`{}` 是它 PID Namespace 里的 PID {pid_in_container}（节点上的 PID {pid_on_node}）；加入 {joined}、{ipc}；{pid_text}；自己的 mnt:[{mnt}]",
            one_line(&argv.join(" "))
        )
    }

    fn process_zh(&self) -> Option<String> {
        Some(match self {
            Note::ProcessStarted { pid, argv, .. } => {
                format!("进程 {} 已启动（节点上的 PID {pid}）", one_line(&argv.join(" ")))
            }
            Note::ProcessExited { pid, status, .. } => format!("进程 {pid} 退出，状态 {status}"),
            Note::SignalDelivered { pid, signal, .. } => format!("SIG{} 已送达 PID {pid}", signal_name(*signal)),
            Note::OomKilled { pid, process, process_bytes, usage_bytes, limit_bytes, .. } => {
                let (usage, limit) = (words::bytes(*usage_bytes), words::bytes(*limit_bytes));
                let over = if usage == limit {
                    format!("超过 {limit} 的限制")
                } else {
                    format!("{usage}，超过 {limit} 的限制")
                };
                format!(
                    "内存不足：内存 cgroup 将占用{over}；OOM killer 杀死 PID {pid}（{process}，占用 {}），并且因为设置了 memory.oom.group，容器的其他进程也一并被杀死（SIGKILL）",
                    words::bytes(*process_bytes)
                )
            }
            Note::SignalIgnored { pid, signal, .. } => format!(
                "发给 PID {pid} 的 SIG{} 被忽略：它是所在 PID Namespace 的 PID 1，且没有处理这个信号",
                signal_name(*signal)
            ),
            Note::FileWritten { volume, path, bytes, .. } => format!("向 {path} 写入 {bytes} 字节（Volume {volume}）"),
            Note::FileRead { volume, path, bytes, .. } => format!("从 {path} 读取 {bytes} 字节（Volume {volume}）"),
            Note::Connected { from, to, ip, port, same_netns } => {
                let how = if *same_netns { "经由 Pod 共享的网络 Namespace" } else { "跨越网络 Namespace" };
                format!("{} 连接到 {}（{ip}:{port}），{how}", from.name(), to.name())
            }
            Note::Responded { server, client, summary, .. } => {
                format!("{} 回应了 {}：{summary}", server.name(), client.name())
            }
            Note::Listening { port, .. } => format!("在端口 {port} 上监听"),
            _ => return None,
        })
    }
}
