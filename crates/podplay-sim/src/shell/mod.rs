//! The shell: tokens → syntax tree → interpreter.
