//! The instant on screen: the timeline, the Pod's status, the ways to break
//! it, the picture, and the panels (kubectl's view, the story so far, the
//! inside of a container, a terminal).

use yew::prelude::*;

use crate::components::panels::{BreakPanel, InsidePanel, StatusPanel, StoryPanel, Terminal};
use crate::components::picture::Picture;
use crate::components::timeline::Timeline;
use crate::run::{Frame, Inside, Picture as PictureModel};
use crate::state::Action;

/// What the instant shows. A plain view function renders it: the app
/// makes these only when they change, and draws them again only then.
pub struct InstantProps {
    pub lang: crate::lessons::Lang,
    /// The instant on screen, and its number.
    pub frame: Frame,
    pub index: usize,
    /// How many instants the run has.
    pub frames: usize,
    pub playing: bool,
    /// Milliseconds between instants while playing.
    pub tick_ms: u32,
    /// The text is invalid: what is shown is the last valid Pod.
    pub stale: bool,
    /// Simulated; false for the Pod as written, before it is run.
    pub recorded: bool,
    /// The picture one instant earlier.
    pub previous: Option<PictureModel>,
    /// This instant's data flows, and the ends outside the Pod.
    pub flows: Vec<podplay_core::trace::Flow>,
    pub outside: Vec<String>,
    /// The latest steps by this instant, and the number of the first.
    pub story: Vec<crate::components::panels::StoryLine>,
    pub story_first: usize,
    /// The Pod's container names, init containers first.
    pub containers: Vec<String>,
    /// The terminal's container and its exchanges at this instant.
    pub selected: Option<String>,
    pub history: std::rc::Rc<Vec<(String, String)>>,
    /// The selected container's inside at this instant.
    pub inside: Option<(String, Inside)>,
    pub actions: Callback<Action>,
}

pub fn instant(props: &InstantProps) -> Html {
    let lang = props.lang;
    let f = &props.frame;
    let actions = &props.actions;
    html! {
        <>
            <Timeline
                lang={lang}
                frame={props.index}
                frames={props.frames}
                playing={props.playing}
                time={format!("{}.{:03}s", f.at.0 / 1000, f.at.0 % 1000)}
                on_seek={actions.reform(Action::Seek)}
                on_back={actions.reform(|_| Action::Back)}
                on_forward={actions.reform(|_| Action::Forward)}
                on_play={actions.reform(|_| Action::TogglePlay)}
                tick_ms={props.tick_ms}
                on_speed={actions.reform(Action::Speed)}
            />
            <p class="status">{ status_line(f, props.recorded, lang) }</p>
            <BreakPanel lang={lang} containers={props.containers.clone()} running={f.picture.running()} deletable={props.recorded && f.picture.deletable()} on_break={actions.reform(Action::Break)} on_break_spec={actions.reform(Action::BreakSpec)} text_valid={!props.stale} />
            // The picture and the story side by side on a wide screen, one
            // above the other on a narrow one (style.css).
            <div class="scene">
                <Picture lang={lang} model={f.picture.clone()} flows={props.flows.clone()} outside={props.outside.clone()} stale={props.stale}
                    previous={props.previous.clone()} />
                <StoryPanel lang={lang} lines={props.story.clone()} first={props.story_first} />
            </div>
            <div class="panels">
                <StatusPanel lang={lang} get_wide={f.get_wide.clone()} describe={f.describe.clone()} />
                if let Some((c, i)) = props.inside.clone() {
                    <InsidePanel lang={lang} container={c} inside={i} />
                }
                <Terminal
                    lang={lang}
                    containers={props.containers.clone()}
                    selected={props.selected.clone()}
                    history={props.history.clone()}
                    on_select={actions.reform(Action::SelectContainer)}
                    on_exec={actions.reform(Action::Exec)}
                />
            </div>
        </>
    }
}

/// The Pod's STATUS column and phase, or kubectl's answer once it is gone
/// (or before it is created).
fn status_line(f: &Frame, recorded: bool, lang: crate::lessons::Lang) -> String {
    if !recorded {
        lang.t("Not created yet: press ▶ to run it", "尚未创建：按 ▶ 运行它").to_string()
    } else if f.picture.deleted {
        format!("Error from server (NotFound): pods \"{}\" not found", f.picture.name)
    } else {
        format!("STATUS {} · phase {}", f.status, f.phase)
    }
}
