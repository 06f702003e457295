//! Errors as system calls report them.

/// Errors as `errno` would report them, with libc's texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    NoEnt,
    IsDir,
    NotDir,
    Exist,
    ReadOnly,
    ConnRefused,
    HostUnreach,
    NoSuchProcess,
    TooBig,
    NoExec,
    Again,
    NoSpace,
}

impl Errno {
    pub fn text(self) -> &'static str {
        match self {
            Errno::NoEnt => "No such file or directory",
            Errno::IsDir => "Is a directory",
            Errno::NotDir => "Not a directory",
            Errno::Exist => "File exists",
            Errno::ReadOnly => "Read-only file system",
            Errno::ConnRefused => "Connection refused",
            Errno::HostUnreach => "No route to host",
            Errno::NoSuchProcess => "No such process",
            Errno::TooBig => "File too large",
            Errno::NoExec => "Exec format error",
            Errno::Again => "Resource temporarily unavailable",
            Errno::NoSpace => "No space left on device",
        }
    }
}
