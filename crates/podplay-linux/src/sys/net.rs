//! The network pieces of a sandbox: for now, loopback up.

use std::os::fd::AsRawFd;

use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};

use super::{Context, SysError};

/// `ip link set lo up` in the current network namespace, as the pause
/// container's CNI loopback plugin does.
pub fn loopback_up() -> Result<(), SysError> {
    let sock = socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None)
        .context(|| "socket for ioctl on lo".into())?;
    // SAFETY: `ifreq` is plain data; zeroed is a valid value and the name
    // is NUL-terminated within its 16 bytes.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: a valid socket and a valid ifreq for SIOCGIFFLAGS/SIOCSIFFLAGS.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(SysError::new("ioctl SIOCGIFFLAGS lo", nix::errno::Errno::last()));
        }
        req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(SysError::new("ioctl SIOCSIFFLAGS lo", nix::errno::Errno::last()));
        }
    }
    Ok(())
}
