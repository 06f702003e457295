//! podplay-sim: the virtual Linux runtime behind podplay's kubelet.
//!
//! Deterministic (same input, same trace, byte for byte), bounded (every
//! process runs on a step budget, every output is capped) and free of I/O,
//! clocks and threads, so it runs in the browser as well as natively.

pub mod shell;
