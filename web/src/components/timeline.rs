//! Play, pause, step forwards and backwards, scrub.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub frame: usize,
    pub frames: usize,
    pub playing: bool,
    pub time: String,
    pub on_seek: Callback<usize>,
    pub on_back: Callback<()>,
    pub on_forward: Callback<()>,
    pub on_play: Callback<()>,
}

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
    html! {
        <nav class="timeline" aria-label="Time">
            <button onclick={props.on_back.reform(|_| ())} aria-label="Step back (←)" disabled={props.frame == 0}>{ "◀ Back" }</button>
            <button onclick={props.on_play.reform(|_| ())} aria-label="Play or pause (space)">{ if props.playing { "❚❚ Pause" } else { "▶ Play" } }</button>
            <button onclick={props.on_forward.reform(|_| ())} aria-label="Step forward (→)" disabled={props.frame >= last}>{ "Forward ▶" }</button>
            <input type="range" min="0" max={last.to_string()} value={props.frame.to_string()} oninput={on_input} aria-label="Timeline" />
            <span class="time" aria-live="polite">{ format!("t = {} · step {} of {}", props.time, props.frame, last) }</span>
        </nav>
    }
}
