//! Play, pause, step forwards and backwards, scrub.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub lang: crate::lessons::Lang,
    pub frame: usize,
    pub frames: usize,
    pub playing: bool,
    pub time: String,
    pub on_seek: Callback<usize>,
    pub on_back: Callback<()>,
    pub on_forward: Callback<()>,
    pub on_play: Callback<()>,
    /// Milliseconds per instant while playing.
    pub tick_ms: u32,
    pub on_speed: Callback<u32>,
}

/// Playing speeds: (label, milliseconds per instant).
const SPEEDS: [(&str, u32); 4] = [("0.5×", 1200), ("1×", 600), ("2×", 300), ("4×", 150)];

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let on_input = {
        let on_seek = props.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                on_seek.emit(i.value().parse().unwrap_or(0));
            }
        })
    };
    let last = props.frames.saturating_sub(1);
    let on_speed = {
        let on_speed = props.on_speed.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                on_speed.emit(select.value().parse().unwrap_or(600));
            }
        })
    };
    let lang = props.lang;
    let position = match lang {
        crate::lessons::Lang::En => format!("t = {} · step {} of {}", props.time, props.frame, last),
        crate::lessons::Lang::Zh => format!("t = {} · 第 {} 步，共 {} 步", props.time, props.frame, last),
    };
    html! {
        <nav class="timeline" aria-label={lang.t("Time", "时间")}>
            <button onclick={props.on_back.reform(|_| ())} aria-label={lang.t("Step back (←)", "后退一步（←）")} disabled={props.frame == 0}>{ lang.t("◀ Back", "◀ 后退") }</button>
            <button onclick={props.on_play.reform(|_| ())} aria-label={lang.t("Play or pause (space)", "播放或暂停（空格）")}>{ if props.playing { lang.t("❚❚ Pause", "❚❚ 暂停") } else { lang.t("▶ Play", "▶ 播放") } }</button>
            <button onclick={props.on_forward.reform(|_| ())} aria-label={lang.t("Step forward (→)", "前进一步（→）")} disabled={props.frame >= last}>{ lang.t("Forward ▶", "前进 ▶") }</button>
            <input type="range" min="0" max={last.to_string()} value={props.frame.to_string()} oninput={on_input}
                aria-label={lang.t("Timeline", "时间轴")} aria-valuetext={position.clone()} />
            <label class="speed">{ lang.t("Speed ", "速度 ") }
                <select onchange={on_speed} aria-label={lang.t("Playing speed", "播放速度")}>
                    { for SPEEDS.iter().map(|(label, ms)| html! {
                        <option value={ms.to_string()} selected={*ms == props.tick_ms}>{ *label }</option>
                    }) }
                </select>
            </label>
            <span class="time" aria-live="polite">{ position }</span>
        </nav>
    }
}
