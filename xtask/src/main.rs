//! Build and test commands for podplay: `cargo xtask <command>`.
//!
//! Every command installs what it needs when it is missing, so that the same
//! command works on a developer's machine and on a fresh CI machine.

mod flags;
mod schema;
mod test;
mod typed;
mod util;
mod web;

use clap::Parser;

fn main() {
    let flags = flags::Xtask::parse();
    let result = match flags.command {
        flags::Command::Test(args) => test::all(&args),
        flags::Command::GenSchema(args) => schema::generate(&args),
        flags::Command::GenTyped(args) => typed::generate(args.check),
        flags::Command::WasmCheck => test::wasm_check(),
        flags::Command::Serve => web::serve(),
        flags::Command::Dist(args) => web::dist(args.public_url.as_deref()),
        flags::Command::BenchWeb => web::bench_web(),
        flags::Command::BenchNative => {
            util::run("cargo", &["bench", "-p", "podplay-cli", "--bench", "native", "--locked"])
        }
    };
    if let Err(error) = result {
        eprintln!("xtask: {error}");
        std::process::exit(1);
    }
}
