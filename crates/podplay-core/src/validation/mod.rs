//! The API server's validation of a (defaulted) Pod, after
//! `pkg/apis/core/validation/validation.go`: every error at once, each with
//! its field path and the API server's exact text.

mod container;
mod names;
mod pod;
mod volume;

pub use names::{
    DNS1123_LABEL_MESSAGE, DNS1123_SUBDOMAIN_MESSAGE, dns1123_label, is_dns1123_label, is_dns1123_subdomain,
};
pub use pod::{validate_node, validate_pod};

use std::fmt;

use crate::path::FieldPath;
use crate::quote::go_quote;

/// apimachinery's `field.ErrorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    Required,
    Invalid,
    Duplicate,
    NotSupported,
    NotFound,
    Forbidden,
    TooLong,
    TooMany,
}

impl ErrorType {
    fn text(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::NotFound => "Not found",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
        }
    }
}

/// The offending value, printed as Go's `%q` for strings and bare otherwise.
#[derive(Clone, Debug, PartialEq)]
pub enum BadValue {
    None,
    Str(String),
    Int(i64),
    Bool(bool),
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::None => Ok(()),
            BadValue::Str(s) => f.write_str(&go_quote(s)),
            BadValue::Int(i) => write!(f, "{i}"),
            BadValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// One validation error, like apimachinery's `field.Error`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub path: FieldPath,
    pub kind: ErrorType,
    pub value: BadValue,
    pub detail: String,
}

impl FieldError {
    pub fn required(path: FieldPath, detail: &str) -> FieldError {
        FieldError { path, kind: ErrorType::Required, value: BadValue::None, detail: detail.into() }
    }
    pub fn invalid(path: FieldPath, value: BadValue, detail: &str) -> FieldError {
        FieldError { path, kind: ErrorType::Invalid, value, detail: detail.into() }
    }
    pub fn duplicate(path: FieldPath, value: BadValue) -> FieldError {
        FieldError { path, kind: ErrorType::Duplicate, value, detail: String::new() }
    }
    pub fn not_found(path: FieldPath, value: BadValue) -> FieldError {
        FieldError { path, kind: ErrorType::NotFound, value, detail: String::new() }
    }
    pub fn forbidden(path: FieldPath, detail: &str) -> FieldError {
        FieldError { path, kind: ErrorType::Forbidden, value: BadValue::None, detail: detail.into() }
    }
    pub fn not_supported(path: FieldPath, value: &str, supported: &[&str]) -> FieldError {
        let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
        FieldError {
            path,
            kind: ErrorType::NotSupported,
            value: BadValue::Str(value.into()),
            detail: format!("supported values: {}", list.join(", ")),
        }
    }
    pub fn too_long(path: FieldPath, max: usize) -> FieldError {
        FieldError {
            path,
            kind: ErrorType::TooLong,
            value: BadValue::None,
            detail: format!("may not be more than {max} bytes"),
        }
    }

    /// The error without its path (`Required value`, `Invalid value: "Web": …`).
    pub fn body(&self) -> String {
        let mut s = self.kind.text().to_string();
        let shows_value = !matches!(self.kind, ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong);
        if shows_value && self.value != BadValue::None {
            s.push_str(": ");
            s.push_str(&self.value.to_string());
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
    }
}

/// Collects errors in validation order, dropping exact repeats as
/// `field.ErrorList` aggregation does.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, e: FieldError) {
        if !self.0.contains(&e) {
            self.0.push(e);
        }
    }
    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        for e in errors {
            self.push(e);
        }
    }
}
