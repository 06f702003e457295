//! `podplay validate`.

use std::io::Read;
use std::path::Path;

use podplay_core::{Analysis, Object, analyze_bytes};

use crate::args::{Output, ValidateArgs};
use crate::output::Out;

pub fn run(args: &ValidateArgs) -> u8 {
    let mut out = Out::default();
    let mut any_invalid = false;
    for file in &args.files {
        let name = file.to_string_lossy().into_owned();
        let bytes = match read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return 2;
            }
        };
        let analysis = analyze_bytes(&bytes);
        any_invalid |= !analysis.is_valid();
        match args.output {
            Output::Text => print_text(&mut out, &name, &analysis, args.show_defaults),
            Output::Json => print_json(&mut out, &name, &analysis, args.show_defaults),
        }
        out.flush();
    }
    u8::from(any_invalid)
}

fn read(file: &Path) -> std::io::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(file)
    }
}

pub(crate) fn print_text(out: &mut Out, name: &str, analysis: &Analysis, show_defaults: bool) {
    for d in &analysis.diagnostics {
        out.line(&d.render(name));
    }
    if !analysis.is_valid() {
        out.text(&analysis.kubectl_summary(name));
        return;
    }
    let pods = analysis.documents.iter().filter(|d| matches!(d.object, Object::Pod(_))).count();
    let nodes = analysis.documents.iter().filter(|d| matches!(d.object, Object::Node(_))).count();
    if show_defaults {
        for (i, pod) in analysis.valid_pods().enumerate() {
            if i > 0 {
                out.line("---");
            }
            out.text(&defaulted_yaml(pod));
        }
    } else {
        println!("{name}: valid ({pods} Pod{}, {nodes} Node{})", plural(pods), plural(nodes));
    }
}

fn print_json(out: &mut Out, name: &str, analysis: &Analysis, show_defaults: bool) {
    let mut object = serde_json::json!({
        "file": name,
        "valid": analysis.is_valid(),
        "diagnostics": analysis.diagnostics,
    });
    if show_defaults {
        let pods: Vec<serde_json::Value> = analysis.valid_pods().filter_map(|p| serde_json::to_value(p).ok()).collect();
        object["defaulted"] = serde_json::Value::Array(pods);
    }
    out.line(&object.to_string());
}

fn defaulted_yaml(pod: &k8s_openapi::api::core::v1::Pod) -> String {
    match serde_json::to_value(pod) {
        Ok(value) => podplay_core::yaml::to_yaml(&value),
        Err(e) => format!("# cannot print: {e}\n"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
