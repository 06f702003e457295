//! One module per subcommand.

#[cfg(target_os = "linux")]
pub mod attach;
pub mod exec;
pub mod explain;
pub mod image;
pub mod kubectl;
pub mod sim;
pub mod story;
pub mod validate;
