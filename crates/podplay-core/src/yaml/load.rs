//! Events → located nodes, with limits.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use super::escapes::{MAX_REWRITES, Remap, has_escape_go_yaml_rejects};

use super::scalar::{format_float, resolve_plain, resolve_tagged};
use super::{Entry, Node, Value};
use crate::source::{Position, Span};

/// The largest input accepted: the API server's request body limit (3 MiB).
pub const MAX_INPUT_BYTES: usize = 3 * 1024 * 1024;
/// Deepest nesting of collections. Real Pods need fewer than 15 levels.
pub const MAX_DEPTH: usize = 64;
/// Most nodes in one input, counting the copies made by aliases.
pub const MAX_NODES: usize = 100_000;

/// One YAML document of the input (empty documents are dropped, as kubectl
/// drops them).
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// 0-based index among the input's non-empty documents.
    pub index: usize,
    pub root: Node,
}

/// A YAML error that stops reading: syntax errors and exceeded limits.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub position: Position,
}

/// What the loader read: every document before the first error, and that
/// error. Documents after a syntax error cannot be read reliably.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadOutcome {
    pub documents: Vec<Document>,
    pub error: Option<YamlError>,
}

/// Reads every document of `text`.
pub fn load(text: &str) -> LoadOutcome {
    let mut outcome = LoadOutcome::default();
    if text.len() > MAX_INPUT_BYTES {
        outcome.error = Some(YamlError {
            message: format!(
                "the input is {} bytes; the API server accepts requests of at most {MAX_INPUT_BYTES} bytes",
                text.len()
            ),
            position: Position { line: 1, column: 1, offset: 0 },
        });
        return outcome;
    }
    let mut source = std::borrow::Cow::Borrowed(text);
    let mut remap = Remap::default();
    for _ in 0..MAX_REWRITES {
        let (outcome, bad_escape_at) = load_once(&source, &remap);
        let rewritten = bad_escape_at.and_then(|quote| remap.rewrite(&source, quote));
        match rewritten {
            Some(text) => source = std::borrow::Cow::Owned(text),
            None => return outcome,
        }
    }
    load_once(&source, &remap).0
}

/// One parse of (possibly rewritten) text. On an unknown-escape error, also
/// returns the parser's marker so that [`load`] can try a go-yaml rewrite.
fn load_once(text: &str, remap: &Remap) -> (LoadOutcome, Option<Marker>) {
    let mut outcome = LoadOutcome::default();
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let mut cursor = CharCursor::new(text);
    while let Some(next) = parser.next_event() {
        let (event, raw_span) = match next {
            Ok(pair) => pair,
            Err(e) => {
                let bad_escape = e.info().contains("unknown escape character").then(|| *e.marker());
                let position = remap.position(*e.marker());
                outcome.error =
                    Some(YamlError { message: format!("yaml: line {}: {}", position.line, e.info()), position });
                return (outcome, bad_escape);
            }
        };
        let span = remap.span(raw_span);
        if let Event::Scalar(value, ScalarStyle::DoubleQuoted, ..) = &event {
            if value.contains('/') && has_escape_go_yaml_rejects(cursor.from(raw_span.start.index())) {
                outcome.error = Some(YamlError {
                    message: format!(
                        "yaml: line {}: while parsing a quoted scalar, found unknown escape character",
                        span.start.line
                    ),
                    position: span.start,
                });
                return (outcome, None);
            }
        }
        match builder.event(event, span) {
            Ok(Some(root)) => {
                let index = outcome.documents.len();
                outcome.documents.push(Document { index, root });
            }
            Ok(None) => {}
            Err(error) => {
                outcome.error = Some(error);
                break;
            }
        }
    }
    (outcome, None)
}

/// Character index → text, for events that arrive in text order: the total
/// walk is linear in the text.
struct CharCursor<'a> {
    text: &'a str,
    char_index: usize,
    byte_index: usize,
}

impl<'a> CharCursor<'a> {
    fn new(text: &'a str) -> Self {
        CharCursor { text, char_index: 0, byte_index: 0 }
    }

    /// The text from character `index` on.
    fn from(&mut self, index: usize) -> &'a str {
        if index < self.char_index {
            self.char_index = 0;
            self.byte_index = 0;
        }
        let rest = &self.text[self.byte_index..];
        let skip = index - self.char_index;
        let offset = rest.char_indices().nth(skip).map_or(rest.len(), |(b, _)| b);
        self.byte_index += offset;
        self.char_index = index;
        &self.text[self.byte_index..]
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: BTreeMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
}

enum Frame {
    Seq { start: Span, anchor: usize, items: Vec<Node>, size: usize },
    Map { start: Span, anchor: usize, entries: Vec<Entry>, merges: Vec<Node>, key: Option<Key>, size: usize },
}

struct Key {
    text: String,
    span: Span,
    merge: bool,
}

impl Builder {
    /// Feeds one event; returns a finished document root at a document end.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<Option<Node>, YamlError> {
        match event {
            Event::DocumentStart(_) => {
                self.root = None;
                self.stack.clear();
            }
            // An empty document reads as a null scalar; kubectl skips it.
            Event::DocumentEnd => return Ok(self.root.take().filter(|n| n.value != Value::Null)),
            Event::Scalar(text, style, anchor, tag) => {
                let value = match (&tag, style) {
                    (Some(tag), _) if tag.is_yaml_core_schema() => resolve_tagged(&tag.suffix, &text)
                        .ok_or_else(|| error(span, format!("yaml: cannot decode !!{} `{}`", tag.suffix, text)))?,
                    (_, ScalarStyle::Plain) => resolve_plain(&text),
                    _ => Value::String(text.into_owned()),
                };
                let merge = style == ScalarStyle::Plain && tag.is_none() && value == Value::String("<<".into());
                self.count(1, span)?;
                self.finish(Node { value, span }, anchor, 1, merge)?;
            }
            Event::Alias(id) => {
                let (node, size) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| error(span, "yaml: unknown anchor referenced".into()))?;
                self.count(size, span)?;
                let node = Node { value: node.value, span };
                self.finish(node, 0, size, false)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.enter(span)?;
                self.stack.push(Frame::Seq { start: span, anchor, items: Vec::new(), size: 1 });
            }
            Event::MappingStart(anchor, _) => {
                self.enter(span)?;
                self.stack.push(Frame::Map {
                    start: span,
                    anchor,
                    entries: Vec::new(),
                    merges: Vec::new(),
                    key: None,
                    size: 1,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { start, anchor, items, size }) = self.stack.pop() {
                    let node = Node { value: Value::Seq(items), span: Span { start: start.start, end: span.end } };
                    self.finish(node, anchor, size, false)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { start, anchor, mut entries, merges, size, .. }) = self.stack.pop() {
                    apply_merges(&mut entries, merges);
                    let node = Node { value: Value::Map(entries), span: Span { start: start.start, end: span.end } };
                    self.finish(node, anchor, size, false)?;
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(None)
    }

    fn enter(&mut self, span: Span) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(error(span, format!("yaml: exceeded max depth of {MAX_DEPTH}")));
        }
        self.count(1, span)
    }

    fn count(&mut self, nodes: usize, span: Span) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(error(
                span,
                format!("yaml: document contains excessive aliasing or is too large (more than {MAX_NODES} nodes)"),
            ));
        }
        Ok(())
    }

    /// Attaches a completed node to its parent (or makes it the root).
    fn finish(&mut self, node: Node, anchor: usize, size: usize, merge_key: bool) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, size: total, .. }) => {
                *total = total.saturating_add(size);
                items.push(node);
            }
            Some(Frame::Map { entries, merges, key, size: total, .. }) => {
                *total = total.saturating_add(size);
                match key.take() {
                    None => {
                        let text = key_text(&node)?;
                        *key = Some(Key { text, span: node.span, merge: merge_key });
                    }
                    Some(k) if k.merge => merges.push(node),
                    Some(k) => entries.push(Entry { key: k.text, key_span: k.span, value: node }),
                }
            }
        }
        Ok(())
    }
}

/// Map keys become JSON object keys, so scalars are written back as text.
fn key_text(node: &Node) -> Result<String, YamlError> {
    Ok(match &node.value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float(*f),
        Value::Seq(_) | Value::Map(_) => {
            return Err(error(node.span, "yaml: invalid map key: a key must be a scalar".into()));
        }
    })
}

/// YAML merge keys (`<<: *base`): keys already present win, earlier merge
/// sources win over later ones.
fn apply_merges(entries: &mut Vec<Entry>, merges: Vec<Node>) {
    for source in merges {
        let maps = match source.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => items
                .into_iter()
                .filter_map(|n| match n.value {
                    Value::Map(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for map in maps {
            for entry in map {
                if !entries.iter().any(|e| e.key == entry.key) {
                    entries.push(entry);
                }
            }
        }
    }
}

fn error(span: Span, message: String) -> YamlError {
    YamlError { message, position: span.start }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_one_based() {
        let out = load("a: 1\nb:\n  - x\n");
        assert!(out.error.is_none());
        let root = &out.documents[0].root;
        let b = root.get("b").unwrap();
        assert_eq!((b.key_span.start.line, b.key_span.start.column), (2, 1));
        let Value::Seq(items) = &b.value.value else { panic!() };
        assert_eq!((items[0].span.start.line, items[0].span.start.column), (3, 5));
    }

    #[test]
    fn several_documents_and_empty_ones() {
        let out = load("a: 1\n---\n---\nb: 2\n");
        assert_eq!(out.documents.len(), 2);
        assert_eq!(out.documents[1].index, 1);
    }

    #[test]
    fn syntax_error_is_located() {
        let out = load("a: 1\nb: c: d\n");
        let e = out.error.unwrap();
        assert_eq!(e.position.line, 2);
        assert!(e.message.starts_with("yaml: line 2: "), "{}", e.message);
    }

    #[test]
    fn billion_laughs_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let out = load(&text);
        assert!(out.error.unwrap().message.contains("excessive aliasing"));
    }

    #[test]
    fn deep_nesting_is_stopped() {
        // Flow nesting: saphyr-parser's own limit answers first.
        let out = load(&"[".repeat(10_000));
        assert!(out.error.unwrap().message.contains("recursion limit"));
        // Block nesting: ours.
        let text: String = (0..100).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
        let out = load(&text);
        assert!(out.error.unwrap().message.contains("max depth of 64"));
    }

    #[test]
    fn y_is_a_boolean_key_as_in_go_yaml_v2() {
        let out = load("y: 1\n");
        assert!(out.documents[0].root.get("true").is_some());
    }

    #[test]
    fn go_yaml_escapes() {
        let out = load("a: \"it\\'s\"\nb: x\n");
        assert!(out.error.is_none(), "{:?}", out.error);
        let root = &out.documents[0].root;
        assert_eq!(root.get_str("a"), Some("it's"));
        // Positions after the rewrite are the learner's, not the rewritten text's.
        let b = root.get("b").unwrap();
        assert_eq!((b.key_span.start.line, b.key_span.start.column), (2, 1));
        let out = load("a: [\"x\\'y\", z]\n");
        let Value::Seq(items) = &out.documents[0].root.get("a").unwrap().value.value else { panic!() };
        assert_eq!((items[1].span.start.column, items[1].span.start.offset), (13, 12));
        let out = load("a: \"x\\/y\"\n");
        assert!(out.error.unwrap().message.contains("unknown escape character"));
    }

    #[test]
    fn merge_keys() {
        let out = load("base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  b: 3\n");
        let m = out.documents[0].root.get("m").unwrap();
        assert_eq!(m.value.get("a").unwrap().value.value, Value::Int(1));
        assert_eq!(m.value.get("b").unwrap().value.value, Value::Int(3));
    }
}
