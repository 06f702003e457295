//! One module per subcommand.

pub mod explain;
pub mod sim;
pub mod validate;
