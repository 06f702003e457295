//! podplay-core: the pure, deterministic core of podplay.
//!
//! It contains no I/O, reads no clock, starts no threads or processes, and
//! builds for `wasm32-unknown-unknown` as well as natively: the same code runs
//! in the `podplay` command and in the browser playground on every keystroke.
//!
//! The spec pipeline, in order:
//! 1. [`yaml`]: text → located YAML nodes (go-yaml v2 scalar rules, limits);
//! 2. [`decode`]: nodes → Kubernetes objects, checked against the OpenAPI
//!    [`schema`] of the modeled version: strict unknown and duplicate fields,
//!    type errors in the API server's words;
//! 3. [`defaults`]: the API server's defaulting;
//! 4. [`validation`]: the API server's validation, every error with its field
//!    path;
//! 5. [`diagnostic`]: every problem located at a line and column.
//!
//! [`analyze`] runs the whole pipeline on one file.
//!
//! Then what Kubernetes does with the Pod: the [`scheduler`], the sans-IO
//! [`kubelet`], the [`runtime::Runtime`] trait a container runtime
//! implements (the [`cri`] calls as data), the [`driver`] that pumps
//! scheduler, kubelet and runtime on one clock, the runtime-independent
//! [`trace`] of what happened, and [`kubectl`]'s views of the result.

pub mod analyze;
pub mod cluster;
pub mod cri;
pub mod decode;
pub mod defaults;
pub mod diagnostic;
pub mod driver;
pub mod hover;
pub mod ids;
pub mod image_ref;
pub mod json;
pub mod kubectl;
pub mod kubelet;
pub mod number;
pub mod path;
pub mod quote;
pub mod runtime;
pub mod scheduler;
pub mod schema;
pub mod source;
pub mod time;
pub mod trace;
pub mod typed;
pub mod validation;
pub mod yaml;

pub use analyze::{Analysis, AnalyzedDocument, Analyzer, Object, analyze, analyze_bytes, analyze_loaded, load};
pub use diagnostic::{Diagnostic, Severity};

/// The Kubernetes version podplay models.
pub const KUBERNETES_VERSION: &str = "1.37";

/// Helpers shared by unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use k8s_openapi::api::core::v1::Pod;

    /// The one valid Pod of a YAML text.
    pub fn pod(yaml: &str) -> Pod {
        let analysis = crate::analyze(yaml);
        let pods: Vec<Pod> = analysis.valid_pods().cloned().collect();
        assert_eq!(pods.len(), 1, "{:?}", analysis.diagnostics);
        pods.into_iter().next().unwrap()
    }
}
