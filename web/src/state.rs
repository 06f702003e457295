//! The playground's state and every transition, in one reducer.

use std::rc::Rc;

use yew::Reducible;

use k8s_openapi::api::core::v1::{Node, Pod};

use crate::run::Run;
use crate::simulator::{Reply, Request, Scenario};
use crate::work::{Clock, Work};

/// A diagnostic as the editor shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
    pub warning: bool,
}

/// The pipeline's analysis of the current text, shared rather than redone:
/// hover docs and spec breaks read it. Equal when it is the same analysis.
#[derive(Clone, Debug, Default)]
pub struct Analyzed(pub Rc<podplay_core::Analysis>);

impl PartialEq for Analyzed {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// `Rc`s, here and below: the reducer copies the state on every action,
    /// and a copy should not copy the text, the diagnostics or the history.
    pub text: Rc<str>,
    pub analysis: Analyzed,
    pub diagnostics: Rc<[Diagnostic]>,
    /// The last valid simulation (kept while the text is invalid).
    pub run: Option<Rc<Run>>,
    /// The text changed into something invalid: the picture is out of date.
    pub stale: bool,
    /// The frame shown.
    pub frame: usize,
    pub playing: bool,
    /// The terminal's exchanges at the current frame: (command, output).
    pub terminal: Rc<Vec<(String, String)>>,
    /// The data the last command moved, and the frame it ran at: the
    /// picture draws it while that frame is on screen.
    pub exec_flows: Option<(usize, Vec<podplay_core::trace::Flow>)>,
    pub container: Option<String>,
    /// The docs of the field under the cursor.
    pub hover: Option<Rc<podplay_core::hover::Hover>>,
    pub docs: DocsState,
    /// Field names that can be typed at the cursor.
    pub completions: Rc<[podplay_core::hover::Completion]>,
    /// The cursor, as a character offset.
    pub cursor: u32,
    /// The lesson being followed, if any.
    pub lesson: Option<usize>,
    pub lang: crate::lessons::Lang,
    /// Milliseconds between instants while playing.
    pub tick_ms: u32,
    /// An example or lesson picked whose example text is being fetched.
    pub wanted: Option<Want>,
    /// Something that went wrong outside the text (a failed fetch).
    pub notice: Option<Notice>,
    /// A first visit: the page opens on a welcome (start with lesson 1, or
    /// press Play) and the Pod's first instant, until the learner acts.
    pub welcome: bool,
    /// The lessons whose task was done (kept across reloads).
    pub done: Vec<usize>,
    /// The share link was made: `true` copied to the clipboard, `false`
    /// only in the address bar.
    pub shared: Option<bool>,
    /// What the learner had before a lesson, an example or a break replaced
    /// it, newest last: "Restore my Pod" (and Ctrl+Z) go back one.
    pub undo: Rc<Vec<Rc<Snapshot>>>,
    /// How many edits the learner has typed; with `pending`, the edit whose
    /// text is not analyzed yet (the analysis waits for a pause in typing,
    /// so that a keystroke only updates the editor).
    pub edits: u64,
    pub pending: Option<u64>,
    /// The analysis of a typed text under way, a bounded piece per task
    /// (`Action::Work`), and how many pieces were done (each schedules the
    /// next).
    pub work: Option<Work>,
    pub work_done: u64,
    /// How many requests were made of the simulator (each has its number).
    pub asked: u64,
    /// The run asked of the simulator and not come yet: the text's new Pod,
    /// or the run again after a break.
    pub recording: Option<Rc<RecordAsk>>,
    /// The terminal's commands sent to the simulator and not answered yet,
    /// in order (their exchanges show [`PENDING`] until then).
    pub running: Vec<ExecAsk>,
    /// A command typed before the Pod was run: sent once its run comes.
    pub typed_ahead: Option<String>,
}

/// A terminal exchange's output while its command runs.
pub const PENDING: &str = "…\n";

/// What went wrong outside the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// An example could not be fetched.
    Example(String),
    /// The simulator could not be started or could not run the Pod.
    Simulator(String),
}

/// A run asked of the simulator, and how to show it when it comes.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordAsk {
    pub id: u64,
    pub scenario: Scenario,
    pub pod: Pod,
    pub nodes: Vec<Node>,
    pub show: Show,
    /// Play it once it comes.
    pub play: bool,
}

/// Which instant of a new run to show first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// Creation: the story from its start.
    First,
    /// The Pod as it settles.
    Last,
    /// The instant just after a break at this time.
    After(podplay_core::time::MonoTime),
}

/// A command sent to the simulator: its output goes to its exchange in
/// the terminal, its data flows to the picture at `frame`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecAsk {
    pub id: u64,
    pub frame: usize,
    pub request: Request,
}

/// The learner's Pod as it was before something replaced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub text: Rc<str>,
    pub lesson: Option<usize>,
    pub run: Option<Rc<Run>>,
    pub frame: usize,
    /// The text right after the replacement: while the editor still shows
    /// it, Ctrl+Z there restores the snapshot (the browser's own undo does
    /// not know a text the page set). `None` for a break of the running
    /// Pod, which leaves the text alone.
    pub replaced_by: Option<Rc<str>>,
}

/// Most snapshots kept.
const MAX_UNDO: usize = 20;

/// What waits for an example's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Example(usize),
    Lesson(usize),
}

impl Want {
    /// The example whose text is needed.
    pub fn example(self) -> usize {
        match self {
            Want::Example(i) => i,
            Want::Lesson(i) => crate::lessons::LESSONS.get(i).map_or(0, |l| l.example),
        }
    }
}

pub enum Action {
    /// The learner typed: the text is kept at once and analyzed after a
    /// pause (`Analyze`).
    Edit(String),
    /// Typing paused after edit number `n`: start analyzing the text if it
    /// is still that edit's.
    Analyze(u64),
    /// Go on with the analysis under way for a while (the clock says how
    /// long it has been).
    Work(Clock),
    /// Load one of the examples.
    Example(usize),
    Seek(usize),
    Forward,
    Back,
    TogglePlay,
    /// The play timer fired.
    Tick,
    SelectContainer(String),
    /// Run a command in the selected container at the current frame.
    Exec(String),
    /// The cursor moved (an offset in UTF-16 units, as the browser counts).
    Cursor(u32),
    /// Break something at the current instant (delete the Pod, kill a container).
    Break(crate::run::Intervention),
    /// Break the spec itself (a missing image, a failing postStart): the
    /// editor's text changes and the Pod runs again from the start.
    BreakSpec(crate::breakage::SpecBreak),
    /// Playing speed: milliseconds per instant.
    Speed(u32),
    /// Start a lesson (loads its example).
    Lesson(usize),
    Lang(crate::lessons::Lang),
    /// Accept a completion: the half-typed key becomes `name: `.
    Complete(String),
    /// The wanted example's text was fetched (and remembered), or not.
    ExampleFetched(Result<(), String>),
    /// The field docs are being fetched.
    DocsRequested,
    /// The field docs arrived (`Ok`) or could not be fetched.
    Docs(Result<(), String>),
    /// The share link is made (`true`: on the clipboard too).
    Shared(bool),
    /// Back to the Pod before the last lesson, example or break.
    Restore,
    /// The simulator answered request number `n`.
    Simulated(u64, Reply),
}

/// The field descriptions, fetched when docs are first shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocsState {
    /// Built in, or installed.
    Ready,
    /// Not fetched yet: requested once a field's docs are on screen.
    Missing,
    Loading,
    Failed(String),
}

impl State {
    pub fn new(text: String) -> State {
        let mut state = State {
            text: Rc::from(""),
            analysis: Analyzed::default(),
            diagnostics: Rc::new([]),
            run: None,
            stale: false,
            frame: 0,
            playing: false,
            terminal: Rc::default(),
            exec_flows: None,
            container: None,
            hover: None,
            docs: if podplay_core::schema::docs().is_some() { DocsState::Ready } else { DocsState::Missing },
            completions: Rc::new([]),
            cursor: 0,
            lesson: None,
            lang: crate::lessons::Lang::En,
            tick_ms: 600,
            wanted: None,
            notice: None,
            welcome: false,
            done: Vec::new(),
            shared: None,
            undo: Rc::default(),
            edits: 0,
            pending: None,
            work: None,
            work_done: 0,
            asked: 0,
            recording: None,
            running: Vec::new(),
            typed_ahead: None,
        };
        state.set_text(Rc::from(text));
        state
    }

    /// The page's state from what the browser kept (or a shared link); a
    /// first visit opens on the welcome and the Pod's first instant.
    pub fn open(start: crate::browser::Start) -> State {
        let welcome = start.text.is_none();
        let mut state = State::new(start.text.unwrap_or_else(|| crate::examples::FIRST.to_string()));
        state.lang = start.lang.unwrap_or_default();
        state.lesson = start.lesson.filter(|i| *i < crate::lessons::LESSONS.len());
        state.done = start.done;
        if welcome {
            state.welcome = true;
            state.when_recorded(Show::First, false);
        }
        state
    }

    /// Loads an example or starts a lesson when the example's text is here;
    /// otherwise asks for it (the app fetches it, then `ExampleFetched`).
    fn start(&mut self, want: Want) {
        let Some(text) = crate::examples::text(want.example()) else {
            self.wanted = Some(want);
            return;
        };
        self.wanted = None;
        self.notice = None;
        match want {
            Want::Example(i) if i < crate::examples::EXAMPLES.len() => {
                // The lesson was about its own Pod: an example leaves it,
                // and "Restore my Pod" comes back to both (even when the
                // example is the lesson's Pod, the text unchanged).
                if self.lesson.is_some() && *self.text == *text {
                    self.remember(Some(self.text.clone()));
                }
                self.replace_text(text.to_string());
                self.when_recorded(Show::First, false);
                self.lesson = None;
            }
            Want::Lesson(i) => {
                if let Some(lesson) = crate::lessons::LESSONS.get(i) {
                    self.container = None;
                    self.replace_text(crate::lessons::lesson_text(lesson, &text));
                    // A lesson's tasks are about the Pod as it settles: its
                    // last instant, even when the run is kept.
                    self.when_recorded(Show::Last, false);
                    self.lesson = Some(i);
                    self.terminal = Rc::default();
                }
            }
            Want::Example(_) => {}
        }
    }

    /// A new text in place of the learner's (an example, a lesson, a
    /// break): the cursor's docs belonged to the old one, and the old text
    /// can be restored.
    fn replace_text(&mut self, text: String) {
        let text: Rc<str> = Rc::from(text);
        if text != self.text {
            self.remember(Some(text.clone()));
        }
        self.cursor = 0;
        self.hover = None;
        self.completions = Rc::new([]);
        self.set_text(text);
    }

    /// A new text, analyzed now.
    pub(crate) fn set_text(&mut self, text: Rc<str>) {
        self.text = text;
        self.analyze();
    }

    /// Analyzes the text; a valid Pod is simulated again, an invalid one
    /// keeps the previous picture, marked stale. The docs and completions
    /// at the cursor follow the new analysis.
    pub(crate) fn analyze(&mut self) {
        // The same pieces as after a pause in typing, all at once.
        self.start_work();
        self.work_for_a_while(&Clock::never());
    }

    /// The analysis of the text: its diagnostics, and what it means for the
    /// simulation: a new Pod is asked of the simulator (and drawn as
    /// written until it comes, when nothing was drawn before).
    pub(crate) fn take_analysis(&mut self, analysis: podplay_core::Analysis) {
        self.diagnostics = analysis
            .diagnostics
            .iter()
            .map(|d| Diagnostic {
                line: d.line,
                column: d.column,
                offset: d.span.start.offset,
                path: d.path.clone(),
                message: d.message.clone(),
                hint: d.hint.clone(),
                warning: d.severity == podplay_core::Severity::Warning,
            })
            .collect::<Vec<_>>()
            .into();
        let same = |pod: &Pod, nodes: &[Node], other: (&Pod, &[Node])| (pod, nodes) == other;
        match crate::simulator::subject(&analysis) {
            // Same Pod and cluster (a comment or a layout change): the
            // simulation would be the same, byte for byte, so keep it and the
            // instant shown.
            Some((pod, nodes))
                if self.run.as_ref().is_some_and(|r| r.recorded && same(&pod, &nodes, (&r.pod, &r.nodes))) =>
            {
                self.stale = false;
                self.recording = None;
            }
            // Asked already.
            Some((pod, nodes))
                if self
                    .recording
                    .as_ref()
                    .is_some_and(|a| a.scenario.interventions.is_empty() && same(&pod, &nodes, (&a.pod, &a.nodes))) =>
            {
                self.stale = false;
            }
            Some((pod, nodes)) => {
                if self.run.as_ref().is_none_or(|r| !r.recorded) {
                    self.run = Some(Rc::new(Run::as_written(self.text.clone(), &pod, &nodes)));
                    self.frame = 0;
                }
                self.stale = false;
                let scenario = Scenario { text: self.text.to_string(), interventions: Vec::new() };
                self.ask_record(scenario, pod, nodes, Show::Last, false);
            }
            None => {
                self.stale = self.run.is_some();
                self.recording = None;
            }
        }
        self.fit_container();
        self.analysis = Analyzed(Rc::new(analysis));
        if self.hover.is_some() || !self.completions.is_empty() {
            self.look_at_cursor(self.cursor);
        }
    }

    /// Asks the simulator for a run (replacing any asked before).
    pub(crate) fn ask_record(&mut self, scenario: Scenario, pod: Pod, nodes: Vec<Node>, show: Show, play: bool) {
        self.asked += 1;
        self.recording = Some(Rc::new(RecordAsk { id: self.asked, scenario, pod, nodes, show, play }));
    }

    /// Which instant to show (and whether to play) once the run asked for
    /// comes; at once when none is asked (the run was kept).
    pub(crate) fn when_recorded(&mut self, show: Show, play: bool) {
        match &mut self.recording {
            Some(ask) => {
                let ask = Rc::make_mut(ask);
                ask.show = show;
                ask.play = play;
            }
            None => {
                self.show(show);
                self.playing = play;
            }
        }
    }

    fn show(&mut self, show: Show) {
        let frames = self.run.as_ref().map_or(&[][..], |r| &r.frames[..]);
        self.frame = match show {
            Show::First => 0,
            Show::Last => frames.len().saturating_sub(1),
            // The break's own instant is the last at or before it.
            Show::After(at) => {
                frames.iter().position(|f| f.at > at).map_or(frames.len().saturating_sub(1), |i| i.saturating_sub(1))
            }
        };
    }

    /// A new simulation of the text's Pod, shown at the instant asked for.
    pub(crate) fn take_run(&mut self, run: Run, show: Show, play: bool) {
        self.run = Some(Rc::new(run));
        self.show(show);
        self.playing = play || self.playing;
        self.stale = false;
        self.terminal = Rc::default();
        // Commands for the run it replaces are moot.
        self.running.clear();
        self.exec_flows = None;
        self.fit_container();
        if let Some(command) = self.typed_ahead.take() {
            self.exec(&command);
        }
    }

    /// The simulator answered: a run, or a command's output, if still
    /// wanted (an answer to an older request is dropped).
    pub(crate) fn simulated(&mut self, id: u64, reply: Reply) {
        if let Some(ask) = self.recording.clone().filter(|a| a.id == id) {
            self.recording = None;
            match reply {
                Reply::Recorded(recorded) => {
                    let ask = Rc::unwrap_or_clone(ask);
                    let run = recorded.into_run(ask.scenario, ask.pod, ask.nodes);
                    self.take_run(run, ask.show, ask.play);
                }
                Reply::Failed(why) => {
                    self.playing = false;
                    self.notice = Some(Notice::Simulator(why));
                }
                Reply::Executed { .. } | Reply::Inside(_) => {}
            }
        } else if let Some(at) = self.running.iter().position(|a| a.id == id) {
            let ask = self.running.remove(at);
            let (output, flows) = match reply {
                Reply::Executed { output, flows } => (output, flows),
                Reply::Failed(why) => (format!("error: {why}\n"), Vec::new()),
                Reply::Recorded(_) | Reply::Inside(_) => return,
            };
            // Commands are answered in order: this is the first one waiting.
            if let Some(exchange) = Rc::make_mut(&mut self.terminal).iter_mut().find(|e| e.1 == PENDING) {
                exchange.1 = output;
            }
            self.exec_flows = Some((ask.frame, flows));
        }
    }

    /// What is to be sent to the simulator, by number: the run asked for
    /// (not on a first visit's welcome, so that a first visit does not
    /// fetch the simulator before the learner runs something), and the
    /// terminal's command.
    pub fn requests(&self) -> Vec<(u64, Request)> {
        let record = self.recording.as_ref().filter(|_| !self.welcome);
        let record = record.map(|a| (a.id, Request::Record(a.scenario.clone())));
        record.into_iter().chain(self.running.iter().map(|a| (a.id, a.request.clone()))).collect()
    }

    /// The numbers of [`State::requests`], without making them.
    pub fn request_ids(&self) -> Vec<u64> {
        let record = self.recording.as_ref().filter(|_| !self.welcome).map(|a| a.id);
        record.into_iter().chain(self.running.iter().map(|a| a.id)).collect()
    }

    /// The terminal's container must be one of the Pod's, whatever changed:
    /// a lesson on the Pod already simulated keeps the run but had its
    /// container cleared, and its commands went nowhere.
    fn fit_container(&mut self) {
        if let Some(run) = &self.run {
            let names = || run.pod.spec.iter().flat_map(|s| s.containers.iter()).map(|c| &c.name);
            if self.container.as_ref().is_none_or(|c| !names().any(|n| n == c)) {
                self.container = names().next().cloned();
            }
        }
    }

    /// Keeps what is on screen for "Restore my Pod".
    pub(crate) fn remember(&mut self, replaced_by: Option<Rc<str>>) {
        let snapshot = Snapshot {
            text: self.text.clone(),
            lesson: self.lesson,
            run: self.run.clone(),
            frame: self.frame,
            replaced_by,
        };
        let undo = Rc::make_mut(&mut self.undo);
        undo.push(Rc::new(snapshot));
        if undo.len() > MAX_UNDO {
            undo.remove(0);
        }
    }

    /// Back to the last snapshot: its text, lesson, run and instant.
    fn restore(&mut self) {
        let Some(snapshot) = Rc::make_mut(&mut self.undo).pop() else { return };
        self.cursor = 0;
        self.hover = None;
        self.completions = Rc::new([]);
        self.set_text(snapshot.text.clone());
        if let Some(run) = &snapshot.run {
            // The snapshot's run is the one wanted, whatever was asked.
            if self.recording.as_ref().is_some_and(|a| a.pod == run.pod && a.nodes == run.nodes) {
                self.recording = None;
            }
            self.run = Some(run.clone());
        }
        self.frame = snapshot.frame.min(self.frames().saturating_sub(1));
        self.lesson = snapshot.lesson;
        self.terminal = Rc::default();
        self.exec_flows = None;
        self.playing = false;
    }

    /// Whether Ctrl+Z in the editor means "Restore my Pod": the text is
    /// still what the last replacement put there.
    pub fn editor_can_restore(&self) -> bool {
        self.undo.last().is_some_and(|s| s.replaced_by.as_ref() == Some(&self.text))
    }

    pub fn frames(&self) -> usize {
        self.run.as_ref().map_or(0, |r| r.frames.len())
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // A copy of a few counters and `Rc`s (the text and the histories are
        // shared), or no copy when Yew holds no other reference.
        let mut next = Rc::unwrap_or_clone(self);
        // Anything but typing (and what does not read the text) sees the
        // text analyzed: a typed text waits for no more than this.
        if (next.pending.is_some() || next.work.is_some())
            && !matches!(
                action,
                Action::Edit(_)
                    | Action::Analyze(_)
                    | Action::Work(_)
                    | Action::Cursor(_)
                    | Action::Tick
                    | Action::Shared(_)
                    | Action::Simulated(..)
            )
        {
            next.finish_work();
        }
        let last = next.frames().saturating_sub(1);
        // The welcome stays until the learner does something with the Pod
        // (not while pages load in the background, nor for the language or
        // a share link): only then is the simulator's module fetched.
        if !matches!(
            action,
            Action::Tick
                | Action::DocsRequested
                | Action::Docs(_)
                | Action::Cursor(_)
                | Action::Simulated(..)
                | Action::Lang(_)
                | Action::Shared(_)
        ) {
            next.welcome = false;
        }
        if !matches!(action, Action::Shared(_)) {
            next.shared = None;
        }
        match action {
            Action::Edit(text) => next.typed(text),
            Action::Analyze(edit) => {
                if next.pending == Some(edit) {
                    next.start_work();
                }
            }
            Action::Work(clock) => next.work_for_a_while(&clock),
            Action::Example(i) => next.start(Want::Example(i)),
            Action::Seek(f) => next.frame = f.min(last),
            Action::Forward => next.frame = (next.frame + 1).min(last),
            Action::Back => next.frame = next.frame.saturating_sub(1),
            Action::TogglePlay => next.toggle_play(),
            Action::Tick => next.tick(),
            Action::SelectContainer(name) => next.container = Some(name),
            Action::Lesson(i) => next.start(Want::Lesson(i)),
            Action::ExampleFetched(result) => match (result, next.wanted) {
                (Ok(()), Some(want)) => next.start(want),
                (Err(e), Some(_)) => {
                    next.wanted = None;
                    next.notice = Some(Notice::Example(e));
                }
                (_, None) => {}
            },
            Action::Lang(lang) => next.lang = lang,
            Action::Complete(name) => next.complete(&name),
            Action::BreakSpec(which) => {
                if let Some(text) = crate::breakage::apply(&next.text, &next.analysis.0, which) {
                    next.replace_text(text);
                    next.when_recorded(Show::First, true);
                }
            }
            Action::Speed(ms) => next.tick_ms = ms.clamp(50, 5000),
            Action::Break(intervention) => next.break_run(intervention),
            Action::Cursor(utf16) => next.cursor_moved(utf16),
            Action::DocsRequested => next.docs = DocsState::Loading,
            Action::Docs(result) => next.docs_arrived(result),
            Action::Shared(copied) => next.shared = Some(copied),
            Action::Restore => next.restore(),
            Action::Exec(command) => next.exec(&command),
            Action::Simulated(id, reply) => next.simulated(id, reply),
        }
        next.note_progress();
        Rc::new(next)
    }
}

impl State {
    /// What the lessons check their tasks against.
    pub fn seen(&self) -> crate::lessons::Seen<'_> {
        crate::lessons::Seen {
            text: &self.text,
            run: self.run.as_deref(),
            frame: self.frame,
            stale: self.stale,
            container: self.container.as_deref(),
            terminal: &self.terminal,
        }
    }

    /// A lesson whose task is now done is remembered as done.
    fn note_progress(&mut self) {
        if let Some(i) = self.lesson.filter(|i| !self.done.contains(i)) {
            if crate::lessons::LESSONS.get(i).is_some_and(|l| (l.done)(&self.seen())) {
                self.done.push(i);
            }
        }
    }
}

/// A UTF-16 offset (the browser's) as a character offset (podplay's).
pub fn char_offset(text: &str, utf16: u32) -> u32 {
    let mut units = 0u32;
    let mut chars = 0u32;
    for c in text.chars() {
        if units >= utf16 {
            break;
        }
        units += c.len_utf16() as u32;
        chars += 1;
    }
    chars
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::EXAMPLES;
    use crate::simulator::settle;

    /// One action; an edit is followed by the pause that analyzes it; the
    /// simulator answers what was asked of it.
    fn reduce(state: State, action: Action) -> State {
        let typed = matches!(action, Action::Edit(_));
        let next = Rc::new(state).reduce(action);
        let next = if typed { next.clone().reduce(Action::Analyze(next.edits)) } else { next };
        let next = if typed { next.clone().reduce(Action::Work(Clock::never())) } else { next };
        settle((*next).clone())
    }

    /// A page opened on `text`, with its Pod simulated.
    fn new_state(text: String) -> State {
        settle(State::new(text))
    }

    #[test]
    fn typing_waits_for_a_pause_to_analyze_and_any_other_action_sees_the_analysis() {
        let state = Rc::new(new_state(EXAMPLES[0].yaml.to_string()));
        let broken = EXAMPLES[0].yaml.replace("image: nginx:1.27", "imagee: nginx:1.27");
        let typed = state.reduce(Action::Edit(broken.clone()));
        assert_eq!(*typed.text, *broken);
        assert!(typed.diagnostics.is_empty() && !typed.stale, "the analysis waits");
        let older = typed.clone().reduce(Action::Edit(format!("{broken}# more\n")));
        let stale_timer = older.clone().reduce(Action::Analyze(typed.edits));
        assert!(stale_timer.diagnostics.is_empty(), "the timer of an older edit does nothing");
        let paused = older.clone().reduce(Action::Analyze(older.edits)).reduce(Action::Work(Clock::never()));
        assert!(!paused.diagnostics.is_empty() && paused.stale && paused.pending.is_none());
        let stepped = older.reduce(Action::Forward);
        assert!(!stepped.diagnostics.is_empty(), "another action analyzes first");
    }

    #[test]
    fn a_valid_example_is_simulated_and_an_invalid_edit_keeps_the_picture() {
        let state = new_state(EXAMPLES[0].yaml.to_string());
        assert!(state.diagnostics.is_empty());
        let run = state.run.clone().unwrap();
        assert!(run.frames.len() > 3);
        assert_eq!(run.frames.last().unwrap().status, "Running");
        let broken = reduce(state, Action::Edit(EXAMPLES[0].yaml.replace("image: nginx:1.27", "imagee: nginx:1.27")));
        assert!(broken.stale);
        assert_eq!(broken.run, Some(run));
        assert_eq!(broken.diagnostics[0].message, "strict decoding error: unknown field \"spec.containers[0].imagee\"");
    }

    #[test]
    fn a_comment_keeps_the_run_and_the_instant() {
        let state = reduce(new_state(EXAMPLES[0].yaml.to_string()), Action::Seek(2));
        let run = state.run.clone().unwrap();
        let commented = reduce(state, Action::Edit(format!("{}# a note\n", EXAMPLES[0].yaml)));
        assert!(Rc::ptr_eq(commented.run.as_ref().unwrap(), &run));
        assert_eq!(commented.frame, 2);
        let renamed = reduce(
            commented,
            Action::Edit(EXAMPLES[0].yaml.replacen("name: two-containers", "name: two-containers2", 1)),
        );
        assert!(!Rc::ptr_eq(renamed.run.as_ref().unwrap(), &run));
    }

    #[test]
    fn the_cursor_shows_the_fields_docs() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 网页\nspec:\n  containers:\n  - name: web\n    image: nginx\n";
        let at = text.find("image").unwrap();
        let utf16 = text[..at].encode_utf16().count() as u32 + 1;
        let state = reduce(new_state(text.to_string()), Action::Cursor(utf16));
        let hover = state.hover.unwrap();
        assert_eq!(hover.query, "pod.spec.containers.image");
    }

    #[test]
    fn the_text_s_nodes_make_the_cluster() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: fast\nspec:\n  nodeSelector:\n    disktype: nvme\n  containers:\n  - name: web\n    image: nginx:1.27\n";
        // No node of the default three has disktype=nvme.
        let alone = new_state(pod.to_string());
        let picture = &alone.run.as_ref().unwrap().frames.last().unwrap().picture;
        assert_eq!(picture.node, None);
        assert!(alone.run.as_ref().unwrap().frames.last().unwrap().describe.contains("FailedScheduling"));
        // A Node in the text with that label: the Pod lands there.
        let node = "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: fast-node\n  labels:\n    disktype: nvme\n";
        let with_node = reduce(alone, Action::Edit(format!("{pod}{node}")));
        let run = with_node.run.as_ref().unwrap();
        assert_eq!(run.nodes.len(), 1);
        assert_eq!(run.frames.last().unwrap().picture.node.as_deref(), Some("fast-node"));
        assert!(run.frames.last().unwrap().get_wide.contains("fast-node"), "{}", run.frames.last().unwrap().get_wide);
    }

    #[test]
    fn fetched_docs_fill_in_what_is_on_screen_and_a_failure_is_shown() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n";
        let at = text.find("image").unwrap() as u32 + 1;
        let mut state = reduce(new_state(text.to_string()), Action::Cursor(at));
        // As in the browser, where the docs are not built in (in a workspace
        // test run the CLI's feature builds them in).
        state.docs = DocsState::Missing;
        let failed = reduce(state.clone(), Action::Docs(Err("HTTP 404".into())));
        assert_eq!(failed.docs, DocsState::Failed("HTTP 404".into()));
        assert_eq!(failed.hover, state.hover, "the field's name and type stay");
        // The next field under the cursor asks again.
        let retry = reduce(failed, Action::Cursor(at));
        assert_eq!(retry.docs, DocsState::Missing);
        let loading = reduce(retry, Action::DocsRequested);
        assert_eq!(loading.docs, DocsState::Loading);
        let ready = reduce(loading, Action::Docs(Ok(())));
        assert_eq!(ready.docs, DocsState::Ready);
        assert_eq!(ready.hover.clone().map(|h| h.query.clone()), Some("pod.spec.containers.image".to_string()));
        // A late failure does not take installed docs away.
        assert_eq!(reduce(ready, Action::Docs(Err("late".into()))).docs, DocsState::Ready);
    }

    #[test]
    fn a_new_example_forgets_the_old_cursor() {
        let text = EXAMPLES[0].yaml;
        let at = text.find("image:").unwrap() as u32 + 1;
        let state = reduce(new_state(text.to_string()), Action::Cursor(at));
        assert!(state.hover.is_some());
        let switched = reduce(state, Action::Example(0));
        assert_eq!((switched.hover, switched.completions.len(), switched.cursor), (None, 0, 0));
    }

    #[test]
    fn an_example_leaves_the_lesson_and_restore_comes_back_to_it() {
        // Lesson 2 is on the built-in example: its Pod, the text unchanged.
        let lesson = reduce(new_state(EXAMPLES[0].yaml.to_string()), Action::Lesson(1));
        assert_eq!(lesson.lesson, Some(1));
        let example = reduce(lesson, Action::Example(0));
        assert_eq!(example.lesson, None);
        assert_eq!(reduce(example, Action::Restore).lesson, Some(1));
    }

    #[test]
    fn an_example_not_built_in_waits_for_its_text() {
        let state = new_state(EXAMPLES[0].yaml.to_string());
        let waiting = reduce(state, Action::Example(3));
        assert_eq!(waiting.wanted, Some(Want::Example(3)));
        assert_eq!(&*waiting.text, EXAMPLES[0].yaml, "the text stays until the new one is here");
        crate::examples::remember(3, EXAMPLES[3].yaml);
        let loaded = reduce(waiting, Action::ExampleFetched(Ok(())));
        assert_eq!((loaded.wanted, &*loaded.text), (None, EXAMPLES[3].yaml));
        // A lesson on an example not fetched yet waits the same way; a failed fetch is shown.
        let lesson = reduce(loaded, Action::Lesson(5));
        assert_eq!(lesson.wanted, Some(Want::Lesson(5)));
        let failed = reduce(lesson, Action::ExampleFetched(Err("HTTP 404".into())));
        assert_eq!(
            (failed.wanted, failed.notice.clone(), failed.lesson),
            (None, Some(Notice::Example("HTTP 404".into())), None)
        );
        // Typing goes on; the notice was about the fetch.
        let edited = reduce(failed, Action::Edit(format!("{}# note\n", EXAMPLES[3].yaml)));
        assert_eq!(edited.notice, None);
    }

    #[test]
    fn breaking_the_spec_edits_the_text_and_shows_the_consequence() {
        use crate::breakage::SpecBreak;
        let missing = reduce(new_state(EXAMPLES[0].yaml.to_string()), Action::BreakSpec(SpecBreak::MissingImage));
        assert!(missing.text.contains("image: nginx:does-not-exist"));
        let last = missing.run.as_ref().unwrap().frames.last().unwrap().clone();
        assert!(last.status == "ErrImagePull" || last.status == "ImagePullBackOff", "{}", last.status);
        assert!(last.describe.contains("Failed to pull image \"nginx:does-not-exist\""), "{}", last.describe);

        let hook = reduce(new_state(EXAMPLES[0].yaml.to_string()), Action::BreakSpec(SpecBreak::FailingPostStart));
        assert!(hook.text.contains("exit 1"));
        let last = hook.run.as_ref().unwrap().frames.last().unwrap().clone();
        assert!(last.describe.contains("FailedPostStartHook"), "{}", last.describe);
        // The failing container is never drawn Running; its box says why.
        let first = |f: &crate::run::Frame| f.picture.containers[0].clone();
        let boxes: Vec<_> = hook.run.as_ref().unwrap().frames.iter().map(first).collect();
        assert!(boxes.iter().all(|b| b.state != "Running"), "{boxes:?}");
        assert!(boxes.iter().any(|b| b.warning.as_deref() == Some("FailedPostStartHook")), "{boxes:?}");
        assert!(hook.playing && hook.frame == 0);
    }

    #[test]
    fn deleting_the_pod_at_the_current_instant_plays_its_termination() {
        let state = new_state(EXAMPLES[10].yaml.to_string());
        let broken = reduce(state, Action::Break(crate::run::Intervention::Delete));
        let run = broken.run.clone().unwrap();
        let last = run.frames.last().unwrap();
        assert_eq!(last.phase, "Succeeded", "preStop `nginx -s quit`: every container exited 0");
        assert!(run.steps.iter().any(|s| s.text.contains("ExecSync /usr/sbin/nginx -s quit")));
        // The picture follows the kubelet: Terminating with the grace period
        // counting down, then the Pod gone.
        let pictures: Vec<_> = run.frames.iter().map(|f| &f.picture).collect();
        assert!(pictures.last().unwrap().deleted);
        assert!(pictures.iter().any(|p| p.grace_left_ms == Some(30_000)), "{pictures:?}");
        // A second delete, or a kill with nothing to kill, adds nothing.
        let again = reduce(broken.clone(), Action::Break(crate::run::Intervention::Delete));
        assert!(Rc::ptr_eq(again.run.as_ref().unwrap(), &run));
        let pending = reduce(
            reduce(new_state(EXAMPLES[0].yaml.to_string()), Action::Seek(0)),
            Action::Break(crate::run::Intervention::Kill { container: "nginx-container".into(), signal: 9 }),
        );
        assert!(pending.run.unwrap().interventions.is_empty());

        // Without a preStop hook, SIGTERM and SIGKILL at the end of the grace period.
        let deleted = reduce(new_state(EXAMPLES[0].yaml.to_string()), Action::Break(crate::run::Intervention::Delete));
        let frames = &deleted.run.as_ref().unwrap().frames;
        let stopping: Vec<_> =
            frames.iter().flat_map(|f| f.picture.containers.iter().filter_map(|c| c.doing)).collect();
        assert!(stopping.contains(&crate::run::Doing::Stopping { kill_in_ms: Some(30_000) }), "{stopping:?}");
        assert!(frames.last().unwrap().picture.deleted);

        let killed = reduce(
            new_state(EXAMPLES[0].yaml.to_string()),
            Action::Break(crate::run::Intervention::Kill { container: "nginx-container".into(), signal: 9 }),
        );
        let restarts = killed.run.unwrap().frames.last().unwrap().get_wide.clone();
        assert!(restarts.contains("two-containers   2/2     Running   1 "), "{restarts}");
    }

    #[test]
    fn completing_a_half_typed_key() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n  hostA\n";
        let utf16 = text.find("hostA").unwrap() as u32 + 5;
        let state = reduce(new_state(text.to_string()), Action::Cursor(utf16));
        assert_eq!(state.completions.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["hostAliases"]);
        let state = reduce(state, Action::Complete("hostAliases".into()));
        assert!(state.text.contains("\n  hostAliases: \n"), "{}", state.text);
    }

    #[test]
    fn stepping_forwards_and_backwards() {
        let state = reduce(new_state(EXAMPLES[1].yaml.to_string()), Action::Seek(0));
        let forward = reduce(state, Action::Forward);
        assert_eq!(forward.frame, 1);
        let back = reduce(reduce(forward, Action::Back), Action::Back);
        assert_eq!(back.frame, 0);
    }

    #[test]
    fn a_lesson_on_the_pod_already_simulated_has_a_terminal_container() {
        // First visit: the first example is in the editor; lesson 2 uses the
        // same Pod, so the simulation is kept and the container must be too.
        let lesson = crate::lessons::LESSONS.iter().position(|l| l.example == 0).unwrap();
        let state = reduce(new_state(EXAMPLES[0].yaml.to_string()), Action::Lesson(lesson));
        assert_eq!(state.lesson, Some(lesson));
        assert_eq!(state.container.as_deref(), Some("nginx-container"));
        let state = reduce(state, Action::Exec("ls /".into()));
        let (prompt, output) = state.terminal.last().unwrap();
        assert_eq!(prompt, "nginx-container$ ls /");
        assert!(output.contains("usr"), "{output}");
    }

    #[test]
    fn a_command_s_data_flow_is_drawn_at_its_instant() {
        // Lesson 2's task: curl in nginx-container; nginx reads the page
        // from the shared volume.
        let mut state = new_state(EXAMPLES[0].yaml.to_string());
        state.container = Some("nginx-container".into());
        let state = reduce(state, Action::Exec("curl -s localhost".into()));
        assert_eq!(state.terminal[0].1, "Hello from the debian container\n");
        let (frame, flows) = state.exec_flows.clone().unwrap();
        assert_eq!(frame, state.frame);
        let read = flows.iter().find(|f| f.to == "nginx-container" && f.from == "volume shared-data");
        assert_eq!(read.map(|f| f.via.as_str()), Some("/usr/share/nginx/html/index.html"), "{flows:?}");
    }

    #[test]
    fn a_first_visit_opens_on_the_welcome_at_the_first_instant() {
        let first = State::open(crate::browser::Start::default());
        assert!(first.welcome);
        assert_eq!(first.frame, 0);
        assert_eq!(&*first.text, crate::examples::FIRST);
        // The Pod as written, and nothing asked of the simulator (whose
        // module a first visit does not fetch) until the learner acts.
        let written = first.run.clone().unwrap();
        assert!(!written.recorded && written.frames.len() == 1 && written.steps.is_empty());
        assert_eq!(written.frames[0].picture.containers.len(), 2);
        assert!(first.requests().is_empty());
        let chinese = Rc::new(first.clone()).reduce(Action::Lang(crate::lessons::Lang::Zh));
        assert!(chinese.welcome && chinese.requests().is_empty(), "the language is not a start");
        let asked = Rc::new(first.clone()).reduce(Action::TogglePlay);
        assert!(asked.playing && asked.requests().len() == 1);
        // Play waits for the run, then plays it from its start.
        let waited = asked.reduce(Action::Tick);
        assert_eq!((waited.frame, waited.playing), (0, true));
        let played = reduce(first, Action::TogglePlay);
        assert!(!played.welcome && played.playing);
        assert!(played.run.as_ref().unwrap().recorded && played.frames() > 3);
        assert_eq!(played.frame, 0);
        // A returning learner: their text, language, lesson and progress.
        let back = settle(State::open(crate::browser::Start {
            text: Some(EXAMPLES[7].yaml.into()),
            lang: Some(crate::lessons::Lang::Zh),
            lesson: Some(0),
            done: vec![1],
        }));
        assert!(!back.welcome);
        assert_eq!((back.lang, back.lesson, back.done.clone()), (crate::lessons::Lang::Zh, Some(0), vec![1]));
        assert_eq!(back.frame, back.frames() - 1);
        // Lesson 1's task done: remembered.
        let mut s = back;
        s.container = Some("shell".into());
        let s = reduce(s, Action::Exec("ps ax".into()));
        assert_eq!(s.done, vec![1, 0]);
    }

    #[test]
    fn a_lesson_an_example_or_a_break_can_be_undone() {
        crate::examples::remember(7, EXAMPLES[7].yaml);
        let mine = format!("{}# my notes\n", EXAMPLES[0].yaml);
        let state = reduce(new_state(mine.clone()), Action::Seek(3));
        let mine_run = state.run.clone().unwrap();
        // A lesson replaces the text; Restore brings it back, with its instant.
        let lesson = reduce(state, Action::Lesson(0));
        assert_ne!(*lesson.text, *mine);
        assert!(lesson.editor_can_restore());
        let back = reduce(lesson, Action::Restore);
        assert_eq!((&*back.text, back.lesson, back.frame), (mine.as_str(), None, 3));
        assert!(Rc::ptr_eq(back.run.as_ref().unwrap(), &mine_run));
        assert!(back.undo.is_empty());
        // A break (delete) is undone to the Pod that was running.
        let broken = reduce(back, Action::Break(crate::run::Intervention::Delete));
        assert!(broken.run.as_ref().unwrap().frames.last().unwrap().picture.deleted);
        assert!(!broken.editor_can_restore(), "the text did not change: Ctrl+Z in the editor is the browser's");
        let back = reduce(broken, Action::Restore);
        assert!(Rc::ptr_eq(back.run.as_ref().unwrap(), &mine_run));
        // A spec break edits the text; restored too. Once edited, Ctrl+Z in
        // the editor is the browser's again.
        let hog = reduce(back, Action::BreakSpec(crate::breakage::SpecBreak::MemoryHog));
        let edited = reduce(hog.clone(), Action::Edit(format!("{}# more\n", hog.text)));
        assert!(!edited.editor_can_restore());
        assert_eq!(*reduce(edited, Action::Restore).text, *mine);
    }

    #[test]
    fn inside_shows_the_node_and_the_container_views_of_processes() {
        let state = new_state(EXAMPLES[7].yaml.to_string());
        let run = state.run.clone().unwrap();
        let inside = crate::run::inside_at(&run.pod, &run.nodes, &run.interventions, run.at(state.frame), "shell");
        assert!(inside.container_ps.contains("    1 65535     0:00 /pause\n"), "{}", inside.container_ps);
        assert!(inside.node_ps.contains("    1 root      0:00 /sbin/init\n"), "{}", inside.node_ps);
        assert!(inside.hosts.starts_with("# Kubernetes-managed hosts file.\n"), "{}", inside.hosts);
    }

    #[test]
    fn the_terminal_runs_commands_at_the_current_instant() {
        let mut state = new_state(EXAMPLES[7].yaml.to_string());
        state.container = Some("shell".into());
        let state = reduce(state, Action::Exec("ps ax | head -2".into()));
        assert_eq!(state.terminal[0].1, "PID   USER     TIME  COMMAND\n    1 65535     0:00 /pause\n");
    }

    /// On a first visit the Pod is only written: a command typed then is
    /// never swallowed, it runs once the Pod does; a delete has nothing
    /// to act on.
    #[test]
    fn a_command_typed_before_the_pod_runs_waits_for_it() {
        let first = State::open(crate::browser::Start::default());
        let deleted = Rc::new(first.clone()).reduce(Action::Break(crate::run::Intervention::Delete));
        assert!(
            deleted.undo.is_empty() && deleted.recording.as_ref().is_some_and(|a| a.scenario.interventions.is_empty())
        );
        let typed = Rc::new(first.clone()).reduce(Action::Exec("cat /usr/share/nginx/html/index.html".into()));
        assert_eq!(typed.terminal[0], ("nginx-container$ cat /usr/share/nginx/html/index.html".into(), "…\n".into()));
        let ran = settle(Rc::unwrap_or_clone(typed));
        assert!(ran.run.as_ref().unwrap().recorded);
        assert_eq!(ran.terminal.len(), 1, "{:?}", ran.terminal);
        assert_eq!(ran.terminal[0].0, "nginx-container$ cat /usr/share/nginx/html/index.html");
        assert_eq!(ran.terminal[0].1, "Hello from the debian container\n");
        assert_eq!(ran.frame, ran.frames() - 1, "where the Pod has settled");
        assert!(ran.typed_ahead.is_none() && ran.running.is_empty());
    }

    /// Two commands sent before the first is answered: each gets its own
    /// output, in order.
    #[test]
    fn commands_are_answered_in_order() {
        let mut state = new_state(EXAMPLES[7].yaml.to_string());
        state.container = Some("shell".into());
        let one = Rc::new(state).reduce(Action::Exec("echo one".into()));
        let two = one.reduce(Action::Exec("echo two".into()));
        assert_eq!(two.requests().len(), 2);
        assert!(two.terminal.iter().all(|(_, output)| output == PENDING));
        let answered = settle(Rc::unwrap_or_clone(two));
        let outputs: Vec<&str> = answered.terminal.iter().map(|(_, o)| o.as_str()).collect();
        assert_eq!(outputs, ["one\n", "two\n"]);
    }

    #[test]
    fn every_lesson_starts_valid_and_not_done_and_its_variant_applies() {
        for (i, lesson) in crate::lessons::LESSONS.iter().enumerate() {
            let text = crate::lessons::lesson_text(lesson, EXAMPLES[lesson.example].yaml);
            if let Some((from, _)) = lesson.variant {
                assert!(EXAMPLES[lesson.example].yaml.contains(from), "lesson {i}");
            }
            let state = new_state(text);
            assert!(state.diagnostics.iter().all(|d| d.warning), "lesson {i}: {:?}", state.diagnostics);
            assert!(!(lesson.done)(&state.seen()), "lesson {i} is done before the learner did anything");
        }
    }

    #[test]
    fn the_schedule_lesson_is_done_once_the_selector_is_fixed() {
        let lesson = &crate::lessons::LESSONS[5];
        let state = new_state(crate::lessons::lesson_text(lesson, EXAMPLES[lesson.example].yaml));
        assert!(!(lesson.done)(&state.seen()));
        let fixed = new_state(
            crate::lessons::lesson_text(lesson, EXAMPLES[lesson.example].yaml)
                .replace("disktype: nvme", "disktype: ssd"),
        );
        assert!((lesson.done)(&fixed.seen()));
    }
}
