//! `podplay`: learn how a Kubernetes Pod really works.
//!
//! Exit codes: 0 when everything is valid, 1 when an input is invalid, 2 for
//! usage and I/O errors.

mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // podplay re-executed as a Pod's pause process or a container's first
    // process (by `podplay exec`) never reaches the command line.
    #[cfg(target_os = "linux")]
    if let Some(code) = podplay_linux::init::dispatch() {
        std::process::exit(code);
    }
    let cli = args::Cli::parse();
    let code = match cli.command {
        args::Command::Validate(a) => commands::validate::run(&a),
        args::Command::Explain(a) => commands::explain::run(&a),
        args::Command::Sim(a) => commands::sim::run(&a),
        args::Command::Exec(a) => commands::exec::run(&a),
        args::Command::Image(c) => commands::image::run(&c),
        args::Command::Gc { root } => commands::exec::gc(&root),
        args::Command::Kubectl(c) => commands::kubectl::run(&c),
    };
    ExitCode::from(code)
}
