//! JSON → YAML text in kubectl's `-o yaml` style: keys sorted, two-space
//! indent, list items at their parent key's indent, quotes only where a plain
//! scalar would read back as something else.

use serde_json::Value as Json;

use super::Value;
use super::scalar::resolve_plain;

/// Writes `value` as a YAML document.
pub fn to_yaml(value: &Json) -> String {
    let mut out = String::new();
    match value {
        Json::Object(map) if !map.is_empty() => write_map(map, 0, &mut out),
        Json::Array(items) if !items.is_empty() => write_seq(items, 0, &mut out),
        scalar => {
            out.push_str(&scalar_text(scalar, 0));
            out.push('\n');
        }
    }
    out
}

fn write_map(map: &serde_json::Map<String, Json>, indent: usize, out: &mut String) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&string_text(key, indent));
        out.push(':');
        write_value_after_key(value, indent, out);
    }
}

fn write_value_after_key(value: &Json, indent: usize, out: &mut String) {
    match value {
        Json::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(m, indent + 2, out);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(items, indent, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar, indent + 2));
            out.push('\n');
        }
    }
}

fn write_seq(items: &[Json], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Json::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line.
                let mut first = true;
                for (key, value) in m {
                    if !first {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    first = false;
                    out.push_str(&string_text(key, indent + 2));
                    out.push(':');
                    write_value_after_key(value, indent + 2, out);
                }
            }
            Json::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(inner, indent + 2, out);
            }
            scalar => {
                out.push_str(&scalar_text(scalar, indent + 2));
                out.push('\n');
            }
        }
    }
}

fn scalar_text(value: &Json, indent: usize) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => string_text(s, indent),
        Json::Array(_) => "[]".into(),
        Json::Object(_) => "{}".into(),
    }
}

fn string_text(s: &str, indent: usize) -> String {
    if s.contains('\n') && !s.contains(|c: char| c.is_control() && c != '\n') && !s.starts_with(' ') {
        let pad = " ".repeat(indent);
        let chomp = if s.ends_with('\n') { "" } else { "-" };
        let body: Vec<String> = s
            .trim_end_matches('\n')
            .split('\n')
            .map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") })
            .collect();
        return format!("|{chomp}\n{}", body.join("\n"));
    }
    if needs_quotes(s) { crate::json::quote(s) } else { s.to_string() }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || resolve_plain(s) != Value::String(s.to_string()) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    "-?:,[]{}#&*!|>'\"%@` ".contains(first)
        || s.ends_with(' ')
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_style() {
        let v = serde_json::json!({"spec": {"containers": [{"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]}], "hostNetwork": true}, "x": "yes", "e": ""});
        assert_eq!(
            to_yaml(&v),
            "e: \"\"\nspec:\n  containers:\n  - image: nginx\n    name: a\n    ports:\n    - containerPort: 80\n  hostNetwork: true\nx: \"yes\"\n"
        );
    }

    #[test]
    fn round_trips_through_the_loader() {
        let v = serde_json::json!({"a": ["1", "on", "x: y", "- z", "multi\nline", "#c", 3, null], "b": {}});
        let text = to_yaml(&v);
        let loaded = crate::yaml::load(&text);
        assert!(loaded.error.is_none(), "{text}");
        let root = &loaded.documents[0].root;
        let Value::Seq(items) = &root.get("a").unwrap().value.value else { panic!("{text}") };
        assert_eq!(items[1].value, Value::String("on".into()));
        assert_eq!(items[4].value, Value::String("multi\nline".into()));
    }
}
