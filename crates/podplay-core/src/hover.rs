//! Field docs at the cursor: what the playground shows when the learner's
//! cursor is on a key (the same data as `podplay explain`).

use crate::analyze::{Analysis, Object};
use crate::path::Segment;
use crate::schema::ExplainType;
use crate::schema::explain::lookup;

/// The docs of the field under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// The field path as written (`spec.containers[0].image`).
    pub path: String,
    /// The `podplay explain` query (`pod.spec.containers.image`).
    pub query: String,
    /// The type as `kubectl explain` writes it (`string`, `[]Container`).
    pub type_name: String,
    pub required: bool,
    pub description: String,
}

/// The field at character `offset` of the analyzed text, with its docs.
pub fn hover(analysis: &Analysis, offset: u32) -> Option<Hover> {
    let document = analysis.documents.iter().find(|d| d.span.start.offset <= offset && offset <= d.span.end.offset)?;
    let kind = match document.object {
        Object::Pod(_) => "pod",
        Object::Node(_) => "node",
        Object::Other { .. } => return None,
    };
    let path = document.spans.path_at(offset)?;
    // Docs follow struct fields; list indexes are skipped and a map key
    // shows its map's docs.
    let mut fields = Vec::new();
    for segment in path.segments() {
        match segment {
            Segment::Field(f) => fields.push(f.as_str()),
            Segment::Index(_) => {}
            Segment::Key(_) => break,
        }
    }
    if fields.is_empty() {
        return None;
    }
    let query = format!("{kind}.{}", fields.join("."));
    let doc = lookup(&query).ok()?;
    Some(Hover {
        path: path.to_string(),
        query,
        type_name: doc.ty.map(|t| ExplainType(t).to_string()).unwrap_or_default(),
        required: doc.required,
        description: doc.description.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_for_the_key_under_the_cursor() {
        crate::schema::ensure_docs_for_tests();
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostAliases:\n  - ip: 10.1.2.3\n  containers:\n  - name: web\n    image: nginx\n";
        let analysis = crate::analyze(text);
        let at = |needle: &str| u32::try_from(text.find(needle).unwrap()).unwrap() + 1;
        let h = hover(&analysis, at("image")).unwrap();
        assert_eq!(
            (h.path.as_str(), h.query.as_str(), h.type_name.as_str()),
            ("spec.containers[0].image", "pod.spec.containers.image", "string")
        );
        assert!(h.description.starts_with("Container image name."), "{}", h.description);
        let h = hover(&analysis, at("ip:")).unwrap();
        assert_eq!((h.query.as_str(), h.required), ("pod.spec.hostAliases.ip", true));
        let h = hover(&analysis, at("hostAliases")).unwrap();
        assert_eq!(h.type_name, "[]HostAlias");
        assert_eq!(hover(&analysis, 0).map(|h| h.query), Some("pod.apiVersion".to_string()));
    }
}

/// A field name that can be typed at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub name: String,
    /// The type as `kubectl explain` writes it.
    pub type_name: String,
    pub required: bool,
    /// The first sentence of the field's description.
    pub summary: String,
}

/// The fields of the object being written at character `offset`, not yet
/// present there, starting with what is typed so far. `analysis` is the
/// text's own, reused when nothing is typed yet.
pub fn completions(analysis: &Analysis, text: &str, offset: u32) -> Vec<Completion> {
    let chars: Vec<char> = text.chars().collect();
    let offset = (offset as usize).min(chars.len());
    let line_start = chars[..offset].iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
    let before: String = chars[line_start..offset].iter().collect();
    // Only while typing a key: letters after the indentation (and list dashes).
    let trimmed = before.trim_start();
    let after_dashes = trimmed.trim_start_matches("- ");
    if after_dashes.contains(':') || after_dashes.contains(' ') || after_dashes.starts_with('#') {
        return Vec::new();
    }
    let column = before.chars().count() - after_dashes.chars().count();
    let typed = after_dashes;
    // A half-typed key breaks the YAML; analyze the text without it (the
    // lines above, whose positions matter, are unchanged).
    let reanalyzed;
    let analysis = if typed.is_empty() {
        analysis
    } else {
        let mut without: Vec<char> = chars.clone();
        without.drain(offset - typed.chars().count()..offset);
        reanalyzed = crate::analyze(&without.into_iter().collect::<String>());
        &reanalyzed
    };
    let Some(document) = analysis.documents.iter().find(|d| d.span.start.offset as usize <= offset) else {
        return root_completions(typed);
    };
    let kind = match document.object {
        Object::Pod(_) => "pod",
        Object::Node(_) => "node",
        Object::Other { .. } => return Vec::new(),
    };
    // The object: the parent of a sibling key at the same column above, or
    // the key just above at a smaller column.
    let lines: Vec<(usize, String)> = text_lines_before(&chars, line_start);
    let mut parent_query = None;
    for (line_offset, line) in lines.iter().rev() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let key_part = content.trim_start_matches("- ");
        let key_column = line.chars().count() - key_part.chars().count();
        let Some(colon) = key_part.find(':') else { continue };
        let key_offset = (*line_offset + key_column) as u32;
        let Some(path) = document.spans.path_at(key_offset) else { continue };
        let fields = field_names(path);
        if key_column == column {
            let mut parent = fields.clone();
            parent.pop();
            parent_query = Some(parent);
            break;
        }
        if key_column < column {
            let _ = colon;
            parent_query = Some(fields);
            break;
        }
    }
    let Some(parent) = parent_query else { return root_completions(typed) };
    let query = if parent.is_empty() { kind.to_string() } else { format!("{kind}.{}", parent.join(".")) };
    let Ok(doc) = lookup(&query) else { return Vec::new() };
    let Some(object) = doc.object else { return Vec::new() };
    // Keys already written in this object are not offered again.
    let mut present = Vec::new();
    let after = text_lines_after(&chars, line_start);
    for block in [lines.iter().rev().collect::<Vec<_>>(), after.iter().collect::<Vec<_>>()] {
        for (_, l) in block {
            let content = l.trim_start();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let k = content.trim_start_matches("- ");
            let col = l.chars().count() - k.chars().count();
            if col < column {
                break; // left this object
            }
            if col == column {
                present.push(k.split(':').next().unwrap_or("").to_string());
                // A list item's first key starts the object.
                if content.starts_with("- ") {
                    break;
                }
            }
        }
    }
    object
        .properties
        .iter()
        .filter(|(name, _)| name.starts_with(typed) && !present.iter().any(|p| p == *name && p != typed))
        .map(|(name, p)| Completion {
            name: name.clone(),
            type_name: ExplainType(&p.ty).to_string(),
            required: object.required.contains(name),
            summary: object.field_description(name).split(". ").next().unwrap_or("").trim_end_matches('.').to_string(),
        })
        .collect()
}

fn root_completions(typed: &str) -> Vec<Completion> {
    ["apiVersion", "kind", "metadata", "spec"]
        .iter()
        .filter(|n| n.starts_with(typed))
        .map(|n| Completion { name: n.to_string(), type_name: String::new(), required: false, summary: String::new() })
        .collect()
}

fn field_names(path: &crate::path::FieldPath) -> Vec<String> {
    let mut out = Vec::new();
    for s in path.segments() {
        match s {
            Segment::Field(f) => out.push(f.clone()),
            Segment::Index(_) => {}
            Segment::Key(_) => break,
        }
    }
    out
}

/// The lines before `end` (character offset of a line start): (start offset, text).
fn text_lines_before(chars: &[char], end: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..end {
        if chars[i] == '\n' {
            out.push((start, chars[start..i].iter().collect()));
            start = i + 1;
        }
    }
    out
}

/// The lines from the one after `start` to the end (to find siblings below).
fn text_lines_after(chars: &[char], start: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let first_end = chars[start..].iter().position(|c| *c == '\n').map_or(chars.len(), |i| start + i);
    let mut s = first_end + 1;
    let mut i = s;
    while i <= chars.len() {
        if i == chars.len() || chars[i] == '\n' {
            if s < i {
                out.push((s, chars[s..i].iter().collect()));
            }
            s = i + 1;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod completion_tests {
    use super::*;

    fn complete(text_with_cursor: &str) -> Vec<String> {
        let offset = text_with_cursor.find('|').unwrap();
        let text = text_with_cursor.replace('|', "");
        completions(&crate::analyze(&text), &text, text[..offset].chars().count() as u32)
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn container_fields_after_a_sibling() {
        crate::schema::ensure_docs_for_tests();
        let names = complete(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ima|\n",
        );
        // `image` is already there.
        assert_eq!(names, ["imagePullPolicy"]);
    }

    #[test]
    fn spec_fields_under_spec() {
        crate::schema::ensure_docs_for_tests();
        let names = complete(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n  hostA|\n",
        );
        assert_eq!(names, ["hostAliases"]);
        let names = complete(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n  node|\n",
        );
        assert_eq!(names, ["nodeName", "nodeSelector"]);
    }

    #[test]
    fn keys_of_another_list_item_do_not_count() {
        crate::schema::ensure_docs_for_tests();
        let names = complete(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: a\n    image: nginx\n  - name: b\n    ima|\n",
        );
        assert_eq!(names, ["image", "imagePullPolicy"]);
    }

    #[test]
    fn nothing_while_typing_a_value() {
        crate::schema::ensure_docs_for_tests();
        assert!(complete("apiVersion: v1\nkind: Pod\nmetadata:\n  name: we|\n").is_empty());
    }
}
