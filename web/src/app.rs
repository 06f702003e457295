//! The root: wires browser events to reducer actions and holds the side
//! effects (saving the text, the play timer, fetching examples and docs,
//! keyboard shortcuts), each in its own hook.

use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use podplay_core::trace::{Flow, Step};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::browser;
use crate::components::editor::Editor;
use crate::components::header::{HeaderProps, header};
use crate::components::instant::{InstantProps, instant};
use crate::components::panels::{LessonPanel, REPEATS_LISTED, STORY_STEPS, StoryLine};
use crate::lessons::{LESSONS, Lang};
use crate::run::{Inside, Run};
use crate::simulator::{Reply, Request, Simulator};
use crate::state::{Action, DocsState, Notice, State};

/// The script that starts the simulator's worker (trunk's loader for the
/// `podplay-worker` module), beside `index.html`.
pub const WORKER_SCRIPT: &str = "./podplay-worker_loader.js";

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Where the Pods are simulated: the worker, or the page in tests.
    pub simulator: Simulator,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(|| State::open(browser::start()));
    use_saved_text(state.text.clone());
    use_saved_progress(state.lang, state.lesson, state.done.clone());
    use_play_timer(state.dispatcher(), state.playing, state.tick_ms);
    use_example_fetch(state.dispatcher(), state.wanted.map(|w| w.example()));
    use_docs_fetch(
        state.dispatcher(),
        state.docs == DocsState::Missing && (state.hover.is_some() || !state.completions.is_empty()),
    );
    use_key_shortcuts(state.dispatcher());
    // After the first render, which draws the Pod (as written, on a first
    // visit): the page is usable.
    use_effect_with((), |_| browser::mark(browser::DRAWN_MARK));
    use_analysis_after_typing(state.dispatcher(), state.pending);
    use_background_work(state.dispatcher(), state.work.is_some(), state.work_done);
    use_simulator(&state, &props.simulator);
    let inside = use_inside(&state, &props.simulator);

    // The same callbacks on every render, so that the parts whose inputs
    // did not change (the whole stage while the learner types) are not
    // drawn again.
    let actions = {
        let dispatcher = state.dispatcher();
        (*use_memo((), move |_| dispatcher.to_callback())).clone()
    };
    let shown = use_shown(&state, &inside, &actions);
    let editing = {
        let actions = actions.clone();
        (*use_memo((), move |_| EditorCallbacks::new(&actions))).clone()
    };
    let lang = state.lang;
    let other = if lang == Lang::En { Lang::Zh } else { Lang::En };
    let on_share = {
        let (text, lesson, dispatch) = (state.text.clone(), state.lesson, state.dispatcher());
        Callback::from(move |_| {
            let (text, dispatch) = (text.clone(), dispatch.clone());
            yew::platform::spawn_local(async move {
                dispatch
                    .dispatch(Action::Shared(browser::share(text.to_string(), lesson, lang).await.unwrap_or(false)));
            });
        })
    };
    html! {
        <div class="app" data-loading={state.wanted.is_some().then_some("example")}
            data-busy={busy(&state)}>
            { header(&HeaderProps {
                lang,
                lesson: state.lesson,
                on_lesson: actions.reform(Action::Lesson),
                on_example: actions.reform(Action::Example),
                on_share,
                shared: state.shared,
                can_restore: !state.undo.is_empty(),
                on_restore: actions.reform(|_| Action::Restore),
                done: state.done.clone(),
                on_lang: actions.reform(move |_: MouseEvent| Action::Lang(other)),
            }) }
            if state.wanted.is_some() {
                <p class="notice" aria-live="polite">{ lang.t("Loading the example…", "正在加载示例…") }</p>
            }
            // The first run of a visit waits for the simulator's module;
            // later ones keep the last picture until they come.
            if state.recording.is_some() && !state.welcome && state.run.as_ref().is_some_and(|r| !r.recorded) {
                <p class="notice" aria-live="polite">{ lang.t("Running the Pod in the simulator…", "正在模拟器中运行 Pod…") }</p>
            }
            if let Some(notice) = &state.notice {
                <p class="notice problem" role="alert">{ match notice {
                    Notice::Example(problem) => format!("{}: {problem}", lang.t("The example could not be loaded", "示例加载失败")),
                    Notice::Simulator(problem) => format!("{}: {problem}", lang.t("The Pod could not be simulated", "无法模拟该 Pod")),
                } }</p>
            }
            <main>
                <Editor lang={lang} text={state.text.clone()} diagnostics={state.diagnostics.clone()} on_edit={editing.edit}
                    on_cursor={editing.cursor} hover={state.hover.clone()}
                    completions={state.completions.clone()} docs={state.docs.clone()} on_complete={editing.complete}
                    can_restore={state.editor_can_restore()} on_restore={editing.restore} />
                <div class="stage">
                    if state.welcome {
                        { welcome(lang, &actions) }
                    }
                    if let Some(i) = state.lesson {
                        <LessonPanel index={i} lang={lang} done={LESSONS.get(i).is_some_and(|l| (l.done)(&state.seen()))} />
                    }
                    <Stage shown={shown} lang={lang} />
                </div>
            </main>
        </div>
    }
}

/// What the page is still working on, for tests to wait for: the analysis
/// of the text, or an answer of the simulator.
fn busy(state: &State) -> Option<&'static str> {
    if state.pending.is_some() || state.work.is_some() {
        Some("analysis")
    } else if !state.request_ids().is_empty() {
        Some("simulation")
    } else {
        None
    }
}

/// Sends the state's requests to the simulator, each once (by number),
/// and gives the answers to the reducer. The requests (which carry the
/// text) are made only when their numbers change, not at every render.
#[hook]
fn use_simulator(state: &UseReducerHandle<State>, simulator: &Simulator) {
    let sent = use_mut_ref(Vec::<u64>::new);
    let (state, simulator) = (state.clone(), simulator.clone());
    use_effect_with(state.request_ids(), move |ids| {
        let mut sent = sent.borrow_mut();
        // Only the requests still wanted are remembered.
        sent.retain(|id| ids.contains(id));
        let dispatch = state.dispatcher();
        for (id, request) in state.requests() {
            if !sent.contains(&id) {
                sent.push(id);
                let dispatch = dispatch.clone();
                simulator.ask(request, move |reply| dispatch.dispatch(Action::Simulated(id, reply)));
            }
        }
    });
}

/// The text survives a reload.
#[hook]
fn use_saved_text(text: Rc<str>) {
    use_effect_with(text, |text| {
        browser::save_text(text);
    });
}

/// The language, lesson and progress survive a reload; the page's `lang`
/// follows the language.
#[hook]
fn use_saved_progress(lang: Lang, lesson: Option<usize>, done: Vec<usize>) {
    use_effect_with((lang, lesson, done), |(lang, lesson, done)| {
        browser::set_page_lang(*lang);
        browser::save_progress(*lang, *lesson, done);
    });
}

/// A first visit's welcome: where to start.
fn welcome(lang: Lang, actions: &Callback<Action>) -> Html {
    html! {
        <section class="panel welcome" aria-label={lang.t("Welcome", "欢迎")}>
            <h2>{ lang.t("Welcome to podplay", "欢迎来到 podplay") }</h2>
            <p>{ lang.t(
                "The editor holds a Pod: two containers that share a volume. Press Play to watch Kubernetes start it step by step, or start with lesson 1, which explains the pause container that every Pod has.",
                "编辑器里是一个 Pod：两个共享同一个 Volume 的容器。按“播放”一步步观察 Kubernetes 如何启动它，或者从第 1 课开始，了解每个 Pod 都有的 pause 容器。",
            ) }</p>
            <p class="welcome-actions">
                <button class="primary" onclick={actions.reform(|_| Action::Lesson(0))}>{ lang.t("Start with lesson 1", "从第 1 课开始") }</button>
                <button onclick={actions.reform(|_| Action::TogglePlay)}>{ lang.t("▶ Press Play", "▶ 播放") }</button>
            </p>
        </section>
    }
}

/// The editor's callbacks, made once.
#[derive(Clone)]
struct EditorCallbacks {
    edit: Callback<String>,
    cursor: Callback<u32>,
    complete: Callback<String>,
    restore: Callback<()>,
}

impl EditorCallbacks {
    fn new(actions: &Callback<Action>) -> EditorCallbacks {
        EditorCallbacks {
            edit: actions.reform(Action::Edit),
            cursor: actions.reform(Action::Cursor),
            complete: actions.reform(Action::Complete),
            restore: actions.reform(|_| Action::Restore),
        }
    }
}

/// How long typing must pause before the text is analyzed (and the Pod
/// simulated again): a keystroke's frame only updates the editor.
const ANALYSIS_PAUSE_MS: u32 = 150;

/// The text typed (`pending`: the edit not analyzed yet) is analyzed once
/// typing pauses; each keystroke puts the timer off.
#[hook]
fn use_analysis_after_typing(dispatch: UseReducerDispatcher<State>, pending: Option<u64>) {
    use_effect_with(pending, move |&pending| {
        let timer =
            pending.map(|edit| Timeout::new(ANALYSIS_PAUSE_MS, move || dispatch.dispatch(Action::Analyze(edit))));
        move || drop(timer)
    });
}

/// The analysis under way goes on a slice at a time, each in its own task,
/// so that a keystroke is never kept waiting behind it for long.
#[hook]
fn use_background_work(dispatch: UseReducerDispatcher<State>, busy: bool, done: u64) {
    use_effect_with((busy, done), move |&(busy, _)| {
        let timer = busy.then(|| Timeout::new(0, move || dispatch.dispatch(Action::Work(browser::clock()))));
        move || drop(timer)
    });
}

/// Playing advances one instant per tick (600 ms at 1×).
#[hook]
fn use_play_timer(dispatch: UseReducerDispatcher<State>, playing: bool, tick_ms: u32) {
    use_effect_with((playing, tick_ms), move |&(playing, ms)| {
        let timer = playing.then(|| Interval::new(ms, move || dispatch.dispatch(Action::Tick)));
        move || drop(timer)
    });
}

/// An example (or a lesson's example) picked but not here yet is fetched.
#[hook]
fn use_example_fetch(dispatch: UseReducerDispatcher<State>, wanted: Option<usize>) {
    use_effect_with(wanted, move |&wanted| {
        if let Some(index) = wanted {
            yew::platform::spawn_local(async move {
                dispatch.dispatch(Action::ExampleFetched(browser::load_example(index).await))
            });
        }
    });
}

/// The field docs are fetched the first time a field's docs are on screen
/// (`wanted`: they are missing and something shows them).
#[hook]
fn use_docs_fetch(dispatch: UseReducerDispatcher<State>, wanted: bool) {
    use_effect_with(wanted, move |&wanted| {
        if wanted {
            // Loading from now on, so that no second fetch starts.
            dispatch.dispatch(Action::DocsRequested);
            yew::platform::spawn_local(async move { dispatch.dispatch(Action::Docs(browser::load_docs().await)) });
        }
    });
}

/// ← → and space, when the focus is not in the editor or a field; Ctrl+Z
/// restores the learner's Pod.
#[hook]
fn use_key_shortcuts(dispatch: UseReducerDispatcher<State>) {
    use_effect_with((), move |_| {
        let listener = gloo_events(dispatch);
        move || drop(listener)
    });
}

/// The inside of the selected container at the instant on screen.
///
/// Re-simulating to the instant is the costly part of the inside panel:
/// asked of the simulator when the instant, the container or the run
/// changes, not on every render (keystrokes, cursor moves, play ticks).
/// Until the answer comes, the last one stays on screen.
#[hook]
fn use_inside(state: &State, simulator: &Simulator) -> Rc<Option<(String, Inside)>> {
    let shown = use_state(|| Rc::new(None));
    let asked = use_mut_ref(|| 0u64);
    let run = state.run.clone().filter(|r| r.recorded);
    let key = (state.frame, state.container.clone(), run.as_ref().map(|r| Rc::as_ptr(r) as usize));
    let (setter, simulator) = (shown.setter(), simulator.clone());
    use_effect_with(key, move |(frame, container, _)| {
        let (Some(run), Some(container)) = (run, container.clone()) else {
            setter.set(Rc::new(None));
            return;
        };
        *asked.borrow_mut() += 1;
        let this = *asked.borrow();
        let request = Request::Inside { scenario: run.scenario(), at: run.at(*frame), container: container.clone() };
        simulator.ask(request, move |reply| {
            // An answer for an instant no longer on screen is dropped.
            if let (Reply::Inside(inside), true) = (reply, *asked.borrow() == this) {
                setter.set(Rc::new(Some((container, inside))));
            }
        });
    });
    (*shown).clone()
}

/// What the stage shows, made only when something it shows changed: a
/// keystroke, which changes none of it, neither remakes nor redraws it.
#[derive(Clone)]
struct Shown(Rc<Option<InstantProps>>);

impl PartialEq for Shown {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
struct StageProps {
    shown: Shown,
    lang: Lang,
}

#[function_component(Stage)]
fn stage(props: &StageProps) -> Html {
    match &*props.shown.0 {
        Some(shown) => instant(shown),
        None => {
            html! { <p class="empty">{ props.lang.t("Fix the YAML to see the Pod run.", "改好 YAML，就能看到 Pod 运行。") }</p> }
        }
    }
}

#[hook]
fn use_shown(
    state: &UseReducerHandle<State>,
    inside: &Rc<Option<(String, Inside)>>,
    actions: &Callback<Action>,
) -> Shown {
    let key = (
        state.run.as_ref().map(|r| Rc::as_ptr(r) as usize),
        state.frame,
        state.lang,
        state.playing,
        state.tick_ms,
        state.stale,
        state.container.clone(),
        state.terminal.clone(),
        state.exec_flows.clone(),
        Rc::as_ptr(inside) as usize,
    );
    let (state, inside, actions) = (state.clone(), inside.clone(), actions.clone());
    let shown = use_memo(key, move |_| instant_props(&state, (*inside).clone(), &actions));
    Shown(shown)
}

/// What the stage shows of the instant on screen, or `None` while there is
/// no simulation to show.
fn instant_props(state: &State, inside: Option<(String, Inside)>, actions: &Callback<Action>) -> Option<InstantProps> {
    let run = state.run.as_ref()?;
    let frame = run.frames.get(state.frame).cloned()?;
    let previous = state.frame.checked_sub(1).and_then(|i| run.frames.get(i));
    // The steps that had happened by this instant, borrowed from the run;
    // only what is shown is copied.
    let steps = &run.steps[..frame.steps.min(run.steps.len())];
    let (story, story_from) = story_lines(run, steps.len(), state.lang);
    Some(InstantProps {
        lang: state.lang,
        index: state.frame,
        frames: state.frames(),
        playing: state.playing,
        tick_ms: state.tick_ms,
        stale: state.stale,
        recorded: run.recorded,
        flows: match &state.exec_flows {
            // What the learner's last command moved, at the instant it ran.
            Some((at, flows)) if *at == state.frame && !flows.is_empty() => flows.clone(),
            _ => flows(steps, previous.map_or(0, |p| p.steps)),
        },
        outside: run.outside.clone(),
        previous: previous.map(|p| p.picture.clone()),
        frame,
        story,
        story_first: story_from + 1,
        containers: container_names(run),
        selected: state.container.clone(),
        history: state.terminal.clone(),
        inside,
        actions: actions.clone(),
    })
}

/// Most flows drawn at one instant.
const MAX_FLOWS: usize = 6;

/// The data flows the picture draws at this instant: those of the steps
/// since the previous instant (`since`: the steps that had happened by
/// then), each once, in order.
fn flows(steps: &[Step], since: usize) -> Vec<Flow> {
    let mut flows: Vec<Flow> = Vec::new();
    for flow in steps[since.min(steps.len())..].iter().filter_map(|s| s.flow.as_ref()) {
        if !flows.contains(flow) && flows.len() < MAX_FLOWS {
            flows.push(flow.clone());
        }
    }
    flows
}

/// The Pod's container names, init containers first.
fn container_names(run: &Run) -> Vec<String> {
    run.pod
        .spec
        .as_ref()
        .map(|s| s.init_containers.iter().flatten().chain(s.containers.iter()).map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

/// Keyboard shortcuts on the document.
fn gloo_events(dispatch: UseReducerDispatcher<State>) -> Option<KeyListener> {
    let document = web_sys::window()?.document()?;
    let closure =
        wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"));
            // Ctrl+Z outside the editor and fields restores the learner's Pod
            // (in the editor, the browser's undo comes first).
            if !typing && (e.ctrl_key() || e.meta_key()) && e.key().eq_ignore_ascii_case("z") {
                e.prevent_default();
                dispatch.dispatch(Action::Restore);
                return;
            }
            if typing {
                return;
            }
            match e.key().as_str() {
                "ArrowLeft" => dispatch.dispatch(Action::Back),
                "ArrowRight" => dispatch.dispatch(Action::Forward),
                " " => {
                    e.prevent_default();
                    dispatch.dispatch(Action::TogglePlay);
                }
                _ => {}
            }
        });
    document.add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref()).ok()?;
    Some(KeyListener { document, closure })
}

/// Removes the listener when dropped.
pub struct KeyListener {
    document: web_sys::Document,
    closure: wasm_bindgen::closure::Closure<dyn FnMut(web_sys::KeyboardEvent)>,
}

impl Drop for KeyListener {
    fn drop(&mut self) {
        let _ = self.document.remove_event_listener_with_callback("keydown", self.closure.as_ref().unchecked_ref());
    }
}

/// The story told so far, folded, and the number of its first line shown:
/// only the latest [`STORY_STEPS`] lines are listed.
fn story_lines(run: &Run, steps: usize, lang: Lang) -> (Vec<StoryLine>, usize) {
    // A runtime's steps have their 中文; Kubernetes' own words stay.
    let words = |s: &podplay_core::trace::Step| match (lang, &s.zh) {
        (Lang::Zh, Some(zh)) => zh.clone(),
        _ => s.text.clone(),
    };
    // The run's fold cut at this instant: the lines begun by then, each
    // with the repeats that had happened (both are in step order).
    let end = run.told.partition_point(|t| t.step < steps);
    let from = end.saturating_sub(STORY_STEPS);
    let lines = run.told[from..end]
        .iter()
        .filter_map(|t| {
            let step = run.steps.get(t.step)?.clone();
            let happened = &t.repeats[..t.repeats.partition_point(|&r| r < steps)];
            let listed = &happened[happened.len().saturating_sub(REPEATS_LISTED)..];
            let repeats = listed.iter().filter_map(|&i| run.steps.get(i)).map(|s| (s.at, words(s))).collect();
            Some(StoryLine { index: t.step, text: words(&step), step, times: 1 + happened.len(), repeats })
        })
        .collect();
    (lines, from)
}
