//! seccomp for a container, as containerd builds the profile and runc
//! loads it: `RuntimeDefault` is containerd's default profile for the
//! container's final bounding capabilities, `Localhost` an OCI profile file
//! on the node, `Unconfined` (and a privileged container) nothing.
//!
//! A profile becomes BPF programs with `seccompiler`, compiled by the
//! runtime when the container is created (so a bad profile fails
//! `CreateContainer`, as containerd's does) and installed by the container's
//! process just before it execs. A profile mixes actions (allow, `EPERM`,
//! `ENOSYS`, kill, …) and `seccompiler` makes one match action per filter,
//! so each action gets a filter of its own: the kernel runs them all and
//! keeps the result of highest precedence, the newest filter first among
//! equals, so the allow-list goes in first and the others after it.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};
use seccompiler::{SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule};
use serde::{Deserialize, Serialize};

use podplay_core::cri::SeccompProfile;
use podplay_core::kubelet::security::SECCOMP_PROFILE_ROOT;

use super::seccomp_default;

/// One BPF instruction (`struct sock_filter`), as it crosses to the helper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instruction {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// Filters, installed in order.
pub type Programs = Vec<Vec<Instruction>>;

/// A profile as podplay compiles it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Profile {
    pub default: SeccompAction,
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Entry {
    pub names: Vec<String>,
    pub action: SeccompAction,
    /// All must hold (an empty list: the name alone matches).
    pub args: Vec<(u8, SeccompCmpOp, u64)>,
}

/// The container's filters: none when unconfined or privileged (containerd
/// never confines a privileged container); `bounding` is its final
/// bounding set (`CAP_SYS_ADMIN`, …), which widens the default profile.
/// Localhost profiles below the kubelet's root are read from `root`.
pub fn programs(
    profile: &SeccompProfile,
    privileged: bool,
    bounding: &[String],
    root: &Path,
) -> Result<Programs, String> {
    let profile = match profile {
        SeccompProfile::Unconfined => return Ok(Vec::new()),
        _ if privileged => return Ok(Vec::new()),
        SeccompProfile::RuntimeDefault => seccomp_default::profile(bounding),
        SeccompProfile::Localhost(path) => {
            let on_node = match path.strip_prefix(SECCOMP_PROFILE_ROOT) {
                Some(rest) => root.join(rest.trim_start_matches('/')),
                None => Path::new(path).to_path_buf(),
            };
            localhost(&on_node).map_err(|e| {
                format!("failed to generate seccomp spec opts: cannot load seccomp profile {path:?}: {e}")
            })?
        }
    };
    compile(&profile)
}

/// Reads an OCI seccomp profile (the format of Docker's and containerd's
/// JSON profiles).
fn localhost(path: &Path) -> Result<Profile, String> {
    use crate::sys::Context;
    // `open <path>: no such file or directory`, in Go's words as containerd's message has them.
    let text =
        std::fs::read_to_string(path).context(|| format!("open {}", path.display())).map_err(|e| e.to_string())?;
    let oci: LinuxSeccomp = serde_json::from_str(&text).map_err(|e| format!("decoding seccomp profile failed: {e}"))?;
    from_oci(&oci)
}

pub(super) fn from_oci(oci: &LinuxSeccomp) -> Result<Profile, String> {
    let default = action(oci.default_action(), oci.default_errno_ret())?;
    let mut entries = Vec::new();
    for syscall in oci.syscalls().iter().flatten() {
        let mut args = Vec::new();
        for arg in syscall.args().iter().flatten() {
            let index = u8::try_from(arg.index()).ok().filter(|i| *i < 6).ok_or("a syscall has at most 6 arguments")?;
            let op = match arg.op() {
                LinuxSeccompOperator::ScmpCmpNe => SeccompCmpOp::Ne,
                LinuxSeccompOperator::ScmpCmpLt => SeccompCmpOp::Lt,
                LinuxSeccompOperator::ScmpCmpLe => SeccompCmpOp::Le,
                LinuxSeccompOperator::ScmpCmpEq => SeccompCmpOp::Eq,
                LinuxSeccompOperator::ScmpCmpGe => SeccompCmpOp::Ge,
                LinuxSeccompOperator::ScmpCmpGt => SeccompCmpOp::Gt,
                // libseccomp's masked equality: `value` is the mask, `valueTwo` the bits.
                LinuxSeccompOperator::ScmpCmpMaskedEq => {
                    args.push((index, SeccompCmpOp::MaskedEq(arg.value()), arg.value_two().unwrap_or(0)));
                    continue;
                }
            };
            args.push((index, op, arg.value()));
        }
        let action = action(syscall.action(), syscall.errno_ret())?;
        entries.push(Entry { names: syscall.names().clone(), action, args });
    }
    Ok(Profile { default, entries })
}

/// An OCI action; `SCMP_ACT_ERRNO` without a number is `EPERM`, as in runc.
fn action(action: LinuxSeccompAction, errno: Option<u32>) -> Result<SeccompAction, String> {
    let errno = errno.unwrap_or(libc::EPERM as u32);
    Ok(match action {
        LinuxSeccompAction::ScmpActAllow => SeccompAction::Allow,
        LinuxSeccompAction::ScmpActErrno => SeccompAction::Errno(errno),
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => SeccompAction::KillThread,
        LinuxSeccompAction::ScmpActKillProcess => SeccompAction::KillProcess,
        LinuxSeccompAction::ScmpActTrap => SeccompAction::Trap,
        LinuxSeccompAction::ScmpActTrace => SeccompAction::Trace(errno),
        LinuxSeccompAction::ScmpActLog => SeccompAction::Log,
        LinuxSeccompAction::ScmpActNotify => {
            return Err("SCMP_ACT_NOTIFY needs a seccomp agent, which podplay has not".into());
        }
    })
}

/// Per syscall number, the rules that match it (`None`: the name alone).
type Calls = BTreeMap<i64, Option<Vec<SeccompRule>>>;

/// One filter per action: the default action's filter matches the
/// allowed calls, each other action's matches its own calls. A name this
/// architecture does not have is skipped, as runc skips it.
pub(super) fn compile(profile: &Profile) -> Result<Programs, String> {
    let arch = seccompiler::TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|_| format!("seccomp profiles are not supported on {}", std::env::consts::ARCH))?;
    let mut by_action: Vec<(SeccompAction, Calls)> = Vec::new();
    for entry in profile.entries.iter().filter(|e| e.action != profile.default) {
        let at = match by_action.iter().position(|(a, _)| *a == entry.action) {
            Some(at) => at,
            None => {
                by_action.push((entry.action.clone(), BTreeMap::new()));
                by_action.len() - 1
            }
        };
        let rule = rule(&entry.args)?;
        for name in &entry.names {
            let Ok(number) = syscalls::Sysno::from_str(name) else { continue };
            let slot = by_action[at].1.entry(i64::from(number.id())).or_insert_with(|| Some(Vec::new()));
            match (slot.as_mut(), &rule) {
                (Some(rules), Some(rule)) => rules.push(rule.clone()),
                _ => *slot = None,
            }
        }
    }
    // The allow-list first: it carries the default action.
    by_action.sort_by_key(|(a, _)| *a != SeccompAction::Allow);
    if by_action.first().is_none_or(|(a, _)| *a != SeccompAction::Allow) && profile.default != SeccompAction::Allow {
        by_action.insert(0, (SeccompAction::Allow, BTreeMap::new()));
    }
    let mut programs = Vec::new();
    for (action, calls) in by_action {
        let mismatch = if action == SeccompAction::Allow { profile.default.clone() } else { SeccompAction::Allow };
        let rules = calls.into_iter().map(|(nr, rules)| (nr, rules.unwrap_or_default())).collect();
        let filter = SeccompFilter::new(rules, mismatch, action, arch).map_err(|e| e.to_string())?;
        let program: seccompiler::BpfProgram =
            filter.try_into().map_err(|e: seccompiler::BackendError| e.to_string())?;
        programs.push(program.iter().map(|i| Instruction { code: i.code, jt: i.jt, jf: i.jf, k: i.k }).collect());
    }
    Ok(programs)
}

/// The conditions of one entry, all of which must hold; `None` without any.
fn rule(args: &[(u8, SeccompCmpOp, u64)]) -> Result<Option<SeccompRule>, String> {
    if args.is_empty() {
        return Ok(None);
    }
    let conditions = args
        .iter()
        .map(|(index, op, value)| SeccompCondition::new(*index, SeccompCmpArgLen::Qword, op.clone(), *value))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    SeccompRule::new(conditions).map(Some).map_err(|e| e.to_string())
}

/// Installs the filters in the calling process (no_new_privs set, or
/// CAP_SYS_ADMIN held).
pub fn install(programs: &Programs) -> Result<(), String> {
    for program in programs {
        let filters: Vec<seccompiler::sock_filter> =
            program.iter().map(|i| seccompiler::sock_filter { code: i.code, jt: i.jt, jf: i.jf, k: i.k }).collect();
        seccompiler::apply_filter(&filters).map_err(|e| format!("error loading seccomp filter into kernel: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_profile_compiles_with_an_allow_list_and_enosys_for_clone3() {
        let compiled = programs(&SeccompProfile::RuntimeDefault, false, &[], Path::new("/nonexistent")).unwrap();
        assert_eq!(compiled.len(), 2, "the allow-list, then clone3's ENOSYS");
        assert!(programs(&SeccompProfile::RuntimeDefault, true, &[], Path::new("/")).unwrap().is_empty());
        assert!(programs(&SeccompProfile::Unconfined, false, &[], Path::new("/")).unwrap().is_empty());
    }

    #[test]
    fn a_localhost_profile_is_read_from_the_profile_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("deny-mkdir.json"),
            r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat","no_such_call"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}"#,
        )
        .unwrap();
        let path = format!("{SECCOMP_PROFILE_ROOT}/deny-mkdir.json");
        let found = programs(&SeccompProfile::Localhost(path.clone()), false, &[], dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        let missing = format!("{SECCOMP_PROFILE_ROOT}/nope.json");
        let e = programs(&SeccompProfile::Localhost(missing), false, &[], dir.path()).unwrap_err();
        assert!(e.starts_with("failed to generate seccomp spec opts: cannot load seccomp profile \"/var/lib/kubelet/seccomp/nope.json\": open "), "{e}");
        std::fs::write(dir.path().join("bad.json"), "{").unwrap();
        let bad = format!("{SECCOMP_PROFILE_ROOT}/bad.json");
        assert!(
            programs(&SeccompProfile::Localhost(bad), false, &[], dir.path())
                .unwrap_err()
                .contains("decoding seccomp profile failed")
        );
    }
}
