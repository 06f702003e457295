//! podplay-sim: the virtual Linux runtime behind podplay's kubelet.
//!
//! Deterministic (same input, same trace, byte for byte), bounded (every
//! process runs on a step budget, every output is capped) and free of I/O,
//! clocks and threads, so it runs in the browser as well as natively.
//!
//! - [`kernel`]: processes, namespaces, filesystems, pipes, network, and the
//!   executor on a virtual clock;
//! - [`programs`] and [`images`]: what runs (busybox, nginx, Tomcat, pause,
//!   Fluent Bit, the outside log store) and the catalog of images;
//! - [`shell`]: busybox `sh` (tokens → syntax tree → interpreter);
//! - [`runtime`]: the CRI calls carried out on the kernel, like containerd,
//!   and [`runtime::VirtualNode`], which implements podplay-core's
//!   `Runtime` trait;
//! - [`sim`]: podplay-core's driver on the virtual node, plus the views only
//!   a virtual node has (`ps`, logs, the outside log store).
//!
//! Its maps are `LiteMap`s (ICU4X's sorted-vector map): ordered like
//! `BTreeMap`, so iteration and traces stay deterministic, and small in code.
//! The playground's WebAssembly carried a copy of `BTreeMap`'s node code for
//! every key and value type, 23 KB gzipped in all; the maps here hold tens of
//! entries. The filesystem's path index stays a `BTreeMap`: it holds every
//! file of every image and is read by prefix ranges.

pub mod images;
pub mod kernel;
pub mod programs;
pub mod runtime;
pub mod shell;
pub mod sim;

pub use podplay_core::image_ref::normalize as normalize_image;
pub use sim::{Simulation, Until};
