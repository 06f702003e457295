//! Kubernetes field paths (`spec.containers[0].image`), as apimachinery's
//! `field.Path` prints them.

use std::fmt;

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A struct field: `.image`.
    Field(String),
    /// A list index: `[0]`.
    Index(usize),
    /// A map key: `[disktype]`.
    Key(String),
}

/// A path from the object root to a field.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath::default()
    }

    /// A path of dotted fields: `FieldPath::new("spec.containers")`.
    pub fn new(dotted: &str) -> FieldPath {
        FieldPath { segments: dotted.split('.').filter(|s| !s.is_empty()).map(|s| Segment::Field(s.into())).collect() }
    }

    pub fn child(&self, field: &str) -> FieldPath {
        self.with(Segment::Field(field.to_string()))
    }

    pub fn index(&self, i: usize) -> FieldPath {
        self.with(Segment::Index(i))
    }

    pub fn key(&self, key: &str) -> FieldPath {
        self.with(Segment::Key(key.to_string()))
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn parent(&self) -> Option<FieldPath> {
        let (_, rest) = self.segments.split_last()?;
        Some(FieldPath { segments: rest.to_vec() })
    }

    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The path without list indexes, as Go's `encoding/json` names a field
    /// in type errors (`spec.containers.image`).
    pub fn without_indexes(&self) -> String {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Field(f) | Segment::Key(f) => Some(f.as_str()),
                Segment::Index(_) => None,
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    fn with(&self, segment: Segment) -> FieldPath {
        let mut segments = self.segments.clone();
        segments.push(segment);
        FieldPath { segments }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Field(name) if i == 0 => write!(f, "{name}")?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) => write!(f, "[{k}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_field_path() {
        let p = FieldPath::new("spec.containers").index(0).child("image");
        assert_eq!(p.to_string(), "spec.containers[0].image");
        assert_eq!(FieldPath::new("metadata.labels").key("app").to_string(), "metadata.labels[app]");
        assert_eq!(p.without_indexes(), "spec.containers.image");
    }
}
