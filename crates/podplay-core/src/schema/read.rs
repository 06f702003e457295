//! The data files → the schema's types, read by hand from a JSON value.
//!
//! Derived `Deserialize` impls and serde_json's generic reader cost the
//! playground's WebAssembly more than the data they read; the format is
//! podplay's own (written by `cargo xtask gen-schema`) and small.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Definition, DefinitionDocs, Docs, Property, ScalarKind, Schema, TypeRef};

/// `{"kubernetesVersion", "provenance", "definitions": {NAME: {"properties":
/// {FIELD: {"type": T, "enum": [..]}}, "required": [..]} | {"scalar": K}}}`.
pub(super) fn schema(text: &str) -> Option<Schema> {
    let Value::Object(mut root) = crate::json::parse(text).ok()? else { return None };
    let Some(Value::Object(entries)) = root.remove("definitions") else { return None };
    let mut definitions = BTreeMap::new();
    for (name, entry) in entries {
        let definition = definition(&name, entry)?;
        definitions.insert(name, definition);
    }
    Some(Schema {
        kubernetes_version: string(root.remove("kubernetesVersion")),
        provenance: string(root.remove("provenance")),
        definitions,
    })
}

fn definition(name: &str, entry: Value) -> Option<Definition> {
    let Value::Object(mut entry) = entry else { return None };
    let scalar = match entry.get("scalar").and_then(Value::as_str) {
        None => None,
        Some("quantity") => Some(ScalarKind::Quantity),
        Some("int-or-string") => Some(ScalarKind::IntOrString),
        Some("time") => Some(ScalarKind::Time),
        Some("object") => Some(ScalarKind::Object),
        Some(_) => return None,
    };
    let mut properties = BTreeMap::new();
    if let Some(Value::Object(fields)) = entry.remove("properties") {
        for (field, property) in fields {
            let ty = type_ref(property.get("type")?)?;
            let enum_values = strings(property.get("enum"));
            properties.insert(field, Property { ty, enum_values });
        }
    }
    Some(Definition { name: name.to_string(), properties, required: strings(entry.get("required")), scalar })
}

/// `"string"`, `{"ref": NAME}`, `{"array": T}`, `{"map": T}`.
fn type_ref(value: &Value) -> Option<TypeRef> {
    Some(match value {
        Value::String(s) => match s.as_str() {
            "string" => TypeRef::String,
            "boolean" => TypeRef::Boolean,
            "number" => TypeRef::Number,
            "int32" => TypeRef::Int32,
            "int64" => TypeRef::Int64,
            "object" => TypeRef::Object,
            _ => return None,
        },
        Value::Object(map) if map.len() == 1 => {
            let (kind, inner) = map.iter().next()?;
            match kind.as_str() {
                "ref" => TypeRef::Ref(inner.as_str()?.to_string()),
                "array" => TypeRef::Array(Box::new(type_ref(inner)?)),
                "map" => TypeRef::Map(Box::new(type_ref(inner)?)),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// `{"definitions": {NAME: {"description": …, "properties": {FIELD: …}}}}`.
pub(super) fn docs(text: &str) -> Option<Docs> {
    let Value::Object(mut root) = crate::json::parse(text).ok()? else { return None };
    let Some(Value::Object(entries)) = root.remove("definitions") else { return None };
    let mut definitions = BTreeMap::new();
    for (name, entry) in entries {
        let Value::Object(mut entry) = entry else { return None };
        let mut properties = BTreeMap::new();
        if let Some(Value::Object(fields)) = entry.remove("properties") {
            for (field, text) in fields {
                properties.insert(field, string(Some(text)));
            }
        }
        definitions.insert(name, DefinitionDocs { description: string(entry.remove("description")), properties });
    }
    Some(Docs { definitions })
}

fn string(value: Option<Value>) -> String {
    match value {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}
