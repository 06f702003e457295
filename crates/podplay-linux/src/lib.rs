//! podplay's real Linux runtime: the second implementation of
//! podplay-core's [`Runtime`](podplay_core::runtime::Runtime) trait, next to
//! podplay-sim's virtual node. Linux only: on other systems the crate is
//! empty, so the workspace still builds everywhere.

#![cfg(target_os = "linux")]

pub mod api;
pub mod cri_log;
pub mod image;
pub mod init;
pub mod node;
pub mod run;
pub mod runtime;
mod serve;
pub mod sys;

/// containerd's default `PATH` (`WithDefaultPathEnv`).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
