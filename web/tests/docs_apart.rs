//! The playground is built without podplay-core's `embedded-docs` (the
//! CLI's feature): the field docs are not in the first load, and show once
//! fetched and installed. This proves the test build is the playground's:
//! run on its own (`cargo test -p podplay-web`, as `cargo xtask test` does),
//! not in one cargo run with the CLI, which would unify the feature in.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use podplay_web::state::{Action, DocsState, State};
use yew::Reducible;

fn reduce(state: State, action: Action) -> State {
    (*Rc::new(state).reduce(action)).clone()
}

// One test: the installed docs are process-wide and stay once installed.
#[test]
fn the_field_docs_are_fetched_not_built_in() {
    // In one cargo run with the CLI (`cargo test --workspace`) the feature is
    // unified in and this build is not the playground's: nothing to prove.
    // `cargo xtask test` runs the web tests alone and sets this variable,
    // so the check always runs there (and in CI).
    if std::env::var_os("PODPLAY_WEB_TESTS_ALONE").is_none() && podplay_core::schema::docs().is_some() {
        eprintln!("built with embedded-docs (a workspace run): run `cargo test -p podplay-web` alone");
        return;
    }
    assert!(
        podplay_core::schema::docs().is_none(),
        "podplay-core was built with `embedded-docs`: run `cargo test -p podplay-web` on its own"
    );
    let text =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n";
    let state = State::new(text.to_string());
    assert_eq!(state.docs, DocsState::Missing);
    let on_image = text.find("image").unwrap() as u32 + 1;
    let state = reduce(state, Action::Cursor(on_image));
    let hover = state.hover.clone().unwrap();
    assert_eq!(hover.query, "pod.spec.containers.image");
    assert_eq!(hover.description, "", "no description before the docs are installed");

    // What the playground does with the fetched `k8s-docs.json`.
    podplay_core::schema::install_docs(include_str!("../../crates/podplay-core/data/k8s-docs.json")).unwrap();
    let state = reduce(state, Action::Docs(Ok(())));
    assert_eq!(state.docs, DocsState::Ready);
    assert!(state.hover.unwrap().description.starts_with("Container image name."));
}
