//! The programs images hold, as async Rust: what an executable file "is".
//!
//! An executable's content names its program (`\x7fELF podplay:nginx`); the
//! kernel asks [`resolve`] for it when a process execs the file.

pub mod busybox;
pub mod fluentbit;
pub mod generic;
pub mod http;
pub mod nginx;
pub mod node;
pub mod outside;
pub mod pause;
pub mod stress;
pub mod tomcat;

use crate::kernel::{Program, Sys, Task};

/// The program an executable's marker names.
pub fn resolve(marker: &str) -> Option<Program> {
    Some(match marker {
        "busybox" => busybox::main,
        "pause" => pause::main,
        "nginx" => nginx::main,
        "tomcat" => tomcat::main,
        "fluent-bit" => fluentbit::main,
        "generic" => generic::main,
        "elasticsearch" => outside::main,
        "outside-web" => outside::web,
        "node-daemon" => node::main,
        "stress" => stress::main,
        _ => return None,
    })
}

/// A count with a unit suffix (`150M`, `2m`, `1kB`): the digits times the
/// factor `units` gives the suffix; `None` for another suffix or overflow.
pub fn scaled(text: &str, units: &[(&str, u64)]) -> Option<u64> {
    let (number, suffix) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().ok()?;
    let factor = units.iter().find(|(s, _)| *s == suffix)?.1;
    n.checked_mul(factor)
}

/// Writes text to standard output.
pub fn out(sys: &Sys, text: &str) {
    let _ = sys.write_fd(1, text.as_bytes());
}

/// Writes text to standard error.
pub fn err(sys: &Sys, text: &str) {
    let _ = sys.write_fd(2, text.as_bytes());
}

/// Boxes an async program body.
pub fn task(f: impl std::future::Future<Output = i32> + 'static) -> Task {
    Box::pin(f)
}
