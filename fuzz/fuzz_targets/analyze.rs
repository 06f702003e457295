//! The whole spec pipeline on arbitrary bytes: it must never panic, and every
//! diagnostic must point inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let analysis = podplay_core::analyze_bytes(data);
    for d in &analysis.diagnostics {
        assert!(d.line >= 1 && d.column >= 1);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = analysis.kubectl_summary("fuzz.yaml");
        let _ = text;
    }
});
