//! The analysis of a typed text, done a bounded piece per task once typing
//! pauses: read the YAML; decode it; type and validate it; then, for a new
//! Pod, find where its run ends and record it, an instant at a time. On a document of
//! thousands of lines the whole takes longer than a frame, and done at once
//! it would block the page (a "long task"); in pieces, a keystroke that
//! comes in between is handled at once (and makes the work moot).

use std::cell::RefCell;
use std::rc::Rc;

use crate::run::{Recording, Run};
use crate::state::State;

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

    fn now(&self) -> f64 {
        (self.now)()
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

impl State {
    /// Typing paused: the first piece (reading the YAML) now, the rest in
    /// later tasks.
    pub(crate) fn start_work(&mut self) {
        self.pending = None;
        let loaded = podplay_core::load(&self.text);
        self.work = Some(Work::Analyzing(Rc::new(RefCell::new(podplay_core::Analyzer::new(loaded)))));
        self.work_done += 1;
    }

    /// Goes on with the work under way until it is done or `clock` says a
    /// slice of time has passed.
    pub(crate) fn work_for_a_while(&mut self, clock: &Clock) {
        let start = clock.now();
        while let Some(work) = self.work.take() {
            match work {
                Work::Analyzing(analyzer) => {
                    let analysis = analyzer.borrow_mut().step();
                    match analysis {
                        Some(analysis) => {
                            let recording = self.take_analysis(analysis);
                            self.work = recording.map(|r| Work::Recording(Rc::new(RefCell::new(r))));
                        }
                        None => self.work = Some(Work::Analyzing(analyzer)),
                    }
                }
                Work::Recording(recording) => {
                    let run = recording.borrow_mut().step();
                    self.work = Some(match run {
                        Some(run) => Work::Recorded(Rc::new(RefCell::new(Some(run)))),
                        None => Work::Recording(recording),
                    });
                }
                Work::Recorded(run) => {
                    if let Some(run) = run.borrow_mut().take() {
                        self.take_run(run);
                    }
                    // The page draws the new run after this task: that is
                    // this slice's work.
                    if clock.moves {
                        break;
                    }
                }
            }
            let next_is_drawing = matches!(self.work, Some(Work::Recorded(_)));
            if clock.now() - start >= SLICE_MS || (next_is_drawing && clock.moves) {
                break;
            }
        }
        self.work_done += 1;
    }

    /// Whatever is typed but not analyzed, or under way, done now: every
    /// action but typing sees the text analyzed.
    pub(crate) fn finish_work(&mut self) {
        if self.pending.is_some() {
            self.analyze();
        } else {
            self.work_for_a_while(&Clock::never());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use yew::Reducible;

    use super::*;
    use crate::examples::EXAMPLES;
    use crate::state::Action;

    /// A clock that moves on a whole slice each time it is read.
    fn slow_clock() -> Clock {
        let t = Rc::new(Cell::new(0.0));
        Clock::new(move || {
            t.set(t.get() + SLICE_MS);
            t.get()
        })
    }

    #[test]
    fn a_typed_pod_is_analyzed_and_recorded_in_slices_to_the_same_run() {
        let text = EXAMPLES[2].yaml.replacen("name: ", "name: x", 1);
        let at_once = State::new(text.clone());
        let mut state = Rc::new(State::new(EXAMPLES[0].yaml.to_string()));
        state = state.reduce(Action::Edit(text));
        let edit = state.edits;
        state = state.reduce(Action::Analyze(edit));
        let mut slices = 0;
        while state.work.is_some() {
            state = state.reduce(Action::Work(slow_clock()));
            slices += 1;
            assert!(slices < 1000);
        }
        assert!(slices > 10, "one piece per slice: {slices}");
        assert_eq!(state.diagnostics, at_once.diagnostics);
        assert_eq!(state.run, at_once.run, "the same run as recorded at once");
        assert_eq!(state.frame, at_once.frame);
    }

    #[test]
    fn a_keystroke_drops_the_work_for_the_older_text_and_other_actions_finish_it() {
        let mut state = Rc::new(State::new(EXAMPLES[0].yaml.to_string()));
        state = state.reduce(Action::Edit(EXAMPLES[2].yaml.to_string()));
        let edit = state.edits;
        state = state.reduce(Action::Analyze(edit));
        state = state.reduce(Action::Work(slow_clock()));
        assert!(state.work.is_some());
        let typed = state.clone().reduce(Action::Edit(format!("{}# more\n", EXAMPLES[2].yaml)));
        assert!(typed.work.is_none() && typed.pending.is_some());
        let stepped = state.reduce(Action::Forward);
        assert!(stepped.work.is_none());
        assert_eq!(stepped.run, State::new(EXAMPLES[2].yaml.to_string()).run);
    }
}
