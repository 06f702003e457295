//! Field docs at the cursor: what the playground shows when the learner's
//! cursor is on a key (the same data as `podplay explain`).

use crate::analyze::{Analysis, Object};
use crate::path::Segment;
use crate::schema::ExplainType;
use crate::schema::explain::lookup;

/// The docs of the field under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// The field path as written (`spec.containers[0].image`).
    pub path: String,
    /// The `podplay explain` query (`pod.spec.containers.image`).
    pub query: String,
    /// The type as `kubectl explain` writes it (`string`, `[]Container`).
    pub type_name: String,
    pub required: bool,
    pub description: String,
}

/// The field at character `offset` of the analyzed text, with its docs.
pub fn hover(analysis: &Analysis, offset: u32) -> Option<Hover> {
    let document = analysis.documents.iter().find(|d| d.span.start.offset <= offset && offset <= d.span.end.offset)?;
    let kind = match document.object {
        Object::Pod(_) => "pod",
        Object::Node(_) => "node",
        Object::Other { .. } => return None,
    };
    let path = document.spans.path_at(offset)?;
    // Docs follow struct fields; list indexes are skipped and a map key
    // shows its map's docs.
    let mut fields = Vec::new();
    for segment in path.segments() {
        match segment {
            Segment::Field(f) => fields.push(f.as_str()),
            Segment::Index(_) => {}
            Segment::Key(_) => break,
        }
    }
    if fields.is_empty() {
        return None;
    }
    let query = format!("{kind}.{}", fields.join("."));
    let doc = lookup(&query).ok()?;
    Some(Hover {
        path: path.to_string(),
        query,
        type_name: doc.ty.map(|t| ExplainType(t).to_string()).unwrap_or_default(),
        required: doc.required,
        description: doc.description.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_for_the_key_under_the_cursor() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostAliases:\n  - ip: 10.1.2.3\n  containers:\n  - name: web\n    image: nginx\n";
        let analysis = crate::analyze(text);
        let at = |needle: &str| u32::try_from(text.find(needle).unwrap()).unwrap() + 1;
        let h = hover(&analysis, at("image")).unwrap();
        assert_eq!(
            (h.path.as_str(), h.query.as_str(), h.type_name.as_str()),
            ("spec.containers[0].image", "pod.spec.containers.image", "string")
        );
        assert!(h.description.starts_with("Container image name."), "{}", h.description);
        let h = hover(&analysis, at("ip:")).unwrap();
        assert_eq!((h.query.as_str(), h.required), ("pod.spec.hostAliases.ip", true));
        let h = hover(&analysis, at("hostAliases")).unwrap();
        assert_eq!(h.type_name, "[]HostAlias");
        assert_eq!(hover(&analysis, 0).map(|h| h.query), Some("pod.apiVersion".to_string()));
    }
}
