//! The whole spec pipeline on one file: YAML → kinds → strict decode →
//! defaults → validation, every problem located.

use crate::typed::FromJson;
use k8s_openapi::api::core::v1::{Node, Pod};

use crate::decode::{DecodeProblemKind, Decoded, SpanIndex, decode};
use crate::defaults::default_pod;
use crate::diagnostic::{Diagnostic, Severity, Stage};
use crate::path::FieldPath;
use crate::schema::{NODE, POD};
use crate::source::{Span, position_of_byte};
use crate::validation::{FieldError, validate_pod};
use crate::yaml::{self, Value};

/// An object read from one YAML document.
#[derive(Clone, Debug)]
pub enum Object {
    /// A Pod, defaulted as the API server would store it.
    Pod(Box<Pod>),
    Node(Box<Node>),
    /// A kind podplay does not model.
    Other {
        api_version: String,
        kind: String,
    },
}

#[derive(Clone, Debug)]
pub struct AnalyzedDocument {
    /// 0-based index among the file's non-empty documents.
    pub index: usize,
    pub object: Object,
    /// `metadata.name`, possibly empty.
    pub name: String,
    pub span: Span,
    /// Where each field path is, for the editor and for later diagnostics.
    pub spans: SpanIndex,
}

/// Everything the pipeline learned about one file.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub documents: Vec<AnalyzedDocument>,
    /// All problems, in document order, each document's in pipeline order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The Pods of the file that have no errors.
    pub fn valid_pods(&self) -> impl Iterator<Item = &Pod> {
        self.documents.iter().filter_map(|d| match &d.object {
            Object::Pod(p) if !self.has_errors_in(d.index) => Some(p.as_ref()),
            _ => None,
        })
    }

    /// The Nodes of the file that have no errors.
    pub fn valid_nodes(&self) -> impl Iterator<Item = &Node> {
        self.documents.iter().filter_map(|d| match &d.object {
            Object::Node(n) if !self.has_errors_in(d.index) => Some(n.as_ref()),
            _ => None,
        })
    }

    pub fn has_errors_in(&self, document: usize) -> bool {
        self.diagnostics.iter().any(|d| d.document == document && d.severity == Severity::Error)
    }

    /// What kubectl would print for this file (`kubectl apply -f FILE`), one
    /// block per failing document: it stops at the first failing stage.
    pub fn kubectl_summary(&self, file: &str) -> String {
        let mut out = String::new();
        let mut documents: Vec<usize> = self.errors().map(|d| d.document).collect();
        documents.dedup();
        for index in documents {
            let errors: Vec<&Diagnostic> = self.errors().filter(|d| d.document == index).collect();
            let Some(stage) = errors.iter().map(|d| d.stage).min() else {
                continue;
            };
            let errors: Vec<&Diagnostic> = errors.into_iter().filter(|d| d.stage == stage).collect();
            let (kind, name) = self
                .documents
                .iter()
                .find(|d| d.index == index)
                .map(|d| (kind_name(&d.object), d.name.clone()))
                .unwrap_or(("Pod", String::new()));
            out.push_str(&summary_block(file, stage, kind, &name, &errors));
        }
        out
    }
}

fn kind_name(object: &Object) -> &str {
    match object {
        Object::Pod(_) => "Pod",
        Object::Node(_) => "Node",
        Object::Other { kind, .. } => kind,
    }
}

fn summary_block(file: &str, stage: Stage, kind: &str, name: &str, errors: &[&Diagnostic]) -> String {
    match stage {
        Stage::Syntax => format!("error: error parsing {file}: error converting YAML to JSON: {}\n", errors[0].message),
        Stage::Duplicate => {
            let lines: Vec<String> = errors.iter().map(|d| format!("  line {}: {}", d.line, d.message)).collect();
            format!(
                "error: error parsing {file}: error converting YAML to JSON: yaml: unmarshal errors:\n{}\n",
                lines.join("\n")
            )
        }
        Stage::Kind => format!("error: unable to recognize \"{file}\": {}\n", errors[0].message),
        Stage::Decode => {
            let strict: Vec<&str> =
                errors.iter().filter_map(|d| d.message.strip_prefix("strict decoding error: ")).collect();
            let detail = match errors.iter().find(|d| !d.message.starts_with("strict decoding error: ")) {
                // Go's decoder reports its first type error and stops.
                Some(type_error) => type_error.message.clone(),
                None => format!("strict decoding error: {}", strict.join(", ")),
            };
            format!(
                "Error from server (BadRequest): error when creating \"{file}\": {kind} in version \"v1\" cannot be handled as a {kind}: {detail}\n"
            )
        }
        Stage::Validation => {
            let causes: Vec<String> = errors
                .iter()
                .map(|d| if d.path.is_empty() { d.message.clone() } else { format!("{}: {}", d.path, d.message) })
                .collect();
            if causes.len() == 1 {
                format!("The {kind} \"{name}\" is invalid: {}\n", causes[0])
            } else {
                let lines: Vec<String> = causes.iter().map(|c| format!("* {c}")).collect();
                format!("The {kind} \"{name}\" is invalid: \n{}\n", lines.join("\n"))
            }
        }
    }
}

/// Runs the pipeline on raw bytes: text that is not UTF-8 gets a located
/// error at its first bad byte.
pub fn analyze_bytes(bytes: &[u8]) -> Analysis {
    match std::str::from_utf8(bytes) {
        Ok(text) => analyze(text),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(good).unwrap_or("");
            let position = position_of_byte(prefix, prefix.len());
            let bad = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            let diagnostic = Diagnostic::new(
                Span::at(position),
                String::new(),
                Severity::Error,
                Stage::Syntax,
                "yaml: invalid leading UTF-8 octet".into(),
            )
            .with_hint(Some(format!("the file is not UTF-8 text: byte 0x{bad:02x}")));
            Analysis { documents: Vec::new(), diagnostics: vec![diagnostic] }
        }
    }
}

/// Runs the pipeline on one file's text.
pub fn analyze(text: &str) -> Analysis {
    analyze_loaded(load(text))
}

/// The pipeline's first half: the text read as YAML. Apart from the
/// second ([`analyze_loaded`]) so that a caller that must not block (the
/// playground, on a document of thousands of lines) can do them one at a
/// time.
pub fn load(text: &str) -> yaml::LoadOutcome {
    yaml::load(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The pipeline's second half: decode, default and validate what was read.
pub fn analyze_loaded(loaded: yaml::LoadOutcome) -> Analysis {
    let mut analyzer = Analyzer::new(loaded);
    loop {
        if let Some(analysis) = analyzer.step() {
            return analysis;
        }
    }
}

/// The pipeline's second half a piece at a time: each document decoded in
/// one piece, then typed, defaulted and validated in the next (the two
/// halves of the work, on a long document).
pub struct Analyzer {
    documents: std::vec::IntoIter<yaml::Document>,
    /// How many documents were read, and the error that stopped reading.
    read: usize,
    error: Option<yaml::YamlError>,
    /// A document decoded, to type and validate next.
    decoded: Option<DecodedDocument>,
    analysis: Analysis,
}

impl Analyzer {
    pub fn new(loaded: yaml::LoadOutcome) -> Analyzer {
        Analyzer {
            read: loaded.documents.len(),
            documents: loaded.documents.into_iter(),
            error: loaded.error,
            decoded: None,
            analysis: Analysis::default(),
        }
    }

    /// The next piece; the analysis once there is none left.
    pub fn step(&mut self) -> Option<Analysis> {
        if let Some(decoded) = self.decoded.take() {
            finish_document(decoded, &mut self.analysis);
            return None;
        }
        if let Some(document) = self.documents.next() {
            self.decoded = decode_document(&document, &mut self.analysis);
            return None;
        }
        let mut analysis = std::mem::take(&mut self.analysis);
        if let Some(error) = self.error.take() {
            let mut d =
                Diagnostic::new(Span::at(error.position), String::new(), Severity::Error, Stage::Syntax, error.message);
            d.document = self.read;
            analysis.diagnostics.push(d);
        }
        Some(analysis)
    }
}

/// A Pod or Node document decoded, with what is needed to finish it.
struct DecodedDocument {
    index: usize,
    span: Span,
    name: String,
    definition: &'static str,
    decoded: Decoded,
}

/// Pushes a diagnostic about document `index`.
fn push_about(index: usize, mut d: Diagnostic, analysis: &mut Analysis) {
    d.document = index;
    analysis.diagnostics.push(d);
}

/// The first half of a document's analysis: what it is, and its fields
/// decoded (with their problems); `None` when there is nothing more to do
/// with it.
fn decode_document(document: &yaml::Document, analysis: &mut Analysis) -> Option<DecodedDocument> {
    let root = &document.root;
    let index = document.index;
    let push = |d: Diagnostic, analysis: &mut Analysis| push_about(index, d, analysis);
    if !matches!(root.value, Value::Map(_)) {
        let message = format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            root.value.json_kind()
        );
        push(Diagnostic::new(root.span, String::new(), Severity::Error, Stage::Kind, message), analysis);
        return None;
    }
    let api_version = root.get_str("apiVersion").unwrap_or("").to_string();
    let kind = root.get_str("kind").unwrap_or("").to_string();
    let name = root.get("metadata").and_then(|m| m.value.get_str("name")).unwrap_or("").to_string();
    let kind_span = root.get("kind").map_or(root.span, |e| e.value.span);
    let version_span = root.get("apiVersion").map_or(root.span, |e| e.value.span);
    if kind.is_empty() || api_version.is_empty() {
        let missing = if kind.is_empty() { "kind" } else { "apiVersion" };
        let message = format!("Object '{}' is missing", if kind.is_empty() { "Kind" } else { "apiVersion" });
        let d = Diagnostic::new(Span::at(root.span.start), missing.into(), Severity::Error, Stage::Kind, message)
            .with_hint(Some(format!("every object needs `{missing}:`; a Pod has `apiVersion: v1` and `kind: Pod`")));
        push(d, analysis);
        return None;
    }
    let definition = match kind.as_str() {
        "Pod" => POD,
        "Node" => NODE,
        _ => {
            let d = Diagnostic::new(
                kind_span,
                "kind".into(),
                Severity::Warning,
                Stage::Kind,
                format!("podplay models Pods and Nodes; this {kind} is skipped"),
            );
            push(d, analysis);
            analysis.documents.push(AnalyzedDocument {
                index,
                object: Object::Other { api_version, kind },
                name,
                span: root.span,
                spans: SpanIndex::default(),
            });
            return None;
        }
    };
    if api_version != "v1" {
        let message = format!("no matches for kind \"{kind}\" in version \"{api_version}\"");
        let d = Diagnostic::new(version_span, "apiVersion".into(), Severity::Error, Stage::Kind, message)
            .with_hint(Some(format!("{kind} is in the core group: `apiVersion: v1`")));
        push(d, analysis);
        return None;
    }
    let decoded = decode(root, definition);
    Some(DecodedDocument { index, span: root.span, name, definition, decoded })
}

/// The second half: the decode's problems reported, the object typed,
/// defaulted and validated.
fn finish_document(document: DecodedDocument, analysis: &mut Analysis) {
    let DecodedDocument { index, span, name, definition, decoded } = document;
    let push = |d: Diagnostic, analysis: &mut Analysis| push_about(index, d, analysis);
    let mut decode_paths = Vec::new();
    for problem in &decoded.problems {
        let stage = match problem.kind {
            DecodeProblemKind::DuplicateKey { .. } => Stage::Duplicate,
            _ => Stage::Decode,
        };
        decode_paths.push(problem.path.clone());
        let d = Diagnostic::new(problem.span, problem.path.to_string(), Severity::Error, stage, problem.message())
            .with_hint(problem.hint());
        push(d, analysis);
    }
    let Decoded { json, spans, .. } = decoded;
    let object = if definition == POD {
        typed::<Pod>(json, span).map(|mut pod| {
            default_pod(&mut pod);
            for error in validate_pod(&pod) {
                // A field the decoder already rejected is missing now; its
                // "Required value" would only repeat the first complaint.
                if decode_paths.iter().any(|p| starts_with(&error.path, p)) {
                    continue;
                }
                push(validation_diagnostic(&error, &spans), analysis);
            }
            Object::Pod(Box::new(pod))
        })
    } else {
        typed::<Node>(json, span).map(|node| {
            for error in crate::validation::validate_node(&node) {
                push(validation_diagnostic(&error, &spans), analysis);
            }
            Object::Node(Box::new(node))
        })
    };
    match object {
        Ok(object) => analysis.documents.push(AnalyzedDocument { index, object, name, span, spans }),
        Err(d) => push(d, analysis),
    }
}

fn validation_diagnostic(error: &FieldError, spans: &SpanIndex) -> Diagnostic {
    // The internal API keeps shareProcessNamespace under securityContext, so
    // validation names that path; the learner wrote spec.shareProcessNamespace.
    let written = FieldPath::new("spec.shareProcessNamespace");
    let internal = FieldPath::new("spec.securityContext.shareProcessNamespace");
    let path = if error.path == internal && spans.get(&internal).is_none() { &written } else { &error.path };
    Diagnostic::new(spans.locate(path), error.path.to_string(), Severity::Error, Stage::Validation, error.body())
}

fn starts_with(path: &FieldPath, prefix: &FieldPath) -> bool {
    path.segments().starts_with(prefix.segments())
}

/// JSON → k8s-openapi type. The decoder already checked every type, so this
/// only fails on a podplay bug; it then reports instead of panicking.
fn typed<T: FromJson>(json: serde_json::Value, span: Span) -> Result<T, Diagnostic> {
    crate::typed::from_json(json).map_err(|e| {
        Diagnostic::new(span, String::new(), Severity::Error, Stage::Decode, format!("internal error: {e}"))
            .with_hint(Some("this is a podplay bug; please report it with the YAML".into()))
    })
}
