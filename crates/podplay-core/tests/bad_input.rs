//! No input may panic or hang: arbitrary bytes, mutated Pods, deep nesting,
//! alias bombs, huge files. Each gives located diagnostics instead.

use podplay_core::{analyze, analyze_bytes};
use proptest::prelude::*;

const POD: &str = include_str!("../../../examples/lifecycle-hooks.yaml");

/// Every diagnostic has a real position inside the text.
fn assert_located(text: &str, analysis: &podplay_core::Analysis) {
    let lines = text.lines().count().max(1) as u32 + 1;
    for d in &analysis.diagnostics {
        assert!(d.line >= 1 && d.line <= lines, "line {} of {lines}: {d:?}", d.line);
        assert!(d.column >= 1, "{d:?}");
        assert!(!d.message.is_empty());
        // What the decoder lets through, the typed step must take.
        assert!(!d.message.starts_with("internal error"), "{d:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let analysis = analyze_bytes(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            assert_located(text, &analysis);
        }
    }

    #[test]
    fn yamlish_text_never_panics(text in "[ a-z:\\-\\[\\]{}&*!|>'\"#,.0-9\n\t]{0,400}") {
        let analysis = analyze(&text);
        assert_located(&text, &analysis);
    }

    #[test]
    fn mutated_pods_never_panic(cut in 0usize..2000, insert in "[ a-zA-Z0-9:\\-\n\"'\\[\\]{}&*]{0,12}") {
        let mut text = POD.to_string();
        let at = cut.min(text.len());
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.insert_str(at, &insert);
        let analysis = analyze(&text);
        assert_located(&text, &analysis);
    }
}

#[test]
fn billion_laughs_is_an_error_not_a_hang() {
    let mut text =
        String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    a0: &a0 \"lol\"\n");
    let mut previous = "a0".to_string();
    for i in 1..12 {
        let name = format!("a{i}");
        let refs = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("    {name}: &{name} [{refs}]\n"));
        previous = name;
    }
    let analysis = analyze(&text);
    assert!(!analysis.is_valid());
    assert!(
        analysis.diagnostics.iter().any(|d| d.message.contains("excessive aliasing")),
        "{:?}",
        analysis.diagnostics
    );
}

#[test]
fn deep_nesting_is_an_error() {
    let text = format!("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    assert!(!analyze(&text).is_valid());
}

#[test]
fn huge_input_is_refused_up_front() {
    let text = "#".repeat(4 * 1024 * 1024);
    let analysis = analyze(&text);
    assert!(analysis.diagnostics[0].message.contains("at most 3145728 bytes"));
}

#[test]
fn many_documents_are_fine() {
    let text = format!("{POD}---\n").repeat(200);
    let analysis = analyze(&text);
    assert!(analysis.is_valid(), "{:?}", analysis.diagnostics.first());
    assert_eq!(analysis.valid_pods().count(), 200);
}
