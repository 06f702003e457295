//! Dumb components: properties in, callbacks out.

pub mod code_view;
pub mod editor;
pub mod header;
pub mod instant;
pub mod panels;
pub mod picture;
pub mod timeline;
