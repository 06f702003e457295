//! Located problems, and how they print: one line per problem, then the
//! summary kubectl would print for the same file.

use serde::Serialize;

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// The pipeline stage that found a problem; it decides kubectl's summary
/// form, since kubectl stops at the first stage that fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Not UTF-8, YAML syntax, limits: kubectl fails while reading the file.
    Syntax,
    /// Duplicate keys: kubectl fails converting YAML to JSON.
    Duplicate,
    /// apiVersion/kind problems.
    Kind,
    /// Unknown fields and type errors: the API server cannot decode the body.
    Decode,
    /// The API server's validation.
    Validation,
}

/// One problem at one place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub span: Span,
    /// The Kubernetes field path (`spec.containers[0].image`), or empty.
    pub path: String,
    pub severity: Severity,
    /// The message in Kubernetes' words.
    pub message: String,
    /// podplay's own advice, when it has some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip)]
    pub stage: Stage,
    /// 0-based index of the YAML document it belongs to.
    #[serde(skip)]
    pub document: usize,
}

impl Diagnostic {
    pub fn new(span: Span, path: String, severity: Severity, stage: Stage, message: String) -> Diagnostic {
        Diagnostic {
            line: span.start.line.max(1),
            column: span.start.column.max(1),
            span,
            path,
            severity,
            message,
            hint: None,
            stage,
            document: 0,
        }
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Diagnostic {
        self.hint = hint;
        self
    }

    /// `FILE:LINE:COL: PATH: MESSAGE`, with the hint in parentheses.
    pub fn render(&self, file: &str) -> String {
        let mut s = format!("{file}:{}:{}: ", self.line, self.column);
        if self.severity == Severity::Warning {
            s.push_str("warning: ");
        }
        if !self.path.is_empty() {
            s.push_str(&self.path);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        if let Some(hint) = &self.hint {
            s.push_str(&format!(" ({hint})"));
        }
        s
    }
}
