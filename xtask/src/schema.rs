//! `cargo xtask gen-schema`: the compact field-docs and schema data file.
//!
//! Input: `_definitions.json` (JSON Schema 2020-12 of the Kubernetes OpenAPI
//! definitions) from the PyPI package `kubernetes-validate`. Output: only the
//! definitions reachable from `Pod` and `Node`, with their descriptions and a
//! small type language the core understands (see `podplay_core::schema`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::flags::GenSchemaArgs;
use crate::util::{Result, project_root, run};

const PACKAGE: &str = "kubernetes-validate";
const PACKAGE_VERSION: &str = "1.37.0";
const KUBERNETES_VERSION: &str = "1.37.0";
const ROOTS: &[&str] = &["io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.Node"];
const OUTPUT: &str = "crates/podplay-core/data/k8s-schema.json";
/// The descriptions, apart: the playground fetches them when it first shows
/// docs instead of carrying them in its first load.
const DOCS_OUTPUT: &str = "crates/podplay-core/data/k8s-docs.json";

pub fn generate(args: &GenSchemaArgs) -> Result {
    let wheel = match &args.wheel {
        Some(path) => path.clone(),
        None => download_wheel()?,
    };
    let definitions = read_definitions(&wheel)?;
    let mut compact = compact(&definitions)?;
    let docs = take_docs(&mut compact);
    for (path, value) in [(OUTPUT, &compact), (DOCS_OUTPUT, &docs)] {
        let text = serde_json::to_string(value).map_err(|e| e.to_string())? + "\n";
        let out = project_root().join(path);
        std::fs::write(&out, text.as_bytes()).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!(
            "wrote {} ({} definitions, {} bytes)",
            out.display(),
            value["definitions"].as_object().map_or(0, Map::len),
            text.len()
        );
    }
    Ok(())
}

/// Moves every description out of the schema into a docs document:
/// `{"definitions": {NAME: {"description": …, "properties": {FIELD: …}}}}`.
fn take_docs(schema: &mut Value) -> Value {
    let mut docs = Map::new();
    if let Some(definitions) = schema["definitions"].as_object_mut() {
        for (name, definition) in definitions.iter_mut() {
            let Some(definition) = definition.as_object_mut() else { continue };
            let mut entry = Map::new();
            if let Some(description) = definition.remove("description") {
                entry.insert("description".into(), description);
            }
            let mut fields = Map::new();
            if let Some(Value::Object(properties)) = definition.get_mut("properties") {
                for (field, property) in properties.iter_mut() {
                    if let Some(description) = property.as_object_mut().and_then(|p| p.remove("description")) {
                        fields.insert(field.clone(), description);
                    }
                }
            }
            if !fields.is_empty() {
                entry.insert("properties".into(), Value::Object(fields));
            }
            docs.insert(name.clone(), Value::Object(entry));
        }
    }
    json!({
        "kubernetesVersion": schema["kubernetesVersion"].clone(),
        "provenance": schema["provenance"].clone(),
        "definitions": docs,
    })
}

fn download_wheel() -> Result<PathBuf> {
    let dir = project_root().join("target/xtask/schema");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let spec = format!("{PACKAGE}=={PACKAGE_VERSION}");
    let dir_arg = dir.to_string_lossy().into_owned();
    run("python3", &["-m", "pip", "download", "--no-deps", "--dest", &dir_arg, &spec])?;
    let wheel = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl") && p.to_string_lossy().contains(PACKAGE_VERSION))
        .ok_or("pip did not leave a wheel")?;
    Ok(wheel)
}

/// Reads `_definitions.json` out of the wheel (a zip file) with `unzip -p`,
/// which every CI image has; no zip crate needed for a maintainer command.
fn read_definitions(wheel: &Path) -> Result<Map<String, Value>> {
    let member = format!("kubernetes_validate/kubernetes-json-schema/v{KUBERNETES_VERSION}-local/_definitions.json");
    let mut child = std::process::Command::new("unzip")
        .arg("-p")
        .arg(wheel)
        .arg(&member)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run unzip: {e}"))?;
    let mut text = String::new();
    child.stdout.take().ok_or("no stdout")?.read_to_string(&mut text).map_err(|e| e.to_string())?;
    child.wait().map_err(|e| e.to_string())?;
    let root: Value = serde_json::from_str(&text).map_err(|e| format!("{member}: {e}"))?;
    match root.get("$defs") {
        Some(Value::Object(defs)) => Ok(defs.clone()),
        _ => Err(format!("{member} has no $defs")),
    }
}

fn compact(defs: &Map<String, Value>) -> Result<Value> {
    let reachable = reachable(defs);
    let mut out = Map::new();
    for name in &reachable {
        let def = &defs[name.as_str()];
        let description = def.get("description").and_then(Value::as_str).unwrap_or("");
        let mut entry = Map::new();
        entry.insert("description".into(), json!(description));
        match def.get("properties") {
            Some(Value::Object(props)) => {
                let mut properties = Map::new();
                for (field, schema) in props {
                    properties.insert(field.clone(), property(schema)?);
                }
                entry.insert("properties".into(), Value::Object(properties));
                if let Some(required) = def.get("required") {
                    entry.insert("required".into(), required.clone());
                }
            }
            _ => {
                entry.insert("scalar".into(), json!(scalar_kind(name)?));
            }
        }
        out.insert(name.clone(), Value::Object(entry));
    }
    Ok(json!({
        "kubernetesVersion": KUBERNETES_VERSION,
        "provenance": format!(
            "PyPI {PACKAGE} {PACKAGE_VERSION}, kubernetes_validate/kubernetes-json-schema/v{KUBERNETES_VERSION}-local/_definitions.json; \
             definitions reachable from Pod and Node; regenerate with `cargo xtask gen-schema`"
        ),
        "definitions": out,
    }))
}

/// Definitions without properties are the apimachinery scalars.
fn scalar_kind(name: &str) -> Result<&'static str> {
    Ok(match name.rsplit('.').next().unwrap_or(name) {
        "Quantity" => "quantity",
        "IntOrString" => "int-or-string",
        "Time" | "MicroTime" => "time",
        "FieldsV1" | "RawExtension" => "object",
        other => return Err(format!("unexpected scalar definition {other}")),
    })
}

fn property(schema: &Value) -> Result<Value> {
    let mut p = Map::new();
    if let Some(d) = schema.get("description") {
        p.insert("description".into(), d.clone());
    }
    p.insert("type".into(), type_ref(schema)?);
    if let Some(values) = schema.get("enum") {
        p.insert("enum".into(), values.clone());
    }
    Ok(Value::Object(p))
}

fn type_ref(schema: &Value) -> Result<Value> {
    if let Some(Value::String(r)) = schema.get("$ref") {
        return Ok(json!({ "ref": r.rsplit('/').next().unwrap_or(r) }));
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("object"),
        _ => "object",
    };
    Ok(match ty {
        "string" => json!("string"),
        "boolean" => json!("boolean"),
        "number" => json!("number"),
        "integer" => match schema.get("format").and_then(Value::as_str) {
            Some("int32") => json!("int32"),
            _ => json!("int64"),
        },
        "array" => json!({ "array": type_ref(schema.get("items").ok_or("array without items")?)? }),
        "object" => match schema.get("additionalProperties") {
            Some(inner @ Value::Object(_)) => json!({ "map": type_ref(inner)? }),
            _ => json!("object"),
        },
        other => return Err(format!("unexpected type {other}")),
    })
}

fn reachable(defs: &Map<String, Value>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = ROOTS.iter().map(|s| s.to_string()).collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(def) = defs.get(&name) {
            let mut refs = BTreeMap::new();
            collect_refs(def, &mut refs);
            todo.extend(refs.into_keys());
        }
    }
    seen
}

fn collect_refs(value: &Value, out: &mut BTreeMap<String, ()>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.rsplit('/').next().unwrap_or(r).to_string(), ());
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
