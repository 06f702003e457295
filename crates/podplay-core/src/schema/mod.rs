//! The OpenAPI schema of the modeled Kubernetes version, embedded.
//!
//! `data/k8s-schema.json` holds the definitions reachable from `Pod` and
//! `Node`: their fields and types (made by `cargo xtask gen-schema`, which
//! records its provenance in the file). The decoder walks it for strict field
//! checking and type errors; [`explain`] prints it like `kubectl explain`; the
//! playground uses it for hover docs and completion.
//!
//! The descriptions are in `data/k8s-docs.json`, apart: four fifths of the
//! data, which the playground fetches when it first shows docs rather than in
//! its first load. With the `embedded-docs` feature (the CLI's) they are
//! built in; without it they are there once [`install_docs`] has run, and
//! read as empty before.

pub mod explain;
mod read;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/k8s-schema.json");
#[cfg(feature = "embedded-docs")]
const DOCS: &str = include_str!("../../data/k8s-docs.json");

/// The root definitions of the kinds podplay reads.
pub const POD: &str = "io.k8s.api.core.v1.Pod";
pub const NODE: &str = "io.k8s.api.core.v1.Node";

/// The embedded schema.
#[derive(Debug)]
pub struct Schema {
    pub kubernetes_version: String,
    pub provenance: String,
    definitions: BTreeMap<String, Definition>,
}

/// One OpenAPI definition: an object with properties, or an apimachinery
/// scalar (Quantity, IntOrString, Time).
#[derive(Debug)]
pub struct Definition {
    /// The definition's name (`io.k8s.api.core.v1.Container`): the key its
    /// docs are found under.
    pub name: String,
    pub properties: BTreeMap<String, Property>,
    pub required: Vec<String>,
    pub scalar: Option<ScalarKind>,
}

#[derive(Debug)]
pub struct Property {
    pub ty: TypeRef,
    pub enum_values: Vec<String>,
}

/// The type of a property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    String,
    Boolean,
    Number,
    Int32,
    Int64,
    /// Free-form JSON.
    Object,
    Ref(String),
    Array(Box<TypeRef>),
    Map(Box<TypeRef>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarKind {
    Quantity,
    IntOrString,
    Time,
    Object,
}

/// The embedded schema, parsed once.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        // The data file is generated and checked by tests; should it ever be
        // unreadable, an empty schema keeps the tool alive (every field then
        // reads as unknown, which the tests would catch at once).
        read::schema(DATA).unwrap_or_else(|| Schema {
            kubernetes_version: String::new(),
            provenance: String::new(),
            definitions: BTreeMap::new(),
        })
    })
}

/// The schema's descriptions: `{"definitions": {NAME: {"description": …,
/// "properties": {FIELD: …}}}}`.
#[derive(Debug, Default)]
pub struct Docs {
    definitions: BTreeMap<String, DefinitionDocs>,
}

#[derive(Debug, Default)]
struct DefinitionDocs {
    description: String,
    properties: BTreeMap<String, String>,
}

static INSTALLED_DOCS: OnceLock<Docs> = OnceLock::new();

/// The descriptions, if they are there.
pub fn docs() -> Option<&'static Docs> {
    #[cfg(feature = "embedded-docs")]
    INSTALLED_DOCS.get_or_init(|| read::docs(DOCS).unwrap_or_default());
    INSTALLED_DOCS.get()
}

/// Installs the descriptions from the text of `data/k8s-docs.json` (the
/// playground fetches it). Installing twice keeps the first.
pub fn install_docs(json: &str) -> Result<(), String> {
    let docs = read::docs(json).ok_or("field docs: not the docs file podplay writes")?;
    let _ = INSTALLED_DOCS.set(docs);
    Ok(())
}

impl Definition {
    /// The definition's description; empty while the docs are not there.
    pub fn description(&self) -> &'static str {
        docs().and_then(|d| d.definitions.get(&self.name)).map_or("", |d| d.description.as_str())
    }

    /// The description of one of its fields; empty while the docs are not there.
    pub fn field_description(&self, field: &str) -> &'static str {
        docs()
            .and_then(|d| d.definitions.get(&self.name))
            .and_then(|d| d.properties.get(field))
            .map_or("", String::as_str)
    }
}

impl Schema {
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        self.definitions.get(name)
    }

    pub fn definitions(&self) -> impl Iterator<Item = (&str, &Definition)> {
        self.definitions.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The definition an object-typed reference points at, if it is an
    /// object with properties.
    pub fn object(&self, ty: &TypeRef) -> Option<&Definition> {
        match ty {
            TypeRef::Ref(name) => self.definition(name).filter(|d| d.scalar.is_none()),
            _ => None,
        }
    }

    /// The Go type name `encoding/json` prints in type errors
    /// (`string`, `int32`, `[]v1.Container`, `map[string]string`).
    pub fn go_type(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::String => "string".into(),
            TypeRef::Boolean => "bool".into(),
            TypeRef::Number => "float64".into(),
            TypeRef::Int32 => "int32".into(),
            TypeRef::Int64 => "int64".into(),
            TypeRef::Object => "map[string]interface {}".into(),
            TypeRef::Array(inner) => format!("[]{}", self.go_type(inner)),
            TypeRef::Map(inner) => format!("map[string]{}", self.go_type(inner)),
            TypeRef::Ref(name) => {
                let short = short_name(name);
                let package = match self.definition(name).and_then(|d| d.scalar) {
                    Some(ScalarKind::Quantity) => "resource",
                    Some(ScalarKind::IntOrString) => "intstr",
                    _ => "v1",
                };
                format!("{package}.{short}")
            }
        }
    }
}

/// `io.k8s.api.core.v1.Container` → `Container`.
pub fn short_name(definition: &str) -> &str {
    definition.rsplit('.').next().unwrap_or(definition)
}

/// How `kubectl explain` writes a type: `<string>`, `<[]Container>`,
/// `<map[string]string>`, `<Object>`.
pub struct ExplainType<'a>(pub &'a TypeRef);

impl fmt::Display for ExplainType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn inner(ty: &TypeRef, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match ty {
                TypeRef::String => f.write_str("string"),
                TypeRef::Boolean => f.write_str("boolean"),
                TypeRef::Number => f.write_str("number"),
                TypeRef::Int32 | TypeRef::Int64 => f.write_str("integer"),
                TypeRef::Object => f.write_str("Object"),
                TypeRef::Ref(name) => match short_name(name) {
                    "Time" | "MicroTime" => f.write_str("string"),
                    "FieldsV1" | "RawExtension" => f.write_str("Object"),
                    short => f.write_str(short),
                },
                TypeRef::Array(item) => {
                    f.write_str("[]")?;
                    inner(item, f)
                }
                TypeRef::Map(value) => {
                    f.write_str("map[string]")?;
                    inner(value, f)
                }
            }
        }
        inner(self.0, f)
    }
}

/// Installs the docs file in tests built without `embedded-docs`.
#[cfg(test)]
pub(crate) fn ensure_docs_for_tests() {
    if docs().is_none() {
        let _ = install_docs(include_str!("../../data/k8s-docs.json"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_are_apart_and_can_be_installed() {
        let container = schema().definition("io.k8s.api.core.v1.Container").unwrap();
        if docs().is_none() {
            // Without `embedded-docs` (the playground) there is nothing to show yet.
            assert_eq!(container.field_description("image"), "");
            assert!(install_docs("not json").is_err());
        }
        ensure_docs_for_tests();
        assert!(container.field_description("image").starts_with("Container image name."));
        assert!(container.description().starts_with("A single application container"));
        assert_eq!(container.field_description("no-such-field"), "");
    }

    #[test]
    fn embedded_schema_reads() {
        let s = schema();
        assert_eq!(s.kubernetes_version, "1.37.0");
        let container = s.definition("io.k8s.api.core.v1.Container").unwrap();
        assert_eq!(container.properties["image"].ty, TypeRef::String);
        assert_eq!(container.required, vec!["name".to_string()]);
        assert!(s.definitions().count() >= 150);
    }

    #[test]
    fn every_definition_and_field_of_the_data_file_is_read() {
        let raw: serde_json::Value = serde_json::from_str(DATA).unwrap();
        let definitions = raw["definitions"].as_object().unwrap();
        let s = schema();
        assert_eq!(s.definitions().count(), definitions.len());
        for (name, entry) in definitions {
            let ours = s.definition(name).unwrap();
            let fields = entry.get("properties").and_then(|p| p.as_object()).map_or(0, |p| p.len());
            assert_eq!(ours.properties.len(), fields, "{name}");
            assert_eq!(ours.scalar.is_some(), entry.get("scalar").is_some(), "{name}");
        }
        let spec = s.definition(POD).unwrap();
        assert_eq!(spec.properties["spec"].ty, TypeRef::Ref("io.k8s.api.core.v1.PodSpec".into()));
        assert_eq!(spec.properties["kind"].enum_values, ["Pod"]);
        assert_eq!(s.kubernetes_version, "1.37.0");
        assert!(s.provenance.contains("kubernetes-validate"));
    }

    #[test]
    fn go_type_names() {
        let s = schema();
        let spec = s.definition("io.k8s.api.core.v1.PodSpec").unwrap();
        assert_eq!(s.go_type(&spec.properties["containers"].ty), "[]v1.Container");
        assert_eq!(s.go_type(&spec.properties["nodeSelector"].ty), "map[string]string");
        assert_eq!(ExplainType(&spec.properties["hostAliases"].ty).to_string(), "[]HostAlias");
    }
}
