//! The course's examples (the files of `examples/`).
//!
//! The first one is built in: the page opens with it. The others are
//! fetched from the site (trunk copies `examples/` beside `index.html`) when
//! the learner picks one, and kept: their 20 KB (6.5 KB gzipped) stay out of
//! the first load. Tests have every text built in (`Example::yaml`).

use std::cell::RefCell;
use std::rc::Rc;

pub struct Example {
    pub file: &'static str,
    /// The title in English and in Chinese (the lessons' words for the
    /// same things).
    pub title: (&'static str, &'static str),
    /// The text, for tests.
    #[cfg(test)]
    pub yaml: &'static str,
}

macro_rules! example {
    ($file:literal, $en:literal, $zh:literal) => {
        Example {
            file: $file,
            title: ($en, $zh),
            #[cfg(test)]
            yaml: include_str!(concat!("../../examples/", $file, ".yaml")),
        }
    };
}

pub const EXAMPLES: &[Example] = &[
    example!("nginx-pod", "Two containers share a hostPath volume", "两个容器共享一个 hostPath Volume"),
    example!("war-tomcat-pod", "Init container copies a WAR for Tomcat", "Init Container 为 Tomcat 拷贝 WAR 包"),
    example!("logging-sidecar", "Logging sidecar ships logs out", "日志收集 sidecar 把日志发出去"),
    example!("network-sidecar", "Network sidecar over localhost", "通过 localhost 通信的网络 sidecar"),
    example!("node-selector", "nodeSelector: disktype=ssd", "NodeSelector：disktype=ssd"),
    example!("node-name", "nodeName bypasses the scheduler", "NodeName 绕过调度器"),
    example!("host-aliases", "hostAliases in /etc/hosts", "/etc/hosts 里的 HostAliases"),
    example!(
        "share-process-namespace",
        "shareProcessNamespace: ps shows /pause",
        "shareProcessNamespace：ps 看得到 /pause"
    ),
    example!(
        "host-namespaces",
        "hostNetwork, hostIPC, hostPID",
        "共享宿主机的 Namespace：hostNetwork、hostIPC、hostPID"
    ),
    example!("container-fields", "Container fields and imagePullPolicy", "容器字段与 ImagePullPolicy"),
    example!("lifecycle-hooks", "postStart and preStop hooks", "postStart 与 preStop 钩子"),
    example!("pod-succeeded", "A Pod that ends Succeeded", "以 Succeeded 结束的 Pod"),
    example!("pod-failed", "A Pod that ends Failed", "以 Failed 结束的 Pod"),
    example!("memory-limit", "A memory limit and the OOM killer", "内存限制与 OOM killer"),
];

/// The first example's text, built in.
pub const FIRST: &str = include_str!("../../examples/nginx-pod.yaml");

thread_local! {
    /// The texts fetched so far, by index.
    static FETCHED: RefCell<Vec<Option<Rc<str>>>> = const { RefCell::new(Vec::new()) };
}

/// The text of example `index`, if it is built in or was fetched.
pub fn text(index: usize) -> Option<Rc<str>> {
    if index == 0 {
        return Some(Rc::from(FIRST));
    }
    FETCHED.with(|f| f.borrow().get(index).cloned().flatten())
}

/// Keeps a fetched text (the browser tests also preload texts with it).
pub fn remember(index: usize, text: &str) {
    if index >= EXAMPLES.len() {
        return;
    }
    FETCHED.with(|f| {
        let mut f = f.borrow_mut();
        if f.len() <= index {
            f.resize(index + 1, None);
        }
        f[index] = Some(Rc::from(text));
    });
}

/// Where the site serves example `index`, relative to the page.
pub fn url(index: usize) -> Option<String> {
    EXAMPLES.get(index).map(|e| format!("examples/{}.yaml", e.file))
}
