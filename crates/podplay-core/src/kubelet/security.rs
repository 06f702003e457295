//! A container's security settings as the kubelet sends them to the
//! runtime (`determineEffectiveSecurityContext`), and its `runAsNonRoot`
//! check (`verifyRunAsNonRoot`) against the image's user.

use k8s_openapi::api::core::v1::{Container, PodSecurityContext, SecurityContext};

use crate::cri::{ContainerSecurity, SeccompProfile};

/// The container's settings over the Pod's, where both have the field.
pub fn effective(container: &Container, pod: Option<&PodSecurityContext>) -> ContainerSecurity {
    let c = container.security_context.clone().unwrap_or_default();
    let caps = c.capabilities.clone().unwrap_or_default();
    let id = |v: Option<i64>| v.and_then(|n| u32::try_from(n).ok());
    let fs_group = id(pod.and_then(|p| p.fs_group));
    let mut groups: Vec<u32> = fs_group.into_iter().collect();
    groups.extend(
        pod.and_then(|p| p.supplemental_groups.clone()).unwrap_or_default().into_iter().filter_map(|g| id(Some(g))),
    );
    ContainerSecurity {
        privileged: c.privileged == Some(true),
        capabilities_add: caps.add.unwrap_or_default(),
        capabilities_drop: caps.drop.unwrap_or_default(),
        // `AddNoNewPrivileges`: only an explicit `false` sets it.
        no_new_privs: c.allow_privilege_escalation == Some(false),
        read_only_root: c.read_only_root_filesystem == Some(true),
        run_as_group: id(c.run_as_group.or_else(|| pod.and_then(|p| p.run_as_group))),
        supplemental_groups: groups,
        fs_group,
        seccomp: seccomp_profile(c.seccomp_profile.as_ref().or(pod.and_then(|p| p.seccomp_profile.as_ref()))),
    }
}

/// The kubelet's `--seccomp-profile-root` default: `Localhost` profiles are
/// files below it.
pub const SECCOMP_PROFILE_ROOT: &str = "/var/lib/kubelet/seccomp";

/// `getSeccompProfile`: the field's type, or `Unconfined` without one (the
/// kubelet's `seccompDefault` is off by default).
fn seccomp_profile(field: Option<&k8s_openapi::api::core::v1::SeccompProfile>) -> SeccompProfile {
    match field.map(|p| (p.type_.as_str(), p.localhost_profile.as_deref())) {
        Some(("RuntimeDefault", _)) => SeccompProfile::RuntimeDefault,
        Some(("Localhost", Some(name))) => {
            SeccompProfile::Localhost(format!("{SECCOMP_PROFILE_ROOT}/{}", name.trim_start_matches('/')))
        }
        _ => SeccompProfile::Unconfined,
    }
}

/// The securityContext settings the CRI config podplay sends cannot carry,
/// so no runtime of podplay enforces them yet: AppArmor profiles other
/// than `Unconfined`, SELinux options, an `Unmasked`
/// procMount, and the Pod's sysctls. Each is named, with its value, for a
/// warning event; a setting that asks for nothing more than the default is
/// not listed.
pub fn unenforced(container: &Container, pod: Option<&PodSecurityContext>) -> Vec<String> {
    let c = container.security_context.as_ref();
    let mut fields = Vec::new();
    let apparmor = c.and_then(|c| c.app_armor_profile.as_ref()).or(pod.and_then(|p| p.app_armor_profile.as_ref()));
    if let Some(kind) = apparmor.map(|p| &p.type_).filter(|t| *t != "Unconfined") {
        fields.push(format!("appArmorProfile ({kind})"));
    }
    if c.is_some_and(|c| c.se_linux_options.is_some()) || pod.is_some_and(|p| p.se_linux_options.is_some()) {
        fields.push("seLinuxOptions".to_string());
    }
    if let Some(mount) = c.and_then(|c| c.proc_mount.as_deref()).filter(|m| *m != "Default") {
        fields.push(format!("procMount ({mount})"));
    }
    let mut sysctls = String::new();
    for s in pod.and_then(|p| p.sysctls.as_ref()).into_iter().flatten() {
        sysctls.push_str(if sysctls.is_empty() { "" } else { ", " });
        sysctls.push_str(&s.name);
    }
    if !sysctls.is_empty() {
        fields.push(format!("sysctls ({sysctls})"));
    }
    fields
}

/// `verifyRunAsNonRoot`: with `runAsNonRoot: true`, the user the container
/// would run as (its `runAsUser`, else the image's `USER`) must be a
/// non-zero number. `pod_desc` is `name_namespace(uid)`.
pub fn verify_run_as_non_root(
    container: &Container,
    pod: Option<&PodSecurityContext>,
    image_user: Option<&str>,
    pod_desc: &str,
) -> Result<(), String> {
    let c: SecurityContext = container.security_context.clone().unwrap_or_default();
    let non_root = c.run_as_non_root.or_else(|| pod.and_then(|p| p.run_as_non_root)) == Some(true);
    if !non_root {
        return Ok(());
    }
    let name = &container.name;
    if let Some(uid) = c.run_as_user.or_else(|| pod.and_then(|p| p.run_as_user)) {
        if uid == 0 {
            return Err(format!(
                "container's runAsUser breaks non-root policy (pod: \"{pod_desc}\", container: {name})"
            ));
        }
        return Ok(());
    }
    // containerd reports only the part before a ':'.
    let user = image_user.unwrap_or("").split(':').next().unwrap_or("");
    if user.is_empty() {
        return Err(format!(
            "container has runAsNonRoot and image will run as root (pod: \"{pod_desc}\", container: {name})"
        ));
    }
    match user.parse::<i64>() {
        Ok(0) => Err(format!(
            "container has runAsNonRoot and image will run as root (pod: \"{pod_desc}\", container: {name})"
        )),
        Ok(uid) if !(1..=i64::from(i32::MAX)).contains(&uid) => Err(format!(
            "container has runAsNonRoot and image has an invalid user id ({uid}). (Must be 1-({})): {uid} (pod: \"{pod_desc}\", container: {name})",
            i32::MAX
        )),
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "container has runAsNonRoot and image has non-numeric user ({user}), cannot verify user is non-root (pod: \"{pod_desc}\", container: {name})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(yaml_sc: SecurityContext) -> Container {
        Container { name: "app".into(), security_context: Some(yaml_sc), ..Default::default() }
    }

    #[test]
    fn run_as_non_root_is_checked_against_run_as_user_then_the_image_user() {
        let desc = "web_default(u)";
        let sc = SecurityContext { run_as_non_root: Some(true), ..Default::default() };
        let c = container(sc.clone());
        let root = verify_run_as_non_root(&c, None, None, desc).unwrap_err();
        assert_eq!(
            root,
            "container has runAsNonRoot and image will run as root (pod: \"web_default(u)\", container: app)"
        );
        assert!(verify_run_as_non_root(&c, None, Some("0:0"), desc).is_err());
        assert!(verify_run_as_non_root(&c, None, Some("101:101"), desc).is_ok());
        let named = verify_run_as_non_root(&c, None, Some("nginx"), desc).unwrap_err();
        assert!(named.contains("image has non-numeric user (nginx), cannot verify user is non-root"), "{named}");
        let as_root = container(SecurityContext { run_as_user: Some(0), ..sc });
        let err = verify_run_as_non_root(&as_root, None, Some("101"), desc).unwrap_err();
        assert!(err.starts_with("container's runAsUser breaks non-root policy"), "{err}");
        assert!(verify_run_as_non_root(&container(SecurityContext::default()), None, None, desc).is_ok());
    }

    #[test]
    fn the_container_setting_wins_and_only_an_explicit_false_sets_no_new_privs() {
        let pod = PodSecurityContext {
            run_as_group: Some(3000),
            fs_group: Some(2000),
            supplemental_groups: Some(vec![4000]),
            ..Default::default()
        };
        let c = container(SecurityContext { run_as_group: Some(5), ..Default::default() });
        let s = effective(&c, Some(&pod));
        assert_eq!(
            (s.run_as_group, s.supplemental_groups.clone(), s.fs_group),
            (Some(5), vec![2000, 4000], Some(2000))
        );
        assert!(!s.no_new_privs);
        let c = container(SecurityContext { allow_privilege_escalation: Some(false), ..Default::default() });
        assert!(effective(&c, None).no_new_privs);
    }

    #[test]
    fn settings_no_runtime_enforces_yet_are_named_and_defaults_are_not() {
        use k8s_openapi::api::core::v1::{SELinuxOptions, SeccompProfile, Sysctl};
        let profile = |t: &str| Some(SeccompProfile { type_: t.into(), ..Default::default() });
        let pod = PodSecurityContext {
            seccomp_profile: profile("RuntimeDefault"),
            app_armor_profile: Some(k8s_openapi::api::core::v1::AppArmorProfile {
                type_: "RuntimeDefault".into(),
                ..Default::default()
            }),
            sysctls: Some(vec![Sysctl { name: "net.core.somaxconn".into(), value: "1024".into() }]),
            ..Default::default()
        };
        let c = container(SecurityContext {
            se_linux_options: Some(SELinuxOptions { level: Some("s0:c123,c456".into()), ..Default::default() }),
            proc_mount: Some("Unmasked".into()),
            ..Default::default()
        });
        assert_eq!(
            unenforced(&c, Some(&pod)),
            vec![
                "appArmorProfile (RuntimeDefault)",
                "seLinuxOptions",
                "procMount (Unmasked)",
                "sysctls (net.core.somaxconn)"
            ]
        );
        let unconfined = container(SecurityContext {
            seccomp_profile: profile("Unconfined"),
            proc_mount: Some("Default".into()),
            ..Default::default()
        });
        assert!(
            unenforced(
                &unconfined,
                Some(&PodSecurityContext { seccomp_profile: profile("Localhost"), ..Default::default() })
            )
            .is_empty()
        );
        assert!(unenforced(&container(SecurityContext::default()), None).is_empty());
    }

    #[test]
    fn the_seccomp_profile_is_the_containers_then_the_pods_and_unconfined_by_default() {
        use k8s_openapi::api::core::v1::SeccompProfile as Field;
        let field =
            |t: &str, name: Option<&str>| Some(Field { type_: t.into(), localhost_profile: name.map(String::from) });
        let pod = PodSecurityContext { seccomp_profile: field("RuntimeDefault", None), ..Default::default() };
        assert_eq!(
            effective(&container(SecurityContext::default()), Some(&pod)).seccomp,
            SeccompProfile::RuntimeDefault
        );
        let own = container(SecurityContext {
            seccomp_profile: field("Localhost", Some("profiles/audit.json")),
            ..Default::default()
        });
        assert_eq!(
            effective(&own, Some(&pod)).seccomp,
            SeccompProfile::Localhost("/var/lib/kubelet/seccomp/profiles/audit.json".into())
        );
        assert_eq!(effective(&container(SecurityContext::default()), None).seccomp, SeccompProfile::Unconfined);
    }
}
