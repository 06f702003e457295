//! podplay's playground: a Yew app (client-side rendering) over podplay-core
//! and podplay-sim, with no server.
//!
//! Shaped like Yew's reducer apps: all state and transitions in [`state`],
//! the recorded simulation in [`run`], dumb components in [`components`],
//! browser I/O (local storage, the URL fragment) in [`browser`]. The
//! simulation runs in a web worker of its own ([`simulator`], [`wire`]),
//! a second WebAssembly module fetched when the learner first runs a Pod.

pub mod app;
pub mod breakage;
pub mod browser;
pub mod components;
pub mod examples;
pub mod glossary;
pub mod highlight;
pub mod lessons;
pub mod markup;
pub mod run;
pub mod simulator;
pub mod state;
pub mod transitions;
pub mod wire;
pub mod work;
