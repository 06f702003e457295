//! The guided path through the course's sections, in English and 简体中文.
//! Each lesson loads an example, says what to watch, and sets a small task
//! the app checks.

use crate::run::{Frame, Run};

/// The interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// The text in this language.
    pub fn t(self, en: &'static str, zh: &'static str) -> &'static str {
        self.pick(en, zh)
    }

    /// The BCP 47 tag: the page's `lang`, and how it is saved and shared.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "zh-CN" | "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The same choice for built text (`format!`).
    pub fn pick<T>(self, en: T, zh: T) -> T {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

pub struct Lesson {
    pub title: (&'static str, &'static str),
    /// Index into [`crate::examples::EXAMPLES`].
    pub example: usize,
    /// A change to the example's text before the lesson starts (from, to).
    pub variant: Option<(&'static str, &'static str)>,
    pub watch: (&'static str, &'static str),
    pub task: (&'static str, &'static str),
    /// Has the learner done the task?
    pub done: fn(&Seen) -> bool,
}

/// What a lesson's task is checked against: what the learner has on
/// screen (the app's state, seen from here, so that lessons do not depend
/// on the state that depends on them).
pub struct Seen<'a> {
    pub text: &'a str,
    /// The last valid simulation, and the instant shown.
    pub run: Option<&'a Run>,
    pub frame: usize,
    /// The text is invalid: the run is the last valid Pod's.
    pub stale: bool,
    /// The terminal's container and its exchanges.
    pub container: Option<&'a str>,
    pub terminal: &'a [(String, String)],
}

fn last_frame<'a>(seen: &Seen<'a>) -> Option<&'a Frame> {
    seen.run.and_then(|r| r.frames.last())
}

fn terminal_shows(seen: &Seen, needle: &str) -> bool {
    seen.terminal.iter().any(|(_, out)| out.contains(needle))
}

pub const LESSONS: &[Lesson] = &[
    Lesson {
        title: (
            "1. A Pod is a logical idea; the pause container is real",
            "1. Pod 是逻辑概念；Infra（pause）容器是真实的",
        ),
        example: 7,
        variant: None,
        watch: (
            "The sandbox comes first: a pause process that owns the net, IPC and UTS namespaces. Every container joins them. With shareProcessNamespace the PID namespace is shared too.",
            "最先创建的是沙箱：pause 进程持有 network、IPC、UTS Namespace，其他容器通过 Join 的方式加入。开启 shareProcessNamespace 后，PID Namespace 也是共享的。",
        ),
        task: (
            "In the terminal, run `ps ax` in the shell container and find /pause as PID 1.",
            "在终端里对 shell 容器执行 `ps ax`，找到 PID 为 1 的 /pause。",
        ),
        done: |s| terminal_shows(s, "    1 65535     0:00 /pause"),
    },
    Lesson {
        title: ("2. Containers share a volume", "2. 容器共享 Volume"),
        example: 0,
        variant: None,
        watch: (
            "The debian container writes index.html into the hostPath volume; nginx serves the same file from its own mount path. Watch the file write and the read in the picture.",
            "debian 容器把 index.html 写入 hostPath Volume，nginx 从自己的挂载路径读取并提供同一个文件。在图中观察文件的写入与读取。",
        ),
        task: (
            "Change the text the debian container writes, and check it with `curl -s localhost` in nginx-container.",
            "修改 debian 容器写入的文字，然后在 nginx-container 里执行 `curl -s localhost` 验证。",
        ),
        done: |s| {
            !s.text.contains("echo Hello from the debian container")
                && terminal_shows(s, "\n")
                && s.terminal.iter().any(|(c, _)| c.contains("curl"))
        },
    },
    Lesson {
        title: ("3. Init container and sidecar: WAR + Tomcat", "3. Init Container 与 sidecar：WAR 包 + Tomcat"),
        example: 1,
        variant: None,
        watch: (
            "The war init container copies /sample.war into the shared emptyDir and exits 0; only then does Tomcat start and deploy it.",
            "war 这个 Init Container 把 /sample.war 复制到共享的 emptyDir 后以 0 退出；之后 Tomcat 才启动并部署它。",
        ),
        task: (
            "Step back to the instant the Pod shows PodInitializing (the init container has finished).",
            "回退到 Pod 状态为 PodInitializing 的时刻（Init Container 已完成）。",
        ),
        done: |s| s.run.and_then(|r| r.frames.get(s.frame)).is_some_and(|f| f.status == "PodInitializing"),
    },
    Lesson {
        title: ("4. The logging sidecar", "4. 日志收集 sidecar"),
        example: 2,
        variant: None,
        watch: (
            "The app appends to /var/log/app.log; the log-shipper reads the same file through the shared volume and sends every line to Elasticsearch outside the cluster.",
            "应用不断写 /var/log/app.log；log-shipper 通过共享 Volume 读取同一文件，把每一行转发到集群外的 Elasticsearch。",
        ),
        task: ("Select the log-shipper container and read its log.", "选择 log-shipper 容器，查看它的日志。"),
        done: |s| s.container == Some("log-shipper"),
    },
    Lesson {
        title: ("5. The network sidecar", "5. 网络 sidecar"),
        example: 3,
        variant: None,
        watch: (
            "All containers share one network namespace: the sidecar reaches nginx at localhost, and the Pod has one IP.",
            "所有容器共享同一个 Network Namespace：sidecar 通过 localhost 访问 nginx，Pod 只有一个 IP。",
        ),
        task: ("From the prober container, run `wget -qO- localhost`.", "在 prober 容器里执行 `wget -qO- localhost`。"),
        done: |s| terminal_shows(s, "Welcome to nginx!"),
    },
    Lesson {
        title: ("6. nodeSelector: make this Pod schedule", "6. NodeSelector：让 Pod 调度成功"),
        example: 4,
        variant: Some(("disktype: ssd", "disktype: nvme")),
        watch: (
            "No node has the label disktype=nvme: the scheduler reports FailedScheduling and the Pod stays Pending (PodScheduled=False, Unschedulable).",
            "没有节点带 disktype=nvme 标签：调度器报告 FailedScheduling，Pod 一直 Pending（PodScheduled=False，Unschedulable）。",
        ),
        task: (
            "Edit the nodeSelector so that the Pod gets scheduled (node-1 has disktype=ssd).",
            "修改 nodeSelector，让 Pod 调度成功（node-1 带有 disktype=ssd）。",
        ),
        done: |s| !s.stale && last_frame(s).is_some_and(|f| f.picture.node.is_some()),
    },
    Lesson {
        title: ("7. hostAliases: make foo.remote resolve", "7. HostAliases：让 foo.remote 可以解析"),
        example: 6,
        variant: Some(("    - \"foo.remote\"\n", "")),
        watch: (
            "The kubelet writes /etc/hosts; hostAliases entries are appended under `# Entries added by HostAliases.`. Editing /etc/hosts inside the container would be lost.",
            "/etc/hosts 由 kubelet 管理；hostAliases 会追加在 `# Entries added by HostAliases.` 之后。在容器内直接修改 /etc/hosts，Pod 重建后会被覆盖。",
        ),
        task: (
            "Add foo.remote to the hostAliases so that it appears in /etc/hosts.",
            "在 hostAliases 中加入 foo.remote，使它出现在 /etc/hosts 里。",
        ),
        done: |s| {
            !s.stale
                && s.run
                    .as_ref()
                    .and_then(|r| r.pod.spec.as_ref())
                    .and_then(|spec| spec.host_aliases.as_ref())
                    .is_some_and(|aliases| {
                        aliases.iter().any(|a| a.hostnames.iter().flatten().any(|h| h == "foo.remote"))
                    })
        },
    },
    Lesson {
        title: ("8. Host namespaces", "8. 共享宿主机的 Namespace"),
        example: 8,
        variant: None,
        watch: (
            "hostNetwork, hostIPC and hostPID put the Pod in the node's namespaces: the node's interfaces, its processes (init, containerd, kubelet) and its hosts file.",
            "hostNetwork、hostIPC、hostPID 让 Pod 直接使用宿主机的 Namespace：宿主机的网卡、进程（init、containerd、kubelet）以及 hosts 文件。",
        ),
        task: (
            "In the shell container, run `ps ax` and find the kubelet.",
            "在 shell 容器里执行 `ps ax`，找到 kubelet 进程。",
        ),
        done: |s| terminal_shows(s, "/usr/bin/kubelet"),
    },
    Lesson {
        title: ("9. Container fields and imagePullPolicy", "9. 容器字段与 ImagePullPolicy"),
        example: 9,
        variant: None,
        watch: (
            "Always pulls every time; IfNotPresent uses the node's copy; Never never pulls. An image with no tag defaults to Always.",
            "Always 每次都拉取；IfNotPresent 使用节点上已有的镜像；Never 从不拉取。没有 tag 的镜像默认是 Always。",
        ),
        task: (
            "Make the reader container fail with ErrImageNeverPull (give it an image the node does not have).",
            "让 reader 容器出现 ErrImageNeverPull（换一个节点上没有的镜像）。",
        ),
        done: |s| last_frame(s).is_some_and(|f| f.status == "ErrImageNeverPull"),
    },
    Lesson {
        title: ("10. Lifecycle hooks", "10. 生命周期钩子"),
        example: 10,
        variant: None,
        watch: (
            "postStart runs right after the container starts and blocks its status; preStop runs before the stop signal, and the kubelet waits for it.",
            "postStart 在容器启动后立即执行，执行完之前容器不算 Running；preStop 在发送停止信号之前执行，kubelet 会等待它完成。",
        ),
        task: (
            "Delete the Pod (Break things) and watch preStop run `nginx -s quit`.",
            "删除 Pod（Break things），观察 preStop 执行 `nginx -s quit`。",
        ),
        done: |s| s.run.is_some_and(|r| r.interventions.iter().any(|(_, i)| *i == crate::run::Intervention::Delete)),
    },
    Lesson {
        title: ("11. Phase and conditions", "11. Pod 的 phase 与 conditions"),
        example: 11,
        variant: None,
        watch: (
            "With restartPolicy Never the Pod ends Succeeded when every container exits 0, Failed when one exits non-zero.",
            "restartPolicy 为 Never 时，所有容器以 0 退出则 Pod 为 Succeeded，有容器非 0 退出则为 Failed。",
        ),
        task: ("Make the Pod end Failed instead of Succeeded.", "让 Pod 最终变成 Failed，而不是 Succeeded。"),
        done: |s| !s.stale && last_frame(s).is_some_and(|f| f.phase == "Failed"),
    },
    Lesson {
        title: ("12. Memory limits and OOMKilled", "12. 内存限制与 OOMKilled"),
        example: 13,
        variant: None,
        watch: (
            "limits.memory is the container's memory cgroup limit. Past it the kernel's OOM killer ends the container: Reason OOMKilled, exit code 137, then the kubelet restarts it with back-off.",
            "limits.memory 就是容器 memory cgroup 的上限。超过它，内核的 OOM killer 会杀掉容器：Reason 为 OOMKilled，退出码 137，随后 kubelet 按退避策略重启它。",
        ),
        task: (
            "Make stress allocate more than the limit (raise --vm-bytes to 250M) and see STATUS OOMKilled.",
            "让 stress 申请超过上限的内存（把 --vm-bytes 调到 250M），看到 STATUS 变为 OOMKilled。",
        ),
        done: |s| !s.stale && s.run.is_some_and(|r| r.frames.iter().any(|f| f.status == "OOMKilled")),
    },
];

/// The lesson's starting text, from its example's text.
pub fn lesson_text(lesson: &Lesson, example: &str) -> String {
    match lesson.variant {
        Some((from, to)) => example.replacen(from, to, 1),
        None => example.to_string(),
    }
}
