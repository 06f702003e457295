//! The syscall seam (after youki's): every call into the kernel that the
//! runtime makes goes through here, in small functions that say what they
//! do and turn errno into a message naming what failed and where.

pub mod caps;
pub mod cgroup;
pub mod mount;
pub mod net;
pub mod netlink;
pub mod ns;
pub mod process;

use std::fmt;

/// A failed system call: what was attempted, on what, and errno's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysError {
    pub what: String,
    pub errno: nix::errno::Errno,
}

impl SysError {
    pub fn new(what: impl Into<String>, errno: nix::errno::Errno) -> SysError {
        SysError { what: what.into(), errno }
    }
}

impl fmt::Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.errno.desc().to_lowercase())
    }
}

impl std::error::Error for SysError {}

/// Adds what was attempted to a nix result.
pub trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, SysError>;
}

impl<T> Context<T> for nix::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, SysError> {
        self.map_err(|errno| SysError::new(what(), errno))
    }
}

impl<T> Context<T> for std::io::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, SysError> {
        self.map_err(|e| {
            let errno = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO));
            SysError::new(what(), errno)
        })
    }
}
