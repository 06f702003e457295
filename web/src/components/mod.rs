//! Dumb components: properties in, callbacks out.

pub mod editor;
pub mod panels;
pub mod picture;
pub mod timeline;
