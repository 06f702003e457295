//! The files a Pod's containers find that the kubelet and the runtime write
//! for them: `/etc/hosts` (kubelet), `/etc/hostname` and `/etc/resolv.conf`
//! (runtime, from the kubelet's sandbox config), and the hostname itself.
//!
//! Sources: `pkg/kubelet/kubelet_pods.go` (`GeneratePodHostNameAndDomain`,
//! `truncatePodHostnameIfNeeded`, `managedHostsFileContent`,
//! `nodeHostsFileContent`, `hostsEntriesFromHostAliases`, `makeMounts`),
//! `pkg/util/node` `GetNodenameForKernel`, `pkg/kubelet/network/dns/dns.go`
//! (`GetPodDNS`, `getPodDNSType`, `generateSearchesForDNSClusterFirst`,
//! `appendDNSConfig`, `mergeDNSOptions`, `formDNSConfigFitsLimits`,
//! `parseResolvConf`), containerd `parseDNSOptions`.

use k8s_openapi::api::core::v1::{Container, HostAlias, Pod, PodDNSConfig};

use crate::quote::go_quote;
use crate::validation::dns1123_label;

/// The kubelet's `--cluster-domain`.
pub const CLUSTER_DOMAIN: &str = "cluster.local";
/// The kubelet's `--cluster-dns` (the kube-dns Service IP).
pub const CLUSTER_DNS: &str = "10.96.0.10";

/// Where the kubelet's hosts file is mounted.
pub const ETC_HOSTS_PATH: &str = "/etc/hosts";

const MANAGED_HOSTS_HEADER: &str = "# Kubernetes-managed hosts file.\n";
const MANAGED_HOSTS_HEADER_WITH_HOST_NETWORK: &str = "# Kubernetes-managed hosts file (host network).\n";

/// `MaxDNSNameservers`.
pub const MAX_DNS_NAMESERVERS: usize = 3;
/// `MaxDNSSearchPathsExpanded` (`ExpandedDNSConfig` is GA).
pub const MAX_DNS_SEARCH_PATHS: usize = 32;
/// `MaxDNSSearchListCharsExpanded`.
pub const MAX_DNS_SEARCH_LIST_CHARS: usize = 2048;
/// Search paths longer than a DNS subdomain are dropped.
const MAX_DNS_SEARCH_PATH_LEN: usize = 253;

/// The Pod's namespace, `default` when unset.
pub fn pod_namespace(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().filter(|n| !n.is_empty()).unwrap_or("default")
}

/// The Pod's hostname and, with `spec.subdomain`, its FQDN
/// (`<hostname>.<subdomain>.<namespace>.svc.cluster.local`).
///
/// The hostname is `spec.hostname`, else `metadata.name`, cut to 63
/// characters and then stripped of trailing `-` and `.`. (Validation has
/// already refused invalid `hostname`/`subdomain` values; if one slips
/// through, it is used as is.)
pub fn pod_hostname(pod: &Pod) -> (String, Option<String>) {
    let (hostname, domain) = match pod_hostname_and_domain(pod, CLUSTER_DOMAIN) {
        Ok(pair) => pair,
        Err(_) => {
            let spec = pod.spec.as_ref();
            let hostname = spec
                .and_then(|s| s.hostname.clone())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| pod.metadata.name.clone().unwrap_or_default());
            let domain = spec
                .and_then(|s| s.subdomain.as_deref())
                .filter(|s| !s.is_empty())
                .map(|s| format!("{s}.{}.svc.{CLUSTER_DOMAIN}", pod_namespace(pod)));
            (truncate_hostname(&hostname), domain)
        }
    };
    let fqdn = domain.map(|d| format!("{hostname}.{d}"));
    (hostname, fqdn)
}

/// `GeneratePodHostNameAndDomain`: the hostname and the domain
/// (`<subdomain>.<namespace>.svc.<clusterDomain>`, `None` without a
/// subdomain), or the kubelet's error for an invalid hostname or subdomain.
pub fn pod_hostname_and_domain(pod: &Pod, cluster_domain: &str) -> Result<(String, Option<String>), String> {
    let spec = pod.spec.as_ref();
    let mut hostname = pod.metadata.name.clone().unwrap_or_default();
    if let Some(h) = spec.and_then(|s| s.hostname.as_deref()).filter(|h| !h.is_empty()) {
        if let Some(msg) = dns_label_error(h) {
            return Err(format!("pod Hostname {} is not a valid DNS label: {msg}", go_quote(h)));
        }
        hostname = h.to_string();
    }
    let truncated = truncate_hostname(&hostname);
    if truncated.is_empty() && !hostname.is_empty() {
        return Err(format!(
            "hostname for pod {} was invalid: {}",
            go_quote(pod.metadata.name.as_deref().unwrap_or("")),
            go_quote(&hostname)
        ));
    }
    let hostname = truncated;
    let mut domain = None;
    if let Some(sub) = spec.and_then(|s| s.subdomain.as_deref()).filter(|s| !s.is_empty()) {
        if let Some(msg) = dns_label_error(sub) {
            return Err(format!("pod Subdomain {} is not a valid DNS label: {msg}", go_quote(sub)));
        }
        domain = Some(format!("{sub}.{}.svc.{cluster_domain}", pod_namespace(pod)));
    }
    Ok((hostname, domain))
}

/// `IsDNS1123Label`'s errors joined as the kubelet prints them, if any.
fn dns_label_error(s: &str) -> Option<String> {
    let errors = dns1123_label(s);
    (!errors.is_empty()).then(|| errors.join(";"))
}

/// `truncatePodHostnameIfNeeded`: at most 63 bytes, then no trailing `-`
/// or `.`.
pub fn truncate_hostname(hostname: &str) -> String {
    const MAX: usize = 63;
    if hostname.len() <= MAX {
        return hostname.to_string();
    }
    let mut end = MAX;
    while !hostname.is_char_boundary(end) {
        end -= 1;
    }
    hostname[..end].trim_end_matches(['-', '.']).to_string()
}

/// The hostname the containers' kernel reports (`hostname`, `uname -n`),
/// for a Pod not on the host network: the hostname, or with
/// `setHostnameAsFQDN: true` and a subdomain the FQDN, which must fit the
/// kernel's 64 bytes (`GetNodenameForKernel`). hostNetwork Pods see the
/// node's hostname instead.
pub fn kernel_hostname(pod: &Pod) -> Result<String, String> {
    const FQDN_MAX: usize = 64;
    let (hostname, domain) = pod_hostname_and_domain(pod, CLUSTER_DOMAIN)?;
    let as_fqdn = pod.spec.as_ref().and_then(|s| s.set_hostname_as_fqdn) == Some(true);
    match domain {
        Some(domain) if as_fqdn => {
            let fqdn = format!("{hostname}.{domain}");
            if fqdn.len() > FQDN_MAX {
                return Err(format!(
                    "failed to construct FQDN from pod hostname and cluster domain, FQDN {fqdn} is too long ({FQDN_MAX} characters is the max, {} characters requested)",
                    fqdn.len()
                ));
            }
            Ok(fqdn)
        }
        _ => Ok(hostname),
    }
}

/// `/etc/hostname` as containerd writes it: the hostname and a newline.
pub fn hostname_file(hostname: &str) -> String {
    format!("{hostname}\n")
}

/// The Pod's `/etc/hosts` (not on the host network): header, the fixed
/// localhost entries, one line per Pod IP (`<ip>\t<hostname>`, or
/// `<ip>\t<hostname>.<domain>\t<hostname>` with a subdomain), then the
/// HostAliases section. Separators are single tabs.
pub fn hosts_file(pod: &Pod, pod_ips: &[String], host_aliases: &[HostAlias]) -> String {
    let (hostname, fqdn) = pod_hostname(pod);
    let domain = fqdn.as_deref().and_then(|f| f.strip_prefix(hostname.as_str())).and_then(|d| d.strip_prefix('.'));
    managed_hosts_file(pod_ips, &hostname, domain, host_aliases)
}

/// `managedHostsFileContent`, from its parts.
pub fn managed_hosts_file(
    pod_ips: &[String],
    hostname: &str,
    domain: Option<&str>,
    host_aliases: &[HostAlias],
) -> String {
    let mut out = String::from(MANAGED_HOSTS_HEADER);
    out.push_str("127.0.0.1\tlocalhost\n");
    out.push_str("::1\tlocalhost ip6-localhost ip6-loopback\n");
    out.push_str("fe00::0\tip6-localnet\n");
    out.push_str("fe00::0\tip6-mcastprefix\n");
    out.push_str("fe00::1\tip6-allnodes\n");
    out.push_str("fe00::2\tip6-allrouters\n");
    for ip in pod_ips {
        match domain.filter(|d| !d.is_empty()) {
            Some(domain) => out.push_str(&format!("{ip}\t{hostname}.{domain}\t{hostname}\n")),
            None => out.push_str(&format!("{ip}\t{hostname}\n")),
        }
    }
    out.push_str(&host_aliases_entries(host_aliases));
    out
}

/// A hostNetwork Pod's `/etc/hosts`: the kubelet's header, the node's own
/// hosts file verbatim, then the HostAliases section.
pub fn host_network_hosts_file(node_hosts: &str, host_aliases: &[HostAlias]) -> String {
    let mut out = String::from(MANAGED_HOSTS_HEADER_WITH_HOST_NETWORK);
    out.push_str(node_hosts);
    out.push_str(&host_aliases_entries(host_aliases));
    out
}

/// `hostsEntriesFromHostAliases`: nothing without aliases; otherwise an
/// empty line, `# Entries added by HostAliases.`, and one line per alias:
/// the IP and all its hostnames, tab-separated, in the given order.
pub fn host_aliases_entries(host_aliases: &[HostAlias]) -> String {
    if host_aliases.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n# Entries added by HostAliases.\n");
    for alias in host_aliases {
        let names = alias.hostnames.as_deref().unwrap_or(&[]).join("\t");
        out.push_str(&format!("{}\t{names}\n", alias.ip));
    }
    out
}

/// Whether the kubelet bind-mounts its hosts file into `container`: not
/// when the container mounts something at `/etc/hosts` itself, nor while
/// the Pod has no IP yet (`makeMounts`).
pub fn mounts_hosts_file(container: &Container, pod_ips_known: bool) -> bool {
    pod_ips_known && !container.volume_mounts.iter().flatten().any(|m| m.mount_path == ETC_HOSTS_PATH)
}

/// A warning the kubelet records while forming a Pod's DNS config
/// (reason `DNSConfigForming`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsWarning {
    pub reason: String,
    pub message: String,
}

/// The DNS settings the kubelet hands the runtime (CRI `DNSConfig`), and its
/// warnings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodDns {
    pub nameservers: Vec<String>,
    pub searches: Vec<String>,
    pub options: Vec<String>,
    pub warnings: Vec<DnsWarning>,
}

impl PodDns {
    /// containerd's `parseDNSOptions`: `search …`, one `nameserver` line per
    /// server, `options …`; each line only when non-empty.
    pub fn to_resolv_conf(&self) -> String {
        let mut out = String::new();
        if !self.searches.is_empty() {
            out.push_str(&format!("search {}\n", self.searches.join(" ")));
        }
        for server in &self.nameservers {
            out.push_str(&format!("nameserver {server}\n"));
        }
        if !self.options.is_empty() {
            out.push_str(&format!("options {}\n", self.options.join(" ")));
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.nameservers.is_empty() && self.searches.is_empty() && self.options.is_empty()
    }
}

/// `GetPodDNS`: the Pod's DNS settings from its `dnsPolicy` (defaulted to
/// `ClusterFirst`), `hostNetwork`, `dnsConfig` and the node's resolv.conf.
///
/// - `ClusterFirst` (not hostNetwork) and `ClusterFirstWithHostNet`:
///   nameserver [`CLUSTER_DNS`]; search `<ns>.svc.cluster.local
///   svc.cluster.local cluster.local` then the node's search domains;
///   options `ndots:5`.
/// - `Default`, and `ClusterFirst` with hostNetwork: the node's
///   nameservers, search domains and options.
/// - `None`: empty.
///
/// Then `dnsConfig`: nameservers and searches appended (duplicates dropped),
/// options merged by name (the Pod's value wins). Finally at most 3
/// nameservers and 32 search domains / 2048 characters, with a warning when
/// trimmed.
pub fn pod_dns(
    namespace: &str,
    dns_policy: &str,
    host_network: bool,
    dns_config: Option<&PodDNSConfig>,
    node_resolv: &str,
) -> PodDns {
    let host = parse_resolv_conf(node_resolv);
    let mut dns = match dns_policy {
        "None" => PodDns::default(),
        "Default" => host,
        "ClusterFirst" if host_network => host,
        // ClusterFirst, ClusterFirstWithHostNet; an invalid policy falls back
        // to ClusterFirst, as the kubelet does.
        _ => PodDns {
            nameservers: vec![CLUSTER_DNS.to_string()],
            searches: omit_duplicates(
                [
                    format!("{namespace}.svc.{CLUSTER_DOMAIN}"),
                    format!("svc.{CLUSTER_DOMAIN}"),
                    CLUSTER_DOMAIN.to_string(),
                ]
                .into_iter()
                .chain(host.searches)
                .collect(),
            ),
            options: vec!["ndots:5".to_string()],
            warnings: Vec::new(),
        },
    };
    if let Some(config) = dns_config {
        dns.nameservers =
            omit_duplicates(dns.nameservers.into_iter().chain(config.nameservers.iter().flatten().cloned()).collect());
        dns.searches =
            omit_duplicates(dns.searches.into_iter().chain(config.searches.iter().flatten().cloned()).collect());
        for option in config.options.iter().flatten() {
            let name = option.name.clone().unwrap_or_default();
            let text = match option.value.as_deref() {
                Some(v) if !v.is_empty() => format!("{name}:{v}"),
                _ => name.clone(),
            };
            set_option(&mut dns.options, text);
        }
    }
    fit_limits(&mut dns);
    dns
}

/// The Pod's `/etc/resolv.conf`, as containerd writes it from [`pod_dns`];
/// when the kubelet passes no settings at all, containerd copies the node's
/// file.
pub fn resolv_conf(
    namespace: &str,
    dns_policy: &str,
    host_network: bool,
    dns_config: Option<&PodDNSConfig>,
    node_resolv: &str,
) -> String {
    let dns = pod_dns(namespace, dns_policy, host_network, dns_config, node_resolv);
    if dns.is_empty() {
        return node_resolv.to_string();
    }
    dns.to_resolv_conf()
}

/// [`resolv_conf`] with the settings read from the Pod.
pub fn pod_resolv_conf(pod: &Pod, node_resolv: &str) -> String {
    let spec = pod.spec.as_ref();
    resolv_conf(
        pod_namespace(pod),
        spec.and_then(|s| s.dns_policy.as_deref()).unwrap_or("ClusterFirst"),
        spec.and_then(|s| s.host_network) == Some(true),
        spec.and_then(|s| s.dns_config.as_ref()),
        node_resolv,
    )
}

/// `parseResolvConf`: `nameserver` lines accumulate, the last `search` line
/// wins (trailing dots dropped, `.` ignored), `options` accumulate with a
/// later option replacing an earlier one of the same name; `#` comments.
pub fn parse_resolv_conf(content: &str) -> PodDns {
    let mut dns = PodDns::default();
    for line in content.split('\n') {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["nameserver", server, ..] => dns.nameservers.push(server.to_string()),
            ["search", domains @ ..] => {
                dns.searches =
                    domains.iter().filter(|d| **d != ".").map(|d| d.trim_end_matches('.').to_string()).collect();
            }
            ["options", options @ ..] => {
                for o in options {
                    set_option(&mut dns.options, o.to_string());
                }
            }
            _ => {}
        }
    }
    dns
}

/// Adds `option` (`name` or `name:value`), replacing one of the same name in
/// place. (Upstream merges through a Go map, whose order is random; podplay
/// keeps first-seen order.)
fn set_option(options: &mut Vec<String>, option: String) {
    let name = option.split(':').next().unwrap_or("").to_string();
    match options.iter_mut().find(|o| o.split(':').next().unwrap_or("") == name) {
        Some(existing) => *existing = option,
        None => options.push(option),
    }
}

fn omit_duplicates(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// `formDNSConfigFitsLimits`.
fn fit_limits(dns: &mut PodDns) {
    if dns.nameservers.len() > MAX_DNS_NAMESERVERS {
        dns.nameservers.truncate(MAX_DNS_NAMESERVERS);
        dns.warnings.push(DnsWarning {
            reason: "DNSConfigForming".to_string(),
            message: format!(
                "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {}",
                dns.nameservers.join(" ")
            ),
        });
    }
    let mut exceeded = false;
    if dns.searches.len() > MAX_DNS_SEARCH_PATHS {
        dns.searches.truncate(MAX_DNS_SEARCH_PATHS);
        exceeded = true;
    }
    let before = dns.searches.len();
    dns.searches.retain(|s| s.len() <= MAX_DNS_SEARCH_PATH_LEN);
    exceeded |= dns.searches.len() != before;
    let line_len = |s: &[String]| s.iter().map(String::len).sum::<usize>() + s.len().saturating_sub(1);
    let total = line_len(&dns.searches);
    if total > MAX_DNS_SEARCH_LIST_CHARS {
        let mut cut_len = 0;
        let mut cut = 0;
        for s in dns.searches.iter().rev() {
            cut_len += s.len() + 1;
            cut += 1;
            if total.saturating_sub(cut_len) <= MAX_DNS_SEARCH_LIST_CHARS {
                break;
            }
        }
        let keep = dns.searches.len() - cut;
        dns.searches.truncate(keep);
        exceeded = true;
    }
    if exceeded {
        dns.warnings.push(DnsWarning {
            reason: "DNSConfigForming".to_string(),
            message: format!(
                "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: {}",
                dns.searches.join(" ")
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PodDNSConfigOption;

    use crate::test_support::pod;

    const HEADER: &str = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";

    fn aliases() -> Vec<HostAlias> {
        vec![
            HostAlias { ip: "127.0.0.1".into(), hostnames: Some(vec!["foo.local".into(), "bar.local".into()]) },
            HostAlias { ip: "10.1.2.3".into(), hostnames: Some(vec!["foo.remote".into(), "bar.remote".into()]) },
        ]
    }

    #[test]
    fn vector_1_hosts_without_aliases() {
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n",
        );
        let hosts = hosts_file(&p, &["10.244.1.5".to_string()], &[]);
        assert_eq!(hosts, format!("{HEADER}10.244.1.5\tweb\n"));
    }

    #[test]
    fn vector_2_hosts_with_aliases() {
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostAliases:\n  - ip: 127.0.0.1\n    hostnames: [foo.local, bar.local]\n  - ip: 10.1.2.3\n    hostnames: [foo.remote, bar.remote]\n  containers:\n  - name: web\n    image: nginx\n",
        );
        let aliases = p.spec.as_ref().unwrap().host_aliases.clone().unwrap();
        let hosts = hosts_file(&p, &["10.244.1.5".to_string()], &aliases);
        assert_eq!(
            hosts,
            format!(
                "{HEADER}10.244.1.5\tweb\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\tbar.remote\n"
            )
        );
    }

    #[test]
    fn vector_3_host_network_hosts() {
        let node = "127.0.0.1\tlocalhost\n192.168.49.2\tnode-1\n";
        assert_eq!(
            host_network_hosts_file(node, &[]),
            format!("# Kubernetes-managed hosts file (host network).\n{node}")
        );
        assert_eq!(
            host_network_hosts_file(node, &aliases()[..1]),
            format!(
                "# Kubernetes-managed hosts file (host network).\n{node}\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n"
            )
        );
    }

    #[test]
    fn hosts_with_subdomain_and_dual_stack() {
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  namespace: shop\nspec:\n  hostname: db\n  subdomain: backend\n  containers:\n  - name: web\n    image: nginx\n",
        );
        let hosts = hosts_file(&p, &["10.244.1.5".to_string(), "fd00::5".to_string()], &[]);
        assert_eq!(
            hosts,
            format!(
                "{HEADER}10.244.1.5\tdb.backend.shop.svc.cluster.local\tdb\nfd00::5\tdb.backend.shop.svc.cluster.local\tdb\n"
            )
        );
        assert_eq!(pod_hostname(&p), ("db".to_string(), Some("db.backend.shop.svc.cluster.local".to_string())));
        assert_eq!(kernel_hostname(&p).unwrap(), "db");
    }

    #[test]
    fn hostnames() {
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n",
        );
        assert_eq!(pod_hostname(&p), ("web".to_string(), None));
        assert_eq!(hostname_file("web"), "web\n");
        // 63-character cut, then trailing '-' and '.' go.
        let long = format!("{}-{}", "a".repeat(62), "b".repeat(10));
        assert_eq!(truncate_hostname(&long), "a".repeat(62));
        let long_name = pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {long}\nspec:\n  containers:\n  - name: web\n    image: nginx\n"
        ));
        assert_eq!(pod_hostname(&long_name).0, "a".repeat(62));
        // setHostnameAsFQDN
        let fqdn = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  subdomain: svc\n  setHostnameAsFQDN: true\n  containers:\n  - name: web\n    image: nginx\n",
        );
        assert_eq!(kernel_hostname(&fqdn).unwrap(), "web.svc.default.svc.cluster.local");
        let mut too_long = fqdn.clone();
        too_long.spec.as_mut().unwrap().hostname = Some("h".repeat(40));
        let err = kernel_hostname(&too_long).unwrap_err();
        assert!(err.starts_with("failed to construct FQDN from pod hostname and cluster domain, FQDN hhhh"), "{err}");
        assert!(err.ends_with("is too long (64 characters is the max, 70 characters requested)"), "{err}");
        let mut bad = fqdn;
        bad.spec.as_mut().unwrap().hostname = Some("Bad_Host".into());
        let err = pod_hostname_and_domain(&bad, CLUSTER_DOMAIN).unwrap_err();
        assert!(
            err.starts_with("pod Hostname \"Bad_Host\" is not a valid DNS label: a lowercase RFC 1123 label"),
            "{err}"
        );
    }

    #[test]
    fn vector_4_resolv_conf_cluster_first() {
        assert_eq!(
            resolv_conf("default", "ClusterFirst", false, None, crate::cluster::NODE_RESOLV_CONF),
            "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n",
        );
        assert_eq!(
            pod_resolv_conf(&p, crate::cluster::NODE_RESOLV_CONF),
            "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
    }

    #[test]
    fn resolv_conf_policies() {
        let node = "# generated\nnameserver 192.168.49.1\nnameserver 8.8.8.8\nsearch corp.example. lab.example\noptions edns0 ndots:1\n";
        // The node's search domains follow the cluster's.
        assert_eq!(
            resolv_conf("shop", "ClusterFirst", false, None, node),
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
        let node_view =
            "search corp.example lab.example\nnameserver 192.168.49.1\nnameserver 8.8.8.8\noptions edns0 ndots:1\n";
        assert_eq!(resolv_conf("shop", "Default", false, None, node), node_view);
        assert_eq!(resolv_conf("shop", "ClusterFirst", true, None, node), node_view);
        assert_eq!(
            resolv_conf("shop", "ClusterFirstWithHostNet", true, None, node),
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
        // An empty node file and Default: containerd copies the (empty) file.
        assert_eq!(resolv_conf("shop", "Default", false, None, ""), "");
    }

    #[test]
    fn resolv_conf_none_with_dns_config() {
        let config = PodDNSConfig {
            nameservers: Some(vec!["192.0.2.1".into()]),
            searches: Some(vec!["ns1.svc.cluster-domain.example".into(), "my.dns.search.suffix".into()]),
            options: Some(vec![
                PodDNSConfigOption { name: Some("ndots".into()), value: Some("2".into()) },
                PodDNSConfigOption { name: Some("edns0".into()), value: None },
            ]),
        };
        assert_eq!(
            resolv_conf("default", "None", false, Some(&config), ""),
            "search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 192.0.2.1\noptions ndots:2 edns0\n"
        );
        // With ClusterFirst the Pod's options override by name.
        assert_eq!(
            resolv_conf("default", "ClusterFirst", false, Some(&config), ""),
            "search default.svc.cluster.local svc.cluster.local cluster.local ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 10.96.0.10\nnameserver 192.0.2.1\noptions ndots:2 edns0\n"
        );
    }

    #[test]
    fn dns_limits() {
        let config = PodDNSConfig {
            nameservers: Some(vec!["1.1.1.1".into(), "2.2.2.2".into(), "3.3.3.3".into()]),
            searches: Some((0..40).map(|i| format!("d{i}.example")).collect()),
            options: None,
        };
        let dns = pod_dns("default", "ClusterFirst", false, Some(&config), "");
        assert_eq!(dns.nameservers, ["10.96.0.10", "1.1.1.1", "2.2.2.2"]);
        assert_eq!(dns.searches.len(), 32);
        assert_eq!(dns.warnings.len(), 2);
        assert_eq!(
            dns.warnings[0].message,
            "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 1.1.1.1 2.2.2.2"
        );
        assert!(dns.warnings[1].message.starts_with(
            "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: default.svc.cluster.local svc.cluster.local cluster.local d0.example"
        ));
        let long = PodDNSConfig {
            searches: Some((0..20).map(|i| format!("{i}{}", "x".repeat(200))).collect()),
            ..Default::default()
        };
        let dns = pod_dns("default", "None", false, Some(&long), "");
        assert!(dns.searches.join(" ").len() <= MAX_DNS_SEARCH_LIST_CHARS);
        assert_eq!(dns.searches.len(), 10);
    }

    #[test]
    fn hosts_mount_rule() {
        let p = pod(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  volumes:\n  - name: h\n    emptyDir: {}\n  containers:\n  - name: a\n    image: nginx\n  - name: b\n    image: nginx\n    volumeMounts:\n    - name: h\n      mountPath: /etc/hosts\n",
        );
        let c = &p.spec.as_ref().unwrap().containers;
        assert!(mounts_hosts_file(&c[0], true));
        assert!(!mounts_hosts_file(&c[0], false));
        assert!(!mounts_hosts_file(&c[1], true));
    }
}
