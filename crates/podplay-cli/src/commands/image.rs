//! `podplay image import|ls|rm`: the store `podplay exec` runs images from.

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
        ImageCommand::Import { images, .. } | ImageCommand::Ls { images } | ImageCommand::Rm { images, .. } => images,
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
