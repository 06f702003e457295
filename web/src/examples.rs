//! The course's examples, embedded (the same files as `examples/`).

pub struct Example {
    pub file: &'static str,
    pub title: &'static str,
    pub yaml: &'static str,
}

macro_rules! example {
    ($file:literal, $title:literal) => {
        Example { file: $file, title: $title, yaml: include_str!(concat!("../../examples/", $file, ".yaml")) }
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
];
