//! The analysis of a typed text, done a bounded piece per task once typing
//! pauses: read the YAML; decode it; type and validate it. On a document of
//! thousands of lines the whole takes longer than a frame, and done at once
//! it would block the page (a "long task"); in pieces, a keystroke that
//! comes in between is handled at once (and makes the work moot). A new
//! Pod is then recorded by the simulator's worker, off the page's thread
//! (`simulator`). Here: what is left to do and the clock; the state's
//! transitions that do it are in `transitions`.

use std::cell::RefCell;
use std::rc::Rc;

/// Most milliseconds of work in one task: under the 50 ms that make a long
/// task, leaving time to draw.
pub const SLICE_MS: f64 = 20.0;

/// Milliseconds since some start: the page's `performance.now()`, or a
/// stand-in in tests.
#[derive(Clone)]
pub struct Clock {
    now: Rc<dyn Fn() -> f64>,
}

impl Clock {
    pub fn new(now: impl Fn() -> f64 + 'static) -> Clock {
        Clock { now: Rc::new(now) }
    }

    /// A clock that never moves: the work is done in one go.
    pub fn never() -> Clock {
        Clock { now: Rc::new(|| 0.0) }
    }

    pub fn now(&self) -> f64 {
        (self.now)()
    }
}

/// What is left to do of the analysis under way: the text read as YAML,
/// being decoded and validated.
#[derive(Clone)]
pub struct Work(pub Rc<RefCell<podplay_core::Analyzer>>);

impl PartialEq for Work {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Work")
    }
}
