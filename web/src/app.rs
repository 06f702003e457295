//! The root: wires browser events to reducer actions and holds the side
//! effects (saving the text, the play timer, keyboard shortcuts).

use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::browser;
use crate::components::editor::Editor;
use crate::components::panels::{BreakPanel, InsidePanel, LessonPanel, STORY_STEPS, StatusPanel, StoryPanel, Terminal};
use crate::components::picture::Picture;
use crate::components::timeline::Timeline;
use crate::examples::EXAMPLES;
use crate::lessons::{LESSONS, Lang};
use crate::state::{Action, DocsState, State};

#[function_component(App)]
pub fn app() -> Html {
    let state =
        use_reducer(|| State::new(browser::initial_text().unwrap_or_else(|| crate::examples::FIRST.to_string())));

    // The text survives a reload.
    {
        let text = state.text.clone();
        use_effect_with(text, |text| {
            browser::save_text(text);
        });
    }
    // Playing advances one instant per tick (600 ms at 1×).
    {
        let dispatch = state.dispatcher();
        use_effect_with((state.playing, state.tick_ms), move |&(playing, ms)| {
            let timer = playing.then(|| Interval::new(ms, move || dispatch.dispatch(Action::Tick)));
            move || drop(timer)
        });
    }
    // An example (or a lesson's example) picked but not here yet is fetched.
    {
        let dispatch = state.dispatcher();
        let wanted = state.wanted.map(|w| w.example());
        use_effect_with(wanted, move |&wanted| {
            if let Some(index) = wanted {
                yew::platform::spawn_local(async move {
                    dispatch.dispatch(Action::ExampleFetched(browser::load_example(index).await))
                });
            }
        });
    }
    // The field docs are fetched the first time a field's docs are on screen.
    {
        let dispatch = state.dispatcher();
        let wanted = state.docs == DocsState::Missing && (state.hover.is_some() || !state.completions.is_empty());
        use_effect_with(wanted, move |&wanted| {
            if wanted {
                // Loading from now on, so that no second fetch starts.
                dispatch.dispatch(Action::DocsRequested);
                yew::platform::spawn_local(async move { dispatch.dispatch(Action::Docs(browser::load_docs().await)) });
            }
        });
    }
    // ← → and space, when the focus is not in the editor or a field.
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = gloo_events(dispatch);
            move || drop(listener)
        });
    }

    let on_edit = {
        let dispatch = state.dispatcher();
        Callback::from(move |text: String| dispatch.dispatch(Action::Edit(text)))
    };
    let on_example = {
        let dispatch = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                if let Ok(i) = s.value().parse::<usize>() {
                    dispatch.dispatch(Action::Example(i));
                }
            }
        })
    };
    let on_lesson = {
        let dispatch = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                if let Ok(i) = s.value().parse::<usize>() {
                    dispatch.dispatch(Action::Lesson(i));
                }
            }
        })
    };
    let lang = state.lang;
    let other = if lang == Lang::En { Lang::Zh } else { Lang::En };
    let on_lang = state.dispatcher().to_callback().reform(move |_: MouseEvent| Action::Lang(other));
    let on_share = {
        let text = state.text.clone();
        Callback::from(move |_| {
            browser::share(&text);
        })
    };
    let actions = state.dispatcher().to_callback();
    let run = state.run.clone();
    // Re-simulating to the instant is the costly part of the inside panel:
    // done when the instant, the container or the run changes, not on every
    // render (keystrokes, cursor moves, play ticks).
    let inside = {
        let run = run.clone();
        let key = (state.frame, state.container.clone(), run.as_ref().map(|r| std::rc::Rc::as_ptr(r) as usize));
        use_memo(key, move |(frame, container, _)| {
            run.as_ref().zip(container.as_ref()).map(|(r, c)| (c.clone(), r.inside(*frame, c)))
        })
    };
    let frame = run.as_ref().and_then(|r| r.frames.get(state.frame).cloned());
    // The steps that had happened by this instant, borrowed from the run;
    // only what is shown is copied.
    let steps: &[podplay_sim::trace::Step] = match (&run, &frame) {
        (Some(r), Some(f)) => &r.steps[..f.steps.min(r.steps.len())],
        _ => &[],
    };
    // The picture draws this instant's data flow: the latest step since the
    // previous instant that moved data (several steps can share an instant).
    let flow_step = {
        let since = state.frame.checked_sub(1).and_then(|i| run.as_ref()?.frames.get(i)).map_or(0, |p| p.steps);
        steps.get(since.min(steps.len())..).and_then(|new| new.iter().rev().find(|s| s.flow.is_some())).cloned()
    };
    let story_from = steps.len().saturating_sub(STORY_STEPS);
    let containers: Vec<String> = run
        .as_ref()
        .and_then(|r| r.pod.spec.as_ref())
        .map(|s| s.init_containers.iter().flatten().chain(s.containers.iter()).map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    html! {
        <div class="app" data-loading={state.wanted.is_some().then_some("example")}>
            <header>
                <h1>{ "podplay" }</h1>
                <p class="tagline">{ lang.t("Edit a Pod. See every mistake. Step through what Kubernetes does.", "编辑 Pod，看清每个错误，一步步观察 Kubernetes 做了什么。") }</p>
                <label class="examples">{ lang.t("Lesson ", "课程 ") }
                    <select onchange={on_lesson} aria-label="Lessons">
                        <option value="" selected={state.lesson.is_none()} disabled=true>{ lang.t("choose…", "选择…") }</option>
                        { for LESSONS.iter().enumerate().map(|(i, l)| html!{ <option value={i.to_string()} selected={state.lesson == Some(i)}>{ lang.t(l.title.0, l.title.1) }</option> }) }
                    </select>
                </label>
                <label class="examples">{ "Example " }
                    <select onchange={on_example} aria-label="Examples">
                        <option value="" selected=true disabled=true>{ "choose…" }</option>
                        { for EXAMPLES.iter().enumerate().map(|(i, e)| html!{ <option value={i.to_string()}>{ e.title }</option> }) }
                    </select>
                </label>
                <button onclick={on_share} title="Put a link to this Pod in the address bar">{ lang.t("Share link", "分享链接") }</button>
                <button onclick={on_lang} aria-label="Language / 语言">{ if lang == Lang::En { "中文" } else { "English" } }</button>
            </header>
            if state.wanted.is_some() {
                <p class="notice" aria-live="polite">{ lang.t("Loading the example…", "正在加载示例…") }</p>
            }
            if let Some(problem) = &state.notice {
                <p class="notice problem" role="alert">{ format!("{}: {problem}", lang.t("The example could not be loaded", "示例加载失败")) }</p>
            }
            <main>
                <Editor lang={lang} text={state.text.clone()} diagnostics={state.diagnostics.clone()} on_edit={on_edit}
                    on_cursor={state.dispatcher().to_callback().reform(Action::Cursor)} hover={state.hover.clone()}
                    completions={state.completions.clone()} docs={state.docs.clone()} on_complete={state.dispatcher().to_callback().reform(Action::Complete)} />
                <div class="stage">
                    if let Some(i) = state.lesson {
                        <LessonPanel index={i} lang={lang} done={LESSONS.get(i).is_some_and(|l| (l.done)(&state))} />
                    }
                    if let Some(f) = &frame {
                        <Timeline
                            lang={lang}
                            frame={state.frame}
                            frames={state.frames()}
                            playing={state.playing}
                            time={format!("{}.{:03}s", f.at.0 / 1000, f.at.0 % 1000)}
                            on_seek={actions.reform(Action::Seek)}
                            on_back={actions.reform(|_| Action::Back)}
                            on_forward={actions.reform(|_| Action::Forward)}
                            on_play={actions.reform(|_| Action::TogglePlay)}
                            tick_ms={state.tick_ms}
                            on_speed={actions.reform(Action::Speed)}
                        />
                        <p class="status">{ format!("STATUS {} · phase {}", f.status, f.phase) }</p>
                        <BreakPanel lang={lang} containers={containers.clone()} on_break={actions.reform(Action::Break)} on_break_spec={actions.reform(Action::BreakSpec)} text_valid={!state.stale} />
                        <Picture lang={lang} model={f.picture.clone()} step={flow_step} stale={state.stale}
                            previous={state.frame.checked_sub(1).and_then(|i| run.as_ref()?.frames.get(i)).map(|p| p.picture.clone())} />
                        <div class="panels">
                            <StatusPanel get_wide={f.get_wide.clone()} describe={f.describe.clone()} />
                            <StoryPanel lang={lang} steps={steps[story_from..].to_vec()} first={story_from + 1} />
                            if let Some((c, i)) = (*inside).clone() {
                                <InsidePanel lang={lang} container={c} inside={i} />
                            }
                            <Terminal
                                lang={lang}
                                containers={containers}
                                selected={state.container.clone()}
                                history={state.terminal.clone()}
                                on_select={actions.reform(Action::SelectContainer)}
                                on_exec={actions.reform(Action::Exec)}
                            />
                        </div>
                    } else {
                        <p class="empty">{ "Fix the YAML to see the Pod run." }</p>
                    }
                </div>
            </main>
        </div>
    }
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
