//! Capabilities: the set a container keeps (containerd's 14 by default,
//! `securityContext.capabilities` applied as containerd's
//! `WithCapabilities` does), and dropping the rest for good.

use caps::{CapSet, Capability, CapsHashSet};

use super::SysError;

/// containerd's default set (`defaultUnixCaps`), in its order.
pub const DEFAULT: [Capability; 14] = [
    Capability::CAP_CHOWN,
    Capability::CAP_DAC_OVERRIDE,
    Capability::CAP_FSETID,
    Capability::CAP_FOWNER,
    Capability::CAP_MKNOD,
    Capability::CAP_NET_RAW,
    Capability::CAP_SETGID,
    Capability::CAP_SETUID,
    Capability::CAP_SETFCAP,
    Capability::CAP_SETPCAP,
    Capability::CAP_NET_BIND_SERVICE,
    Capability::CAP_SYS_CHROOT,
    Capability::CAP_KILL,
    Capability::CAP_AUDIT_WRITE,
];

/// The container's set: `ALL` in `add` first gives every capability, `ALL`
/// in `drop` first clears the set, then the named ones are added and
/// removed (`NET_ADMIN` or `CAP_NET_ADMIN`, any case). A privileged
/// container has them all. An unknown name is an error, as containerd's.
/// A named capability the runner lacks is left out (capset would fail).
pub fn container_set(privileged: bool, add: &[String], drop: &[String]) -> Result<Vec<String>, String> {
    // "All" is what the runner itself holds, as containerd's
    // `WithAllCurrentCapabilities`: no process can hand out more.
    let all = caps::read(None, CapSet::Permitted).unwrap_or_else(|_| caps::all());
    let mut set: CapsHashSet = if privileged { all.clone() } else { DEFAULT.into_iter().collect() };
    if !privileged {
        let is_all = |names: &[String]| names.iter().any(|n| n.eq_ignore_ascii_case("ALL"));
        if is_all(add) {
            set = all.clone();
        }
        if is_all(drop) {
            set.clear();
        }
        for name in add.iter().filter(|n| !n.eq_ignore_ascii_case("ALL")) {
            let cap = parse(name)?;
            if all.contains(&cap) {
                set.insert(cap);
            }
        }
        for name in drop.iter().filter(|n| !n.eq_ignore_ascii_case("ALL")) {
            set.remove(&parse(name)?);
        }
    }
    let mut set: Vec<Capability> = set.into_iter().collect();
    set.sort_by_key(|c| c.index());
    Ok(set.into_iter().map(|c| c.to_string()).collect())
}

fn parse(name: &str) -> Result<Capability, String> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") };
    full.parse().map_err(|_| format!("unknown capability \"{full}\" to add"))
}

/// Shrinks the bounding set to `keep` (so no later exec can regain the
/// rest); call while still root, before changing user.
pub fn limit_bounding(keep: &[String]) -> Result<(), SysError> {
    let keep = parse_all(keep);
    let bounding = caps::read(None, CapSet::Bounding).unwrap_or_default();
    for cap in bounding.difference(&keep) {
        caps::drop(None, CapSet::Bounding, *cap)
            .map_err(|e| SysError::new(format!("drop {cap} from the bounding set: {e}"), nix::errno::Errno::EPERM))?;
    }
    Ok(())
}

/// Sets effective and permitted to `keep` and clears inheritable and
/// ambient, after the change of user (kept across it with keepcaps).
pub fn apply(keep: &[String]) -> Result<(), SysError> {
    let keep = parse_all(keep);
    let fail = |what: &str, e: caps::errors::CapsError| SysError::new(format!("{what}: {e}"), nix::errno::Errno::EPERM);
    caps::set(None, CapSet::Effective, &keep).map_err(|e| fail("set effective capabilities", e))?;
    caps::set(None, CapSet::Permitted, &keep).map_err(|e| fail("set permitted capabilities", e))?;
    caps::clear(None, CapSet::Inheritable).map_err(|e| fail("clear inheritable capabilities", e))?;
    caps::clear(None, CapSet::Ambient).map_err(|e| fail("clear ambient capabilities", e))
}

/// Keeps the permitted set across setuid (runc's `PR_SET_KEEPCAPS`).
pub fn keep_across_setuid() {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) };
}

fn parse_all(names: &[String]) -> CapsHashSet {
    names.iter().filter_map(|n| n.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_then_named_as_containerd_does() {
        let none: Vec<String> = Vec::new();
        assert_eq!(container_set(false, &none, &none).unwrap().len(), 14);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let only = container_set(false, &s(&["net_bind_service"]), &s(&["ALL"])).unwrap();
        assert_eq!(only, vec!["CAP_NET_BIND_SERVICE".to_string()]);
        let without = container_set(false, &none, &s(&["CHOWN", "CAP_KILL"])).unwrap();
        assert_eq!(without.len(), 12);
        assert!(!without.contains(&"CAP_CHOWN".to_string()));
        assert!(container_set(false, &s(&["NOPE"]), &none).is_err());
        assert!(container_set(true, &none, &none).unwrap().len() > 14);
    }
}
