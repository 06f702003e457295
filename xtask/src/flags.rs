//! The commands and their flags.

use std::path::PathBuf;

#[derive(clap::Parser)]
#[command(name = "cargo xtask", about = "podplay's build and test commands")]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Run every test: formatting, unit and integration tests, the wasm build
    /// of the core, and a short run of the benchmarks (as tests).
    Test(TestArgs),
    /// Regenerate `crates/podplay-core/data/k8s-schema.json` from the
    /// Kubernetes OpenAPI definitions shipped in the PyPI package
    /// `kubernetes-validate`.
    GenSchema(GenSchemaArgs),
    /// Regenerate `crates/podplay-core/src/typed/objects.rs` (the decoder's
    /// field tables) from the schema data file.
    GenTyped(GenTypedArgs),
    /// Check that podplay-core and podplay-sim build for wasm32-unknown-unknown.
    WasmCheck,
    /// Build and serve the playground at http://127.0.0.1:8080 with live reload.
    Serve,
    /// Build the release site into `dist/` (for GitHub Pages).
    Dist(DistArgs),
    /// Build the site, run the end-to-end test, and report its browser
    /// timings and the site's size.
    BenchWeb,
    /// Run Pods for real (root): time to running, deletion, pause's memory.
    BenchNative,
}

#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip the slow steps (benchmark smoke runs).
    #[arg(long)]
    pub quick: bool,
}

#[derive(clap::Args)]
pub struct GenSchemaArgs {
    /// A `kubernetes_validate-*.whl` file; downloaded with pip when absent.
    #[arg(long)]
    pub wheel: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct DistArgs {
    /// The URL path the site is served under (`/podplay/` on GitHub Pages).
    #[arg(long)]
    pub public_url: Option<String>,
}

#[derive(clap::Args)]
pub struct GenTypedArgs {
    /// Fail if the file is out of date instead of writing it.
    #[arg(long)]
    pub check: bool,
}
