//! Who a container's process runs as, the way the CRI path decides it:
//! the kubelet sends `runAsUser`, else the user half of the image's `USER`
//! (a number as `run_as_user`, a name as `run_as_username`; the group half
//! is lost on the way), and containerd looks the group up in the
//! container's own `/etc/passwd` (`WithUserID`, `WithUsername`), read once
//! the root is in place; `runAsGroup` wins over it.

use super::spec::User;

/// The uid, gid and supplementary groups to run as.
pub fn resolve(user: &User) -> Result<(u32, u32, Vec<u32>), String> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let image_user = user.image_user.as_deref().and_then(|u| u.split(':').next()).filter(|u| !u.is_empty());
    let gid_of = |uid: u32| {
        let text = uid.to_string();
        // A uid without an entry (or no passwd at all) gets group 0.
        lookup(&passwd, |f| f[2] == text).map_or(0, |f| f[3].parse().unwrap_or(0))
    };
    let (uid, gid) = match (user.uid, image_user) {
        (Some(uid), _) => (uid, gid_of(uid)),
        (None, Some(name)) => match name.parse::<u32>() {
            Ok(uid) => (uid, gid_of(uid)),
            Err(_) => {
                let entry = lookup(&passwd, |f| f[0] == name).ok_or_else(|| "no users found".to_string())?;
                (entry[2].parse().unwrap_or(0), entry[3].parse().unwrap_or(0))
            }
        },
        (None, None) => (0, gid_of(0)),
    };
    let gid = user.gid.unwrap_or(gid);
    Ok((uid, gid, supplemental_groups(user, uid, gid, &passwd)))
}

/// containerd's `Merge` policy: the groups of `/etc/group` that list the
/// user as a member (not the one named after it), the Pod's groups, and
/// the primary group; sorted, each once.
fn supplemental_groups(user: &User, uid: u32, gid: u32, passwd: &str) -> Vec<u32> {
    let uid_text = uid.to_string();
    let name = lookup(passwd, |f| f[2] == uid_text).map(|f| f[0].to_string());
    let mut groups = user.supplemental_groups.clone();
    groups.push(gid);
    if let Some(name) = name {
        let group_file = std::fs::read_to_string("/etc/group").unwrap_or_default();
        for fields in group_file.lines().map(|l| l.split(':').collect::<Vec<_>>()).filter(|f| f.len() >= 4) {
            if fields[0] != name && fields[3].split(',').any(|m| m == name) {
                groups.extend(fields[2].parse::<u32>().ok());
            }
        }
    }
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// The first line of a colon-separated file (at least four fields) that
/// `matches`.
fn lookup(text: &str, matches: impl Fn(&[&str]) -> bool) -> Option<Vec<&str>> {
    text.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| f.len() >= 4 && matches(f))
}
