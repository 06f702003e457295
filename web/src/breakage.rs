//! Breaking the spec on purpose: edits to the learner's YAML that make the
//! first container's image missing or its postStart hook fail, or add a
//! container that allocates past its memory limit.
//!
//! They change the text in the editor, not a hidden copy, so the learner
//! sees exactly what was broken and can undo it by editing. Each edit is
//! located with the spec pipeline's span index and kept only when the new
//! text is still a valid Pod: a break never produces a YAML mistake.

use podplay_core::path::FieldPath;
use podplay_core::{Analysis, AnalyzedDocument, analyze};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecBreak {
    /// Point the image at a tag the registry does not have.
    MissingImage,
    /// Give the container a postStart hook that exits 1.
    FailingPostStart,
    /// Add a container that allocates 128 MiB under a 64Mi limit.
    MemoryHog,
}

/// The text with the break applied, or `None` when the text is not a valid
/// Pod or the break cannot be placed. `analysis` is the text's own (the
/// playground already holds it).
pub fn apply(text: &str, analysis: &Analysis, which: SpecBreak) -> Option<String> {
    if !analysis.is_valid() {
        return None;
    }
    let pod = analysis.documents.iter().find(|d| matches!(d.object, podplay_core::Object::Pod(_)))?;
    let chars: Vec<char> = text.chars().collect();
    let broken = match which {
        SpecBreak::MissingImage => missing_image(&chars, pod)?,
        SpecBreak::FailingPostStart => failing_post_start(&chars, pod)?,
        SpecBreak::MemoryHog => memory_hog(&chars, pod)?,
    };
    analyze(&broken).is_valid().then_some(broken)
}

fn container() -> FieldPath {
    FieldPath::new("spec.containers").index(0)
}

fn missing_image(chars: &[char], pod: &AnalyzedDocument) -> Option<String> {
    let image = pod.spans.get(&container().child("image"))?.value;
    let old: String = chars.get(image.start.offset as usize..image.end.offset as usize)?.iter().collect();
    let old = old.trim_matches(|c| c == '"' || c == '\'');
    // Keep the repository, so the pull error names the learner's image.
    let repository = match old.rfind(':') {
        Some(i) if !old[i..].contains('/') => &old[..i],
        _ => old.split('@').next().unwrap_or(old),
    };
    Some(splice(chars, image.start.offset, image.end.offset, &format!("{repository}:does-not-exist")))
}

const HOOK: &str = r#"exec: {command: ["sh", "-c", "echo postStart fails; exit 1"]}"#;

fn failing_post_start(chars: &[char], pod: &AnalyzedDocument) -> Option<String> {
    let c = container();
    let lifecycle = c.child("lifecycle");
    let post_start = lifecycle.child("postStart");
    if let Some(located) = pod.spans.get(&post_start) {
        // Replace the existing handler, whatever it was.
        let key = located.key?;
        let indent = key.start.column - 1;
        let block = format!("postStart:\n{}  {HOOK}", spaces(indent));
        // A block value's span runs to the next key; keep the line break.
        return Some(splice(chars, key.start.offset, trim_back(chars, located.value.end.offset), &block));
    }
    if let Some(located) = pod.spans.get(&lifecycle) {
        // Add postStart as lifecycle's first entry, at its entries' indent.
        let key = located.key?;
        let first = located.value;
        if first.start.line == key.start.line {
            return None; // a flow mapping (`lifecycle: {…}`); left alone
        }
        let indent = first.start.column - 1;
        let at = line_start(chars, first.start.offset);
        let block = format!("{0}postStart:\n{0}  {HOOK}\n", spaces(indent));
        return Some(splice(chars, at, at, &block));
    }
    // No lifecycle yet: add one after the image line, at the container's
    // field indent.
    let image_key = pod.spans.get(&c.child("image"))?.key?;
    let image_value = pod.spans.get(&c.child("image"))?.value;
    let indent = image_key.start.column - 1;
    let at = line_end(chars, image_value.end.offset);
    let block = format!("\n{0}lifecycle:\n{0}  postStart:\n{0}    {HOOK}", spaces(indent));
    Some(splice(chars, at, at, &block))
}

/// The container the memory break adds: `stress` holding 128 MiB in a
/// 64Mi cgroup, which the OOM killer ends (OOMKilled, exit code 137).
const HOG: [&str; 6] = [
    "- name: memory-hog",
    "  image: polinux/stress:1.0.4",
    "  command: [\"stress\", \"--vm\", \"1\", \"--vm-bytes\", \"128M\", \"--vm-hang\", \"1\"]",
    "  resources:",
    "    limits:",
    "      memory: 64Mi",
];

fn memory_hog(chars: &[char], pod: &AnalyzedDocument) -> Option<String> {
    let containers = FieldPath::new("spec.containers");
    if pod.spans.get(&containers.index(0).child("name"))?.key?.start.line == pod.spans.get(&containers)?.key?.start.line
    {
        return None; // a flow sequence (`containers: [{…}]`); left alone
    }
    // After the last container, with the first one's dash indent.
    let mut last = 0;
    while pod.spans.get(&containers.index(last + 1)).is_some() {
        last += 1;
    }
    let name_key = pod.spans.get(&containers.index(0).child("name"))?.key?;
    let indent = name_key.start.column.checked_sub(3)?;
    let end = pod.spans.get(&containers.index(last))?.value.end.offset;
    let at = line_end(chars, trim_back(chars, end));
    let block: String = HOG.iter().map(|line| format!("\n{}{line}", spaces(indent))).collect();
    Some(splice(chars, at, at, &block))
}

fn spaces(n: u32) -> String {
    " ".repeat(n as usize)
}

fn splice(chars: &[char], from: u32, to: u32, with: &str) -> String {
    let (from, to) = (from as usize, (to as usize).min(chars.len()));
    let mut out: String = chars[..from.min(to)].iter().collect();
    out.push_str(with);
    out.extend(chars[to..].iter());
    out
}

/// The offset just after the last non-blank character before `offset`.
fn trim_back(chars: &[char], offset: u32) -> u32 {
    let at = (offset as usize).min(chars.len());
    chars[..at].iter().rposition(|c| !c.is_whitespace()).map_or(0, |i| i as u32 + 1)
}

fn line_start(chars: &[char], offset: u32) -> u32 {
    let at = (offset as usize).min(chars.len());
    chars[..at].iter().rposition(|c| *c == '\n').map_or(0, |i| i as u32 + 1)
}

fn line_end(chars: &[char], offset: u32) -> u32 {
    let at = (offset as usize).min(chars.len());
    chars[at..].iter().position(|c| *c == '\n').map_or(chars.len() as u32, |i| (at + i) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::EXAMPLES;

    fn apply(text: &str, which: SpecBreak) -> Option<String> {
        super::apply(text, &analyze(text), which)
    }

    fn example(file: &str) -> &'static str {
        EXAMPLES.iter().find(|e| e.file == file).map(|e| e.yaml).expect("example exists")
    }

    #[test]
    fn missing_image_keeps_the_repository() {
        let broken = apply(example("nginx-pod"), SpecBreak::MissingImage).unwrap();
        assert!(broken.contains("image: nginx:does-not-exist"), "{broken}");
    }

    #[test]
    fn post_start_is_added_where_there_is_no_lifecycle() {
        let broken = apply(example("nginx-pod"), SpecBreak::FailingPostStart).unwrap();
        assert!(broken.contains("lifecycle:\n      postStart:\n        exec:"), "{broken}");
    }

    #[test]
    fn post_start_is_replaced_where_there_is_one() {
        let text = example("lifecycle-hooks");
        let broken = apply(text, SpecBreak::FailingPostStart).unwrap();
        assert!(broken.contains("exit 1"), "{broken}");
        assert!(broken.contains("      postStart:\n        exec: {command: [\"sh\", \"-c\", \"echo postStart fails; exit 1\"]}\n      preStop:"), "preStop is kept: {broken}");
    }

    #[test]
    fn the_memory_hog_is_a_container_after_the_last_one_and_is_oom_killed() {
        let broken = apply(example("nginx-pod"), SpecBreak::MemoryHog).unwrap();
        assert!(broken.contains("\n  - name: memory-hog\n    image: polinux/stress:1.0.4\n"), "{broken}");
        let analysis = analyze(&broken);
        let pod = analysis.valid_pods().next().unwrap().clone();
        let names: Vec<_> = pod.spec.as_ref().unwrap().containers.iter().map(|c| c.name.clone()).collect();
        assert_eq!(names.last().map(String::as_str), Some("memory-hog"));
        let mut sim = podplay_sim::Simulation::new(&pod, podplay_core::cluster::default_nodes());
        sim.run_until(podplay_sim::Until::Time(podplay_core::time::MonoTime(20_000)));
        let hog =
            sim.pod().status.unwrap().container_statuses.unwrap().into_iter().find(|c| c.name == "memory-hog").unwrap();
        let last = hog.last_state.unwrap().terminated.unwrap();
        assert_eq!((last.reason.as_deref(), last.exit_code), (Some("OOMKilled"), 137));
    }

    #[test]
    fn every_example_can_be_broken_every_way_into_a_valid_pod() {
        for e in EXAMPLES {
            for which in [SpecBreak::MissingImage, SpecBreak::FailingPostStart, SpecBreak::MemoryHog] {
                let broken = apply(e.yaml, which);
                // Every example has a first container with an image on its own line.
                let broken = broken.unwrap_or_else(|| panic!("{} {which:?}", e.file));
                assert!(analyze(&broken).is_valid(), "{} {which:?}", e.file);
                assert_ne!(broken, e.yaml);
            }
        }
    }

    #[test]
    fn an_invalid_text_is_left_alone() {
        assert_eq!(apply("kind: Pod\nspec: [", SpecBreak::MissingImage), None);
    }
}
