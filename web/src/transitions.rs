//! The reducer's larger transitions, one method each (`state::State`'s
//! reducer picks them by action).

use std::cell::RefCell;
use std::rc::Rc;

use crate::run::Intervention;
use crate::simulator::Request;
use crate::state::{DocsState, ExecAsk, PENDING, Show, State, char_offset};
use crate::work::{Clock, SLICE_MS, Work};

/// Most terminal exchanges kept.
const TERMINAL_LINES: usize = 50;

impl State {
    /// The learner typed: the text is kept, and analyzed after a pause.
    pub(crate) fn typed(&mut self, text: String) {
        self.notice = None;
        self.text = Rc::from(text);
        self.edits += 1;
        self.pending = Some(self.edits);
        // What was under way was for an older text.
        self.work = None;
    }

    pub(crate) fn toggle_play(&mut self) {
        self.playing = !self.playing;
        if self.playing && self.frame + 1 >= self.frames() {
            self.frame = 0;
        }
    }

    /// The play timer: the next instant, or a stop at the last. While a
    /// run is on its way, play waits for it.
    pub(crate) fn tick(&mut self) {
        if self.playing && self.recording.is_none() {
            if self.frame + 1 >= self.frames() {
                self.playing = false;
            } else {
                self.frame += 1;
            }
        }
    }

    /// A completion accepted: the half-typed key at the cursor becomes
    /// `name: `.
    pub(crate) fn complete(&mut self, name: &str) {
        let chars: Vec<char> = self.text.chars().collect();
        let at = (self.cursor as usize).min(chars.len());
        let start = chars[..at].iter().rposition(|c| !(c.is_ascii_alphanumeric() || *c == '_')).map_or(0, |i| i + 1);
        let mut text: String = chars[..start].iter().collect();
        text.push_str(name);
        text.push_str(": ");
        text.extend(chars[at..].iter());
        self.cursor = (start + name.chars().count() + 2) as u32;
        self.completions = Rc::new([]);
        self.set_text(Rc::from(text));
    }

    /// Something done to the running Pod at the instant on screen: the
    /// story from then on is simulated again with it. A break that cannot
    /// act at this instant (a kill with no process, a second delete) adds
    /// no step.
    pub(crate) fn break_run(&mut self, intervention: Intervention) {
        let picture = self.run.as_ref().and_then(|r| r.frames.get(self.frame)).map(|f| &f.picture);
        let acts = picture.is_some_and(|p| match &intervention {
            Intervention::Delete => p.deletable(),
            Intervention::Kill { container, .. } => p.running().contains(container),
        });
        let Some(run) = self.run.clone().filter(|r| acts && r.recorded) else { return };
        self.remember(None);
        let at = run.at(self.frame);
        // What happened after this instant is replaced by the new story.
        let mut scenario = run.scenario();
        scenario.interventions.retain(|(t, _)| *t <= at);
        scenario.interventions.push((at, intervention));
        self.ask_record(scenario, run.pod.clone(), run.nodes.clone(), Show::After(at), true);
        self.playing = false;
    }

    /// The cursor moved (an offset in UTF-16 units): the docs and
    /// completions there.
    pub(crate) fn cursor_moved(&mut self, utf16: u32) {
        // After a failed fetch, the next field under the cursor tries again.
        if matches!(self.docs, DocsState::Failed(_)) {
            self.docs = DocsState::Missing;
        }
        let offset = char_offset(&self.text, utf16);
        self.cursor = offset;
        // While typing, the docs wait for the analysis of the new text.
        if self.pending.is_none() {
            self.look_at_cursor(offset);
        }
    }

    /// The field docs arrived, or could not be fetched.
    pub(crate) fn docs_arrived(&mut self, result: Result<(), String>) {
        self.docs = match (result, &self.docs) {
            // Installed once, the docs stay.
            (_, DocsState::Ready) | (Ok(()), _) => DocsState::Ready,
            (Err(e), _) => DocsState::Failed(e),
        };
        // The descriptions fill in what is on screen.
        self.look_at_cursor(self.cursor);
    }

    /// The docs and completions at a character offset of the text.
    pub(crate) fn look_at_cursor(&mut self, offset: u32) {
        self.hover = podplay_core::hover::hover(&self.analysis.0, offset).map(Rc::new);
        self.completions = podplay_core::hover::completions(&self.analysis.0, &self.text, offset).into();
    }

    /// A command run in the terminal's container at the instant on screen:
    /// sent to the simulator, its output shown when it comes.
    pub(crate) fn exec(&mut self, command: &str) {
        let (Some(run), Some(container)) = (&self.run, &self.container) else { return };
        let exchange = (format!("{container}$ {command}"), String::from(PENDING));
        if run.recorded {
            let at = run.at(self.frame);
            let request =
                Request::Exec { scenario: run.scenario(), at, container: container.clone(), command: command.into() };
            self.asked += 1;
            self.running.push(ExecAsk { id: self.asked, frame: self.frame, request });
            self.exec_flows = None;
        } else {
            // The Pod as written has no processes yet: the command waits
            // for the run (asked for by this very action, which ends the
            // welcome), run where the Pod has settled.
            self.typed_ahead = Some(command.into());
            self.when_recorded(Show::Last, false);
        }
        let terminal = Rc::make_mut(&mut self.terminal);
        terminal.push(exchange);
        if terminal.len() > TERMINAL_LINES {
            terminal.remove(0);
        }
    }
}

impl State {
    /// Typing paused: the first piece (reading the YAML) now, the rest in
    /// later tasks.
    pub(crate) fn start_work(&mut self) {
        self.pending = None;
        let loaded = podplay_core::load(&self.text);
        self.work = Some(Work(Rc::new(RefCell::new(podplay_core::Analyzer::new(loaded)))));
        self.work_done += 1;
    }

    /// Goes on with the work under way until it is done or `clock` says a
    /// slice of time has passed.
    pub(crate) fn work_for_a_while(&mut self, clock: &Clock) {
        let start = clock.now();
        while let Some(work) = self.work.take() {
            let analysis = work.0.borrow_mut().step();
            match analysis {
                Some(analysis) => self.take_analysis(analysis),
                None => self.work = Some(work),
            }
            if clock.now() - start >= SLICE_MS {
                break;
            }
        }
        self.work_done += 1;
    }

    /// Whatever is typed but not analyzed, or under way, done now: every
    /// action but typing sees the text analyzed.
    pub(crate) fn finish_work(&mut self) {
        if self.pending.is_some() {
            self.start_work();
        }
        self.work_for_a_while(&Clock::never());
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use yew::Reducible;

    use super::*;
    use crate::examples::EXAMPLES;
    use crate::simulator::settle;
    use crate::state::Action;
    use crate::work::{Clock, SLICE_MS};

    /// A clock that moves on a whole slice each time it is read.
    fn slow_clock() -> Clock {
        let t = Rc::new(Cell::new(0.0));
        Clock::new(move || {
            t.set(t.get() + SLICE_MS);
            t.get()
        })
    }

    #[test]
    fn a_typed_pod_is_analyzed_in_slices_then_recorded_to_the_same_run() {
        let text = EXAMPLES[2].yaml.replacen("name: ", "name: x", 1);
        let at_once = settle(State::new(text.clone()));
        let mut state = Rc::new(settle(State::new(EXAMPLES[0].yaml.to_string())));
        state = state.reduce(Action::Edit(text));
        let edit = state.edits;
        state = state.reduce(Action::Analyze(edit));
        let mut slices = 0;
        while state.work.is_some() {
            state = state.reduce(Action::Work(slow_clock()));
            slices += 1;
            assert!(slices < 1000);
        }
        assert!(slices > 1, "one piece per slice: {slices}");
        assert_eq!(state.diagnostics, at_once.diagnostics);
        // The new Pod is asked of the simulator; the old run stays on
        // screen until it comes.
        assert_eq!(state.requests().len(), 1);
        assert_eq!(state.run.as_ref().unwrap().pod.metadata.name.as_deref(), Some("two-containers"));
        let state = settle(Rc::unwrap_or_clone(state));
        assert_eq!(state.run, at_once.run, "the same run as recorded at once");
        assert_eq!(state.frame, at_once.frame);
    }

    #[test]
    fn a_keystroke_drops_the_work_for_the_older_text_and_other_actions_finish_it() {
        let mut state = Rc::new(settle(State::new(EXAMPLES[0].yaml.to_string())));
        state = state.reduce(Action::Edit(EXAMPLES[2].yaml.to_string()));
        let edit = state.edits;
        state = state.reduce(Action::Analyze(edit));
        state = state.reduce(Action::Work(slow_clock()));
        assert!(state.work.is_some());
        let typed = state.clone().reduce(Action::Edit(format!("{}# more\n", EXAMPLES[2].yaml)));
        assert!(typed.work.is_none() && typed.pending.is_some());
        let stepped = settle(Rc::unwrap_or_clone(state.reduce(Action::Forward)));
        assert!(stepped.work.is_none());
        assert_eq!(stepped.run, settle(State::new(EXAMPLES[2].yaml.to_string())).run);
    }
}
