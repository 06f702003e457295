//! `cargo xtask test`: everything CI checks, installing what is missing.

use crate::flags::TestArgs;
use crate::util::{Result, output, project_root, run, run_with};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

pub fn all(args: &TestArgs) -> Result {
    ensure_component("fmt", "rustfmt")?;
    run("cargo", &["fmt", "--all", "--check"])?;
    crate::typed::generate(true)?;
    ensure_component("clippy", "clippy")?;
    run("cargo", &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    ensure_busybox_static()?;
    // The end-to-end tests need the built site: they run after it. The
    // playground's tests run on their own, right after.
    run(
        "cargo",
        &["test", "--workspace", "--all-targets", "--locked", "--exclude", "podplay-e2e", "--exclude", "podplay-web"],
    )?;
    web_tests()?;
    wasm_check()?;
    crate::web::browser_tests()?;
    crate::web::end_to_end()?;
    crate::web::check_first_load_budget()?;
    if !args.quick {
        // Criterion's test mode runs each benchmark once: it proves the
        // benchmarks still build and run without spending minutes measuring.
        run("cargo", &["bench", "-p", "podplay-core", "-p", "podplay-sim", "--locked", "--", "--test"])?;
    }
    Ok(())
}

/// The playground's native tests, in a cargo run of their own: built with
/// the workspace, podplay-core would get the CLI's `embedded-docs` (cargo
/// unifies features across the packages of one run), while the playground
/// is built without it and fetches the field docs.
fn web_tests() -> Result {
    // Tells web/tests/docs_apart.rs that this build is the playground's own.
    let alone = [("PODPLAY_WEB_TESTS_ALONE", "1")];
    run_with("cargo", &["test", "-p", "podplay-web", "--all-targets", "--locked"], &project_root(), &alone)
}

/// `podplay exec`'s tests build their images from Debian's static busybox
/// (a dynamic one would find no libc inside the image), push them with
/// skopeo to a registry of their own (Debian's docker-registry on
/// loopback) and pull them back.
fn ensure_busybox_static() -> Result {
    let missing: Vec<&str> = ["busybox-static", "docker-registry", "skopeo"]
        .into_iter()
        .filter(|package| {
            let status = output("dpkg-query", &["-W", "-f=${Status}", package]).unwrap_or_default();
            !status.contains("install ok installed")
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    crate::web::apt_install(&missing)
}

/// The pure crates must build for the browser.
pub fn wasm_check() -> Result {
    ensure_wasm_target()?;
    run("cargo", &["check", "-p", "podplay-core", "-p", "podplay-sim", "--target", WASM_TARGET, "--locked"])
}

/// rustup's minimal profile has neither rustfmt nor clippy.
fn ensure_component(cargo_command: &str, component: &str) -> Result {
    if output("cargo", &[cargo_command, "--version"]).is_some() {
        return Ok(());
    }
    run("rustup", &["component", "add", component])
}

pub fn ensure_wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    run("rustup", &["target", "add", WASM_TARGET])
}
