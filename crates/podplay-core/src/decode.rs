//! Located YAML → Kubernetes JSON, checked against the schema the way the API
//! server's strict decoder checks it.
//!
//! The walk follows the schema, so it knows each node's Kubernetes field path
//! and Go type. It reports unknown fields (`--validate=strict`), duplicate
//! keys, and type mismatches in the words Kubernetes uses, and it records
//! where every field path sits in the text ([`SpanIndex`]) so that validation
//! errors, which only know paths, can be located too.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value as Json};

use crate::path::{FieldPath, Segment};
use crate::schema::{Definition, ScalarKind, Schema, TypeRef, schema, short_name};
use crate::source::Span;
use crate::yaml::{Node, Value};

/// A decoding problem, before it becomes a [`crate::diagnostic::Diagnostic`].
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeProblem {
    pub path: FieldPath,
    pub span: Span,
    pub kind: DecodeProblemKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DecodeProblemKind {
    /// `strict decoding error: unknown field "spec.foo"`, with a close known
    /// field when there is one.
    UnknownField { suggestion: Option<String> },
    /// A key given twice in one mapping.
    DuplicateKey { key: String, line: u32, first_line: u32 },
    /// `json: cannot unmarshal …` (the full message).
    Type(String),
}

impl DecodeProblem {
    /// The message in Kubernetes' words.
    pub fn message(&self) -> String {
        match &self.kind {
            DecodeProblemKind::UnknownField { .. } => {
                format!("strict decoding error: unknown field \"{}\"", self.path)
            }
            DecodeProblemKind::DuplicateKey { key, .. } => {
                format!("key \"{key}\" already set in map")
            }
            DecodeProblemKind::Type(message) => message.clone(),
        }
    }

    /// A hint for the learner, not part of Kubernetes' message.
    pub fn hint(&self) -> Option<String> {
        match &self.kind {
            DecodeProblemKind::UnknownField { suggestion: Some(s) } => Some(format!("did you mean \"{s}\"?")),
            DecodeProblemKind::DuplicateKey { first_line, .. } => Some(format!("first set on line {first_line}")),
            _ => None,
        }
    }
}

/// Where a field path sits in the text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Located {
    /// The key's span, for fields and map entries.
    pub key: Option<Span>,
    /// The value's span.
    pub value: Span,
}

/// Field path → location, for every node the decoder visited.
#[derive(Clone, Debug, Default)]
pub struct SpanIndex {
    entries: BTreeMap<FieldPath, Located>,
}

impl SpanIndex {
    /// The innermost field at a character offset: the one whose key is
    /// there, else the one whose value holds it.
    pub fn path_at(&self, offset: u32) -> Option<&FieldPath> {
        let holds = |span: &Span| span.start.offset <= offset && offset < span.end.offset.max(span.start.offset + 1);
        let by_key = self
            .entries
            .iter()
            .filter(|(_, l)| l.key.as_ref().is_some_and(holds))
            .map(|(p, _)| p)
            .max_by_key(|p| p.segments().len());
        by_key.or_else(|| {
            self.entries.iter().filter(|(_, l)| holds(&l.value)).map(|(p, _)| p).max_by_key(|p| p.segments().len())
        })
    }

    pub fn get(&self, path: &FieldPath) -> Option<&Located> {
        self.entries.get(path)
    }

    /// The best span for a diagnostic about `path`: the value when it sits on
    /// the key's line (`image: ""`), else the key (`containers:` with a block
    /// below). A path that is absent points at its nearest present ancestor:
    /// a missing field is reported on its parent object.
    pub fn locate(&self, path: &FieldPath) -> Span {
        let mut current = Some(path.clone());
        while let Some(p) = current {
            if let Some(located) = self.entries.get(&p) {
                return match located.key {
                    Some(key) if located.value.start.line != key.start.line || p != *path => key,
                    _ => located.value,
                };
            }
            current = p.parent();
        }
        Span::default()
    }

    /// The span of the key itself, when the path is a field or map entry.
    pub fn key_span(&self, path: &FieldPath) -> Option<Span> {
        self.entries.get(path).and_then(|l| l.key)
    }
}

/// The decoded JSON (ready for serde into k8s-openapi types), the problems
/// found, and where each path is.
#[derive(Debug, Default)]
pub struct Decoded {
    pub json: Json,
    pub problems: Vec<DecodeProblem>,
    pub spans: SpanIndex,
}

/// Decodes `root` as the definition `definition` (`io.k8s.api.core.v1.Pod`).
pub fn decode(root: &Node, definition: &str) -> Decoded {
    let mut walker = Walker { schema: schema(), out: Decoded::default() };
    walker.out.spans.entries.insert(FieldPath::root(), Located { key: None, value: root.span });
    let ty = TypeRef::Ref(definition.to_string());
    walker.out.json = walker.value(root, &ty, &FieldPath::root(), "").unwrap_or(Json::Null);
    walker.out
}

struct Walker {
    schema: &'static Schema,
    out: Decoded,
}

impl Walker {
    /// Decodes one node as `ty`. `owner` is the Go struct that holds the
    /// field (for type-error messages). Returns `None` for nulls, which Go's
    /// decoder skips.
    fn value(&mut self, node: &Node, ty: &TypeRef, path: &FieldPath, owner: &str) -> Option<Json> {
        if node.value == Value::Null {
            return None;
        }
        match ty {
            TypeRef::String => match &node.value {
                Value::String(s) => Some(Json::String(s.clone())),
                _ => self.mismatch(node, ty, path, owner),
            },
            TypeRef::Boolean => match node.value {
                Value::Bool(b) => Some(Json::Bool(b)),
                _ => self.mismatch(node, ty, path, owner),
            },
            TypeRef::Int32 | TypeRef::Int64 => match integer(&node.value, ty == &TypeRef::Int32) {
                Some(i) => Some(Json::Number(i.into())),
                None => self.mismatch(node, ty, path, owner),
            },
            TypeRef::Number => match node.value {
                Value::Int(i) => Some(Json::Number(i.into())),
                Value::Float(f) => match Number::from_f64(f) {
                    Some(n) => Some(Json::Number(n)),
                    None => self.mismatch(node, ty, path, owner),
                },
                _ => self.mismatch(node, ty, path, owner),
            },
            TypeRef::Object => Some(self.free_form(node, path)),
            TypeRef::Array(item) => match &node.value {
                Value::Seq(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, child) in items.iter().enumerate() {
                        let child_path = path.index(i);
                        self.record(&child_path, None, child.span);
                        let value = self.value(child, item, &child_path, owner);
                        out.push(value.unwrap_or_else(|| self.zero(item)));
                    }
                    Some(Json::Array(out))
                }
                _ => self.mismatch(node, ty, path, owner),
            },
            TypeRef::Map(item) => match &node.value {
                Value::Map(entries) => {
                    let mut out = Map::new();
                    let mut seen = BTreeMap::new();
                    for entry in entries {
                        let child_path = path.key(&entry.key);
                        if self.duplicate(&mut seen, &entry.key, entry.key_span, &child_path) {
                            continue;
                        }
                        self.record(&child_path, Some(entry.key_span), entry.value.span);
                        let value = self.value(&entry.value, item, &child_path, owner);
                        out.insert(entry.key.clone(), value.unwrap_or_else(|| self.zero(item)));
                    }
                    Some(Json::Object(out))
                }
                _ => self.mismatch(node, ty, path, owner),
            },
            TypeRef::Ref(name) => match self.schema.definition(name) {
                Some(def) => match def.scalar {
                    Some(kind) => self.scalar(node, kind, ty, path, owner),
                    None => self.object(node, def, ty, path, owner),
                },
                None => Some(self.free_form(node, path)),
            },
        }
    }

    fn object(
        &mut self,
        node: &Node,
        def: &'static Definition,
        ty: &TypeRef,
        path: &FieldPath,
        owner: &str,
    ) -> Option<Json> {
        let Value::Map(entries) = &node.value else {
            return self.mismatch(node, ty, path, owner);
        };
        let struct_name = match ty {
            TypeRef::Ref(name) => short_name(name),
            _ => owner,
        };
        let mut out = Map::new();
        let mut seen = BTreeMap::new();
        for entry in entries {
            let child_path = path.child(&entry.key);
            if self.duplicate(&mut seen, &entry.key, entry.key_span, &child_path) {
                continue;
            }
            self.record(&child_path, Some(entry.key_span), entry.value.span);
            match def.properties.get(&entry.key) {
                Some(property) => {
                    if let Some(value) = self.value(&entry.value, &property.ty, &child_path, struct_name) {
                        out.insert(entry.key.clone(), value);
                    }
                }
                None => {
                    let suggestion = suggest(&entry.key, def.properties.keys().map(String::as_str));
                    self.out.problems.push(DecodeProblem {
                        path: child_path,
                        span: entry.key_span,
                        kind: DecodeProblemKind::UnknownField { suggestion },
                    });
                }
            }
        }
        Some(Json::Object(out))
    }

    fn scalar(&mut self, node: &Node, kind: ScalarKind, ty: &TypeRef, path: &FieldPath, owner: &str) -> Option<Json> {
        match (kind, &node.value) {
            (ScalarKind::Object, _) => Some(self.free_form(node, path)),
            // metav1.Time reads JSON with time.Parse(time.RFC3339, …).
            (ScalarKind::Time, Value::String(s)) => match crate::time::civil::parse_rfc3339(s) {
                Ok(_) => Some(Json::String(s.clone())),
                Err(message) => self.type_error(node, path, message),
            },
            (ScalarKind::IntOrString, Value::String(s)) => Some(Json::String(s.clone())),
            (ScalarKind::IntOrString, v) => match integer(v, true) {
                Some(i) => Some(Json::Number(i.into())),
                // intstr.IntOrString's UnmarshalJSON decodes non-strings as int32.
                None => self.type_error(
                    node,
                    path,
                    format!("json: cannot unmarshal {} into Go value of type int32", v.json_kind()),
                ),
            },
            (ScalarKind::Quantity, Value::String(s)) if is_quantity(s) => Some(Json::String(s.clone())),
            (ScalarKind::Quantity, Value::Int(i)) => Some(Json::String(i.to_string())),
            (ScalarKind::Quantity, Value::Float(f)) if f.is_finite() => {
                Some(Json::String(crate::yaml::scalar::format_float(*f)))
            }
            (ScalarKind::Quantity, Value::String(_)) => self.type_error(
                node,
                path,
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".into(),
            ),
            _ => self.mismatch(node, ty, path, owner),
        }
    }

    /// Free-form JSON (`RawExtension`, `FieldsV1`): converted as is.
    fn free_form(&mut self, node: &Node, path: &FieldPath) -> Json {
        match &node.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::Number((*i).into()),
            Value::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Seq(items) => {
                Json::Array(items.iter().enumerate().map(|(i, n)| self.free_form(n, &path.index(i))).collect())
            }
            Value::Map(entries) => {
                let mut out = Map::new();
                for e in entries {
                    let value = self.free_form(&e.value, &path.key(&e.key));
                    out.insert(e.key.clone(), value);
                }
                Json::Object(out)
            }
        }
    }

    /// Go decodes a null list item or map value as the zero value.
    fn zero(&self, ty: &TypeRef) -> Json {
        match ty {
            TypeRef::String => Json::String(String::new()),
            TypeRef::Boolean => Json::Bool(false),
            TypeRef::Int32 | TypeRef::Int64 | TypeRef::Number => Json::Number(0.into()),
            TypeRef::Array(_) => Json::Array(Vec::new()),
            TypeRef::Ref(name) if self.schema.definition(name).is_some_and(|d| d.scalar.is_some()) => {
                Json::String(String::new())
            }
            TypeRef::Map(_) | TypeRef::Ref(_) | TypeRef::Object => Json::Object(Map::new()),
        }
    }

    fn duplicate(&mut self, seen: &mut BTreeMap<String, Span>, key: &str, span: Span, path: &FieldPath) -> bool {
        match seen.get(key) {
            Some(first) => {
                self.out.problems.push(DecodeProblem {
                    path: path.clone(),
                    span,
                    kind: DecodeProblemKind::DuplicateKey {
                        key: key.to_string(),
                        line: span.start.line,
                        first_line: first.start.line,
                    },
                });
                true
            }
            None => {
                seen.insert(key.to_string(), span);
                false
            }
        }
    }

    fn mismatch(&mut self, node: &Node, ty: &TypeRef, path: &FieldPath, owner: &str) -> Option<Json> {
        let go_type = self.schema.go_type(ty);
        let field = go_field_path(path);
        let message = if owner.is_empty() || field.is_empty() {
            format!("json: cannot unmarshal {} into Go value of type {go_type}", node.value.json_kind())
        } else {
            format!(
                "json: cannot unmarshal {} into Go struct field {owner}.{field} of type {go_type}",
                node.value.json_kind()
            )
        };
        self.type_error(node, path, message)
    }

    fn type_error(&mut self, node: &Node, path: &FieldPath, message: String) -> Option<Json> {
        let path = path.clone();
        self.out.problems.push(DecodeProblem { path, span: node.span, kind: DecodeProblemKind::Type(message) });
        None
    }

    fn record(&mut self, path: &FieldPath, key: Option<Span>, value: Span) {
        self.out.spans.entries.insert(path.clone(), Located { key, value });
    }
}

/// Go names a field in type errors by its JSON path without indexes or map
/// keys (`spec.containers.image`).
fn go_field_path(path: &FieldPath) -> String {
    path.segments()
        .iter()
        .filter_map(|s| match s {
            Segment::Field(f) => Some(f.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// An integer as Go's decoder accepts it: a whole number in range (YAML `80.0`
/// reaches the server as JSON `80`).
fn integer(value: &Value, int32: bool) -> Option<i64> {
    let i = match *value {
        Value::Int(i) => i,
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => f as i64,
        _ => return None,
    };
    if int32 && i32::try_from(i).is_err() {
        return None;
    }
    Some(i)
}

/// `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$`, the format check of
/// `resource.Quantity`.
fn is_quantity(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let start = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i == start {
        return false;
    }
    while i < b.len() && b"eEinumkKMGTP".contains(&b[i]) {
        i += 1;
    }
    if i < b.len() && matches!(b[i], b'+' | b'-') {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i == b.len()
}

/// The known field closest to a mistyped one, if it is close enough to be a
/// likely typo (or differs only in case).
pub fn suggest<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    let lower = unknown.to_ascii_lowercase();
    known
        .map(|k| {
            let distance = if k.to_ascii_lowercase() == lower {
                0
            } else {
                strsim::damerau_levenshtein(&lower, &k.to_ascii_lowercase())
            };
            (distance, k)
        })
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::POD;
    use crate::yaml::load;

    fn decode_pod(text: &str) -> Decoded {
        let out = load(text);
        decode(&out.documents[0].root, POD)
    }

    #[test]
    fn unknown_field_with_suggestion() {
        let d = decode_pod("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    imagee: nginx\n");
        assert_eq!(d.problems.len(), 1);
        let p = &d.problems[0];
        assert_eq!(p.message(), "strict decoding error: unknown field \"spec.containers[0].imagee\"");
        assert_eq!(p.hint().as_deref(), Some("did you mean \"image\"?"));
        assert_eq!((p.span.start.line, p.span.start.column), (6, 5));
    }

    #[test]
    fn times_are_read_as_go_reads_rfc3339() {
        let d = decode_pod("metadata:\n  creationTimestamp: 2026-01-01T00:00:00Z\n  deletionTimestamp: tomorrow\n");
        let messages: Vec<_> = d.problems.iter().map(DecodeProblem::message).collect();
        assert_eq!(
            messages,
            [r#"parsing time "tomorrow" as "2006-01-02T15:04:05Z07:00": cannot parse "tomorrow" as "2006""#]
        );
        assert_eq!(d.problems[0].path.to_string(), "metadata.deletionTimestamp");
    }

    #[test]
    fn type_errors_in_go_words() {
        let d = decode_pod("spec:\n  containers:\n  - name: a\n    image: 5\n    ports:\n    - containerPort: 80.5\n");
        let messages: Vec<_> = d.problems.iter().map(DecodeProblem::message).collect();
        assert_eq!(
            messages,
            [
                "json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string",
                "json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
            ]
        );
        assert_eq!(d.problems[0].path.to_string(), "spec.containers[0].image");
    }

    #[test]
    fn duplicate_keys() {
        let d = decode_pod("metadata:\n  name: a\n  name: b\n");
        assert_eq!(d.problems[0].message(), "key \"name\" already set in map");
        assert_eq!(d.problems[0].span.start.line, 3);
    }

    #[test]
    fn quantities() {
        assert!(is_quantity("100m") && is_quantity("1Gi") && is_quantity("0.5") && is_quantity("1e3"));
        assert!(!is_quantity("lots") && !is_quantity(""));
    }

    #[test]
    fn spans_locate_missing_fields_on_their_parent() {
        let d = decode_pod("spec:\n  containers:\n  - name: a\n");
        let path = FieldPath::new("spec.containers").index(0).child("image");
        let span = d.spans.locate(&path);
        assert_eq!((span.start.line, span.start.column), (3, 5));
    }
}
