//! `kubectl explain`, offline: the field docs of the embedded schema.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{Definition, ExplainType, NODE, POD, Schema, TypeRef, schema, short_name};

/// What a field path resolves to.
#[derive(Debug)]
pub struct FieldDoc<'a> {
    /// The kind at the root (`Pod`).
    pub kind: &'static str,
    /// The field's name; empty for the kind itself.
    pub name: String,
    /// The field's type; `None` for the kind itself.
    pub ty: Option<&'a TypeRef>,
    /// The field's own description.
    pub description: &'a str,
    pub required: bool,
    /// The object the field's type resolves to (through arrays and maps).
    pub object: Option<&'a Definition>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExplainError {
    /// The first word is not a kind podplay knows.
    UnknownResource(String),
    /// A field along the path does not exist.
    UnknownField(String),
}

impl std::fmt::Display for ExplainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // kubectl's own words for both cases.
            ExplainError::UnknownResource(r) => {
                write!(f, "the server doesn't have a resource type \"{r}\"")
            }
            ExplainError::UnknownField(field) => write!(f, "field \"{field}\" does not exist"),
        }
    }
}

/// Resolves `pod.spec.containers.image` (also `pods.…`, `po.…`, `node.…`).
pub fn lookup(query: &str) -> Result<FieldDoc<'static>, ExplainError> {
    let s = schema();
    let mut parts = query.split('.').filter(|p| !p.is_empty());
    let resource = parts.next().unwrap_or("");
    let (kind, root) = match resource.to_ascii_lowercase().as_str() {
        "pod" | "pods" | "po" => ("Pod", POD),
        "node" | "nodes" | "no" => ("Node", NODE),
        _ => return Err(ExplainError::UnknownResource(resource.to_string())),
    };
    let root_def = s.definition(root).ok_or_else(|| ExplainError::UnknownResource(resource.to_string()))?;
    let mut doc = FieldDoc {
        kind,
        name: String::new(),
        ty: None,
        description: root_def.description(),
        required: false,
        object: Some(root_def),
    };
    for part in parts {
        let parent = doc.object.ok_or_else(|| ExplainError::UnknownField(part.to_string()))?;
        let property = parent.properties.get(part).ok_or_else(|| ExplainError::UnknownField(part.to_string()))?;
        doc = FieldDoc {
            kind,
            name: part.to_string(),
            ty: Some(&property.ty),
            description: parent.field_description(part),
            required: parent.required.iter().any(|r| r == part),
            object: element_object(s, &property.ty),
        };
    }
    Ok(doc)
}

/// The text `kubectl explain QUERY [--recursive]` prints.
pub fn explain(query: &str, recursive: bool) -> Result<String, ExplainError> {
    let s = schema();
    let doc = lookup(query)?;
    let mut out = String::new();
    let _ = writeln!(out, "KIND:       {}", doc.kind);
    let _ = writeln!(out, "VERSION:    v1\n");
    if let Some(ty) = doc.ty {
        let _ = writeln!(
            out,
            "FIELD: {} <{}>{}\n",
            doc.name,
            ExplainType(ty),
            if doc.required { " -required-" } else { "" }
        );
    }
    out.push_str("DESCRIPTION:\n");
    let mut description = doc.description.to_string();
    if let Some(object) = doc.object.filter(|_| doc.ty.is_some()) {
        // kubectl shows the field's description, then its type's.
        if !object.description().is_empty() {
            description = format!("{description}\n{}", object.description());
        }
    }
    if description.is_empty() {
        description = "<empty>".into();
    }
    wrap_into(&mut out, &description, 4);
    out.push_str("    \n");
    if let Some(object) = doc.object.filter(|o| !o.properties.is_empty()) {
        out.push_str("FIELDS:\n");
        if recursive {
            let mut visiting = BTreeSet::new();
            write_tree(s, object, 1, &mut visiting, &mut out);
        } else {
            for (name, property) in &object.properties {
                let required = if object.required.contains(name) { " -required-" } else { "" };
                let _ = writeln!(out, "  {name}\t<{}>{required}", ExplainType(&property.ty));
                if !property.enum_values.is_empty() {
                    let _ = writeln!(out, "  enum: {}", property.enum_values.join(", "));
                }
                let text = match object.field_description(name) {
                    "" => "<no description>",
                    text => text,
                };
                wrap_into(&mut out, text, 4);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

fn write_tree(
    s: &Schema,
    object: &Definition,
    depth: usize,
    visiting: &mut BTreeSet<*const Definition>,
    out: &mut String,
) {
    if !visiting.insert(object as *const Definition) {
        return; // a recursive type: kubectl stops there too
    }
    for (name, property) in &object.properties {
        let required = if object.required.contains(name) { " -required-" } else { "" };
        let _ = writeln!(out, "{}{name}\t<{}>{required}", "  ".repeat(depth), ExplainType(&property.ty));
        if let Some(child) = element_object(s, &property.ty) {
            write_tree(s, child, depth + 1, visiting, out);
        }
    }
    visiting.remove(&(object as *const Definition));
}

/// The object definition behind a type, looking through arrays and maps.
fn element_object<'a>(s: &'a Schema, ty: &TypeRef) -> Option<&'a Definition> {
    match ty {
        TypeRef::Array(inner) | TypeRef::Map(inner) => element_object(s, inner),
        TypeRef::Ref(_) => s.object(ty),
        _ => None,
    }
}

/// Word-wraps `text` to 80 columns with `indent` spaces, keeping paragraphs.
fn wrap_into(out: &mut String, text: &str, indent: usize) {
    const WIDTH: usize = 80;
    let pad = " ".repeat(indent);
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > WIDTH {
                let _ = writeln!(out, "{pad}{line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        let _ = writeln!(out, "{pad}{line}");
    }
}

/// The type name of a definition, for completions (`Container`).
pub fn definition_name(name: &str) -> &str {
    short_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_host_aliases() {
        crate::schema::ensure_docs_for_tests();
        let text = explain("pod.spec.hostAliases", false).unwrap();
        assert!(text.starts_with("KIND:       Pod\nVERSION:    v1\n\nFIELD: hostAliases <[]HostAlias>\n"), "{text}");
        assert!(text.contains("  ip\t<string> -required-\n    IP address of the host file entry.\n"), "{text}");
        assert!(text.contains("  hostnames\t<[]string>\n"));
    }

    #[test]
    fn explains_pre_stop_through_plural() {
        crate::schema::ensure_docs_for_tests();
        let text = explain("pods.spec.containers.lifecycle.preStop", false).unwrap();
        assert!(text.contains("FIELD: preStop <LifecycleHandler>"), "{text}");
        assert!(text.contains("  exec\t<ExecAction>"));
    }

    #[test]
    fn recursive_tree_is_indented() {
        crate::schema::ensure_docs_for_tests();
        let text = explain("pod.spec.containers.lifecycle", true).unwrap();
        assert!(
            text.contains("  postStart\t<LifecycleHandler>\n    exec\t<ExecAction>\n      command\t<[]string>\n"),
            "{text}"
        );
    }

    #[test]
    fn unknown_things() {
        crate::schema::ensure_docs_for_tests();
        assert_eq!(explain("deployment", false), Err(ExplainError::UnknownResource("deployment".into())));
        assert_eq!(explain("pod.spec.nope", false), Err(ExplainError::UnknownField("nope".into())));
        assert_eq!(explain("pod.spec.nope", false).unwrap_err().to_string(), "field \"nope\" does not exist");
    }
}
