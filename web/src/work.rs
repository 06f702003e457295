//! The analysis of a typed text, done a bounded piece per task once typing
//! pauses: read the YAML; decode it; type and validate it; then, for a new
//! Pod, find where its run ends and record it, an instant at a time. On a
//! document of thousands of lines the whole takes longer than a frame, and
//! done at once it would block the page (a "long task"); in pieces, a
//! keystroke that comes in between is handled at once (and makes the work
//! moot). Here: what is left to do and the clock; the state's transitions
//! that do it are in `transitions`.

use std::cell::RefCell;
use std::rc::Rc;

use crate::run::{Recording, Run};

/// Most milliseconds of work in one task: under the 50 ms that make a long
/// task, leaving time to draw.
pub const SLICE_MS: f64 = 20.0;

/// Milliseconds since some start: the page's `performance.now()`, or a
/// stand-in in tests.
#[derive(Clone)]
pub struct Clock {
    now: Rc<dyn Fn() -> f64>,
    /// Whether time is kept at all (not when the work is to be done at once).
    moves: bool,
}

impl Clock {
    pub fn new(now: impl Fn() -> f64 + 'static) -> Clock {
        Clock { now: Rc::new(now), moves: true }
    }

    /// A clock that never moves: the work is done in one go.
    pub fn never() -> Clock {
        Clock { now: Rc::new(|| 0.0), moves: false }
    }

    pub fn now(&self) -> f64 {
        (self.now)()
    }

    /// Whether time is kept (a slice can end).
    pub fn moves(&self) -> bool {
        self.moves
    }
}

/// What is left to do of the analysis under way.
#[derive(Clone)]
pub enum Work {
    /// The text read as YAML, being decoded and validated.
    Analyzing(Rc<RefCell<podplay_core::Analyzer>>),
    /// The new Pod being recorded.
    Recording(Rc<RefCell<Recording>>),
    /// The new Pod recorded, to show (taken when shown): drawing it is a
    /// piece of work of its own.
    Recorded(Rc<RefCell<Option<Run>>>),
}

impl PartialEq for Work {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Work::Analyzing(a), Work::Analyzing(b)) => Rc::ptr_eq(a, b),
            (Work::Recording(a), Work::Recording(b)) => Rc::ptr_eq(a, b),
            (Work::Recorded(a), Work::Recorded(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Work::Analyzing(_) => "Work::Analyzing",
            Work::Recording(_) => "Work::Recording",
            Work::Recorded(_) => "Work::Recorded",
        })
    }
}
