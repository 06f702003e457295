//! `podplay image import|pull|ls|rm`: the store `podplay exec` runs images from.

use crate::args::ImageCommand;

#[cfg(not(target_os = "linux"))]
pub fn run(_command: &ImageCommand) -> u8 {
    eprintln!("error: podplay's image store serves `podplay exec`, which needs Linux");
    2
}

#[cfg(target_os = "linux")]
pub fn run(command: &ImageCommand) -> u8 {
    use podplay_linux::image::ImageStore;

    use crate::output::Out;

    let root = match command {
        ImageCommand::Import { images, .. }
        | ImageCommand::Pull { images, .. }
        | ImageCommand::Ls { images }
        | ImageCommand::Rm { images, .. } => images,
    };
    let store = match ImageStore::open(root) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: image store {}: {e}", root.display());
            return 2;
        }
    };
    let mut out = Out::default();
    let code = match command {
        ImageCommand::Import { path, name, .. } => match store.import(path, name.as_deref()) {
            Ok(records) => {
                for r in records {
                    out.line(&format!("imported {} ({}, {} bytes)", r.reference, short(&r.id), r.size_bytes));
                }
                0
            }
            Err(e) => {
                eprintln!("error: import {}: {e}", path.display());
                1
            }
        },
        ImageCommand::Pull { reference, insecure_registries, .. } => pull(&store, reference, insecure_registries),
        ImageCommand::Ls { .. } => match store.list() {
            Ok(records) => {
                out.line(&format!("{:<50} {:<14} {:>12}", "IMAGE", "IMAGE ID", "SIZE"));
                for r in records {
                    out.line(&format!("{:<50} {:<14} {:>12}", r.reference, short(&r.id), r.size_bytes));
                }
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        },
        ImageCommand::Rm { reference, .. } => match store.remove(reference) {
            Ok(r) => {
                out.line(&format!("Deleted: {} ({})", r.reference, r.id));
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        },
    };
    out.flush();
    code
}

/// `sha256:0123456789abcdef…` → `0123456789ab`, as `crictl images` shows ids.
#[cfg(target_os = "linux")]
fn short(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

/// Set by Ctrl-C while a pull runs: the pull stops and leaves nothing.
#[cfg(target_os = "linux")]
static INTERRUPTED: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> = std::sync::OnceLock::new();

#[cfg(target_os = "linux")]
extern "C" fn on_interrupt(_: libc::c_int) {
    if let Some(flag) = INTERRUPTED.get() {
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `podplay image pull`: a progress line per blob on a terminal, then
/// the image as `ls` lists it.
#[cfg(target_os = "linux")]
fn pull(store: &podplay_linux::image::ImageStore, reference: &str, insecure: &[String]) -> u8 {
    use std::io::{IsTerminal, Write};
    let cancel = INTERRUPTED.get_or_init(Default::default).clone();
    let handler = nix::sys::signal::SigAction::new(
        nix::sys::signal::SigHandler::Handler(on_interrupt),
        nix::sys::signal::SaFlags::empty(),
        nix::sys::signal::SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic.
    let _ = unsafe { nix::sys::signal::sigaction(nix::sys::signal::Signal::SIGINT, &handler) };
    let options = podplay_linux::image::PullOptions {
        insecure_registries: insecure.to_vec(),
        auth_file: None,
        cancel: Some(cancel.clone()),
    };
    let terminal = std::io::stderr().is_terminal();
    let full = podplay_core::image_ref::normalize(reference);
    println!("Pulling image \"{full}\"");
    let mut show = |p: &podplay_linux::image::Progress| {
        if terminal {
            let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
            eprint!("\r\x1b[K{}: {:.1}/{:.1} MiB", p.blob, mib(p.done), mib(p.total));
            let _ = std::io::stderr().flush();
        }
    };
    let result = store.pull(reference, &options, &mut show);
    if terminal {
        eprint!("\r\x1b[K");
    }
    match result {
        Ok(pulled) => {
            let seconds = pulled.took.as_secs_f64();
            let rate = pulled.fetched_bytes as f64 / seconds.max(0.001);
            println!(
                "pulled {} ({}, {} bytes) in {seconds:.3}s: {} bytes fetched, {:.1} MB/s",
                pulled.record.reference,
                short(&pulled.record.id),
                pulled.record.size_bytes,
                pulled.fetched_bytes,
                rate / 1e6
            );
            0
        }
        Err(_) if cancel.load(std::sync::atomic::Ordering::Relaxed) => {
            eprintln!("error: pull of {full} interrupted; nothing was stored");
            130
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
