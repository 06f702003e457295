//! Small helpers for running commands from the project root.

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// Runs `program args…` in the project root, echoing it first; fails on a
/// non-zero exit.
pub fn run(program: &str, args: &[&str]) -> Result {
    run_with(program, args, &project_root(), &[])
}

/// [`run`] in `dir`, with extra environment variables.
pub fn run_with(program: &str, args: &[&str], dir: &Path, envs: &[(&str, &str)]) -> Result {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed with {status}", args.join(" "))) }
}

/// Runs a command and returns its standard output, or `None` if it failed.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
