//! YAML with locations: a small tree of located nodes built from
//! saphyr-parser's events.
//!
//! Kubernetes reads manifests with go-yaml v2 (through `sigs.k8s.io/yaml`),
//! which resolves plain scalars by YAML 1.1 rules: `yes` and `on` are
//! booleans, `0777` is octal. [`scalar`] follows those rules so that podplay
//! sees the same types the API server would. Every node keeps its span so that
//! each later diagnostic can point at the learner's text.
//!
//! The loader is bounded: nesting depth, node count (including nodes created by
//! alias expansion, which defeats "billion laughs" documents) and input size
//! all have limits, so no input can make it run long or use much memory.

mod emit;
mod escapes;
mod load;
pub mod scalar;

pub use emit::to_yaml;
pub use load::{Document, LoadOutcome, YamlError, load};

use crate::source::Span;

/// A located YAML node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A YAML value after scalar resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One `key: value` pair of a mapping. Keys are kept as text, the way
/// `sigs.k8s.io/yaml` turns every key into a JSON object key.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Value {
    /// The JSON-ish name of the value's type, as Go's `encoding/json` names it
    /// in `cannot unmarshal <kind> into …` messages.
    pub fn json_kind(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "number".into(),
            Value::Float(f) => format!("number {}", scalar::format_float(*f)),
            Value::String(_) => "string".into(),
            Value::Seq(_) => "array".into(),
            Value::Map(_) => "object".into(),
        }
    }
}

impl Node {
    /// The entry for `key`, if this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The string value of `key` in this mapping, if it is a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key).map(|e| &e.value.value) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}
