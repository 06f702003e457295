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
    let cli = args::Cli::parse();
    let code = match cli.command {
        args::Command::Validate(a) => commands::validate::run(&a),
        args::Command::Explain(a) => commands::explain::run(&a),
        args::Command::Sim(a) => commands::sim::run(&a),
    };
    ExitCode::from(code)
}
