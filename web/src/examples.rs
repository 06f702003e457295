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
    pub title: &'static str,
    /// The text, for tests.
    #[cfg(test)]
    pub yaml: &'static str,
}

macro_rules! example {
    ($file:literal, $title:literal) => {
        Example {
            file: $file,
            title: $title,
            #[cfg(test)]
            yaml: include_str!(concat!("../../examples/", $file, ".yaml")),
        }
    };
}

pub const EXAMPLES: &[Example] = &[
    example!("nginx-pod", "Two containers share a hostPath volume"),
    example!("war-tomcat-pod", "Init container copies a WAR for Tomcat"),
    example!("logging-sidecar", "Logging sidecar ships logs out"),
    example!("network-sidecar", "Network sidecar over localhost"),
    example!("node-selector", "nodeSelector: disktype=ssd"),
    example!("node-name", "nodeName bypasses the scheduler"),
    example!("host-aliases", "hostAliases in /etc/hosts"),
    example!("share-process-namespace", "shareProcessNamespace: ps shows /pause"),
    example!("host-namespaces", "hostNetwork, hostIPC, hostPID"),
    example!("container-fields", "Container fields and imagePullPolicy"),
    example!("lifecycle-hooks", "postStart and preStop hooks"),
    example!("pod-succeeded", "A Pod that ends Succeeded"),
    example!("pod-failed", "A Pod that ends Failed"),
    example!("memory-limit", "A memory limit and the OOM killer"),
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
