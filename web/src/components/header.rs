//! The header: the title, the lesson and example pickers, the share button
//! and the language switch.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::examples::EXAMPLES;
use crate::lessons::{LESSONS, Lang};

/// What the header shows and where its choices go. The header is a plain
/// view function, not a component: a component costs the first load its own
/// machinery, and the header has no state.
pub struct HeaderProps {
    pub lang: Lang,
    /// The lesson being followed, if any.
    pub lesson: Option<usize>,
    /// A lesson was picked: its index in [`LESSONS`].
    pub on_lesson: Callback<usize>,
    /// An example was picked: its index in [`EXAMPLES`].
    pub on_example: Callback<usize>,
    pub on_share: Callback<MouseEvent>,
    /// The share link was made: copied (`true`) or only in the address bar.
    pub shared: Option<bool>,
    /// The lessons done (marked ✔ in the list).
    pub done: Vec<usize>,
    /// Something replaced the learner's Pod: it can be restored.
    pub can_restore: bool,
    pub on_restore: Callback<MouseEvent>,
    /// The language button: switch to the other language.
    pub on_lang: Callback<MouseEvent>,
}

pub fn header(props: &HeaderProps) -> Html {
    let lang = props.lang;
    html! {
        <header>
            <h1>{ "podplay" }</h1>
            <p class="tagline">{ lang.t("Edit a Pod. See every mistake. Step through what Kubernetes does.", "编辑 Pod，看清每个错误，一步步观察 Kubernetes 做了什么。") }</p>
            <label class="examples">{ lang.t("Lesson ", "课程 ") }
                <select name="lessons" onchange={on_pick(&props.on_lesson)} aria-label={lang.t("Lessons", "课程")}>
                    <option value="" selected={props.lesson.is_none()} disabled=true>{ lang.t("choose…", "选择…") }</option>
                    { for LESSONS.iter().enumerate().map(|(i, l)| html!{ <option value={i.to_string()} selected={props.lesson == Some(i)}>{ format!("{}{}", lang.t(l.title.0, l.title.1), if props.done.contains(&i) { " ✔" } else { "" }) }</option> }) }
                </select>
            </label>
            <label class="examples">{ lang.t("Example ", "示例 ") }
                <select name="examples" onchange={on_pick(&props.on_example)} aria-label={lang.t("Examples", "示例")}>
                    <option value="" selected=true disabled=true>{ lang.t("choose…", "选择…") }</option>
                    { for EXAMPLES.iter().enumerate().map(|(i, e)| html!{ <option value={i.to_string()}>{ lang.t(e.title.0, e.title.1) }</option> }) }
                </select>
            </label>
            if props.can_restore {
                <button class="restore" onclick={props.on_restore.clone()} title={lang.t("Go back to your Pod as it was before the last lesson, example or break (Ctrl+Z)", "回到上一次课程、示例或破坏之前的 Pod（Ctrl+Z）")}>{ lang.t("↶ Restore my Pod", "↶ 恢复我的 Pod") }</button>
            }
            <button onclick={props.on_share.clone()} title={lang.t("Put a link to this Pod, lesson and language in the address bar and on the clipboard", "把指向这个 Pod、课程和语言的链接放到地址栏和剪贴板")}>{ lang.t("Share link", "分享链接") }</button>
            if let Some(copied) = props.shared {
                <span class="shared" role="status">{ if copied { lang.t("Link copied", "链接已复制") } else { lang.t("Link is in the address bar", "链接已在地址栏中") } }</span>
            }
            <button onclick={props.on_lang.clone()} aria-label="Language / 语言">{ if lang == Lang::En { "中文" } else { "English" } }</button>
        </header>
    }
}

/// A `<select>`'s change, as the index it picked (its options' values are
/// indices).
fn on_pick(on_index: &Callback<usize>) -> Callback<Event> {
    let on_index = on_index.clone();
    Callback::from(move |e: Event| {
        if let Some(s) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
            if let Ok(i) = s.value().parse::<usize>() {
                on_index.emit(i);
            }
        }
    })
}
